/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `imgtool sign`: loads the input, builds header, protected and
 * unprotected TLV areas in imgtool's order, signs through the key store,
 * encrypts, compresses, pads and writes .bin or .hex output into a
 * fileset. Follows imgtool's Image.create()/save() step by step.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "lib/ihex.h"
#include "lib/mcuboot/mcuboot-int.h"

/* Most trailer pieces plus the image in a HEX output. */
#define HEX_SEGS_MAX	3

struct custom_val {
	unsigned	 tag;
	const uint8_t	*val;
	size_t		 len;
	uint8_t		*owned;
};

/* Everything one `sign` run knows before building images. */
struct signctx {
	const struct mcuboot_args	*a;
	const struct fileset		*in;
	struct zs_key			*key;
	EVP_PKEY			*pub;	/* key's, or --fix-sig-pubkey */
	EVP_PKEY			*fixpub;
	int				 fixpub_private;
	EVP_PKEY			*rcpt;	/* -E recipient */
	const struct mcuboot_keytype	*kt;
	const struct mcuboot_hash	*h;
	uint8_t				*fixsig;
	size_t				 fixsiglen;
	uint8_t				*pubbytes;
	size_t				 pubbyteslen;
	uint8_t				 keyhash[MCUBOOT_DIGEST_MAX];
	size_t				 keyhashlen;
	struct custom_val		 custom[MCUBOOT_CUSTOM_TLVS_MAX];
	size_t				 ncustom;
	const uint8_t			*input;		/* as loaded */
	uint8_t				*input_owned;	/* from HEX */
	size_t				 inputlen;
	size_t				 body_off;	/* header space */
	uint32_t			 base;		/* HEX base address */
	int				 has_base;
	char				 cid[33];	/* written CID, hex */
	int				 has_seccnt;
	uint32_t			 seccnt;	/* written counter */
	/* What imgtool prints on stdout meanwhile (mcuboot.h). */
	char				 say[MCUBOOT_STDOUT_LINES]
					    [MCUBOOT_STDOUT_LEN];
	size_t				 nsay;
};

/* A TLV value produced by the first pass for the compressed one. */
struct comp_tlv {
	unsigned	 type;
	uint8_t		*val;
	size_t		 len;
};
#define COMP_TLVS_MAX	4	/* DECOMP_SIZE/SHA/SIGNATURE, COMP_DEC_SIZE */

/* One run of imgtool's Image.create(). */
struct pass {
	const uint8_t	*body;
	size_t		 bodylen;
	int		 dont_encrypt;
	int		 non_bootable;
	uint32_t	 comp_flags;
	struct comp_tlv	 comp[COMP_TLVS_MAX];
	size_t		 ncomp;
	/* results */
	struct buf	*img;
	size_t		 hashed_len;
	size_t		 body_at;	/* where the body starts in img */
	size_t		 body_end;	/* end of body and its padding */
	int		 body_is_input;	/* body: the input file's own bytes */
	int		 body_hole;	/* body left out of img (a hole) */
	int		 body_changed;	/* encrypted in img after hashing */
	EVP_MD_CTX	*tail;		/* SHA-256 of [0, hashed_len), open */
	uint8_t		 digest[MCUBOOT_DIGEST_MAX];
	uint8_t		*sig;
	size_t		 siglen;
	size_t		 enctlv_len;
	uint8_t		 aeskey[MCUBOOT_AES_KEY_MAX];
	int		 vector_done;
};

static void
pass_free(struct pass *p)
{
	size_t i;

	buf_free(p->img);
	EVP_MD_CTX_free(p->tail);
	free(p->sig);
	for (i = 0; i < p->ncomp; i++)
		free(p->comp[i].val);
	OPENSSL_cleanse(p->aeskey, sizeof(p->aeskey));
	memset(p, 0, sizeof(*p));
}

/* Note a line imgtool prints on stdout (image.py's or main.py's). */
static void	say(struct signctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
say(struct signctx *c, const char *fmt, ...)
{
	va_list ap;

	/* Never full: MCUBOOT_STDOUT_LINES counts imgtool's prints. */
	if (c->nsay == MCUBOOT_STDOUT_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(c->say[c->nsay++], MCUBOOT_STDOUT_LEN, fmt, ap);
	va_end(ap);
}

static int
version_check(const struct mcuboot_version *v, const char *what,
    struct zs_errbuf *eb)
{
	if (v->major > 0xff || v->minor > 0xff || v->revision > 0xffff ||
	    v->build > 0xffffffffu)
		return zs_errf(eb, ZS_ERR_INVALID, "%s %llu.%llu.%llu+%llu "
		    "does not fit the version fields (u8.u8.u16+u32)", what,
		    v->major, v->minor, v->revision, v->build);
	return 0;
}

static int
put_version(struct buf *b, const struct mcuboot_version *v, int be)
{
	int r;

	if ((r = buf_put_u8(b, (uint8_t)v->major)) != 0 ||
	    (r = buf_put_u8(b, (uint8_t)v->minor)) != 0 ||
	    (r = buf_put_u16(b, (uint16_t)v->revision, be)) != 0)
		return r;
	return buf_put_u32(b, (uint32_t)v->build, be);
}

/* Protected TLV writers, in imgtool's order. */
typedef int (*tlv_writer)(struct signctx *, struct pass *,
    struct mcuboot_tlvs *, struct zs_errbuf *);

static int
w_seccnt(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	unsigned long long v;
	uint8_t b[4];

	if (a->seccnt_mode == 0)
		return 0;
	v = a->seccnt_mode == 2 ? (a->ver.major << 24) + (a->ver.minor << 16) +
	    a->ver.revision : a->seccnt;
	if (v > 0xffffffffu)
		return zs_errf(eb, ZS_ERR_INVALID, "security counter %llu does "
		    "not fit in 32 bits", v);
	zs_set_u32(b, (uint32_t)v, a->big_endian);
	c->has_seccnt = 1;
	c->seccnt = (uint32_t)v;
	return mcuboot_tlvs_add(t, TLV_SEC_CNT, 0, b, sizeof(b), eb);
}

/* Characters (not bytes) of a UTF-8 string, as Python's len() counts. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int
w_boot_record(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	static const uint8_t zero_signer[32];
	const struct mcuboot_args *a = c->a;
	struct buf *b;
	int r;

	if (a->boot_record == NULL)
		return 0;
	if (utf8_chars(a->boot_record) > MCUBOOT_SW_TYPE_MAX)
		return zs_errf(eb, ZS_ERR_USAGE, "'%.100s' is too long (%zu "
		    "characters) for sw_type. Its maximum allowed length is "
		    "12 characters.", a->boot_record,
		    utf8_chars(a->boot_record));
	b = buf_new(MCUBOOT_TLV_AREA_MAX);
	/* Unsigned images carry 32 zero bytes as signer id. */
	r = mcuboot_boot_record(a->boot_record, &a->ver, c->h->name, c->h->len,
	    c->pub != NULL ? c->keyhash : zero_signer,
	    c->pub != NULL ? c->keyhashlen : sizeof(zero_signer), b);
	if (r == 0)
		r = mcuboot_tlvs_add(t, TLV_BOOT_RECORD, 0, buf_ptr(b),
		    buf_len(b), eb);
	else
		zs_errf(eb, r, "boot record too large");
	buf_free(b);
	return r;
}

static int
w_deps(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	struct buf *b;
	size_t i;
	int r = 0;

	for (i = 0; i < a->ndeps && r == 0; i++) {
		if (a->deps[i].id > 0xff)
			return zs_errf(eb, ZS_ERR_INVALID, "dependency image "
			    "id %llu does not fit in 8 bits", a->deps[i].id);
		if ((r = version_check(&a->deps[i].ver, "dependency version",
		    eb)) != 0)
			return r;
		b = buf_new(16);
		if ((r = buf_put_u8(b, (uint8_t)a->deps[i].id)) == 0 &&
		    (r = buf_put_fill(b, 0, 3)) == 0 &&
		    (r = put_version(b, &a->deps[i].ver, a->big_endian)) == 0)
			r = mcuboot_tlvs_add(t, TLV_DEPENDENCY, 0, buf_ptr(b),
			    buf_len(b), eb);
		buf_free(b);
	}
	return r;
}

static int
w_comp(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	size_t i;
	int r;

	for (i = 0; i < p->ncomp; i++)
		if ((r = mcuboot_tlvs_add(t, p->comp[i].type, 0, p->comp[i].val,
		    p->comp[i].len, eb)) != 0)
			return r;
	return 0;
}

static int
w_uuid(struct signctx *c, struct mcuboot_tlvs *t, unsigned type,
    struct zs_errbuf *eb)
{
	const char *vid = c->a->vid, *cid = c->a->cid;
	uint8_t v[16], ns[16];
	int r;

	if (type == TLV_UUID_VID) {
		if (vid == NULL)
			return 0;
		r = mcuboot_uuid_parse(mcuboot_uuid_ns_dns, vid, v, eb);
	} else {
		if (cid == NULL)
			return 0;
		/* A CID name lives in the namespace of the VID UUID. */
		if (vid != NULL && (r = mcuboot_uuid_parse(mcuboot_uuid_ns_dns,
		    vid, ns, eb)) != 0)
			return r;
		r = mcuboot_uuid_parse(vid != NULL ? ns : NULL, cid, v, eb);
	}
	if (r == 0)
		r = mcuboot_tlvs_add(t, type, 0, v, sizeof(v), eb);
	/* The image class anti-rollback marks belong to (policy.c). */
	if (r == 0 && type == TLV_UUID_CID)
		zs_hex_encode(v, sizeof(v), c->cid);
	return r;
}

static int
w_vid(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	return w_uuid(c, t, TLV_UUID_VID, eb);
}

static int
w_cid(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	return w_uuid(c, t, TLV_UUID_CID, eb);
}

static int
w_custom(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	size_t i;
	int r;

	for (i = 0; i < c->ncustom; i++)
		if ((r = mcuboot_tlvs_add(t, c->custom[i].tag, 1,
		    c->custom[i].val, c->custom[i].len, eb)) != 0)
			return r;
	return 0;
}

static const tlv_writer prot_writers[] = {
	w_seccnt, w_boot_record, w_deps, w_comp, w_vid, w_cid, w_custom,
};

/* Unprotected TLV writers; those after the vector cut run only to sign. */
static int
w_hash(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	return mcuboot_tlvs_add(t, c->h->tlv, 0, p->digest, c->h->len, eb);
}

static int
w_pure(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	static const uint8_t one = 1;

	if (!c->a->pure)
		return 0;
	return mcuboot_tlvs_add(t, TLV_SIG_PURE, 0, &one, 1, eb);
}

static int
w_keyinfo(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	if (c->pub == NULL)
		return 0;
	if (c->a->pubkey_full)
		return mcuboot_tlvs_add(t, TLV_PUBKEY, 0, c->pubbytes,
		    c->pubbyteslen, eb);
	return mcuboot_tlvs_add(t, TLV_KEYHASH, 0, c->keyhash, c->keyhashlen,
	    eb);
}

/* Sign (or take --fix-sig), then check the result with the public key. */
static int
w_sig(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	const struct mcuboot_keytype *kt = c->kt;
	const uint8_t *msg;
	uint8_t *sig = NULL;
	size_t msglen, siglen = 0;
	int r;

	if (c->pub == NULL)
		return 0;
	if (c->key != NULL && c->fixsig != NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "Can not sign using key and "
		    "provide fixed-signature at the same time");
	if (c->fixsig != NULL) {
		sig = xmalloc(c->fixsiglen + 1);
		memcpy(sig, c->fixsig, c->fixsiglen);
		siglen = c->fixsiglen;
		goto add;
	}
	/* imgtool's PayloadSigner (RSA, ECDSA) or DigestSigner (Ed25519). */
	say(c, "image.py: sign the %s", kt->sign_message ? "digest" :
	    "payload");
	/* The message: the digest, or with --pure the whole hashed range. */
	msg = c->a->pure ? buf_ptr(p->img) : p->digest;
	msglen = c->a->pure ? p->hashed_len : c->h->len;
	if ((r = zs_key_sign(c->key, kt->sigalg, msg, msglen, &sig, &siglen,
	    eb)) != 0)
		return r;
	if (mcuboot_sig_verify(kt, zs_key_public(c->key), msg, msglen, sig,
	    siglen) != 0) {
		free(sig);
		return zs_errf(eb, ZS_ERR_VERIFY, "the signature made by key "
		    "'%s' does not verify with its public key",
		    zs_key_name(c->key));
	}
	if (c->a->pad_sig && kt->pad_sig_len > siglen) {
		sig = xreallocarray(sig, kt->pad_sig_len, 1);
		memset(sig + siglen, 0, kt->pad_sig_len - siglen);
		siglen = kt->pad_sig_len;
	}
 add:
	if ((r = mcuboot_tlvs_add(t, kt->sig_tlv, 0, sig, siglen, eb)) != 0) {
		free(sig);
		return r;
	}
	p->sig = sig;
	p->siglen = siglen;
	return 0;
}

static int
w_enc(struct signctx *c, struct pass *p, struct mcuboot_tlvs *t,
    struct zs_errbuf *eb)
{
	uint8_t *w = NULL;
	size_t wlen = 0, keylen = (size_t)c->a->keylen / 8;
	unsigned tlv = 0;
	int r;

	if (c->rcpt == NULL || p->dont_encrypt)
		return 0;
	if (RAND_bytes(p->aeskey, (int)keylen) != 1)
		return zs_errf(eb, ZS_ERR_CRYPTO, "no random bytes");
	if ((r = mcuboot_enc_wrap(c->rcpt, (enum mcuboot_sha)c->a->hmac_sha,
	    p->aeskey, keylen, &tlv, &w, &wlen, eb)) != 0)
		return r;
	if (tlv != 0)
		r = mcuboot_tlvs_add(t, tlv, 0, w, wlen, eb);
	p->enctlv_len = wlen;
	free(w);
	if (r != 0 || c->a->clear)
		return r;
	/* Hash and signature covered the plaintext; now encrypt the body. */
	p->body_changed = 1;
	return mcuboot_aes_ctr(p->aeskey, keylen, buf_mutable_ptr(p->img) +
	    c->a->hdr_size, p->body_end - c->a->hdr_size) == 0 ? 0 :
	    zs_errf(eb, ZS_ERR_CRYPTO, "AES-CTR failed");
}

static const struct {
	tlv_writer	fn;
	int		signing;	/* skipped for --vector-to-sign */
} unprot_writers[] = {
	{ w_hash, 0 }, { w_pure, 0 }, { w_keyinfo, 1 }, { w_sig, 1 },
	{ w_enc, 1 },
};

static int
put_header(struct signctx *c, struct pass *p, size_t prot_size,
    size_t img_size, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	unsigned long long addr = a->rom_fixed ? a->rom_fixed : a->load_addr;
	uint32_t flags = p->comp_flags;
	int be = a->big_endian, r;

	if (c->rcpt != NULL)
		flags |= a->keylen == 256 ? MCUBOOT_F_ENCRYPTED_AES256 :
		    MCUBOOT_F_ENCRYPTED_AES128;
	if (a->load_addr != 0)
		flags |= MCUBOOT_F_RAM_LOAD;
	if (a->rom_fixed != 0)
		flags |= MCUBOOT_F_ROM_FIXED;
	if (p->non_bootable)
		flags |= MCUBOOT_F_NON_BOOTABLE;
	if (addr > 0xffffffffu)
		return zs_errf(eb, ZS_ERR_INVALID, "load address 0x%llx does "
		    "not fit in 32 bits", addr);
	if (prot_size > 0xffff || img_size > 0xffffffffu)
		return zs_errf(eb, ZS_ERR_INVALID, "image too large for its "
		    "header fields");
	if ((r = buf_put_u32(p->img, MCUBOOT_IMAGE_MAGIC, be)) != 0 ||
	    (r = buf_put_u32(p->img, (uint32_t)addr, be)) != 0 ||
	    (r = buf_put_u16(p->img, (uint16_t)a->hdr_size, be)) != 0 ||
	    (r = buf_put_u16(p->img, (uint16_t)prot_size, be)) != 0 ||
	    (r = buf_put_u32(p->img, (uint32_t)img_size, be)) != 0 ||
	    (r = buf_put_u32(p->img, flags, be)) != 0 ||
	    (r = put_version(p->img, &a->ver, be)) != 0 ||
	    (r = buf_put_u32(p->img, 0, be)) != 0)
		return zs_errf(eb, r, "image too large");
	return 0;
}

/* Image.check_trailer(): the image and its trailer must fit the slot. */
static int
slot_check(struct signctx *c, size_t image_len, size_t enctlv_len,
    struct zs_errbuf *eb)
{
	struct mcuboot_trailer t;

	if (c->a->slot_size == 0)
		return 0;
	mcuboot_trailer_compute(c->a, c->rcpt != NULL, enctlv_len, &t);
	if ((unsigned long long)image_len + t.size > c->a->slot_size)
		return zs_errf(eb, ZS_ERR_USAGE, "Image size (0x%zx) + trailer "
		    "(0x%zx) exceeds requested size 0x%llx", image_len, t.size,
		    c->a->slot_size);
	return 0;
}

/*
 * The image hash of p's hashed range. With SHA-256, the state after it is
 * kept in p->tail: the output file starts with those bytes, so its own
 * digest (the audit's) is finished from there (finish_output).
 */
static int
hash_image(struct signctx *c, struct pass *p)
{
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return ZS_ERR_CRYPTO;
	ok = EVP_DigestInit_ex(ctx, c->h->md(), NULL) == 1;
	if (ok && p->body_hole)
		/* The body is hashed where it is, between the img parts. */
		ok = EVP_DigestUpdate(ctx, buf_ptr(p->img), p->body_at) == 1 &&
		    EVP_DigestUpdate(ctx, p->body, p->bodylen) == 1 &&
		    EVP_DigestUpdate(ctx, buf_ptr(p->img) + p->body_at +
		    p->bodylen, p->hashed_len - p->body_at - p->bodylen) == 1;
	else if (ok)
		ok = EVP_DigestUpdate(ctx, buf_ptr(p->img), p->hashed_len) == 1;
	if (ok && EVP_MD_get_type(c->h->md()) == NID_sha256 &&
	    (p->tail = EVP_MD_CTX_new()) != NULL &&
	    EVP_MD_CTX_copy_ex(p->tail, ctx) != 1) {
		EVP_MD_CTX_free(p->tail);
		p->tail = NULL;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, p->digest, &n) == 1 &&
	    n == c->h->len;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : ZS_ERR_CRYPTO;
}

/* One Image.create(): header, TLVs, signature, encryption. */
static int
build(struct signctx *c, struct pass *p, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	struct mcuboot_tlvs prot, unprot;
	size_t i, prot_size, body_len, pad = 0;
	uint8_t fill = a->pad_header ? (uint8_t)a->erased_val : 0;
	int r;

	/*
	 * create() given only --fix-sig-pubkey says it signs when that
	 * key has a sign() (a private RSA or ECDSA key), and signs nothing.
	 */
	if (c->key == NULL && c->fixpub_private && !c->kt->sign_message)
		say(c, "image.py: sign the payload");
	mcuboot_tlvs_init(&prot, a->big_endian);
	mcuboot_tlvs_init(&unprot, a->big_endian);
	p->img = buf_new_plain(MCUBOOT_IMAGE_MAX + a->hdr_size + 2 *
	    MCUBOOT_TLV_AREA_MAX);
	for (i = 0; i < sizeof(prot_writers) / sizeof(prot_writers[0]); i++)
		if ((r = prot_writers[i](c, p, &prot, eb)) != 0)
			goto out;
	prot_size = mcuboot_tlvs_size(&prot, 0);
	/* Encrypted bodies are zero-padded so hdr+body is a multiple of 16. */
	body_len = p->bodylen;
	if (c->rcpt != NULL && !p->dont_encrypt &&
	    (a->hdr_size + body_len) % 16 != 0)
		pad = 16 - (a->hdr_size + body_len) % 16;
	if ((r = put_header(c, p, prot_size, body_len + pad, eb)) != 0)
		goto out;
	if ((r = buf_put_fill(p->img, fill, a->hdr_size - MCUBOOT_HDR_LEN)) ==
	    0) {
		p->body_at = buf_len(p->img);
		r = p->body_hole ? buf_reserve(p->img, p->bodylen, NULL) :
		    buf_put(p->img, p->body, p->bodylen);
	}
	if (r != 0 || (r = buf_put_fill(p->img, 0, pad)) != 0) {
		zs_errf(eb, r, "image too large");
		goto out;
	}
	p->body_end = buf_len(p->img);
	if (prot_size != 0 && (r = mcuboot_tlvs_emit(&prot,
	    MCUBOOT_TLV_PROT_MAGIC, p->img, eb)) != 0)
		goto out;
	p->hashed_len = buf_len(p->img);
	if ((r = hash_image(c, p)) != 0) {
		zs_errf(eb, r, "hashing failed");
		goto out;
	}
	for (i = 0; i < sizeof(unprot_writers) / sizeof(unprot_writers[0]);
	    i++) {
		if (unprot_writers[i].signing && a->vector != VEC_NONE) {
			say(c, "image.py: export %s", a->vector ==
			    VEC_PAYLOAD ? "payload" : "digest");
			p->vector_done = 1;
			r = 0;
			goto out;
		}
		if ((r = unprot_writers[i].fn(c, p, &unprot, eb)) != 0)
			goto out;
	}
	if ((r = mcuboot_tlvs_emit(&unprot, MCUBOOT_TLV_MAGIC, p->img,
	    eb)) != 0)
		goto out;
	r = slot_check(c, buf_len(p->img), p->enctlv_len, eb);
 out:
	mcuboot_tlvs_free(&prot);
	mcuboot_tlvs_free(&unprot);
	return r;
}

static int
load_input(struct signctx *c, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	const uint8_t *d;
	size_t len, i;
	int r;

	if (fileset_get(c->in, a->infile, &d, &len) != 0)
		return zs_errf(eb, ZS_ERR_USAGE, "Input file not found");
	if (mcuboot_is_hex_name(a->infile)) {
		if ((r = ihex_read((const char *)d, len, 0xff, &c->base,
		    &c->input_owned, &c->inputlen, eb)) != 0)
			return r;
		c->input = c->input_owned;
		c->has_base = 1;
	} else {
		if (len > MCUBOOT_IMAGE_MAX)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: larger than "
			    "%u bytes", a->infile, MCUBOOT_IMAGE_MAX);
		/* Borrowed from the fileset, which outlives the signing. */
		c->input = d;
		c->inputlen = len;
	}
	if (c->inputlen > MCUBOOT_IMAGE_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: larger than %u bytes",
		    a->infile, MCUBOOT_IMAGE_MAX);
	if (a->pad_header) {
		c->body_off = 0;
		/* The code keeps its addresses; a base of 0 is not moved. */
		if (c->has_base && c->base != 0) {
			if (c->base < a->hdr_size)
				return zs_errf(eb, ZS_ERR_INVALID, "HEX base "
				    "0x%x is below the header size", c->base);
			c->base -= (uint32_t)a->hdr_size;
		}
		return 0;
	}
	for (i = 0; i < a->hdr_size && i < c->inputlen; i++)
		if (c->input[i] != 0)
			return zs_errf(eb, ZS_ERR_USAGE, "Header padding was "
			    "not requested and image does not start with "
			    "zeros");
	if (c->inputlen < a->hdr_size)
		return zs_errf(eb, ZS_ERR_INVALID, "input (%zu bytes) is "
		    "shorter than the header size", c->inputlen);
	c->body_off = (size_t)a->hdr_size;
	return 0;
}

static int
load_small(struct signctx *c, const char *name, const uint8_t **dp,
    size_t *lenp, struct zs_errbuf *eb)
{
	if (fileset_get(c->in, name, dp, lenp) != 0)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "%s: file not found",
		    name);
	if (*lenp > MCUBOOT_SMALLFILE_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: larger than %u bytes",
		    name, MCUBOOT_SMALLFILE_MAX);
	return 0;
}

/*
 * A public key input (-E, --fix-sig-pubkey). A private key is refused:
 * none of these needs one, and one sent here has left its owner's machine
 * (zsign-client sends the public half, naming the file in from_private).
 */
static int
load_pkey(struct signctx *c, const char *name, EVP_PKEY **pkp,
    struct zs_errbuf *eb)
{
	const uint8_t *d;
	size_t len;
	int r;

	if ((r = load_small(c, name, &d, &len, eb)) != 0)
		return r;
	if (memmem(d, len, "PRIVATE KEY-----", 16) != NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: a private key; send "
		    "only its public key (openssl pkey -pubout), and name the "
		    "file in from_private for imgtool's lines", name);
	if ((r = zs_pkey_from_pem(d, len, pkp, eb)) != 0)
		return zs_errf(eb, r, "%s: not a usable key", name);
	return 0;
}

/*
 * Would imgtool's keys.load() have made a private key of file name? The
 * client says so (from_private): the file itself is a public key.
 */
static int
pem_is_private(struct signctx *c, const char *name)
{
	return (fileset_flags(c->in, name) & FILESET_F_FROM_PRIVATE) != 0;
}

/* main.py's custom TLV loop: tags, duplicates, conflicts, values. */
static int
load_custom(struct signctx *c, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	unsigned long long tag;
	struct custom_val *cv;
	size_t i, j, pass, hl;
	const char *v;
	int r;

	/* All --custom-tlv first, then all --custom-tlv-file. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < a->ncustom; i++) {
			if (a->custom[i].is_file != (int)pass)
				continue;
			if (mcuboot_parse_pyint(a->custom[i].tagstr, &tag) !=
			    0)
				return zs_errf(eb, ZS_ERR_INVALID, "invalid "
				    "literal for int() with base 0: '%.60s'",
				    a->custom[i].tagstr);
			for (j = 0; j < c->ncustom; j++)
				if (c->custom[j].tag == tag)
					return zs_errf(eb, ZS_ERR_USAGE,
					    "Custom TLV 0x%llx already "
					    "exists.", tag);
			if (tag <= 0xffff && mcuboot_tlv_predefined(
			    (unsigned)tag))
				return zs_errf(eb, ZS_ERR_USAGE, "Custom TLV "
				    "0x%llx conflicts with predefined TLV.",
				    tag);
			if (tag > UINT32_MAX)
				return zs_errf(eb, ZS_ERR_USAGE, "Invalid "
				    "custom TLV type value '0x%04llx', allowed "
				    "value should be between 0x00a0 and "
				    "0x{TLV_VENDOR_RES_MAX:04x}", tag);
			cv = &c->custom[c->ncustom++];
			cv->tag = (unsigned)tag;
			v = a->custom[i].value;
			if (a->custom[i].is_file) {
				if ((r = load_small(c, v, &cv->val, &cv->len,
				    eb)) != 0)
					return r;
				continue;
			}
			if (strncmp(v, "0x", 2) != 0) {
				cv->val = (const uint8_t *)v;
				cv->len = strlen(v);
				continue;
			}
			hl = strlen(v + 2);
			if (hl % 2)
				return zs_errf(eb, ZS_ERR_USAGE, "Custom TLV "
				    "length is odd.");
			cv->owned = xmalloc(hl / 2 + 1);
			for (j = 0; j < hl / 2; j++) {
				unsigned int byte;

				if (!isxdigit((unsigned char)v[2 + 2 * j]) ||
				    !isxdigit((unsigned char)v[3 + 2 * j]) ||
				    sscanf(v + 2 + 2 * j, "%2x", &byte) != 1)
					return zs_errf(eb, ZS_ERR_INVALID,
					    "Custom TLV value '%.60s' is not "
					    "hexadecimal", v);
				cv->owned[j] = (uint8_t)byte;
			}
			cv->val = cv->owned;
			cv->len = hl / 2;
		}
	return 0;
}

/* Decode --fix-sig like Python's base64.b64decode (junk characters dropped). */
static int
load_fixsig(struct signctx *c, struct zs_errbuf *eb)
{
	const uint8_t *d;
	char *clean;
	size_t len, i, n = 0;
	int r;

	if ((r = load_small(c, c->a->fix_sig, &d, &len, eb)) != 0)
		return r;
	clean = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		if (isalnum(d[i]) || d[i] == '+' || d[i] == '/' || d[i] == '=')
			clean[n++] = (char)d[i];
	clean[n] = '\0';
	r = zs_b64_decode(clean, n, &c->fixsig, &c->fixsiglen);
	free(clean);
	if (r != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: invalid base64",
		    c->a->fix_sig);
	return 0;
}

static const char *
sha_text(int sha)
{
	return sha == SHA_256 ? "256" : sha == SHA_384 ? "384" :
	    sha == SHA_512 ? "512" : "auto";
}

/* key_and_user_sha_to_alg_and_tlv(). */
static int
select_hash(struct signctx *c, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	const struct mcuboot_keytype *kt = c->kt;
	const enum mcuboot_sha *allowed;
	enum mcuboot_sha pure[1];
	size_t i;

	if (c->pub == NULL) {
		c->h = mcuboot_hash_get((enum mcuboot_sha)a->sha);
		return 0;
	}
	if (a->pure) {
		if (c->key == NULL || kt->pure_sha == SHA_AUTO)
			return zs_errf(eb, ZS_ERR_USAGE, "Could not find "
			    "allowed hash algorithms for <class '%s'>",
			    c->key != NULL ? kt->cls : kt->pub_cls);
		pure[0] = kt->pure_sha;
		allowed = pure;
	} else
		allowed = c->key != NULL ? kt->allowed : kt->pub_allowed;
	if (a->sha == SHA_AUTO || a->pure) {
		c->h = mcuboot_hash_get(allowed[0]);
		return 0;
	}
	for (i = 0; i < 3 && allowed[i] != SHA_AUTO; i++)
		if ((int)allowed[i] == a->sha) {
			c->h = mcuboot_hash_get(allowed[i]);
			return 0;
		}
	return zs_errf(eb, ZS_ERR_USAGE, "Key %s can not be used with --sha "
	    "%s; allowed sha are one of {allowed}", kt->sig_type,
	    sha_text(a->sha));
}

/* Load and check everything the image builds depend on, in imgtool order. */
static int
prepare(struct signctx *c, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	enum zs_keytype rt;
	int r;

	if (a->load_addr != 0 && a->rom_fixed != 0)
		return zs_errf(eb, ZS_ERR_USAGE, "Can not set rom_fixed and "
		    "load_addr at the same time");
	if (a->hdr_size > 0xffff)
		return zs_errf(eb, ZS_ERR_INVALID, "header size 0x%llx does "
		    "not fit in 16 bits", a->hdr_size);
	if ((r = version_check(&a->ver, "version", eb)) != 0)
		return r;
	if ((r = load_input(c, eb)) != 0)
		return r;
	if (c->key != NULL) {
		c->pub = zs_key_public(c->key);
		/* imgtool crashes on an X25519 -k; we refuse it cleanly. */
		if ((c->kt = mcuboot_keytype_of(c->pub)) == NULL)
			return zs_errf(eb, ZS_ERR_KEY, "key '%s' (%s) "
			    "cannot sign MCUboot images", zs_key_name(c->key),
			    zs_key_type_name(c->key));
	}
	if (a->enc != NULL) {
		if ((r = load_pkey(c, a->enc, &c->rcpt, eb)) != 0)
			return r;
		if (zs_pkey_type(c->rcpt, &rt) != 0)
			return zs_errf(eb, ZS_ERR_KEY, "%s: unsupported "
			    "encryption key type", a->enc);
		if (c->key != NULL && !c->kt->enc_any &&
		    rt != c->kt->enc_type)
			return zs_errf(eb, ZS_ERR_USAGE, "Signing and "
			    "encryption must use the same type of key");
	}
	if ((r = load_custom(c, eb)) != 0)
		return r;
	if (a->fix_sig != NULL) {
		if ((r = load_fixsig(c, eb)) != 0)
			return r;
		if (a->fix_sig_pubkey == NULL)
			return zs_errf(eb, ZS_ERR_USAGE, "public key of the "
			    "fixed signature is not specified");
		if ((r = load_pkey(c, a->fix_sig_pubkey, &c->fixpub, eb)) != 0)
			return r;
		c->fixpub_private = pem_is_private(c, a->fix_sig_pubkey);
		if (c->key == NULL) {
			c->pub = c->fixpub;
			if ((c->kt = mcuboot_keytype_of(c->pub)) == NULL)
				return zs_errf(eb, ZS_ERR_KEY, "%s: not a "
				    "signing key type", a->fix_sig_pubkey);
		}
	}
	if (a->pure && a->sha != SHA_AUTO)
		return zs_errf(eb, ZS_ERR_USAGE, "Pure signatures, currently, "
		    "enforces preferred hash algorithm, and forbids sha "
		    "selection by user.");
	if ((r = select_hash(c, eb)) != 0)
		return r;
	if (c->pub != NULL) {
		if ((r = mcuboot_pubkey_bytes(c->pub, &c->pubbytes,
		    &c->pubbyteslen, eb)) != 0)
			return r;
		if (mcuboot_hash_data(c->h, c->pubbytes, c->pubbyteslen,
		    c->keyhash) != 0)
			return zs_errf(eb, ZS_ERR_CRYPTO, "hashing failed");
		c->keyhashlen = c->h->len;
	}
	if (c->key != NULL && c->fixsig != NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "Can not sign using key and "
		    "provide fixed-signature at the same time");
	if (a->sig_out != NULL && c->pub == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "--sig-out needs a signature "
		    "(-k or --fix-sig)");
	if (a->sig_out != NULL && a->vector != VEC_NONE)
		return zs_errf(eb, ZS_ERR_USAGE, "--sig-out cannot be combined "
		    "with --vector-to-sign (nothing is signed)");
	return 0;
}

/* Compress the body and rebuild, as main.py does after a first create(). */
static int
compress_rebuild(struct signctx *c, struct pass *first, struct pass *out,
    int *usedp, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	struct buf *z = buf_new_plain(MCUBOOT_IMAGE_MAX);
	uint8_t hdr[2], *v;
	size_t tlvs_size, n = 0;
	uint8_t *body = NULL;
	int r;

	*usedp = 0;
	if ((r = mcuboot_lzma_compress((enum mcuboot_comp)a->comp, first->body,
	    first->bodylen, z, eb)) != 0)
		goto out;
	say(c, "compressed image size: %zu bytes", buf_len(z));
	say(c, "original image size: %zu bytes", first->bodylen);
	/* DECOMP_SIZE, DECOMP_SHA, DECOMP_SIGNATURE (when signed). */
	v = xmalloc(4);
	zs_set_u32(v, (uint32_t)first->bodylen, a->big_endian);
	out->comp[n++] = (struct comp_tlv){ TLV_DECOMP_SIZE, v, 4 };
	v = xmalloc(c->h->len);
	memcpy(v, first->digest, c->h->len);
	out->comp[n++] = (struct comp_tlv){ TLV_DECOMP_SHA, v, c->h->len };
	if (first->sig != NULL) {
		v = xmalloc(first->siglen + 1);
		memcpy(v, first->sig, first->siglen);
		out->comp[n++] = (struct comp_tlv){ TLV_DECOMP_SIGNATURE, v,
		    first->siglen };
	}
	out->ncomp = n;
	tlvs_size = 4 + c->h->len + (first->sig != NULL ? first->siglen : 0);
	if (buf_len(z) + tlvs_size >= first->bodylen) {
		r = 0;		/* not smaller: keep the uncompressed image */
		goto out;
	}
	mcuboot_lzma_header(hdr);
	body = xmalloc(buf_len(z) + 2);
	memcpy(body, hdr, 2);
	memcpy(body + 2, buf_ptr(z), buf_len(z));
	/* The rebuilt image must pass the header-space check again. */
	if (!a->pad_header && a->hdr_size > 0) {
		r = zs_errf(eb, ZS_ERR_USAGE, "Header padding was not "
		    "requested and image does not start with zeros");
		goto out;
	}
	if (c->rcpt != NULL) {
		v = xmalloc(4);
		zs_set_u32(v, (uint32_t)(buf_len(z) + 2), a->big_endian);
		out->comp[out->ncomp++] = (struct comp_tlv){ TLV_COMP_DEC_SIZE,
		    v, 4 };
	}
	out->body = body;
	body = NULL;	/* freed by the caller with out */
	out->bodylen = buf_len(z) + 2;
	out->comp_flags = MCUBOOT_F_COMPRESSED_LZMA2 |
	    (a->comp == COMP_LZMA2_ARMTHUMB ? MCUBOOT_F_COMPRESSED_ARM_THUMB :
	    0);
	/* imgtool rebuilds without --non-bootable. */
	out->non_bootable = 0;
	if ((r = build(c, out, eb)) != 0)
		goto out;
	*usedp = 1;
 out:
	free(body);
	buf_free(z);
	return r;
}

static int
add_seg(struct ihex_segment *segs, size_t *np, unsigned long long addr,
    const uint8_t *d, size_t len, struct zs_errbuf *eb)
{
	if (addr + len > 0x100000000ull)
		return zs_errf(eb, ZS_ERR_INVALID, "HEX output above 4 GiB");
	segs[*np].addr = (uint32_t)addr;
	segs[*np].data = d;
	segs[*np].len = len;
	(*np)++;
	return 0;
}

static int
cmp_seg(const void *x, const void *y)
{
	const struct ihex_segment *p = x, *q = y;

	return (p->addr > q->addr) - (p->addr < q->addr);
}

/* Image.save() for .hex: the image, and only the trailer's set fields. */
static int
write_hex(struct signctx *c, const struct buf *img, int padded,
    size_t enctlv_len, struct buf *out, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	struct ihex_segment segs[HEX_SEGS_MAX], merged[HEX_SEGS_MAX];
	struct mcuboot_trailer t;
	uint8_t flag[32];
	unsigned long long base, taddr;
	size_t n = 0, m = 0, i;
	uint8_t *joined = NULL;
	int r;

	if (!a->has_hex_addr && !c->has_base)
		return zs_errf(eb, ZS_ERR_USAGE, "No address exists in input "
		    "file neither was it provided by user");
	base = a->has_hex_addr ? a->hex_addr : c->base;
	if ((r = add_seg(segs, &n, base, buf_ptr(img), buf_len(img), eb)) != 0)
		return r;
	if (padded) {
		mcuboot_trailer_compute(a, c->rcpt != NULL, enctlv_len, &t);
		if (base + a->slot_size < t.size + MCUBOOT_MAGIC_LEN)
			return zs_errf(eb, ZS_ERR_INVALID, "trailer below "
			    "address 0");
		taddr = base + a->slot_size - t.size;
		if ((a->confirm || a->test) && !a->overwrite_only) {
			memset(flag, a->erased_val, t.max_align);
			if (a->confirm)
				flag[0] = 0x01;
			if ((r = add_seg(segs, &n, taddr + t.size -
			    t.magic_area - t.max_align, flag, t.max_align,
			    eb)) != 0)
				return r;
		}
		if ((r = add_seg(segs, &n, taddr + t.size - MCUBOOT_MAGIC_LEN,
		    t.magic, MCUBOOT_MAGIC_LEN, eb)) != 0)
			return r;
	}
	qsort(segs, n, sizeof(segs[0]), cmp_seg);
	for (i = 0; i < n; i++)
		if (i + 1 < n && segs[i].addr + segs[i].len > segs[i + 1].addr)
			return zs_errf(eb, ZS_ERR_INVALID, "trailer overlaps "
			    "the image in HEX output (slot size too small)");
	/* intelhex sees adjacent pieces as one run: join them. */
	for (i = 0; i < n; i++) {
		if (m > 0 && merged[m - 1].addr + merged[m - 1].len ==
		    segs[i].addr) {
			uint8_t *j = xmalloc(merged[m - 1].len + segs[i].len);

			memcpy(j, merged[m - 1].data, merged[m - 1].len);
			memcpy(j + merged[m - 1].len, segs[i].data,
			    segs[i].len);
			free(joined);
			joined = j;
			merged[m - 1].data = j;
			merged[m - 1].len += segs[i].len;
			continue;
		}
		merged[m++] = segs[i];
	}
	r = ihex_write(merged, m, out, eb);
	free(joined);
	return r;
}

static int
out_name_ok(const char *name)
{
	return name[0] != '\0' && strlen(name) <= ZS_FILESET_NAME_MAX;
}

/* What finish_output() knows of a flat output image (fileset.h). */
struct out_facts {
	int		has_sha256;
	uint8_t		sha256[ZS_FILESET_SHA256_LEN];
	int		has_origin;	/* out[outoff..] = in[inoff..], len */
	size_t		inoff, outoff, len;
};

/*
 * What is known of the output image o (flat .bin): its SHA-256, finished
 * from the image hash's state over the bytes after the hashed range (TLVs,
 * trailer), unless the hashed bytes were encrypted since; and the run of
 * it that is the input file's own bytes, unless they were compressed,
 * encrypted or decoded from HEX.
 */
static int
output_facts(struct signctx *c, struct pass *p, const struct buf *o,
    struct out_facts *f)
{
	unsigned int n = 0;

	memset(f, 0, sizeof(*f));
	if (p->tail != NULL && !p->body_changed &&
	    buf_len(o) >= p->hashed_len) {
		if (EVP_DigestUpdate(p->tail, buf_ptr(o) + p->hashed_len,
		    buf_len(o) - p->hashed_len) != 1 ||
		    EVP_DigestFinal_ex(p->tail, f->sha256, &n) != 1 ||
		    n != sizeof(f->sha256))
			return ZS_ERR_CRYPTO;
		f->has_sha256 = 1;
	}
	if (p->body_is_input && c->input_owned == NULL && !p->body_changed &&
	    p->bodylen > 0) {
		f->has_origin = 1;
		f->inoff = c->body_off;
		f->outoff = p->body_at;
		f->len = p->bodylen;
	}
	return 0;
}

static int
finish_output(struct signctx *c, struct pass *p, struct fileset *out,
    struct mcuboot_result *res, struct zs_errbuf *eb)
{
	const struct mcuboot_args *a = c->a;
	struct mcuboot_trailer t;
	struct buf *o = buf_new_plain(0), *img = p->img;
	const struct mcuboot_hash *h = c->h;
	char *b64 = NULL;
	uint8_t *data;
	size_t len, img_len = buf_len(p->img);
	int padded = (a->pad || a->confirm || a->test) && !p->vector_done;
	struct out_facts facts;
	int r;

	memset(&facts, 0, sizeof(facts));
	if (p->vector_done) {
		/* --vector-to-sign: the hashed range, or the bare digest. */
		img = buf_new_plain(0);
		if (a->vector == VEC_PAYLOAD)
			r = buf_put(img, buf_ptr(p->img), p->hashed_len);
		else
			r = buf_put(img, p->digest, h->len);
		if (r != 0)
			goto out;
	}
	if (mcuboot_is_hex_name(a->outfile)) {
		if ((r = write_hex(c, img, padded, p->enctlv_len, o, eb)) != 0)
			goto out;
	} else {
		/*
		 * The image buffer itself becomes the output (a copy of a
		 * whole image cost as much as hashing it).
		 */
		buf_free(o);
		o = img;
		if (img == p->img)
			p->img = NULL;
		else
			img_len = buf_len(img);
		img = NULL;
		if (padded) {
			mcuboot_trailer_compute(a, c->rcpt != NULL,
			    p->enctlv_len, &t);
			if ((r = mcuboot_trailer_append(a, &t, buf_len(o),
			    o)) != 0) {
				zs_errf(eb, r, "padded image too large");
				goto out;
			}
		}
		if (!p->vector_done && (r = output_facts(c, p, o,
		    &facts)) != 0) {
			zs_errf(eb, r, "hashing failed");
			goto out;
		}
	}
	if (a->sig_out != NULL)
		b64 = zs_b64_encode(p->sig != NULL ? p->sig :
		    (const uint8_t *)"", p->siglen);
	/* Both names must fit before the first is added: all or nothing. */
	if (!out_name_ok(a->outfile) || (a->sig_out != NULL &&
	    !out_name_ok(a->sig_out)) || fileset_count(out) + 2 >
	    ZS_FILESET_MAX_FILES) {
		r = zs_errf(eb, ZS_ERR_INVALID, "output names unusable");
		goto out;
	}
	len = buf_len(o);
	data = buf_steal(o, &len);
	if (p->body_hole && !p->vector_done)
		r = fileset_add_owned_hole(out, a->outfile, data, len,
		    p->body_at, p->body, p->bodylen);
	else
		r = fileset_add_owned(out, a->outfile, data, len);
	if (r != 0) {
		zs_errf(eb, r, "%s: cannot store the output", a->outfile);
		goto out;
	}
	if (facts.has_sha256 && (r = fileset_set_sha256(out, a->outfile,
	    facts.sha256)) != 0)
		fatalx("%s: sha256: %s", __func__, zs_strerror(r));
	if (facts.has_origin && (r = fileset_set_origin(out, a->outfile,
	    a->infile, facts.inoff, facts.outoff, facts.len)) != 0)
		fatalx("%s: origin: %s", __func__, zs_strerror(r));
	if (b64 != NULL && (r = fileset_add(out, a->sig_out,
	    (const uint8_t *)b64, strlen(b64))) != 0) {
		zs_errf(eb, r, "%s: cannot store the signature", a->sig_out);
		goto out;
	}
	if (res != NULL) {
		memset(res, 0, sizeof(*res));
		zs_hex_encode(p->digest, h->len, res->digest_hex);
		snprintf(res->version, sizeof(res->version),
		    "%llu.%llu.%llu+%llu", a->ver.major, a->ver.minor,
		    a->ver.revision, a->ver.build);
		res->signed_image = p->sig != NULL && !p->vector_done;
		res->image_size = p->vector_done && img != NULL ?
		    buf_len(img) : img_len;
		res->output_size = len;
		res->flash_size = res->image_size;
		if (padded) {
			/* As written: padded up to the slot, trailer last. */
			mcuboot_trailer_compute(a, c->rcpt != NULL,
			    p->enctlv_len, &t);
			res->flash_size = res->image_size + t.size;
			if (a->slot_size > res->flash_size)
				res->flash_size = (size_t)a->slot_size;
		}
		snprintf(res->cid, sizeof(res->cid), "%s", c->cid);
		res->has_seccnt = c->has_seccnt;
		res->seccnt = c->seccnt;
		memcpy(res->stdout_lines, c->say, sizeof(c->say));
		res->nstdout = c->nsay;
	}
	r = 0;
 out:
	free(b64);
	if (img != p->img)
		buf_free(img);
	buf_free(o);
	return r;
}

int
mcuboot_sign(const struct mcuboot_args *args, const struct fileset *in,
    struct zs_key *key, struct fileset *out, struct mcuboot_result *res,
    struct zs_errbuf *eb)
{
	struct signctx c;
	struct pass first, second, *final = &first;
	size_t i;
	int used = 0, r;

	memset(&c, 0, sizeof(c));
	memset(&first, 0, sizeof(first));
	memset(&second, 0, sizeof(second));
	c.a = args;
	c.in = in;
	c.key = key;
	if ((r = prepare(&c, eb)) != 0)
		goto out;
	first.body = c.input + c.body_off;
	first.bodylen = c.inputlen - c.body_off;
	first.non_bootable = args->non_bootable;
	first.body_is_input = 1;
	/*
	 * The input is not copied into a flat .bin image the caller lets
	 * have a hole (fileset_allow_holes): whoever needs the whole file
	 * gets it copied then, and zsignd's binary reply never does. Every
	 * other form reads or changes the body in the image.
	 */
	first.body_hole = fileset_holes_allowed(out) && c.input_owned ==
	    NULL && c.rcpt == NULL && !args->pure && args->vector ==
	    VEC_NONE && args->comp == COMP_NONE && !mcuboot_is_hex_name(args->outfile);
	/* With compression the first image is neither padded nor encrypted. */
	first.dont_encrypt = args->comp != COMP_NONE;
	if ((r = build(&c, &first, eb)) != 0)
		goto out;
	if (args->comp != COMP_NONE) {
		if ((r = compress_rebuild(&c, &first, &second, &used, eb)) != 0)
			goto out;
		if (used)
			final = &second;
		else {
			/* imgtool writes the unencrypted-first image as is. */
			final = &first;
		}
	}
	r = finish_output(&c, final, out, res, eb);
 out:
	if (r != 0 && res != NULL) {
		memset(res, 0, sizeof(*res));
		memcpy(res->stdout_lines, c.say, sizeof(c.say));
		res->nstdout = c.nsay;
	}
	free((void *)(uintptr_t)second.body);
	pass_free(&first);
	pass_free(&second);
	for (i = 0; i < c.ncustom; i++)
		free(c.custom[i].owned);
	free(c.fixsig);
	free(c.pubbytes);
	EVP_PKEY_free(c.fixpub);
	EVP_PKEY_free(c.rcpt);
	free(c.input_owned);	/* the image: not secret */
	return r;
}

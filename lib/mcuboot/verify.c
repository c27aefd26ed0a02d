/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading images: a bounds-checked parser of header and TLV areas for
 * untrusted bytes, and `imgtool verify` (image.py's Image.verify(), step
 * by step, with its verdicts).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

/* Header bytes imgtool verify unpacks (magic to version). */
#define VERIFY_HDR_READ	28

static int
walk_area(const uint8_t *img, size_t len, size_t off, int prot,
    struct mcuboot_parsed *p, size_t *endp, struct zs_errbuf *eb)
{
	size_t tot, end;

	tot = zs_get_u16(img + off + 2, 0);
	if (tot < MCUBOOT_TLV_INFO_LEN || tot > len - off)
		return zs_errf(eb, ZS_ERR_FORMAT, "TLV area at 0x%zx: bad size "
		    "0x%zx", off, tot);
	end = off + tot;
	for (off += MCUBOOT_TLV_INFO_LEN; off < end; ) {
		struct mcuboot_tlvref *t;

		if (end - off < MCUBOOT_TLV_HDR_LEN)
			return zs_errf(eb, ZS_ERR_FORMAT, "truncated TLV at "
			    "0x%zx", off);
		if (p->ntlvs == MCUBOOT_TLVS_MAX)
			return zs_errf(eb, ZS_ERR_FORMAT, "more than %d TLVs",
			    MCUBOOT_TLVS_MAX);
		t = &p->tlvs[p->ntlvs];
		t->type = zs_get_u16(img + off, 0);
		t->len = zs_get_u16(img + off + 2, 0);
		t->prot = prot;
		t->off = off + MCUBOOT_TLV_HDR_LEN;
		if (t->len > end - t->off)
			return zs_errf(eb, ZS_ERR_FORMAT, "TLV 0x%x at 0x%zx "
			    "runs past its area", t->type, off);
		off = t->off + t->len;
		p->ntlvs++;
	}
	*endp = end;
	return 0;
}

int
mcuboot_parse(const uint8_t *img, size_t len, struct mcuboot_parsed *p,
    struct zs_errbuf *eb)
{
	size_t off, end;
	int r;

	memset(p, 0, sizeof(*p));
	if (len < MCUBOOT_HDR_LEN || zs_get_u32(img, 0) != MCUBOOT_IMAGE_MAGIC)
		return zs_errf(eb, ZS_ERR_FORMAT, "Invalid image magic; is "
		    "this an MCUboot image?");
	p->load_addr = zs_get_u32(img + 4, 0);
	p->hdr_size = zs_get_u16(img + 8, 0);
	p->prot_size = zs_get_u16(img + 10, 0);
	p->img_size = zs_get_u32(img + 12, 0);
	p->flags = zs_get_u32(img + 16, 0);
	p->vmaj = img[20];
	p->vmin = img[21];
	p->vrev = zs_get_u16(img + 22, 0);
	p->vbuild = zs_get_u32(img + 24, 0);
	/* Like imgtool: a protected area is found by its magic. */
	off = (size_t)p->hdr_size + p->img_size;
	if (off > len || len - off < MCUBOOT_TLV_INFO_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "image shorter than header "
		    "+ body (0x%zx)", off);
	if (zs_get_u16(img + off, 0) == MCUBOOT_TLV_PROT_MAGIC) {
		p->prot_off = off;
		if ((r = walk_area(img, len, off, 1, p, &end, eb)) != 0)
			return r;
		off = end;
		if (len - off < MCUBOOT_TLV_INFO_LEN)
			return zs_errf(eb, ZS_ERR_FORMAT, "no TLV area after "
			    "the protected one");
	}
	if (zs_get_u16(img + off, 0) != MCUBOOT_TLV_MAGIC)
		return zs_errf(eb, ZS_ERR_FORMAT, "Invalid TLV info magic at "
		    "0x%zx", off);
	p->tlv_off = off;
	if ((r = walk_area(img, len, off, 0, p, &end, eb)) != 0)
		return r;
	p->tlv_size = end - off;
	p->end = end;
	return 0;
}

static const char *const verdicts[] = {
	[MCUBOOT_VERIFY_OK] = "Image was correctly validated",
	[MCUBOOT_VERIFY_INVALID_MAGIC] =
	    "Invalid image magic; is this an MCUboot image?",
	[MCUBOOT_VERIFY_INVALID_TLV_INFO_MAGIC] =
	    "Invalid TLV info magic; is this an MCUboot image?",
	[MCUBOOT_VERIFY_INVALID_HASH] = "Image has an invalid hash",
	[MCUBOOT_VERIFY_INVALID_SIGNATURE] =
	    "No signature found for the given key",
	[MCUBOOT_VERIFY_KEY_MISMATCH] = "Key type does not match TLV record",
};

const char *
mcuboot_verdict_str(enum mcuboot_verdict v)
{
	if ((size_t)v >= sizeof(verdicts) / sizeof(verdicts[0]))
		return "Unknown return code";
	return verdicts[v];
}

/* imgtool's tlv_matches_key_type(): may this key meet this hash TLV? */
static int
key_takes_hash(const struct mcuboot_keytype *kt, int private,
    const struct mcuboot_hash *h)
{
	const enum mcuboot_sha *allowed = private ? kt->allowed :
	    kt->pub_allowed;
	size_t i;

	for (i = 0; i < 3 && allowed[i] != SHA_AUTO; i++)
		if (allowed[i] == h->sha)
			return 1;
	return 0;
}

/*
 * key.verify(sig, region) of imgtool's ECDSA and RSA classes: the key's
 * own hash over the region; Ed25519's verify_digest() takes msg as is.
 */
static int
verify_region(const struct mcuboot_keytype *kt, EVP_PKEY *key,
    const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen)
{
	uint8_t md[MCUBOOT_DIGEST_MAX];
	const struct mcuboot_hash *h;

	if (kt->sign_message)
		return mcuboot_sig_verify(kt, key, msg, msglen, sig, siglen);
	h = mcuboot_hash_get(kt->sigalg == ZS_SIG_ECDSA_SHA384 ? SHA_384 :
	    SHA_256);
	if (mcuboot_hash_data(h, msg, msglen, md) != 0)
		return ZS_ERR_CRYPTO;
	return mcuboot_sig_verify(kt, key, md, h->len, sig, siglen);
}

/* Read the TLV header at off (imgtool verify: a one-byte type). */
static int
verify_tlv_at(const uint8_t *img, size_t len, size_t off, unsigned *typep,
    size_t *lenp, struct zs_errbuf *eb)
{
	if (off > len || len - off < MCUBOOT_TLV_HDR_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "truncated TLV at 0x%zx",
		    off);
	*typep = img[off];
	*lenp = zs_get_u16(img + off + 2, 0);
	if (*lenp > len - off - MCUBOOT_TLV_HDR_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "TLV 0x%x at 0x%zx runs "
		    "past the end of the image", *typep, off);
	return 0;
}

int
mcuboot_verify(const uint8_t *img, size_t len, EVP_PKEY *key,
    int key_private, struct mcuboot_info *info, struct zs_errbuf *eb)
{
	const struct mcuboot_keytype *kt = NULL;
	const struct mcuboot_hash *h;
	uint8_t md[MCUBOOT_DIGEST_MAX];
	size_t off, end, hashed, tlen;
	unsigned magic, type;
	int pure = 0, have_digest = 0, r;

	memset(info, 0, sizeof(info[0]));
	if (len < VERIFY_HDR_READ)
		return zs_errf(eb, ZS_ERR_FORMAT, "image shorter than its "
		    "header");
	if (key != NULL && (kt = mcuboot_keytype_of(key)) == NULL)
		return zs_errf(eb, ZS_ERR_KEY, "key type cannot verify images");
	info->load_addr = zs_get_u32(img + 4, 0);
	info->hdr_size = zs_get_u16(img + 8, 0);
	info->protect_tlv_size = zs_get_u16(img + 10, 0);
	info->img_size = zs_get_u32(img + 12, 0);
	info->flags = zs_get_u32(img + 16, 0);
	info->ver_major = img[20];
	info->ver_minor = img[21];
	info->ver_rev = zs_get_u16(img + 22, 0);
	info->ver_build = zs_get_u32(img + 24, 0);
	if (zs_get_u32(img, 0) != MCUBOOT_IMAGE_MAGIC) {
		info->verdict = MCUBOOT_VERIFY_INVALID_MAGIC;
		return 0;
	}
	/* A protected area is found by its magic, as imgtool does. */
	off = (size_t)info->hdr_size + info->img_size;
	if (off > len || len - off < MCUBOOT_TLV_INFO_LEN)
		goto short_img;
	magic = zs_get_u16(img + off, 0);
	if (magic == MCUBOOT_TLV_PROT_MAGIC) {
		off += zs_get_u16(img + off + 2, 0);
		if (off > len || len - off < MCUBOOT_TLV_INFO_LEN)
			goto short_img;
		magic = zs_get_u16(img + off, 0);
	}
	if (magic != MCUBOOT_TLV_MAGIC) {
		info->verdict = MCUBOOT_VERIFY_INVALID_TLV_INFO_MAGIC;
		return 0;
	}
	hashed = off;
	end = off + zs_get_u16(img + off + 2, 0);
	for (off += MCUBOOT_TLV_INFO_LEN; off < end && !pure;
	    off += MCUBOOT_TLV_HDR_LEN + tlen) {
		if ((r = verify_tlv_at(img, len, off, &type, &tlen, eb)) != 0)
			return r;
		pure = type == TLV_SIG_PURE;
	}
	for (off = hashed + MCUBOOT_TLV_INFO_LEN; off < end;
	    off += MCUBOOT_TLV_HDR_LEN + tlen) {
		const uint8_t *v = img + off + MCUBOOT_TLV_HDR_LEN;

		if ((r = verify_tlv_at(img, len, off, &type, &tlen, eb)) != 0)
			return r;
		if ((h = mcuboot_hash_by_tlv(type)) != NULL) {
			if (kt != NULL && !key_takes_hash(kt, key_private, h)) {
				info->verdict = MCUBOOT_VERIFY_KEY_MISMATCH;
				return 0;
			}
			if (mcuboot_hash_data(h, img, hashed, md) != 0)
				return zs_errf(eb, ZS_ERR_CRYPTO, "hashing "
				    "failed");
			if (tlen != h->len || memcmp(md, v, tlen) != 0) {
				info->verdict = MCUBOOT_VERIFY_INVALID_HASH;
				return 0;
			}
			zs_hex_encode(md, h->len, info->digest_hex);
			have_digest = 1;
			info->hash_ok = 1;
			if (kt == NULL)
				return 0;
		} else if (!pure && kt != NULL && type == kt->sig_tlv) {
			info->has_sig = 1;
			/* Ed25519 signs the digest: imgtool needs it first. */
			if (kt->sign_message && !have_digest)
				return zs_errf(eb, ZS_ERR_FORMAT, "signature "
				    "TLV before the hash TLV");
			if (verify_region(kt, key, kt->sign_message ? md : img,
			    kt->sign_message ? strlen(info->digest_hex) / 2 :
			    hashed, v, tlen) == 0) {
				info->sig_ok = 1;
				return 0;
			}
		} else if (pure && kt != NULL && type == TLV_ED25519) {
			info->has_sig = 1;
			if (!kt->sign_message)
				return zs_errf(eb, ZS_ERR_KEY, "only an "
				    "Ed25519 key verifies a pure signature");
			if (mcuboot_sig_verify(kt, key, img, hashed, v,
			    tlen) == 0) {
				/* imgtool reports the signature, no digest. */
				info->digest_hex[0] = '\0';
				zs_hex_encode(v, tlen < 64 ? tlen : 64,
				    info->sig_hex);
				info->sig_ok = 1;
				return 0;
			}
		}
	}
	info->verdict = MCUBOOT_VERIFY_INVALID_SIGNATURE;
	return 0;
 short_img:
	return zs_errf(eb, ZS_ERR_FORMAT, "image shorter than header + body "
	    "+ TLV info (0x%zx)", off);
}

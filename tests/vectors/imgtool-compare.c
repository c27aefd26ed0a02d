/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compare a signer's output with an imgtool reference case as the
 * vectors' README prescribes. It parses images with its own small TLV
 * walker (not the engine's), checks signatures with OpenSSL directly and
 * unwraps key TLVs with the recipient's private key.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/util.h"
#include "lib/ihex.h"
#include "lib/mcuboot/mcuboot-int.h"
#include "tests/vectors/imgtool-compare.h"

/* Largest reference file read. */
#define CMP_FILE_MAX	(8u * 1024 * 1024)
/* Most unprotected TLVs compared. */
#define CMP_TLVS_MAX	32

struct img {
	uint8_t		*p;
	size_t		 len;
	uint32_t	 base;
	uint32_t	 hdr, isz, prot, flags;
	size_t		 tlv_off, tlv_end;
	unsigned	 ntlv;
	unsigned	 type[CMP_TLVS_MAX];
	size_t		 voff[CMP_TLVS_MAX], vlen[CMP_TLVS_MAX];
};

static int
fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

json_t *
imgtool_cases_load(const char *vecdir, json_t **rootp)
{
	char path[1024];
	json_error_t err;
	json_t *root;

	snprintf(path, sizeof(path), "%s/cases.json", vecdir);
	if ((root = json_load_file(path, 0, &err)) == NULL)
		return NULL;
	*rootp = root;
	return json_object_get(root, "cases");
}

json_t *
imgtool_case_find(json_t *cases, const char *name)
{
	size_t i;
	json_t *c;

	json_array_foreach(cases, i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    name) == 0)
			return c;
	return NULL;
}

int
imgtool_case_is_error(json_t *c)
{
	return json_object_get(c, "expect") != NULL;
}

static int
read_rel(const char *vecdir, const char *rel, uint8_t **pp, size_t *lenp)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", vecdir, rel);
	return zs_file_read(path, CMP_FILE_MAX, pp, lenp);
}

static EVP_PKEY *
read_key(const char *vecdir, const char *rel, int priv)
{
	uint8_t *d = NULL;
	size_t len;
	BIO *b;
	EVP_PKEY *k;

	if (read_rel(vecdir, rel, &d, &len) != 0)
		return NULL;
	b = BIO_new_mem_buf(d, (int)len);
	k = priv ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	free(d);
	return k;
}

static int
is_hex(const char *ext)
{
	return ext != NULL && strcmp(ext, ".hex") == 0;
}

/* Flatten (HEX) and walk header and TLV areas; any bytes are safe. */
static int
img_parse(struct img *m, const uint8_t *d, size_t len, int hex, char *msg,
    size_t msglen)
{
	size_t off, end, tot;
	struct zs_errbuf eb;

	memset(m, 0, sizeof(*m));
	if (hex) {
		if (ihex_read((const char *)d, len, 0xff, &m->base, &m->p,
		    &m->len, &eb) != 0)
			return fail(msg, msglen, "bad HEX: %s", eb.msg);
	} else {
		m->p = malloc(len + 1);
		memcpy(m->p, d, len);
		m->len = len;
	}
	if (m->len < 32 || zs_get_u32(m->p, 0) != MCUBOOT_IMAGE_MAGIC)
		return fail(msg, msglen, "no image header");
	m->hdr = zs_get_u16(m->p + 8, 0);
	m->prot = zs_get_u16(m->p + 10, 0);
	m->isz = zs_get_u32(m->p + 12, 0);
	m->flags = zs_get_u32(m->p + 16, 0);
	off = (size_t)m->hdr + m->isz + m->prot;
	if (off + 4 > m->len || zs_get_u16(m->p + off, 0) != 0x6907)
		return fail(msg, msglen, "no unprotected TLV area at 0x%zx",
		    off);
	tot = zs_get_u16(m->p + off + 2, 0);
	m->tlv_off = off;
	m->tlv_end = end = off + tot;
	if (end > m->len)
		return fail(msg, msglen, "TLV area past the end");
	for (off += 4; off + 4 <= end && m->ntlv < CMP_TLVS_MAX; m->ntlv++) {
		m->type[m->ntlv] = zs_get_u16(m->p + off, 0);
		m->vlen[m->ntlv] = zs_get_u16(m->p + off + 2, 0);
		m->voff[m->ntlv] = off + 4;
		off += 4 + m->vlen[m->ntlv];
	}
	if (off != end)
		return fail(msg, msglen, "TLV entries do not fill the area");
	return 0;
}

static int
tlv_in(json_t *list, unsigned type)
{
	size_t i;
	json_t *v;
	unsigned long long t;

	json_array_foreach(list, i, v)
		if (zs_parse_uint(json_string_value(v), 0xffff, &t) == 0 &&
		    t == type)
			return 1;
	return 0;
}

static const uint8_t *
find_tlv(const struct img *m, unsigned type, size_t *lenp)
{
	unsigned i;

	for (i = 0; i < m->ntlv; i++)
		if (m->type[i] == type) {
			*lenp = m->vlen[i];
			return m->p + m->voff[i];
		}
	return NULL;
}

/* Check the hash TLV and the signature over the plaintext image pl. */
static int
check_sig(const struct img *pl, EVP_PKEY *vk, char *msg, size_t msglen)
{
	const struct mcuboot_hash *h = NULL;
	const struct mcuboot_keytype *kt;
	uint8_t md[64];
	const uint8_t *dig = NULL, *sig = NULL;
	size_t dlen = 0, slen = 0, plen, hashed;
	unsigned i;

	for (i = 0; i < pl->ntlv && h == NULL; i++)
		if ((h = mcuboot_hash_by_tlv(pl->type[i])) != NULL) {
			dig = pl->p + pl->voff[i];
			dlen = pl->vlen[i];
		}
	if (h == NULL || dlen != h->len)
		return fail(msg, msglen, "no hash TLV");
	hashed = (size_t)pl->hdr + pl->isz + pl->prot;
	if (mcuboot_hash_data(h, pl->p, hashed, md) != 0 ||
	    memcmp(md, dig, dlen) != 0)
		return fail(msg, msglen, "image hash does not match");
	if (vk == NULL)
		return 0;	/* unsigned: only the hash is checked */
	if ((kt = mcuboot_keytype_of(vk)) == NULL)
		return fail(msg, msglen, "unknown verify key type");
	if ((sig = find_tlv(pl, kt->sig_tlv, &slen)) == NULL)
		return fail(msg, msglen, "no signature TLV 0x%x", kt->sig_tlv);
	if (find_tlv(pl, 0x25, &plen) != NULL)
		return mcuboot_sig_verify(kt, vk, pl->p, hashed, sig, slen) ?
		    fail(msg, msglen, "pure signature does not verify") : 0;
	if (mcuboot_sig_verify(kt, vk, dig, dlen, sig, slen) != 0)
		return fail(msg, msglen, "signature does not verify");
	return 0;
}

static int
compare_structural(const char *vecdir, json_t *c, const uint8_t *out,
    size_t outlen, const uint8_t *exp, size_t explen, char *msg,
    size_t msglen)
{
	json_t *chk = json_object_get(c, "check"), *lay;
	json_t *vtypes = json_object_get(chk, "variable_tlv_types");
	json_t *tr;
	int hex = is_hex(json_string_value(json_object_get(c, "out_ext")));
	int encbody = json_is_true(json_object_get(chk, "encrypted_body"));
	struct img n, e, pl;
	EVP_PKEY *vk = NULL, *dk = NULL;
	uint8_t aes[32];
	size_t keylen, i, tsize, toff;
	struct zs_errbuf eb;
	unsigned k;
	int r = -1, erased;

	memset(&pl, 0, sizeof(pl));
	memset(&n, 0, sizeof(n));
	memset(&e, 0, sizeof(e));
	if (img_parse(&n, out, outlen, hex, msg, msglen) != 0 ||
	    img_parse(&e, exp, explen, hex, msg, msglen) != 0)
		goto out;
	if (hex && n.base != e.base) {
		fail(msg, msglen, "HEX base 0x%x, expected 0x%x", n.base,
		    e.base);
		goto out;
	}
	if (n.hdr != e.hdr || memcmp(n.p, e.p, e.hdr) != 0) {
		fail(msg, msglen, "header differs");
		goto out;
	}
	if (n.isz != e.isz || n.prot != e.prot) {
		fail(msg, msglen, "sizes differ");
		goto out;
	}
	if (memcmp(n.p + n.hdr + n.isz, e.p + e.hdr + e.isz, e.prot) != 0) {
		fail(msg, msglen, "protected TLVs differ");
		goto out;
	}
	if (n.ntlv != e.ntlv) {
		fail(msg, msglen, "%u unprotected TLVs, expected %u", n.ntlv,
		    e.ntlv);
		goto out;
	}
	for (k = 0; k < n.ntlv; k++) {
		if (n.type[k] != e.type[k]) {
			fail(msg, msglen, "TLV %u is 0x%x, expected 0x%x", k,
			    n.type[k], e.type[k]);
			goto out;
		}
		if (!tlv_in(vtypes, n.type[k]) && (n.vlen[k] != e.vlen[k] ||
		    memcmp(n.p + n.voff[k], e.p + e.voff[k], e.vlen[k]) != 0)) {
			fail(msg, msglen, "TLV 0x%x differs", n.type[k]);
			goto out;
		}
	}
	/* The plaintext: the output itself, or its body decrypted. */
	pl = n;
	pl.p = malloc(n.len + 1);
	memcpy(pl.p, n.p, n.len);
	if (encbody) {
		const uint8_t *w = NULL;
		size_t wlen = 0;
		uint8_t *ref = NULL;
		size_t reflen;

		keylen = (n.flags & MCUBOOT_F_ENCRYPTED_AES256) ? 32 : 16;
		for (k = 0; k < n.ntlv && w == NULL; k++)
			if (n.type[k] >= 0x30 && n.type[k] <= 0x34) {
				w = n.p + n.voff[k];
				wlen = n.vlen[k];
				break;
			}
		if (w == NULL || (dk = read_key(vecdir, json_string_value(
		    json_object_get(chk, "decrypt_key")), 1)) == NULL ||
		    mcuboot_enc_unwrap(dk, n.type[k], w, wlen, keylen, aes,
		    &eb) != 0) {
			fail(msg, msglen, "cannot unwrap the AES key");
			goto out;
		}
		mcuboot_aes_ctr(aes, keylen, pl.p + pl.hdr, pl.isz);
		if (read_rel(vecdir, json_string_value(json_object_get(chk,
		    "plaintext_image")), &ref, &reflen) != 0) {
			fail(msg, msglen, "no plaintext_image");
			goto out;
		}
		i = memcmp(pl.p + pl.hdr, ref + e.hdr, e.isz) != 0 ||
		    reflen < (size_t)e.hdr + e.isz;
		free(ref);
		if (i) {
			fail(msg, msglen, "decrypted body differs");
			goto out;
		}
	} else if (memcmp(n.p + n.hdr, e.p + e.hdr, e.isz) != 0) {
		fail(msg, msglen, "body differs");
		goto out;
	}
	if (json_object_get(chk, "verify_key") != NULL &&
	    (vk = read_key(vecdir, json_string_value(json_object_get(chk,
	    "verify_key")), 0)) == NULL) {
		fail(msg, msglen, "cannot read verify_key");
		goto out;
	}
	if (check_sig(&pl, vk, msg, msglen) != 0)
		goto out;
	/* Padding: slot-sized, erased gap, identical trailer. */
	lay = json_object_get(c, "layout");
	if ((tr = json_object_get(lay, "trailer")) != NULL) {
		tsize = (size_t)json_integer_value(json_object_get(tr,
		    "trailer_size"));
		erased = json_string_value(json_object_get(tr, "erased_val")) !=
		    NULL && strcmp(json_string_value(json_object_get(tr,
		    "erased_val")), "0x0") == 0 ? 0 : 0xff;
		if (n.len != e.len || tsize > n.len || n.tlv_end > n.len -
		    tsize) {
			fail(msg, msglen, "padded length %zu, expected %zu",
			    n.len, e.len);
			goto out;
		}
		toff = n.len - tsize;
		if (memcmp(n.p + toff, e.p + toff, tsize) != 0) {
			fail(msg, msglen, "trailer differs");
			goto out;
		}
		for (i = n.tlv_end; i < toff; i++)
			if (n.p[i] != erased) {
				fail(msg, msglen, "byte 0x%zx not erased", i);
				goto out;
			}
	} else if (n.len != n.tlv_end + (e.len - e.tlv_end) ||
	    memcmp(n.p + n.tlv_end, e.p + e.tlv_end, e.len - e.tlv_end) != 0) {
		fail(msg, msglen, "bytes after the TLVs differ");
		goto out;
	}
	r = 0;
 out:
	OPENSSL_cleanse(aes, sizeof(aes));
	EVP_PKEY_free(vk);
	EVP_PKEY_free(dk);
	free(n.p);
	free(e.p);
	free(pl.p);
	return r;
}

/* A structural --sig-out: base64 of the new image's signature TLV. */
static int
compare_sigout_structural(json_t *c, const uint8_t *out, size_t outlen,
    const uint8_t *sig, size_t siglen, char *msg, size_t msglen)
{
	int hex = is_hex(json_string_value(json_object_get(c, "out_ext")));
	struct img n;
	unsigned k;
	char *b64 = NULL;
	int r = -1;

	if (img_parse(&n, out, outlen, hex, msg, msglen) != 0)
		goto out;
	for (k = 0; k < n.ntlv; k++)
		if (n.type[k] >= 0x20 && n.type[k] <= 0x24)
			break;
	if (k == n.ntlv) {
		fail(msg, msglen, "no signature TLV for --sig-out");
		goto out;
	}
	b64 = zs_b64_encode(n.p + n.voff[k], n.vlen[k]);
	if (strlen(b64) != siglen || memcmp(b64, sig, siglen) != 0) {
		fail(msg, msglen, "--sig-out is not the signature TLV");
		goto out;
	}
	r = 0;
 out:
	free(b64);
	free(n.p);
	return r;
}

int
imgtool_compare(const char *vecdir, json_t *c, const uint8_t *out,
    size_t outlen, const uint8_t *sig, size_t siglen, char *msg,
    size_t msglen)
{
	json_t *chk = json_object_get(c, "check");
	const char *method = json_string_value(json_object_get(chk, "method"));
	const char *eo = json_string_value(json_object_get(c,
	    "expected_output"));
	const char *es = json_string_value(json_object_get(c,
	    "expected_sig_out"));
	uint8_t *exp = NULL, *esig = NULL;
	size_t explen = 0, esiglen = 0;
	int r = -1;

	if (method == NULL || eo == NULL)
		return fail(msg, msglen, "case has no check method");
	if (read_rel(vecdir, eo, &exp, &explen) != 0)
		return fail(msg, msglen, "cannot read %s", eo);
	if (es != NULL && (sig == NULL || read_rel(vecdir, es, &esig,
	    &esiglen) != 0)) {
		fail(msg, msglen, "no --sig-out output");
		goto out;
	}
	if (strcmp(method, "exact") == 0) {
		if (outlen != explen || memcmp(out, exp, explen) != 0) {
			fail(msg, msglen, "output differs from %s (%zu vs %zu "
			    "bytes)", eo, outlen, explen);
			goto out;
		}
		if (es != NULL && (siglen != esiglen || memcmp(sig, esig,
		    esiglen) != 0)) {
			fail(msg, msglen, "--sig-out differs from %s", es);
			goto out;
		}
	} else if (strcmp(method, "structural") == 0) {
		if (compare_structural(vecdir, c, out, outlen, exp, explen, msg,
		    msglen) != 0)
			goto out;
		if (es != NULL && compare_sigout_structural(c, out, outlen, sig,
		    siglen, msg, msglen) != 0)
			goto out;
	} else {
		fail(msg, msglen, "unknown check method %s", method);
		goto out;
	}
	r = 0;
 out:
	free(exp);
	free(esig);
	return r;
}

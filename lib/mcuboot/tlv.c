/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLV areas and the values imgtool puts in them that need encoding: the
 * CBOR boot record, UUIDs (raw or version 5), plus the tables of TLV
 * names and hash algorithms.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/digit.h"
#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

static const struct {
	unsigned	 id;
	const char	*name;
} tlv_names[] = {
	{ TLV_KEYHASH, "KEYHASH" }, { TLV_PUBKEY, "PUBKEY" },
	{ TLV_SHA256, "SHA256" }, { TLV_SHA384, "SHA384" },
	{ TLV_SHA512, "SHA512" }, { TLV_RSA2048, "RSA2048" },
	{ TLV_ECDSASIG, "ECDSASIG" }, { TLV_RSA3072, "RSA3072" },
	{ TLV_ED25519, "ED25519" }, { TLV_SIG_PURE, "SIG_PURE" },
	{ TLV_ENCRSA2048, "ENCRSA2048" }, { TLV_ENCKW, "ENCKW" },
	{ TLV_ENCEC256, "ENCEC256" }, { TLV_ENCX25519, "ENCX25519" },
	{ TLV_ENCX25519_SHA512, "ENCX25519_SHA512" },
	{ TLV_DEPENDENCY, "DEPENDENCY" }, { TLV_SEC_CNT, "SEC_CNT" },
	{ TLV_BOOT_RECORD, "BOOT_RECORD" }, { TLV_DECOMP_SIZE, "DECOMP_SIZE" },
	{ TLV_DECOMP_SHA, "DECOMP_SHA" },
	{ TLV_DECOMP_SIGNATURE, "DECOMP_SIGNATURE" },
	{ TLV_COMP_DEC_SIZE, "COMP_DEC_SIZE" },
	{ TLV_UUID_VID, "UUID_VID" }, { TLV_UUID_CID, "UUID_CID" },
};

const char *
mcuboot_tlv_name(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof(tlv_names) / sizeof(tlv_names[0]); i++)
		if (tlv_names[i].id == type)
			return tlv_names[i].name;
	return NULL;
}

int
mcuboot_tlv_predefined(unsigned tag)
{
	return mcuboot_tlv_name(tag) != NULL;
}

static const struct mcuboot_hash hashes[] = {
	{ SHA_256, "SHA256", TLV_SHA256, 32, EVP_sha256 },
	{ SHA_384, "SHA384", TLV_SHA384, 48, EVP_sha384 },
	{ SHA_512, "SHA512", TLV_SHA512, 64, EVP_sha512 },
};

const struct mcuboot_hash *
mcuboot_hash_get(enum mcuboot_sha sha)
{
	size_t i;

	if (sha == SHA_AUTO)
		sha = SHA_256;
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].sha == sha)
			return &hashes[i];
	return NULL;
}

const struct mcuboot_hash *
mcuboot_hash_by_tlv(unsigned tlv)
{
	size_t i;

	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (hashes[i].tlv == tlv)
			return &hashes[i];
	return NULL;
}

int
mcuboot_hash_data(const struct mcuboot_hash *h, const uint8_t *p,
    size_t len, uint8_t *out)
{
	unsigned int n = 0;

	if (EVP_Digest(p, len, out, &n, h->md(), NULL) != 1 || n != h->len)
		return ZS_ERR_CRYPTO;
	return 0;
}

int
mcuboot_tlvs_init(struct mcuboot_tlvs *t, int be)
{
	t->b = buf_new(MCUBOOT_TLV_AREA_MAX);
	t->be = be;
	t->count = 0;
	return 0;
}

void
mcuboot_tlvs_free(struct mcuboot_tlvs *t)
{
	buf_free(t->b);
	t->b = NULL;
}

int
mcuboot_tlvs_add(struct mcuboot_tlvs *t, unsigned type, int custom,
    const uint8_t *val, size_t len, struct zs_errbuf *eb)
{
	int r;

	if (custom && (type < MCUBOOT_CUSTOM_MIN || type > MCUBOOT_CUSTOM_MAX))
		return zs_errf(eb, ZS_ERR_USAGE, "Invalid custom TLV type "
		    "value '0x%04x', allowed value should be between 0x%04x "
		    "and 0x{TLV_VENDOR_RES_MAX:04x}", type,
		    MCUBOOT_CUSTOM_MIN);
	if (len > 0xffff)
		return zs_errf(eb, ZS_ERR_INVALID, "TLV 0x%x: value of %zu "
		    "bytes does not fit its 16-bit length", type, len);
	/* Predefined types are "<id> 00" in either byte order. */
	if (custom)
		r = buf_put_u16(t->b, (uint16_t)type, t->be);
	else if ((r = buf_put_u8(t->b, (uint8_t)type)) == 0)
		r = buf_put_u8(t->b, 0);
	if (r == 0)
		r = buf_put_u16(t->b, (uint16_t)len, t->be);
	if (r == 0 && len > 0)
		r = buf_put(t->b, val, len);
	if (r != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "TLV area larger than "
		    "64 KiB");
	t->count++;
	return 0;
}

size_t
mcuboot_tlvs_size(const struct mcuboot_tlvs *t, int always)
{
	if (t->count == 0 && !always)
		return 0;
	return MCUBOOT_TLV_INFO_LEN + buf_len(t->b);
}

int
mcuboot_tlvs_emit(const struct mcuboot_tlvs *t, uint16_t magic,
    struct buf *out, struct zs_errbuf *eb)
{
	size_t tot = MCUBOOT_TLV_INFO_LEN + buf_len(t->b);
	int r;

	if (tot > MCUBOOT_TLV_AREA_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "TLV area of %zu bytes "
		    "does not fit its 16-bit size", tot);
	if ((r = buf_put_u16(out, magic, t->be)) != 0 ||
	    (r = buf_put_u16(out, (uint16_t)tot, t->be)) != 0 ||
	    (r = buf_put(out, buf_ptr(t->b), buf_len(t->b))) != 0)
		return zs_errf(eb, r, "image too large");
	return 0;
}

/* CBOR major type + length, shortest form (RFC 8949 section 3). */
static int
cbor_head(struct buf *out, unsigned major, uint64_t n)
{
	uint8_t m = (uint8_t)(major << 5);
	int r;

	if (n < 24)
		return buf_put_u8(out, (uint8_t)(m | n));
	if (n <= 0xff) {
		if ((r = buf_put_u8(out, m | 24)) != 0)
			return r;
		return buf_put_u8(out, (uint8_t)n);
	}
	if (n <= 0xffff) {
		if ((r = buf_put_u8(out, m | 25)) != 0)
			return r;
		return buf_put_u16(out, (uint16_t)n, 1);
	}
	if ((r = buf_put_u8(out, m | 26)) != 0)
		return r;
	return buf_put_u32(out, (uint32_t)n, 1);
}

static int
cbor_bytes(struct buf *out, unsigned major, const void *p, size_t len)
{
	int r;

	if ((r = cbor_head(out, major, len)) != 0)
		return r;
	return len ? buf_put(out, p, len) : 0;
}

/* PSA SW component claim keys imgtool uses. */
enum { SWC_TYPE = 1, SWC_MEASURE_VALUE = 2, SWC_VERSION = 4,
    SWC_SIGNER_ID = 5, SWC_MEASURE_DESC = 6 };

int
mcuboot_boot_record(const char *sw_type, const struct mcuboot_version *v,
    const char *hash_name, size_t digest_len, const uint8_t *signer,
    size_t signer_len, struct buf *out)
{
	uint8_t zeros[MCUBOOT_DIGEST_MAX] = { 0 };
	char ver[96];
	int r;

	snprintf(ver, sizeof(ver), "%llu.%llu.%llu", v->major, v->minor,
	    v->revision);
	/*
	 * Insertion order of imgtool's dict; the measurement value is last
	 * so the bootloader can patch it in place.
	 */
	if ((r = cbor_head(out, 5, 5)) != 0 ||
	    (r = cbor_head(out, 0, SWC_TYPE)) != 0 ||
	    (r = cbor_bytes(out, 3, sw_type, strlen(sw_type))) != 0 ||
	    (r = cbor_head(out, 0, SWC_VERSION)) != 0 ||
	    (r = cbor_bytes(out, 3, ver, strlen(ver))) != 0 ||
	    (r = cbor_head(out, 0, SWC_SIGNER_ID)) != 0 ||
	    (r = cbor_bytes(out, 2, signer, signer_len)) != 0 ||
	    (r = cbor_head(out, 0, SWC_MEASURE_DESC)) != 0 ||
	    (r = cbor_bytes(out, 3, hash_name, strlen(hash_name))) != 0 ||
	    (r = cbor_head(out, 0, SWC_MEASURE_VALUE)) != 0 ||
	    (r = cbor_bytes(out, 2, zeros, digest_len)) != 0)
		return r;
	return 0;
}

/* 6ba7b810-9dad-11d1-80b4-00c04fd430c8 (RFC 4122 appendix C). */
const uint8_t mcuboot_uuid_ns_dns[16] = {
	0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
	0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };

int
mcuboot_uuid5(const uint8_t ns[16], const char *name, uint8_t out[16])
{
	EVP_MD_CTX *c;
	uint8_t md[20];
	int ok;

	if ((c = EVP_MD_CTX_new()) == NULL)
		return ZS_ERR_NOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(c, ns, 16) == 1 &&
	    EVP_DigestUpdate(c, name, strlen(name)) == 1 &&
	    EVP_DigestFinal_ex(c, md, NULL) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return ZS_ERR_CRYPTO;
	memcpy(out, md, 16);
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x50);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
	return 0;
}

/* Do n chars at p match [0-9a-f] (lower case only, like imgtool's regex)? */
static int
lowhex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Python bytes.fromhex() of s with every '-' removed when strip is set. */
static int
fromhex(const char *s, int strip, uint8_t **outp, size_t *lenp)
{
	size_t n = strlen(s), i, k = 0;
	uint8_t *o = xmalloc(n / 2 + 1);
	int hi = -1, d;

	for (i = 0; i < n; i++) {
		if (strip && s[i] == '-')
			continue;
		if (hi < 0 && isspace((unsigned char)s[i]))
			continue;
		if ((d = zs_digit_value(s[i], 16)) < 0)
			goto bad;
		if (hi < 0)
			hi = d;
		else {
			o[k++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto bad;
	*outp = o;
	*lenp = k;
	return 0;
 bad:
	free(o);
	return ZS_ERR_INVALID;
}

/* Python str.isprintable() for UTF-8 text, approximated on bytes. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

int
mcuboot_uuid_parse(const uint8_t *ns, const char *value, uint8_t **outp,
    size_t *lenp, struct zs_errbuf *eb)
{
	uint8_t *o;

	/* re.match: a prefix match, then the whole string goes to fromhex. */
	if (strlen(value) >= 36 && lowhex(value, 8) && value[8] == '-' &&
	    lowhex(value + 9, 4) && value[13] == '-' &&
	    lowhex(value + 14, 4) && value[18] == '-' &&
	    lowhex(value + 19, 4) && value[23] == '-' &&
	    lowhex(value + 24, 12)) {
		if (fromhex(value, 1, outp, lenp) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "UUID '%.80s' is "
			    "not hexadecimal", value);
		return 0;
	}
	if (strlen(value) >= 32 && lowhex(value, 32)) {
		if (fromhex(value, 0, outp, lenp) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "UUID '%.80s' is "
			    "not hexadecimal", value);
		return 0;
	}
	if (!printable(value))
		return zs_errf(eb, ZS_ERR_INVALID, "Unknown UUID format");
	if (ns == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "a --cid name needs --vid "
		    "as its namespace");
	o = xmalloc(16);
	if (mcuboot_uuid5(ns, value, o) != 0) {
		free(o);
		return zs_errf(eb, ZS_ERR_CRYPTO, "SHA-1 failed");
	}
	*outp = o;
	*lenp = 16;
	return 0;
}

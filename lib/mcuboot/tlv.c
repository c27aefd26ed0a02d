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

/* Do n chars at p match [0-9a-fA-F], as imgtool 2.4.0's regexes? */
static int
allhex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (zs_digit_value(p[i], 16) < 0)
			return 0;
	return 1;
}

/* The 16 bytes of hex digits at s, skipping the '-' at dash positions. */
static void
hexbytes16(const char *s, uint8_t out[16])
{
	size_t i;

	for (i = 0; i < 16; i++) {
		while (*s == '-')
			s++;
		out[i] = (uint8_t)(zs_digit_value(s[0], 16) << 4 |
		    zs_digit_value(s[1], 16));
		s += 2;
	}
}

/*
 * Python's str.isprintable() on UTF-8 text: false for invalid UTF-8 (argv
 * bytes Python cannot decode), control and format characters and the
 * separators other than the space; the rest of Unicode's "Other" and
 * "Separator" categories (unassigned code points) is not told apart.
 */
static int
printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
		    (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0)
			return 0;
		cp = *p & (0x7f >> n);
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		/* C1 controls, NBSP, soft hyphen, the Z and Cf blocks. */
		if (cp < 0xa1 || cp == 0xad || cp == 0x1680 ||
		    (cp >= 0x2000 && cp <= 0x200f) ||
		    (cp >= 0x2028 && cp <= 0x202f) ||
		    (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 ||
		    cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
		    (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000)
			return 0;
		p += n;
	}
	return 1;
}

int
mcuboot_uuid_parse(const uint8_t *ns, const char *value, uint8_t o[16],
    struct zs_errbuf *eb)
{
	size_t n = strlen(value);

	/* imgtool 2.4.0: re.fullmatch of 8-4-4-4-12, then of 32 digits. */
	if ((n == 36 && allhex(value, 8) && value[8] == '-' &&
	    allhex(value + 9, 4) && value[13] == '-' &&
	    allhex(value + 14, 4) && value[18] == '-' &&
	    allhex(value + 19, 4) && value[23] == '-' &&
	    allhex(value + 24, 12)) || (n == 32 && allhex(value, 32)))
		hexbytes16(value, o);
	else if (!printable(value))
		return zs_errf(eb, ZS_ERR_INVALID, "Unknown UUID format: "
		    "%.80s", value);
	else if (ns == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "Unknown namespace for "
		    "UUID: %.80s", value);
	else if (mcuboot_uuid5(ns, value, o) != 0)
		return zs_errf(eb, ZS_ERR_CRYPTO, "SHA-1 failed");
	return 0;
}

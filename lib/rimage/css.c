/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CSS header's signature: rimage signs css[0:128] followed by the
 * signed package (size - header_len dwords after the signature field),
 * RSA-2048 PKCS#1 v1.5 SHA-256 on cAVS 1.8 and RSA-3072 PSS SHA-384
 * (salt 32) on cAVS 2.5 / ACE, and stores modulus and signature reversed.
 * The key is only used through zs_key_sign() and zs_key_public().
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Bytes of the CSS header covered by the signature. */
#define CSS_SIGNED_HEAD		128
/* Largest signed package rimage's headers allow (message tail). */
#define CSS_PKG_MAX		4096
/* PSS salt length rimage uses. */
#define CSS_PSS_SALT		32

struct css_layout {
	size_t		 css_off;	/* from $CPD */
	size_t		 mod_len;	/* modulus and signature bytes */
	int		 pss;		/* PSS SHA-384, else PKCS#1 SHA-256 */
};

static void
css_layout(enum rimage_family fam, struct css_layout *l)
{
	if (fam == RIMAGE_FAM_CAVS18) {
		l->css_off = 0x58;
		l->mod_len = 256;
		l->pss = 0;
	} else {
		l->css_off = 0x5C;
		l->mod_len = 384;
		l->pss = 1;
	}
}

size_t
rimage_css_offset(enum rimage_family fam)
{
	struct css_layout l;

	css_layout(fam, &l);
	return l.css_off;
}

static void
reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

/* Hash css[0:128] || signed package, checking every bound against len. */
static int
css_digest(const struct css_layout *l, const uint8_t *img, size_t len,
    uint8_t *md, unsigned *mdlen, struct zs_errbuf *eb)
{
	const uint8_t *css = img + l->css_off;
	uint32_t size, hlen;
	size_t pkg, pkglen;
	EVP_MD_CTX *ctx;
	int ok;

	pkg = l->css_off + 132 + 2 * l->mod_len;
	if (len < pkg)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: image too short "
		    "for its CSS header");
	size = zs_get_u32(css + 24, 0);
	hlen = zs_get_u32(css + 4, 0);
	if (size <= hlen || (uint64_t)(size - hlen) * 4 > CSS_PKG_MAX ||
	    (pkglen = (size_t)(size - hlen) * 4) > len - pkg)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: CSS size %u and "
		    "header_len %u give no valid signed range", size, hlen);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "rimage: out of memory");
	ok = EVP_DigestInit_ex(ctx, l->pss ? EVP_sha384() : EVP_sha256(),
	    NULL) == 1 &&
	    EVP_DigestUpdate(ctx, css, CSS_SIGNED_HEAD) == 1 &&
	    EVP_DigestUpdate(ctx, img + pkg, pkglen) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return zs_errf(eb, ZS_ERR_CRYPTO, "rimage: digest failed");
	return 0;
}

/* Write the reversed modulus and the left-aligned exponent. */
static int
css_put_key(const struct css_layout *l, uint8_t *css, EVP_PKEY *pub,
    struct zs_errbuf *eb)
{
	uint8_t nbuf[RIMAGE_MODULUS_MAX], ebuf[4];
	BIGNUM *n = NULL, *e = NULL;
	int r = 0, elen;

	if (EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		r = zs_errf(eb, ZS_ERR_KEY, "rimage: cannot read the RSA key");
		goto out;
	}
	if (BN_num_bytes(e) > 4 ||
	    BN_bn2binpad(n, nbuf, (int)l->mod_len) != (int)l->mod_len) {
		r = zs_errf(eb, ZS_ERR_KEY, "rimage: RSA key does not fit "
		    "the CSS header");
		goto out;
	}
	reverse(css + 128, nbuf, l->mod_len);
	memset(ebuf, 0, sizeof(ebuf));
	elen = BN_bn2bin(e, ebuf);
	memset(css + 128 + l->mod_len, 0, 4);
	memcpy(css + 128 + l->mod_len, ebuf, (size_t)elen);
out:
	BN_free(n);
	BN_free(e);
	return r;
}

int
rimage_css_sign(enum rimage_family fam, uint8_t *img, size_t len,
    struct zs_key *key, struct zs_errbuf *eb)
{
	uint8_t md[EVP_MAX_MD_SIZE], *sig = NULL;
	struct css_layout l;
	unsigned mdlen;
	size_t siglen;
	int r;

	css_layout(fam, &l);
	if (key == NULL)
		return zs_errf(eb, ZS_ERR_KEY, "rimage: this format needs a "
		    "signing key");
	if (zs_key_type(key) != ZS_KEY_RSA ||
	    (size_t)zs_key_bits(key) != l.mod_len * 8)
		return zs_errf(eb, ZS_ERR_KEY, "rimage: key '%s' is %s; this "
		    "format needs an RSA-%zu key", zs_key_name(key),
		    zs_key_type_name(key), l.mod_len * 8);
	if ((r = css_digest(&l, img, len, md, &mdlen, eb)) != 0)
		return r;
	if ((r = css_put_key(&l, img + l.css_off, zs_key_public(key),
	    eb)) != 0)
		return r;
	if ((r = zs_key_sign(key, l.pss ? ZS_SIG_RSA_PSS_SHA384 :
	    ZS_SIG_RSA_PKCS1_SHA256, md, mdlen, &sig, &siglen, eb)) != 0)
		return r;
	if (siglen != l.mod_len) {
		free(sig);
		return zs_errf(eb, ZS_ERR_CRYPTO, "rimage: signature is %zu "
		    "bytes, expected %zu", siglen, l.mod_len);
	}
	reverse(img + l.css_off + 132 + l.mod_len, sig, siglen);
	free(sig);
	return rimage_css_verify(fam, img, len, zs_key_public(key), eb);
}

int
rimage_css_verify(enum rimage_family fam, const uint8_t *img, size_t len,
    EVP_PKEY *pub, struct zs_errbuf *eb)
{
	uint8_t md[EVP_MAX_MD_SIZE], sig[RIMAGE_MODULUS_MAX];
	EVP_PKEY_CTX *ctx;
	struct css_layout l;
	unsigned mdlen;
	int r, ok;

	css_layout(fam, &l);
	if ((r = css_digest(&l, img, len, md, &mdlen, eb)) != 0)
		return r;
	reverse(sig, img + l.css_off + 132 + l.mod_len, l.mod_len);
	if ((ctx = EVP_PKEY_CTX_new(pub, NULL)) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "rimage: out of memory");
	ok = EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, l.pss ? EVP_sha384() :
	    EVP_sha256()) == 1;
	if (ok && l.pss)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha384()) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, CSS_PSS_SALT) == 1;
	else if (ok)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING) == 1;
	ok = ok && EVP_PKEY_verify(ctx, sig, l.mod_len, md, mdlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return zs_errf(eb, ZS_ERR_VERIFY, "rimage: the CSS signature "
		    "does not verify");
	return 0;
}

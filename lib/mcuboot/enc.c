/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image encryption: AES-CTR over the body and the key wraps imgtool
 * writes (RSA-OAEP, ECIES-P256 and ECIES-X25519 with HKDF and HMAC), and
 * their inverse for tests and tools that hold the recipient's private key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rsa.h>

#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

#define ECIES_INFO	"MCUBoot_ECIES_v1"	/* HKDF info */
#define P256_POINT_LEN	65	/* 04 || X || Y */
#define X25519_LEN	32	/* raw u-coordinate */

int
mcuboot_aes_ctr(const uint8_t *key, size_t keylen, uint8_t *p, size_t len)
{
	static const uint8_t iv[16];
	EVP_CIPHER_CTX *c;
	int n, ok;

	if (len > INT32_MAX)
		return ZS_ERR_TOO_LARGE;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return ZS_ERR_NOMEM;
	ok = EVP_EncryptInit_ex(c, keylen == 32 ? EVP_aes_256_ctr() :
	    EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(c, p, &n, p, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(c, p + n, &n) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : ZS_ERR_CRYPTO;
}

/* HKDF(shared) -> AES key (keylen) || HMAC key (hash length). */
static int
ecies_kdf(const EVP_MD *md, const uint8_t *shared, size_t slen,
    uint8_t *out, size_t outlen)
{
	EVP_PKEY_CTX *k;
	int ok;

	if ((k = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL)
		return ZS_ERR_NOMEM;
	ok = EVP_PKEY_derive_init(k) == 1 &&
	    EVP_PKEY_CTX_set_hkdf_md(k, md) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(k, shared, (int)slen) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(k, (const uint8_t *)ECIES_INFO,
	    (int)strlen(ECIES_INFO)) == 1 &&
	    EVP_PKEY_derive(k, out, &outlen) == 1;
	EVP_PKEY_CTX_free(k);
	return ok ? 0 : ZS_ERR_CRYPTO;
}

static int
ecdh(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t *lenp)
{
	EVP_PKEY_CTX *c;
	int ok;

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) == NULL)
		return ZS_ERR_NOMEM;
	ok = EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_derive_set_peer(c, peer) == 1 &&
	    EVP_PKEY_derive(c, out, lenp) == 1;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : ZS_ERR_CRYPTO;
}

/* Derive keys from the shared secret; CTR-encrypt key, MAC the result. */
static int
ecies_seal(const EVP_MD *md, const uint8_t *shared, size_t slen,
    const uint8_t *in, size_t keylen, uint8_t *wrapped, uint8_t *tag)
{
	uint8_t okm[MCUBOOT_AES_KEY_MAX + EVP_MAX_MD_SIZE];
	size_t hlen = (size_t)EVP_MD_get_size(md);
	unsigned int tlen;
	int r;

	if ((r = ecies_kdf(md, shared, slen, okm, keylen + hlen)) != 0)
		goto out;
	memcpy(wrapped, in, keylen);
	if ((r = mcuboot_aes_ctr(okm, keylen, wrapped, keylen)) != 0)
		goto out;
	if (HMAC(md, okm + keylen, (int)hlen, wrapped, keylen, tag, &tlen) ==
	    NULL || tlen != hlen)
		r = ZS_ERR_CRYPTO;
 out:
	OPENSSL_cleanse(okm, sizeof(okm));
	return r;
}

static int
wrap_rsa(EVP_PKEY *rcpt, const uint8_t *key, size_t keylen, uint8_t **outp,
    size_t *lenp)
{
	EVP_PKEY_CTX *c;
	size_t n = 0;
	uint8_t *o = NULL;
	int ok;

	if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, rcpt, NULL)) == NULL)
		return ZS_ERR_NOMEM;
	ok = EVP_PKEY_encrypt_init(c) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_encrypt(c, NULL, &n, key, keylen) == 1;
	if (ok) {
		o = xmalloc(n);
		ok = EVP_PKEY_encrypt(c, o, &n, key, keylen) == 1;
	}
	EVP_PKEY_CTX_free(c);
	if (!ok) {
		free(o);
		return ZS_ERR_CRYPTO;
	}
	*outp = o;
	*lenp = n;
	return 0;
}

static int
wrap_ecies(EVP_PKEY *rcpt, enum zs_keytype t, const EVP_MD *md,
    const uint8_t *key, size_t keylen, uint8_t **outp, size_t *lenp)
{
	EVP_PKEY *eph = NULL;
	uint8_t shared[64], *o = NULL;
	size_t slen = sizeof(shared), plen, hlen = (size_t)EVP_MD_get_size(md);
	size_t total;
	int r = ZS_ERR_CRYPTO;

	eph = t == ZS_KEY_X25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "X25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (eph == NULL)
		goto out;
	if ((r = ecdh(eph, rcpt, shared, &slen)) != 0)
		goto out;
	plen = t == ZS_KEY_X25519 ? X25519_LEN : P256_POINT_LEN;
	total = plen + hlen + keylen;
	o = xmalloc(total);
	r = ZS_ERR_CRYPTO;
	if (t == ZS_KEY_X25519) {
		size_t n = plen;

		if (EVP_PKEY_get_raw_public_key(eph, o, &n) != 1 || n != plen)
			goto out;
	} else if (EVP_PKEY_get_octet_string_param(eph,
	    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, o, plen, &plen) != 1 ||
	    plen != P256_POINT_LEN || o[0] != 0x04)
		goto out;
	if ((r = ecies_seal(md, shared, slen, key, keylen, o + plen + hlen,
	    o + plen)) != 0)
		goto out;
	*outp = o;
	*lenp = total;
	o = NULL;
 out:
	OPENSSL_cleanse(shared, sizeof(shared));
	free(o);
	EVP_PKEY_free(eph);
	return r;
}

int
mcuboot_enc_wrap(EVP_PKEY *rcpt, enum mcuboot_sha hmac_sha,
    const uint8_t *aeskey, size_t keylen, unsigned *tlvp, uint8_t **outp,
    size_t *lenp, struct zs_errbuf *eb)
{
	enum zs_keytype t;
	int r;

	if (zs_pkey_type(rcpt, &t) != 0)
		return zs_errf(eb, ZS_ERR_KEY, "unsupported encryption key");
	if (t != ZS_KEY_RSA && hmac_sha == SHA_512 && t != ZS_KEY_X25519)
		return zs_errf(eb, ZS_ERR_USAGE, "Currently only ECIES-X25519 "
		    "supports HMAC-SHA512");
	switch (t) {
	case ZS_KEY_RSA:
		*tlvp = TLV_ENCRSA2048;
		r = wrap_rsa(rcpt, aeskey, keylen, outp, lenp);
		break;
	case ZS_KEY_EC_P256:
		*tlvp = TLV_ENCEC256;
		r = wrap_ecies(rcpt, t, EVP_sha256(), aeskey, keylen, outp,
		    lenp);
		break;
	case ZS_KEY_X25519:
		*tlvp = hmac_sha == SHA_512 ? TLV_ENCX25519_SHA512 :
		    TLV_ENCX25519;
		r = wrap_ecies(rcpt, t, hmac_sha == SHA_512 ? EVP_sha512() :
		    EVP_sha256(), aeskey, keylen, outp, lenp);
		break;
	default:
		/* imgtool has no wrap for P-384 or Ed25519 recipients. */
		*tlvp = 0;
		*outp = NULL;
		*lenp = 0;
		return 0;
	}
	if (r != 0)
		return zs_errf(eb, r, "cannot wrap the image key: %s",
		    zs_strerror(r));
	return 0;
}

int
mcuboot_enc_unwrap(EVP_PKEY *priv, unsigned tlv, const uint8_t *val,
    size_t len, size_t keylen, uint8_t *aeskey, struct zs_errbuf *eb)
{
	EVP_PKEY *eph = NULL;
	EVP_PKEY_CTX *c = NULL;
	const EVP_MD *md = tlv == TLV_ENCX25519_SHA512 ? EVP_sha512() :
	    EVP_sha256();
	uint8_t shared[64], tag[EVP_MAX_MD_SIZE], wrapped[MCUBOOT_AES_KEY_MAX];
	uint8_t out[512];
	size_t slen = sizeof(shared), plen, hlen = (size_t)EVP_MD_get_size(md);
	size_t n = sizeof(out);
	int r = ZS_ERR_CRYPTO;

	if (keylen != 16 && keylen != 32)
		return zs_errf(eb, ZS_ERR_INVALID, "bad AES key length");
	if (tlv == TLV_ENCRSA2048) {
		if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL)) ==
		    NULL || EVP_PKEY_decrypt_init(c) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) !=
		    1 || EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) != 1 ||
		    EVP_PKEY_decrypt(c, out, &n, val, len) != 1 || n != keylen)
			goto out;
		memcpy(aeskey, out, keylen);
		r = 0;
		goto out;
	}
	if (tlv == TLV_ENCEC256) {
		plen = P256_POINT_LEN;
		if (len != plen + hlen + keylen)
			goto out;
		eph = EVP_PKEY_new();
		{
			EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL,
			    "EC", NULL);
			OSSL_PARAM prm[3];

			prm[0] = OSSL_PARAM_construct_utf8_string(
			    OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0);
			prm[1] = OSSL_PARAM_construct_octet_string(
			    OSSL_PKEY_PARAM_PUB_KEY, (void *)val, plen);
			prm[2] = OSSL_PARAM_construct_end();
			EVP_PKEY_free(eph);
			eph = NULL;
			if (pc == NULL || EVP_PKEY_fromdata_init(pc) != 1 ||
			    EVP_PKEY_fromdata(pc, &eph, EVP_PKEY_PUBLIC_KEY,
			    prm) != 1)
				eph = NULL;
			EVP_PKEY_CTX_free(pc);
		}
	} else if (tlv == TLV_ENCX25519 || tlv == TLV_ENCX25519_SHA512) {
		plen = X25519_LEN;
		if (len != plen + hlen + keylen)
			goto out;
		eph = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, val,
		    plen);
	} else
		return zs_errf(eb, ZS_ERR_INVALID, "TLV 0x%x is no key wrap",
		    tlv);
	if (eph == NULL || ecdh(priv, eph, shared, &slen) != 0)
		goto out;
	{
		uint8_t okm[MCUBOOT_AES_KEY_MAX + EVP_MAX_MD_SIZE];
		unsigned int tlen;

		if (ecies_kdf(md, shared, slen, okm, keylen + hlen) != 0 ||
		    HMAC(md, okm + keylen, (int)hlen, val + plen + hlen,
		    keylen, tag, &tlen) == NULL || tlen != hlen ||
		    CRYPTO_memcmp(tag, val + plen, hlen) != 0) {
			OPENSSL_cleanse(okm, sizeof(okm));
			r = ZS_ERR_VERIFY;
			goto out;
		}
		memcpy(wrapped, val + plen + hlen, keylen);
		r = mcuboot_aes_ctr(okm, keylen, wrapped, keylen);
		OPENSSL_cleanse(okm, sizeof(okm));
		if (r == 0)
			memcpy(aeskey, wrapped, keylen);
	}
 out:
	if (r != 0)
		zs_errf(eb, r == ZS_ERR_VERIFY ? r : ZS_ERR_CRYPTO,
		    "cannot unwrap the image key");
	ERR_clear_error();
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(wrapped, sizeof(wrapped));
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(eph);
	return r;
}

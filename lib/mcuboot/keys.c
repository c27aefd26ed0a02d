/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What imgtool knows about each kind of signing key, as one table: the
 * hash algorithms it allows, the signature TLV and algorithm, --pad-sig,
 * the recipients it may encrypt for; plus the key bytes it embeds and the
 * signature check used after signing and by verify.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

#define N	SHA_AUTO	/* end of an allowed list */

static const struct mcuboot_keytype keytypes[] = {
	{ ZS_KEY_RSA, 2048, "PKCS1_PSS_RSA2048_SHA256",
	    "imgtool.keys.rsa.RSA", "imgtool.keys.rsa.RSAPublic",
	    TLV_RSA2048, { SHA_256, N, N }, { SHA_256, N, N }, SHA_AUTO,
	    ZS_SIG_RSA_PSS_SHA256, 0, 0, 256, 0, ZS_KEY_RSA },
	{ ZS_KEY_RSA, 3072, "PKCS1_PSS_RSA3072_SHA256",
	    "imgtool.keys.rsa.RSA", "imgtool.keys.rsa.RSAPublic",
	    TLV_RSA3072, { SHA_256, N, N }, { SHA_256, N, N }, SHA_AUTO,
	    ZS_SIG_RSA_PSS_SHA256, 0, 0, 384, 0, ZS_KEY_RSA },
	{ ZS_KEY_EC_P256, 0, "ECDSA256_SHA256",
	    "imgtool.keys.ecdsa.ECDSA256P1",
	    "imgtool.keys.ecdsa.ECDSA256P1Public",
	    TLV_ECDSASIG, { SHA_256, N, N }, { SHA_256, SHA_512, N }, SHA_AUTO,
	    ZS_SIG_ECDSA_SHA256, 0, 72, 0, 0, ZS_KEY_EC_P256 },
	{ ZS_KEY_EC_P384, 0, "ECDSA384_SHA384",
	    "imgtool.keys.ecdsa.ECDSA384P1",
	    "imgtool.keys.ecdsa.ECDSA384P1Public",
	    TLV_ECDSASIG, { SHA_384, N, N }, { SHA_384, N, N }, SHA_AUTO,
	    ZS_SIG_ECDSA_SHA384, 0, 103, 0, 0, ZS_KEY_EC_P384 },
	{ ZS_KEY_ED25519, 0, "ED25519",
	    "imgtool.keys.ed25519.Ed25519",
	    "imgtool.keys.ed25519.Ed25519Public",
	    TLV_ED25519, { SHA_256, SHA_512, N }, { SHA_256, SHA_512, N },
	    SHA_512, ZS_SIG_ED25519, 1, 0, 64, 1, ZS_KEY_ED25519 },
};

#undef N

const struct mcuboot_keytype *
mcuboot_keytype_of(EVP_PKEY *pub)
{
	enum zs_keytype t;
	size_t i;

	if (pub == NULL || zs_pkey_type(pub, &t) != 0)
		return NULL;
	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (keytypes[i].type == t && (keytypes[i].bits == 0 ||
		    keytypes[i].bits == EVP_PKEY_get_bits(pub)))
			return &keytypes[i];
	return NULL;
}

const char *
mcuboot_key_shortname(EVP_PKEY *pub)
{
	enum zs_keytype t;

	if (zs_pkey_type(pub, &t) != 0)
		return NULL;
	switch (t) {
	case ZS_KEY_RSA:
		return "rsa";
	case ZS_KEY_EC_P256:
		return "ecdsa";
	case ZS_KEY_EC_P384:
		return "ecdsap384";
	case ZS_KEY_ED25519:
		return "ed25519";
	case ZS_KEY_X25519:
		return "x25519";
	}
	return NULL;
}

int
mcuboot_pubkey_bytes(EVP_PKEY *pub, uint8_t **outp, size_t *lenp,
    struct zs_errbuf *eb)
{
	EVP_PKEY *dup = NULL;
	unsigned char *der = NULL;
	enum zs_keytype t;
	int len, r = ZS_ERR_CRYPTO;

	if (zs_pkey_type(pub, &t) != 0)
		return zs_errf(eb, ZS_ERR_KEY, "unsupported key type");
	if (t == ZS_KEY_RSA) {
		/* imgtool embeds PKCS#1 RSAPublicKey, not SPKI. */
		len = i2d_PublicKey(pub, &der);
	} else {
		/* SPKI, uncompressed point whatever the key file had. */
		if ((dup = EVP_PKEY_dup(pub)) == NULL)
			goto out;
		if ((t == ZS_KEY_EC_P256 || t == ZS_KEY_EC_P384) &&
		    EVP_PKEY_set_utf8_string_param(dup,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		    "uncompressed") != 1)
			goto out;
		len = i2d_PUBKEY(dup, &der);
	}
	if (len <= 0)
		goto out;
	*outp = xmalloc((size_t)len);
	memcpy(*outp, der, (size_t)len);
	*lenp = (size_t)len;
	r = 0;
 out:
	if (r != 0)
		zs_errf(eb, r, "cannot encode the public key");
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_PKEY_free(dup);
	return r;
}

int
mcuboot_sig_verify(const struct mcuboot_keytype *kt, EVP_PKEY *pub,
    const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	const EVP_MD *md;
	int ok = 0;

	if (kt->sign_message) {
		ok = (mc = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(mc, NULL, NULL, NULL, pub) == 1 &&
		    EVP_DigestVerify(mc, sig, siglen, msg, msglen) == 1;
		goto out;
	}
	md = kt->sigalg == ZS_SIG_ECDSA_SHA384 ? EVP_sha384() : EVP_sha256();
	if ((size_t)EVP_MD_get_size(md) != msglen)
		goto out;
	if (kt->type == ZS_KEY_EC_P256 || kt->type == ZS_KEY_EC_P384) {
		/* --pad-sig zeros follow the DER; its length is in byte 1. */
		if (siglen < 2 || sig[0] != 0x30 || sig[1] > 0x7f ||
		    (size_t)sig[1] + 2 > siglen)
			goto out;
		siglen = (size_t)sig[1] + 2;
	}
	if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pc, md) != 1)
		goto out;
	if (kt->type == ZS_KEY_RSA &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) != 1))
		goto out;
	ok = EVP_PKEY_verify(pc, sig, siglen, msg, msglen) == 1;
 out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	return ok ? 0 : ZS_ERR_VERIFY;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* A test OIDC issuer: JWKS and token minting with OpenSSL (tests only). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "tests/jwtmint.h"

char *
jwtmint_b64url(const uint8_t *p, size_t len)
{
	char *s = zs_b64_encode(p, len);
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
		else if (s[i] == '=')
			s[i] = '\0';
	return s;
}

static char *
jwtmint_bn(EVP_PKEY *k, const char *name)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	int n;

	if (!EVP_PKEY_get_bn_param(k, name, &bn))
		return NULL;
	n = BN_bn2bin(bn, buf);
	BN_free(bn);
	return jwtmint_b64url(buf, (size_t)n);
}

char *
jwtmint_jwks(EVP_PKEY *const *keys, const char *const *kids, size_t n)
{
	json_t *root = json_object(), *arr = json_array(), *k;
	uint8_t pt[1 + 2 * 66];
	size_t i, ptlen, half;
	char *x, *y, *s;

	for (i = 0; i < n; i++) {
		if (EVP_PKEY_is_a(keys[i], "RSA")) {
			x = jwtmint_bn(keys[i], OSSL_PKEY_PARAM_RSA_N);
			y = jwtmint_bn(keys[i], OSSL_PKEY_PARAM_RSA_E);
			k = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA",
			    "kid", kids[i], "use", "sig", "n", x, "e", y);
		} else {
			if (!EVP_PKEY_get_octet_string_param(keys[i],
			    OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &ptlen))
				return NULL;
			half = (ptlen - 1) / 2;
			x = jwtmint_b64url(pt + 1, half);
			y = jwtmint_b64url(pt + 1 + half, half);
			k = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC",
			    "kid", kids[i], "crv", half == 32 ? "P-256" :
			    "P-384", "x", x, "y", y);
		}
		free(x);
		free(y);
		json_array_append_new(arr, k);
	}
	json_object_set_new(root, "keys", arr);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}

/* JOSE r || s from OpenSSL's DER ECDSA signature. */
static int
jwtmint_ecdsa_raw(const uint8_t *der, size_t len, size_t half, uint8_t *out)
{
	const uint8_t *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	int ok;

	if (es == NULL)
		return 0;
	ok = BN_bn2binpad(ECDSA_SIG_get0_r(es), out, (int)half) == (int)half &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), out + half, (int)half) ==
	    (int)half;
	ECDSA_SIG_free(es);
	return ok;
}

static int
jwtmint_sign(EVP_PKEY *key, const char *alg, const char *data,
    uint8_t *sig, size_t *siglen)
{
	uint8_t der[1024];
	size_t derlen = sizeof(der);
	char *pem;
	long pemlen;
	unsigned int hlen;
	EVP_MD_CTX *md;
	BIO *bio;
	int ok;

	if (alg == NULL || strcmp(alg, "none") == 0) {
		*siglen = 0;
		return 1;
	}
	if (strcmp(alg, "HS256") == 0) {
		/* The classic confusion: the public key's PEM as HMAC secret. */
		bio = BIO_new(BIO_s_mem());
		PEM_write_bio_PUBKEY(bio, key);
		pemlen = BIO_get_mem_data(bio, &pem);
		ok = HMAC(EVP_sha256(), pem, (int)pemlen,
		    (const uint8_t *)data, strlen(data), sig, &hlen) != NULL;
		BIO_free(bio);
		*siglen = hlen;
		return ok;
	}
	md = EVP_MD_CTX_new();
	ok = EVP_DigestSignInit_ex(md, NULL, strstr(alg, "384") ? "SHA384" :
	    "SHA256", NULL, NULL, key, NULL) == 1 &&
	    EVP_DigestSign(md, der, &derlen, (const uint8_t *)data,
	    strlen(data)) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return 0;
	if (alg[0] == 'R') {
		memcpy(sig, der, derlen);
		*siglen = derlen;
		return 1;
	}
	*siglen = strstr(alg, "384") ? 96 : 64;
	return jwtmint_ecdsa_raw(der, derlen, *siglen / 2, sig);
}

char *
jwtmint_token(EVP_PKEY *key, const char *header, const char *claims)
{
	json_t *h = json_loads(header, 0, NULL);
	const char *alg = json_string_value(json_object_get(h, "alg"));
	uint8_t sig[1024];
	size_t siglen;
	char *hb, *cb, *data, *sb, *tok = NULL;

	hb = jwtmint_b64url((const uint8_t *)header, strlen(header));
	cb = jwtmint_b64url((const uint8_t *)claims, strlen(claims));
	data = xasprintf("%s.%s", hb, cb);
	if (jwtmint_sign(key, alg, data, sig, &siglen)) {
		sb = jwtmint_b64url(sig, siglen);
		tok = xasprintf("%s.%s", data, sb);
		free(sb);
	}
	free(hb);
	free(cb);
	free(data);
	json_decref(h);
	return tok;
}

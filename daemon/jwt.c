/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verify OIDC JSON Web Tokens against a JSON Web Key Set with OpenSSL:
 * the algorithm comes from a fixed table, never from what the key set or
 * the token would like, so "none" and HMAC keyed with a public key cannot
 * be smuggled in.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/jwt.h"

/* Most "aud" entries looked at. */
#define JWT_AUD_MAX		16
/* Largest NumericDate accepted (year 2286; keeps time_t arithmetic safe). */
#define JWT_DATE_MAX		9999999999.0

enum jwt_kty { JWT_KTY_RSA, JWT_KTY_P256, JWT_KTY_P384 };

/* The algorithms accepted: name, key type, digest, raw signature size. */
static const struct jwt_alg {
	const char	*name;
	enum jwt_kty	 kty;
	const char	*md;
	size_t		 ecsize;	/* r || s bytes for ECDSA, else 0 */
} jwt_algs[] = {
	{ "RS256", JWT_KTY_RSA, "SHA256", 0 },
	{ "RS384", JWT_KTY_RSA, "SHA384", 0 },
	{ "ES256", JWT_KTY_P256, "SHA256", 64 },
	{ "ES384", JWT_KTY_P384, "SHA384", 96 },
};

struct jwk {
	char		 kid[JWT_KID_MAX];	/* "" when absent */
	char		 alg[8];		/* "" when absent */
	enum jwt_kty	 kty;
	EVP_PKEY	*pkey;
};

struct jwks {
	size_t		nkeys;
	struct jwk	keys[JWT_KEYS_MAX];
};

static int
b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Strict base64url without padding (RFC 7515 section 2) of at most max bytes. */
static int
b64url_decode(const char *s, size_t len, size_t max, uint8_t **outp,
    size_t *lenp)
{
	char *std;
	size_t i, n;
	int r;

	if (len % 4 == 1)
		return ZS_ERR_INVALID;
	if (len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1) > max)
		return ZS_ERR_TOO_LARGE;
	n = (len + 3) / 4 * 4;
	std = xmalloc(n + 1);
	for (i = 0; i < len; i++) {
		if (!b64url_char((unsigned char)s[i])) {
			free(std);
			return ZS_ERR_INVALID;
		}
		std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	}
	for (; i < n; i++)
		std[i] = '=';
	r = zs_b64_decode(std, n, outp, lenp);
	free(std);
	return r;
}

/* A header value for a message: only short names, never raw client bytes. */
static const char *
jwt_safe(const char *s)
{
	size_t i;

	if (s == NULL)
		return "(none)";
	for (i = 0; s[i] != '\0'; i++)
		if (i == 32 || !(b64url_char((unsigned char)s[i]) ||
		    s[i] == '.'))
			return "(not shown)";
	return s;
}

int
jwt_is_jws(const char *s, size_t len)
{
	size_t i, dots = 0;

	if (len == 0 || len > JWT_TOKEN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (!b64url_char((unsigned char)s[i]))
			return 0;
	}
	return dots == 2;
}

/* A base64url JWK member of exactly want bytes (any length when 0), at most max. */
static int
jwk_bytes(const json_t *k, const char *name, size_t want, size_t max,
    uint8_t **outp, size_t *lenp)
{
	const char *s = json_string_value(json_object_get(k, name));
	uint8_t *out;
	size_t len;

	if (s == NULL || b64url_decode(s, strlen(s), max, &out, &len) != 0)
		return ZS_ERR_FORMAT;
	if ((want != 0 && len != want) || len == 0) {
		free(out);
		return ZS_ERR_FORMAT;
	}
	*outp = out;
	*lenp = len;
	return 0;
}

static int
jwk_rsa(const json_t *k, EVP_PKEY **pkeyp)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t *nb = NULL, *eb = NULL;
	size_t nlen, elen;
	int r = ZS_ERR_FORMAT;

	if (jwk_bytes(k, "n", 0, JWT_RSA_MAX_BITS / 8, &nb, &nlen) != 0)
		goto out;
	if (jwk_bytes(k, "e", 0, 8, &eb, &elen) != 0)
		goto out;
	n = BN_bin2bn(nb, (int)nlen, NULL);
	e = BN_bin2bn(eb, (int)elen, NULL);
	if (n == NULL || e == NULL || BN_num_bits(n) < JWT_RSA_MIN_BITS ||
	    !BN_is_odd(e) || BN_is_one(e))
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, pkeyp, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	r = 0;
 out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	return r;
}

static int
jwk_ec(const json_t *k, enum jwt_kty kty, EVP_PKEY **pkeyp)
{
	size_t clen = kty == JWT_KTY_P256 ? 32 : 48, xlen, ylen;
	const char *group = kty == JWT_KTY_P256 ? "prime256v1" : "secp384r1";
	uint8_t *x = NULL, *y = NULL, pt[1 + 2 * 48];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = ZS_ERR_FORMAT;

	if (jwk_bytes(k, "x", clen, clen, &x, &xlen) != 0 ||
	    jwk_bytes(k, "y", clen, clen, &y, &ylen) != 0)
		goto out;
	/* Uncompressed SEC 1 point; OpenSSL checks that it is on the curve. */
	pt[0] = 0x04;
	memcpy(pt + 1, x, clen);
	memcpy(pt + 1 + clen, y, clen);
	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(
	    OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * clen);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	EVP_PKEY_CTX_free(ctx);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(ctx) != 1)
		goto out;
	*pkeyp = pkey;
	pkey = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	free(x);
	free(y);
	return r;
}

/* Take one JWK into jk: 1 when kept, 0 when skipped, ZS_ERR_FORMAT when broken. */
static int
jwk_parse(const json_t *k, struct jwk *jk, size_t i, struct zs_errbuf *eb)
{
	const char *kty, *crv, *use, *kid, *alg;

	if (!json_is_object(k))
		return zs_errf(eb, ZS_ERR_FORMAT, "keys[%zu] is not an object",
		    i);
	kty = json_string_value(json_object_get(k, "kty"));
	use = json_string_value(json_object_get(k, "use"));
	kid = json_string_value(json_object_get(k, "kid"));
	alg = json_string_value(json_object_get(k, "alg"));
	if (kty == NULL)
		return zs_errf(eb, ZS_ERR_FORMAT, "keys[%zu] has no \"kty\"",
		    i);
	/* Encryption keys and other types ("oct", "OKP") are no concern here. */
	if (use != NULL && strcmp(use, "sig") != 0)
		return 0;
	if ((json_object_get(k, "kid") != NULL && (kid == NULL ||
	    strlen(kid) >= sizeof(jk->kid))) ||
	    (json_object_get(k, "alg") != NULL && (alg == NULL ||
	    strlen(alg) >= sizeof(jk->alg))))
		return zs_errf(eb, ZS_ERR_FORMAT, "keys[%zu]: bad \"kid\" or "
		    "\"alg\"", i);
	memset(jk, 0, sizeof(*jk));
	if (strcmp(kty, "RSA") == 0) {
		jk->kty = JWT_KTY_RSA;
		if (jwk_rsa(k, &jk->pkey) != 0)
			return zs_errf(eb, ZS_ERR_FORMAT, "keys[%zu]: bad RSA "
			    "key (n of %d-%d bits, odd e)", i,
			    JWT_RSA_MIN_BITS, JWT_RSA_MAX_BITS);
	} else if (strcmp(kty, "EC") == 0) {
		crv = json_string_value(json_object_get(k, "crv"));
		if (crv != NULL && strcmp(crv, "P-256") == 0)
			jk->kty = JWT_KTY_P256;
		else if (crv != NULL && strcmp(crv, "P-384") == 0)
			jk->kty = JWT_KTY_P384;
		else
			return 0;
		if (jwk_ec(k, jk->kty, &jk->pkey) != 0)
			return zs_errf(eb, ZS_ERR_FORMAT, "keys[%zu]: bad EC "
			    "key (x, y not a point of %s)", i, crv);
	} else
		return 0;
	if (kid != NULL)
		memcpy(jk->kid, kid, strlen(kid) + 1);
	if (alg != NULL)
		memcpy(jk->alg, alg, strlen(alg) + 1);
	return 1;
}

int
jwks_parse(const char *text, size_t len, struct jwks **ksp,
    struct zs_errbuf *eb)
{
	struct jwks *ks = NULL;
	json_error_t jerr;
	json_t *root = NULL, *keys, *k;
	size_t i;
	int r;

	if (len > JWT_JWKS_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "JWKS larger than %u bytes",
		    JWT_JWKS_MAX);
		goto out;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "JWKS is not JSON: %s line %d",
		    jerr.text, jerr.line);
		goto out;
	}
	keys = json_object_get(root, "keys");
	if (!json_is_object(root) || !json_is_array(keys)) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "JWKS is not {\"keys\": [...]}");
		goto out;
	}
	if (json_array_size(keys) > JWT_KEYS_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "JWKS has more than %d keys",
		    JWT_KEYS_MAX);
		goto out;
	}
	ks = xcalloc(1, sizeof(*ks));
	json_array_foreach(keys, i, k) {
		if ((r = jwk_parse(k, &ks->keys[ks->nkeys], i, eb)) < 0)
			goto out;
		ks->nkeys += (size_t)r;
	}
	if (ks->nkeys == 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "JWKS holds no RSA or EC P-256/"
		    "P-384 signing key");
		goto out;
	}
	*ksp = ks;
	ks = NULL;
	r = 0;
 out:
	jwks_free(ks);
	json_decref(root);
	return r;
}

int
jwks_load(const char *path, struct jwks **ksp, struct zs_errbuf *eb)
{
	struct zs_errbuf perr;
	uint8_t *data = NULL;
	size_t len;
	int r;

	if ((r = zs_file_read(path, JWT_JWKS_MAX, &data, &len)) != 0)
		return zs_errf(eb, r, "JWKS file %s: %s", path,
		    r == ZS_ERR_IO ? strerror(errno) : zs_strerror(r));
	r = jwks_parse((const char *)data, len, ksp, &perr);
	free(data);
	if (r != 0)
		return zs_errf(eb, r, "JWKS file %s: %s", path, perr.msg);
	return 0;
}

size_t
jwks_count(const struct jwks *ks)
{
	return ks->nkeys;
}

void
jwks_free(struct jwks *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->nkeys; i++)
		EVP_PKEY_free(ks->keys[i].pkey);
	free(ks);
}

/* The JOSE header and claims of a token, decoded, and where its parts are. */
struct jws {
	json_t		*header;
	json_t		*claims;
	uint8_t		*sig;
	size_t		 siglen;
	size_t		 signedlen;	/* "header.payload" bytes */
};

static void
jws_clear(struct jws *j)
{
	json_decref(j->header);
	json_decref(j->claims);
	free(j->sig);
	memset(j, 0, sizeof(*j));
}

/* Decode one part as a JSON object of at most max bytes. */
static int
jws_json(const char *s, size_t len, size_t max, const char *what,
    json_t **outp, struct zs_errbuf *eb)
{
	json_error_t jerr;
	uint8_t *data;
	size_t dlen;
	json_t *o;
	int r;

	if ((r = b64url_decode(s, len, max, &data, &dlen)) != 0)
		return zs_errf(eb, ZS_ERR_DENIED, "token %s: %s", what,
		    r == ZS_ERR_TOO_LARGE ? "too large" : "not base64url");
	o = json_loadb((const char *)data, dlen, JSON_REJECT_DUPLICATES,
	    &jerr);
	free(data);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		return zs_errf(eb, ZS_ERR_DENIED, "token %s is not a JSON "
		    "object", what);
	}
	*outp = o;
	return 0;
}

static int
jws_split(const char *token, size_t len, struct jws *j, struct zs_errbuf *eb)
{
	const char *p1, *p2;
	int r;

	memset(j, 0, sizeof(*j));
	if (!jwt_is_jws(token, len))
		return zs_errf(eb, ZS_ERR_DENIED, "token is not a compact JWS "
		    "of at most %d bytes", JWT_TOKEN_MAX);
	p1 = memchr(token, '.', len);
	p2 = memchr(p1 + 1, '.', len - (size_t)(p1 + 1 - token));
	if ((r = jws_json(token, (size_t)(p1 - token), JWT_HEADER_MAX,
	    "header", &j->header, eb)) != 0 ||
	    (r = jws_json(p1 + 1, (size_t)(p2 - p1 - 1), JWT_TOKEN_MAX,
	    "payload", &j->claims, eb)) != 0)
		goto fail;
	if (b64url_decode(p2 + 1, len - (size_t)(p2 + 1 - token),
	    JWT_RSA_MAX_BITS / 8, &j->sig, &j->siglen) != 0) {
		r = zs_errf(eb, ZS_ERR_DENIED, "token signature: not "
		    "base64url or too long");
		goto fail;
	}
	j->signedlen = (size_t)(p2 - token);
	return 0;
 fail:
	jws_clear(j);
	return r;
}

int
jwt_peek_claims(const char *token, size_t len, json_t **claimsp,
    struct zs_errbuf *eb)
{
	struct jws j;
	int r;

	if ((r = jws_split(token, len, &j, eb)) != 0)
		return r;
	*claimsp = json_incref(j.claims);
	jws_clear(&j);
	return 0;
}

/* Turn JOSE's r || s into the DER ECDSA-Sig-Value OpenSSL verifies. */
static int
jwt_ecdsa_der(const uint8_t *sig, size_t half, uint8_t **derp, size_t *lenp)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	uint8_t *der = NULL;
	int n;

	if ((es = ECDSA_SIG_new()) == NULL)
		return ZS_ERR_NOMEM;
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return ZS_ERR_CRYPTO;
	}
	n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return ZS_ERR_CRYPTO;
	*derp = der;
	*lenp = (size_t)n;
	return 0;
}

static int
jwt_check_sig(const struct jwt_alg *a, EVP_PKEY *pkey, const char *data,
    size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	uint8_t *der = NULL;
	size_t derlen = 0;
	int ok = 0;

	if (a->ecsize != 0) {
		if (siglen != a->ecsize ||
		    jwt_ecdsa_der(sig, siglen / 2, &der, &derlen) != 0)
			return 0;
		sig = der;
		siglen = derlen;
	} else if (siglen != (size_t)EVP_PKEY_get_size(pkey))
		return 0;
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(md, NULL, a->md, NULL, NULL, pkey,
	    NULL) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, (const uint8_t *)data, len) == 1)
		ok = 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return ok;
}

/* A NumericDate claim: 1 and its value when present, 0 when absent. */
static int
jwt_date(const json_t *claims, const char *name, double *vp,
    struct zs_errbuf *eb)
{
	const json_t *v = json_object_get(claims, name);
	double d;

	if (v == NULL)
		return 0;
	if (!json_is_number(v) || (d = json_number_value(v)) < 0 ||
	    d > JWT_DATE_MAX)
		return zs_errf(eb, ZS_ERR_DENIED, "token claim \"%s\" is not "
		    "a date", name);
	*vp = d;
	return 1;
}

static int
jwt_check_claims(const json_t *c, const struct jwt_expect *ex,
    struct zs_errbuf *eb)
{
	const json_t *aud, *v;
	const char *iss;
	double exp, nbf, iat, now = (double)ex->now;
	size_t i;
	int r, found = 0;

	iss = json_string_value(json_object_get(c, "iss"));
	if (iss == NULL || strcmp(iss, ex->issuer) != 0)
		return zs_errf(eb, ZS_ERR_DENIED, "token issuer is not %s",
		    ex->issuer);
	aud = json_object_get(c, "aud");
	if (json_is_string(aud))
		found = strcmp(json_string_value(aud), ex->audience) == 0;
	else if (json_is_array(aud) && json_array_size(aud) <= JWT_AUD_MAX)
		json_array_foreach(aud, i, v)
			found |= json_is_string(v) &&
			    strcmp(json_string_value(v), ex->audience) == 0;
	if (!found)
		return zs_errf(eb, ZS_ERR_DENIED, "token audience is not "
		    "\"%s\"", ex->audience);
	if ((r = jwt_date(c, "exp", &exp, eb)) <= 0)
		return r < 0 ? r : zs_errf(eb, ZS_ERR_DENIED, "token has no "
		    "expiry (\"exp\")");
	if (now >= exp + (double)ex->skew)
		return zs_errf(eb, ZS_ERR_DENIED, "token expired %.0f s ago",
		    now - exp);
	if ((r = jwt_date(c, "nbf", &nbf, eb)) < 0)
		return r;
	if (r > 0 && now + (double)ex->skew < nbf)
		return zs_errf(eb, ZS_ERR_DENIED, "token not valid for "
		    "another %.0f s (\"nbf\")", nbf - now);
	if ((r = jwt_date(c, "iat", &iat, eb)) < 0)
		return r;
	if (r > 0 && now + (double)ex->skew < iat)
		return zs_errf(eb, ZS_ERR_DENIED, "token issued in the future "
		    "(\"iat\")");
	if (!json_is_string(json_object_get(c, "sub")))
		return zs_errf(eb, ZS_ERR_DENIED, "token has no subject "
		    "(\"sub\")");
	return 0;
}

int
jwt_verify(const char *token, size_t len, const struct jwks *ks,
    const struct jwt_expect *ex, json_t **claimsp, struct zs_errbuf *eb)
{
	const struct jwt_alg *a = NULL;
	const char *alg, *kid;
	struct jws j;
	size_t i, tried = 0;
	int r;

	if ((r = jws_split(token, len, &j, eb)) != 0)
		return r;
	alg = json_string_value(json_object_get(j.header, "alg"));
	kid = json_string_value(json_object_get(j.header, "kid"));
	for (i = 0; alg != NULL && i < sizeof(jwt_algs) / sizeof(jwt_algs[0]);
	    i++)
		if (strcmp(alg, jwt_algs[i].name) == 0)
			a = &jwt_algs[i];
	if (a == NULL) {
		r = zs_errf(eb, ZS_ERR_DENIED, "token algorithm %s refused "
		    "(RS256, RS384, ES256, ES384 only)", jwt_safe(alg));
		goto out;
	}
	/* An extension this code does not know must not be ignored. */
	if (json_object_get(j.header, "crit") != NULL ||
	    (json_object_get(j.header, "kid") != NULL && kid == NULL)) {
		r = zs_errf(eb, ZS_ERR_DENIED, "token header: \"crit\" or a "
		    "non-string \"kid\"");
		goto out;
	}
	r = zs_errf(eb, ZS_ERR_DENIED, "token signature does not verify with "
	    "any key of the issuer");
	for (i = 0; i < ks->nkeys; i++) {
		if (ks->keys[i].kty != a->kty ||
		    (kid != NULL && strcmp(ks->keys[i].kid, kid) != 0) ||
		    (ks->keys[i].alg[0] != '\0' &&
		    strcmp(ks->keys[i].alg, a->name) != 0))
			continue;
		tried++;
		if (jwt_check_sig(a, ks->keys[i].pkey, token, j.signedlen,
		    j.sig, j.siglen)) {
			r = 0;
			break;
		}
	}
	if (tried == 0)
		r = zs_errf(eb, ZS_ERR_DENIED, "no %s key (kid %s) in the "
		    "issuer's key set", a->name, jwt_safe(kid));
	if (r != 0 || (r = jwt_check_claims(j.claims, ex, eb)) != 0)
		goto out;
	*claimsp = json_incref(j.claims);
	r = 0;
 out:
	jws_clear(&j);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Web Tokens as OIDC providers issue them to CI jobs (RFC 7519, JWS
 * compact serialization of RFC 7515) and the JSON Web Key Sets holding
 * the providers' public keys (RFC 7517). Only asymmetric signatures are
 * accepted (RS256, RS384, ES256, ES384); "none" and the HMAC algorithms
 * are refused, whatever the key set holds. Both parsers are strict and
 * capped: they read what an attacker sends.
 */
#ifndef ZS_JWT_H
#define ZS_JWT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/zserr.h"

/* Longest token accepted (GitHub's and GitLab's are 1-2 KiB). */
#define JWT_TOKEN_MAX		8192
/* Largest decoded JOSE header. */
#define JWT_HEADER_MAX		1024
/* Largest JWKS file read. */
#define JWT_JWKS_MAX		(64u * 1024)
/* Most keys taken from one key set (providers publish 2-4). */
#define JWT_KEYS_MAX		32
/* Longest "kid" kept. */
#define JWT_KID_MAX		128
/* Smallest and largest RSA modulus accepted, bits. */
#define JWT_RSA_MIN_BITS	2048
#define JWT_RSA_MAX_BITS	8192
/* Clock skew allowed on exp, nbf and iat, seconds. */
#define JWT_SKEW_S		60

struct jwks;

/* What a token must say besides being validly signed. */
struct jwt_expect {
	const char	*issuer;	/* "iss" must equal it */
	const char	*audience;	/* "aud" must be or contain it */
	time_t		 now;
	long		 skew;		/* seconds allowed on exp, nbf, iat */
};

/*
 * Parse a JSON Web Key Set ({"keys": [...]}); RSA and EC P-256/P-384
 * signing keys are kept, other key types skipped; a set with no usable
 * key is ZS_ERR_FORMAT.
 */
int	jwks_parse(const char *text, size_t len, struct jwks **ksp,
	    struct zs_errbuf *eb);
/* Read and parse the JWKS file at path. */
int	jwks_load(const char *path, struct jwks **ksp, struct zs_errbuf *eb);
/* Number of keys kept. */
size_t	jwks_count(const struct jwks *ks);
/* Free ks; NULL is a no-op. */
void	jwks_free(struct jwks *ks);

/*
 * Decode the claims of a compact JWS without checking anything (to find
 * its issuer before verifying); *claimsp is a new JSON object.
 */
int	jwt_peek_claims(const char *token, size_t len, json_t **claimsp,
	    struct zs_errbuf *eb);
/*
 * Verify token (signature by a key of ks, iss, aud, exp, nbf, iat) and
 * hand out its claims as a new JSON object. ZS_ERR_DENIED with the reason
 * for any token that must not be trusted.
 */
int	jwt_verify(const char *token, size_t len, const struct jwks *ks,
	    const struct jwt_expect *ex, json_t **claimsp,
	    struct zs_errbuf *eb);
/* Does s look like a compact JWS (three base64url parts)? */
int	jwt_is_jws(const char *s, size_t len);

#endif /* ZS_JWT_H */

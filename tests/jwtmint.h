/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test-only OIDC issuer: JWKS text for test keys and tokens signed with
 * them (or deliberately not: "none", HMAC keyed with the public key).
 */
#ifndef ZS_JWTMINT_H
#define ZS_JWTMINT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* base64url without padding; malloc'd. */
char	*jwtmint_b64url(const uint8_t *p, size_t len);
/* {"keys": [...]} for n RSA or EC public keys named kids[i]; malloc'd. */
char	*jwtmint_jwks(EVP_PKEY *const *keys, const char *const *kids,
	    size_t n);
/*
 * A compact JWS of header and claims (JSON texts), signed as header's
 * "alg" says: RS256/RS384/ES256/ES384 with key, HS256 keyed with key's
 * public PEM, "none" unsigned. NULL on failure; malloc'd.
 */
char	*jwtmint_token(EVP_PKEY *key, const char *header, const char *claims);

#endif /* ZS_JWTMINT_H */

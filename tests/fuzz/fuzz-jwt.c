/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the JWT and JWKS parsers (daemon/jwt.c: jwks_parse, jwt_verify,
 * jwt_peek_claims; daemon/oidc.c: oidc_pattern_valid/match): any key set
 * either loads or is refused, and any token is refused, since none can
 * carry a signature of the fixed key below. The first byte picks the
 * target.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/jwt.h"
#include "daemon/oidc.h"

/* A P-256 public key (the NIST P-256 generator) as a fixed key set. */
static const char fuzz_jwks[] =
    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"k\", "
    "\"x\": \"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY\", "
    "\"y\": \"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU\"}]}";

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_expect ex = { "https://token.test", "zsign", 1700000000,
	    JWT_SKEW_S };
	struct oidc_claims c;
	struct zs_errbuf eb;
	struct jwks *ks;
	json_t *claims;
	char *s;

	if (size < 1)
		return 0;
	if (data[0] == 'K') {
		if (jwks_parse((const char *)data + 1, size - 1, &ks, &eb) == 0)
			jwks_free(ks);
		return 0;
	}
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] == 'P') {
		memset(&c, 0, sizeof(c));
		c.n = 1;
		strcpy(c.name[0], "sub");
		strcpy(c.value[0], "repo:acme/fw:ref:refs/tags/v1");
		if (oidc_pattern_valid(s))
			(void)oidc_pattern_match(s, &c);
		free(s);
		return 0;
	}
	if (jwks_parse(fuzz_jwks, sizeof(fuzz_jwks) - 1, &ks, &eb) != 0)
		abort();
	if (jwt_peek_claims(s, size - 1, &claims, &eb) == 0)
		json_decref(claims);
	if (jwt_verify(s, size - 1, ks, &ex, &claims, &eb) == 0)
		abort();
	jwks_free(ks);
	free(s);
	return 0;
}

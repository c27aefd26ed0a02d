/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test OIDC issuer for the end-to-end tests:
 *   jwt-mint jwks KID=KEY.pem...           print the key set
 *   jwt-mint token KEY.pem HEADER CLAIMS   print a token (tests/jwtmint.c)
 * HEADER and CLAIMS are JSON texts; "@NOW" followed by a signed number of
 * seconds (@NOW+300, @NOW-60) in CLAIMS becomes that time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/xmalloc.h"
#include "tests/jwtmint.h"

/* Most keys in one test key set. */
#define MINT_KEYS_MAX	8

static EVP_PKEY *
mint_key(const char *path)
{
	EVP_PKEY *k = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* Replace each "@NOW[+-]N" by the time now plus N. */
static char *
mint_times(const char *in)
{
	size_t cap = strlen(in) * 2 + 64, o = 0;
	char *out = xmalloc(cap), *end;
	long long delta;

	while (*in != '\0' && o + 24 < cap) {
		if (strncmp(in, "@NOW", 4) == 0) {
			delta = strtoll(in + 4, &end, 10);
			o += (size_t)snprintf(out + o, cap - o, "%lld",
			    (long long)time(NULL) + delta);
			in = end;
		} else
			out[o++] = *in++;
	}
	out[o] = '\0';
	return out;
}

int
main(int argc, char **argv)
{
	EVP_PKEY *keys[MINT_KEYS_MAX];
	const char *kids[MINT_KEYS_MAX];
	char *s, *claims, *eq;
	int i;

	if (argc >= 3 && strcmp(argv[1], "jwks") == 0 &&
	    argc - 2 <= MINT_KEYS_MAX) {
		for (i = 2; i < argc; i++) {
			if ((eq = strchr(argv[i], '=')) == NULL ||
			    (keys[i - 2] = mint_key(eq + 1)) == NULL) {
				fprintf(stderr, "jwt-mint: %s: want KID=KEY.pem\n",
				    argv[i]);
				return 1;
			}
			*eq = '\0';
			kids[i - 2] = argv[i];
		}
		s = jwtmint_jwks(keys, kids, (size_t)(argc - 2));
		for (i = 2; i < argc; i++)
			EVP_PKEY_free(keys[i - 2]);
		if (s == NULL)
			return 1;
		printf("%s\n", s);
		free(s);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "token") == 0) {
		if ((keys[0] = mint_key(argv[2])) == NULL) {
			fprintf(stderr, "jwt-mint: cannot read %s\n", argv[2]);
			return 1;
		}
		claims = mint_times(argv[4]);
		s = jwtmint_token(keys[0], argv[3], claims);
		EVP_PKEY_free(keys[0]);
		free(claims);
		if (s == NULL)
			return 1;
		printf("%s\n", s);
		free(s);
		return 0;
	}
	fprintf(stderr, "usage: jwt-mint jwks KID=KEY.pem...\n"
	    "       jwt-mint token KEY.pem HEADER CLAIMS\n");
	return 2;
}

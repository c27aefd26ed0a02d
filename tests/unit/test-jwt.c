/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/jwt.c and daemon/oidc.c: tokens minted by a test
 * issuer (tests/jwtmint.c), every way a token must be refused, strict
 * JWKS parsing and claim patterns.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/jwt.h"
#include "daemon/oidc.h"
#include "tests/jwtmint.h"
#include "tests/zstest.h"

#define ISS	"https://token.test"
#define AUD	"zsign"

static EVP_PKEY *rsa, *ec, *ec384, *other;
static struct jwks *ks;
static time_t now;

static int
setup(void **state)
{
	EVP_PKEY *keys[3];
	const char *kids[3] = { "r1", "e1", "e3" };
	struct zs_errbuf eb;
	char *text;

	(void)state;
	now = time(NULL);
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (rsa == NULL || ec == NULL || ec384 == NULL || other == NULL)
		return -1;
	keys[0] = rsa;
	keys[1] = ec;
	keys[2] = ec384;
	text = jwtmint_jwks(keys, kids, 3);
	if (text == NULL || jwks_parse(text, strlen(text), &ks, &eb) != 0)
		return -1;
	free(text);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jwks_free(ks);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(other);
	return 0;
}

/* Claims with times relative to now; extra is spliced in as members. */
static char *
claims(long exp, long nbf, long iat, const char *aud, const char *extra)
{
	return xasprintf("{\"iss\": \"" ISS "\", \"aud\": %s, "
	    "\"sub\": \"repo:acme/fw:ref:refs/tags/v1.2\", \"exp\": %lld, "
	    "\"nbf\": %lld, \"iat\": %lld, \"repository\": \"acme/fw\", "
	    "\"jti\": \"j-1\"%s}", aud, (long long)(now + exp),
	    (long long)(now + nbf), (long long)(now + iat), extra);
}

static int
verify(const char *tok, json_t **cp, struct zs_errbuf *eb)
{
	struct jwt_expect ex = { ISS, AUD, 0, JWT_SKEW_S };
	json_t *c = NULL;
	int r;

	ex.now = now;
	r = jwt_verify(tok, strlen(tok), ks, &ex, &c, eb);
	if (cp != NULL)
		*cp = c;
	else
		json_decref(c);
	return r;
}

static void
test_good_tokens(void **state)
{
	static const struct {
		const char	*header;
		int		 which;		/* 0 rsa, 1 ec, 2 ec384 */
	} cases[] = {
		{ "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"JWT\"}", 0 },
		{ "{\"alg\":\"RS384\",\"kid\":\"r1\"}", 0 },
		{ "{\"alg\":\"RS256\"}", 0 },		/* no kid: try all */
		{ "{\"alg\":\"ES256\",\"kid\":\"e1\"}", 1 },
		{ "{\"alg\":\"ES384\",\"kid\":\"e3\"}", 2 },
	};
	EVP_PKEY *keys[3] = { rsa, ec, ec384 };
	struct zs_errbuf eb;
	json_t *c;
	char *cl, *tok;
	size_t i;

	(void)state;
	cl = claims(300, -10, -10, "\"" AUD "\"", "");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tok = jwtmint_token(keys[cases[i].which], cases[i].header, cl);
		assert_non_null(tok);
		assert_true(jwt_is_jws(tok, strlen(tok)));
		if (verify(tok, &c, &eb) != 0)
			fail_msg("case %zu: %s", i, eb.msg);
		assert_string_equal(json_string_value(json_object_get(c,
		    "repository")), "acme/fw");
		json_decref(c);
		free(tok);
	}
	free(cl);
	/* An "aud" array holding the audience, and times within the skew. */
	cl = claims(-30, 30, 30, "[\"other\", \"" AUD "\"]", "");
	tok = jwtmint_token(ec, "{\"alg\":\"ES256\"}", cl);
	assert_int_equal(verify(tok, NULL, &eb), 0);
	free(tok);
	free(cl);
}

static void
test_bad_tokens(void **state)
{
	static const struct {
		const char	*what;
		long		 exp, nbf, iat;
		const char	*aud, *extra, *header;
		int		 signer;	/* 0 rsa, 1 ec, 2 other key */
		const char	*msg;
	} cases[] = {
		{ "expired", -120, -600, -600, "\"zsign\"", "",
		    "{\"alg\":\"ES256\"}", 1, "expired" },
		{ "not yet valid", 600, 300, -10, "\"zsign\"", "",
		    "{\"alg\":\"ES256\"}", 1, "nbf" },
		{ "issued in the future", 600, -10, 300, "\"zsign\"", "",
		    "{\"alg\":\"ES256\"}", 1, "iat" },
		{ "wrong audience", 600, -10, -10, "\"sigstore\"", "",
		    "{\"alg\":\"ES256\"}", 1, "audience" },
		{ "audience not a string", 600, -10, -10, "[1, 2]", "",
		    "{\"alg\":\"ES256\"}", 1, "audience" },
		{ "alg none", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"none\"}", 0, "algorithm none refused" },
		{ "HMAC with the public key", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"HS256\",\"kid\":\"r1\"}", 0,
		    "algorithm HS256 refused" },
		{ "no alg", 600, -10, -10, "\"zsign\"", "",
		    "{\"typ\":\"JWT\"}", 0, "algorithm (none) refused" },
		{ "unknown key", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"ES256\"}", 2, "does not verify" },
		{ "kid not in the set", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"ES256\",\"kid\":\"zz\"}", 1, "kid zz" },
		{ "RSA alg, EC key's kid", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"RS256\",\"kid\":\"e1\"}", 0, "no RS256 key" },
		{ "crit header", 600, -10, -10, "\"zsign\"", "",
		    "{\"alg\":\"ES256\",\"crit\":[\"b64\"]}", 1, "crit" },
		{ "duplicate claim", 600, -10, -10, "\"zsign\"",
		    ", \"sub\": \"x\"", "{\"alg\":\"ES256\"}", 1,
		    "not a JSON object" },
		{ "exp not a number", 600, -10, -10, "\"zsign\"",
		    ", \"exp2\": 1", "{\"alg\":\"ES256\"}", 1, NULL },
	};
	EVP_PKEY *keys[3] = { rsa, ec, other };
	struct zs_errbuf eb;
	char *cl, *tok;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cl = claims(cases[i].exp, cases[i].nbf, cases[i].iat,
		    cases[i].aud, cases[i].extra);
		tok = jwtmint_token(keys[cases[i].signer], cases[i].header,
		    cl);
		assert_non_null(tok);
		if (cases[i].msg == NULL) {
			/* A harmless extra member: still accepted. */
			assert_int_equal(verify(tok, NULL, &eb), 0);
		} else if (verify(tok, NULL, &eb) != ZS_ERR_DENIED ||
		    strstr(eb.msg, cases[i].msg) == NULL)
			fail_msg("%s: accepted or wrong reason: %s",
			    cases[i].what, eb.msg);
		free(tok);
		free(cl);
	}
}

static void
test_tampered(void **state)
{
	struct zs_errbuf eb;
	char *cl, *tok, *other_cl, *other_tok, *dot, *spliced;
	size_t len;

	(void)state;
	cl = claims(600, -10, -10, "\"" AUD "\"", "");
	tok = jwtmint_token(rsa, "{\"alg\":\"RS256\"}", cl);
	assert_int_equal(verify(tok, NULL, &eb), 0);
	/* Another subject's claims under the first token's signature. */
	other_cl = claims(600, -10, -10, "\"" AUD "\"",
	    ", \"environment\": \"prod\"");
	other_tok = jwtmint_token(rsa, "{\"alg\":\"RS256\"}", other_cl);
	dot = strrchr(tok, '.');
	spliced = xasprintf("%.*s%s", (int)(strrchr(other_tok, '.') -
	    other_tok), other_tok, dot);
	assert_int_equal(verify(spliced, NULL, &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "does not verify"));
	/* One flipped signature character. */
	len = strlen(tok);
	tok[len - 5] = tok[len - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(verify(tok, NULL, &eb), ZS_ERR_DENIED);
	free(spliced);
	free(tok);
	free(other_tok);
	free(cl);
	free(other_cl);
}

static void
test_malformed(void **state)
{
	static const char *const cases[] = {
		"",
		"abc",
		"a.b",
		"a.b.c.d",
		"eyJhbGciOiJFUzI1NiJ9.e30=.AAAA",	/* padding */
		"eyJhbGciOiJFUzI1NiJ9.e30.A",		/* 4n+1 digits */
		"eyJhbGciOiJFUzI1NiJ9.e3+.AAAA",	/* std alphabet */
		"bm90IGpzb24.e30.AAAA",			/* header not JSON */
		"WyJhbGciXQ.e30.AAAA",			/* header an array */
		"eyJhbGciOiJFUzI1NiJ9..AAAA",		/* empty payload */
		"eyJhbGciOiJFUzI1NiJ9.e30.",		/* no signature */
		"eyJhbGciOiJFUzI1NiJ9.e30.AAAA",	/* short signature */
		"eyJhbGciOiJFUzI1NiJ9.e31.AAAA",	/* non-canonical */
	};
	struct zs_errbuf eb;
	json_t *c;
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (verify(cases[i], NULL, &eb) != ZS_ERR_DENIED)
			fail_msg("case %zu \"%s\" not refused", i, cases[i]);
	big = malloc(JWT_TOKEN_MAX + 2);
	memset(big, 'A', JWT_TOKEN_MAX + 1);
	big[10] = big[20] = '.';
	big[JWT_TOKEN_MAX + 1] = '\0';
	assert_false(jwt_is_jws(big, strlen(big)));
	assert_int_equal(verify(big, NULL, &eb), ZS_ERR_DENIED);
	free(big);
	assert_int_equal(jwt_peek_claims("e30.e30.AA", 10, &c, &eb), 0);
	assert_int_equal(json_object_size(c), 0);
	json_decref(c);
}

static void
test_jwks(void **state)
{
	static const struct {
		const char	*text;
		int		 want;
		size_t		 nkeys;
	} cases[] = {
		{ "", ZS_ERR_FORMAT, 0 },
		{ "[]", ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": {}}", ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": []}", ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": [1]}", ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": [{}]}", ZS_ERR_FORMAT, 0 },
		/* Only keys of no concern: nothing usable. */
		{ "{\"keys\": [{\"kty\": \"oct\", \"k\": \"AAAA\"}]}",
		    ZS_ERR_FORMAT, 0 },
		/* A 512-bit modulus. */
		{ "{\"keys\": [{\"kty\": \"RSA\", \"e\": \"AQAB\", \"n\": "
		    "\"wmK0Xh0FC3mAFZ0Bo4z7ZgY4kV3jQhHbf8W6n4gN3u1mAbn9q3vB7mJ"
		    "Yt2g0hPFqP8ZQy6H6y6h5aQz1c3nJcQ\"}]}", ZS_ERR_FORMAT, 0 },
		/* x, y not on P-256. */
		{ "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": "
		    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"y\": "
		    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}]}",
		    ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": [], \"keys\": []}", ZS_ERR_FORMAT, 0 },
		/* A y of the wrong length (once freed twice: fuzz-jwt). */
		{ "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": "
		    "\"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY\", \"y\": "
		    "\"T-NC4v4af5e_UfU\"}]}", ZS_ERR_FORMAT, 0 },
		{ "{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\"}]}",
		    ZS_ERR_FORMAT, 0 },
	};
	EVP_PKEY *keys[JWT_KEYS_MAX + 1];
	const char *kids[JWT_KEYS_MAX + 1];
	struct zs_errbuf eb;
	struct jwks *k;
	json_t *j;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (jwks_parse(cases[i].text, strlen(cases[i].text), &k,
		    &eb) != cases[i].want)
			fail_msg("case %zu not refused", i);
	/* Encryption keys and unknown curves are skipped, not fatal. */
	for (i = 0; i <= JWT_KEYS_MAX; i++) {
		keys[i] = ec;
		kids[i] = "e";
	}
	text = jwtmint_jwks(keys, kids, 2);
	j = json_loads(text, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(j, "keys"), 0),
	    "use", json_string("enc"));
	free(text);
	text = json_dumps(j, 0);
	assert_int_equal(jwks_parse(text, strlen(text), &k, &eb), 0);
	assert_int_equal(jwks_count(k), 1);
	jwks_free(k);
	free(text);
	json_decref(j);
	/* Too many keys. */
	text = jwtmint_jwks(keys, kids, JWT_KEYS_MAX + 1);
	assert_int_equal(jwks_parse(text, strlen(text), &k, &eb),
	    ZS_ERR_TOO_LARGE);
	free(text);
	assert_int_equal(jwks_count(ks), 3);
}

static void
test_oidc(void **state)
{
	char dir[48], path[64], *text, *cl, *tok;
	EVP_PKEY *keys[1] = { ec };
	const char *kids[1] = { "e1" };
	struct oidc_claims c;
	struct zs_errbuf eb;
	struct oidc *o;
	json_t *conf;
	FILE *f;

	(void)state;
	assert_int_equal(zstest_mkdtemp(dir, sizeof(dir), "zs-test-jwt"), 0);
	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	text = jwtmint_jwks(keys, kids, 1);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	conf = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]",
	    "issuer", ISS, "audience", AUD, "jwks_file", path,
	    "issuer", "https://gitlab.test", "audience", "x", "jwks_file",
	    path);
	assert_int_equal(oidc_new(conf, &o, &eb), 0);
	json_decref(conf);

	cl = claims(600, -10, -10, "\"" AUD "\"", ", \"ref\": \"refs/tags/"
	    "v1.2\", \"run\": 7, \"bad\": \"a\\nb\"");
	tok = jwtmint_token(ec, "{\"alg\":\"ES256\"}", cl);
	assert_true(oidc_is_token(tok, strlen(tok)));
	assert_int_equal(oidc_verify(o, tok, strlen(tok), now, &c, &eb), 0);
	assert_string_equal(c.issuer, ISS);
	assert_string_equal(c.sub, "repo:acme/fw:ref:refs/tags/v1.2");
	assert_string_equal(c.jti, "j-1");
	assert_true(oidc_pattern_match("sub:repo:acme/fw:ref:refs/tags/v*",
	    &c));
	assert_true(oidc_pattern_match("repository:acme/fw", &c));
	assert_true(oidc_pattern_match("ref:refs/tags/v[0-9]*", &c));
	assert_false(oidc_pattern_match("repository:acme/fw2", &c));
	assert_false(oidc_pattern_match("sub:repo:acme/fw:ref:refs/heads/*",
	    &c));
	assert_false(oidc_pattern_match("run:7", &c));	/* not a string */
	assert_false(oidc_pattern_match("bad:*", &c));	/* control char */
	assert_false(oidc_pattern_match("repo:*", &c));	/* no such claim */
	/* The same token an hour later, and a token of another issuer. */
	assert_int_equal(oidc_verify(o, tok, strlen(tok), now + 3600, &c,
	    &eb), ZS_ERR_DENIED);
	free(tok);
	free(cl);
	cl = xasprintf("{\"iss\": \"https://evil.test\", \"aud\": \"zsign\","
	    " \"sub\": \"x\", \"exp\": %lld}", (long long)now + 600);
	tok = jwtmint_token(ec, "{\"alg\":\"ES256\"}", cl);
	assert_int_equal(oidc_verify(o, tok, strlen(tok), now, &c, &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "not a configured OIDC issuer"));
	free(tok);
	free(cl);
	/* Signed by the right key but for the other issuer's audience. */
	cl = xasprintf("{\"iss\": \"https://gitlab.test\", \"aud\": "
	    "\"zsign\", \"sub\": \"x\", \"exp\": %lld}", (long long)now + 600);
	tok = jwtmint_token(ec, "{\"alg\":\"ES256\"}", cl);
	assert_int_equal(oidc_verify(o, tok, strlen(tok), now, &c, &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "audience"));
	free(tok);
	free(cl);
	oidc_free(o);

	assert_true(oidc_pattern_valid("sub:repo:*"));
	assert_true(oidc_pattern_valid("job_workflow_ref:acme/*"));
	assert_false(oidc_pattern_valid("sub"));
	assert_false(oidc_pattern_valid(":x"));
	assert_false(oidc_pattern_valid("sub:"));
	assert_false(oidc_pattern_valid("s b:x"));
	/* Configuration errors. */
	conf = json_pack("[{s:s, s:s, s:s}]", "issuer", "http://plain.test",
	    "audience", AUD, "jwks_file", path);
	assert_int_equal(oidc_new(conf, &o, &eb), ZS_ERR_INVALID);
	json_decref(conf);
	conf = json_pack("[{s:s, s:s, s:s}]", "issuer", ISS, "audience", AUD,
	    "jwks_file", "/nonexistent/jwks.json");
	assert_int_equal(oidc_new(conf, &o, &eb), ZS_ERR_NOT_FOUND);
	json_decref(conf);
	conf = json_pack("[{s:s, s:s}]", "issuer", ISS, "audience", AUD);
	assert_int_equal(oidc_new(conf, &o, &eb), ZS_ERR_INVALID);
	json_decref(conf);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_tokens),
		cmocka_unit_test(test_bad_tokens),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_jwks),
		cmocka_unit_test(test_oidc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

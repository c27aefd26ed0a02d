/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/policy.c: identities, allow lists, rules, limits. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

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
#include <openssl/x509v3.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "tests/jwtmint.h"
#include "tests/zstest.h"

/* The bearer token whose hash the test configuration lists as "ci". */
#define CI_TOKEN	"s3cret-ci-token"

static char statedir[64];
static char statepath[96];

/* Parse tmpl with @HASH@ and @STATE@ replaced by the token hash and state path. */
static json_t *
conf(const char *tmpl)
{
	char hash[POLICY_NAME_MAX], text[4096], *o = text;
	const char *s = tmpl, *sub;
	json_error_t jerr;
	json_t *j;

	policy_token_hash(CI_TOKEN, strlen(CI_TOKEN), hash);
	while (*s != '\0') {
		sub = strncmp(s, "@HASH@", 6) == 0 ? hash :
		    strncmp(s, "@STATE@", 7) == 0 ? statepath : NULL;
		if (sub != NULL) {
			o += snprintf(o, sizeof(text) - (size_t)(o - text), "%s",
			    sub);
			s += sub == hash ? 6 : 7;
		} else if ((size_t)(o - text) < sizeof(text) - 1)
			*o++ = *s++;
		else
			fail_msg("test configuration too long");
	}
	*o = '\0';
	j = json_loads(text, 0, &jerr);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	return j;
}

/*
 * Build the policy of configuration j as zsignd does, through conf.c; the
 * keys get the "path" conf.c requires (no key file is read here).
 */
static int
policy_of(json_t *j, struct policy **pp, struct zs_errbuf *eb)
{
	struct conf cfg;
	json_t *k;
	size_t i;
	int r;

	json_array_foreach(json_object_get(j, "keys"), i, k)
		if (json_is_object(k) && json_object_get(k, "path") == NULL)
			json_object_set_new(k, "path", json_string("/k.pem"));
	conf_init(&cfg);
	if ((r = conf_load_json(&cfg, j, "test", eb)) == 0)
		r = policy_new(&cfg, pp, eb);
	conf_free(&cfg);
	return r;
}

/* Tokens, three keys with allow lists and rules. */
static const char base_conf[] =
    "{\"tokens\": {\"ci\": \"@HASH@\", \"other\": "
    "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},"
    " \"state_file\": \"@STATE@\","
    " \"limits\": {\"per_identity_concurrency\": 2, \"max_body_bytes\": 1},"
    " \"keys\": ["
    "  {\"name\": \"prod\", \"path\": \"x.pem\", \"default\": true,"
    "   \"allow\": {\"uids\": [4242], \"groups\": [777], \"certs\": [\"ci.example.com\"],"
    "    \"tokens\": [\"ci\"], \"tools\": [\"imgtool\"]},"
    "   \"rules\": {\"anti_rollback\": true, \"max_per_hour\": 2,"
    "    \"slot_fit\": {\"slot_size\": \"0x1000\"}}},"
    "  {\"name\": \"dsp\", \"allow\": {\"tools\": [\"rimage\"]}},"
    "  {\"name\": \"open\"}]}";

static void
ident_unix(struct policy_identity *id, uid_t uid, gid_t gid)
{
	policy_identity_init(id, "unix:pid=1");
	id->auth = POLICY_AUTH_UNIX;
	id->uid = uid;
	id->gid = gid;
	snprintf(id->name, sizeof(id->name), "uid:%u", (unsigned)uid);
}

static int
setup(void **state)
{
	(void)state;
	if (zstest_mkdtemp(statedir, sizeof(statedir), "zs-test-policy") != 0)
		return -1;
	snprintf(statepath, sizeof(statepath), "%s/state.json", statedir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(statepath);
	rmdir(statedir);
	return 0;
}

static void
test_no_config(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	const char *k = "x";

	(void)state;
	assert_int_equal(policy_new(NULL, &p, &eb), 0);
	ident_unix(&id, 1000, 1000);
	assert_int_equal(policy_authorize(p, &id, "any", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &id, NULL, "rimage", &eb), 0);
	assert_int_equal(policy_default_key(p, &id, "imgtool", &k, &eb), 0);
	assert_null(k);
	assert_int_equal(policy_enter(p, &id, &eb), 0);
	policy_leave(p, &id);
	/* Unauthenticated is refused even when nothing is configured. */
	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_authorize(p, &id, "any", "imgtool", &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "not authenticated"));
	policy_free(p);
}

static void
test_allow_lists(void **state)
{
	static const struct {
		uid_t		 uid;
		gid_t		 gid;
		const char	*key, *tool;
		int		 want;
	} cases[] = {
		{ 4242, 1, "prod", "imgtool", 0 },
		{ 4242, 1, "prod", "rimage", ZS_ERR_DENIED },	/* tool */
		{ 1000, 777, "prod", "imgtool", 0 },		/* group */
		{ 1000, 1000, "prod", "imgtool", ZS_ERR_DENIED },
		{ 1000, 1000, "dsp", "rimage", 0 },		/* tools only */
		{ 1000, 1000, "dsp", "imgtool", ZS_ERR_DENIED },
		{ 1000, 1000, "open", "rimage", 0 },		/* no allow */
		{ 1000, 1000, "unlisted", "imgtool", 0 },	/* -k key */
	};
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j = conf(base_conf);
	size_t i;

	(void)state;
	assert_int_equal(policy_of(j, &p, &eb), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ident_unix(&id, cases[i].uid, cases[i].gid);
		assert_int_equal(policy_authorize(p, &id, cases[i].key,
		    cases[i].tool, &eb), cases[i].want);
	}
	/* Supplementary groups count too. */
	ident_unix(&id, 1000, 1000);
	id.groups[0] = 5;
	id.groups[1] = 777;
	id.ngroups = 2;
	assert_int_equal(policy_authorize(p, &id, "prod", "imgtool", &eb), 0);

	/* Certificates and tokens. */
	policy_identity_init(&id, "192.0.2.1:1");
	id.auth = POLICY_AUTH_CERT;
	snprintf(id.certnames[0], POLICY_NAME_MAX, "dev.example.com");
	snprintf(id.certnames[1], POLICY_NAME_MAX, "CI.example.com");
	id.ncertnames = 2;
	assert_int_equal(policy_authorize(p, &id, "prod", "imgtool", &eb), 0);
	id.ncertnames = 1;
	assert_int_equal(policy_authorize(p, &id, "prod", "imgtool", &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "may not use key \"prod\""));
	policy_free(p);
	json_decref(j);
}

static void
test_tokens(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j = conf(base_conf);

	(void)state;
	assert_int_equal(policy_of(j, &p, &eb), 0);
	assert_true(policy_has_tokens(p));
	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_identity_token(p, "Bearer " CI_TOKEN, &id,
	    &eb), 0);
	assert_int_equal(id.auth, POLICY_AUTH_TOKEN);
	assert_string_equal(id.name, "token:ci");
	assert_int_equal(policy_authorize(p, &id, "prod", "imgtool", &eb), 0);

	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_identity_token(p, "Bearer wrong", &id, &eb),
	    ZS_ERR_DENIED);
	assert_int_equal(id.auth, POLICY_AUTH_NONE);
	assert_int_equal(policy_identity_token(p, "Basic Zm9vOmJhcg==", &id,
	    &eb), ZS_ERR_DENIED);
	assert_int_equal(policy_identity_token(p, "Bearer a b", &id, &eb),
	    ZS_ERR_DENIED);
	assert_int_equal(policy_identity_token(p, "Bearer ", &id, &eb),
	    ZS_ERR_DENIED);
	policy_free(p);
	json_decref(j);
}

/* OIDC: a test issuer, its JWKS in the state directory, minted tokens. */
static void
test_oidc(void **state)
{
	static const char tmpl[] =
	    "{\"oidc\": [{\"issuer\": \"https://token.test\", "
	    "\"audience\": \"zsign\", \"jwks_file\": \"%s\"}],"
	    " \"tokens\": {\"ci\": \"%s\"},"
	    " \"keys\": [{\"name\": \"rel\", \"allow\": {\"oidc\": "
	    "[\"sub:repo:acme/fw:ref:refs/tags/v*\", \"repository:acme/tools\"],"
	    " \"tokens\": [\"ci\"]}}]}";
	static const struct {
		const char	*sub, *repo;
		int		 want;
	} cases[] = {
		{ "repo:acme/fw:ref:refs/tags/v1.0", "acme/fw", 0 },
		{ "repo:acme/fw:ref:refs/heads/main", "acme/fw", ZS_ERR_DENIED },
		{ "repo:acme/fw2:ref:refs/tags/v1.0", "acme/fw2", ZS_ERR_DENIED },
		{ "repo:acme/tools:ref:refs/heads/x", "acme/tools", 0 },
	};
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const char *kid = "k1";
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	char jwkspath[128], hash[POLICY_NAME_MAX], *text, *cl, *tok, *authz;
	json_t *j;
	size_t i;

	(void)state;
	snprintf(jwkspath, sizeof(jwkspath), "%s/jwks.json", statedir);
	text = jwtmint_jwks(&k, &kid, 1);
	assert_int_equal(zs_file_write_atomic(jwkspath, (uint8_t *)text,
	    strlen(text), 0600), 0);
	free(text);
	policy_token_hash(CI_TOKEN, strlen(CI_TOKEN), hash);
	text = xasprintf(tmpl, jwkspath, hash);
	j = json_loads(text, 0, NULL);
	free(text);
	assert_int_equal(policy_of(j, &p, &eb), 0);
	assert_true(policy_has_tokens(p));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cl = xasprintf("{\"iss\": \"https://token.test\", \"aud\": "
		    "\"zsign\", \"sub\": \"%s\", \"repository\": \"%s\", "
		    "\"exp\": %lld, \"jti\": \"run-%zu\"}", cases[i].sub,
		    cases[i].repo, (long long)time(NULL) + 300, i);
		tok = jwtmint_token(k, "{\"alg\":\"ES256\"}", cl);
		authz = xasprintf("Bearer %s", tok);
		policy_identity_init(&id, "192.0.2.1:1");
		assert_int_equal(policy_identity_token(p, authz, &id, &eb), 0);
		assert_int_equal(id.auth, POLICY_AUTH_OIDC);
		assert_true(strncmp(id.name, "oidc:https://token.test#repo:",
		    29) == 0);
		assert_int_equal(policy_authorize(p, &id, "rel", "imgtool",
		    &eb), cases[i].want);
		free(authz);
		free(tok);
		free(cl);
	}
	/* Tampered: refused, and the identity stays unauthenticated. */
	cl = xasprintf("{\"iss\": \"https://token.test\", \"aud\": "
	    "\"zsign\", \"sub\": \"x\", \"exp\": %lld}",
	    (long long)time(NULL) - 3600);
	tok = jwtmint_token(k, "{\"alg\":\"ES256\"}", cl);
	authz = xasprintf("Bearer %s", tok);
	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_identity_token(p, authz, &id, &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "expired"));
	assert_int_equal(id.auth, POLICY_AUTH_NONE);
	free(authz);
	free(tok);
	free(cl);
	/* Static tokens still work beside OIDC. */
	assert_int_equal(policy_identity_token(p, "Bearer " CI_TOKEN, &id,
	    &eb), 0);
	assert_int_equal(id.auth, POLICY_AUTH_TOKEN);
	assert_int_equal(policy_authorize(p, &id, "rel", "imgtool", &eb), 0);
	policy_free(p);
	json_decref(j);
	unlink(jwkspath);
	EVP_PKEY_free(k);
}

static void
test_default_key(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	const char *k;
	json_t *j = conf(base_conf), *two;

	(void)state;
	assert_int_equal(policy_of(j, &p, &eb), 0);
	ident_unix(&id, 4242, 1);
	assert_int_equal(policy_default_key(p, &id, "imgtool", &k, &eb), 0);
	assert_string_equal(k, "prod");
	assert_int_equal(policy_default_key(p, &id, "rimage", &k, &eb), 0);
	assert_null(k);
	ident_unix(&id, 1, 1);
	assert_int_equal(policy_default_key(p, &id, "imgtool", &k, &eb), 0);
	assert_null(k);
	policy_free(p);

	two = json_loads("{\"keys\":[{\"name\":\"a\",\"default\":true},"
	    "{\"name\":\"b\",\"default\":true}]}", 0, NULL);
	assert_int_equal(policy_of(two, &p, &eb), 0);
	assert_int_equal(policy_default_key(p, &id, "imgtool", &k, &eb),
	    ZS_ERR_INVALID);
	policy_free(p);
	json_decref(two);
	json_decref(j);
}

static void
test_rate_and_concurrency(void **state)
{
	struct policy_identity a, b;
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j = conf(base_conf);

	(void)state;
	assert_int_equal(policy_of(j, &p, &eb), 0);
	ident_unix(&a, 4242, 1);
	ident_unix(&b, 1000, 777);
	/* max_per_hour counts signatures returned: the store does (test-store). */
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb), 0);
	assert_true(policy_needs_state(p));
	assert_true(policy_needs_durable_state(p));
	assert_true(policy_key_needs_state(p, "prod"));
	assert_false(policy_key_needs_state(p, "open"));

	assert_int_equal(policy_enter(p, &a, &eb), 0);
	assert_int_equal(policy_enter(p, &a, &eb), 0);
	assert_int_equal(policy_enter(p, &a, &eb), ZS_ERR_LIMIT);
	assert_int_equal(policy_enter(p, &b, &eb), 0);
	policy_leave(p, &a);
	assert_int_equal(policy_enter(p, &a, &eb), 0);
	policy_leave(p, &a);
	policy_leave(p, &a);
	policy_leave(p, &b);
	policy_free(p);
	json_decref(j);
}

static void
test_admission(void **state)
{
	static const struct {
		const char	*version;
		uint64_t	 value;
		int		 want;
	} steps[] = {
		{ "1.2.0+0", UINT64_C(0x0102000000000000), 0 },
		{ "1.2.0+1", UINT64_C(0x0102000000000001), 0 },
		{ "2", UINT64_C(0x0200000000000000), 0 },
		{ "255.255.65535+4294967295", UINT64_MAX, 0 },
		{ "junk", 0, ZS_ERR_DENIED },
		{ "1.2.3.4", 0, ZS_ERR_DENIED },
	};
	struct policy_identity id;
	struct policy_image img;
	struct store_admit a;
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j = conf(base_conf), *k;
	size_t i;

	(void)state;
	assert_int_equal(policy_of(j, &p, &eb), 0);
	ident_unix(&id, 4242, 1);
	assert_true(policy_key_has_image_rules(p, "prod"));
	assert_false(policy_key_has_image_rules(p, "open"));
	memset(&img, 0, sizeof(img));
	img.signed_image = 1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		snprintf(img.version, sizeof(img.version), "%s",
		    steps[i].version);
		assert_int_equal(policy_admission(p, &id, "prod", &img, &a,
		    &eb), steps[i].want);
		if (steps[i].want != 0)
			continue;
		assert_true(a.check_version);
		assert_true(a.version == steps[i].value);
		assert_string_equal(a.key, "prod");
		assert_string_equal(a.identity, "uid:4242");
		assert_int_equal(a.max_per_hour, 2);
		assert_true(a.update);
	}
	/* The class: the image's CID, never a file name; else the key. */
	snprintf(img.version, sizeof(img.version), "1.0.0");
	assert_int_equal(policy_admission(p, &id, "prod", &img, &a, &eb), 0);
	assert_string_equal(a.image_class, "");
	snprintf(img.cid, sizeof(img.cid), "00112233445566778899aabbccddeeff");
	assert_int_equal(policy_admission(p, &id, "prod", &img, &a, &eb), 0);
	assert_string_equal(a.image_class, img.cid);
	/* A vector to sign raises nothing. */
	img.signed_image = 0;
	assert_int_equal(policy_admission(p, &id, "prod", &img, &a, &eb), 0);
	assert_false(a.update);
	/* Rules that judge an image refuse a request without one. */
	assert_int_equal(policy_admission(p, &id, "prod", NULL, &a, &eb),
	    ZS_ERR_DENIED);
	assert_int_equal(policy_authorize(p, &id, "prod", "rimage", &eb),
	    ZS_ERR_DENIED);

	/* Slot fit: 0x1000 slot, default trailer 128*3*1 + 4*8 + 16 = 432. */
	img.image_size = img.flash_size = 0x1000 - 432;
	assert_int_equal(policy_check_image(p, "prod", &img, &eb), 0);
	img.image_size = img.flash_size = 0x1000 - 431;
	assert_int_equal(policy_check_image(p, "prod", &img, &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "does not fit"));
	/* --pad: judged as written, padded to the client's slot size. */
	img.image_size = 0x100;
	img.flash_size = 0x2000;
	assert_int_equal(policy_check_image(p, "prod", &img, &eb),
	    ZS_ERR_DENIED);
	img.flash_size = 0x1000;
	assert_int_equal(policy_check_image(p, "prod", &img, &eb), 0);
	policy_free(p);

	/* A configured class wins over the image's; counters are required. */
	k = json_array_get(json_object_get(j, "keys"), 0);
	json_object_set_new(json_object_get(k, "rules"), "image_class",
	    json_string("board-a"));
	json_object_set_new(json_object_get(k, "rules"), "security_counter",
	    json_true());
	assert_int_equal(policy_of(j, &p, &eb), 0);
	img.signed_image = 1;
	assert_int_equal(policy_admission(p, &id, "prod", &img, &a, &eb),
	    ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "security counter"));
	img.has_counter = 1;
	img.counter = 7;
	assert_int_equal(policy_admission(p, &id, "prod", &img, &a, &eb), 0);
	assert_string_equal(a.image_class, "board-a");
	assert_true(a.check_counter);
	assert_true(a.counter == 7);
	policy_free(p);
	json_decref(j);
}

static void
test_config_errors(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"tokens\": {\"ci\": \"plain\"}}",
		"{\"tokens\": {\"bad name\": \"sha256:00\"}}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"users\": [1]}}]}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"uids\": [\"no-such-user-zs\"]}}]}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"tokens\": [\"nope\"]}}]}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"tools\": [\"gcc\"]}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"image_class\": \"a b\"}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"security_counter\": 1}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"max_per_hour\": -1}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"slot_fit\": {}}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"slot_fit\": {\"slot_size\": 64, \"align\": 3}}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"cheese\": 1}}]}",
		"{\"keys\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
		"{\"keys\": [{\"path\": \"x\"}]}",
		"{\"limits\": {\"per_identity_concurrency\": \"many\"}}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"oidc\": [\"sub\"]}}]}",
		"{\"keys\": [{\"name\": \"a\", \"allow\": {\"oidc\": [1]}}]}",
		"{\"oidc\": {}}",
		"{\"oidc\": [{\"issuer\": \"https://x\"}]}",
	};
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		if (policy_of(j, &p, &eb) != ZS_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
		json_decref(j);
	}
}

static void
test_identity_unix(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	int sv[2];
	char want[32];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	policy_identity_init(&id, NULL);
	assert_int_equal(policy_identity_unix(sv[0], &id, &eb), 0);
	assert_int_equal(id.auth, POLICY_AUTH_UNIX);
	assert_int_equal(id.uid, getuid());
	snprintf(want, sizeof(want), "uid:%u", (unsigned)getuid());
	assert_string_equal(id.name, want);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(policy_identity_unix(-1, &id, &eb), ZS_ERR_IO);
}

static void
test_identity_cert(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509_EXTENSION *ext;

	(void)state;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Builder 7", -1, -1, 0);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
	    "DNS:ci.example.com,email:ci@example.com,IP:192.0.2.1");
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_identity_cert(x, &id, &eb), 0);
	assert_string_equal(id.name, "cert:Builder 7");
	assert_int_equal(id.ncertnames, 3);
	assert_string_equal(id.certnames[1], "ci.example.com");
	assert_string_equal(id.certnames[2], "ci@example.com");
	X509_free(x);

	/* No CN, no SAN: no identity. */
	x = X509_new();
	policy_identity_init(&id, "192.0.2.1:1");
	assert_int_equal(policy_identity_cert(x, &id, &eb), ZS_ERR_DENIED);
	assert_int_equal(id.auth, POLICY_AUTH_NONE);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_config),
		cmocka_unit_test(test_allow_lists),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_default_key),
		cmocka_unit_test(test_rate_and_concurrency),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_oidc),
		cmocka_unit_test(test_identity_unix),
		cmocka_unit_test(test_identity_cert),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

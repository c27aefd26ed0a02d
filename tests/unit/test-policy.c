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
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "common/zserr.h"
#include "daemon/policy.h"

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

/* Tokens, three keys with allow lists and rules. */
static const char base_conf[] =
    "{\"tokens\": {\"ci\": \"@HASH@\", \"other\": "
    "\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"},"
    " \"state_file\": \"@STATE@\","
    " \"limits\": {\"per_identity_concurrency\": 2, \"max_body\": 1},"
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
	snprintf(statedir, sizeof(statedir), "/tmp/zs-test-policy.XXXXXX");
	if (mkdtemp(statedir) == NULL)
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
	assert_int_equal(policy_new(j, &p, &eb), 0);
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
	assert_int_equal(policy_new(j, &p, &eb), 0);
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

static void
test_default_key(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	const char *k;
	json_t *j = conf(base_conf), *two;

	(void)state;
	assert_int_equal(policy_new(j, &p, &eb), 0);
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
	assert_int_equal(policy_new(two, &p, &eb), 0);
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
	assert_int_equal(policy_new(j, &p, &eb), 0);
	ident_unix(&a, 4242, 1);
	ident_unix(&b, 1000, 777);
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &a, "prod", "imgtool", &eb),
	    ZS_ERR_LIMIT);
	assert_non_null(strstr(eb.msg, "per hour"));
	/* Another identity has its own budget; other keys are unlimited. */
	assert_int_equal(policy_authorize(p, &b, "prod", "imgtool", &eb), 0);
	assert_int_equal(policy_authorize(p, &a, "open", "imgtool", &eb), 0);

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
test_anti_rollback(void **state)
{
	static const struct {
		const char	*image, *version;
		int		 want;
	} steps[] = {
		{ "zephyr", "1.2.0+0", 0 },
		{ "zephyr", "1.1.9+9", ZS_ERR_DENIED },
		{ "zephyr", "1.2.0", 0 },		/* same version again */
		{ "zephyr", "1.2.0+1", 0 },
		{ "zephyr", "1.2.0+0", ZS_ERR_DENIED },	/* build counts */
		{ "other", "0.0.1", 0 },		/* per image */
		{ "zephyr", "junk", ZS_ERR_DENIED },
		{ "zephyr", "2", 0 },
	};
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j = conf(base_conf);
	size_t i;

	(void)state;
	assert_int_equal(policy_new(j, &p, &eb), 0);
	assert_true(policy_key_has_image_rules(p, "prod"));
	assert_false(policy_key_has_image_rules(p, "open"));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(policy_admit_image(p, "prod", steps[i].image,
		    steps[i].version, 100, &eb), steps[i].want);
	policy_free(p);

	/* The marks survive a restart. */
	assert_int_equal(policy_new(j, &p, &eb), 0);
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "1.9.9", 100,
	    &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "lower than 2"));
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "2.0.0+0",
	    100, &eb), 0);

	/* Slot fit: 0x1000 slot, default trailer 128*3*1 + 4*8 + 16 = 432. */
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "2.0.0",
	    0x1000 - 432, &eb), 0);
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "2.0.0",
	    0x1000 - 431, &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "does not fit"));
	policy_free(p);
	json_decref(j);
}

static void
test_state_unwritable(void **state)
{
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j;

	(void)state;
	snprintf(statepath, sizeof(statepath), "/nonexistent/zs/state.json");
	j = conf(base_conf);
	assert_int_equal(policy_new(j, &p, &eb), 0);
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "1.0.0", 1,
	    &eb), ZS_ERR_IO);
	/* The mark was not kept, so a lower version is still judged fresh. */
	assert_int_equal(policy_admit_image(p, "prod", "zephyr", "0.9.0", 1,
	    &eb), ZS_ERR_IO);
	policy_free(p);
	json_decref(j);
	snprintf(statepath, sizeof(statepath), "%s/state.json", statedir);
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
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"anti_rollback\": true}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"max_per_hour\": -1}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"slot_fit\": {}}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"slot_fit\": {\"slot_size\": 64, \"align\": 3}}}]}",
		"{\"keys\": [{\"name\": \"a\", \"rules\": {\"cheese\": 1}}]}",
		"{\"keys\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
		"{\"keys\": [{\"path\": \"x\"}]}",
		"{\"limits\": {\"per_identity_concurrency\": \"many\"}}",
	};
	struct zs_errbuf eb;
	struct policy *p;
	json_t *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		if (policy_new(j, &p, &eb) != ZS_ERR_INVALID)
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

static void
test_image_id(void **state)
{
	static const char *const v[][2] = {
		{ "zephyr.bin", "zephyr" }, { "build/zephyr.signed.hex",
		"zephyr.signed" }, { "noext", "noext" }, { ".hidden", ".hidden" },
	};
	char out[POLICY_IMAGE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		policy_image_id(v[i][0], out);
		assert_string_equal(out, v[i][1]);
	}
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
		cmocka_unit_test(test_anti_rollback),
		cmocka_unit_test(test_state_unwritable),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_identity_unix),
		cmocka_unit_test(test_identity_cert),
		cmocka_unit_test(test_image_id),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

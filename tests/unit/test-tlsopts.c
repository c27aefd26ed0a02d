/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for client/tls-opts.c: option forms, environment, token file. */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "client/tls-opts.h"
#include "common/util.h"
#include "tests/zstest.h"

static void
test_parse(void **state)
{
	char *argv[] = { "zsign-client", "--cacert", "ca.pem", "--cert=c.pem",
	    "--cert-key", "k.pem", "--server", "x", "--token-file", NULL };
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	int ai = 1, argc = 9;

	(void)state;
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb), 1);
	assert_int_equal(ai, 2);
	assert_string_equal(o.cacert, "ca.pem");
	ai = 3;
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb), 1);
	assert_string_equal(o.cert, "c.pem");
	ai = 4;
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb), 1);
	assert_string_equal(o.cert_key, "k.pem");
	ai = 6;
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb), 0);
	/* "--cert" is not a prefix match for "--certificate". */
	argv[6] = "--certificate";
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb), 0);
	ai = 8;
	assert_int_equal(tlsopts_parse(&o, argc, argv, &ai, &eb),
	    ZS_ERR_USAGE);
}

static void
test_env(void **state)
{
	struct tlsopts o = { 0 };

	(void)state;
	o.cacert = "cmdline.pem";
	setenv(TLSOPTS_ENV_CACERT, "env.pem", 1);
	setenv(TLSOPTS_ENV_TOKEN_FILE, "/tok", 1);
	unsetenv(TLSOPTS_ENV_CERT);
	tlsopts_from_env(&o);
	assert_string_equal(o.cacert, "cmdline.pem");
	assert_string_equal(o.token_file, "/tok");
	assert_null(o.cert);
	unsetenv(TLSOPTS_ENV_CACERT);
	unsetenv(TLSOPTS_ENV_TOKEN_FILE);
}

static void
test_token_file(void **state)
{
	static const struct {
		const char	*content;
		int		 want;
	} v[] = {
		{ "abc-123_x.y~z+/=\n", 0 },
		{ "abc\r\n  \n", 0 },
		{ "two words\n", ZS_ERR_USAGE },
		{ "\n", ZS_ERR_USAGE },
		{ "a\nb\n", ZS_ERR_USAGE },
	};
	char path[PATH_MAX];
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	size_t i;
	int fd;

	(void)state;
	assert_true((fd = zstest_mkstemp(path, sizeof(path), "zs-test-token"))
	    != -1);
	close(fd);
	o.token_file = path;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(zs_file_write_atomic(path,
		    (const uint8_t *)v[i].content, strlen(v[i].content), 0600),
		    0);
		assert_int_equal(tlsopts_load(&o, &eb), v[i].want);
		if (v[i].want != 0)
			assert_null(strstr(eb.msg, "two"));	/* never echoed */
		tlsopts_clear(&o);
	}
	assert_int_equal(zs_file_write_atomic(path, (const uint8_t *)"s3cret\n",
	    7, 0600), 0);
	assert_int_equal(tlsopts_load(&o, &eb), 0);
	assert_string_equal(o.authz, "Authorization: Bearer s3cret");
	tlsopts_clear(&o);
	assert_null(o.authz);
	unlink(path);
	o.token_file = "/nonexistent/token";
	assert_int_equal(tlsopts_load(&o, &eb), ZS_ERR_USAGE);
}

static void
test_token_env(void **state)
{
	char *argv[] = { "zsign-client", "--token-env", "ZS_TEST_JOB_TOKEN",
	    NULL };
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	char *big;
	int ai = 1;

	(void)state;
	assert_int_equal(tlsopts_parse(&o, 3, argv, &ai, &eb), 1);
	assert_string_equal(o.token_env, "ZS_TEST_JOB_TOKEN");
	/* --token-env wins over $ZSIGN_TOKEN_FILE. */
	setenv(TLSOPTS_ENV_TOKEN_FILE, "/tok", 1);
	tlsopts_from_env(&o);
	assert_null(o.token_file);
	unsetenv(TLSOPTS_ENV_TOKEN_FILE);
	unsetenv("ZS_TEST_JOB_TOKEN");
	assert_int_equal(tlsopts_load(&o, &eb), ZS_ERR_USAGE);
	assert_non_null(strstr(eb.msg, "not set"));
	setenv("ZS_TEST_JOB_TOKEN", "eyJh.eyJz.c2ln\n", 1);
	assert_int_equal(tlsopts_load(&o, &eb), 0);
	assert_string_equal(o.authz, "Authorization: Bearer eyJh.eyJz.c2ln");
	tlsopts_clear(&o);
	setenv("ZS_TEST_JOB_TOKEN", "not one token", 1);
	assert_int_equal(tlsopts_load(&o, &eb), ZS_ERR_USAGE);
	assert_null(strstr(eb.msg, "token one"));	/* never echoed */
	big = malloc(TLSOPTS_TOKEN_MAX + 2);
	memset(big, 'a', TLSOPTS_TOKEN_MAX + 1);
	big[TLSOPTS_TOKEN_MAX + 1] = '\0';
	setenv("ZS_TEST_JOB_TOKEN", big, 1);
	free(big);
	assert_int_equal(tlsopts_load(&o, &eb), ZS_ERR_TOO_LARGE);
	/* Both sources at once is a usage error. */
	o.token_file = "/tok";
	setenv("ZS_TEST_JOB_TOKEN", "abc", 1);
	assert_int_equal(tlsopts_load(&o, &eb), ZS_ERR_USAGE);
	unsetenv("ZS_TEST_JOB_TOKEN");
}

static void
test_key_needs_cert(void **state)
{
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	SSL_CTX *ctx = NULL;

	(void)state;
	o.cert_key = "k.pem";
	assert_int_equal(tlsopts_ctx(&o, &ctx, &eb), ZS_ERR_USAGE);
	assert_null(ctx);
	assert_int_equal(tlsopts_ctx(NULL, &ctx, &eb), 0);
	assert_non_null(ctx);
	SSL_CTX_free(ctx);
	o.cert_key = NULL;
	o.cacert = "/nonexistent/ca.pem";
	assert_int_equal(tlsopts_ctx(&o, &ctx, &eb), ZS_ERR_USAGE);
	assert_non_null(strstr(eb.msg, "/nonexistent/ca.pem"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_token_env),
		cmocka_unit_test(test_key_needs_cert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for client/clientconf.c: which file wins, what it fills and
 * what it leaves, relative file names, and the refusals.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "client/clientconf.h"
#include "client/tls-opts.h"
#include "common/util.h"
#include "tests/zstest.h"

/* A scratch directory with a user and a system file. */
struct fx {
	char	dir[64];
	char	user[128];
	char	sys[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_int_equal(zstest_mkdtemp(f->dir, sizeof(f->dir), "zs-clientconf"), 0);
	snprintf(f->user, sizeof(f->user), "%s/user.conf", f->dir);
	snprintf(f->sys, sizeof(f->sys), "%s/sys.conf", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->user);
	unlink(f->sys);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
put(const char *path, const char *text)
{
	assert_int_equal(zs_file_write_atomic(path, (const uint8_t *)text,
	    strlen(text), 0600), 0);
}

static void
test_precedence(void **state)
{
	struct fx *f = *state;
	struct clientconf cc = { { NULL, NULL } };
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	const char *server = NULL;
	char want[256];

	put(f->user, "{\"server\": \"unix:/u.sock\", \"token_file\": \"tok\"}");
	put(f->sys, "{\"server\": \"unix:/s.sock\", \"cacert\": \"/ca.pem\", "
	    "\"cert\": \"/c.pem\"}");
	o.cert = "/given.pem";		/* the command line's */
	assert_int_equal(clientconf_load(&cc, f->user, f->sys, &server, &o,
	    &eb), 0);
	assert_string_equal(server, "unix:/u.sock");	/* user's wins */
	assert_string_equal(o.cacert, "/ca.pem");	/* system's fills */
	assert_string_equal(o.cert, "/given.pem");	/* set: kept */
	assert_null(o.cert_key);
	snprintf(want, sizeof(want), "%s/tok", f->dir);	/* beside the file */
	assert_string_equal(o.token_file, want);
	clientconf_free(&cc);
}

static void
test_missing_files(void **state)
{
	struct fx *f = *state;
	struct clientconf cc = { { NULL, NULL } };
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	const char *server = "";

	assert_int_equal(clientconf_load(&cc, NULL, f->sys, &server, &o,
	    &eb), 0);
	assert_string_equal(server, "");
	assert_null(o.cacert);
	clientconf_free(&cc);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"{\"server\": \"unix:/x\", \"proxy\": \"y\"}",
		"{\"server\": 1}",
		"{\"server\": \"\"}",
		"[\"server\"]",
		"{\"server\": \"a\", \"server\": \"b\"}",
		"{\"server\": ",
	};
	struct fx *f = *state;
	struct clientconf cc = { { NULL, NULL } };
	struct tlsopts o = { 0 };
	struct zs_errbuf eb;
	const char *server;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(f->user, bad[i]);
		server = NULL;
		zs_errclear(&eb);
		assert_int_equal(clientconf_load(&cc, f->user, f->sys, &server,
		    &o, &eb), ZS_ERR_USAGE);
		assert_non_null(strstr(eb.msg, f->user));
		assert_null(server);
		clientconf_free(&cc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

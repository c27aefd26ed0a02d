/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/rimconf.c: config names, the "rimage" settings,
 * reading <dir>/NAME.toml, and resolving a request's -c arguments.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/fileset.h"
#include "common/xmalloc.h"
#include "daemon/rimconf.h"
#include "tests/zstest.h"

static const char toml[] = "[adsp]\nname = \"x\"\n";

/* A scratch config directory holding x.toml, big.toml and a d.toml/. */
static char *
scratch(void)
{
	char tmpl[64], *dir, *p;
	FILE *f;

	assert_int_equal(zstest_mkdtemp(tmpl, sizeof(tmpl), "test-rimconf"), 0);
	dir = xstrdup(tmpl);
	p = xasprintf("%s/x.toml", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs(toml, f);
	fclose(f);
	free(p);
	/* One byte over the cap (sparse). */
	p = xasprintf("%s/big.toml", dir);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
	assert_int_equal(truncate(p, RIMCONF_FILE_MAX + 1), 0);
	free(p);
	p = xasprintf("%s/d.toml", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	free(p);
	return dir;
}

static void
unscratch(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void
test_names(void **state)
{
	static const struct {
		const char	*name;
		int		 ok;
	} cases[] = {
		{ "cnl", 1 }, { "tgl-sof", 1 }, { "mtl_v2.1", 1 },
		{ "a..b", 1 }, { "", 0 }, { ".hidden", 0 }, { "..", 0 },
		{ "../x", 0 }, { "a/b", 0 }, { "a b", 0 }, { "x\\y", 0 },
		{ "tgl:1", 0 }, { "caf\xc3\xa9", 0 },
		{ "0123456789012345678901234567890123456789012345678901234567"
		    "890123", 1 },
		{ "0123456789012345678901234567890123456789012345678901234567"
		    "8901234", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (rimconf_name_valid(cases[i].name) != cases[i].ok)
			fail_msg("name \"%s\": want %d", cases[i].name,
			    cases[i].ok);
	}
}

static void
test_load(void **state)
{
	static const struct {
		const char	*json;
		int		 want;
		const char	*dir;
		int		 client;
	} cases[] = {
		{ "{}", 0, NULL, 1 },
		{ "{\"config_dir\": \"/etc/zsign/rimage\"}", 0,
		    "/etc/zsign/rimage", 1 },
		{ "{\"client_configs\": false}", 0, NULL, 0 },
		{ "{\"config_dir\": \"etc/rimage\"}", ZS_ERR_INVALID, NULL, 1 },
		{ "{\"config_dir\": 3}", ZS_ERR_INVALID, NULL, 1 },
		{ "{\"client_configs\": \"no\"}", ZS_ERR_INVALID, NULL, 1 },
		{ "{\"configdir\": \"/x\"}", ZS_ERR_INVALID, NULL, 1 },
		{ "[]", ZS_ERR_INVALID, NULL, 1 },
	};
	struct rimconf rc;
	struct zs_errbuf eb;
	json_t *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rimconf_init(&rc);
		assert_non_null(o = json_loads(cases[i].json, 0, NULL));
		zs_errclear(&eb);
		assert_int_equal(rimconf_load(&rc, o, "f.conf", &eb),
		    cases[i].want);
		if (cases[i].want != 0)
			assert_non_null(strstr(eb.msg, "f.conf"));
		else if (cases[i].dir != NULL)
			assert_string_equal(rc.dir, cases[i].dir);
		else
			assert_null(rc.dir);
		if (cases[i].want == 0)
			assert_int_equal(rc.client_configs, cases[i].client);
		json_decref(o);
		rimconf_free(&rc);
	}
	rimconf_init(&rc);
	assert_int_equal(rimconf_set_dir(&rc, "rel", &eb), ZS_ERR_INVALID);
	assert_null(rc.dir);
	rimconf_free(&rc);
}

static void
test_read(void **state)
{
	static const struct {
		const char	*name;
		int		 want;
	} cases[] = {
		{ "x", 0 }, { "nosuch", ZS_ERR_NOT_FOUND },
		{ "big", ZS_ERR_TOO_LARGE }, { "d", ZS_ERR_IO },
		{ "../x", ZS_ERR_INVALID }, { ".x", ZS_ERR_INVALID },
		{ "", ZS_ERR_INVALID },
	};
	struct rimconf rc;
	struct zs_errbuf eb;
	uint8_t *text;
	size_t i, len;
	int r;

	(void)state;
	rimconf_init(&rc);
	rc.dir = scratch();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = NULL;
		zs_errclear(&eb);
		r = rimconf_read(&rc, cases[i].name, &text, &len, &eb);
		if (r != cases[i].want)
			fail_msg("\"%s\": %d, want %d (%s)", cases[i].name, r,
			    cases[i].want, eb.msg);
		if (r == 0) {
			assert_int_equal(len, strlen(toml));
			assert_memory_equal(text, toml, len);
			free(text);
		} else {
			assert_null(text);
			/* Errors name the config, never the server's path. */
			assert_null(strstr(eb.msg, rc.dir));
		}
	}
	unscratch(rc.dir);
	rc.dir = NULL;
	/* Without a directory nothing is found. */
	assert_int_equal(rimconf_read(&rc, "x", &text, &len, &eb),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(rimconf_read(NULL, "x", &text, &len, &eb),
	    ZS_ERR_NOT_FOUND);
	rimconf_free(&rc);
}

/* Resolve the -c of "rimage -o o.ri -k k -c CONFIG m.mod" over files. */
static int
resolve(const struct rimconf *rc, const char *config, struct fileset *fs,
    struct zs_errbuf *eb)
{
	char *argv[] = { "-o", "o.ri", "-k", "k", "-c", (char *)config,
	    "m.mod" };
	struct rimage_args *a = NULL;
	int r;

	assert_int_equal(rimage_args_parse(7, argv, &a, eb), 0);
	r = rimconf_resolve(rc, a, fs, eb);
	rimage_args_free(a);
	return r;
}

static void
test_resolve(void **state)
{
	struct rimconf rc;
	struct fileset *fs;
	struct zs_errbuf eb;
	const uint8_t *d;
	size_t dl;

	(void)state;
	rimconf_init(&rc);
	rc.dir = scratch();

	/* zsign:x becomes files["zsign:x"], the text of x.toml. */
	fs = fileset_new();
	assert_int_equal(resolve(&rc, "zsign:x", fs, &eb), 0);
	assert_int_equal(fileset_get(fs, "zsign:x", &d, &dl), 0);
	assert_int_equal(dl, strlen(toml));
	assert_memory_equal(d, toml, dl);
	assert_int_equal(fileset_count(fs), 1);
	fileset_free(fs);

	/* A config of the server is never taken from the client. */
	fs = fileset_new();
	assert_int_equal(fileset_add(fs, "zsign:x", (const uint8_t *)"evil",
	    4), 0);
	assert_int_equal(resolve(&rc, "zsign:x", fs, &eb), ZS_ERR_INVALID);
	assert_int_equal(fileset_get(fs, "zsign:x", &d, &dl), 0);
	assert_memory_equal(d, "evil", 4);
	fileset_free(fs);

	/* Bad and missing names; nothing is added. */
	fs = fileset_new();
	assert_int_equal(resolve(&rc, "zsign:../x", fs, &eb), ZS_ERR_INVALID);
	assert_int_equal(resolve(&rc, "zsign:nosuch", fs, &eb),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_count(fs), 0);

	/* Uploaded configs: the client's business unless forbidden. */
	assert_int_equal(resolve(&rc, "cfg.toml", fs, &eb), 0);
	assert_int_equal(resolve(NULL, "cfg.toml", fs, &eb), 0);
	assert_int_equal(fileset_count(fs), 0);
	rc.client_configs = 0;
	zs_errclear(&eb);
	assert_int_equal(resolve(&rc, "cfg.toml", fs, &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "zsign:NAME"));
	assert_int_equal(resolve(&rc, "zsign:x", fs, &eb), 0);
	fileset_free(fs);

	unscratch(rc.dir);
	rc.dir = NULL;
	rimconf_free(&rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

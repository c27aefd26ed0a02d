/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the configuration module (daemon/conf.c): each kind of
 * member of its schema table read into struct conf, unknown members and
 * values of the wrong type refused with their name, keys and their
 * earlier versions, and what a reload does with each changed member.
 */
#include "config.h"

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

#include "common/log.h"
#include "daemon/acl.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "tests/zstest.h"

/* Read text into cfg (initialised here); the status of conf_load_json. */
static int
load(struct conf *cfg, const char *text, struct zs_errbuf *eb)
{
	json_t *root = json_loads(text, 0, NULL);
	int r;

	if (root == NULL)
		fail_msg("bad test JSON: %s", text);
	conf_init(cfg);
	zs_errclear(eb);
	r = conf_load_json(cfg, root, "test.conf", eb);
	json_decref(root);
	return r;
}

/* Every kind of member lands in its field. */
static void
test_members(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct conf cfg;

	(void)state;
	assert_int_equal(load(&cfg, "{"
	    "\"listen\": [\"unix:/run/a.sock\", \"tcp:127.0.0.1:0\"],"
	    "\"workers\": 3,"
	    "\"limits\": {\"max_body_bytes\": 1000, \"io_timeout_ms\": 200,"
	    " \"per_identity_concurrency\": 4},"
	    "\"tokens\": {\"ci\": \"sha256:00\"},"
	    "\"oidc\": [],"
	    "\"tls\": {\"cert\": \"/c.pem\", \"crl\": \"/crl.pem\"},"
	    "\"audit\": {\"path\": \"/a.log\"},"
	    "\"state\": \"sqlite:/s.db\", \"state_file\": \"/s.json\","
	    "\"node\": \"n1\","
	    "\"approvals\": {\"spool_dir\": \"/spool\"},"
	    "\"socket_mode\": \"0660\", \"socket_group\": \"0\","
	    "\"log_level\": \"warning\","
	    "\"metrics\": {\"allow\": [\"uid:7\"]},"
	    "\"rimage\": {\"client_configs\": false},"
	    "\"keys\": [{\"name\": \"k\", \"path\": \"/k.pem\","
	    " \"default\": true, \"raw_signing\": false,"
	    " \"allow\": {\"uids\": [7]}, \"rules\": {}}]}", &eb), 0);
	assert_int_equal(cfg.nlisten, 2);
	assert_string_equal(cfg.listen[1], "tcp:127.0.0.1:0");
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.body_max, 1000);
	assert_int_equal(cfg.io_timeout_ms, 200);
	/* What the file does not set keeps its default. */
	assert_int_equal(cfg.header_max, CONF_HEADER_MAX_DEFAULT);
	assert_int_equal(cfg.per_identity, 4);
	assert_true(json_is_object(cfg.tokens));
	assert_true(json_is_array(cfg.oidc));
	assert_string_equal(cfg.tls_cert, "/c.pem");
	assert_null(cfg.tls_key);
	assert_string_equal(cfg.tls_crl, "/crl.pem");
	assert_string_equal(cfg.audit_path, "/a.log");
	assert_string_equal(cfg.state, "sqlite:/s.db");
	assert_string_equal(cfg.state_file, "/s.json");
	assert_string_equal(cfg.node, "n1");
	assert_string_equal(cfg.approvals_spool, "/spool");
	assert_int_equal(cfg.socket_mode, 0660);
	assert_true(cfg.have_socket_gid);
	assert_int_equal(cfg.socket_gid, 0);
	assert_int_equal(cfg.log_level, ZS_LOG_WARN);
	assert_false(cfg.rimage.client_configs);
	policy_identity_init(&id, "unix");
	id.auth = POLICY_AUTH_UNIX;
	id.uid = 7;
	assert_true(acl_allows(cfg.metrics_acl, &id));
	id.uid = 8;
	assert_false(acl_allows(cfg.metrics_acl, &id));
	assert_int_equal(cfg.nkeys, 1);
	assert_string_equal(cfg.keys[0].name, "k");
	assert_true(cfg.keys[0].is_default);
	assert_false(cfg.keys[0].raw_signing);
	assert_true(json_is_object(cfg.keys[0].allow));
	assert_true(json_is_object(cfg.keys[0].rules));
	assert_null(cfg.keys[0].approval);
	conf_free(&cfg);

	/* An integer socket_mode and defaults that conf_finish() fills. */
	assert_int_equal(load(&cfg, "{\"socket_mode\": 384}", &eb), 0);
	assert_int_equal(cfg.socket_mode, 0600);
	assert_int_equal(cfg.log_level, -1);
	assert_null(cfg.metrics_acl);
	conf_finish(&cfg);
	assert_int_equal(cfg.nlisten, 1);
	assert_string_equal(cfg.listen[0], CONF_LISTEN_DEFAULT);
	assert_true(cfg.workers >= 1);
	id.uid = 8;
	assert_true(acl_allows(cfg.metrics_acl, &id));	/* "unix" */
	conf_free(&cfg);
}

/* Keys, their validity window and earlier versions. */
static void
test_keys(void **state)
{
	struct zs_errbuf eb;
	struct conf cfg;

	(void)state;
	assert_int_equal(load(&cfg, "{\"keys\": [{\"name\": \"fw\", "
	    "\"path\": \"/fw2.pem\", \"version\": \"2\", "
	    "\"not_after\": \"2030-01-01T00:00:00Z\", \"previous\": "
	    "[{\"version\": \"1\", \"path\": \"/fw1.pem\"}]}]}", &eb), 0);
	assert_int_equal(cfg.nkeys, 2);
	assert_null(cfg.keys[0].successor);
	assert_true(cfg.keys[0].not_after > 0);
	assert_string_equal(cfg.keys[1].name, "fw@1");
	assert_string_equal(cfg.keys[1].successor, "2");
	/* A key from the command line (-k) has no policy members. */
	assert_int_equal(conf_add_key(&cfg, "cli", "/cli.pem", NULL, &eb), 0);
	assert_int_equal(cfg.nkeys, 3);
	assert_null(cfg.keys[2].allow);
	assert_null(cfg.keys[2].rules);
	assert_null(cfg.keys[2].approval);
	assert_null(cfg.keys[2].successor);
	assert_false(cfg.keys[2].is_default);
	assert_false(cfg.keys[2].raw_signing);
	conf_free(&cfg);
}

/* Each bad file is refused, its message naming what is wrong. */
static void
test_refused(void **state)
{
	static const struct {
		const char	*text;
		const char	*says;
	} bad[] = {
		/* Unknown members, at the top, in a section, in a key. */
		{ "{\"workerz\": 2}", "unknown member \"workerz\"" },
		{ "{\"limits\": {\"max_bodyy\": 1}}",
		    "unknown member \"limits.max_bodyy\"" },
		{ "{\"tls\": {\"certificate\": \"/c\"}}",
		    "unknown member \"tls.certificate\"" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\", "
		    "\"colour\": 1}]}", "keys[0]: unknown member \"colour\"" },
		{ "{\"metrics\": {\"deny\": []}}",
		    "unknown member \"metrics.deny\"" },
		/* Values of the wrong type. */
		{ "[]", "must be a JSON object" },
		{ "{\"workers\": \"2\"}", "workers must be an integer" },
		{ "{\"listen\": {}}", "listen must be an array" },
		{ "{\"listen\": [1]}", "listen must be an array of strings" },
		{ "{\"limits\": []}", "limits must be an object" },
		{ "{\"tokens\": []}", "tokens must be an object" },
		{ "{\"oidc\": {}}", "oidc must be an array" },
		{ "{\"tls\": {\"cert\": 1}}", "tls.cert must be a string" },
		{ "{\"keys\": {}}", "keys must be an array" },
		{ "{\"keys\": [1]}", "keys[0]: must be an object" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\", "
		    "\"default\": \"yes\"}]}", "default must be a boolean" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\", "
		    "\"allow\": []}]}", "allow must be an object" },
		{ "{\"log_level\": 3}", "log_level must be a string" },
		{ "{\"socket_mode\": true}",
		    "socket_mode must be a string or an integer" },
		/* Values out of range or malformed. */
		{ "{\"workers\": 0}", "workers must be 1 to" },
		{ "{\"limits\": {\"max_header_bytes\": 10}}",
		    "limits.max_header_bytes must be 1024 to" },
		{ "{\"limits\": {\"max_in_flight\": -1}}",
		    "limits.max_in_flight must be 1 to" },
		{ "{\"log_level\": \"loud\"}", "log_level must be" },
		{ "{\"socket_mode\": \"660\"}",
		    "socket_mode must be an octal" },
		{ "{\"socket_mode\": \"01777\"}",
		    "socket_mode must be an octal" },
		{ "{\"socket_group\": \"no-such-group-zsign\"}",
		    "socket_group: no such group" },
		{ "{\"node\": \"\"}", "node must be a string of 1 to" },
		{ "{\"metrics\": {\"allow\": [\"everyone\"]}}",
		    "metrics.allow" },
		{ "{\"listen\": [\"udp:1\"]}", "expected unix:" },
		{ "{\"keys\": [{\"name\": \"a\"}]}", "needs a \"name\" and" },
		{ "{\"keys\": [{\"name\": \"a@1\", \"path\": \"/a\"}]}",
		    "has no \"@\"" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\"}, "
		    "{\"name\": \"a\", \"path\": \"/b\"}]}", "defined twice" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\", "
		    "\"previous\": [{\"version\": \"1\", \"path\": \"/b\"}]}]}",
		    "needs the current \"version\"" },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/a\", "
		    "\"not_before\": \"soon\"}]}", "not an RFC 3339 time" },
		{ "{\"rimage\": {\"config_dir\": \"rel\"}}", "absolute path" },
	};
	struct zs_errbuf eb;
	struct conf cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(&cfg, bad[i].text, &eb) != ZS_ERR_INVALID)
			fail_msg("accepted: %s", bad[i].text);
		if (strstr(eb.msg, bad[i].says) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].text,
			    eb.msg, bad[i].says);
		conf_free(&cfg);
	}
}

/* The file itself: read, or refused with where it went wrong. */
static void
test_file(void **state)
{
	char dir[48], path[64];
	struct zs_errbuf eb;
	struct conf cfg;
	FILE *f;

	(void)state;
	assert_int_equal(zstest_mkdtemp(dir, sizeof(dir), "zs-test-conf"), 0);
	snprintf(path, sizeof(path), "%s/zsignd.conf", dir);
	conf_init(&cfg);
	assert_int_equal(conf_load_file(&cfg, path, &eb), ZS_ERR_NOT_FOUND);
	assert_non_null(strstr(eb.msg, "cannot read"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"workers\": 2, \"workers\": 3}", f);
	fclose(f);
	assert_int_equal(conf_load_file(&cfg, path, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "duplicate"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"workers\": 2, \"limits\": {\"max_connections\": 9}}", f);
	fclose(f);
	assert_int_equal(conf_load_file(&cfg, path, &eb), 0);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.conns_max, 9);
	conf_free(&cfg);
	unlink(path);
	rmdir(dir);
}

/* What a reload does with each kind of member, as the table says. */
static void
test_reload(void **state)
{
	static const struct {
		const char	*next;
		int		 r;
		const char	*restart;	/* the one named, or NULL */
	} cases[] = {
		/* The same file: nothing to say. */
		{ "{\"listen\": [\"unix:/a.sock\"], \"state_file\": \"/s\", "
		    "\"tls\": {\"cert\": \"/c\"}}", 0, NULL },
		/* Applied: keys, limits, tokens, log level, metrics. */
		{ "{\"listen\": [\"unix:/a.sock\"], \"state_file\": \"/s\", "
		    "\"tls\": {\"cert\": \"/c\"}, \"keys\": [{\"name\": \"k\", "
		    "\"path\": \"/k\"}], \"limits\": {\"max_body_bytes\": 9, "
		    "\"per_identity_concurrency\": 2}, \"tokens\": {}, "
		    "\"log_level\": \"debug\", \"metrics\": {\"allow\": "
		    "[\"any\"]}}", 0, NULL },
		/* Start-up only: kept, and named. */
		{ "{\"listen\": [\"unix:/b.sock\"], \"state_file\": \"/s\", "
		    "\"tls\": {\"cert\": \"/c\"}}", 0, "listen" },
		{ "{\"listen\": [\"unix:/a.sock\"], \"state_file\": \"/s\", "
		    "\"tls\": {\"cert\": \"/c2\"}}", 0, "tls.cert" },
		{ "{\"listen\": [\"unix:/a.sock\"], \"state_file\": \"/s\", "
		    "\"tls\": {\"cert\": \"/c\"}, \"socket_mode\": "
		    "\"0600\"}", 0, "socket_mode" },
		/* Refused: a new state_file, or none. */
		{ "{\"listen\": [\"unix:/a.sock\"], \"state_file\": \"/t\", "
		    "\"tls\": {\"cert\": \"/c\"}}", ZS_ERR_INVALID, NULL },
		{ "{\"listen\": [\"unix:/a.sock\"], \"tls\": {\"cert\": "
		    "\"/c\"}}", ZS_ERR_INVALID, NULL },
	};
	const char *restart[CONF_RESTART_MAX];
	struct conf cur, next;
	struct zs_errbuf eb;
	size_t i, n;

	(void)state;
	assert_int_equal(load(&cur, cases[0].next, &eb), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(&next, cases[i].next, &eb), 0);
		n = 99;
		if (conf_check_reload(&cur, &next, restart, CONF_RESTART_MAX,
		    &n, &eb) != cases[i].r)
			fail_msg("%s: not %d", cases[i].next, cases[i].r);
		if (cases[i].r != 0)
			assert_non_null(strstr(eb.msg,
			    "\"state_file\" changed"));
		else if (cases[i].restart == NULL)
			assert_int_equal(n, 0);
		else {
			assert_int_equal(n, 1);
			assert_string_equal(restart[0], cases[i].restart);
		}
		conf_free(&next);
	}
	/* The command line's listeners count, not only the file's. */
	assert_int_equal(load(&next, cases[0].next, &eb), 0);
	conf_clear_listen(&next);
	assert_int_equal(conf_add_listen(&next, "unix:/c.sock", &eb), 0);
	assert_int_equal(conf_check_reload(&cur, &next, restart,
	    CONF_RESTART_MAX, &n, &eb), 0);
	assert_int_equal(n, 1);
	assert_string_equal(restart[0], "listen");
	conf_free(&next);
	conf_free(&cur);

	assert_int_equal(conf_member_reload("limits.max_body_bytes"),
	    CONF_RELOAD_APPLY);
	assert_int_equal(conf_member_reload("tokens"), CONF_RELOAD_APPLY);
	assert_int_equal(conf_member_reload("metrics.allow"),
	    CONF_RELOAD_APPLY);
	assert_int_equal(conf_member_reload("workers"), CONF_RELOAD_RESTART);
	assert_int_equal(conf_member_reload("audit.path"),
	    CONF_RELOAD_RESTART);
	assert_int_equal(conf_member_reload("state_file"),
	    CONF_RELOAD_REFUSE);
	assert_int_equal(conf_member_reload("max_body_bytes"), -1);
}

static void
test_log_levels(void **state)
{
	(void)state;
	assert_int_equal(conf_log_level("error"), ZS_LOG_ERR);
	assert_int_equal(conf_log_level("warning"), ZS_LOG_WARN);
	assert_int_equal(conf_log_level("info"), ZS_LOG_INFO);
	assert_int_equal(conf_log_level("debug"), ZS_LOG_DEBUG);
	assert_int_equal(conf_log_level("warn"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/runtime.c: reference counting, log_level and
 * metrics parsing, and which changes a reload accepts or refuses.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/log.h"
#include "daemon/runtime.h"

/* A generation whose file is the JSON text conf. */
static struct runtime *
gen(const char *conf)
{
	struct runtime *rt = runtime_new();

	rt->cfg.root = json_loads(conf, 0, NULL);
	assert_non_null(rt->cfg.root);
	return rt;
}

static void
test_refs_and_ops(void **state)
{
	struct runtime *rt = gen("{\"log_level\": \"debug\", "
	    "\"metrics\": {\"allow\": [\"any\"]}}");
	struct zs_errbuf eb;

	(void)state;
	assert_int_equal(runtime_load_ops(rt, &eb), 0);
	assert_int_equal(rt->log_level, ZS_LOG_DEBUG);
	assert_non_null(rt->metrics_acl);
	assert_ptr_equal(runtime_ref(rt), rt);
	runtime_unref(rt);	/* still one reference: ASan sees no UAF */
	assert_int_equal(rt->log_level, ZS_LOG_DEBUG);
	runtime_unref(rt);
	runtime_unref(NULL);

	rt = gen("{\"log_level\": \"loud\"}");
	assert_int_equal(runtime_load_ops(rt, &eb), ZS_ERR_INVALID);
	runtime_unref(rt);
	rt = gen("{\"log_level\": 3}");
	assert_int_equal(runtime_load_ops(rt, &eb), ZS_ERR_INVALID);
	runtime_unref(rt);
	rt = gen("{\"metrics\": {\"allow\": [\"nobody\"]}}");
	assert_int_equal(runtime_load_ops(rt, &eb), ZS_ERR_INVALID);
	runtime_unref(rt);
	rt = runtime_new();	/* no file at all */
	assert_int_equal(runtime_load_ops(rt, &eb), 0);
	assert_int_equal(rt->log_level, -1);
	runtime_unref(rt);
	assert_int_equal(runtime_log_level("warning"), ZS_LOG_WARN);
	assert_int_equal(runtime_log_level("warn"), -1);
}

static void
test_reload_checks(void **state)
{
	static const struct {
		const char	*next;
		int		 want;
	} cases[] = {
		/* Keys, limits, log level, metrics: applied in place. */
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a2.pem\", "
		    "\"allow\": {\"uids\": [0]}}, {\"name\": \"b\", \"path\": "
		    "\"/k/b.pem\"}], \"limits\": {\"max_body_bytes\": 10}, "
		    "\"log_level\": \"debug\", \"tokens\": {\"t\": \"x\"}}", 0 },
		/* Start-up settings: a warning, not a refusal. */
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}, "
		    "\"audit\": {\"path\": \"/elsewhere\"}, \"socket_mode\": "
		    "\"0600\"}", 0 },
		/* What the policy holds: refused. */
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [1]}}], \"tokens\": {\"t\": \"x\"}}",
		    ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\"}], "
		    "\"tokens\": {\"t\": \"x\"}}", ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}, \"default\": true}], "
		    "\"tokens\": {\"t\": \"x\"}}", ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {}}",
		    ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}, {\"name\": \"n\", \"path\": "
		    "\"/k/n.pem\", \"rules\": {\"max_per_hour\": 1}}], "
		    "\"tokens\": {\"t\": \"x\"}}", ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}, "
		    "\"state_file\": \"/s\"}", ZS_ERR_INVALID },
		{ "{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}, "
		    "\"limits\": {\"per_identity_concurrency\": 2}}",
		    ZS_ERR_INVALID },
	};
	struct runtime *cur, *next;
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	log_init("test-runtime", 1, ZS_LOG_ERR);
	cur = gen("{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
	    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}}");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		next = gen(cases[i].next);
		zs_errclear(&eb);
		assert_int_equal(runtime_check_reload(cur, next, &eb),
		    cases[i].want);
		if (cases[i].want != 0)
			assert_non_null(strstr(eb.msg, "restart"));
		runtime_unref(next);
	}
	runtime_unref(cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_and_ops),
		cmocka_unit_test(test_reload_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

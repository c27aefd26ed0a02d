/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/runtime.c: reference counting, which changes a
 * reload accepts, and the policy of each generation with the counters
 * they share.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/log.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "daemon/runtime.h"

/* A generation whose file is the JSON text conf, read by conf.c. */
static struct runtime *
gen(const char *conf)
{
	struct runtime *rt = runtime_new();
	struct zs_errbuf eb;
	json_t *root = json_loads(conf, 0, NULL);

	assert_non_null(root);
	if (conf_load_json(&rt->cfg, root, "test", &eb) != 0)
		fail_msg("%s: %s", conf, eb.msg);
	json_decref(root);
	return rt;
}

/* A generation lives as long as its last reference, with what it read. */
static void
test_refs(void **state)
{
	struct runtime *rt = gen("{\"log_level\": \"debug\", "
	    "\"metrics\": {\"allow\": [\"any\"]}}");

	(void)state;
	assert_int_equal(rt->cfg.log_level, ZS_LOG_DEBUG);
	assert_non_null(rt->cfg.metrics_acl);
	assert_ptr_equal(runtime_ref(rt), rt);
	runtime_unref(rt);	/* still one reference: ASan sees no UAF */
	assert_int_equal(rt->cfg.log_level, ZS_LOG_DEBUG);
	assert_non_null(rt->cfg.metrics_acl);
	runtime_unref(rt);
	runtime_unref(NULL);
}

static void
test_reload_checks(void **state)
{
	/* Every one is accepted: start-up settings only warn. */
	static const char *const cases[] = {
		/* Keys, limits, log level, metrics: applied in place. */
		"{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a2.pem\", "
		    "\"allow\": {\"uids\": [0]}}, {\"name\": \"b\", \"path\": "
		    "\"/k/b.pem\"}], \"limits\": {\"max_body_bytes\": 10}, "
		    "\"log_level\": \"debug\", \"tokens\": {\"t\": \"x\"}}",
		/* Start-up settings: a warning, not a refusal. */
		"{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}, "
		    "\"audit\": {\"path\": \"/elsewhere\"}, \"socket_mode\": "
		    "\"0600\"}",
		/* What the policy holds: the next generation brings it. */
		"{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [1]}}], \"tokens\": {\"t\": \"x\"}}",
		"{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\"}], "
		    "\"tokens\": {}}",
		"{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
		    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}, "
		    "\"limits\": {\"per_identity_concurrency\": 2}}",
	};
	struct runtime *cur, *next;
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	log_init("test-runtime", 1, ZS_LOG_ERR);
	cur = gen("{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
	    "\"allow\": {\"uids\": [0]}}], \"tokens\": {\"t\": \"x\"}}");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		next = gen(cases[i]);
		zs_errclear(&eb);
		assert_int_equal(runtime_check_reload(cur, next, &eb), 0);
		runtime_unref(next);
	}
	runtime_unref(cur);
}

/* A unix identity of uid. */
static void
ident(struct policy_identity *id, uid_t uid)
{
	policy_identity_init(id, "unix");
	id->auth = POLICY_AUTH_UNIX;
	id->uid = uid;
	id->gid = uid;
	snprintf(id->name, sizeof(id->name), "uid:%u", (unsigned)uid);
}

/*
 * Each generation has its own policy and they share the counts: a reload
 * narrows an allow list at once, yet a request in flight under the old
 * generation still counts against the identity's concurrency cap.
 */
static void
test_policy_generations(void **state)
{
	struct runtime *g1, *g2;
	struct policy_identity u0, u1;
	struct zs_errbuf eb;

	(void)state;
	ident(&u0, 0);
	ident(&u1, 1);
	g1 = gen("{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
	    "\"allow\": {\"uids\": [0, 1]}}], \"limits\": "
	    "{\"per_identity_concurrency\": 1}}");
	assert_int_equal(runtime_load_policy(g1, NULL, &eb), 0);
	assert_int_equal(policy_enter(g1->policy, &u0, &eb), 0);
	g2 = gen("{\"keys\": [{\"name\": \"a\", \"path\": \"/k/a.pem\", "
	    "\"allow\": {\"uids\": [1]}}], \"limits\": "
	    "{\"per_identity_concurrency\": 1}}");
	assert_int_equal(runtime_load_policy(g2, g1, &eb), 0);
	/* uid 0 is out of the new list; the old generation still has it. */
	assert_int_equal(policy_authorize(g2->policy, &u0, "a", "imgtool",
	    &eb), ZS_ERR_DENIED);
	assert_int_equal(policy_authorize(g1->policy, &u0, "a", "imgtool",
	    &eb), 0);
	assert_int_equal(policy_authorize(g2->policy, &u1, "a", "imgtool",
	    &eb), 0);
	/* uid 0's request under g1 fills its one slot in g2 too. */
	assert_int_equal(policy_enter(g2->policy, &u0, &eb), ZS_ERR_LIMIT);
	policy_leave(g1->policy, &u0);
	runtime_unref(g1);
	assert_int_equal(policy_enter(g2->policy, &u0, &eb), 0);
	policy_leave(g2->policy, &u0);
	runtime_unref(g2);
}

/* A changed state_file takes a restart. */
static void
test_restart_members(void **state)
{
	struct runtime *cur, *next;
	struct zs_errbuf eb;

	(void)state;
	cur = gen("{\"state_file\": \"/a.json\"}");
	next = gen("{\"state_file\": \"/b.json\"}");
	assert_int_equal(runtime_check_reload(cur, next, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "restart"));
	runtime_unref(next);
	runtime_unref(cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_reload_checks),
		cmocka_unit_test(test_policy_generations),
		cmocka_unit_test(test_restart_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

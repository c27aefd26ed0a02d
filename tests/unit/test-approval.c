/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/approval.c: the vote rules (self-approval, double
 * votes, rejection, the count), and held records in a SQLite state store
 * that expire and outlive a reopen.
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

#include <jansson.h>

#include "common/zserr.h"
#include "daemon/approval.h"
#include "state/store.h"
#include "tests/zstest.h"

static json_t *
rec_new(const char *requester, int required)
{
	return json_pack("{s:s, s:s, s:i, s:[], s:s}", "state", "pending",
	    "requester", requester, "required", required, "approved_by",
	    "key", "rel");
}

static void
test_vote_rules(void **state)
{
	struct zs_errbuf eb;
	json_t *rec = rec_new("uid:0", 2);

	(void)state;
	assert_int_equal(approvals_vote(rec, "uid:0", 1, &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "cannot approve"));
	assert_int_equal(approvals_vote(rec, "uid:1", 1, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
	    "pending");
	assert_int_equal(approvals_vote(rec, "uid:1", 1, &eb),
	    ZS_ERR_CONFLICT);
	assert_int_equal(approvals_vote(rec, "uid:2", 1, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
	    "approved");
	assert_int_equal(json_array_size(json_object_get(rec, "approved_by")),
	    2);
	/* Nothing more once decided. */
	assert_int_equal(approvals_vote(rec, "uid:3", 0, &eb),
	    ZS_ERR_CONFLICT);
	json_decref(rec);

	rec = rec_new("uid:0", 2);
	assert_int_equal(approvals_vote(rec, "uid:0", 0, &eb), ZS_ERR_DENIED);
	assert_int_equal(approvals_vote(rec, "uid:1", 1, &eb), 0);
	assert_int_equal(approvals_vote(rec, "uid:2", 0, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
	    "rejected");
	assert_string_equal(json_string_value(json_object_get(rec,
	    "rejected_by")), "uid:2");
	json_decref(rec);

	assert_true(approvals_id_valid("0123456789abcdef0123456789abcdef"));
	assert_false(approvals_id_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(approvals_id_valid("../../etc/passwd"));
	assert_false(approvals_id_valid(""));
}

static void
test_store(void **state)
{
	char dir[64], url[96], spool[96];
	char id[APPROVAL_ID_LEN], id2[APPROVAL_ID_LEN], cmd[160];
	struct store_opts so = { NULL, 1 };
	struct approvals *a;
	struct zs_errbuf eb;
	struct store *st;
	json_t *rec, *got, *all, *expired;
	uint8_t *body;
	size_t len;
	int exp;

	(void)state;
	assert_int_equal(zstest_mkdtemp(dir, sizeof(dir), "zs-test-approval"), 0);
	snprintf(url, sizeof(url), "sqlite:%s/state.db", dir);
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	assert_int_equal(store_open(url, &so, &st, &eb), 0);
	assert_int_equal(approvals_open(spool, st, &a, &eb), 0);
	rec = rec_new("uid:0", 1);
	assert_int_equal(approvals_create(a, rec, 1000, 60,
	    (const uint8_t *)"{}", 2, id, &eb), 0);
	json_decref(rec);
	rec = rec_new("uid:0", 1);
	assert_int_equal(approvals_create(a, rec, 1000, 5,
	    (const uint8_t *)"{\"x\":1}", 7, id2, &eb), 0);
	json_decref(rec);
	approvals_close(a);
	store_close(st);

	/* Reopened, as after a restart. */
	assert_int_equal(store_open(url, &so, &st, &eb), 0);
	assert_int_equal(approvals_open(spool, st, &a, &eb), 0);
	assert_int_equal(approvals_get(a, id, 1010, &got, &exp, &eb), 0);
	assert_false(exp);
	assert_string_equal(json_string_value(json_object_get(got, "state")),
	    "pending");
	assert_int_equal(approvals_body(a, id, &body, &len, &eb), 0);
	assert_int_equal(len, 2);
	free(body);
	assert_int_equal(approvals_vote(got, "uid:9", 1, &eb), 0);
	assert_int_equal(approvals_update(a, got, &eb), 0);
	json_decref(got);
	/* id2 expires at 1005: listing at 1010 expires it, once. */
	assert_int_equal(approvals_list(a, 1010, &all, &expired, &eb), 0);
	assert_int_equal(json_array_size(all), 2);
	assert_int_equal(json_array_size(expired), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(expired, 0), "id")), id2);
	json_decref(all);
	json_decref(expired);
	assert_int_equal(approvals_body(a, id2, &body, &len, &eb),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(approvals_get(a, id2, 1020, &got, &exp, &eb), 0);
	assert_false(exp);
	assert_string_equal(json_string_value(json_object_get(got, "state")),
	    "expired");
	json_decref(got);
	assert_int_equal(approvals_get(a, id, 1020, &got, &exp, &eb), 0);
	assert_string_equal(json_string_value(json_object_get(got, "state")),
	    "approved");
	json_decref(got);
	assert_int_equal(approvals_get(a, "0123456789abcdef0123456789abcdef",
	    1020, &got, &exp, &eb), ZS_ERR_NOT_FOUND);
	assert_int_equal(approvals_get(a, "../x", 1020, &got, &exp, &eb),
	    ZS_ERR_INVALID);
	approvals_close(a);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vote_rules),
		cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

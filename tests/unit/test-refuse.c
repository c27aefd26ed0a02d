/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/refuse.c: the table of refusal kinds agrees with
 * the wire statuses, handler codes find their kind, and refuse_record()
 * writes one audit line and one count per refusal (unauthenticated peers
 * in aggregate, 429 past their rate).
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
#include <cmocka.h>

#include <event2/buffer.h>

#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/metrics.h"
#include "daemon/policy.h"
#include "daemon/refagg.h"
#include "daemon/refuse.h"
#include "daemon/security.h"
#include "proto/proto.h"
#include "tests/zstest.h"

/* The value of the refusal series (reason, code) in m; 0 if absent. */
static unsigned long
refusals(struct metrics *m, const char *reason, const char *code)
{
	struct evbuffer *b = evbuffer_new();
	unsigned long n = 0;
	char want[128], *p;

	assert_non_null(b);
	assert_int_equal(metrics_render(m, NULL, b), 0);
	evbuffer_add(b, "", 1);
	snprintf(want, sizeof(want), "zsignd_refusals_total{reason=\"%s\","
	    "code=\"%s\"} ", reason, code);
	if ((p = strstr((char *)evbuffer_pullup(b, -1), want)) != NULL)
		n = strtoul(p + strlen(want), NULL, 10);
	evbuffer_free(b);
	return n;
}

/* The whole file at path, NUL-terminated, malloc'd. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 16);
	size_t n;

	assert_non_null(f);
	assert_non_null(s);
	n = fread(s, 1, (1 << 16) - 1, f);
	s[n] = '\0';
	fclose(f);
	return s;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* A Unix peer's identity. */
static void
unix_identity(struct policy_identity *id)
{
	policy_identity_init(id, "unix:pid=42");
	id->auth = POLICY_AUTH_UNIX;
	id->uid = 1000;
	snprintf(id->name, sizeof(id->name), "uid:1000");
}

/* Every kind: a refusal status matching the wire table, a unique reason. */
static void
test_table(void **state)
{
	const struct refuse_info *a, *b;
	int i, j;

	for (i = 0; i < REFUSE_NKINDS; i++) {
		a = refuse_info((enum refuse_kind)i);
		assert_non_null(a->reason);
		assert_true(a->code < 0);
		/* 405 is the one status its code ("invalid") does not give. */
		if (i == REFUSE_METHOD)
			assert_int_equal(a->status, 405);
		else
			assert_int_equal(a->status,
			    proto_http_status(a->code));
		assert_true((a->status >= 400 && a->status < 500) ||
		    a->status == 503);
		assert_true(a->result == AUDIT_REFUSED ||
		    a->result == AUDIT_FAILED);
		for (j = 0; j < i; j++) {
			b = refuse_info((enum refuse_kind)j);
			assert_string_not_equal(a->reason, b->reason);
		}
	}
	assert_int_equal(refuse_info(REFUSE_UNAUTH)->status, 401);
	assert_int_equal(refuse_info(REFUSE_CONFLICT)->status, 409);
	assert_int_equal(refuse_info(REFUSE_BUSY_BYTES)->status, 503);
}

/* Refusal codes find a kind of their status; server faults find none. */
static void
test_kind_of(void **state)
{
	enum refuse_kind k;
	int code, status;

	for (code = -1; code > -ZS_ERR_COUNT; code--) {
		status = proto_http_status(code);
		if (status == 500) {
			assert_int_equal(refuse_kind_of(code, &k), -1);
			continue;
		}
		assert_int_equal(refuse_kind_of(code, &k), 0);
		assert_int_equal(refuse_info(k)->status, status);
	}
	assert_int_equal(refuse_kind_of(0, &k), -1);
	assert_int_equal(refuse_kind_of(ZS_ERR_UNAUTH, &k), 0);
	assert_int_equal(k, REFUSE_UNAUTH);
	assert_int_equal(refuse_kind_of(ZS_ERR_USAGE, &k), 0);
	assert_int_equal(k, REFUSE_INVALID);
	assert_int_equal(refuse_kind_of(ZS_ERR_UNAVAILABLE, &k), 0);
	assert_int_equal(k, REFUSE_BACKEND);
}

/* One count per refusal, under its reason and the code answered. */
static void
test_record_counts(void **state)
{
	struct metrics *m = metrics_new();
	struct policy_identity id;
	struct refusal rf;

	assert_non_null(m);
	unix_identity(&id);
	assert_int_equal(refusals(m, "busy_bytes", "unavailable"), 0);
	rf = (struct refusal){ .kind = REFUSE_BUSY_BYTES, .message = "busy" };
	refuse_record(NULL, m, &id, &rf);
	assert_int_equal(rf.code, ZS_ERR_UNAVAILABLE);
	assert_int_equal(refusals(m, "busy_bytes", "unavailable"), 1);
	refuse_record(NULL, m, &id, &rf);
	assert_int_equal(refusals(m, "busy_bytes", "unavailable"), 2);
	assert_int_equal(refusals(m, "busy", "unavailable"), 0);
	/* A handler's precise code of the same status is kept ... */
	rf = (struct refusal){ .kind = REFUSE_INVALID, .code = ZS_ERR_USAGE,
	    .message = "imgtool: missing -v" };
	refuse_record(NULL, m, &id, &rf);
	assert_int_equal(rf.code, ZS_ERR_USAGE);
	assert_int_equal(refusals(m, "invalid", "usage"), 1);
	assert_int_equal(refusals(m, "invalid", "invalid"), 0);
	/* ... one of another status is not. */
	rf = (struct refusal){ .kind = REFUSE_NOT_FOUND,
	    .code = ZS_ERR_DENIED, .message = "no such endpoint" };
	refuse_record(NULL, m, &id, &rf);
	assert_int_equal(rf.code, ZS_ERR_NOT_FOUND);
	assert_int_equal(refusals(m, "not_found", "not_found"), 1);
	/* A worker's refusal, audited by the worker: counted only. */
	refuse_count(m, REFUSE_TOO_LARGE, ZS_ERR_TOO_LARGE);
	assert_int_equal(refusals(m, "too_large", "too_large"), 1);
	metrics_free(m);
}

/* An audit log in a temporary directory, its security context, metrics. */
struct fixture {
	char			 dir[32];
	char			 path[256];
	struct conf		 cfg;	/* empty */
	struct metrics		*m;
	struct policy		*pol;	/* of no configuration */
	struct security		*sec;
};

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct security_opts o;
	struct zs_errbuf eb;

	assert_non_null(f);
	assert_int_equal(zstest_mkdtemp(f->dir, sizeof(f->dir), "zs-refuse"), 0);
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	memset(&o, 0, sizeof(o));
	o.audit_path = f->path;
	assert_non_null(f->m = metrics_new());
	conf_init(&f->cfg);
	if (policy_new(&f->cfg, &f->pol, &eb) != 0 ||
	    security_new(&f->cfg, f->pol, &o, &f->sec, &eb) != 0)
		fail_msg("%s", eb.msg);
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	security_free(f->sec);
	policy_free(f->pol);
	conf_free(&f->cfg);
	metrics_free(f->m);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* An identified peer's refusal: one audit line, with its request id. */
static void
test_record_audits(void **state)
{
	struct fixture *f = *state;
	struct policy_identity id;
	struct refusal rf;
	char *log;

	unix_identity(&id);
	id.policy = f->pol;
	rf = (struct refusal){ .kind = REFUSE_CONFLICT, .message = "the "
	    "request is approved, not pending", .request = "0123456789abcdef"
	    "0123456789abcdef" };
	refuse_record(f->sec, f->m, &id, &rf);
	log = slurp(f->path);
	assert_int_equal(count_lines(log), 1);
	assert_non_null(strstr(log, "\"result\":\"refused\""));
	assert_non_null(strstr(log, "\"error\":\"conflict\""));
	assert_non_null(strstr(log, "\"identity\":\"uid:1000\""));
	assert_non_null(strstr(log, "\"request\":\"0123456789abcdef"));
	assert_non_null(strstr(log, "not pending"));
	free(log);
	rf = (struct refusal){ .kind = REFUSE_BUSY, .message = "busy" };
	refuse_record(f->sec, f->m, &id, &rf);
	log = slurp(f->path);
	assert_int_equal(count_lines(log), 2);
	assert_non_null(strstr(strchr(log, '\n') + 1,
	    "\"result\":\"failed\""));
	free(log);
	assert_int_equal(refusals(f->m, "conflict", "conflict"), 1);
	assert_int_equal(refusals(f->m, "busy", "unavailable"), 1);
}

/*
 * Unauthenticated: the first refusal gets its line at once, the rest one
 * aggregate line at the flush; past REFAGG_RATE a second, 429 (flood).
 * Every one is counted once.
 */
static void
test_record_anonymous(void **state)
{
	struct fixture *f = *state;
	struct policy_identity id;
	struct refusal rf;
	unsigned long unauth, flood;
	char *log, want[32];
	/* Past the rate even if the loop straddles a second: 2 windows. */
	int i, n = 3 * REFAGG_RATE;

	policy_identity_init(&id, "192.0.2.7:4242");
	id.policy = f->pol;
	assert_int_equal(id.auth, POLICY_AUTH_NONE);
	for (i = 0; i < n; i++) {
		rf = (struct refusal){ .kind = REFUSE_UNAUTH, .message =
		    "not authenticated: unknown bearer token" };
		refuse_record(f->sec, f->m, &id, &rf);
		assert_true(rf.kind == REFUSE_UNAUTH ||
		    rf.kind == REFUSE_FLOOD);
		assert_int_equal(rf.code, rf.kind == REFUSE_UNAUTH ?
		    ZS_ERR_UNAUTH : ZS_ERR_LIMIT);
	}
	unauth = refusals(f->m, "unauthenticated", "unauthenticated");
	flood = refusals(f->m, "flood", "rate_limited");
	assert_int_equal(unauth + flood, n);
	/* One or two seconds' worth pass under the rate; the rest are 429. */
	assert_true(unauth >= REFAGG_RATE && unauth <= 2 * REFAGG_RATE);
	assert_true(flood >= (unsigned long)n - 2 * REFAGG_RATE);
	log = slurp(f->path);
	assert_int_equal(count_lines(log), 1);
	assert_non_null(strstr(log, "\"identity\":\"anonymous\""));
	assert_non_null(strstr(log, "\"error\":\"unauthenticated\""));
	free(log);
	security_flush(f->sec);
	log = slurp(f->path);
	assert_int_equal(count_lines(log), 2);
	/* Every refusal after the first, flooded ones too. */
	snprintf(want, sizeof(want), "\"count\":%d,", n - 1);
	assert_non_null(strstr(strchr(log, '\n') + 1, want));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_kind_of),
		cmocka_unit_test(test_record_counts),
		cmocka_unit_test_setup_teardown(test_record_audits,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_record_anonymous,
		    fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/metrics.c: counters by label set, cumulative
 * histograms, label escaping, the series cap, reloads, key availability
 * and exact totals under concurrent updates.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "daemon/acl.h"
#include "daemon/metrics.h"
#include "daemon/policy.h"
#include "keystore/keystore.h"

/* Render m into a NUL-terminated malloc'd string. */
static char *
render(struct metrics *m, const struct keyring *kr)
{
	struct evbuffer *eb = evbuffer_new();
	size_t n;
	char *s;

	assert_non_null(eb);
	assert_int_equal(metrics_render(m, kr, eb), 0);
	n = evbuffer_get_length(eb);
	s = malloc(n + 1);
	assert_non_null(s);
	evbuffer_remove(eb, s, n);
	s[n] = '\0';
	evbuffer_free(eb);
	return s;
}

/* The value of the sample whose name and labels are exactly prefix. */
static long long
sample(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static void
test_counters(void **state)
{
	struct metrics *m = metrics_new();
	char *t;

	(void)state;
	t = render(m, NULL);
	assert_int_equal(sample(t, "zsignd_requests_in_flight"), 0);
	assert_null(strstr(t, "zsignd_requests_total{"));
	assert_non_null(strstr(t, "# TYPE zsignd_requests_total counter\n"));
	assert_non_null(strstr(t,
	    "# TYPE zsignd_request_duration_seconds histogram\n"));
	free(t);

	metrics_request_begin(m);
	metrics_request_begin(m);
	metrics_request_begin(m);
	t = render(m, NULL);
	assert_int_equal(sample(t, "zsignd_requests_in_flight"), 3);
	free(t);
	metrics_request_end(m, "imgtool", "dev", "ok", 0.003, 1000);
	metrics_request_end(m, "imgtool", "dev", "ok", 0.2, 24);
	metrics_request_end(m, "rimage", "", "bad_format", 20.0, 0);
	t = render(m, NULL);
	assert_int_equal(sample(t, "zsignd_requests_in_flight"), 0);
	assert_int_equal(sample(t, "zsignd_requests_total{tool=\"imgtool\","
	    "key=\"dev\",result=\"ok\"}"), 2);
	assert_int_equal(sample(t, "zsignd_requests_total{tool=\"rimage\","
	    "key=\"\",result=\"bad_format\"}"), 1);
	assert_int_equal(sample(t, "zsignd_signed_bytes_total{tool=\"imgtool\","
	    "key=\"dev\"}"), 1024);
	/* Failures sign nothing: no bytes series for them. */
	assert_null(strstr(t, "zsignd_signed_bytes_total{tool=\"rimage\""));
	/* Buckets are cumulative; 20 s only lands in +Inf. */
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"imgtool\",le=\"0.005\"}"), 1);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"imgtool\",le=\"0.1\"}"), 1);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"imgtool\",le=\"0.25\"}"), 2);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"imgtool\",le=\"+Inf\"}"), 2);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_count"
	    "{tool=\"imgtool\"}"), 2);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"rimage\",le=\"10\"}"), 0);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_bucket"
	    "{tool=\"rimage\",le=\"+Inf\"}"), 1);
	assert_non_null(strstr(t, "zsignd_request_duration_seconds_sum"
	    "{tool=\"rimage\"} 20.000000\n"));
	free(t);
	metrics_free(m);
	metrics_free(NULL);
}

static void
test_escape_and_cap(void **state)
{
	struct metrics *m = metrics_new();
	char key[METRICS_LABEL_MAX * 2], want[256];
	char *t;
	int i;

	(void)state;
	metrics_request_begin(m);
	metrics_request_end(m, "imgtool", "a\"b\\c\nd", "ok", 0, 1);
	t = render(m, NULL);
	assert_non_null(strstr(t,
	    "key=\"a\\\"b\\\\c\\nd\",result=\"ok\"} 1\n"));
	free(t);

	/* Over-long labels are cut and still count as one series. */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	metrics_request_end(m, "imgtool", key, "ok", 0, 1);
	metrics_request_end(m, "imgtool", key, "ok", 0, 1);
	t = render(m, NULL);
	snprintf(want, sizeof(want), "key=\"%.*s\",result=\"ok\"} 2\n",
	    METRICS_LABEL_MAX, key);
	assert_non_null(strstr(t, want));
	free(t);

	/* Past the cap every new label set folds into one series. */
	for (i = 0; i < METRICS_SERIES_MAX + 10; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		metrics_request_end(m, "imgtool", key, "ok", 0, 1);
	}
	for (i = 0; i < METRICS_TOOLS_MAX + 3; i++) {
		snprintf(key, sizeof(key), "tool%d", i);
		metrics_request_end(m, key, "k", "ok", 0, 1);
	}
	t = render(m, NULL);
	/* 2 series so far + cap-2 keyN, then 12 keyN and 11 toolN fold. */
	assert_int_equal(sample(t, "zsignd_requests_total{tool=\"_other\","
	    "key=\"_other\",result=\"_other\"}"), 12 + METRICS_TOOLS_MAX + 3);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_count"
	    "{tool=\"_other\"}"), 4);
	free(t);
	metrics_free(m);
}

static void
test_reload(void **state)
{
	struct metrics *m = metrics_new();
	char *t;

	(void)state;
	t = render(m, NULL);
	assert_int_equal(sample(t, "zsignd_config_last_reload_successful"), 1);
	assert_true(sample(t, "process_start_time_seconds") > 1600000000);
	free(t);
	metrics_reload(m, 1);
	metrics_reload(m, 0);
	t = render(m, NULL);
	assert_int_equal(sample(t,
	    "zsignd_config_reloads_total{result=\"ok\"}"), 1);
	assert_int_equal(sample(t,
	    "zsignd_config_reloads_total{result=\"failed\"}"), 1);
	assert_int_equal(sample(t, "zsignd_config_last_reload_successful"), 0);
	free(t);
	metrics_free(m);
}

static void
test_keys(void **state)
{
	struct metrics *m = metrics_new();
	struct keyring *kr = keyring_new();
	struct zs_errbuf eb;
	struct zs_key *k;
	char *t;

	(void)state;
	assert_int_equal(zs_key_load("dev", ZS_TOP_SRCDIR
	    "/tests/keys/test-ecdsa-p256.pem", NULL, &k, &eb), 0);
	assert_int_equal(keyring_add(kr, k), 0);
	t = render(m, kr);
	assert_int_equal(sample(t, "zsignd_keys"), 1);
	assert_int_equal(sample(t, "zsignd_key_available{key=\"dev\","
	    "backend=\"file\",type=\"ecdsa-p256\"}"), 1);
	free(t);
	keyring_free(kr);
	metrics_free(m);
}

/* Updates per thread in test_threads. */
#define THREAD_ROUNDS	20000
/* Threads in test_threads. */
#define THREADS		4

static void *
hammer(void *arg)
{
	struct metrics *m = arg;
	int i;

	for (i = 0; i < THREAD_ROUNDS; i++) {
		metrics_request_begin(m);
		metrics_request_end(m, "imgtool", i % 2 ? "a" : "b", "ok",
		    0.001, 3);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct metrics *m = metrics_new();
	pthread_t th[THREADS];
	char *t;
	int i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, hammer, m), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	t = render(m, NULL);
	assert_int_equal(sample(t, "zsignd_requests_total{tool=\"imgtool\","
	    "key=\"a\",result=\"ok\"}"), THREADS * THREAD_ROUNDS / 2);
	assert_int_equal(sample(t, "zsignd_signed_bytes_total{tool=\"imgtool\","
	    "key=\"b\"}"), 3LL * THREADS * THREAD_ROUNDS / 2);
	assert_int_equal(sample(t, "zsignd_request_duration_seconds_count"
	    "{tool=\"imgtool\"}"), THREADS * THREAD_ROUNDS);
	assert_int_equal(sample(t, "zsignd_requests_in_flight"), 0);
	free(t);
	metrics_free(m);
}

/*
 * Parse the "allow" of a "metrics" member (JSON text, or NULL for none), as
 * conf.c hands it over; conf.c itself rejects other members and types.
 */
static struct acl *
acl(const char *conf, int want)
{
	struct acl *a = NULL;
	struct zs_errbuf eb;
	json_t *j = NULL;

	if (conf != NULL) {
		j = json_loads(conf, 0, NULL);
		assert_non_null(j);
	}
	assert_int_equal(metrics_acl_new(json_object_get(j, "allow"), &a, &eb),
	    want);
	json_decref(j);
	return a;
}

static void
id_unix(struct policy_identity *id, unsigned uid, unsigned gid,
    unsigned group)
{
	memset(id, 0, sizeof(*id));
	id->auth = POLICY_AUTH_UNIX;
	id->uid = uid;
	id->gid = gid;
	id->groups[0] = group;
	id->ngroups = 1;
}

static void
test_acl(void **state)
{
	static const char *const bad[] = {
		"{\"allow\": [1]}",
		"{\"allow\": [\"unixx\"]}", "{\"allow\": [\"cert:\"]}",
		"{\"allow\": [\"uid:no-such-user-zsign\"]}",
		"{\"allow\": [\"gid:no-such-group-zsign\"]}",
		"{\"allow\": [\"host:x\"]}",
	};
	struct policy_identity u, c, t, none;
	struct acl *a;
	size_t i;

	(void)state;
	id_unix(&u, 1000, 100, 27);
	memset(&c, 0, sizeof(c));
	c.auth = POLICY_AUTH_CERT;
	strcpy(c.certnames[1], "prometheus");
	c.ncertnames = 2;
	memset(&t, 0, sizeof(t));
	t.auth = POLICY_AUTH_TOKEN;
	strcpy(t.token, "scraper");
	memset(&none, 0, sizeof(none));
	none.auth = POLICY_AUTH_NONE;

	/* Default: Unix peers only. */
	a = acl(NULL, 0);
	assert_true(acl_allows(a, &u));
	assert_false(acl_allows(a, &c));
	assert_false(acl_allows(a, &t));
	acl_free(a);
	a = acl("{}", 0);
	assert_true(acl_allows(a, &u));
	acl_free(a);

	a = acl("{\"allow\": []}", 0);
	assert_false(acl_allows(a, &u));
	acl_free(a);

	a = acl("{\"allow\": [\"uid:0\", \"gid:27\", \"cert:prometheus\"]}",
	    0);
	assert_true(acl_allows(a, &u));		/* by group 27 */
	assert_true(acl_allows(a, &c));
	assert_false(acl_allows(a, &t));
	u.groups[0] = 28;
	assert_false(acl_allows(a, &u));
	u.uid = 0;
	assert_true(acl_allows(a, &u));
	acl_free(a);

	a = acl("{\"allow\": [\"token:scraper\", \"uid:root\"]}", 0);
	assert_true(acl_allows(a, &t));
	strcpy(t.token, "other");
	assert_false(acl_allows(a, &t));
	acl_free(a);

	/* "any" is any authenticated identity, never an unauthenticated one. */
	a = acl("{\"allow\": [\"any\"]}", 0);
	assert_true(acl_allows(a, &c));
	assert_false(acl_allows(a, &none));
	acl_free(a);
	assert_false(acl_allows(NULL, &u));

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(acl(bad[i], ZS_ERR_INVALID));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_escape_and_cap),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_acl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

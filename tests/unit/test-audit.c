/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/audit.c: chain writing, reopening, tamper checks. */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileset.h"
#include "common/util.h"
#include "common/zserr.h"
#include "daemon/audit.h"
#include "keystore/keystore.h"
#include "tests/zstest.h"

/* Appends per thread in the concurrency test. */
#define TEST_THREAD_APPENDS	50
#define TEST_THREADS		4

struct fixture {
	char	dir[64];
	char	path[96];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (zstest_mkdtemp(f->dir, sizeof(f->dir), "zs-test-audit") != 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
append_one(struct audit *a, const char *who, enum audit_result res, int err)
{
	struct zs_errbuf eb;
	struct fileset *in = fileset_new();
	struct audit_record rec = {
		.identity = who, .auth = "unix", .peer = "unix:pid=1",
		.key = "dev", .key_fingerprint = "SHA256:00", .tool = "imgtool",
		.inputs = in, .result = res, .error = err, .ms = 3,
	};

	assert_int_equal(fileset_add(in, "zephyr.bin", (const uint8_t *)"abc",
	    3), 0);
	assert_int_equal(audit_append(a, &rec, &eb), 0);
	fileset_free(in);
}

static char *__attribute__((noinline))
slurp(const char *path, size_t *lenp)
{
	uint8_t *d = NULL;

	if (zs_file_read(path, 1 << 20, &d, lenp) != 0)
		fail_msg("cannot read %s", path);
	return (char *)d;
}

static void
spit(const char *path, const char *d, size_t len)
{
	assert_int_equal(zs_file_write_atomic(path, (const uint8_t *)d, len,
	    0600), 0);
}

static void
test_chain_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct audit *a;
	unsigned long long n;
	char *d, hex[65];
	size_t len;
	FILE *devnull = fopen("/dev/null", "w");

	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	append_one(a, "uid:1", AUDIT_OK, 0);
	append_one(a, "uid:2", AUDIT_REFUSED, ZS_ERR_DENIED);
	assert_int_equal(audit_count(a), 2);
	audit_close(a);

	/* A reopened log continues the same chain. */
	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	assert_int_equal(audit_count(a), 2);
	append_one(a, "uid:3", AUDIT_FAILED, ZS_ERR_IO);
	/* Reopening (SIGHUP) continues the chain too. */
	assert_int_equal(audit_reopen(a, &eb), 0);
	assert_int_equal(audit_count(a), 3);
	append_one(a, "uid:4", AUDIT_OK, 0);
	audit_close(a);

	d = slurp(f->path, &len);
	assert_int_equal(audit_verify_buf((uint8_t *)d, len, &n, &eb), 0);
	assert_int_equal(n, 4);
	assert_non_null(strstr(d, "\"seq\":1,"));
	assert_non_null(strstr(d, "\"prev\":\"" AUDIT_GENESIS "\""));
	assert_non_null(strstr(d, "\"error\":\"forbidden\""));
	assert_non_null(strstr(d, "\"result\":\"refused\""));
	/* The input is recorded by its SHA-256. */
	zs_sha256_hex((const uint8_t *)"abc", 3, hex);
	assert_non_null(strstr(d, hex));
	assert_int_equal(audit_verify_file(f->path, NULL, devnull, &eb), 0);
	free(d);
	fclose(devnull);
}

static void
test_tamper_detected(void **state)
{
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct audit *a;
	unsigned long long n;
	char *d, *p, *l2, *l3;
	size_t len;
	FILE *devnull = fopen("/dev/null", "w");

	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	append_one(a, "uid:1000", AUDIT_OK, 0);
	append_one(a, "uid:1000", AUDIT_OK, 0);
	append_one(a, "uid:1000", AUDIT_OK, 0);
	audit_close(a);
	d = slurp(f->path, &len);

	/* Change one character of line 2: line 3's link breaks. */
	l2 = strchr(d, '\n') + 1;
	p = strstr(l2, "uid:1000");
	p[4] = '0';
	assert_int_equal(audit_verify_buf((uint8_t *)d, len, &n, &eb),
	    ZS_ERR_VERIFY);
	assert_int_equal(n, 2);
	assert_non_null(strstr(eb.msg, "line 3"));
	spit(f->path, d, len);
	assert_int_equal(audit_verify_file(f->path, NULL, devnull, &eb),
	    ZS_ERR_VERIFY);
	p[4] = '1';

	/* Remove line 2: the sequence numbers give it away. */
	l3 = strchr(l2, '\n') + 1;
	memmove(l2, l3, len - (size_t)(l3 - d));
	assert_int_equal(audit_verify_buf((uint8_t *)d,
	    len - (size_t)(l3 - l2), &n, &eb), ZS_ERR_VERIFY);
	assert_int_equal(n, 1);
	assert_non_null(strstr(eb.msg, "sequence"));

	/* A cut-off last line is reported, and refused when opening. */
	assert_int_equal(audit_verify_buf((uint8_t *)d, 10, &n, &eb),
	    ZS_ERR_VERIFY);
	spit(f->path, d, (size_t)(l2 - d) + 10);
	assert_int_equal(audit_open(f->path, &a, &eb), ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "incomplete"));
	free(d);
	fclose(devnull);
}

static void
test_garbage_refused(void **state)
{
	static const char *const bad[] = {
		"\n", "[]\n", "{}\n", "{\"seq\":1}\n",
		"{\"seq\":2,\"prev\":\"" AUDIT_GENESIS "\"}\n",
		"{\"seq\":1,\"prev\":\"00\"}\n",
		"{\"seq\":1,\"seq\":1,\"prev\":\"" AUDIT_GENESIS "\"}\n",
	};
	struct zs_errbuf eb;
	unsigned long long n;
	size_t i;
	const char *good = "{\"seq\":1,\"prev\":\"" AUDIT_GENESIS "\"}\n";

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(audit_verify_buf((const uint8_t *)bad[i],
		    strlen(bad[i]), &n, &eb), ZS_ERR_VERIFY);
	assert_int_equal(audit_verify_buf((const uint8_t *)good, strlen(good),
	    &n, &eb), 0);
	assert_int_equal(n, 1);
	assert_int_equal(audit_verify_buf((const uint8_t *)"", 0, &n, &eb), 0);
	assert_int_equal(n, 0);
}

static void
test_unwritable_fails_closed(void **state)
{
	struct zs_errbuf eb;
	struct audit *a;
	struct audit_record rec = { .identity = "uid:0", .result = AUDIT_OK,
	    .ms = -1 };

	(void)state;
	/* /dev/full: every write fails with ENOSPC. */
	assert_int_equal(audit_open("/dev/full", &a, &eb), 0);
	assert_int_equal(audit_append(a, &rec, &eb), ZS_ERR_IO);
	assert_non_null(strstr(eb.msg, "refusing to sign"));
	assert_int_equal(audit_append(a, &rec, &eb), ZS_ERR_IO);
	assert_int_equal(audit_count(a), 0);
	audit_close(a);
	assert_int_equal(audit_open("/nonexistent/dir/audit.log", &a, &eb),
	    ZS_ERR_IO);
}

static void
test_fields_sanitized(void **state)
{
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct audit *a;
	struct audit_record rec = { .identity = "cert:evil\n\x1b[31m\xff",
	    .message = "two\nlines", .result = AUDIT_REFUSED,
	    .error = ZS_ERR_DENIED, .ms = -1 };
	unsigned long long n;
	char *d;
	size_t len;

	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	assert_int_equal(audit_append(a, &rec, &eb), 0);
	audit_close(a);
	d = slurp(f->path, &len);
	assert_int_equal(audit_verify_buf((uint8_t *)d, len, &n, &eb), 0);
	assert_int_equal(n, 1);
	/* Escaped, not replaced: JSON doubles the backslash. */
	assert_non_null(strstr(d, "\"cert:evil\\\\x0a\\\\x1b[31m\\\\xff\""));
	assert_non_null(strstr(d, "\"two\\\\x0alines\""));
	assert_null(strstr(d, "\"ms\""));
	free(d);
}

/* Replace the first "from" after p by "to" (same length) in place. */
static void
patch(char *p, const char *from, const char *to)
{
	char *q = strstr(p, from);

	assert_non_null(q);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(q, to, strlen(to));
}

/* The SHA-256 hex of the line starting at p (without its newline). */
static void
line_hash(const char *p, char hex[65])
{
	zs_sha256_hex((const uint8_t *)p, (size_t)(strchr(p, '\n') - p), hex);
}

static void
test_checkpoints_signed(void **state)
{
	static const char *const keys[] = { "test-ed25519.pem",
	    "test-ecdsa-p256.pem", "test-rsa-2048.pem" };
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct zs_key *key, *other;
	struct audit *a;
	char path[512], *d, *l3, *l4, *l5, h3[65], h3new[65], forged[8192];
	size_t len, i;
	FILE *devnull = fopen("/dev/null", "w");

	snprintf(path, sizeof(path), "%s/tests/keys/test-rsa3072-a.pem",
	    ZS_TOP_SRCDIR);
	assert_int_equal(zs_key_load("other", path, NULL, &other, &eb), 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		unlink(f->path);
		snprintf(path, sizeof(path), "%s/tests/keys/%s",
		    ZS_TOP_SRCDIR, keys[i]);
		assert_int_equal(zs_key_load("audit", path, NULL, &key, &eb),
		    0);
		assert_int_equal(audit_open(f->path, &a, &eb), 0);
		assert_int_equal(audit_set_key(a, key, &eb), 0);
		append_one(a, "uid:1000", AUDIT_OK, 0);
		append_one(a, "uid:1000", AUDIT_OK, 0);
		append_one(a, "uid:1000", AUDIT_OK, 0);
		assert_int_equal(audit_checkpoint(a, &eb), 0);
		/* Nothing new: no second checkpoint. */
		assert_int_equal(audit_checkpoint(a, &eb), 0);
		audit_close(a);
		assert_int_equal(audit_verify_file(f->path,
		    zs_key_public(key), devnull, &eb), 0);
		/* Another key's public half: the signature fails. */
		assert_int_equal(audit_verify_file(f->path,
		    zs_key_public(other), devnull, &eb), ZS_ERR_VERIFY);
		assert_non_null(strstr(eb.msg, "line 4: checkpoint"));
		d = slurp(f->path, &len);
		l3 = strchr(strchr(d, '\n') + 1, '\n') + 1;
		l4 = strchr(l3, '\n') + 1;
		assert_non_null(strstr(l4, "\"event\":\"checkpoint\""));
		assert_int_equal(strlen(l4), strchr(l4, '\n') - l4 + 1);

		/* Line 3 changed and the chain recomputed: caught. */
		line_hash(l3, h3);
		patch(l3, "uid:1000", "uid:1001");
		line_hash(l3, h3new);
		patch(l4, h3, h3new);
		spit(f->path, d, len);
		assert_int_equal(audit_verify_file(f->path, NULL, devnull,
		    &eb), 0);
		assert_int_equal(audit_verify_file(f->path,
		    zs_key_public(key), devnull, &eb), ZS_ERR_VERIFY);
		assert_non_null(strstr(eb.msg, "signature does not verify"));
		patch(l3, "uid:1001", "uid:1000");
		patch(l4, h3new, h3);

		/* A forged line appended with a good chain: not signed. */
		line_hash(l4, h3);
		snprintf(forged, sizeof(forged), "%s{\"seq\":5,\"result\":"
		    "\"ok\",\"prev\":\"%s\"}\n", d, h3);
		free(d);
		spit(f->path, forged, strlen(forged));
		assert_int_equal(audit_verify_file(f->path, NULL, devnull,
		    &eb), 0);
		assert_int_equal(audit_verify_file(f->path,
		    zs_key_public(key), devnull, &eb), ZS_ERR_VERIFY);
		assert_non_null(strstr(eb.msg, "lines 5 to 5 follow"));
		/* The forged line's own "checkpoint": no valid signature. */
		l5 = strrchr(forged, '{');
		snprintf(l5, sizeof(forged) - (size_t)(l5 - forged),
		    "{\"seq\":5,\"time\":\"x\",\"event\":\"checkpoint\","
		    "\"signature\":\"AAAA\",\"prev\":\"%s\"}\n", h3);
		spit(f->path, forged, strlen(forged));
		assert_int_equal(audit_verify_file(f->path,
		    zs_key_public(key), devnull, &eb), ZS_ERR_VERIFY);
		assert_non_null(strstr(eb.msg, "line 5: checkpoint"));
		zs_key_free(key);
	}
	zs_key_free(other);
	fclose(devnull);
}

/* A checkpoint follows every AUDIT_CHECKPOINT_EVERY records. */
static void
test_checkpoints_periodic(void **state)
{
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct zs_key *key;
	struct audit *a;
	char path[512], *d, *p;
	size_t len, i, n = 0;
	FILE *devnull = fopen("/dev/null", "w");

	snprintf(path, sizeof(path), "%s/tests/keys/test-ed25519.pem",
	    ZS_TOP_SRCDIR);
	assert_int_equal(zs_key_load("audit", path, NULL, &key, &eb), 0);
	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	assert_int_equal(audit_set_key(a, key, &eb), 0);
	for (i = 0; i < AUDIT_CHECKPOINT_EVERY + 5; i++)
		append_one(a, "uid:1000", AUDIT_OK, 0);
	d = slurp(f->path, &len);
	for (p = d; (p = strstr(p, "\"checkpoint\"")) != NULL; p++)
		n++;
	assert_int_equal(n, 1);
	free(d);
	/* Without the closing one, the last 5 are not covered. */
	assert_int_equal(audit_verify_file(f->path, zs_key_public(key),
	    devnull, &eb), ZS_ERR_VERIFY);
	assert_int_equal(audit_checkpoint(a, &eb), 0);
	audit_close(a);
	assert_int_equal(audit_verify_file(f->path, zs_key_public(key),
	    devnull, &eb), 0);
	zs_key_free(key);
	fclose(devnull);
}

static void *
appender(void *arg)
{
	int i;

	for (i = 0; i < TEST_THREAD_APPENDS; i++)
		append_one(arg, "uid:7", AUDIT_OK, 0);
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct zs_errbuf eb;
	struct audit *a;
	pthread_t t[TEST_THREADS];
	unsigned long long n;
	char *d;
	size_t len;
	int i;

	assert_int_equal(audit_open(f->path, &a, &eb), 0);
	for (i = 0; i < TEST_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, appender, a), 0);
	for (i = 0; i < TEST_THREADS; i++)
		pthread_join(t[i], NULL);
	audit_close(a);
	d = slurp(f->path, &len);
	assert_int_equal(audit_verify_buf((uint8_t *)d, len, &n, &eb), 0);
	assert_int_equal(n, TEST_THREADS * TEST_THREAD_APPENDS);
	free(d);
}

/*
 * An output's digest is the one its engine noted while hashing the image
 * (fileset_set_sha256), not hashed a second time; files without a note
 * are hashed here.
 */
static void
test_noted_digest(void **state)
{
	struct fileset *in = fileset_new(), *out = fileset_new();
	struct audit_record rec = {
		.identity = "uid:1", .auth = "unix", .tool = "imgtool",
		.inputs = in, .outputs = out, .result = AUDIT_OK, .ms = 1,
	};
	uint8_t md[ZS_FILESET_SHA256_LEN];
	char hex[65], *j;

	(void)state;
	assert_int_equal(fileset_add(in, "in.bin", (const uint8_t *)"abc", 3),
	    0);
	assert_int_equal(fileset_add(out, "out.bin", (const uint8_t *)"abc",
	    3), 0);
	assert_int_equal(fileset_add(out, "s.b64", (const uint8_t *)"xyz",
	    3), 0);
	/* A note no fresh hash could give: the record must carry it. */
	memset(md, 0x11, sizeof(md));
	assert_int_equal(fileset_set_sha256(out, "out.bin", md), 0);
	assert_non_null(j = audit_record_json(&rec));
	zs_sha256_hex((const uint8_t *)"abc", 3, hex);
	assert_non_null(strstr(j, "\"in.bin\":\"" ));
	assert_non_null(strstr(j, hex));
	assert_non_null(strstr(j, "\"out.bin\":\"1111111111111111111111"
	    "111111111111111111111111111111111111111111\""));
	zs_sha256_hex((const uint8_t *)"xyz", 3, hex);
	assert_non_null(strstr(j, hex));
	free(j);
	fileset_free(in);
	fileset_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_and_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_detected, setup,
		    teardown),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_noted_digest),
		cmocka_unit_test(test_unwritable_fails_closed),
		cmocka_unit_test_setup_teardown(test_fields_sanitized, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_signed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_periodic,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

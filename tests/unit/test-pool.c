/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/pool.c: jobs run on a worker and come back on the
 * loop thread, jobs never started are dropped at pool_free(), and after
 * pool_malloc_tune() request-sized buffers freed and made again are not
 * faulted in again page by page.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/pool.h"

/* Jobs of the first test. */
#define NJOBS		64
/* Buffers of one round: a 256 KiB request's body, image and reply. */
#define NBUFS		3
/* Size of each: above glibc's 128 KiB defaults, below the mmap threshold. */
#define BUFLEN		(300 * 1024)

/* Has the build AddressSanitizer (its allocator ignores mallopt)? */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN	1
#endif
#endif

struct counts {
	int			 ran[NJOBS];
	int			 done, dropped;
	struct event_base	*base;
};

struct tjob {
	struct counts	*c;
	int		 i;
};

static void
job_run(void *arg)
{
	struct tjob *j = arg;

	j->c->ran[j->i]++;
}

static void
job_done(void *arg)
{
	struct tjob *j = arg;

	if (++j->c->done == NJOBS)
		event_base_loopbreak(j->c->base);
}

static void
job_drop(void *arg)
{
	struct tjob *j = arg;

	j->c->dropped++;
}

/* Every job runs once and is handed back once, on the loop thread. */
static void
test_pool_jobs(void **state)
{
	struct tjob jobs[NJOBS];
	struct counts c;
	struct pool *p;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(evthread_use_pthreads(), 0);
	assert_non_null(c.base = event_base_new());
	p = pool_new(c.base, 2, job_run, job_done, job_drop);
	for (i = 0; i < NJOBS; i++) {
		jobs[i].c = &c;
		jobs[i].i = i;
		pool_submit(p, &jobs[i]);
	}
	assert_int_equal(event_base_loop(c.base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
	pool_free(p);
	assert_int_equal(c.done, NJOBS);
	assert_int_equal(c.dropped, 0);
	for (i = 0; i < NJOBS; i++)
		assert_int_equal(c.ran[i], 1);
	event_base_free(c.base);
}

/* ASan's allocator has no glibc heap to tune. */
#ifndef TEST_ASAN
/* Minor page faults of this process so far. */
static long
minflt(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

/* One request's worth of buffers: made, written, freed; its faults. */
static long
round_faults(void)
{
	uint8_t *b[NBUFS];
	long f0 = minflt();
	int i;

	for (i = 0; i < NBUFS; i++) {
		assert_non_null(b[i] = malloc(BUFLEN));
		memset(b[i], i + 1, BUFLEN);
	}
	for (i = NBUFS - 1; i >= 0; i--)
		free(b[i]);
	return minflt() - f0;
}

/*
 * With glibc's trim threshold of 128 KiB the heap went back to the kernel
 * after each round and the next round faulted in all its pages again
 * (3 x 75); tuned, a round reuses the heap as it is.
 */
static void
test_pool_malloc_tune(void **state)
{
	long f;
	int i;

	(void)state;
	pool_malloc_tune();
	for (i = 0; i < 3; i++)
		(void)round_faults();
	f = round_faults();
	assert_true(f < NBUFS * BUFLEN / 4096 / 4);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
#ifndef TEST_ASAN
		cmocka_unit_test(test_pool_malloc_tune),
#endif
		cmocka_unit_test(test_pool_jobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

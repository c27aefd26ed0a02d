/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fixed pool of worker threads. Jobs run on a worker; their completion
 * is handed back to the event-loop thread (event_active on a libevent
 * event), so that all libevent calls stay on the loop thread.
 */
#ifndef ZS_POOL_H
#define ZS_POOL_H

#include <event2/event.h>

struct pool;

/*
 * Buffers from this size up (the bodies and images of large requests) are
 * always mapped, and unmapped when freed: glibc's adaptive threshold would
 * move them onto the heaps after the first one is freed, where they stay.
 * 256 KiB requests stay below it, on the heap.
 */
#define POOL_MMAP_THRESHOLD	(1024 * 1024)
/*
 * Free memory a heap keeps at its top before it is given back. glibc's
 * default (128 KiB, and fixed once the mmap threshold is set) gave a
 * worker's heap back after every 256 KiB request, and the next request
 * faulted it in again page by page: a sixth of zsignd's CPU at 16
 * connections. Large buffers are mapped, so this bounds what small
 * requests keep.
 */
#define POOL_TRIM_THRESHOLD	(4 * POOL_MMAP_THRESHOLD)

/* Runs on a worker thread. */
typedef void	pool_run_fn(void *arg);
/* Runs on the loop thread when the job has run (done) or never will (drop). */
typedef void	pool_done_fn(void *arg);

/*
 * Start nthreads workers. evthread_use_pthreads() must have been called
 * before base was made.
 */
struct pool	*pool_new(struct event_base *base, unsigned int nthreads,
		    pool_run_fn *run, pool_done_fn *done, pool_done_fn *drop);
/* Queue arg for a worker (loop thread only). */
void		 pool_submit(struct pool *p, void *arg);
/*
 * Stop the workers: jobs not yet started are dropped, running ones are
 * waited for; finished jobs not yet handed back are dropped too.
 */
void		 pool_free(struct pool *p);

/*
 * Set the allocator's thresholds for workers that build and free
 * request-sized buffers (POOL_MMAP_THRESHOLD, POOL_TRIM_THRESHOLD); call
 * once at start-up, before any thread.
 */
void		 pool_malloc_tune(void);

#endif /* ZS_POOL_H */

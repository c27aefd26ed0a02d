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

#endif /* ZS_POOL_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker threads behind one mutex and two queues: "todo" (loop -> workers)
 * and "done" (workers -> loop, announced with event_active()).
 */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/pool.h"

struct job {
	void		*arg;
	struct job	*next;
};

/* A FIFO of jobs. */
struct jobq {
	struct job	*head;
	struct job	*tail;
};

struct pool {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct jobq	 todo;
	struct jobq	 done;
	int		 stopping;
	pthread_t	*threads;
	unsigned int	 nthreads;
	struct event	*done_ev;
	pool_run_fn	*run;
	pool_done_fn	*donefn;
	pool_done_fn	*drop;
};

static void
jobq_put(struct jobq *q, struct job *j)
{
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *
jobq_get(struct jobq *q)
{
	struct job *j = q->head;

	if (j != NULL) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return j;
}

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;
	struct job *j;

	pthread_mutex_lock(&p->mtx);
	for (;;) {
		while (!p->stopping && p->todo.head == NULL)
			pthread_cond_wait(&p->cond, &p->mtx);
		if (p->stopping)
			break;
		j = jobq_get(&p->todo);
		pthread_mutex_unlock(&p->mtx);
		p->run(j->arg);
		pthread_mutex_lock(&p->mtx);
		jobq_put(&p->done, j);
		/* Thread-safe with evthread_use_pthreads(); coalesces. */
		event_active(p->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

/* Loop thread: hand every finished job back. */
static void
pool_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pool *p = arg;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->mtx);
		j = jobq_get(&p->done);
		pthread_mutex_unlock(&p->mtx);
		if (j == NULL)
			break;
		p->donefn(j->arg);
		free(j);
	}
}

struct pool *
pool_new(struct event_base *base, unsigned int nthreads, pool_run_fn *run,
    pool_done_fn *done, pool_done_fn *drop)
{
	struct pool *p;
	unsigned int i;
	int e;

	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->run = run;
	p->donefn = done;
	p->drop = drop;
	if ((p->done_ev = event_new(base, -1, 0, pool_done_cb, p)) == NULL)
		fatalx("%s: event_new failed", __func__);
	p->threads = xcalloc(nthreads, sizeof(pthread_t));
	for (i = 0; i < nthreads; i++) {
		if ((e = pthread_create(&p->threads[i], NULL, pool_worker,
		    p)) != 0)
			fatalx("%s: pthread_create: error %d", __func__, e);
		p->nthreads++;
	}
	return p;
}

void
pool_submit(struct pool *p, void *arg)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->arg = arg;
	pthread_mutex_lock(&p->mtx);
	jobq_put(&p->todo, j);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

void
pool_free(struct pool *p)
{
	struct jobq *qs[2];
	struct job *j;
	unsigned int i;
	size_t q;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mtx);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	qs[0] = &p->todo;
	qs[1] = &p->done;
	for (q = 0; q < 2; q++) {
		while ((j = jobq_get(qs[q])) != NULL) {
			p->drop(j->arg);
			free(j);
		}
	}
	event_free(p->done_ev);
	free(p->threads);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->mtx);
	free(p);
}

void
pool_malloc_tune(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, POOL_MMAP_THRESHOLD);
	(void)mallopt(M_TRIM_THRESHOLD, POOL_TRIM_THRESHOLD);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request deadlines for evhttp connections: each connection's bufferevent
 * is made here (evhttp_set_bevcb) and kept referenced; a periodic sweep
 * notes since when it has been reading (EV_READ enabled: request line,
 * headers, body, or waiting for the next request) and past the limit
 * raises the same timeout event a stalled read would, so evhttp closes the
 * connection through its usual path. evhttp's own bufferevent_free()
 * clears the callbacks: the sweep then drops its reference.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/deadline.h"

/* How often connections are checked; a deadline may overrun by this. */
#define DEADLINE_TICK_MS	250

struct watched {
	struct bufferevent	*bev;
	struct timespec		 since;		/* reading since */
	int			 reading;
	struct watched		*next;
};

struct deadline {
	struct event_base	*base;
	struct event		*tick;
	unsigned int		 limit_ms;
	struct watched		*list;
};

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void
deadline_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct deadline *d = arg;
	struct watched **wp, *w;
	bufferevent_event_cb ecb;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (wp = &d->list; (w = *wp) != NULL;) {
		bufferevent_getcb(w->bev, NULL, NULL, &ecb, NULL);
		if (ecb == NULL) {
			/* evhttp has freed the connection: our turn. */
			*wp = w->next;
			bufferevent_decref(w->bev);
			free(w);
			continue;
		}
		wp = &w->next;
		if (!(bufferevent_get_enabled(w->bev) & EV_READ)) {
			w->reading = 0;
			continue;
		}
		if (!w->reading) {
			w->reading = 1;
			w->since = now;
			continue;
		}
		if (d->limit_ms == 0 ||
		    ms_between(&w->since, &now) < (long)d->limit_ms)
			continue;
		w->reading = 0;
		log_debug("connection reading for over %u ms: closed",
		    d->limit_ms);
		/* As if the read had timed out; evhttp closes (and may free). */
		bufferevent_trigger_event(w->bev,
		    BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
	}
}

struct deadline *
deadline_new(struct event_base *base, unsigned int limit_ms)
{
	struct deadline *d;
	struct timeval tv;

	d = xcalloc(1, sizeof(*d));
	d->base = base;
	d->limit_ms = limit_ms;
	if ((d->tick = event_new(base, -1, EV_PERSIST, deadline_sweep,
	    d)) == NULL)
		fatalx("%s: event_new failed", __func__);
	tv.tv_sec = 0;
	tv.tv_usec = DEADLINE_TICK_MS * 1000;
	event_add(d->tick, &tv);
	return d;
}

void
deadline_set_limit(struct deadline *d, unsigned int limit_ms)
{
	d->limit_ms = limit_ms;
}

struct bufferevent *
deadline_bevcb(struct event_base *base, void *arg)
{
	struct deadline *d = arg;
	struct bufferevent *bev;
	struct watched *w;

	/* What evhttp makes itself when no callback is set. */
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return NULL;
	bufferevent_incref(bev);
	w = xcalloc(1, sizeof(*w));
	w->bev = bev;
	w->reading = 1;
	clock_gettime(CLOCK_MONOTONIC, &w->since);
	w->next = d->list;
	d->list = w;
	return bev;
}

void
deadline_free(struct deadline *d)
{
	struct watched *w;

	if (d == NULL)
		return;
	while ((w = d->list) != NULL) {
		d->list = w->next;
		bufferevent_decref(w->bev);
		free(w);
	}
	event_free(d->tick);
	free(d);
}

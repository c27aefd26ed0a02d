/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request deadlines and the connection cap for one listener's evhttp
 * connections, plain or TLS alike: each connection's bufferevent is made
 * here (evhttp_set_bevcb, through tls.c for TLS) and kept
 * referenced. A periodic sweep notes since when it has been reading
 * (EV_READ enabled: request line, headers, body, or waiting for the next
 * request) and past the limit raises the same timeout event a stalled read
 * would, so evhttp closes the connection through its usual path.
 * evhttp's own bufferevent_free() clears the callbacks: the sweep then
 * drops its reference, counts the connection gone and, below the cap,
 * lets the listeners accept again.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "daemon/conn.h"

/* How often connections are checked; a deadline may overrun by this. */
#define CONN_TICK_MS	250
/*
 * Most bytes handed to one write(): libevent's 16 KiB default took 22
 * writev() calls and loop wake-ups for the reply of a 256 KiB image.
 */
#define CONN_WRITE_MAX	(1024 * 1024)

struct watched {
	struct bufferevent	*bev;
	struct timespec		 since;		/* reading since */
	int			 reading;
	struct watched		*next;
};

struct conn {
	struct event		*tick;
	unsigned int		 limit_ms;
	unsigned int		 max_conns;
	unsigned int		 count;
	int			 paused;
	conn_pause_fn		*pause;
	void			*arg;
	conn_make_fn		*make;		/* NULL: plain socket */
	void			*make_arg;
	struct watched		*list;
};

static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* Stop or resume accepting as the count crosses the cap. */
static void
conn_admit(struct conn *c)
{
	if (!c->paused && c->count >= c->max_conns) {
		c->paused = 1;
		log_warnx("%u connections open: not accepting more for now",
		    c->count);
		c->pause(c->arg, 1);
	} else if (c->paused && c->count < c->max_conns) {
		c->paused = 0;
		log_info("%u connections open: accepting again", c->count);
		c->pause(c->arg, 0);
	}
}

/*
 * Drop our reference to the bufferevents evhttp has freed (it clears
 * their callbacks). Until then their events stay registered on the fd
 * evhttp closed: a new connection given the same fd number would have
 * its bytes read by the dead one (every other "Connection: close"
 * request failed that way), so this also runs before each new one.
 */
static void
conn_reap(struct conn *c)
{
	struct watched **wp, *w;
	bufferevent_event_cb ecb;

	for (wp = &c->list; (w = *wp) != NULL;) {
		bufferevent_getcb(w->bev, NULL, NULL, &ecb, NULL);
		if (ecb == NULL) {
			*wp = w->next;
			bufferevent_decref(w->bev);
			free(w);
			c->count--;
			continue;
		}
		wp = &w->next;
	}
}

static void
conn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct watched *w;
	struct timespec now;

	conn_reap(c);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (w = c->list; w != NULL; w = w->next) {
		if (!(bufferevent_get_enabled(w->bev) & EV_READ)) {
			w->reading = 0;
			continue;
		}
		if (!w->reading) {
			w->reading = 1;
			w->since = now;
			continue;
		}
		if (c->limit_ms == 0 ||
		    ms_between(&w->since, &now) < (long)c->limit_ms)
			continue;
		w->reading = 0;
		log_debug("connection reading for over %u ms: closed",
		    c->limit_ms);
		/* As if the read timed out: evhttp closes (and may free). */
		bufferevent_trigger_event(w->bev,
		    BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
	}
	conn_admit(c);
}

struct conn *
conn_new(struct event_base *base, unsigned int limit_ms,
    unsigned int max_conns, conn_pause_fn *pause, void *arg)
{
	struct conn *c;
	struct timeval tv;

	c = xcalloc(1, sizeof(*c));
	c->limit_ms = limit_ms;
	c->max_conns = max_conns;
	c->pause = pause;
	c->arg = arg;
	if ((c->tick = event_new(base, -1, EV_PERSIST, conn_sweep,
	    c)) == NULL)
		fatalx("%s: event_new failed", __func__);
	tv.tv_sec = 0;
	tv.tv_usec = CONN_TICK_MS * 1000;
	event_add(c->tick, &tv);
	return c;
}

void
conn_set_limits(struct conn *c, unsigned int limit_ms, unsigned int max_conns)
{
	c->limit_ms = limit_ms;
	c->max_conns = max_conns;
	conn_admit(c);
}

void
conn_set_maker(struct conn *c, conn_make_fn *make, void *arg)
{
	c->make = make;
	c->make_arg = arg;
}

unsigned int
conn_count(const struct conn *c)
{
	return c->count;
}

struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev;
	struct watched *w;

	conn_reap(c);
	/* What evhttp makes itself when no callback is set, or TLS. */
	if (c->make != NULL)
		bev = c->make(base, c->make_arg);
	else
		bev = bufferevent_socket_new(base, -1, 0);
	if (bev == NULL)
		return NULL;
	(void)bufferevent_set_max_single_write(bev, CONN_WRITE_MAX);
	bufferevent_incref(bev);
	w = xcalloc(1, sizeof(*w));
	w->bev = bev;
	w->reading = 1;
	clock_gettime(CLOCK_MONOTONIC, &w->since);
	w->next = c->list;
	c->list = w;
	c->count++;
	conn_admit(c);
	return bev;
}

void
conn_free(struct conn *c)
{
	struct watched *w;

	if (c == NULL)
		return;
	while ((w = c->list) != NULL) {
		c->list = w->next;
		bufferevent_decref(w->bev);
		free(w);
	}
	event_free(c->tick);
	free(c);
}

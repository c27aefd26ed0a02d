/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A deadline for receiving a whole request. libevent 2.1's evhttp only
 * has an inactivity timeout, which a client trickling a byte now and then
 * never trips; this bounds the time a connection may spend reading one
 * request (request line, headers and body) or waiting for the next.
 */
#ifndef ZS_DEADLINE_H
#define ZS_DEADLINE_H

#include <event2/bufferevent.h>
#include <event2/event.h>

struct deadline;

/* Start watching on base; limit_ms 0 disables the deadline. */
struct deadline		*deadline_new(struct event_base *base,
			    unsigned int limit_ms);
/* Change the limit (configuration reload). */
void			 deadline_set_limit(struct deadline *d,
			    unsigned int limit_ms);
/*
 * evhttp's bufferevent callback (evhttp_set_bevcb, arg the deadline):
 * makes each connection's bufferevent and watches it.
 */
struct bufferevent	*deadline_bevcb(struct event_base *base, void *arg);
/* Stop watching (after evhttp_free); NULL is a no-op. */
void			 deadline_free(struct deadline *d);

#endif /* ZS_DEADLINE_H */

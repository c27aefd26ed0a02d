/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What evhttp 2.1 does not bound per connection: the time to receive a
 * whole request (its only timer is an inactivity one, which a client
 * trickling a byte now and then never trips) and the number of open
 * connections (past the fd limit, accept() fails and the listener spins);
 * and when a reply has left, so that replies being written can be
 * counted against the daemon's memory budget.
 */
#ifndef ZS_CONN_H
#define ZS_CONN_H

#include <stddef.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

struct conn;

/* Called with 1 to stop accepting (the cap is reached), 0 to resume. */
typedef void	conn_pause_fn(void *arg, int pause);
/* A reply of len bytes is written, or its connection is gone. */
typedef void	conn_done_fn(void *arg, size_t len);
/* Makes a connection's bufferevent (fd -1: evhttp sets it), e.g. a TLS one. */
typedef struct bufferevent *conn_make_fn(struct event_base *base, void *arg);
/*
 * Did the connection on bev fail its handshake (TLS), for a reason worth
 * a refusal? Then 1, with the reason in why (len bytes).
 */
typedef int	conn_failed_fn(struct bufferevent *bev, char *why, size_t len);
/*
 * evhttp refused on evcon (NULL: not known yet), before any request
 * reached the server, with *statusp (400, 413...): audit and count it, and
 * return the JSON error body to answer instead of evhttp's page (malloc'd,
 * taken over; NULL keeps evhttp's), with the status to answer in *statusp.
 * *statusp 0: the handshake failed (why says how, else why is NULL) and
 * the connection closes unanswered.
 */
typedef char	*conn_refused_fn(void *arg, struct evhttp_connection *evcon,
		    int *statusp, const char *why);

/*
 * Start watching on base: a connection may read one request (or wait for
 * the next) for limit_ms (0: no limit); at most max_conns are open.
 */
struct conn		*conn_new(struct event_base *base,
			    unsigned int limit_ms, unsigned int max_conns,
			    conn_pause_fn *pause, void *arg);
/* Change the limits (configuration reload). */
void			 conn_set_limits(struct conn *c, unsigned int limit_ms,
			    unsigned int max_conns);
/*
 * Make each connection's bufferevent with make(base, arg) instead of a
 * plain socket one, so that TLS connections are watched and capped too;
 * failed(bev) (or NULL) says, as each closes, whether its handshake failed.
 */
void			 conn_set_maker(struct conn *c, conn_make_fn *make,
			    conn_failed_fn *failed, void *arg);
/* The connections open now. */
unsigned int		 conn_count(const struct conn *c);
/*
 * The largest request body evhttp takes (its max body size): a larger
 * one is never given a chain of its own (conn.c, CONN_BODY_MIN).
 */
void			 conn_set_body_max(struct conn *c, size_t max);
/* Hand evhttp's own refusals on c's connections to fn (NULL: none). */
void			 conn_set_refused(struct conn *c, conn_refused_fn *fn,
			    void *arg);
/* Bytes taken off plain sockets by large reads so far (conn.c, tests). */
unsigned long long	 conn_read_more_bytes(const struct conn *c);
/*
 * evhttp's bufferevent callback (evhttp_set_bevcb, arg the struct conn):
 * makes each connection's bufferevent and watches it.
 */
struct bufferevent	*conn_bevcb(struct event_base *base, void *arg);
/*
 * The reply to req (len bytes, on a connection of c) is handed to evhttp:
 * done(arg, len) runs exactly once, when it is written or when its
 * connection is gone. Returns -1 (done never runs) when req has lost its
 * connection already.
 */
int			 conn_reply(struct conn *c, struct evhttp_request *req,
			    size_t len, conn_done_fn *done, void *arg);
/* Stop watching (after evhttp_free); NULL is a no-op. */
void			 conn_free(struct conn *c);

#endif /* ZS_CONN_H */

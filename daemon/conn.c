/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request deadlines, the connection cap and reply bookkeeping for one
 * listener's evhttp connections, plain or TLS alike. Each connection's
 * bufferevent is made here (evhttp_set_bevcb, through tls.c for TLS);
 * once evhttp has wrapped it, its connection's close callback tells us
 * the moment evhttp frees it, so we never hold a reference past that:
 * no event of a closed connection stays registered on a descriptor the
 * kernel may hand to the next accept, whichever listener makes it.
 * A periodic sweep notes since when each connection has been reading
 * and past the limit raises the same timeout event a stalled read would,
 * so evhttp closes the connection through its usual path.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include <http_parser.h>

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
/*
 * Large reads on plain sockets. libevent 2.1's evbuffer_read() takes at
 * most 4096 bytes a call (EVBUFFER_MAX_READ, buffer.c), whatever
 * bufferevent_set_max_single_read() says: a 64 MiB body took 16,400 loop
 * rounds, each an epoll_wait(), an ioctl(FIONREAD), a readv() and a 4 KiB
 * chain, and the rounds cost more than signing. So when one of its reads
 * comes back full, conn_read_more() reads on, up to CONN_READ_MAX bytes
 * in CONN_READ_CHUNK steps, into the same input buffer: evhttp sees the
 * same bytes in the same order, as if the kernel had handed them over in
 * one piece, so its framing, caps and timeouts are unchanged.
 * It relies on two libevent 2.1 internals, checked by tests/unit/test-conn
 * (which fails if either changes; then this path only falls silent):
 * - a capped read adds exactly CONN_LIBEVENT_READ bytes;
 * - bufferevent_readcb() unfreezes the input buffer's end only around
 *   evbuffer_read(), and the buffer's callbacks run inside that call,
 *   synchronously (a bufferevent's input never defers them), so that
 *   evbuffer_reserve_space() works there and fails anywhere else.
 */
#define CONN_LIBEVENT_READ	4096
/*
 * Most bytes conn_read_more() takes off one socket per libevent read: what
 * a connection may buffer past the end of a request while it is signed
 * (4 KiB before). A Unix socket holds about 200 KiB, so more gains little.
 */
#define CONN_READ_MAX		(1024 * 1024)
/* Bytes asked of one readv() there. */
#define CONN_READ_CHUNK		(256 * 1024)
/*
 * One chain for a large body. evhttp hands a request its body as the
 * chains they were read into, and zsignd needs it in one piece: copying
 * 64 MiB out of 300 chains cost a quarter of a large request's CPU time.
 * So http-parser follows the requests on a plain socket beside evhttp,
 * only to learn where each body starts and how long it is; a body of
 * CONN_BODY_MIN bytes or more (within the body cap) then gets one chain
 * for all of it, and server.c takes it over without a copy. Framing stays
 * evhttp's alone: should the two parsers ever disagree, the bytes are the
 * same, in the same order, and a body in several chains is copied as
 * before (server.c); a connection http-parser rejects is not followed.
 */
#define CONN_BODY_MIN		(1024 * 1024)

struct watched {
	struct conn		*c;
	struct bufferevent	*bev;		/* evhttp's: valid while listed */
	struct evhttp_connection *evcon;	/* NULL until attached */
	struct event		*attach;	/* pending: we hold a bev ref */
	struct evbuffer_cb_entry *more;		/* conn_read_more(), or NULL */
	int			 in_more;	/* inside conn_read_more() */
	http_parser		 hp;		/* follows the requests */
	int			 hp_off;	/* it gave up: not followed */
	int			 in_body;	/* headers seen, body to come */
	int			 one_chain;	/* the body has its chain */
	uint64_t		 body_len;	/* Content-Length */
	uint64_t		 body_seen;	/* of it, in the input */
	struct timespec		 since;		/* reading since */
	int			 reading;
	conn_done_fn		*done;		/* reply being written, or NULL */
	void			*done_arg;
	size_t			 done_len;
	struct watched		*prev, *next;
};

struct conn {
	struct event_base	*base;
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
	unsigned long long	 more_bytes;	/* read by conn_read_more() */
	size_t			 body_max;	/* largest body (evhttp's) */
	unsigned long		 one_chains;	/* bodies given one chain */
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

/* Settle w's reply, if one is being written: it is done either way. */
static void
conn_reply_settle(struct watched *w)
{
	conn_done_fn *done = w->done;

	if (done == NULL)
		return;
	w->done = NULL;
	done(w->done_arg, w->done_len);
}

/* Forget w: its connection is gone (or never became one). */
static void
conn_forget(struct watched *w)
{
	struct conn *c = w->c;

	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		c->list = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	/* The bufferevent outlives w: its input must not call us back. */
	if (w->more != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(w->bev),
		    w->more);
	if (w->attach != NULL) {
		event_free(w->attach);
		bufferevent_decref(w->bev);
	}
	conn_reply_settle(w);
	free(w);
	c->count--;
	conn_admit(c);
}

/* evhttp is about to free the connection and its bufferevent. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	conn_forget(arg);
}

/*
 * Right after accept, in the same loop pass: evhttp has made the
 * connection around our bufferevent (its callbacks' argument) or, on an
 * error, already freed it (callbacks cleared). Only this reference kept
 * the bufferevent alive in between.
 */
static void
conn_attach(evutil_socket_t fd, short what, void *arg)
{
	struct watched *w = arg;
	bufferevent_event_cb ecb;
	void *cbarg;
	int one = 1;

	bufferevent_getcb(w->bev, NULL, NULL, &ecb, &cbarg);
	if (ecb == NULL || cbarg == NULL ||
	    evhttp_connection_get_bufferevent(cbarg) != w->bev) {
		conn_forget(w);
		return;
	}
	event_free(w->attach);
	w->attach = NULL;
	/*
	 * TLS writes a reply as several records: with Nagle, the last one
	 * waited for the peer's delayed ACK (40 ms a request on a kept-alive
	 * connection). Unix sockets refuse the option; that is fine.
	 */
	(void)setsockopt(bufferevent_getfd(w->bev), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one));
	w->evcon = cbarg;
	evhttp_connection_set_closecb(w->evcon, conn_closed, w);
	bufferevent_decref(w->bev);
}

static void
conn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct watched *w, *next;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (w = c->list; w != NULL; w = next) {
		next = w->next;
		if (w->evcon == NULL)
			continue;
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
		/* As if the read timed out: evhttp closes (w may go). */
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
	c->base = base;
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

unsigned long long
conn_read_more_bytes(const struct conn *c)
{
	return c->more_bytes;
}

void
conn_set_body_max(struct conn *c, size_t max)
{
	c->body_max = max;
}

static int
conn_hp_headers(http_parser *hp)
{
	struct watched *w = hp->data;

	w->in_body = !(hp->flags & F_CHUNKED) && hp->content_length > 0;
	w->body_len = hp->content_length;
	w->body_seen = 0;
	w->one_chain = 0;
	return 0;
}

static int
conn_hp_body(http_parser *hp, const char *at, size_t len)
{
	struct watched *w = hp->data;

	w->body_seen += len;
	return 0;
}

static int
conn_hp_done(http_parser *hp)
{
	struct watched *w = hp->data;

	w->in_body = 0;
	return 0;
}

static const http_parser_settings conn_hp_settings = {
	.on_headers_complete = conn_hp_headers,
	.on_body = conn_hp_body,
	.on_message_complete = conn_hp_done,
};

/* Show http-parser the last n bytes of in (just read). */
static void
conn_follow(struct watched *w, struct evbuffer *in, size_t n)
{
	struct evbuffer_iovec v[16];
	struct evbuffer_ptr pos;
	size_t len = evbuffer_get_length(in);
	int i, nv;

	while (!w->hp_off && n > 0) {
		if (evbuffer_ptr_set(in, &pos, len - n, EVBUFFER_PTR_SET) != 0)
			break;
		if ((nv = evbuffer_peek(in, (ev_ssize_t)n, &pos, v, 16)) <= 0)
			break;
		for (i = 0; i < nv && i < 16 && n > 0; i++) {
			if (v[i].iov_len > n)
				v[i].iov_len = n;
			if (http_parser_execute(&w->hp, &conn_hp_settings,
			    v[i].iov_base, v[i].iov_len) != v[i].iov_len ||
			    w->hp.upgrade) {
				/* Not followed: evhttp alone reads it. */
				w->hp_off = 1;
				w->in_body = 0;
				return;
			}
			n -= v[i].iov_len;
		}
	}
}

/*
 * A large body has begun: move what the input holds (its start, and the
 * headers evhttp has not read yet) into one chain with room for the rest.
 * Only inside libevent's read, where the input's end is open; where there
 * is no room for it in one piece, the bytes go back as they were.
 */
static void
conn_one_chain(struct watched *w, struct evbuffer *in)
{
	struct evbuffer_iovec v;
	size_t have = evbuffer_get_length(in), rest;
	uint8_t *tmp;

	w->one_chain = 1;
	if (w->body_len < CONN_BODY_MIN || w->body_len > w->c->body_max ||
	    w->body_seen >= w->body_len || have > CONN_READ_MAX +
	    CONN_LIBEVENT_READ || evbuffer_reserve_space(in, 1, &v, 1) != 1)
		return;
	rest = (size_t)(w->body_len - w->body_seen);
	tmp = xmalloc(have);
	if (evbuffer_remove(in, tmp, have) != (int)have)
		fatalx("%s: evbuffer_remove failed", __func__);
	if (evbuffer_reserve_space(in, (ev_ssize_t)(have + rest), &v,
	    1) == 1 && v.iov_len >= have + rest) {
		memcpy(v.iov_base, tmp, have);
		v.iov_len = have;
		w->c->one_chains++;
	} else {
		v.iov_len = 0;
		if (evbuffer_add(in, tmp, have) != 0)
			fatalx("%s: evbuffer_add failed", __func__);
	}
	if (v.iov_len > 0 && evbuffer_commit_space(in, &v, 1) != 0)
		fatalx("%s: evbuffer_commit_space failed", __func__);
	free(tmp);
}

/*
 * The input buffer of a plain socket's bufferevent changed. Bytes read:
 * show them to http-parser, give a large body its chain, and after a full
 * 4 KiB read by libevent, read on from the socket (see CONN_READ_MAX).
 * A short read, EAGAIN, end of file or an error ends the loop with nothing
 * lost: the socket stays readable, and libevent's next read sees the end
 * of file (after an error such as a reset, as an end of file at worst).
 */
static void
conn_read_more(struct evbuffer *in, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct watched *w = arg;
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	evutil_socket_t fd;
	size_t got = 0, want;
	ssize_t n;
	int i, nv;

	/* Only reads add to a bufferevent's input (and our own moves). */
	if (w->in_more || info->n_added == 0)
		return;
	w->in_more = 1;
	conn_follow(w, in, info->n_added);
	if (w->in_body && !w->one_chain)
		conn_one_chain(w, in);
	if (info->n_added != CONN_LIBEVENT_READ ||
	    !(bufferevent_get_enabled(w->bev) & EV_READ) ||
	    (fd = bufferevent_getfd(w->bev)) == -1)
		goto out;
	while (got < CONN_READ_MAX) {
		want = CONN_READ_MAX - got < CONN_READ_CHUNK ?
		    CONN_READ_MAX - got : CONN_READ_CHUNK;
		/* Up to a body's end, which its chain is sized for. */
		if (w->in_body && w->body_len - w->body_seen < want)
			want = (size_t)(w->body_len - w->body_seen);
		if (want == 0)
			break;
		/* Fails (frozen end) unless inside libevent's own read. */
		if ((nv = evbuffer_reserve_space(in, (ev_ssize_t)want, v,
		    2)) <= 0)
			break;
		for (i = 0; i < nv; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
		}
		/* The reserve may offer more than asked: take what we asked. */
		if (iov[0].iov_len >= want) {
			iov[0].iov_len = want;
			nv = 1;
		} else
			iov[1].iov_len = want - iov[0].iov_len;
		if ((n = readv(fd, iov, nv)) <= 0)
			break;
		/* Commit what was filled: the first vector, then the next. */
		if ((size_t)n <= v[0].iov_len) {
			v[0].iov_len = (size_t)n;
			nv = 1;
		} else
			v[1].iov_len = (size_t)n - v[0].iov_len;
		/* Nothing touched the buffer since the reserve: bytes read. */
		if (evbuffer_commit_space(in, v, nv) != 0)
			fatalx("%s: evbuffer_commit_space failed", __func__);
		conn_follow(w, in, (size_t)n);
		got += (size_t)n;
		w->c->more_bytes += (unsigned long long)n;
		if ((size_t)n < want)
			break;
	}
 out:
	w->in_more = 0;
}

struct bufferevent *
conn_bevcb(struct event_base *base, void *arg)
{
	struct conn *c = arg;
	struct bufferevent *bev;
	struct watched *w;

	/* What evhttp makes itself when no callback is set, or TLS. */
	if (c->make != NULL)
		bev = c->make(base, c->make_arg);
	else
		bev = bufferevent_socket_new(base, -1, 0);
	if (bev == NULL)
		return NULL;
	(void)bufferevent_set_max_single_write(bev, CONN_WRITE_MAX);
	w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->bev = bev;
	http_parser_init(&w->hp, HTTP_REQUEST);
	w->hp.data = w;
	/* TLS: bufferevent_openssl reads records itself (4 KiB and more). */
	if (c->make == NULL && (w->more = evbuffer_add_cb(
	    bufferevent_get_input(bev), conn_read_more, w)) == NULL)
		fatalx("%s: evbuffer_add_cb failed", __func__);
	if ((w->attach = event_new(base, -1, 0, conn_attach, w)) == NULL)
		fatalx("%s: event_new failed", __func__);
	/* Until conn_attach(): evhttp may free it on an error before. */
	bufferevent_incref(bev);
	event_active(w->attach, EV_TIMEOUT, 0);
	w->reading = 1;
	clock_gettime(CLOCK_MONOTONIC, &w->since);
	w->next = c->list;
	if (c->list != NULL)
		c->list->prev = w;
	c->list = w;
	c->count++;
	conn_admit(c);
	return bev;
}

/* Reply bookkeeping: the request finished writing its reply. */
static void
conn_reply_written(struct evhttp_request *req, void *arg)
{
	conn_reply_settle(arg);
}

int
conn_reply(struct conn *c, struct evhttp_request *req, size_t len,
    conn_done_fn *done, void *arg)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct watched *w;

	if (evcon == NULL)
		return -1;
	for (w = c->list; w != NULL; w = w->next)
		if (w->evcon == evcon)
			break;
	/* evhttp answers one request at a time per connection. */
	if (w == NULL || w->done != NULL)
		return -1;
	w->done = done;
	w->done_arg = arg;
	w->done_len = len;
	evhttp_request_set_on_complete_cb(req, conn_reply_written, w);
	return 0;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	/* evhttp_free() closed the attached ones; these never attached. */
	while (c->list != NULL)
		conn_forget(c->list);
	event_free(c->tick);
	free(c);
}

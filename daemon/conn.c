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
 * The answers evhttp writes itself, refusals before any request reaches
 * the server (malformed HTTP, a body over the cap), are seen in each
 * connection's output and handed to the server's refusal path.
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
/*
 * evhttp's own answers. libevent 2.1 has no hook for a request it refuses
 * before the server sees it (a body over the cap: 413; a malformed request
 * line or header, headers over the cap, a bad chunk: 400 or 413): its
 * evhttp_connection_fail_() frees the request's URI and has
 * evhttp_handle_request() call evhttp_send_error(), whose status line is
 * one evbuffer_add_printf() into the connection's output buffer (for TLS
 * the plaintext one), written only once the loop has polled again. So a
 * status line of 400 or more added while no reply of the server is under
 * way (conn_reply() marks those) is evhttp's refusal: conn_out_seen()
 * hands it to the server's refusal path (audit, count) at once, and
 * conn_out_fix() then swaps evhttp's HTML page for the server's JSON body
 * before a byte of it is written. tests/unit/test-conn checks each step;
 * should one change, the refusal is still audited and counted if its
 * status line is seen, and keeps evhttp's page if it cannot be swapped.
 */
#define CONN_STATUS_PEEK	16	/* "HTTP/1.1 413 " and a little */
/* Longest evhttp answer swapped (its error page is about 300 bytes). */
#define CONN_FIX_MAX		4096
/* Longest reason a failed handshake is refused for. */
#define CONN_WHY_MAX		256
/* Pieces of a buffer looked at in one go (an output has one or two). */
#define CONN_PEEK_VECS		16

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
	struct evbuffer_cb_entry *out;		/* conn_out_seen() */
	struct event		*fix;		/* conn_out_fix(), or NULL */
	char			*fix_body;	/* its JSON body, or NULL */
	int			 fix_status;	/* the status to answer */
	int			 lib_status;	/* evhttp's */
	int			 fix_off;	/* output written meanwhile */
	int			 in_fix;	/* inside conn_out_fix() */
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
	conn_failed_fn		*failed;	/* its handshake, or NULL */
	void			*make_arg;
	struct watched		*list;
	unsigned long long	 more_bytes;	/* read by conn_read_more() */
	size_t			 body_max;	/* largest body (evhttp's) */
	unsigned long		 one_chains;	/* bodies given one chain */
	conn_refused_fn		*refused;	/* evhttp's refusals, or NULL */
	void			*refused_arg;
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
	if (w->out != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(w->bev),
		    w->out);
	if (w->fix != NULL)
		event_free(w->fix);
	free(w->fix_body);
	if (w->attach != NULL) {
		event_free(w->attach);
		bufferevent_decref(w->bev);
	}
	conn_reply_settle(w);
	free(w);
	c->count--;
	conn_admit(c);
}

/*
 * evhttp is about to free the connection and its bufferevent. One whose
 * handshake failed is a refusal without a request, handed to the server.
 */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct watched *w = arg;
	struct conn *c = w->c;
	char why[CONN_WHY_MAX];
	int status = 0;

	if (c->failed != NULL && c->refused != NULL &&
	    c->failed(w->bev, why, sizeof(why)))
		free(c->refused(c->refused_arg, evcon, &status, why));
	conn_forget(w);
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
conn_set_maker(struct conn *c, conn_make_fn *make, conn_failed_fn *failed,
    void *arg)
{
	c->make = make;
	c->failed = failed;
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

void
conn_set_refused(struct conn *c, conn_refused_fn *fn, void *arg)
{
	c->refused = fn;
	c->refused_arg = arg;
}

/* The status of the status line in s (n bytes), or -1 if it is none. */
static int
conn_status_of(const char *s, size_t n)
{
	int i, status = 0;

	/* "HTTP/1.x NNN ": what evhttp_make_header_response() writes. */
	if (n < 13 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' ||
	    s[7] > '9' || s[8] != ' ' || s[12] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		status = status * 10 + (s[i] - '0');
	}
	return status;
}

/* The reason phrase of a status the server may answer instead. */
static const char *
conn_phrase(int status)
{
	static const struct {
		int		 status;
		const char	*phrase;
	} phrases[] = {
		{ 400, "Bad Request" },
		{ 413, "Payload Too Large" },
		{ 429, "Too Many Requests" },
	};
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].phrase;
	return "Refused";
}

/*
 * Copy n bytes of buf from offset off into out; returns how many it could.
 * Peeks: evbuffer_copyout() fails while a bufferevent_socket keeps its
 * output's start frozen (from its first write on).
 */
static size_t
conn_peek(struct evbuffer *buf, size_t off, char *out, size_t n)
{
	struct evbuffer_iovec v[CONN_PEEK_VECS];
	struct evbuffer_ptr pos;
	size_t got = 0, k;
	int i, nv;

	if (evbuffer_ptr_set(buf, &pos, off, EVBUFFER_PTR_SET) != 0 ||
	    (nv = evbuffer_peek(buf, (ev_ssize_t)n, &pos, v,
	    CONN_PEEK_VECS)) <= 0)
		return 0;
	for (i = 0; i < nv && i < CONN_PEEK_VECS && got < n; i++) {
		k = v[i].iov_len < n - got ? v[i].iov_len : n - got;
		memcpy(out + got, v[i].iov_base, k);
		got += k;
	}
	return got;
}

/*
 * In the loop pass that wrote evhttp's refusal (see CONN_STATUS_PEEK),
 * before its bytes go out: replace the whole answer, status line to the
 * end of its page, with the server's, unless anything else is there or
 * has been written meanwhile. evhttp still closes the connection once the
 * output is written, as it meant to (its reply said "Connection: close").
 */
static void
conn_out_fix(evutil_socket_t fd, short what, void *arg)
{
	struct watched *w = arg;
	struct evbuffer *out = bufferevent_get_output(w->bev);
	char head[CONN_FIX_MAX + 1], line[64], *p, *e;
	size_t len = evbuffer_get_length(out), hl;
	unsigned long long clen;
	int r;

	if (w->fix_body == NULL || w->fix_off || len == 0 ||
	    len > CONN_FIX_MAX || conn_peek(out, 0, head, len) != len)
		goto out;
	head[len] = '\0';
	if ((p = memmem(head, len, "\r\n\r\n", 4)) == NULL)
		goto out;
	hl = (size_t)(p - head) + 4;
	head[hl] = '\0';
	/*
	 * The whole of evhttp's answer, and nothing after it. Without a
	 * Content-Length (HTTP/1.0, HEAD) its page runs to the close: all of
	 * it is here already.
	 */
	clen = len - hl;
	if ((p = strcasestr(head, "\r\nContent-Length: ")) != NULL) {
		clen = strtoull(p + 18, &e, 10);
		if (*e != '\r')
			goto out;
	}
	if (hl + clen != len || conn_status_of(head, hl) != w->lib_status)
		goto out;
	if (w->fix_status == w->lib_status) {
		/* evhttp's status line as it is, with its HTTP version. */
		p = strstr(head, "\r\n");
		snprintf(line, sizeof(line), "%.*s", (int)(p - head), head);
	} else
		snprintf(line, sizeof(line), "HTTP/1.1 %d %s", w->fix_status,
		    conn_phrase(w->fix_status));
	w->in_fix = 1;
	/* A socket's output start is frozen but inside its writes. */
	if ((r = evbuffer_drain(out, len)) != 0) {
		evbuffer_unfreeze(out, 1);
		r = evbuffer_drain(out, len);
		evbuffer_freeze(out, 1);
	}
	if (r != 0) {
		w->in_fix = 0;
		goto out;
	}
	if (evbuffer_add_printf(out,
	    "%s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", line, strlen(w->fix_body),
	    w->fix_body) < 0)
		fatalx("%s: evbuffer failed", __func__);
	w->in_fix = 0;
 out:
	free(w->fix_body);
	w->fix_body = NULL;
}

/*
 * Bytes added to (or written from) a connection's output buffer. A status
 * line of 400 or more while no reply of the server is under way is
 * evhttp's own refusal (CONN_STATUS_PEEK): the server audits and counts
 * it now, and conn_out_fix() puts the server's answer in its place.
 */
static void
conn_out_seen(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct watched *w = arg;
	struct conn *c = w->c;
	char peek[CONN_STATUS_PEEK];
	size_t n;
	int status;

	if (w->in_fix)
		return;
	if (info->n_deleted > 0)
		w->fix_off = 1;		/* written: too late to swap */
	/* One change a call (output callbacks are never deferred). */
	if (info->n_added == 0 || info->n_deleted > 0 || w->done != NULL ||
	    c->refused == NULL)
		return;
	n = info->n_added < sizeof(peek) ? info->n_added : sizeof(peek);
	if (conn_peek(out, info->orig_size, peek, n) != n ||
	    (status = conn_status_of(peek, n)) < 400)
		return;
	/* evhttp answers a connection's requests one at a time. */
	free(w->fix_body);
	w->lib_status = status;
	w->fix_status = status;
	w->fix_off = info->orig_size > 0;
	w->fix_body = c->refused(c->refused_arg, w->evcon, &w->fix_status,
	    NULL);
	if (w->fix_body == NULL)
		return;
	if (w->fix == NULL && (w->fix = event_new(c->base, -1, 0,
	    conn_out_fix, w)) == NULL)
		fatalx("%s: event_new failed", __func__);
	event_active(w->fix, EV_TIMEOUT, 0);
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
	struct evbuffer_iovec v[CONN_PEEK_VECS];
	struct evbuffer_ptr pos;
	size_t len = evbuffer_get_length(in);
	int i, nv;

	while (!w->hp_off && n > 0) {
		if (evbuffer_ptr_set(in, &pos, len - n, EVBUFFER_PTR_SET) != 0)
			break;
		if ((nv = evbuffer_peek(in, (ev_ssize_t)n, &pos, v,
		    CONN_PEEK_VECS)) <= 0)
			break;
		for (i = 0; i < nv && i < CONN_PEEK_VECS && n > 0; i++) {
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
	if ((w->out = evbuffer_add_cb(bufferevent_get_output(bev),
	    conn_out_seen, w)) == NULL)
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

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client's HTTP/1.1 exchange over a libevent bufferevent: a Unix
 * socket, or TCP with TLS through bufferevent_openssl. The request head is
 * formatted here and the body referenced from the caller's buffers; the
 * reply is parsed by http-parser (libhttp-parser, packaged by Debian), not
 * by us. One connection per exchange, closed by both sides after it.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <http_parser.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client/transport.h"
#include "common/log.h"
#include "common/xmalloc.h"

/*
 * Most bytes read or written per callback: libevent's 16 KiB default
 * costs a loop turn per 16 KiB of a large image.
 */
#define TRANSPORT_IO_MAX	(1024 * 1024)
/*
 * File bytes read ahead of a TLS socket: a large image is read as it is
 * sent, never whole. More is read when less than TRANSPORT_IO_MAX waits.
 */
#define TRANSPORT_FEED_MAX	(4 * 1024 * 1024)
/* First allocation for a reply body of unknown length. */
#define TRANSPORT_BODY_START	(64 * 1024)

enum xstate {
	XS_CONNECTING,
	XS_CONNECTED,
	XS_EXCHANGING,
	XS_DONE,
	XS_FAILED,
};

/* One exchange in progress. */
struct xchg {
	const struct transport_target	*t;
	const struct transport_req	*rq;
	size_t				 feed;		/* next body piece */
	size_t				 feedoff;	/* read of it (TLS) */
	int				 ferr;		/* errno reading it */
	int				 sent;		/* rq->sent called */
	struct transport_reply		*rp;
	struct event_base		*base;
	struct bufferevent		*bev;
	http_parser			 parser;
	enum xstate			 state;
	size_t				 max;
	size_t				 cap;		/* of rp->body */
	size_t				 ctypelen;
	int				 sockerr;	/* errno, or 0 */
	unsigned long			 sslerr;	/* ERR_get_error() */
	int				 werr;		/* errno of a write */
	int				 timedout;
	int				 toobig;
	int				 in_value;	/* last callback: value */
	int				 is_ctype;	/* field is Content-Type */
	char				 field[16];	/* its start */
	size_t				 fieldlen;
};

static int
x_on_header_field(http_parser *p, const char *at, size_t len)
{
	struct xchg *x = p->data;
	size_t n;

	if (x->in_value) {
		x->in_value = 0;
		x->fieldlen = 0;
	}
	/* Only "Content-Type" matters: longer names are cut, never equal. */
	n = sizeof(x->field) - 1 - x->fieldlen;
	if (len < n)
		n = len;
	memcpy(x->field + x->fieldlen, at, n);
	x->fieldlen += n;
	x->field[x->fieldlen] = '\0';
	return 0;
}

static int
x_on_header_value(http_parser *p, const char *at, size_t len)
{
	struct xchg *x = p->data;
	char *ct = x->rp->ctype;
	size_t n;

	if (!x->in_value) {
		x->in_value = 1;
		x->is_ctype = strcasecmp(x->field, "content-type") == 0;
		if (x->is_ctype)
			x->ctypelen = 0;
	}
	if (!x->is_ctype)
		return 0;
	n = TRANSPORT_CTYPE_MAX - 1 - x->ctypelen;
	if (len < n)
		n = len;
	memcpy(ct + x->ctypelen, at, n);
	x->ctypelen += n;
	ct[x->ctypelen] = '\0';
	return 0;
}

static int
x_on_headers_complete(http_parser *p)
{
	struct xchg *x = p->data;

	x->rp->status = p->status_code;
	/* http-parser says ULLONG_MAX when there is no Content-Length. */
	if (p->content_length == ULLONG_MAX)
		return 0;
	if (p->content_length > x->max) {
		x->toobig = 1;
		return -1;
	}
	x->cap = (size_t)p->content_length;
	x->rp->body = xmalloc(x->cap + 1);
	return 0;
}

static int
x_on_body(http_parser *p, const char *at, size_t len)
{
	struct xchg *x = p->data;
	struct transport_reply *rp = x->rp;
	size_t want;

	if (len > x->max - rp->len) {
		x->toobig = 1;
		return -1;
	}
	if (rp->len + len > x->cap) {
		want = x->cap * 2 > TRANSPORT_BODY_START ? x->cap * 2 :
		    TRANSPORT_BODY_START;
		if (want < rp->len + len)
			want = rp->len + len;
		if (want > x->max)
			want = x->max;
		rp->body = xreallocarray(rp->body, want + 1, 1);
		x->cap = want;
	}
	memcpy(rp->body + rp->len, at, len);
	rp->len += len;
	return 0;
}

static int
x_on_message_complete(http_parser *p)
{
	struct xchg *x = p->data;

	x->state = XS_DONE;
	/* Whatever follows the reply is not read. */
	http_parser_pause(p, 1);
	event_base_loopbreak(x->base);
	return 0;
}

static const http_parser_settings x_settings = {
	.on_header_field = x_on_header_field,
	.on_header_value = x_on_header_value,
	.on_headers_complete = x_on_headers_complete,
	.on_body = x_on_body,
	.on_message_complete = x_on_message_complete,
};

static void
x_fail(struct xchg *x)
{
	x->state = XS_FAILED;
	event_base_loopbreak(x->base);
}

/* Feed what has arrived to the parser. */
static void
x_parse(struct xchg *x)
{
	struct evbuffer *in = bufferevent_get_input(x->bev);
	struct evbuffer_iovec v;
	size_t used;

	while (x->state == XS_EXCHANGING && evbuffer_get_length(in) > 0) {
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		used = http_parser_execute(&x->parser, &x_settings,
		    v.iov_base, v.iov_len);
		if (x->state == XS_DONE)
			break;
		if (HTTP_PARSER_ERRNO(&x->parser) != HPE_OK) {
			x_fail(x);
			return;
		}
		evbuffer_drain(in, used);
	}
}

static void
x_readcb(struct bufferevent *bev, void *arg)
{
	x_parse(arg);
}

/*
 * Queue more of the request body: memory by reference; a file piece on a
 * Unix socket as a file segment (libevent sends it with sendfile(2)), over
 * TLS in chunks read now, while less than TRANSPORT_FEED_MAX is queued.
 */
static void
x_feed(struct xchg *x)
{
	struct evbuffer *out = bufferevent_get_output(x->bev);
	struct evbuffer_file_segment *seg;
	const struct zs_filepiece *pc;
	struct evbuffer_iovec v;
	ssize_t got;
	size_t n;

	while (x->state == XS_EXCHANGING && x->feed < x->rq->nbody &&
	    (x->t->sockpath != NULL ||
	    evbuffer_get_length(out) < TRANSPORT_FEED_MAX)) {
		pc = &x->rq->body[x->feed];
		if (pc->len == 0 || pc->p != NULL || x->t->sockpath != NULL) {
			x->feed++;
			if (pc->len == 0)
				continue;
			if (pc->p != NULL) {
				if (evbuffer_add_reference(out, pc->p, pc->len,
				    NULL, NULL) != 0)
					fatalx("%s: evbuffer_add_reference "
					    "failed", __func__);
				continue;
			}
			/* The descriptor stays the caller's. */
			errno = EIO;
			if ((seg = evbuffer_file_segment_new(pc->fd, pc->off,
			    (ev_off_t)pc->len, EVBUF_FS_DISABLE_LOCKING)) ==
			    NULL || evbuffer_add_file_segment(out, seg, 0,
			    -1) != 0) {
				/* Without sendfile it maps or reads the file. */
				x->ferr = errno != 0 ? errno : EIO;
				if (seg != NULL)
					evbuffer_file_segment_free(seg);
				x_fail(x);
				return;
			}
			evbuffer_file_segment_free(seg);
			continue;
		}
		n = pc->len - x->feedoff;
		if (n > TRANSPORT_IO_MAX)
			n = TRANSPORT_IO_MAX;
		if (evbuffer_reserve_space(out, (ev_ssize_t)n, &v, 1) < 1)
			fatalx("%s: evbuffer_reserve_space failed", __func__);
		do
			got = pread(pc->fd, v.iov_base, n,
			    pc->off + (off_t)x->feedoff);
		while (got == -1 && errno == EINTR);
		if (got <= 0) {
			/* Shorter than when it was opened: it changed. */
			x->ferr = got == 0 ? ENODATA : errno;
			x_fail(x);
			return;
		}
		v.iov_len = (size_t)got;
		if (evbuffer_commit_space(out, &v, 1) != 0)
			fatalx("%s: evbuffer_commit_space failed", __func__);
		x->feedoff += (size_t)got;
		if (x->feedoff == pc->len) {
			x->feed++;
			x->feedoff = 0;
		}
	}
}

/*
 * More of the body when the queue runs low; once all of it is queued, the
 * callback at the end of the queue says the request is out.
 */
static void
x_writecb(struct bufferevent *bev, void *arg)
{
	struct xchg *x = arg;

	x_feed(x);
	if (x->state != XS_EXCHANGING || x->feed < x->rq->nbody ||
	    x->rq->sent == NULL || x->sent)
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
		return;
	}
	x->rq->sent(x->rq->sent_arg);
	x->sent = 1;
}

static void
x_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct xchg *x = arg;
	unsigned long e;

	if (what & BEV_EVENT_CONNECTED) {
		x->state = XS_CONNECTED;
		event_base_loopbreak(x->base);
		return;
	}
	if (x->state == XS_EXCHANGING)
		x_parse(x);
	if (x->state != XS_EXCHANGING && x->state != XS_CONNECTING)
		return;
	if (what & BEV_EVENT_TIMEOUT) {
		x->timedout = 1;
		x_fail(x);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		x->sockerr = EVUTIL_SOCKET_ERROR();
		while ((e = bufferevent_get_openssl_error(bev)) != 0)
			x->sslerr = e;
		/*
		 * A server that refuses a body (413) may close before
		 * reading it all: its reply can still be read.
		 */
		if (x->state == XS_EXCHANGING && (what & BEV_EVENT_WRITING) &&
		    x->sslerr == 0) {
			x->werr = x->sockerr;
			x->sockerr = 0;
			return;
		}
		x_fail(x);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* A reply without a length ends with the connection. */
		if (x->state == XS_EXCHANGING)
			(void)http_parser_execute(&x->parser, &x_settings,
			    NULL, 0);
		if (x->state != XS_DONE)
			x_fail(x);
	}
}

static void
x_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct xchg *x = arg;

	x->timedout = 1;
	x_fail(x);
}

/* The IP address or host name TLS must find in the server certificate. */
static int
x_tls_name(SSL *ssl, const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) == 1 ? 0 : -1;
	if (SSL_set_tlsext_host_name(ssl, host) != 1 ||
	    SSL_set1_host(ssl, host) != 1)
		return -1;
	return 0;
}

/* Start connecting x->bev (made here) to one address. */
static int
x_connect_one(struct xchg *x, const struct sockaddr *sa, socklen_t salen)
{
	const struct transport_target *t = x->t;
	struct timeval tv = { .tv_sec = t->connect_secs };
	SSL *ssl;

	if (t->sockpath != NULL)
		x->bev = bufferevent_socket_new(x->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
	else {
		if ((ssl = SSL_new(t->ctx)) == NULL)
			fatalx("%s: SSL_new failed", __func__);
		if (x_tls_name(ssl, t->host) != 0)
			fatalx("%s: cannot set the TLS peer name", __func__);
		/* Frees ssl when it fails, and with the bufferevent. */
		x->bev = bufferevent_openssl_socket_new(x->base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
		if (x->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(x->bev,
			    1);
	}
	if (x->bev == NULL)
		fatalx("%s: cannot make a bufferevent", __func__);
	bufferevent_setcb(x->bev, x_readcb, x_writecb, x_eventcb, x);
	(void)bufferevent_set_timeouts(x->bev, &tv, &tv);
	x->state = XS_CONNECTING;
	errno = 0;
	if (bufferevent_socket_connect(x->bev, sa, (int)salen) != 0 &&
	    x->state == XS_CONNECTING) {
		x->sockerr = errno != 0 ? errno : ECONNREFUSED;
		x->state = XS_FAILED;
	}
	if (x->state == XS_CONNECTING)
		(void)event_base_dispatch(x->base);
	if (x->state == XS_CONNECTED)
		return 0;
	bufferevent_free(x->bev);
	x->bev = NULL;
	return -1;
}

/* Why connecting failed, in words. */
static int
x_connect_error(struct xchg *x, struct zs_errbuf *eb)
{
	char err[256];

	if (x->timedout)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot connect to "
		    "zsignd at %s: no answer within %u s", x->t->addr,
		    x->t->connect_secs);
	if (x->sslerr != 0) {
		ERR_error_string_n(x->sslerr, err, sizeof(err));
		return zs_errf(eb, ZS_ERR_IO, "TLS handshake with %s failed: "
		    "%s", x->t->addr, err);
	}
	return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot connect to zsignd at "
	    "%s: %s", x->t->addr, strerror(x->sockerr != 0 ? x->sockerr :
	    ECONNRESET));
}

/* Connect to the socket path, or to the first address that answers. */
static int
x_connect(struct xchg *x, struct zs_errbuf *eb)
{
	const struct transport_target *t = x->t;
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_un sun;
	int gr;

	if (t->sockpath != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(t->sockpath) >= sizeof(sun.sun_path))
			return zs_errf(eb, ZS_ERR_USAGE, "socket path too "
			    "long: %s", t->sockpath);
		memcpy(sun.sun_path, t->sockpath, strlen(t->sockpath));
		if (x_connect_one(x, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0)
			return 0;
		return x_connect_error(x, eb);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gr = getaddrinfo(t->host, t->port, &hints, &res)) != 0)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot connect to "
		    "zsignd at %s: %s", t->addr, gai_strerror(gr));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (x_connect_one(x, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    x->timedout)
			break;
	freeaddrinfo(res);
	if (x->state == XS_CONNECTED)
		return 0;
	return x_connect_error(x, eb);
}

/* Queue the request: the head, then the start of the body (x_feed). */
static void
x_write_request(struct xchg *x, const struct transport_req *rq)
{
	const struct transport_target *t = x->t;
	struct evbuffer *out = bufferevent_get_output(x->bev);
	size_t i, len = 0;

	for (i = 0; i < rq->nbody; i++)
		len += rq->body[i].len;
	evbuffer_add_printf(out, "%s %s HTTP/1.1\r\n", rq->method, rq->path);
	if (t->sockpath != NULL)
		evbuffer_add_printf(out, "Host: zsign\r\n");
	else if (strchr(t->host, ':') != NULL)
		evbuffer_add_printf(out, "Host: [%s]:%s\r\n", t->host,
		    t->port);
	else
		evbuffer_add_printf(out, "Host: %s:%s\r\n", t->host, t->port);
	evbuffer_add_printf(out, "User-Agent: zsign-client/%s\r\n"
	    "Accept: %s\r\nConnection: close\r\n", PACKAGE_VERSION,
	    rq->accept);
	/* The token is referenced, never copied into libevent's memory. */
	if (t->authz != NULL) {
		evbuffer_add_reference(out, t->authz, strlen(t->authz), NULL,
		    NULL);
		evbuffer_add(out, "\r\n", 2);
	}
	if (rq->ctype != NULL)
		evbuffer_add_printf(out, "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", rq->ctype, len);
	evbuffer_add(out, "\r\n", 2);
	x->rq = rq;
	x_feed(x);
}

int
transport_exchange(const struct transport_target *t,
    const struct transport_req *rq, size_t max, struct transport_reply *rp,
    struct zs_errbuf *eb)
{
	struct xchg x;
	struct event *deadline = NULL;
	struct timeval tv = { .tv_sec = t->total_secs };
	char err[256];
	int r = ZS_ERR_INTERNAL;

	/* A server gone mid-request is an error to report, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	memset(rp, 0, sizeof(*rp));
	memset(&x, 0, sizeof(x));
	x.t = t;
	x.rp = rp;
	x.max = max;
	if ((x.base = event_base_new()) == NULL)
		fatalx("%s: event_base_new failed", __func__);
	if ((deadline = evtimer_new(x.base, x_deadline, &x)) == NULL ||
	    evtimer_add(deadline, &tv) != 0)
		fatalx("%s: cannot set the deadline", __func__);
	if ((r = x_connect(&x, eb)) != 0)
		goto out;
	(void)bufferevent_set_timeouts(x.bev, NULL, NULL);
	(void)bufferevent_set_max_single_read(x.bev, TRANSPORT_IO_MAX);
	(void)bufferevent_set_max_single_write(x.bev, TRANSPORT_IO_MAX);
	/* x_feed() reads on when the queue is down to one write. */
	bufferevent_setwatermark(x.bev, EV_WRITE, TRANSPORT_IO_MAX, 0);
	http_parser_init(&x.parser, HTTP_RESPONSE);
	x.parser.data = &x;
	x.state = XS_EXCHANGING;
	x_write_request(&x, rq);
	/* A file that cannot be read fails before the loop runs. */
	if (x.state == XS_EXCHANGING) {
		if (bufferevent_enable(x.bev, EV_READ | EV_WRITE) != 0)
			fatalx("%s: bufferevent_enable failed", __func__);
		(void)event_base_dispatch(x.base);
	}
	if (x.state == XS_DONE) {
		if (rp->body == NULL)
			rp->body = xmalloc(1);
		rp->body[rp->len] = '\0';
		r = 0;
		goto out;
	}
	if (x.toobig)
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "reply from %s exceeds %zu "
		    "bytes", t->addr, max);
	else if (x.timedout)
		r = zs_errf(eb, ZS_ERR_IO, "request to %s timed out after "
		    "%u s", t->addr, t->total_secs);
	else if (HTTP_PARSER_ERRNO(&x.parser) != HPE_OK)
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "reply from %s is not "
		    "HTTP/1.1: %s", t->addr, http_errno_description(
		    HTTP_PARSER_ERRNO(&x.parser)));
	else if (x.ferr != 0)
		r = zs_errf(eb, ZS_ERR_IO, "cannot read a file to send to %s: "
		    "%s", t->addr, strerror(x.ferr));
	else if (x.sslerr != 0) {
		ERR_error_string_n(x.sslerr, err, sizeof(err));
		r = zs_errf(eb, ZS_ERR_IO, "request to %s failed: %s",
		    t->addr, err);
	} else if (x.sockerr != 0 || x.werr != 0)
		r = zs_errf(eb, ZS_ERR_IO, "request to %s failed: %s",
		    t->addr, strerror(x.sockerr != 0 ? x.sockerr : x.werr));
	else
		r = zs_errf(eb, ZS_ERR_IO, "%s closed the connection before "
		    "the reply was complete", t->addr);
 out:
	if (r != 0)
		transport_reply_free(rp);
	if (x.bev != NULL)
		bufferevent_free(x.bev);
	if (deadline != NULL)
		event_free(deadline);
	event_base_free(x.base);
	return r;
}

void
transport_reply_free(struct transport_reply *rp)
{
	free(rp->body);
	memset(rp, 0, sizeof(*rp));
}

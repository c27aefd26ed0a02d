/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/conn.c's large reads: a real evhttp on a Unix
 * socket under conn's watcher receives large, pipelined and chunked
 * requests intact, most of a large body comes through conn_read_more(),
 * and a large body reaches the request in one chain. The last two fail if
 * the libevent 2.1 internals conn.c relies on change (CONN_LIBEVENT_READ).
 * evhttp's own refusals reach conn's refusal callback once each, with
 * their status, and the client gets the callback's body in place of
 * evhttp's page, also on a kept-alive connection and over TLS; replies of
 * the server and "100 Continue" are not refusals (CONN_STATUS_PEEK). A
 * TLS handshake that fails on plain HTTP reaches it with status 0 and
 * OpenSSL's reason; a connection closed before any TLS does not.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <stdatomic.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "daemon/conn.h"
#include "daemon/tls.h"
#include "tests/zstest.h"

/* The large body: far above libevent's 4 KiB reads. */
#define BIG_LEN		(8u * 1024 * 1024)
/* The second, pipelined request's body. */
#define SMALL_LEN	1000u

struct srv {
	char			 dir[64];
	char			 path[128];
	struct event_base	*base;
	struct conn		*conn;
	struct evhttp		*http;
	int			 nreq;		/* requests seen */
	int			 want;		/* stop after this many */
	size_t			 lens[4];
	int			 intact[4];
	int			 one_chain[4];
	int			 fail;		/* answer 404, as the server */
};

struct writer {
	const char	*path;
	uint8_t		*data;
	size_t		 len;
	int		 fd;
};

static void
pause_cb(void *arg, int pause)
{
}

/* Byte i of a body: a pattern that shows any shift, loss or reordering. */
static uint8_t
pat(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 13));
}

static void
reply_done(void *arg, size_t len)
{
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct srv *s = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), i;
	uint8_t *p;
	int ok = 1, one = evbuffer_get_contiguous_space(in) == len;

	if (s->fail) {
		/* A reply of the server's own: conn_reply() marks it. */
		assert_int_equal(conn_reply(s->conn, req, 0, reply_done, NULL),
		    0);
		evhttp_send_reply(req, 404, "Not Found", NULL);
		return;
	}
	p = evbuffer_pullup(in, -1);
	for (i = 0; i < len && ok; i++)
		ok = p[i] == pat(i);
	if (s->nreq < 4) {
		s->lens[s->nreq] = len;
		s->intact[s->nreq] = ok;
		s->one_chain[s->nreq] = one;
	}
	evhttp_send_reply(req, 200, "OK", NULL);
	if (++s->nreq == s->want)
		event_base_loopexit(s->base, NULL);
}

static void
srv_open(struct srv *s, int want)
{
	struct sockaddr_un sun;
	int fd;

	memset(s, 0, sizeof(*s));
	s->want = want;
	assert_int_equal(zstest_mkdtemp(s->dir, sizeof(s->dir), "zsign-conn"), 0);
	snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_non_null(s->base = event_base_new());
	assert_non_null(s->conn = conn_new(s->base, 0, 16, pause_cb, NULL));
	conn_set_body_max(s->conn, BIG_LEN + 1);
	assert_non_null(s->http = evhttp_new(s->base));
	evhttp_set_max_body_size(s->http, BIG_LEN + 1);
	evhttp_set_gencb(s->http, request_cb, s);
	evhttp_set_bevcb(s->http, conn_bevcb, s->conn);
	assert_non_null(evhttp_accept_socket_with_handle(s->http, fd));
}

static void
srv_close(struct srv *s)
{
	evhttp_free(s->http);
	conn_free(s->conn);
	event_base_free(s->base);
	unlink(s->path);
	rmdir(s->dir);
}

/* Thread: connect and write the whole request text, blocking. */
static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct sockaddr_un sun;
	size_t off = 0;
	ssize_t n;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, w->path);
	w->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (w->fd == -1 ||
	    connect(w->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return NULL;
	while (off < w->len && (n = write(w->fd, w->data + off,
	    w->len - off)) > 0)
		off += (size_t)n;
	return NULL;
}

/* Append a POST of len pattern bytes to the request text at *p. */
static void
add_post(uint8_t **p, size_t *plen, size_t len)
{
	char head[128];
	size_t hl, i;

	hl = (size_t)snprintf(head, sizeof(head), "POST /x HTTP/1.1\r\n"
	    "Host: t\r\nContent-Length: %zu\r\n\r\n", len);
	*p = realloc(*p, *plen + hl + len);
	assert_non_null(*p);
	memcpy(*p + *plen, head, hl);
	for (i = 0; i < len; i++)
		(*p)[*plen + hl + i] = pat(i);
	*plen += hl + len;
}

/* Serve the request text in w on s until s->want requests are in. */
static void
serve(struct srv *s, struct writer *w)
{
	pthread_t t;

	w->path = s->path;
	w->fd = -1;
	assert_int_equal(pthread_create(&t, NULL, writer_run, w), 0);
	assert_int_equal(event_base_dispatch(s->base), 0);
	pthread_join(t, NULL);
	if (w->fd != -1)
		close(w->fd);
	free(w->data);
}

static void
test_big_body(void **state)
{
	struct srv s;
	struct writer w = { 0 };

	srv_open(&s, 1);
	add_post(&w.data, &w.len, BIG_LEN);
	serve(&s, &w);
	assert_int_equal(s.nreq, 1);
	assert_int_equal(s.lens[0], BIG_LEN);
	assert_true(s.intact[0]);
	/*
	 * Most of the body came through conn_read_more(). 0 means libevent
	 * no longer reads 4096 bytes at a time, or runs its input callbacks
	 * elsewhere than inside evbuffer_read(): see conn.c.
	 */
	assert_true(conn_read_more_bytes(s.conn) > BIG_LEN / 2);
	/* And it came in one chain, for server.c to take over. */
	assert_true(s.one_chain[0]);
	srv_close(&s);
}

/* Bytes past one request's end stay the next request's, in order. */
static void
test_pipelined(void **state)
{
	struct srv s;
	struct writer w = { 0 };

	srv_open(&s, 3);
	add_post(&w.data, &w.len, BIG_LEN / 2);
	add_post(&w.data, &w.len, SMALL_LEN);
	add_post(&w.data, &w.len, BIG_LEN / 4);
	serve(&s, &w);
	assert_int_equal(s.nreq, 3);
	assert_int_equal(s.lens[0], BIG_LEN / 2);
	assert_int_equal(s.lens[1], SMALL_LEN);
	assert_int_equal(s.lens[2], BIG_LEN / 4);
	assert_true(s.intact[0] && s.intact[1] && s.intact[2]);
	srv_close(&s);
}

/* A chunked body (no length to size a chain by) arrives intact too. */
static void
test_chunked(void **state)
{
	struct srv s;
	struct writer w = { 0 };
	const char *head = "POST /x HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	size_t hl = strlen(head), off, i, n, chunk = BIG_LEN / 8;
	int k;

	srv_open(&s, 1);
	w.data = malloc(hl + BIG_LEN / 2 + 64);
	assert_non_null(w.data);
	memcpy(w.data, head, hl);
	off = hl;
	for (k = 0, i = 0; k < 4; k++) {
		off += (size_t)sprintf((char *)w.data + off, "%zx\r\n", chunk);
		for (n = 0; n < chunk; n++, i++)
			w.data[off++] = pat(i);
		memcpy(w.data + off, "\r\n", 2);
		off += 2;
	}
	memcpy(w.data + off, "0\r\n\r\n", 5);
	w.len = off + 5;
	serve(&s, &w);
	assert_int_equal(s.nreq, 1);
	assert_int_equal(s.lens[0], BIG_LEN / 2);
	assert_true(s.intact[0]);
	srv_close(&s);
}

/* The body the refusal callback answers with. */
#define REFUSED_BODY	"{\"error\":{\"code\":\"x\",\"message\":\"m\"}}"
/* The body cap of the refusal tests. */
#define SMALL_CAP	1000u

/* One client exchange: requests sent in turn, a reply read after each. */
struct talk {
	const char	*path;
	const char	*reqs[4];
	int		 status[4];
	char		 body[4][256];
	atomic_int	 done;
};

struct refusals {
	int	 n;
	int	 status[4];
	char	 why[4][128];
	int	 evcon_known;
};

static char *
refused_cb(void *arg, struct evhttp_connection *evcon, int *statusp,
    const char *why)
{
	struct refusals *r = arg;

	if (r->n < 4) {
		r->status[r->n] = *statusp;
		snprintf(r->why[r->n], sizeof(r->why[0]), "%s",
		    why != NULL ? why : "");
	}
	r->n++;
	r->evcon_known += evcon != NULL;
	return strdup(REFUSED_BODY);
}

/* Read one reply from fd: its status and (up to 255 bytes) its body. */
static int
talk_read(int fd, int *statusp, char *body)
{
	char buf[8192], *end, *cl;
	size_t have = 0, want;
	ssize_t n;

	for (;;) {
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL &&
		    strncmp(buf, "HTTP/1.1 100 ", 13) == 0) {
			/* "100 Continue": no body. */
			want = 0;
			break;
		}
		if (end != NULL &&
		    (cl = strstr(buf, "Content-Length: ")) != NULL &&
		    have >= (size_t)(end + 4 - buf) + (want = strtoul(cl + 16,
		    NULL, 10)))
			break;
		if (have == sizeof(buf) - 1 ||
		    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			return -1;
		have += (size_t)n;
	}
	*statusp = atoi(buf + 9);
	snprintf(body, 256, "%.*s", (int)want, end + 4);
	return 0;
}

/* Thread: send each request of t on one connection, reading each reply. */
static void *
talk_run(void *arg)
{
	struct talk *t = arg;
	struct sockaddr_un sun;
	int fd, i;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, t->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		for (i = 0; i < 4 && t->reqs[i] != NULL; i++)
			if (write(fd, t->reqs[i], strlen(t->reqs[i])) !=
			    (ssize_t)strlen(t->reqs[i]) ||
			    talk_read(fd, &t->status[i], t->body[i]) != 0)
				break;
	close(fd);
 out:
	atomic_store(&t->done, 1);
	return NULL;
}

struct talk_wait {
	struct event_base	*base;
	struct talk		*t;
};

static void
talk_check(evutil_socket_t fd, short what, void *arg)
{
	struct talk_wait *tw = arg;

	if (atomic_load(&tw->t->done))
		event_base_loopexit(tw->base, NULL);
}

/* Serve s until the client thread has had its talk t. */
static void
talk(struct srv *s, struct talk *t)
{
	struct talk_wait tw = { s->base, t };
	struct timeval tv = { 0, 10000 };
	struct event *ev;
	pthread_t th;

	t->path = s->path;
	atomic_init(&t->done, 0);
	assert_non_null(ev = event_new(s->base, -1, EV_PERSIST, talk_check,
	    &tw));
	event_add(ev, &tv);
	assert_int_equal(pthread_create(&th, NULL, talk_run, t), 0);
	assert_int_equal(event_base_dispatch(s->base), 0);
	pthread_join(th, NULL);
	event_free(ev);
}

/*
 * evhttp's own refusals: a Content-Length over the cap (413, its body
 * never read), a malformed header after a good request on a kept-alive
 * connection (400: the output's start is frozen there), a chunk over the
 * cap (413), an HTTP/1.0 one (400: evhttp's page has no Content-Length).
 * Each reaches the callback once, and the client reads the
 * callback's body with evhttp's status. Fails if libevent stops writing
 * its refusal's status line in one piece into the connection's output
 * while no reply is under way, or writes it before the loop polls again.
 */
static void
test_refused(void **state)
{
	struct srv s;
	struct refusals r = { 0 };
	struct talk t1 = { .reqs = { "POST /x HTTP/1.1\r\nHost: t\r\n"
	    "Content-Length: 5000\r\n\r\n" } };
	struct talk t2 = { .reqs = { "GET /x HTTP/1.1\r\nHost: t\r\n\r\n",
	    "GET /x HTTP/1.1\r\nHost: t\r\nno colon\r\n\r\n" } };
	struct talk t3 = { .reqs = { "POST /x HTTP/1.1\r\nHost: t\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2000\r\n" } };
	/* HTTP/1.0: evhttp's page has no Content-Length, ours has. */
	struct talk t4 = { .reqs = { "GET /x HTTP/1.0\r\nno colon\r\n\r\n" } };

	srv_open(&s, 0);
	evhttp_set_max_body_size(s.http, SMALL_CAP);
	conn_set_refused(s.conn, refused_cb, &r);
	talk(&s, &t1);
	talk(&s, &t2);
	talk(&s, &t3);
	talk(&s, &t4);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.evcon_known, 4);
	assert_int_equal(r.status[0], 413);
	assert_int_equal(r.status[1], 400);
	assert_int_equal(r.status[2], 413);
	assert_int_equal(r.status[3], 400);
	assert_int_equal(t1.status[0], 413);
	assert_string_equal(t1.body[0], REFUSED_BODY);
	assert_int_equal(t2.status[0], 200);
	assert_int_equal(t2.status[1], 400);
	assert_string_equal(t2.body[1], REFUSED_BODY);
	assert_int_equal(t3.status[0], 413);
	assert_string_equal(t3.body[0], REFUSED_BODY);
	assert_int_equal(t4.status[0], 400);
	assert_string_equal(t4.body[0], REFUSED_BODY);
	srv_close(&s);
}

/* Replies of the server, errors too, and "100 Continue" are no refusals. */
static void
test_not_refused(void **state)
{
	struct srv s;
	struct refusals r = { 0 };
	struct talk t = { .reqs = { "POST /x HTTP/1.1\r\nHost: t\r\n"
	    "Expect: 100-continue\r\nContent-Length: 3\r\n\r\n",
	    "abc", "GET /x HTTP/1.1\r\nHost: t\r\n\r\n" } };

	srv_open(&s, 0);
	conn_set_refused(s.conn, refused_cb, &r);
	s.fail = 1;
	talk(&s, &t);
	assert_int_equal(t.status[0], 100);
	assert_int_equal(t.status[1], 404);
	assert_int_equal(t.status[2], 404);
	assert_int_equal(r.n, 0);
	srv_close(&s);
}

/* A TLS listener on 127.0.0.1 (a self-signed P-256 certificate). */
struct tsrv {
	struct srv	 s;
	struct tls	*tls;
	int		 port;
	char		 cert[160], key[160];
};

static void
tsrv_open(struct tsrv *ts)
{
	struct tls_files files = { 0 };
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct zs_errbuf eb;
	EVP_PKEY *pk;
	X509 *x;
	FILE *f;

	srv_open(&ts->s, 0);
	snprintf(ts->cert, sizeof(ts->cert), "%s/cert.pem", ts->s.dir);
	snprintf(ts->key, sizeof(ts->key), "%s/key.pem", ts->s.dir);
	assert_non_null(pk = EVP_EC_gen("P-256"));
	assert_non_null(x = X509_new());
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, pk);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	assert_non_null(f = fopen(ts->cert, "w"));
	assert_int_equal(PEM_write_X509(f, x), 1);
	fclose(f);
	assert_non_null(f = fopen(ts->key, "w"));
	assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(pk);
	files.cert = ts->cert;
	files.key = ts->key;
	assert_int_equal(tls_new(&files, &ts->tls, &eb), 0);
	assert_int_equal(tls_listen(ts->tls, ts->s.http, ts->s.conn,
	    "127.0.0.1:0", &bs, &eb), 0);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen), 0);
	ts->port = ntohs(sin.sin_port);
}

static void
tsrv_close(struct tsrv *ts)
{
	srv_close(&ts->s);
	tls_free(ts->tls);
	unlink(ts->cert);
	unlink(ts->key);
	rmdir(ts->s.dir);
}

/* One TCP client: what it sends, over TLS or not, and what came back. */
struct tclient {
	int		 port;
	int		 tls;
	const char	*req;		/* NULL: close at once */
	char		 got[512];
	size_t		 gotlen;
	atomic_int	 done;
};

/* Thread: connect, send req (over TLS if asked), read until the close. */
static void *
tclient_run(void *arg)
{
	struct tclient *tc = arg;
	struct sockaddr_in sin;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	ssize_t n;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)tc->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    tc->req == NULL)
		goto out;
	if (tc->tls) {
		if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
		    SSL_connect(ssl) != 1 ||
		    SSL_write(ssl, tc->req, (int)strlen(tc->req)) <= 0)
			goto out;
		while (tc->gotlen < sizeof(tc->got) - 1 && (n = SSL_read(ssl,
		    tc->got + tc->gotlen, (int)(sizeof(tc->got) - 1 -
		    tc->gotlen))) > 0)
			tc->gotlen += (size_t)n;
	} else {
		if (write(fd, tc->req, strlen(tc->req)) !=
		    (ssize_t)strlen(tc->req))
			goto out;
		while (tc->gotlen < sizeof(tc->got) - 1 && (n = read(fd,
		    tc->got + tc->gotlen, sizeof(tc->got) - 1 -
		    tc->gotlen)) > 0)
			tc->gotlen += (size_t)n;
	}
 out:
	tc->got[tc->gotlen] = '\0';
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
	atomic_store(&tc->done, 1);
	return NULL;
}

struct tclient_wait {
	struct event_base	*base;
	struct tclient		*tc;
	struct conn		*conn;
};

static void
tclient_poll(evutil_socket_t fd, short what, void *arg)
{
	struct tclient_wait *tw = arg;

	/* Done, and its connection gone (its close callback has run). */
	if (atomic_load(&tw->tc->done) && conn_count(tw->conn) == 0)
		event_base_loopexit(tw->base, NULL);
}

/* Serve ts until the client tc is done and its connection closed. */
static void
tclient(struct tsrv *ts, struct tclient *tc)
{
	struct tclient_wait tw = { ts->s.base, tc, ts->s.conn };
	struct timeval tv = { 0, 10000 };
	struct event *ev;
	pthread_t th;

	tc->port = ts->port;
	atomic_init(&tc->done, 0);
	assert_non_null(ev = event_new(ts->s.base, -1, EV_PERSIST,
	    tclient_poll, &tw));
	event_add(ev, &tv);
	assert_int_equal(pthread_create(&th, NULL, tclient_run, tc), 0);
	assert_int_equal(event_base_dispatch(ts->s.base), 0);
	pthread_join(th, NULL);
	event_free(ev);
}

/*
 * TLS: a malformed header gets the callback's body through the TLS
 * output buffer (bufferevent_openssl's plaintext side); plain HTTP on the
 * TLS port fails the handshake, reported with status 0 and OpenSSL's
 * reason from bufferevent_get_openssl_error() when evhttp closes it; a
 * connection closed before a byte is no refusal. Fails if libevent stops
 * keeping the handshake's OpenSSL errors on the bufferevent, or stops
 * calling the close callback of a connection whose handshake failed.
 */
static void
test_refused_tls(void **state)
{
	struct tsrv ts;
	struct refusals r = { 0 };
	struct tclient bad = { .tls = 1, .req = "GET /x HTTP/1.1\r\n"
	    "Host: t\r\nno colon\r\n\r\n" };
	struct tclient plain = { .req = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n" };
	struct tclient mute = { .req = NULL };

	tsrv_open(&ts);
	conn_set_refused(ts.s.conn, refused_cb, &r);
	tclient(&ts, &bad);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.status[0], 400);
	assert_non_null(strstr(bad.got, "HTTP/1.1 400 "));
	assert_non_null(strstr(bad.got, "\r\n\r\n" REFUSED_BODY));
	tclient(&ts, &plain);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.status[1], 0);
	assert_string_equal(r.why[1], "TLS handshake failed: http request");
	assert_int_equal(plain.gotlen, 0);
	tclient(&ts, &mute);
	assert_int_equal(r.n, 2);
	tsrv_close(&ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_body),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_not_refused),
		cmocka_unit_test(test_refused_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

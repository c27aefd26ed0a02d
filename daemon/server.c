/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsignd's event loop: Unix-socket and TLS listeners, each under its own
 * evhttp and connection watcher with the same limits, a dispatch table of
 * endpoints, sign requests handed to the worker pool and answered
 * back on the loop thread, caps on what a client may hold, one audit line
 * per request, and a shutdown that finishes what is in flight.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/acl.h"
#include "daemon/approval.h"
#include "daemon/conf.h"
#include "daemon/conn.h"
#include "daemon/handle.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/pool.h"
#include "daemon/refagg.h"
#include "daemon/refuse.h"
#include "daemon/runtime.h"
#include "daemon/security.h"
#include "daemon/server.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

/* Pending connections the kernel queues per listener. */
#define LISTEN_BACKLOG		1024
/* Bodies from this size up are followed by a malloc_trim() (route_job). */
#define SERVER_TRIM_MIN		(1024 * 1024)
/* Descriptors kept beside the connections: keys, logs, listeners, pool. */
#define FD_RESERVE		64
/* Mode of the socket files: owner and group may connect. */
#define LISTEN_SOCKET_MODE	0660
/*
 * libevent 2.1's type for a method token it does not know (its private
 * EVHTTP_REQ_UNKNOWN_, http-internal.h); allowed, such a request reaches
 * the dispatcher instead of evhttp's 501 HTML page.
 */
#define REQ_UNKNOWN	(1 << 15)
/* Every method, known or not, so that we answer 405/400 ourselves, in JSON. */
#define ALL_METHODS	(EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | \
	EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | \
	EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH | REQ_UNKNOWN)

/*
 * One listener: its own evhttp and connection watcher, so that every limit
 * applies to it (Unix or TLS) and its connection cap and request deadline
 * are counted for it alone.
 */
struct listener {
	struct server			*srv;
	char				*path;	/* NULL for tcp: */
	struct evhttp			*http;
	struct conn			*conns;	/* deadline, cap */
	struct evhttp_bound_socket	*bound;	/* NULL once closed */
};

struct server {
	struct runtime		*rt;		/* the serving generation */
	server_build_fn		*rebuild;	/* SIGHUP: a new generation */
	void			*rebuild_arg;
	struct metrics		*metrics;
	struct notify_watchdog	*watchdog;
	struct event_base	*base;
	struct security		*sec;
	struct pool		*pool;
	struct event		*sighup;
	struct event		*sigterm;
	struct event		*sigint;
	struct event		*grace;
	struct event		*flush;		/* aggregate audit records */
	struct listener		 listeners[CONF_LISTEN_MAX];
	size_t			 nlisteners;
	unsigned int		 in_flight;	/* sign jobs not yet answered */
	unsigned int		 writing;	/* replies not yet written */
	/*
	 * The memory budget (max_in_flight_bytes), shared with the workers:
	 * request bodies being signed and signed replies from the moment a
	 * worker reserves them until written or their connection is gone.
	 */
	pthread_mutex_t		 budget_mtx;
	size_t			 bytes_in_flight; /* request bodies */
	size_t			 reply_bytes;	/* signed replies */
	int			 stopping;
	int			 cut_off;	/* shutdown timeout expired */
};

/* Who asked what, for the audit line. */
struct reqinfo {
	struct conn	*conn;		/* its listener's connections */
	long		 uid;
	long		 pid;
	const char	*method;
	const char	*path;
	struct timespec	 t0;
	struct policy_identity id;
};

/* A sign request while it is with the workers. */
struct sreq {
	struct server		*srv;
	struct evhttp_request	*req;
	struct reqinfo		 ri;
	char			 path[32];
	char			 approval[APPROVAL_ID_LEN];	/* "" */
	struct runtime		*rt;		/* the generation it began on */
	int			 reply_refused;	/* no room in the budget */
	void			(*run)(struct sign_job *);	/* worker */
	uint8_t			*body;		/* malloc'd, or in hold */
	struct evbuffer		*hold;		/* NULL, or body's one chain */
	size_t			 len;
	size_t			 cost;		/* file bytes, for the caps */
	struct sign_job		 job;
};

static struct listener *listener_new(struct server *, struct zs_errbuf *);
static void	route_health(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_keys(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_sign(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_raw_sign(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_approvals(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_approve(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_reject(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_fetch(struct server *, struct evhttp_request *,
		    struct reqinfo *);
static void	route_metrics(struct server *, struct evhttp_request *,
		    struct reqinfo *);

/* The endpoints. */
static const struct route {
	const char		*path;
	enum evhttp_cmd_type	 method;
	void			(*handle)(struct server *,
				    struct evhttp_request *, struct reqinfo *);
} routes[] = {
	{ "/v1/health",	EVHTTP_REQ_GET,		route_health },
	{ "/v1/keys",	EVHTTP_REQ_GET,		route_keys },
	{ "/v1/sign",	EVHTTP_REQ_POST,	route_sign },
	{ "/v1/raw-sign", EVHTTP_REQ_POST,	route_raw_sign },
	{ "/v1/approvals", EVHTTP_REQ_GET,	route_approvals },
	{ "/v1/approvals/approve", EVHTTP_REQ_POST, route_approve },
	{ "/v1/approvals/reject", EVHTTP_REQ_POST, route_reject },
	{ "/v1/approvals/fetch", EVHTTP_REQ_POST, route_fetch },
	{ "/metrics",	EVHTTP_REQ_GET,		route_metrics },
};

static const struct {
	enum evhttp_cmd_type	 method;
	const char		*name;
} methods[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_POST, "POST" },
	{ EVHTTP_REQ_HEAD, "HEAD" }, { EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_TRACE, "TRACE" }, { EVHTTP_REQ_CONNECT, "CONNECT" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

static const char *
method_name(enum evhttp_cmd_type m)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].method == m)
			return methods[i].name;
	return "?";
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The peer's credentials on evcon, from the Unix socket (SO_PEERCRED). */
static void
peer_cred(struct evhttp_connection *evcon, struct reqinfo *ri)
{
	struct bufferevent *bev;
	struct ucred uc;
	socklen_t len = sizeof(uc);

	ri->uid = -1;
	ri->pid = -1;
	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return;
	/* TCP sockets answer too, with pid 0: no credentials (audit). */
	if (getsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_PEERCRED, &uc,
	    &len) == 0 && uc.pid != 0) {
		ri->uid = (long)uc.uid;
		ri->pid = (long)uc.pid;
	}
}

static void
server_check_done(struct server *s)
{
	if (s->stopping && s->in_flight == 0 && s->writing == 0)
		event_base_loopexit(s->base, NULL);
}

/* Reply bookkeeping: the reply is written, or its connection died. */
static void
reply_end(struct server *s)
{
	s->writing--;
	server_check_done(s);
}

/* conn.c: a reply (len bytes of the budget) is written or dropped. */
static void
reply_done_cb(void *arg, size_t len)
{
	struct server *s = arg;

	pthread_mutex_lock(&s->budget_mtx);
	s->reply_bytes -= len;
	pthread_mutex_unlock(&s->budget_mtx);
	reply_end(s);
}

static void
free_cb(const void *data, size_t len, void *arg)
{
	free((void *)(uintptr_t)data);
}

/*
 * Send status with buf (emptied) of content type ctype on the loop thread;
 * budget bytes of the memory budget are held until it is written.
 */
static void
server_reply_buf(struct server *s, const struct reqinfo *ri,
    struct evhttp_request *req, int status, struct evbuffer *buf,
    const char *ctype, size_t budget)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	if (conn_reply(ri->conn, req, budget, reply_done_cb, s) == 0)
		s->writing++;
	else {
		/* The connection is gone: nothing will be written. */
		pthread_mutex_lock(&s->budget_mtx);
		s->reply_bytes -= budget;
		pthread_mutex_unlock(&s->budget_mtx);
	}
	evhttp_send_reply(req, status, NULL, buf);
}

/*
 * Send status with len bytes of body (taken over) on the loop thread,
 * holding budget bytes of the memory budget until it is written.
 */
static void
server_reply_len(struct server *s, const struct reqinfo *ri,
    struct evhttp_request *req, int status, char *body, size_t len,
    const char *ctype, size_t budget)
{
	struct evbuffer *buf;

	if ((buf = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (evbuffer_add_reference(buf, body, len, free_cb, NULL) != 0)
		fatalx("%s: evbuffer_add_reference failed", __func__);
	server_reply_buf(s, ri, req, status, buf, ctype, budget);
	evbuffer_free(buf);
}

/* Send a small JSON reply (body taken over), outside the budget. */
static void
server_reply(struct server *s, const struct reqinfo *ri,
    struct evhttp_request *req, int status, char *body)
{
	server_reply_len(s, ri, req, status, body, strlen(body),
	    "application/json", 0);
}

/* Log an error answer of status (code). */
static void
server_log_error(const struct reqinfo *ri, int status, int code)
{
	/* Unauthenticated refusals are logged once per peer (security.c). */
	if (ri->id.auth == POLICY_AUTH_NONE)
		log_debug("%s %s uid=%ld pid=%ld status=%d result=%s ms=%ld",
		    ri->method, ri->path, ri->uid, ri->pid, status,
		    zs_errname(code), ms_since(&ri->t0));
	else
		log_info("%s %s uid=%ld pid=%ld status=%d result=%s ms=%ld",
		    ri->method, ri->path, ri->uid, ri->pid, status,
		    zs_errname(code), ms_since(&ri->t0));
}

/* Answer an error of status (code, msg) and log it. */
static void
server_reply_error(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, int status, int code, const char *msg)
{
	server_reply(s, ri, req, status, proto_error_body(code, msg));
	server_log_error(ri, status, code);
}

/*
 * The one way a refusal leaves the loop thread: audited (its route in the
 * line), counted, answered and logged (daemon/refuse.h).
 */
static void
server_refuse(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, struct refusal *rf)
{
	char line[ZS_ERRMSG_MAX + 64];
	const char *msg = rf->message;

	/* Method and route are names from our tables, never client bytes. */
	snprintf(line, sizeof(line), "%s %s: %s", ri->method, ri->path, msg);
	rf->message = line;
	refuse_record(s->sec, s->metrics, &ri->id, rf);
	rf->message = msg;
	if (rf->kind == REFUSE_UNAUTH)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "WWW-Authenticate", "Bearer realm=\"zsignd\"");
	server_reply_error(s, req, ri, refuse_info(rf->kind)->status,
	    rf->code, msg);
}

/* Refuse as kind, saying msg. */
static void
server_refuse_kind(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, enum refuse_kind kind, const char *msg)
{
	struct refusal rf = { .kind = kind, .message = msg };

	server_refuse(s, req, ri, &rf);
}

/*
 * Answer a handler's error code: a refusal (4xx, 503) goes through
 * server_refuse(); a server fault (5xx) is answered as it is.
 */
static void
server_refuse_code(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, int code, const char *request, const char *msg)
{
	struct refusal rf = { .code = code, .message = msg,
	    .request = request };

	if (refuse_kind_of(code, &rf.kind) != 0) {
		server_reply_error(s, req, ri, proto_http_status(code), code,
		    msg);
		return;
	}
	server_refuse(s, req, ri, &rf);
}

/* What evhttp's own refusals mean, by the status it answers. */
static const struct {
	int			 status;
	enum refuse_kind	 kind;
	const char		*message;
} http_refusals[] = {
	{ 413, REFUSE_TOO_LARGE, "HTTP: request body too large (over "
	    "max_body_bytes), or a malformed chunked body" },
	{ 400, REFUSE_INVALID, "HTTP: malformed request line or header, or "
	    "request line and headers over max_header_bytes" },
	{ 417, REFUSE_INVALID, "HTTP: unsupported Expect header" },
};

/*
 * conn.c: evhttp refused on evcon before any request reached the
 * dispatcher (daemon/conn.c, CONN_STATUS_PEEK), or its TLS handshake
 * failed (status 0). It takes the one refusal path too, with the identity
 * the connection has (no request, so no token): audited, counted and
 * logged; the JSON body returned is answered in place of evhttp's page.
 */
static char *
server_http_refused(void *arg, struct evhttp_connection *evcon, int *statusp,
    const char *why)
{
	struct listener *l = arg;
	struct server *s = l->srv;
	struct refusal rf = { .kind = REFUSE_INVALID,
	    .message = "HTTP: refused by the HTTP layer" };
	struct reqinfo ri;
	size_t i;

	memset(&ri, 0, sizeof(ri));
	clock_gettime(CLOCK_MONOTONIC, &ri.t0);
	ri.conn = l->conns;
	ri.method = "-";
	ri.path = "-";
	peer_cred(evcon, &ri);
	security_identify_conn(s->sec, s->rt->policy, evcon, &ri.id);
	for (i = 0; i < sizeof(http_refusals) / sizeof(http_refusals[0]); i++)
		if (http_refusals[i].status == *statusp) {
			rf.kind = http_refusals[i].kind;
			rf.message = http_refusals[i].message;
		}
	if (*statusp == 0) {
		/* A failed TLS handshake: audited and counted, unanswered. */
		rf.kind = REFUSE_HANDSHAKE;
		rf.message = why != NULL ? why : "TLS handshake failed";
		refuse_record(s->sec, s->metrics, &ri.id, &rf);
		return NULL;
	}
	refuse_record(s->sec, s->metrics, &ri.id, &rf);
	/* An unauthenticated peer past its rate: 429, as everywhere. */
	if (rf.kind == REFUSE_FLOOD)
		*statusp = refuse_info(rf.kind)->status;
	server_log_error(&ri, *statusp, rf.code);
	return proto_error_body(rf.code, rf.message);
}

static void
route_health(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	struct zs_errbuf seb;
	const char *state, *audit;
	char *body, err[ZS_ERRMSG_MAX];
	int status;

	zs_errclear(&seb);
	state = security_state_health(s->sec, &seb);
	audit = security_audit_state(s->sec, err, sizeof(err));
	body = handle_health(s->rt->kr, audit, err, state,
	    seb.msg[0] != '\0' ? seb.msg : NULL, s->rt->generation, &status);
	server_reply(s, ri, req, status, body);
	log_debug("%s %s uid=%ld pid=%ld status=%d ms=%ld", ri->method,
	    ri->path, ri->uid, ri->pid, status, ms_since(&ri->t0));
}

static void
route_keys(struct server *s, struct evhttp_request *req, struct reqinfo *ri)
{
	server_reply(s, ri, req, 200, handle_keys(s->rt->kr));
	log_info("%s %s uid=%ld pid=%ld status=200 keys=%zu ms=%ld",
	    ri->method, ri->path, ri->uid, ri->pid, keyring_count(s->rt->kr),
	    ms_since(&ri->t0));
}

/* GET /metrics: the Prometheus text, for the identities the config allows. */
static void
route_metrics(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	struct evbuffer *buf;
	char msg[ZS_ERRMSG_MAX + 32];

	if (!acl_allows(s->rt->cfg.metrics_acl, &ri->id)) {
		if (ri->id.auth == POLICY_AUTH_NONE) {
			snprintf(msg, sizeof(msg), "not authenticated: %s",
			    ri->id.reason);
			server_refuse_kind(s, req, ri, REFUSE_UNAUTH, msg);
		} else
			server_refuse_kind(s, req, ri, REFUSE_FORBIDDEN,
			    "metrics: not allowed for this identity "
			    "(\"metrics\": {\"allow\"})");
		return;
	}
	if ((buf = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	metrics_render(s->metrics, s->rt->kr, buf);
	server_reply_buf(s, ri, req, 200, buf,
	    "text/plain; version=0.0.4; charset=utf-8", 0);
	evbuffer_free(buf);
	log_debug("%s %s uid=%ld pid=%ld status=200 ms=%ld", ri->method,
	    ri->path, ri->uid, ri->pid, ms_since(&ri->t0));
}

/* The seconds since t0, for the latency histogram. */
static double
secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Free a request body: malloc'd, or the chain hold keeps (body in it). */
static void
body_free(uint8_t *body, struct evbuffer *hold)
{
	if (hold != NULL)
		evbuffer_free(hold);
	else
		free(body);
}

static void
sreq_free(struct sreq *sr)
{
	/* JSON text and images: not secret, not zeroized (keys never travel). */
	body_free(sr->body, sr->hold);
	free(sr->job.reply);
	runtime_unref(sr->rt);
	free(sr);
}

/*
 * Worker thread: may this job's signed reply of len bytes be held until
 * written? Replies count against max_in_flight_bytes with the request
 * bodies; one that does not fit beside what others hold is refused as
 * busy.
 */
static int
sreq_reserve(void *arg, size_t len, struct zs_errbuf *eb)
{
	struct sreq *sr = arg;
	struct server *s = sr->srv;
	size_t cap = sr->rt->cfg.in_flight_bytes_max, others;
	int r = 0;

	pthread_mutex_lock(&s->budget_mtx);
	others = s->bytes_in_flight + s->reply_bytes - sr->cost;
	/* Alone, it passes, as a request does (max_body_bytes bounds it). */
	if (others > 0 && others + sr->cost + len > cap) {
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "busy: too many reply "
		    "bytes in flight");
		sr->reply_refused = 1;
	} else
		s->reply_bytes += len;
	pthread_mutex_unlock(&s->budget_mtx);
	return r;
}

/* Worker thread. */
static void
sreq_run(void *arg)
{
	struct sreq *sr = arg;

	sr->run(&sr->job);
}

/* Loop thread: answer and log. */
static void
sreq_done(void *arg)
{
	struct sreq *sr = arg;
	struct server *s = sr->srv;
	struct sign_job *j = &sr->job;
	enum refuse_kind kind;

	pthread_mutex_lock(&s->budget_mtx);
	s->bytes_in_flight -= sr->cost;
	pthread_mutex_unlock(&s->budget_mtx);
	/* The worker wrote the refusal's audit line, with its files. */
	if (j->code != 0 && refuse_kind_of(j->code, &kind) == 0)
		refuse_count(s->metrics, sr->reply_refused ?
		    REFUSE_BUSY_REPLY : kind, j->code);
	server_reply_len(s, &sr->ri, sr->req, j->status, j->reply,
	    j->reply_len, j->reply_type, j->reserved);
	j->reply = NULL;
	metrics_request_end(s->metrics, j->tool, strcmp(j->key, "-") == 0 ?
	    "" : j->key, j->code == 0 ? "ok" : zs_errname(j->code),
	    secs_since(&sr->ri.t0), j->code == 0 ? j->out_bytes : 0);
	if (j->code == 0)
		log_info("sign uid=%ld pid=%ld key=%s tool=%s in=\"%s\" "
		    "out=\"%s\" status=%d result=ok ms=%ld", sr->ri.uid,
		    sr->ri.pid,
		    j->key, j->tool, j->in, j->out, j->status,
		    ms_since(&sr->ri.t0));
	else
		log_info("sign uid=%ld pid=%ld key=%s tool=%s in=\"%s\" "
		    "status=%d result=%s ms=%ld error=\"%s\"", sr->ri.uid,
		    sr->ri.pid, j->key, j->tool, j->in, j->status,
		    zs_errname(j->code), ms_since(&sr->ri.t0), j->msg);
	if (sr->approval[0] != '\0')
		security_approvals_done(s->sec, sr->approval, j->code);
	s->in_flight--;
	security_leave(s->sec, &sr->ri.id);
	sreq_free(sr);
	server_check_done(s);
}

/* Loop thread, at exit: the request is gone with evhttp. */
static void
sreq_drop(void *arg)
{
	sreq_free(arg);
}

/*
 * Refuse a sign request before it reaches a worker; it counts among the
 * sign requests too (zsignd_requests_total), as a worker's refusal does.
 */
static void
sign_refused(struct server *s, struct evhttp_request *req, struct reqinfo *ri,
    enum refuse_kind kind, int code, const char *msg)
{
	struct refusal rf = { .kind = kind, .code = code, .message = msg };

	server_refuse(s, req, ri, &rf);
	metrics_request_begin(s->metrics);
	metrics_request_end(s->metrics, NULL, NULL, zs_errname(rf.code),
	    secs_since(&ri->t0), 0);
}

/* Whether header name of req names the binary form (PROTOCOL.md 5.8). */
static int
header_is_bin(struct evhttp_request *req, const char *name)
{
	const char *v;
	size_t n = strlen(PROTO_BIN_TYPE);

	v = evhttp_find_header(evhttp_request_get_input_headers(req), name);
	if (v == NULL)
		return 0;
	/* Content-Type names one type; Accept may list it among others. */
	for (; *v != '\0'; v += strcspn(v, ",")) {
		v += strspn(v, ", \t");
		if (strncasecmp(v, PROTO_BIN_TYPE, n) == 0 &&
		    strchr(",; \t", v[n]) != NULL)
			return 1;
		if (strcmp(name, "Accept") != 0)
			return 0;
	}
	return 0;
}

/*
 * Admit a signing request (image or raw) and queue it for the workers,
 * which run handler on it; the same caps, identity slots and audit apply.
 */
static void	route_job_body(struct server *, struct evhttp_request *,
		    struct reqinfo *, void (*)(struct sign_job *), uint8_t *,
		    struct evbuffer *, size_t, int, const char *);

static void
route_job(struct server *s, struct evhttp_request *req, struct reqinfo *ri,
    void (*handler)(struct sign_job *))
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req), *hold = NULL;
	size_t len = evbuffer_get_length(in);
	uint8_t *body;

	/*
	 * A large body read into one chain (conn.c) is taken over as it is:
	 * its chain moves to our own buffer, which the request keeps.
	 */
	if (len > 0 && evbuffer_get_contiguous_space(in) == len) {
		if ((hold = evbuffer_new()) == NULL ||
		    evbuffer_add_buffer(hold, in) != 0 ||
		    (body = evbuffer_pullup(hold, -1)) == NULL)
			fatalx("%s: cannot take over the body", __func__);
	} else {
		body = xmalloc(len + 1);
		if (evbuffer_remove(in, body, len) != (int)len)
			fatalx("%s: evbuffer_remove failed", __func__);
	}
	route_job_body(s, req, ri, handler, body, hold, len,
	    header_is_bin(req, "Content-Type"), NULL);
}

/*
 * The same for a body already in hand (body taken over, or the chain hold
 * keeps it in, taken over then): a request received now, or an approved
 * held request (approval its id).
 */
static void
route_job_body(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, void (*handler)(struct sign_job *), uint8_t *body,
    struct evbuffer *hold, size_t len, int bin_in, const char *approval)
{
	enum refuse_kind kind;
	size_t cost;
	struct zs_errbuf eb;
	struct sreq *sr;
	size_t held;

	/* The caps count file bytes: base64 carries 3 in 4. */
	cost = bin_in ? len : len / 4 * 3;
	if (s->stopping) {
		sign_refused(s, req, ri, REFUSE_STOPPING, 0,
		    "zsignd is shutting down");
		body_free(body, hold);
		return;
	}
	if (s->in_flight >= s->rt->cfg.in_flight_max) {
		sign_refused(s, req, ri, REFUSE_BUSY, 0,
		    "busy: too many requests in flight");
		body_free(body, hold);
		return;
	}
	/* A log that refuses every append cannot take this request's line. */
	if (security_audit_broken(s->sec)) {
		sign_refused(s, req, ri, REFUSE_AUDIT, 0, "the audit log "
		    "refuses appends until it is fixed and reopened (SIGHUP)");
		body_free(body, hold);
		return;
	}
	/*
	 * Bodies and signed replies share the budget; a body bigger than
	 * the cap still passes alone (max_body_bytes bounds it).
	 */
	pthread_mutex_lock(&s->budget_mtx);
	held = s->bytes_in_flight + s->reply_bytes;
	if (held == 0 || held + cost <= s->rt->cfg.in_flight_bytes_max) {
		s->bytes_in_flight += cost;
		held = 0;
	}
	pthread_mutex_unlock(&s->budget_mtx);
	if (held != 0) {
		sign_refused(s, req, ri, REFUSE_BUSY_BYTES, 0,
		    "busy: too many request bytes in flight");
		body_free(body, hold);
		return;
	}
	if (security_enter(s->sec, &ri->id, &eb) != 0) {
		pthread_mutex_lock(&s->budget_mtx);
		s->bytes_in_flight -= cost;
		pthread_mutex_unlock(&s->budget_mtx);
		if (refuse_kind_of(eb.code, &kind) != 0)
			fatalx("%s: security_enter: %s", __func__, eb.msg);
		sign_refused(s, req, ri, kind, eb.code, eb.msg);
		body_free(body, hold);
		return;
	}
	metrics_request_begin(s->metrics);
	sr = xcalloc(1, sizeof(*sr));
	/* The request keeps the generation it began on through a reload. */
	sr->rt = runtime_ref(s->rt);
	sr->srv = s;
	sr->run = handler;
	sr->req = req;
	sr->ri = *ri;
	snprintf(sr->path, sizeof(sr->path), "%s", ri->path);
	sr->ri.path = sr->path;
	sr->len = len;
	sr->cost = cost;
	sr->body = body;
	sr->hold = hold;
	/*
	 * A body copied out of its read chains (TLS, or one conn.c did not
	 * read into one chain): the chains are free now, on the heap; give
	 * them back before the image is built, or a large request peaks at
	 * three times its size instead of two.
	 */
	if (hold == NULL && sr->len >= SERVER_TRIM_MIN)
		(void)malloc_trim(0);
	if (approval != NULL) {
		snprintf(sr->approval, sizeof(sr->approval), "%s", approval);
		sr->job.approval = sr->approval;
	}
	sr->job.body = sr->body;
	sr->job.len = sr->len;
	sr->job.max = sr->rt->cfg.body_max;
	sr->job.bin_in = bin_in;
	/* A collected request is answered in JSON: the client lacks its body. */
	sr->job.bin_out = approval == NULL && header_is_bin(req, "Accept");
	sr->job.kr = sr->rt->kr;
	sr->job.configs = &sr->rt->cfg.rimage;
	sr->job.sec = s->sec;
	sr->job.id = &sr->ri.id;
	sr->job.reserve = sreq_reserve;
	sr->job.reserve_arg = sr;
	s->in_flight++;
	log_debug("sign uid=%ld pid=%ld queued, %u in flight", ri->uid,
	    ri->pid, s->in_flight);
	pool_submit(s->pool, sr);
}

static void
route_sign(struct server *s, struct evhttp_request *req, struct reqinfo *ri)
{
	route_job(s, req, ri, handle_sign);
}

static void
route_raw_sign(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	route_job(s, req, ri, handle_raw_sign);
}

/* Largest body of an approvals request ({"id": ...}). */
#define SERVER_APPROVAL_BODY_MAX	1024

/* The "id" of an approvals request body into id. */
static int
approval_req_id(struct evhttp_request *req, char id[APPROVAL_ID_LEN],
    struct zs_errbuf *eb)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char body[SERVER_APPROVAL_BODY_MAX];
	const char *s;
	json_t *o;
	int r = 0;

	if (len >= sizeof(body) || evbuffer_remove(in, body, len) != (int)len)
		return zs_errf(eb, ZS_ERR_INVALID, "want {\"id\": REQUEST-ID}");
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	s = json_string_value(json_object_get(o, "id"));
	if (!json_is_object(o) || json_object_size(o) != 1 || s == NULL ||
	    !approvals_id_valid(s))
		r = zs_errf(eb, ZS_ERR_INVALID, "want {\"id\": REQUEST-ID} "
		    "(32 hex digits)");
	else
		memcpy(id, s, APPROVAL_ID_LEN);
	json_decref(o);
	return r;
}

/* Answer an approvals route: reply (taken over) with status, or an error. */
static void
approval_answer(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri, const char *reqid, int r, char *reply, int status,
    const struct zs_errbuf *eb)
{
	if (r != 0) {
		free(reply);
		server_refuse_code(s, req, ri, r, reqid, eb->msg);
		return;
	}
	server_reply(s, ri, req, status, reply);
	log_info("%s %s uid=%ld pid=%ld status=%d result=ok ms=%ld",
	    ri->method, ri->path, ri->uid, ri->pid, status,
	    ms_since(&ri->t0));
}

static void
route_approvals(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	struct zs_errbuf eb;
	char *reply = NULL;
	int r;

	r = security_approvals_list(s->sec, &ri->id, &reply, &eb);
	approval_answer(s, req, ri, NULL, r, reply, 200, &eb);
}

/* POST /v1/approvals/approve or reject. */
static void
route_vote(struct server *s, struct evhttp_request *req, struct reqinfo *ri,
    int approve)
{
	char id[APPROVAL_ID_LEN], *reply = NULL;
	struct zs_errbuf eb;
	int r;

	if ((r = approval_req_id(req, id, &eb)) == 0)
		r = security_approvals_vote(s->sec, &ri->id, id, approve,
		    &reply, &eb);
	approval_answer(s, req, ri, r == ZS_ERR_INVALID ? NULL : id, r, reply,
	    200, &eb);
}

static void
route_approve(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	route_vote(s, req, ri, 1);
}

static void
route_reject(struct server *s, struct evhttp_request *req,
    struct reqinfo *ri)
{
	route_vote(s, req, ri, 0);
}

/*
 * POST /v1/approvals/fetch: 202 while the request waits; once approved,
 * the spooled request is signed now, for its requester, as any other.
 */
static void
route_fetch(struct server *s, struct evhttp_request *req, struct reqinfo *ri)
{
	char id[APPROVAL_ID_LEN], *pending = NULL;
	struct zs_errbuf eb;
	uint8_t *body = NULL;
	size_t len = 0;
	int r, bin = 0;

	if ((r = approval_req_id(req, id, &eb)) == 0)
		r = security_approvals_fetch(s->sec, &ri->id, id, &body, &len,
		    &bin, &pending, &eb);
	if (r != 0 || pending != NULL) {
		approval_answer(s, req, ri, r == ZS_ERR_INVALID ? NULL : id, r,
		    pending, 202, &eb);
		return;
	}
	route_job_body(s, req, ri, handle_sign, body, NULL, len, bin, id);
}

/* evhttp's callback for every complete request: the dispatcher. */
static void
server_request_cb(struct evhttp_request *req, void *arg)
{
	struct listener *l = arg;
	struct server *s = l->srv;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct reqinfo ri;
	const char *path;
	size_t i, match = 0;
	int pathmatch = 0;

	clock_gettime(CLOCK_MONOTONIC, &ri.t0);
	ri.conn = l->conns;
	peer_cred(evhttp_request_get_connection(req), &ri);
	security_identify(s->sec, s->rt->policy, req, &ri.id);
	ri.method = method_name(m);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	ri.path = "-";
	/* PROTOCOL.md §1: an unknown method token is a bad request. */
	if (strcmp(ri.method, "?") == 0) {
		server_refuse_kind(s, req, &ri, REFUSE_INVALID, "unknown HTTP "
		    "method");
		return;
	}
	if (path == NULL) {
		server_refuse_kind(s, req, &ri, REFUSE_INVALID, "bad request "
		    "target");
		return;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		pathmatch = 1;
		match = i;
		ri.path = routes[i].path;
		if (routes[i].method == m) {
			routes[i].handle(s, req, &ri);
			return;
		}
	}
	if (pathmatch) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", method_name(routes[match].method));
		/* 405 carries code "invalid" (PROTOCOL.md). */
		server_refuse_kind(s, req, &ri, REFUSE_METHOD,
		    "method not allowed");
		return;
	}
	server_refuse_kind(s, req, &ri, REFUSE_NOT_FOUND, "no such endpoint");
}

/* Bind a Unix socket, replacing a stale socket file but no live one. */
static int
listener_open(struct server *s, const char *spec, struct zs_errbuf *eb)
{
	struct sockaddr_un sun;
	struct listener *l;
	struct stat st;
	const char *path = spec + strlen("unix:");
	int fd, probe, r = ZS_ERR_IO;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: path too long", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return zs_errf(eb, ZS_ERR_IO, "socket: %s", strerror(errno));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			zs_errf(eb, ZS_ERR_IO, "%s: exists and is not a socket",
			    path);
			goto out;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			zs_errf(eb, ZS_ERR_IO, "%s: another server is "
			    "listening there", path);
			goto out;
		}
		if (probe != -1)
			close(probe);
		if (unlink(path) == -1) {
			zs_errf(eb, ZS_ERR_IO, "%s: cannot remove stale "
			    "socket: %s", path, strerror(errno));
			goto out;
		}
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		zs_errf(eb, ZS_ERR_IO, "%s: bind: %s", path, strerror(errno));
		goto out;
	}
	if (chmod(path, LISTEN_SOCKET_MODE) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		zs_errf(eb, ZS_ERR_IO, "%s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	if (security_socket_perms(s->sec, path, eb) != 0) {
		unlink(path);
		goto out;
	}
	if ((l = listener_new(s, eb)) == NULL) {
		unlink(path);
		goto out;
	}
	if ((l->bound = evhttp_accept_socket_with_handle(l->http,
	    fd)) == NULL) {
		zs_errf(eb, ZS_ERR_INTERNAL, "%s: evhttp cannot accept", path);
		unlink(path);
		goto out;
	}
	l->path = xstrdup(path);
	log_info("listening on unix:%s", path);
	return 0;
 out:
	close(fd);
	return r;
}

/*
 * Stop accepting: close the listeners and remove their socket files; their
 * evhttp and watcher stay until server_free() for the connections open.
 */
static void
listeners_close(struct server *s)
{
	struct listener *l;
	size_t i;

	for (i = 0; i < s->nlisteners; i++) {
		l = &s->listeners[i];
		if (l->bound == NULL)
			continue;
		evhttp_del_accept_socket(l->http, l->bound);
		l->bound = NULL;
		if (l->path != NULL && unlink(l->path) == -1 &&
		    errno != ENOENT)
			log_warn("unlink %s", l->path);
		free(l->path);
		l->path = NULL;
	}
}

/* A tcp:HOST:PORT listener: TLS only, on the second evhttp. */
static int
listener_open_tcp(struct server *s, const char *spec, struct zs_errbuf *eb)
{
	struct listener *l;

	if ((l = listener_new(s, eb)) == NULL)
		return eb->code;
	return security_listen_tcp(s->sec, l->http, l->conns,
	    spec + strlen("tcp:"), &l->bound, eb);
}

/* Apply a generation's HTTP limits to http (at start and on reload). */
static void
server_http_limits(struct evhttp *http, const struct conf *cfg)
{
	struct timeval tv;

	/* The binary form's head rides on top of max_body_bytes of files. */
	evhttp_set_max_body_size(http, (ev_uint64_t)cfg->body_max +
	    PROTO_BIN_HEAD_SLACK);
	evhttp_set_max_headers_size(http, cfg->header_max);
	tv.tv_sec = cfg->io_timeout_ms / 1000;
	tv.tv_usec = (cfg->io_timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(http, &tv);
}

/* The same limits and dispatcher on every listener's evhttp. */
static struct evhttp *
server_http_new(struct server *s, struct listener *l)
{
	struct conn *c = l->conns;
	struct evhttp *http;

	if ((http = evhttp_new(s->base)) == NULL)
		fatalx("%s: libevent set-up failed", __func__);
	server_http_limits(http, &s->rt->cfg);
	evhttp_set_allowed_methods(http, ALL_METHODS);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, server_request_cb, l);
	/* c makes each connection (TLS ones through tls.c) and watches it. */
	evhttp_set_bevcb(http, conn_bevcb, c);
	return http;
}

/* Stop or resume accepting on one listener (its max_connections). */
static void
listener_pause(void *arg, int pause)
{
	struct listener *l = arg;
	struct evconnlistener *lev;

	if (l->bound == NULL)
		return;
	lev = evhttp_bound_socket_get_listener(l->bound);
	if (pause)
		evconnlistener_disable(lev);
	else
		evconnlistener_enable(lev);
}

/*
 * The next listener slot, with its own evhttp and connection watcher
 * under the running limits; NULL (reason in eb) when all are taken.
 */
static struct listener *
listener_new(struct server *s, struct zs_errbuf *eb)
{
	const struct conf *cfg = &s->rt->cfg;
	struct listener *l;

	if (s->nlisteners == CONF_LISTEN_MAX) {
		zs_errf(eb, ZS_ERR_TOO_LARGE, "more than %d listeners",
		    CONF_LISTEN_MAX);
		return NULL;
	}
	l = &s->listeners[s->nlisteners++];
	memset(l, 0, sizeof(*l));
	l->srv = s;
	l->conns = conn_new(s->base, cfg->request_timeout_ms, cfg->conns_max,
	    listener_pause, l);
	conn_set_body_max(l->conns, (size_t)cfg->body_max +
	    PROTO_BIN_HEAD_SLACK);
	conn_set_refused(l->conns, server_http_refused, l);
	l->http = server_http_new(s, l);
	return l;
}

/*
 * max_connections counts per listener: raise the descriptor limit to
 * cover every listener full, else accept() fails with EMFILE and spins.
 */
static void
server_fd_limit(struct server *s)
{
	struct rlimit rl;
	rlim_t need;

	need = (rlim_t)s->nlisteners * s->rt->cfg.conns_max + FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ?
	    rl.rlim_max : need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need)
		log_warnx("%zu listener(s) x max_connections %u need %llu "
		    "descriptors; the limit is %llu", s->nlisteners,
		    s->rt->cfg.conns_max, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur);
}

/*
 * SIGHUP: build a complete new generation (file, keys, certificates) and
 * swap it in only if every part loaded; else keep serving the old one.
 * Requests in flight keep the generation they hold a reference to.
 */
static void
server_reload(struct server *s)
{
	struct runtime *next = NULL;
	struct zs_errbuf eb;
	size_t i;
	int r;

	(void)notify_reloading();
	zs_errclear(&eb);
	if (s->rebuild == NULL)
		r = zs_errf(&eb, ZS_ERR_UNAVAILABLE, "no configuration source");
	else if ((r = s->rebuild(s->rebuild_arg, s->rt, &next, &eb)) == 0 &&
	    (r = runtime_check_reload(s->rt, next, &eb)) == 0 &&
	    (r = security_accepts_policy(s->sec, next->policy, &eb)) == 0)
		r = security_reload(s->sec, &eb);
	if (r != 0) {
		log_warnx("reload refused, still serving configuration #%lu: "
		    "%s", s->rt->generation, eb.msg);
		runtime_unref(next);
		metrics_reload(s->metrics, 0);
		(void)notify_sendf("READY=1\nSTATUS=reload refused: %.200s",
		    eb.msg);
		return;
	}
	next->generation = s->rt->generation + 1;
	runtime_unref(s->rt);
	s->rt = next;
	for (i = 0; i < s->nlisteners; i++) {
		server_http_limits(s->listeners[i].http, &s->rt->cfg);
		conn_set_limits(s->listeners[i].conns,
		    s->rt->cfg.request_timeout_ms, s->rt->cfg.conns_max);
		conn_set_body_max(s->listeners[i].conns,
		    (size_t)s->rt->cfg.body_max + PROTO_BIN_HEAD_SLACK);
	}
	/* A log_level removed from the file means the default again. */
	log_setlevel(s->rt->cfg.log_level >= 0 ? s->rt->cfg.log_level :
	    ZS_LOG_INFO);
	metrics_reload(s->metrics, 1);
	server_fd_limit(s);
	log_info("configuration reloaded (#%lu): %zu key(s)",
	    s->rt->generation, keyring_count(s->rt->kr));
	(void)notify_sendf("READY=1\nSTATUS=serving %zu key(s), "
	    "configuration #%lu", keyring_count(s->rt->kr), s->rt->generation);
}

static void
sighup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;

	if (s->stopping) {
		log_info("SIGHUP while shutting down: not reloading");
		return;
	}
	server_reload(s);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	security_flush(s->sec);
}

static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	log_warnx("shutdown: %u request(s) still in flight after %u ms; "
	    "exiting", s->in_flight + s->writing, s->rt->cfg.shutdown_ms);
	s->cut_off = 1;
	event_base_loopexit(s->base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	struct timeval tv;

	if (s->stopping) {
		log_warnx("signal %d again: exiting now", (int)sig);
		s->cut_off = 1;
		event_base_loopexit(s->base, NULL);
		return;
	}
	log_info("signal %d: shutting down; %u request(s) being signed, %u "
	    "reply(ies) being written", (int)sig, s->in_flight, s->writing);
	(void)notify_send("STOPPING=1");
	s->stopping = 1;
	listeners_close(s);
	tv.tv_sec = s->rt->cfg.shutdown_ms / 1000;
	tv.tv_usec = (s->rt->cfg.shutdown_ms % 1000) * 1000;
	evtimer_add(s->grace, &tv);
	server_check_done(s);
}

/* Serve on a socket the service manager passed (socket activation). */
static int
listener_adopt(struct server *s, const struct notify_listener *nl,
    struct zs_errbuf *eb)
{
	struct listener *l;
	int r;

	if ((l = listener_new(s, eb)) == NULL)
		return eb->code;
	/* TCP is TLS only, as with tcp: listeners. */
	if (nl->family != AF_UNIX &&
	    (r = security_tls_conn(s->sec, l->conns, eb)) != 0)
		return r;
	if (evutil_make_socket_nonblocking(nl->fd) != 0 ||
	    (l->bound = evhttp_accept_socket_with_handle(l->http,
	    nl->fd)) == NULL)
		return zs_errf(eb, ZS_ERR_INTERNAL, "socket-activated fd %d: "
		    "evhttp cannot accept", nl->fd);
	/* The service manager owns the socket file: never unlink it. */
	l->path = NULL;
	log_info("listening on socket-activated fd %d (%s)", nl->fd,
	    nl->family == AF_UNIX ? "unix" : "tcp, TLS");
	return 0;
}

struct server *
server_new(const struct server_params *p, struct zs_errbuf *eb)
{
	struct server *s;
	const struct conf *cfg = &p->rt->cfg;
	struct timeval tv;
	size_t i;
	int r;

	/* A client that hangs up must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->budget_mtx, NULL);
	s->rt = p->rt;
	s->rt->generation = 1;
	s->rebuild = p->rebuild;
	s->rebuild_arg = p->rebuild_arg;
	s->sec = p->sec;
	if ((s->metrics = metrics_new()) == NULL ||
	    (s->base = event_base_new()) == NULL)
		fatalx("%s: libevent set-up failed", __func__);
	security_set_metrics(s->sec, s->metrics);
	/* Sockets from the service manager replace the configured ones. */
	for (i = 0; i < p->nactivated; i++) {
		if (listener_adopt(s, &p->activated[i], eb) != 0) {
			server_free(s);
			return NULL;
		}
	}
	for (i = 0; p->nactivated == 0 && i < cfg->nlisten; i++) {
		if (strncmp(cfg->listen[i], "tcp:", 4) == 0)
			r = listener_open_tcp(s, cfg->listen[i], eb);
		else
			r = listener_open(s, cfg->listen[i], eb);
		if (r != 0) {
			server_free(s);
			return NULL;
		}
	}
	server_fd_limit(s);
	if (notify_watchdog_start(s->base, &s->watchdog, eb) != 0) {
		server_free(s);
		return NULL;
	}
	s->pool = pool_new(s->base, cfg->workers, sreq_run, sreq_done,
	    sreq_drop);
	if ((s->sighup = evsignal_new(s->base, SIGHUP, sighup_cb, s)) ==
	    NULL || evsignal_add(s->sighup, NULL) != 0 ||
	    (s->sigterm = evsignal_new(s->base, SIGTERM, signal_cb, s)) ==
	    NULL || (s->sigint = evsignal_new(s->base, SIGINT, signal_cb,
	    s)) == NULL || (s->grace = evtimer_new(s->base, grace_cb,
	    s)) == NULL || evsignal_add(s->sigterm, NULL) != 0 ||
	    evsignal_add(s->sigint, NULL) != 0)
		fatalx("%s: cannot set up signal events", __func__);
	tv.tv_sec = REFAGG_INTERVAL_MS / 1000;
	tv.tv_usec = (REFAGG_INTERVAL_MS % 1000) * 1000;
	if ((s->flush = event_new(s->base, -1, EV_PERSIST, flush_cb,
	    s)) == NULL || event_add(s->flush, &tv) != 0)
		fatalx("%s: cannot set up the audit timer", __func__);
	log_info("zsignd %s ready: %zu key(s), %u worker(s)", PACKAGE_VERSION,
	    keyring_count(s->rt->kr), cfg->workers);
	return s;
}

int
server_run(struct server *s)
{
	/* Listeners are open and keys loaded: clients may come. */
	(void)notify_sendf("READY=1\nSTATUS=serving %zu key(s)",
	    keyring_count(s->rt->kr));
	if (event_base_dispatch(s->base) == -1)
		fatalx("%s: event loop failed", __func__);
	if (s->cut_off)
		return ZS_ERR_UNAVAILABLE;
	log_info("stopped cleanly");
	return 0;
}

void
server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	listeners_close(s);
	notify_watchdog_free(s->watchdog);
	if (s->flush != NULL)
		event_free(s->flush);
	if (s->grace != NULL)
		event_free(s->grace);
	if (s->sigint != NULL)
		event_free(s->sigint);
	if (s->sigterm != NULL)
		event_free(s->sigterm);
	if (s->sighup != NULL)
		event_free(s->sighup);
	/* Connections (and requests) go first; then the jobs that held them. */
	for (i = 0; i < s->nlisteners; i++)
		evhttp_free(s->listeners[i].http);
	/* After evhttp: it drops the bufferevents it was watching. */
	for (i = 0; i < s->nlisteners; i++)
		conn_free(s->listeners[i].conns);
	pool_free(s->pool);
	if (s->base != NULL)
		event_base_free(s->base);
	runtime_unref(s->rt);
	security_set_metrics(s->sec, NULL);
	metrics_free(s->metrics);
	pthread_mutex_destroy(&s->budget_mtx);
	free(s);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign protocol client: builds the HTTP requests of docs/PROTOCOL.md,
 * sends them through transport.c (a Unix socket, or TLS), reads the JSON
 * replies with a size cap and turns error replies into ZS_ERR_* codes
 * carrying the server's message.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "client/transport.h"
#include "client/zsclient.h"
#include "common/buf.h"
#include "common/jsonlift.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

/* Longest server address accepted (a Unix socket path is at most 108). */
#define ZSCLIENT_ADDR_MAX	4096
/* Port of an https:// server given without one. */
#define ZSCLIENT_HTTPS_PORT	"443"

struct zsclient {
	char	*addr;		/* as given, for messages */
	char	*sockpath;	/* Unix socket path, or NULL for https */
	char	*host;		/* https: host name or address */
	char	*port;
	const struct tlsopts *tls;	/* https only (tls-opts.c) */
	SSL_CTX	*ctx;		/* https: made on first use */
	int	 no_wait;	/* a held sign request is not waited for */
	json_t	*err_stdout;	/* the last failed sign's "stdout" */
	void	(*sent)(void *);	/* zsclient_set_sent() */
	void	*sent_arg;
};

/*
 * Files handed over with zsclient_files_add_owned() or _add_fd(): the
 * request holds a placeholder object per file and the bytes stay where
 * they were read (jansson would copy them into a string), or in the file.
 * An entry is dropped once only the list still holds its placeholder.
 */
struct owned {
	json_t		*v;		/* the placeholder */
	uint8_t		*data;		/* or NULL: fd */
	size_t		 len;
	int		 fd;		/* -1, or the open file */
	struct stat	 st;		/* fd when it was opened */
	char		*name;		/* fd: its path */
	struct owned	*next;
};
static struct owned *owned_files;

/* Free the entries whose requests (and replies) are gone. */
static void
zsclient_owned_gc(void)
{
	struct owned **op, *o;

	for (op = &owned_files; (o = *op) != NULL;) {
		if (o->v->refcount > 1) {
			op = &o->next;
			continue;
		}
		*op = o->next;
		json_decref(o->v);
		free(o->data);
		if (o->fd != -1)
			close(o->fd);
		free(o->name);
		free(o);
	}
}

/* The owned entry of placeholder v, or NULL. */
static struct owned *
zsclient_owned(const json_t *v)
{
	struct owned *o;

	for (o = owned_files; o != NULL; o = o->next)
		if (o->v == v)
			return o;
	return NULL;
}

/*
 * A request file as one whole piece *pc: a string, bytes in memory or an
 * open file; -1 if v is none of them.
 */
static int
zsclient_file_src(const json_t *v, struct zs_filepiece *pc)
{
	struct owned *o;

	memset(pc, 0, sizeof(*pc));
	pc->fd = -1;
	if (json_is_string(v)) {
		pc->p = (const uint8_t *)json_string_value(v);
		pc->len = json_string_length(v);
		return 0;
	}
	if ((o = zsclient_owned(v)) == NULL)
		return -1;
	/* Never NULL for bytes in memory: NULL says "in the file". */
	pc->p = o->fd == -1 ? (o->data != NULL ? o->data :
	    (const uint8_t *)"") : NULL;
	pc->fd = o->fd;
	pc->len = o->len;
	return 0;
}

/* Fail when the open file behind placeholder v is not as it was opened. */
static int
zsclient_owned_check(const json_t *v, struct zs_errbuf *eb)
{
	struct owned *o = zsclient_owned(v);
	struct stat st;

	if (o == NULL || o->fd == -1)
		return 0;
	if (fstat(o->fd, &st) == -1)
		return zs_errf(eb, ZS_ERR_IO, "%s: %s", o->name,
		    strerror(errno));
	if (!zs_file_unchanged(&o->st, &st))
		return zs_errf(eb, ZS_ERR_IO, "%s changed while it was being "
		    "signed; nothing was written", o->name);
	return 0;
}

/* Split "https://HOST[:PORT][/]" ("[v6]:PORT" too) into cl's host and port. */
static int
zsclient_parse_https(struct zsclient *cl, const char *server,
    struct zs_errbuf *eb)
{
	const char *h = server + strlen("https://"), *end, *colon;
	size_t n;

	n = strcspn(h, "/");
	if (h[n] == '/' && h[n + 1] != '\0')
		return zs_errf(eb, ZS_ERR_USAGE, "server address '%s' has a "
		    "path (expected https://HOST:PORT)", server);
	end = h + n;
	if (*h == '[') {
		if ((colon = memchr(h, ']', n)) == NULL)
			goto bad;
		cl->host = xstrndup(h + 1, (size_t)(colon - h - 1));
		colon++;
		if (colon != end && *colon != ':')
			goto bad;
	} else {
		colon = memchr(h, ':', n);
		cl->host = xstrndup(h, (size_t)((colon != NULL ? colon :
		    end) - h));
	}
	if (colon != NULL && colon != end) {
		colon++;
		if (colon == end || strspn(colon, "0123456789") !=
		    (size_t)(end - colon))
			goto bad;
		cl->port = xstrndup(colon, (size_t)(end - colon));
	} else
		cl->port = xstrdup(ZSCLIENT_HTTPS_PORT);
	if (*cl->host == '\0')
		goto bad;
	return 0;
 bad:
	return zs_errf(eb, ZS_ERR_USAGE, "bad server address '%s' (expected "
	    "https://HOST:PORT)", server);
}

int
zsclient_open(const char *server, struct zsclient **clp, struct zs_errbuf *eb)
{
	struct zsclient *cl;
	const char *path;
	int r;

	if (server == NULL || *server == '\0')
		return zs_errf(eb, ZS_ERR_USAGE, "empty server address");
	if (strlen(server) > ZSCLIENT_ADDR_MAX)
		return zs_errf(eb, ZS_ERR_USAGE, "server address too long");
	if (strncmp(server, "unix:", 5) == 0)
		path = server + 5;
	else if (server[0] == '/')
		path = server;
	else if (strncmp(server, "https://", 8) == 0 && server[8] != '\0' &&
	    server[8] != '/')
		path = NULL;
	else
		return zs_errf(eb, ZS_ERR_USAGE, "unsupported server address "
		    "'%s' (expected unix:/path/to/zsignd.sock or "
		    "https://HOST:PORT)", server);
	if (path != NULL && *path == '\0')
		return zs_errf(eb, ZS_ERR_USAGE, "empty socket path in '%s'",
		    server);
	cl = xcalloc(1, sizeof(*cl));
	cl->addr = xstrdup(server);
	if (path != NULL)
		cl->sockpath = xstrdup(path);
	else if ((r = zsclient_parse_https(cl, server, eb)) != 0) {
		zsclient_close(cl);
		return r;
	}
	*clp = cl;
	return 0;
}

void
zsclient_set_tls(struct zsclient *cl, const struct tlsopts *tls)
{
	cl->tls = tls;
}

void
zsclient_close(struct zsclient *cl)
{
	zsclient_owned_gc();
	if (cl == NULL)
		return;
	SSL_CTX_free(cl->ctx);
	json_decref(cl->err_stdout);
	free(cl->addr);
	free(cl->sockpath);
	free(cl->host);
	free(cl->port);
	free(cl);
}

/* Map a wire error code ("not_found") back to its ZS_ERR_* value. */
static int
zsclient_errcode(const char *name)
{
	int code;

	for (code = -1; code > -ZS_ERR_COUNT; code--)
		if (strcmp(zs_errname(code), name) == 0)
			return code;
	return ZS_ERR_PROTOCOL;
}

/* Turn a non-2xx reply into an error code and the server's message. */
static int
zsclient_reply_error(long status, json_t *root, struct zs_errbuf *eb)
{
	const char *code = NULL, *msg = NULL;

	if (root != NULL && json_unpack(root, "{s:{s:s, s:s}}", "error",
	    "code", &code, "message", &msg) == 0)
		return zs_errf(eb, zsclient_errcode(code), "%s", msg);
	if (status == 404)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "server replied HTTP 404 "
		    "(not a zsignd?)");
	/* libevent's HTTP layer answers an oversized body itself. */
	if (status == 413)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "server refused the "
		    "request as too large (HTTP 413: over its max_body_bytes)");
	return zs_errf(eb, ZS_ERR_PROTOCOL, "server replied HTTP %ld without "
	    "an error object", status);
}

/*
 * Run one exchange with the server: GET when rq has no body, else POST.
 * *rp is the reply, whatever its status.
 */
static int
zsclient_exchange(struct zsclient *cl, struct transport_req *rq,
    struct transport_reply *rp, struct zs_errbuf *eb)
{
	struct transport_target t;
	int r;

	memset(&t, 0, sizeof(t));
	t.addr = cl->addr;
	t.sockpath = cl->sockpath;
	t.host = cl->host;
	t.port = cl->port;
	t.connect_secs = ZSCLIENT_CONNECT_TIMEOUT;
	t.total_secs = ZSCLIENT_REQUEST_TIMEOUT;
	if (cl->sockpath == NULL) {
		if (cl->ctx == NULL &&
		    (r = tlsopts_ctx(cl->tls, &cl->ctx, eb)) != 0)
			return r;
		t.ctx = cl->ctx;
		/* The token travels over TLS only. */
		t.authz = cl->tls != NULL ? cl->tls->authz : NULL;
	}
	rq->method = rq->ctype != NULL ? "POST" : "GET";
	return transport_exchange(&t, rq, ZSCLIENT_REPLY_MAX, rp, eb);
}

/*
 * Run one request: GET when body is NULL, else POST of body (JSON).
 * On 200 (or also_ok, when not 0), *replyp is the decoded JSON object,
 * and *statusp (when given) the status that came.
 */
static int
zsclient_request_status(struct zsclient *cl, const char *path,
    const char *body, size_t bodylen, long also_ok, json_t **replyp,
    long *statusp, struct zs_errbuf *eb)
{
	struct transport_req rq;
	struct transport_reply rp;
	struct zs_filepiece pc;
	json_t *root = NULL;
	json_error_t jerr;
	int r;

	memset(&rq, 0, sizeof(rq));
	rq.path = path;
	rq.accept = "application/json";
	if (body != NULL) {
		rq.ctype = "application/json";
		memset(&pc, 0, sizeof(pc));
		pc.p = (const uint8_t *)body;
		pc.len = bodylen;
		rq.body = &pc;
		rq.nbody = 1;
	}
	if ((r = zsclient_exchange(cl, &rq, &rp, eb)) != 0)
		return r;
	root = jsonlift_loadb((const char *)rp.body, rp.len, 0, &jerr);
	if (statusp != NULL)
		*statusp = rp.status;
	if (rp.status != 200 && (also_ok == 0 || rp.status != also_ok)) {
		r = zsclient_reply_error(rp.status, root, eb);
		goto out;
	}
	if (root == NULL || !json_is_object(root)) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "reply from %s is not a JSON "
		    "object", cl->addr);
		goto out;
	}
	*replyp = root;
	root = NULL;
	r = 0;
 out:
	json_decref(root);
	transport_reply_free(&rp);
	return r;
}

/* The same, without the status. */
static int
zsclient_request_ok(struct zsclient *cl, const char *path, const char *body,
    size_t bodylen, long also_ok, json_t **replyp, struct zs_errbuf *eb)
{
	return zsclient_request_status(cl, path, body, bodylen, also_ok,
	    replyp, NULL, eb);
}

/* Run one request; on 200, *replyp is the decoded JSON object. */
static int
zsclient_request(struct zsclient *cl, const char *path, const char *body,
    size_t bodylen, json_t **replyp, struct zs_errbuf *eb)
{
	return zsclient_request_ok(cl, path, body, bodylen, 0, replyp, eb);
}

int
zsclient_health(struct zsclient *cl, json_t **replyp, struct zs_errbuf *eb)
{
	/* 503 "degraded" is a health answer too, with the same members. */
	return zsclient_request_ok(cl, "/v1/health", NULL, 0, 503, replyp,
	    eb);
}

int
zsclient_keys(struct zsclient *cl, json_t **replyp, struct zs_errbuf *eb)
{
	json_t *reply = NULL;
	int r;

	if ((r = zsclient_request(cl, "/v1/keys", NULL, 0, &reply, eb)) != 0)
		return r;
	if (!json_is_array(json_object_get(reply, "keys"))) {
		json_decref(reply);
		return zs_errf(eb, ZS_ERR_PROTOCOL, "/v1/keys reply has no "
		    "\"keys\" array");
	}
	*replyp = reply;
	return 0;
}

int
zsclient_key_public(struct zsclient *cl, const char *name, EVP_PKEY **pkeyp,
    struct zs_errbuf *eb)
{
	json_t *reply = NULL, *k;
	const char *kname, *pem;
	size_t i;
	int r;

	if ((r = zsclient_keys(cl, &reply, eb)) != 0)
		return r;
	r = zs_errf(eb, ZS_ERR_NOT_FOUND, "server has no key named '%s'",
	    name);
	json_array_foreach(json_object_get(reply, "keys"), i, k) {
		if (json_unpack(k, "{s:s, s:s}", "name", &kname,
		    "public_key_pem", &pem) != 0 || strcmp(kname, name) != 0)
			continue;
		r = zs_pkey_from_pem((const uint8_t *)pem, strlen(pem), pkeyp,
		    eb);
		break;
	}
	json_decref(reply);
	return r;
}

/*
 * The binary request (PROTOCOL.md 5.8): req's JSON with each file, and
 * west.dtb, given as its length, a newline, then the bytes in that order.
 * *iovp points into req and *dtbp (malloc'd); req is left as it was.
 */
static int
zsclient_sign_body(json_t *req, char **headp, uint8_t **dtbp,
    struct zs_filepiece **iovp, size_t *niovp)
{
	json_t *files, *lens, *west, *dtb = NULL, *v;
	struct zs_filepiece *iov;
	const char *name;
	uint8_t *dbytes = NULL;
	char *head = NULL;
	size_t n = 0, dlen = 0;
	int r = ZS_ERR_NOMEM;

	files = json_incref(json_object_get(req, "files"));
	west = json_object_get(req, "west");
	if ((lens = json_object()) == NULL)
		goto out;
	iov = xcalloc(json_object_size(files) + 3, sizeof(*iov));
	n = 1;		/* the head */
	json_object_foreach(files, name, v) {
		if (zsclient_file_src(v, &iov[n]) != 0 ||
		    json_object_set_new(lens, name,
		    json_integer((json_int_t)iov[n].len)) != 0) {
			free(iov);
			goto out;
		}
		n++;
	}
	/* west.dtb is small: base64 in the request object, bytes here. */
	if ((dtb = json_incref(json_object_get(west, "dtb"))) != NULL) {
		if (zs_b64_decode(json_string_value(dtb),
		    json_string_length(dtb), &dbytes, &dlen) != 0) {
			free(iov);
			r = ZS_ERR_INVALID;
			goto out;
		}
		iov[n].p = dbytes != NULL ? dbytes : (const uint8_t *)"";
		iov[n++].len = dlen;
		(void)json_object_set_new(west, "dtb",
		    json_integer((json_int_t)dlen));
	}
	if (files != NULL)
		(void)json_object_set(req, "files", lens);
	head = json_dumps(req, JSON_COMPACT);
	if (files != NULL)
		(void)json_object_set(req, "files", files);
	if (dtb != NULL)
		(void)json_object_set(west, "dtb", dtb);
	if (head == NULL) {
		free(iov);
		goto out;
	}
	/* The head's terminating NUL is replaced by the newline. */
	iov[0].p = (const uint8_t *)head;
	iov[0].len = strlen(head) + 1;
	head[iov[0].len - 1] = '\n';
	*headp = head;
	*dtbp = dbytes;
	*iovp = iov;
	*niovp = n;
	head = NULL;
	dbytes = NULL;
	r = 0;
 out:
	free(dbytes);
	json_decref(dtb);
	json_decref(lens);
	json_decref(files);
	return r;
}
/* Append to pieces the len bytes at off of string v (a reference taken). */
static int
zsclient_piece_add(json_t *pieces, json_t *v, size_t off, size_t len)
{
	return json_array_append_new(pieces, json_pack("[O,I,I]", v,
	    (json_int_t)off, (json_int_t)len));
}

/* A JSON reply's base64 files, as one piece each. */
static int
zsclient_reply_json(json_t *reply, struct zs_errbuf *eb)
{
	json_t *files, *pieces, *raw, *v;
	const char *name;
	uint8_t *data;
	size_t len;
	int r;

	files = json_object_get(reply, "files");
	json_object_foreach(files, name, v) {
		if (!json_is_string(v) || zs_b64_decode(json_string_value(v),
		    json_string_length(v), &data, &len) != 0)
			return zs_errf(eb, ZS_ERR_PROTOCOL, "file '%s' in the "
			    "reply is not valid base64", name);
		raw = json_stringn_nocheck((const char *)data, len);
		free(data);
		pieces = json_array();
		r = raw == NULL || pieces == NULL ||
		    zsclient_piece_add(pieces, raw, 0, len) != 0;
		json_decref(raw);
		if (r || json_object_set_new(files, name, pieces) != 0)
			return zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/*
 * The parts of one returned file in a binary reply: bytes taken from the
 * data section at *usedp, or a range of one of req's files.
 */
static int
zsclient_reply_parts(json_t *reqfiles, json_t *parts, const uint8_t *data,
    size_t dlen, size_t *usedp, json_t **piecesp, struct zs_errbuf *eb)
{
	json_t *pieces, *part, *in, *raw;
	struct zs_filepiece src;
	json_int_t n, off;
	const char *iname;
	size_t i;
	int r = ZS_ERR_PROTOCOL;

	if (!json_is_array(parts) || (pieces = json_array()) == NULL)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "binary reply: a file's "
		    "parts are not a list");
	json_array_foreach(parts, i, part) {
		if (json_unpack(part, "{s:I !}", "data", &n) == 0) {
			if (n < 0 || (uint64_t)n > dlen - *usedp)
				goto bad;
			raw = json_stringn_nocheck((const char *)data + *usedp,
			    (size_t)n);
			*usedp += (size_t)n;
			r = raw == NULL ||
			    zsclient_piece_add(pieces, raw, 0, (size_t)n) != 0;
			json_decref(raw);
			if (r)
				goto nomem;
			continue;
		}
		if (json_unpack(part, "{s:s, s:I, s:I !}", "input", &iname,
		    "offset", &off, "length", &n) != 0 ||
		    zsclient_file_src(in = json_object_get(reqfiles, iname),
		    &src) != 0 || off < 0 || n < 0 ||
		    (uint64_t)off > src.len ||
		    (uint64_t)n > src.len - (uint64_t)off)
			goto bad;
		if (zsclient_piece_add(pieces, in, (size_t)off, (size_t)n) != 0)
			goto nomem;
	}
	*piecesp = pieces;
	return 0;
 nomem:
	json_decref(pieces);
	return zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
 bad:
	json_decref(pieces);
	return zs_errf(eb, ZS_ERR_PROTOCOL, "binary reply: part %zu of a file "
	    "is not a valid range", i);
}

int
zsclient_reply_bin(json_t *req, const uint8_t *body, size_t len,
    json_t **replyp, struct zs_errbuf *eb)
{
	json_t *root, *files, *out = NULL, *parts, *pieces = NULL;
	json_error_t jerr;
	const char *name;
	size_t hl, used = 0;
	int r = ZS_ERR_PROTOCOL;

	root = json_loadb((const char *)body, len, JSON_DISABLE_EOF_CHECK,
	    &jerr);
	if (root == NULL || !json_is_object(root) ||
	    (hl = (size_t)jerr.position) >= len || body[hl] != '\n' ||
	    !json_is_object(files = json_object_get(root, "files"))) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "binary reply: no JSON head "
		    "with \"files\" and a newline");
		goto out;
	}
	hl++;
	if ((out = json_object()) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_object_foreach(files, name, parts) {
		if ((r = zsclient_reply_parts(json_object_get(req, "files"),
		    parts, body + hl, len - hl, &used, &pieces, eb)) != 0)
			goto out;
		if (json_object_set_new(out, name, pieces) != 0) {
			r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (used != len - hl) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "binary reply: %zu bytes "
		    "after the files", len - hl - used);
		goto out;
	}
	if (json_object_set(root, "files", out) != 0) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	*replyp = root;
	root = NULL;
	r = 0;
 out:
	json_decref(out);
	json_decref(root);
	return r;
}

void
zsclient_set_no_wait(struct zsclient *cl, int no_wait)
{
	cl->no_wait = no_wait;
}

void
zsclient_set_sent(struct zsclient *cl, void (*sent)(void *), void *arg)
{
	cl->sent = sent;
	cl->sent_arg = arg;
}

int
zsclient_files_src(const json_t *files, const char *name,
    struct zs_filepiece *pc)
{
	return zsclient_file_src(json_object_get(files, name), pc) == 0 ? 0 :
	    ZS_ERR_NOT_FOUND;
}

int
zsclient_approvals(struct zsclient *cl, json_t **replyp,
    struct zs_errbuf *eb)
{
	return zsclient_request(cl, "/v1/approvals", NULL, 0, replyp, eb);
}

/* {"id": ID} for the approvals routes; NULL for a malformed id. */
static char *
zsclient_id_body(const char *id)
{
	size_t n = strlen(id);

	if (n != 32 || strspn(id, "0123456789abcdef") != n)
		return NULL;
	return xasprintf("{\"id\": \"%s\"}", id);
}

int
zsclient_approval_vote(struct zsclient *cl, const char *id, int approve,
    json_t **replyp, struct zs_errbuf *eb)
{
	char *body = zsclient_id_body(id);
	int r;

	if (body == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "a request id is 32 hex "
		    "digits");
	r = zsclient_request(cl, approve ? "/v1/approvals/approve" :
	    "/v1/approvals/reject", body, strlen(body), replyp, eb);
	free(body);
	return r;
}

int
zsclient_fetch(struct zsclient *cl, const char *id, json_t **replyp,
    int *pendingp, struct zs_errbuf *eb)
{
	char *body = zsclient_id_body(id);
	json_t *reply = NULL;
	long status = 0;
	int r;

	if (body == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "a request id is 32 hex "
		    "digits");
	r = zsclient_request_status(cl, "/v1/approvals/fetch", body,
	    strlen(body), 202, &reply, &status, eb);
	free(body);
	if (r != 0)
		return r;
	*pendingp = status == 202;
	if (status == 200 && (!json_is_object(json_object_get(reply,
	    "files")) || (r = zsclient_reply_json(reply, eb)) != 0)) {
		json_decref(reply);
		return r != 0 ? r : zs_errf(eb, ZS_ERR_PROTOCOL, "the "
		    "collected reply has no \"files\" object");
	}
	*replyp = reply;
	return 0;
}

/* Say once per change whom a held request waits for. */
static void
zsclient_say_waiting(const json_t *a, size_t *shownp)
{
	const json_t *by = json_object_get(a, "approved_by");
	char *who = json_dumps(json_object_get(a, "approvers"), JSON_COMPACT);
	size_t n = json_array_size(by);

	if (n + 1 != *shownp)
		fprintf(stderr, "zsign-client: request %s waits for approval: "
		    "%zu of %lld in, from %s\n",
		    json_string_value(json_object_get(a, "id")), n,
		    (long long)json_integer_value(json_object_get(a,
		    "required")), who != NULL ? who : "the key's approvers");
	*shownp = n + 1;
	free(who);
}

/*
 * A 202 from /v1/sign: with no_wait, fail naming the request to collect;
 * else poll until its approvals are in and return the signed reply.
 */
static int
zsclient_held(struct zsclient *cl, const json_t *held, json_t **replyp,
    struct zs_errbuf *eb)
{
	const json_t *a = json_object_get(held, "approval");
	const char *id = json_string_value(json_object_get(a, "id"));
	json_t *reply = NULL;
	size_t shown = 0;
	char ids[40];
	int r, pending = 1;

	if (id == NULL || strlen(id) >= sizeof(ids))
		return zs_errf(eb, ZS_ERR_PROTOCOL, "a 202 reply without a "
		    "request id");
	snprintf(ids, sizeof(ids), "%s", id);
	if (cl->no_wait) {
		printf("%s\n", ids);
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "request %s is held for "
		    "approval; collect it with `zsign-client fetch %s`", ids,
		    ids);
	}
	zsclient_say_waiting(a, &shown);
	for (;;) {
		sleep(ZSCLIENT_APPROVAL_POLL_S);
		if ((r = zsclient_fetch(cl, ids, &reply, &pending, eb)) != 0)
			return r;
		if (!pending)
			break;
		zsclient_say_waiting(json_object_get(reply, "approval"),
		    &shown);
		json_decref(reply);
		reply = NULL;
	}
	*replyp = reply;
	return 0;
}

int
zsclient_sign(struct zsclient *cl, json_t *req, json_t **replyp,
    struct zs_errbuf *eb)
{
	struct transport_req rq;
	struct transport_reply rp;
	struct zs_filepiece *iov = NULL;
	json_t *reply = NULL, *v;
	json_error_t jerr;
	const char *name;
	uint8_t *dtb = NULL;
	char *head = NULL;
	size_t niov = 0, i, total = 0;
	int r;

	if (zsclient_sign_body(req, &head, &dtb, &iov, &niov) != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "cannot encode the request");
	for (i = 0; i < niov; i++)
		total += iov[i].len;
	memset(&rp, 0, sizeof(rp));
	if (total > ZSCLIENT_REQUEST_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "request of %zu bytes "
		    "(more than %u)", total, ZSCLIENT_REQUEST_MAX);
		goto out;
	}
	memset(&rq, 0, sizeof(rq));
	rq.path = "/v1/sign";
	rq.ctype = PROTO_BIN_TYPE;
	/* Errors come as JSON whatever is asked. */
	rq.accept = PROTO_BIN_TYPE ", application/json";
	rq.body = iov;
	rq.nbody = niov;
	rq.sent = cl->sent;
	rq.sent_arg = cl->sent_arg;
	r = zsclient_exchange(cl, &rq, &rp, eb);
	/* Files sent from disk: they must not have changed while sent. */
	json_object_foreach(json_object_get(req, "files"), name, v)
		if (zsclient_owned_check(v, eb) != 0) {
			r = ZS_ERR_IO;
			goto out;
		}
	if (r != 0)
		goto out;
	/* Held for approvals: wait for them, or say how to collect it. */
	if (rp.status == 202) {
		reply = jsonlift_loadb((const char *)rp.body, rp.len, 0,
		    &jerr);
		r = zsclient_held(cl, reply, replyp, eb);
		goto out;
	}
	if (rp.status == 200 && strncasecmp(rp.ctype, PROTO_BIN_TYPE,
	    strlen(PROTO_BIN_TYPE)) == 0)
		r = zsclient_reply_bin(req, rp.body, rp.len, &reply, eb);
	else {
		reply = jsonlift_loadb((const char *)rp.body, rp.len, 0, &jerr);
		if (rp.status != 200) {
			r = zsclient_reply_error(rp.status, reply, eb);
			json_decref(cl->err_stdout);
			cl->err_stdout = json_incref(json_object_get(reply,
			    "stdout"));
		} else if (reply == NULL || !json_is_object(reply) ||
		    !json_is_object(json_object_get(reply, "files")))
			r = zs_errf(eb, ZS_ERR_PROTOCOL, "/v1/sign reply has "
			    "no \"files\" object");
		else
			r = zsclient_reply_json(reply, eb);
	}
	if (r != 0)
		goto out;
	*replyp = reply;
	reply = NULL;
 out:
	json_decref(reply);
	transport_reply_free(&rp);
	free(iov);
	free(head);
	free(dtb);
	return r;
}

const json_t *
zsclient_error_stdout(const struct zsclient *cl)
{
	return cl->err_stdout;
}

int
zsclient_raw_sign(struct zsclient *cl, json_t *req, json_t **replyp,
    struct zs_errbuf *eb)
{
	json_t *reply = NULL;
	char *body;
	int r;

	if ((body = json_dumps(req, JSON_COMPACT)) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "cannot encode the request");
	r = zsclient_request(cl, "/v1/raw-sign", body, strlen(body), &reply,
	    eb);
	free(body);
	if (r != 0)
		return r;
	if (!json_is_string(json_object_get(reply, "signature"))) {
		json_decref(reply);
		return zs_errf(eb, ZS_ERR_PROTOCOL, "/v1/raw-sign reply has no "
		    "\"signature\"");
	}
	*replyp = reply;
	return 0;
}

int
zsclient_files_add(json_t *files, const char *name, const uint8_t *p,
    size_t len)
{
	/* The bytes as they are: sent raw in the binary form. */
	return json_object_set_new(files, name, json_stringn_nocheck(
	    p != NULL ? (const char *)p : "", len)) == 0 ? 0 : ZS_ERR_NOMEM;
}

/* Add placeholder v for name to files, with o (taken over) behind it. */
static int
zsclient_owned_add(json_t *files, const char *name, struct owned *o)
{
	json_t *v;

	zsclient_owned_gc();
	if ((v = json_pack("{s:I}", "bytes", (json_int_t)o->len)) == NULL ||
	    json_object_set(files, name, v) != 0) {
		json_decref(v);
		free(o->data);
		if (o->fd != -1)
			close(o->fd);
		free(o->name);
		free(o);
		return ZS_ERR_NOMEM;
	}
	o->v = v;		/* the list's reference */
	o->next = owned_files;
	owned_files = o;
	return 0;
}

int
zsclient_files_add_owned(json_t *files, const char *name, uint8_t *data,
    size_t len)
{
	struct owned *o = xcalloc(1, sizeof(*o));

	o->data = data;
	o->len = len;
	o->fd = -1;
	return zsclient_owned_add(files, name, o);
}

int
zsclient_files_add_fd(json_t *files, const char *name, int fd,
    const struct stat *st, const char *path)
{
	struct owned *o = xcalloc(1, sizeof(*o));

	o->fd = fd;
	o->st = *st;
	o->len = (size_t)st->st_size;
	o->name = xstrdup(path);
	return zsclient_owned_add(files, name, o);
}

int
zsclient_files_pieces(const json_t *reply, const char *name,
    struct zs_filepiece **pcp, size_t *np, struct zs_errbuf *eb)
{
	struct zs_filepiece *pc, src;
	json_t *pieces, *p, *v;
	json_int_t off, len;
	size_t i;

	pieces = json_object_get(json_object_get(reply, "files"), name);
	if (!json_is_array(pieces))
		return zs_errf(eb, ZS_ERR_PROTOCOL, "reply carries no file "
		    "'%s'", name);
	pc = xcalloc(json_array_size(pieces) + 1, sizeof(*pc));
	json_array_foreach(pieces, i, p) {
		if (json_unpack(p, "[o,I,I]", &v, &off, &len) != 0 ||
		    zsclient_file_src(v, &src) != 0 || off < 0 ||
		    len < 0 || (uint64_t)off > src.len ||
		    (uint64_t)len > src.len - (uint64_t)off) {
			free(pc);
			return zs_errf(eb, ZS_ERR_PROTOCOL, "reply file '%s' "
			    "is damaged", name);
		}
		pc[i] = src;
		if (src.p != NULL)
			pc[i].p += off;
		else
			pc[i].off = (off_t)off;
		pc[i].len = (size_t)len;
	}
	*pcp = pc;
	*np = json_array_size(pieces);
	return 0;
}

int
zsclient_files_unchanged(const json_t *reply, const char *name,
    struct zs_errbuf *eb)
{
	json_t *pieces, *p;
	size_t i;
	int r;

	pieces = json_object_get(json_object_get(reply, "files"), name);
	json_array_foreach(pieces, i, p)
		if ((r = zsclient_owned_check(json_array_get(p, 0), eb)) != 0)
			return r;
	return 0;
}

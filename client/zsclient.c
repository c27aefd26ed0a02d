/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign protocol client: builds the HTTP requests of docs/PROTOCOL.md,
 * sends them through transport.c (a Unix socket, or TLS), reads the JSON
 * replies with a size cap and turns error replies into ZS_ERR_* codes
 * carrying the server's message.
 */
#include "config.h"

#include <sys/uio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

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
	if (cl == NULL)
		return;
	SSL_CTX_free(cl->ctx);
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
 * On 200, *replyp is the decoded JSON object.
 */
static int
zsclient_request(struct zsclient *cl, const char *path, const char *body,
    size_t bodylen, json_t **replyp, struct zs_errbuf *eb)
{
	struct transport_req rq;
	struct transport_reply rp;
	struct iovec iov;
	json_t *root = NULL;
	json_error_t jerr;
	int r;

	memset(&rq, 0, sizeof(rq));
	rq.path = path;
	rq.accept = "application/json";
	if (body != NULL) {
		rq.ctype = "application/json";
		iov.iov_base = (void *)(uintptr_t)body;
		iov.iov_len = bodylen;
		rq.body = &iov;
		rq.nbody = 1;
	}
	if ((r = zsclient_exchange(cl, &rq, &rp, eb)) != 0)
		return r;
	root = jsonlift_loadb((const char *)rp.body, rp.len, 0, &jerr);
	if (rp.status != 200) {
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

int
zsclient_health(struct zsclient *cl, json_t **replyp, struct zs_errbuf *eb)
{
	return zsclient_request(cl, "/v1/health", NULL, 0, replyp, eb);
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

/* Whether s[0..n) is all base64 digits or '=' (no JSON escaping needed). */
static int
zsclient_is_b64(const char *s, size_t n)
{
	static unsigned char ok[256];
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	unsigned char all = 1;
	size_t i;

	/* Filled on first use; zsign-client is single-threaded. */
	if (!ok['='])
		for (i = 0; i < sizeof(b64) - 1; i++)
			ok[(unsigned char)b64[i]] = 1;
	for (i = 0; i < n; i++)
		all &= ok[(unsigned char)s[i]];
	return all;
}

/* Append v as JSON text; a base64 string needs no escaping: copied. */
static int
zsclient_dump_value(struct buf *b, json_t *v)
{
	const char *s;
	char *text;
	size_t n;
	int r;

	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
		if (zsclient_is_b64(s, n))
			return buf_put_u8(b, '"') != 0 || buf_put(b, s, n) != 0 ||
			    buf_put_u8(b, '"') != 0 ? ZS_ERR_NOMEM : 0;
	}
	if ((text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		return ZS_ERR_NOMEM;
	r = buf_put_str(b, text);
	free(text);
	return r;
}

/*
 * Encode a sign request. The files are base64 (no character needs
 * escaping), so they are copied in as they are: jansson's per-character
 * string dump costs milliseconds on a large image.
 */
static int
zsclient_sign_body(json_t *req, struct buf *b)
{
	json_t *files, *v, *key;
	const char *name;
	char *head = NULL;
	size_t n;
	int first = 1, r = ZS_ERR_NOMEM;

	files = json_incref(json_object_get(req, "files"));
	json_object_del(req, "files");
	head = json_dumps(req, JSON_COMPACT);
	if (files != NULL)
		json_object_set(req, "files", files);
	if (head == NULL || (n = strlen(head)) < 2)
		goto out;
	if (files == NULL) {
		r = buf_put(b, head, n);
		goto out;
	}
	/* head is "{...}": reopen it for one more member. */
	if (buf_put(b, head, n - 1) != 0 || buf_printf(b, "%s\"files\":{",
	    n > 2 ? "," : "") != 0)
		goto out;
	json_object_foreach(files, name, v) {
		key = json_string(name);
		r = (!first && buf_put_u8(b, ',') != 0) ||
		    zsclient_dump_value(b, key) != 0 || buf_put_u8(b, ':') != 0 ||
		    zsclient_dump_value(b, v) != 0 ? ZS_ERR_NOMEM : 0;
		json_decref(key);
		if (r != 0)
			goto out;
		first = 0;
	}
	r = ZS_ERR_NOMEM;
	if (buf_put_str(b, "}}") != 0)
		goto out;
	r = 0;
 out:
	json_decref(files);
	free(head);
	return r;
}

int
zsclient_sign(struct zsclient *cl, json_t *req, json_t **replyp,
    struct zs_errbuf *eb)
{
	json_t *reply = NULL;
	struct buf *body;
	int r;

	body = buf_new_plain(ZSCLIENT_REQUEST_MAX);
	if (zsclient_sign_body(req, body) != 0) {
		buf_free(body);
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "cannot encode the "
		    "request (more than %u bytes?)", ZSCLIENT_REQUEST_MAX);
	}
	r = zsclient_request(cl, "/v1/sign", (const char *)buf_ptr(body),
	    buf_len(body), &reply, eb);
	buf_free(body);
	if (r != 0)
		return r;
	if (!json_is_object(json_object_get(reply, "files"))) {
		json_decref(reply);
		return zs_errf(eb, ZS_ERR_PROTOCOL, "/v1/sign reply has no "
		    "\"files\" object");
	}
	*replyp = reply;
	return 0;
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
	char *b64;
	int r;

	b64 = zs_b64_encode(p, len);
	/* ASCII by construction: no UTF-8 check over megabytes. */
	r = json_object_set_new(files, name, json_stringn_nocheck(b64,
	    ZS_B64_LEN(len))) == 0 ? 0 : ZS_ERR_NOMEM;
	free(b64);
	return r;
}

int
zsclient_files_get(const json_t *reply, const char *name, uint8_t **datap,
    size_t *lenp, struct zs_errbuf *eb)
{
	json_t *v;

	v = json_object_get(json_object_get(reply, "files"), name);
	if (!json_is_string(v))
		return zs_errf(eb, ZS_ERR_PROTOCOL, "reply carries no file "
		    "'%s'", name);
	if (zs_b64_decode(json_string_value(v), json_string_length(v), datap,
	    lenp) != 0)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "file '%s' in the reply is "
		    "not valid base64", name);
	return 0;
}

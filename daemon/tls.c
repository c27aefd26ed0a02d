/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS listeners through libevent's bufferevent_openssl: TLS 1.2 and 1.3
 * only, forward-secret AEAD suites, optional client certificates checked
 * against a CA file. SIGHUP calls tls_reload(), which swaps the SSL_CTX;
 * an SSL holds a reference on its context, so in-flight connections are
 * unaffected.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/tls.h"

/* Longest certificate chain accepted from a client. */
#define TLS_VERIFY_DEPTH	4
/* TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only. */
#define TLS_CIPHERS_12 \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"

/* Session id context: sessions of other programs never resume here. */
#define TLS_SESSION_CONTEXT	"zsignd"

struct tls {
	pthread_mutex_t	 mtx;
	SSL_CTX		*ctx;		/* for new connections */
	char		*cert, *key, *client_ca, *crl;
	tls_refusal_cb	*refusal_cb;
	void		*refusal_arg;
};

static int	tls_ctx_index = -1;	/* SSL_CTX ex_data slot for struct tls */

/* The last OpenSSL error as text, and the queue cleared. */
static void
tls_errstr(char *out, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(out, len, "unknown error");
	else
		ERR_error_string_n(e, out, len);
	ERR_clear_error();
}

static void
tls_peer_text(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	snprintf(out, len, "-");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &slen) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	}
}

/*
 * Keep OpenSSL's verdict, but report the first refusal of a connection so
 * that a certificate from the wrong CA leaves a trace in the audit log.
 */
static int
tls_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl;
	struct tls *t;
	char peer[80], why[512], subj[256] = "";
	X509 *cur;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL ||
	    (t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ctx_index))
	    == NULL)
		return 0;
	if ((cur = X509_STORE_CTX_get_current_cert(xs)) != NULL)
		X509_NAME_oneline(X509_get_subject_name(cur), subj,
		    sizeof(subj));
	tls_peer_text(SSL_get_fd(ssl), peer, sizeof(peer));
	snprintf(why, sizeof(why), "client certificate refused: %s "
	    "(subject %s)", X509_verify_cert_error_string(
	    X509_STORE_CTX_get_error(xs)), subj);
	log_warnx("tls %s: %s", peer, why);
	if (t->refusal_cb != NULL)
		t->refusal_cb(t->refusal_arg, peer, why);
	return 0;
}

/*
 * Load the CRLs in the PEM file path into ctx's store and check the
 * client certificate against them: a revoked one fails the handshake
 * (tls_verify_cb audits it). Every CA that issues client certificates
 * needs its CRL in the file: without one, its certificates are refused.
 */
static int
tls_crl_load(SSL_CTX *ctx, const char *path, struct zs_errbuf *eb)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	X509_LOOKUP *lookup;
	char err[256];

	if ((lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file())) ==
	    NULL || X509_load_crl_file(lookup, path, X509_FILETYPE_PEM) <= 0) {
		tls_errstr(err, sizeof(err));
		return zs_errf(eb, ZS_ERR_KEY, "TLS CRL %s: %s", path, err);
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return 0;
}

static int
tls_ctx_build(struct tls *t, SSL_CTX **ctxp, struct zs_errbuf *eb)
{
	STACK_OF(X509_NAME) *names;
	SSL_CTX *ctx;
	char err[256];
	int r = ZS_ERR_INTERNAL;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_errstr(err, sizeof(err));
		return zs_errf(eb, ZS_ERR_CRYPTO, "SSL_CTX_new: %s", err);
	}
	SSL_CTX_set_ex_data(ctx, tls_ctx_index, t);
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12)) {
		tls_errstr(err, sizeof(err));
		r = zs_errf(eb, ZS_ERR_CRYPTO, "TLS setup: %s", err);
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/*
	 * Resumed sessions keep the verified client certificate; without a
	 * session id context OpenSSL refuses to resume them (internal error
	 * alert) whenever client certificates are asked for.
	 */
	if (!SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)TLS_SESSION_CONTEXT,
	    sizeof(TLS_SESSION_CONTEXT) - 1)) {
		tls_errstr(err, sizeof(err));
		r = zs_errf(eb, ZS_ERR_CRYPTO, "TLS setup: %s", err);
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1) {
		tls_errstr(err, sizeof(err));
		r = zs_errf(eb, ZS_ERR_KEY, "TLS certificate %s: %s", t->cert,
		    err);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_errstr(err, sizeof(err));
		r = zs_errf(eb, ZS_ERR_KEY, "TLS key %s: %s", t->key, err);
		goto out;
	}
	if (t->client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, t->client_ca, NULL) != 1 ||
		    (names = SSL_load_client_CA_file(t->client_ca)) == NULL) {
			tls_errstr(err, sizeof(err));
			r = zs_errf(eb, ZS_ERR_KEY, "TLS client CA %s: %s",
			    t->client_ca, err);
			goto out;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		/*
		 * Certificates are optional at the TLS level so that token
		 * clients can connect; a request without either credential
		 * is refused (403) and audited by the policy.
		 */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
		SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	}
	if (t->crl != NULL && (r = tls_crl_load(ctx, t->crl, eb)) != 0)
		goto out;
	*ctxp = ctx;
	ctx = NULL;
	r = 0;
 out:
	SSL_CTX_free(ctx);
	return r;
}

int
tls_new(const struct tls_files *files, struct tls **tp, struct zs_errbuf *eb)
{
	struct tls *t;
	int r;

	if (files->cert == NULL || files->key == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "TLS needs a certificate and "
		    "a key (--tls-cert, --tls-key)");
	if (tls_ctx_index == -1)
		tls_ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
		    NULL);
	t = xcalloc(1, sizeof(*t));
	pthread_mutex_init(&t->mtx, NULL);
	t->cert = xstrdup(files->cert);
	t->key = xstrdup(files->key);
	t->client_ca = files->client_ca ? xstrdup(files->client_ca) : NULL;
	t->crl = files->crl ? xstrdup(files->crl) : NULL;
	if ((r = tls_ctx_build(t, &t->ctx, eb)) != 0) {
		tls_free(t);
		return r;
	}
	*tp = t;
	return 0;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->mtx);
	free(t->cert);
	free(t->key);
	free(t->client_ca);
	free(t->crl);
	free(t);
}

int
tls_reload(struct tls *t, struct zs_errbuf *eb)
{
	SSL_CTX *ctx, *old;
	int r;

	if ((r = tls_ctx_build(t, &ctx, eb)) != 0)
		return r;
	pthread_mutex_lock(&t->mtx);
	old = t->ctx;
	t->ctx = ctx;
	pthread_mutex_unlock(&t->mtx);
	SSL_CTX_free(old);
	return 0;
}

void
tls_set_refusal_cb(struct tls *t, tls_refusal_cb *cb, void *arg)
{
	t->refusal_cb = cb;
	t->refusal_arg = arg;
}

static struct bufferevent *
tls_bevcb(struct event_base *base, void *arg)
{
	struct tls *t = arg;
	struct bufferevent *bev;
	SSL *ssl;

	pthread_mutex_lock(&t->mtx);
	ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->mtx);
	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* Many clients close without close_notify; that is not an error here. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

/* Split "HOST:PORT" or "[V6]:PORT"; host is empty for ":PORT". */
static int
tls_split_hostport(const char *s, char *host, size_t hostlen, uint16_t *portp)
{
	const char *colon, *h = s;
	unsigned long long port;
	size_t n;

	if (strlen(s) >= TLS_HOSTPORT_MAX)
		return ZS_ERR_INVALID;
	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return ZS_ERR_INVALID;
		h = s + 1;
		n = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return ZS_ERR_INVALID;
		n = (size_t)(colon - s);
	}
	if (n >= hostlen)
		return ZS_ERR_INVALID;
	memcpy(host, h, n);
	host[n] = '\0';
	if (zs_parse_uint(colon + 1, 65535, &port) != 0)
		return ZS_ERR_INVALID;
	*portp = (uint16_t)port;
	return 0;
}

/*
 * conn.c, as a connection closes: did its handshake fail for a reason of
 * its own? Not for a client certificate (tls_verify_cb reported those),
 * nor for a peer that went away or never spoke TLS at all before closing
 * (nothing but an end of file): those are no refusals. libevent 2.1 keeps
 * the handshake's OpenSSL errors on the bufferevent until evhttp frees it
 * (tests/unit/test-conn checks that).
 */
static int
tls_failed(struct bufferevent *bev, char *why, size_t len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long e, found = 0;

	if (ssl == NULL || SSL_is_init_finished(ssl))
		return 0;
	/* Its errors, OpenSSL's codes among SSL_get_error()'s. */
	while ((e = bufferevent_get_openssl_error(bev)) != 0)
		if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) !=
		    SSL_R_UNEXPECTED_EOF_WHILE_READING)
			found = e;
	if (found == 0 || SSL_get_verify_result(ssl) != X509_V_OK)
		return 0;
	snprintf(why, len, "TLS handshake failed: %s",
	    ERR_reason_error_string(found) != NULL ?
	    ERR_reason_error_string(found) : "unknown reason");
	return 1;
}

void
tls_wrap_conn(struct tls *t, struct conn *c)
{
	conn_set_maker(c, tls_bevcb, tls_failed, t);
}

int
tls_listen(struct tls *t, struct evhttp *http, struct conn *c,
    const char *hostport, struct evhttp_bound_socket **bsp,
    struct zs_errbuf *eb)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	char host[TLS_HOSTPORT_MAX], addr[80];
	uint16_t port;
	int fd;

	if (tls_split_hostport(hostport, host, sizeof(host), &port) != 0)
		return zs_errf(eb, ZS_ERR_USAGE, "listener \"tcp:%s\": want "
		    "tcp:HOST:PORT", hostport);
	tls_wrap_conn(t, c);
	bs = evhttp_bind_socket_with_handle(http,
	    host[0] != '\0' ? host : "0.0.0.0", port);
	if (bs == NULL)
		return zs_errf(eb, ZS_ERR_IO, "cannot listen on tcp:%s: %s",
		    hostport, strerror(errno));
	fd = evhttp_bound_socket_get_fd(bs);
	if (getsockname(fd, (struct sockaddr *)&ss, &slen) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->
			    sin6_addr, addr, sizeof(addr));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			log_info("listening on tcp:[%s]:%u (TLS)", addr, port);
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->
			    sin_addr, addr, sizeof(addr));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			log_info("listening on tcp:%s:%u (TLS)", addr, port);
		}
	}
	*bsp = bs;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS for the TCP listeners: an SSL_CTX built from certificate, key and
 * client-CA files, handed to evhttp through bufferevent_openssl. A reload
 * swaps the context for new connections only; connections already open
 * keep the context they started with.
 */
#ifndef ZS_TLS_H
#define ZS_TLS_H

#include <event2/http.h>

#include "common/zserr.h"
#include "daemon/conn.h"

/* Longest "HOST:PORT" listener text. */
#define TLS_HOSTPORT_MAX	300

struct tls;

/* Where a TLS context comes from. client_ca may be NULL (tokens only). */
struct tls_files {
	const char	*cert;		/* PEM chain, leaf first */
	const char	*key;		/* PEM private key */
	const char	*client_ca;	/* PEM CA bundle for client certificates */
	const char	*crl;		/* PEM CRLs of those CAs, or NULL */
};

/* Called when a handshake fails on a client certificate, to audit it. */
typedef void tls_refusal_cb(void *arg, const char *peer, const char *why);

/* Build the first context from files (copied); ZS_ERR_KEY etc. on bad files. */
int	tls_new(const struct tls_files *files, struct tls **tp,
	    struct zs_errbuf *eb);
/* Free t; connections still open keep their own reference to the context. */
void	tls_free(struct tls *t);
/* Re-read the files; on failure the old context stays in use. */
int	tls_reload(struct tls *t, struct zs_errbuf *eb);
/* Ask for cb on certificate refusals (handshake time, event loop thread). */
void	tls_set_refusal_cb(struct tls *t, tls_refusal_cb *cb, void *arg);
/*
 * Make every connection the watcher c makes a TLS one (for adopted
 * sockets); c keeps its deadline and cap on them.
 */
void	tls_wrap_conn(struct tls *t, struct conn *c);
/*
 * Make every connection of http (watched by c) speak TLS with t, bind it
 * to "HOST:PORT" (PORT 0 picks one) and log the address actually bound.
 */
int	tls_listen(struct tls *t, struct evhttp *http, struct conn *c,
	    const char *hostport, struct evhttp_bound_socket **bsp,
	    struct zs_errbuf *eb);

#endif /* ZS_TLS_H */

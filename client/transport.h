/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP/1.1 exchange of zsign-client with zsignd: a libevent bufferevent
 * on a Unix socket or over TLS (bufferevent_openssl), the request written
 * from the caller's buffers, the reply read by Debian's http-parser with a
 * size cap, a connect timeout and a deadline for the whole exchange.
 */
#ifndef ZS_TRANSPORT_H
#define ZS_TRANSPORT_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "common/util.h"
#include "common/zserr.h"

/* Longest Content-Type of a reply kept (longer ones are cut). */
#define TRANSPORT_CTYPE_MAX	128

/* Where the request goes. */
struct transport_target {
	const char	*addr;		/* as the user gave it, for messages */
	const char	*sockpath;	/* Unix socket path, or NULL: TLS */
	const char	*host;		/* TLS: host name, verified */
	const char	*port;		/* TLS: port */
	SSL_CTX		*ctx;		/* TLS: borrowed */
	const char	*authz;		/* "Authorization: ..." line, or NULL */
	unsigned int	 connect_secs;	/* connection and TLS handshake */
	unsigned int	 total_secs;	/* the whole exchange */
};

/*
 * What is sent: the body, if any, is referenced, never copied. Its file
 * pieces go by sendfile(2) on a Unix socket; over TLS they are read in
 * chunks as the socket drains (at most TRANSPORT_FEED_MAX ahead).
 */
struct transport_req {
	const char		*method;
	const char		*path;
	const char		*accept;	/* Accept: value */
	const char		*ctype;		/* NULL: no body */
	const struct zs_filepiece *body;
	size_t			 nbody;
	/* Called once the whole request is written, if not NULL. */
	void			(*sent)(void *);
	void			*sent_arg;
};

/* What came back. */
struct transport_reply {
	int		 status;
	char		 ctype[TRANSPORT_CTYPE_MAX];	/* "" when none */
	uint8_t		*body;		/* malloc'd, NUL after len bytes */
	size_t		 len;
};

/*
 * Send rq to t and read the reply (its body at most max bytes) into *rp,
 * which the caller frees with transport_reply_free(), whatever the status.
 */
int	transport_exchange(const struct transport_target *t,
	    const struct transport_req *rq, size_t max,
	    struct transport_reply *rp, struct zs_errbuf *eb);
/* Free a reply's body; the reply can be used again. */
void	transport_reply_free(struct transport_reply *rp);

#endif /* ZS_TRANSPORT_H */

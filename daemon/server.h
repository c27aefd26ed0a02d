/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP side of zsignd: listeners, evhttp, the dispatch table, the
 * worker pool, request caps, audit log lines and the graceful shutdown.
 */
#ifndef ZS_SERVER_H
#define ZS_SERVER_H

#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/security.h"
#include "keystore/keystore.h"

struct server;
struct runtime;
struct notify_listener;

/*
 * Build a new configuration generation from its sources (SIGHUP), carrying
 * over prev's long-lived state (NULL at start-up).
 */
typedef int server_build_fn(void *arg, const struct runtime *prev,
    struct runtime **rtp, struct zs_errbuf *eb);

struct server_params {
	struct runtime		*rt;		/* taken over: the first generation */
	struct security		*sec;		/* borrowed, may be NULL */
	const struct notify_listener *activated; /* from the service manager */
	size_t			 nactivated;	/* 0: open rt's listeners */
	server_build_fn		*rebuild;	/* NULL: no reload */
	void			*rebuild_arg;
};

/* Set up the event loop, listeners and workers; NULL with eb on failure. */
struct server	*server_new(const struct server_params *p,
		    struct zs_errbuf *eb);
/*
 * Serve until SIGTERM/SIGINT and the in-flight requests are answered.
 * Returns 0 after a clean stop, ZS_ERR_UNAVAILABLE when the shutdown
 * timeout cut requests off.
 */
int		 server_run(struct server *s);
/* Close everything, remove the socket files; NULL is a no-op. */
void		 server_free(struct server *s);

#endif /* ZS_SERVER_H */

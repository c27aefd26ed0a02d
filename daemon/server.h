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

/*
 * Set up the event loop, listeners and workers for cfg; keys and sec (the
 * security hooks, may be NULL) are borrowed.
 */
struct server	*server_new(const struct conf *cfg, struct keyring *kr,
		    struct security *sec, struct zs_errbuf *eb);
/*
 * Serve until SIGTERM/SIGINT and the in-flight requests are answered.
 * Returns 0 after a clean stop, ZS_ERR_UNAVAILABLE when the shutdown
 * timeout cut requests off.
 */
int		 server_run(struct server *s);
/* Close everything, remove the socket files; NULL is a no-op. */
void		 server_free(struct server *s);

#endif /* ZS_SERVER_H */

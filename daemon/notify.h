/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service manager protocol, hand-rolled (no libsystemd): state
 * notifications on $NOTIFY_SOCKET, watchdog pings, and the sockets passed
 * by socket activation (LISTEN_FDS/LISTEN_PID).
 */
#ifndef ZS_NOTIFY_H
#define ZS_NOTIFY_H

#include <stddef.h>

#include "common/zserr.h"

/* First fd passed by socket activation (sd_listen_fds(3)). */
#define NOTIFY_LISTEN_FDS_START	3
/* Most activated sockets zsignd adopts: a Unix socket and a few ports. */
#define NOTIFY_LISTEN_FDS_MAX	16
/* Longest state string sent in one datagram. */
#define NOTIFY_STATE_MAX	512

struct event_base;
struct notify_watchdog;

/* One socket handed over by the service manager. */
struct notify_listener {
	int	fd;
	int	family;		/* AF_UNIX, AF_INET or AF_INET6 */
};

/*
 * Send one newline-separated state ("READY=1", "STATUS=...") to the
 * service manager; 0 and nothing sent when $NOTIFY_SOCKET is unset.
 */
int	notify_send(const char *state);
/* Send a printf-formatted state; see notify_send(). */
int	notify_sendf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* Tell the manager a reload began (RELOADING=1 with MONOTONIC_USEC). */
int	notify_reloading(void);
/*
 * Collect the listening sockets passed by socket activation: each must be
 * a listening stream socket of a family zsignd serves. Sets close-on-exec,
 * unsets LISTEN_* so helpers do not inherit them, and sets *np to 0 when
 * the process was not activated (or the fds are for another pid).
 */
int	notify_listen_fds(struct notify_listener *out, size_t max, size_t *np,
	    struct zs_errbuf *eb);
/* Does stderr end up in the journal (started by systemd)? */
int	notify_under_systemd(void);
/*
 * Start WATCHDOG=1 pings from a timer on base at half of $WATCHDOG_USEC, so
 * a stuck event loop gets the service restarted; *wdp is NULL when the
 * manager asked for no watchdog.
 */
int	notify_watchdog_start(struct event_base *base,
	    struct notify_watchdog **wdp, struct zs_errbuf *eb);
/* Stop the pings; NULL is a no-op. */
void	notify_watchdog_free(struct notify_watchdog *wd);

#endif /* ZS_NOTIFY_H */

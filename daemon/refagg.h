/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Refusals of unauthenticated peers, counted per peer (its address, or
 * its uid on a Unix socket) and kind of refusal so that the audit trail
 * records them in aggregate: the first of each in an interval at once,
 * the rest in one record with their count at the end of the interval,
 * instead of one fsync'd line each; and a rate limit per peer and kind
 * past which they are answered 429 at once. Authenticated refusals stay
 * individual records.
 */
#ifndef ZS_REFAGG_H
#define ZS_REFAGG_H

#include <stddef.h>

/* Interval of the aggregate records: one per peer and kind at most. */
#define REFAGG_INTERVAL_MS	10000u
/* Peers and kinds counted per interval; more share one entry, peer "*". */
#define REFAGG_PEERS_MAX	1024u
/* Refusals per peer and second answered 403; past it, 429. */
#define REFAGG_RATE		20u
/* Longest peer key ("192.0.2.1", "[2001:db8::1]", "uid:1000"). */
#define REFAGG_PEER_MAX		64
/* Longest reason kept (the first refusal's of the interval). */
#define REFAGG_REASON_MAX	160

/* What one peer was refused in one interval, for one kind of refusal. */
struct refagg_entry {
	char			peer[REFAGG_PEER_MAX];
	const char		*auth;		/* static: "none", "cert" */
	int			code;		/* the first's ZS_ERR_* */
	char			reason[REFAGG_REASON_MAX]; /* the first's */
	char			kind[REFAGG_REASON_MAX]; /* reason, no subject */
	char			since[32];	/* UTC time of the second */
	unsigned long		count;		/* refusals after the first */
	unsigned long		limited;	/* of which answered 429 */
	long long		rate_sec;	/* rate window: its second */
	unsigned int		rate_n;		/* and refusals in it */
};

struct refagg;

/* Start counting. */
struct refagg	*refagg_new(void);
/* Free ra (uncounted refusals are lost: flush first); NULL is a no-op. */
void		 refagg_free(struct refagg *ra);
/*
 * Key of the peer text "ADDR:PORT", "[V6]:PORT" or "unix:..." (uid, for
 * Unix peers) into key (REFAGG_PEER_MAX bytes).
 */
void		 refagg_peer_key(const char *peer, long uid, char *key);
/*
 * Count one refusal (code) of the peer key for reason (auth static); its
 * kind is the reason up to a certificate's " (subject". Returns 1 if it
 * is the first of its kind from the peer in the interval (to be audited
 * and logged at once), 2 if the peer is past its rate for that kind
 * (answer 429), else 0. Safe from several threads.
 */
int		 refagg_count(struct refagg *ra, const char *key,
		    const char *auth, int code, const char *reason);
/* Is there anything to flush? */
int		 refagg_pending(struct refagg *ra);
/*
 * Hand each peer's counts since the last flush to fn and start a new
 * interval.
 */
void		 refagg_flush(struct refagg *ra,
		    void (*fn)(void *arg, const struct refagg_entry *e),
		    void *arg);

#endif /* ZS_REFAGG_H */

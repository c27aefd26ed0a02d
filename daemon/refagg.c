/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-peer counts of unauthenticated refusals: an open-addressing table
 * of REFAGG_PEERS_MAX entries, emptied at each flush, so memory and the
 * audit records an interval costs are bounded whatever the peers send.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xmalloc.h"
#include "daemon/refagg.h"

/* Slots of the table: twice the peers, so that probes stay short. */
#define REFAGG_SLOTS		(2 * REFAGG_PEERS_MAX)

struct refagg {
	pthread_mutex_t		 mtx;
	size_t			 n;		/* entries in use */
	struct refagg_entry	*slot[REFAGG_SLOTS];
	struct refagg_entry	 other;		/* past REFAGG_PEERS_MAX */
};

struct refagg *
refagg_new(void)
{
	struct refagg *ra = xcalloc(1, sizeof(*ra));

	pthread_mutex_init(&ra->mtx, NULL);
	snprintf(ra->other.peer, sizeof(ra->other.peer), "*");
	return ra;
}

void
refagg_free(struct refagg *ra)
{
	size_t i;

	if (ra == NULL)
		return;
	for (i = 0; i < REFAGG_SLOTS; i++)
		free(ra->slot[i]);
	pthread_mutex_destroy(&ra->mtx);
	free(ra);
}

void
refagg_peer_key(const char *peer, long uid, char *key)
{
	const char *end;
	size_t n;

	if (strncmp(peer, "unix:", 5) == 0) {
		snprintf(key, REFAGG_PEER_MAX, "uid:%ld", uid);
		return;
	}
	/* "[v6]:port" keeps its brackets; "v4:port" loses ":port". */
	if (peer[0] == '[' && (end = strchr(peer, ']')) != NULL)
		n = (size_t)(end - peer) + 1;
	else if ((end = strrchr(peer, ':')) != NULL)
		n = (size_t)(end - peer);
	else
		n = strlen(peer);
	if (n >= REFAGG_PEER_MAX)
		n = REFAGG_PEER_MAX - 1;
	memcpy(key, peer, n);
	key[n] = '\0';
}

/* FNV-1a: peers are not secret and the table is bounded either way. */
static size_t
refagg_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % REFAGG_SLOTS;
}

static void
refagg_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The entry of key and kind, made if there is room (*made set); with the
 * lock held.
 */
static struct refagg_entry *
refagg_find(struct refagg *ra, const char *key, const char *kind, int *made)
{
	struct refagg_entry *e;
	size_t i;

	*made = 0;
	for (i = (refagg_hash(key) + refagg_hash(kind)) % REFAGG_SLOTS;
	    (e = ra->slot[i]) != NULL; i = (i + 1) % REFAGG_SLOTS)
		if (strcmp(e->peer, key) == 0 && strcmp(e->kind, kind) == 0)
			return e;
	if (ra->n == REFAGG_PEERS_MAX)
		return &ra->other;
	e = xcalloc(1, sizeof(*e));
	snprintf(e->peer, sizeof(e->peer), "%s", key);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	ra->slot[i] = e;
	ra->n++;
	*made = 1;
	return e;
}

int
refagg_count(struct refagg *ra, const char *key, const char *auth,
    int code, const char *reason)
{
	struct refagg_entry *e;
	struct timespec ts;
	char kind[REFAGG_REASON_MAX], *p;
	int r = 0, made;

	/* A certificate's subject is the client's choice: not a new kind. */
	snprintf(kind, sizeof(kind), "%s", reason);
	if ((p = strstr(kind, " (subject")) != NULL)
		*p = '\0';
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&ra->mtx);
	e = refagg_find(ra, key, kind, &made);
	if (made) {
		e->auth = auth;
		e->code = code;
		r = 1;
	} else if (e->count++ == 0) {
		if (e->auth == NULL) {
			e->auth = auth;
			e->code = code;
		}
		snprintf(e->reason, sizeof(e->reason), "%s", reason);
		refagg_now(e->since);
	}
	if (e->rate_sec != (long long)ts.tv_sec) {
		e->rate_sec = (long long)ts.tv_sec;
		e->rate_n = 0;
	}
	if (++e->rate_n > REFAGG_RATE) {
		e->limited++;
		r = 2;
	}
	pthread_mutex_unlock(&ra->mtx);
	return r;
}

int
refagg_pending(struct refagg *ra)
{
	int pending;

	pthread_mutex_lock(&ra->mtx);
	pending = ra->n > 0 || ra->other.count > 0;
	pthread_mutex_unlock(&ra->mtx);
	return pending;
}

void
refagg_flush(struct refagg *ra,
    void (*fn)(void *arg, const struct refagg_entry *e), void *arg)
{
	struct refagg_entry *taken[REFAGG_SLOTS], other;
	size_t i, n = 0;

	/* Take the entries out, then write without holding the lock. */
	pthread_mutex_lock(&ra->mtx);
	for (i = 0; i < REFAGG_SLOTS; i++) {
		if (ra->slot[i] != NULL)
			taken[n++] = ra->slot[i];
		ra->slot[i] = NULL;
	}
	ra->n = 0;
	other = ra->other;
	memset(&ra->other, 0, sizeof(ra->other));
	snprintf(ra->other.peer, sizeof(ra->other.peer), "*");
	pthread_mutex_unlock(&ra->mtx);
	for (i = 0; i < n; i++) {
		/* The first of each kind was audited on its own already. */
		if (taken[i]->count > 0)
			fn(arg, taken[i]);
		free(taken[i]);
	}
	if (other.count > 0)
		fn(arg, &other);
}

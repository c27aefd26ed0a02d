/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's front: picks the backend by URL, checks every name and size
 * before a backend sees it, and keeps the highest state change number
 * seen so that audit lines can carry it.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "state/store-int.h"
#include "state/store.h"

/* The backends, one entry each: adding a database is one line. */
static const struct store_backend *const store_backends[] = {
	&store_sqlite,
	&store_postgresql,
};

struct store {
	const struct store_backend	*be;
	void				*h;
	_Atomic uint64_t		 seq;
	pthread_mutex_t			 mtx;	/* guards down, downmsg */
	int				 down;	/* last use: unreachable */
	char				 downmsg[ZS_ERRMSG_MAX];
};

static const struct store_backend *
store_find(const char *url, const char **restp)
{
	size_t i, n;

	for (i = 0; i < sizeof(store_backends) / sizeof(store_backends[0]);
	    i++) {
		n = strlen(store_backends[i]->prefix);
		if (strncmp(url, store_backends[i]->prefix, n) == 0) {
			*restp = store_backends[i]->keep_prefix ? url :
			    url + n;
			return store_backends[i];
		}
	}
	return NULL;
}

static int
store_url_check(const char *url, const struct store_backend **bep,
    const char **restp, struct zs_errbuf *eb)
{
	if (url == NULL || url[0] == '\0' || strlen(url) >= STORE_URL_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "state URL empty or longer "
		    "than %d bytes", STORE_URL_MAX - 1);
	if ((*bep = store_find(url, restp)) == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "state URL \"%.64s\": want "
		    "sqlite:PATH or postgresql://...", url);
	if ((*restp)[0] == '\0')
		return zs_errf(eb, ZS_ERR_INVALID, "state URL \"%.64s\" names "
		    "no database", url);
	return 0;
}

int
store_open(const char *url, const struct store_opts *opts,
    struct store **stp, struct zs_errbuf *eb)
{
	const struct store_backend *be = NULL;
	const char *rest = NULL;
	struct store *st;
	uint64_t seq = 0;
	int r;

	if ((r = store_url_check(url, &be, &rest, eb)) != 0)
		return r;
	if (opts->node != NULL && strlen(opts->node) >= STORE_NAME_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "node name longer than %d "
		    "bytes", STORE_NAME_MAX - 1);
	st = xcalloc(1, sizeof(*st));
	st->be = be;
	if ((r = be->open(rest, opts, &st->h, &seq, eb)) != 0) {
		free(st);
		return r;
	}
	atomic_init(&st->seq, seq);
	pthread_mutex_init(&st->mtx, NULL);
	*stp = st;
	return 0;
}

int
store_init(const char *url, struct zs_errbuf *eb)
{
	struct store_opts opts = { .create = 1 };
	struct store *st;
	int r;

	if ((r = store_open(url, &opts, &st, eb)) != 0)
		return r;
	store_close(st);
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->be->close(st->h);
	pthread_mutex_destroy(&st->mtx);
	free(st);
}

const char *
store_backend(const struct store *st)
{
	return st->be->name;
}

uint64_t
store_seq(const struct store *st)
{
	return atomic_load(&((struct store *)st)->seq);
}

/* Remember seq if it is the highest seen (replicas commit out of order). */
static void
store_saw(struct store *st, uint64_t seq)
{
	uint64_t cur = atomic_load(&st->seq);

	while (seq > cur && !atomic_compare_exchange_weak(&st->seq, &cur, seq))
		;
}

/* Remember whether the database answered, for store_health(). */
static int
store_note(struct store *st, int r, const struct zs_errbuf *eb)
{
	pthread_mutex_lock(&st->mtx);
	if (r == ZS_ERR_UNAVAILABLE) {
		st->down = 1;
		snprintf(st->downmsg, sizeof(st->downmsg), "%s", eb->msg);
	} else if (r == 0 || r == ZS_ERR_DENIED || r == ZS_ERR_LIMIT ||
	    r == ZS_ERR_NOT_FOUND)
		st->down = 0;
	pthread_mutex_unlock(&st->mtx);
	return r;
}

static int
store_name_ok(const char *s, int empty_ok)
{
	return s != NULL && (empty_ok || s[0] != '\0') &&
	    strlen(s) < STORE_NAME_MAX;
}

int
store_admit(struct store *st, const struct store_admit *a, uint64_t *seqp,
    struct zs_errbuf *eb)
{
	uint64_t seq = 0;
	int r;

	if (!store_name_ok(a->key, 0) || !store_name_ok(a->identity, 0) ||
	    !store_name_ok(a->image_class, 1))
		return zs_errf(eb, ZS_ERR_INVALID, "state: key, identity or "
		    "image class missing or longer than %d bytes",
		    STORE_NAME_MAX - 1);
	if (a->record != NULL && strlen(a->record) > STORE_RECORD_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "state: audit record "
		    "over %u bytes", STORE_RECORD_MAX);
	if ((r = store_note(st, st->be->admit(st->h, a, &seq, eb), eb)) != 0)
		return r;
	if (a->update) {
		store_saw(st, seq);
		*seqp = seq;
	}
	return 0;
}

int
store_record(struct store *st, const char *identity, const char *key,
    const char *result, const char *record, struct zs_errbuf *eb)
{
	if (st->be->record == NULL)
		return 0;
	if (!store_name_ok(identity, 0) || (key != NULL &&
	    !store_name_ok(key, 0)) || !store_name_ok(result, 0) ||
	    strlen(record) > STORE_RECORD_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "state: audit record "
		    "fields too long");
	return store_note(st, st->be->record(st->h, identity, key, result,
	    record, eb), eb);
}

int
store_keeps_records(const struct store *st)
{
	return st->be->record != NULL;
}

int
store_health(struct store *st, struct zs_errbuf *eb)
{
	return store_note(st, st->be->health(st->h, eb), eb);
}

int
store_last_health(struct store *st, struct zs_errbuf *eb)
{
	int r = 0;

	pthread_mutex_lock(&st->mtx);
	if (st->down)
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "%s", st->downmsg);
	pthread_mutex_unlock(&st->mtx);
	return r;
}

static int
store_kv_names_ok(const char *ns, const char *name, struct zs_errbuf *eb)
{
	if (ns == NULL || ns[0] == '\0' || strlen(ns) >= STORE_KV_NAME_MAX ||
	    (name != NULL && (name[0] == '\0' ||
	    strlen(name) >= STORE_KV_NAME_MAX)))
		return zs_errf(eb, ZS_ERR_INVALID, "state: record namespace "
		    "or name empty or longer than %d bytes",
		    STORE_KV_NAME_MAX - 1);
	return 0;
}

int
store_kv_put(struct store *st, const char *ns, const char *name,
    const char *value, struct zs_errbuf *eb)
{
	int r;

	if ((r = store_kv_names_ok(ns, name, eb)) != 0)
		return r;
	if (value == NULL || strlen(value) > STORE_KV_VALUE_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "state: record value "
		    "missing or over %u bytes", STORE_KV_VALUE_MAX);
	return st->be->kv_put(st->h, ns, name, value, eb);
}

int
store_kv_get(struct store *st, const char *ns, const char *name,
    char **valuep, struct zs_errbuf *eb)
{
	int r;

	if ((r = store_kv_names_ok(ns, name, eb)) != 0)
		return r;
	return st->be->kv_get(st->h, ns, name, valuep, eb);
}

int
store_kv_del(struct store *st, const char *ns, const char *name,
    struct zs_errbuf *eb)
{
	int r;

	if ((r = store_kv_names_ok(ns, name, eb)) != 0)
		return r;
	return st->be->kv_del(st->h, ns, name, eb);
}

int
store_kv_list(struct store *st, const char *ns,
    int (*cb)(void *, const char *, const char *), void *arg,
    struct zs_errbuf *eb)
{
	int r;

	if ((r = store_kv_names_ok(ns, NULL, eb)) != 0)
		return r;
	return st->be->kv_list(st->h, ns, cb, arg, eb);
}

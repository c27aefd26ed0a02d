/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signing state: anti-rollback and security-counter marks, the
 * signatures counted by max_per_hour, and small named records other
 * modules keep (pending approvals), in a database chosen by URL
 * ("sqlite:PATH", "postgresql://..."). Each rule check and its update is
 * one transaction, so racing requests, on one zsignd or on replicas
 * sharing a PostgreSQL database, cannot both pass.
 */
#ifndef ZS_STORE_H
#define ZS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"

/* Longest state URL (a path or a libpq conninfo string). */
#define STORE_URL_MAX		1024
/* Longest key, class, identity or node name stored. */
#define STORE_NAME_MAX		256
/* Longest audit record stored beside a state change. */
#define STORE_RECORD_MAX	(64u * 1024)
/* Longest record namespace and name (store_kv_*). */
#define STORE_KV_NAME_MAX	128
/* Largest value of a named record (store_kv_*). */
#define STORE_KV_VALUE_MAX	(1024u * 1024)
/* Most named records store_kv_list() returns at once. */
#define STORE_KV_LIST_MAX	4096

/* How zsignd opens its store. */
struct store_opts {
	const char	*node;		/* this replica's name, for audit rows */
	int		 create;	/* create the schema when it is missing */
};

/*
 * One signature to admit: every rule named here is checked and, when all
 * pass and update is set, recorded in the same transaction. Marks are
 * kept per (key, image_class); class "" is the key-wide mark.
 */
struct store_admit {
	const char	*key;
	const char	*image_class;
	const char	*identity;
	int		 check_version;		/* anti_rollback */
	uint64_t	 version;		/* comparable (policy.c) */
	const char	*version_text;		/* for messages */
	int		 check_counter;		/* security_counter */
	uint64_t	 counter;
	unsigned	 max_per_hour;		/* 0: not counted */
	int		 update;		/* a signed image is returned */
	const char	*record;		/* audit record JSON, may be NULL */
};

struct store;

/*
 * Open the store at url (sqlite:PATH or a postgresql:// URI or conninfo):
 * check that it is a zsign state store of a known schema version, or
 * create it when opts->create says so. A database that is corrupt or of
 * something else is refused.
 */
int	store_open(const char *url, const struct store_opts *opts,
	    struct store **stp, struct zs_errbuf *eb);
/* Close st; NULL is a no-op. */
void	store_close(struct store *st);
/* The backend's name: "sqlite", "postgresql". */
const char *store_backend(const struct store *st);
/*
 * The number of the last state change the store holds: it only grows, so
 * an audit log that saw a higher one proves the store was replaced by an
 * older copy (or deleted).
 */
uint64_t store_seq(const struct store *st);
/*
 * Check and apply the rules of a (one transaction, durable before 0 is
 * returned). ZS_ERR_DENIED for a rollback, ZS_ERR_LIMIT for a full hour,
 * ZS_ERR_UNAVAILABLE when the database cannot be reached; *seqp gets the
 * state change's number (unchanged without update).
 */
int	store_admit(struct store *st, const struct store_admit *a,
	    uint64_t *seqp, struct zs_errbuf *eb);
/*
 * Keep an audit record that changes no state (a refusal) beside the
 * others, where the backend keeps them (PostgreSQL); a no-op for SQLite.
 */
int	store_record(struct store *st, const char *identity, const char *key,
	    const char *result, const char *record, struct zs_errbuf *eb);
/* Does the store keep audit records (store_record, store_admit's)? */
int	store_keeps_records(const struct store *st);
/*
 * Can the store be used right now? Asks the database (may block up to a
 * connection timeout); fills eb with the reason when not.
 */
int	store_health(struct store *st, struct zs_errbuf *eb);
/*
 * What the last use of the store found (never blocks): 0, or
 * ZS_ERR_UNAVAILABLE with the reason in eb.
 */
int	store_last_health(struct store *st, struct zs_errbuf *eb);

/* Store value under (ns, name), replacing what was there. */
int	store_kv_put(struct store *st, const char *ns, const char *name,
	    const char *value, struct zs_errbuf *eb);
/* The value under (ns, name) (malloc'd); ZS_ERR_NOT_FOUND when none. */
int	store_kv_get(struct store *st, const char *ns, const char *name,
	    char **valuep, struct zs_errbuf *eb);
/* Remove (ns, name); ZS_ERR_NOT_FOUND when there was none. */
int	store_kv_del(struct store *st, const char *ns, const char *name,
	    struct zs_errbuf *eb);
/*
 * Call cb for each record of ns in name order (at most STORE_KV_LIST_MAX);
 * a non-zero return from cb stops the walk and is returned. cb must not
 * call the store.
 */
int	store_kv_list(struct store *st, const char *ns,
	    int (*cb)(void *arg, const char *name, const char *value),
	    void *arg, struct zs_errbuf *eb);

/* Create the schema at url if it is missing (zsignd --init-state). */
int	store_init(const char *url, struct zs_errbuf *eb);

#endif /* ZS_STORE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The backends behind state/store.h: one table of functions each, looked
 * up by the URL's scheme. store.c checks the arguments (lengths, names)
 * before a backend sees them.
 */
#ifndef ZS_STORE_INT_H
#define ZS_STORE_INT_H

#include <stdint.h>

#include "common/zserr.h"
#include "state/store.h"

/* What the meta table's "magic" row holds in every zsign store. */
#define STORE_MAGIC		"zsign-state"
/* The window max_per_hour counts over, in seconds. */
#define STORE_RATE_WINDOW	3600

struct store_backend {
	const char	*name;
	const char	*prefix;	/* URL prefix that selects it */
	int		 keep_prefix;	/* the backend wants the whole URL */
	int		(*open)(const char *url, const struct store_opts *opts,
			    void **hp, uint64_t *seqp, struct zs_errbuf *eb);
	void		(*close)(void *h);
	int		(*admit)(void *h, const struct store_admit *a,
			    uint64_t *seqp, struct zs_errbuf *eb);
	int		(*record)(void *h, const char *identity,
			    const char *key, const char *result,
			    const char *record, struct zs_errbuf *eb);
	int		(*health)(void *h, struct zs_errbuf *eb);
	int		(*kv_put)(void *h, const char *ns, const char *name,
			    const char *value, struct zs_errbuf *eb);
	int		(*kv_get)(void *h, const char *ns, const char *name,
			    char **valuep, struct zs_errbuf *eb);
	int		(*kv_del)(void *h, const char *ns, const char *name,
			    struct zs_errbuf *eb);
	int		(*kv_list)(void *h, const char *ns,
			    int (*cb)(void *, const char *, const char *),
			    void *arg, struct zs_errbuf *eb);
};

extern const struct store_backend store_sqlite;
extern const struct store_backend store_postgresql;

/*
 * Versions and counters are unsigned 64-bit; both databases keep signed
 * 64-bit integers. Flipping the top bit maps one onto the other in order.
 */
static inline int64_t
store_u2i(uint64_t v)
{
	return (int64_t)(v ^ (UINT64_C(1) << 63));
}

static inline uint64_t
store_i2u(int64_t v)
{
	return (uint64_t)v ^ (UINT64_C(1) << 63);
}

#endif /* ZS_STORE_INT_H */

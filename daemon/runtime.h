/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One generation of zsignd's configuration: the settings, the keys they
 * name and the operations settings, built completely before use and never
 * changed after. Requests hold a reference, so a reload (SIGHUP) swaps in
 * a new generation while the old one finishes what it began.
 */
#ifndef ZS_RUNTIME_H
#define ZS_RUNTIME_H

#include <stdatomic.h>

#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/metrics.h"
#include "keystore/keystore.h"

struct runtime {
	atomic_uint		 refs;
	unsigned long		 generation;	/* 1 at start, +1 per reload */
	struct conf		 cfg;
	struct keyring		*kr;
	struct acl		*metrics_acl;	/* who may GET /metrics */
	struct policy		*policy;	/* tokens, allow lists, rules */
	int			 log_level;	/* ZS_LOG_*, -1: file sets none */
};

/* Make an empty generation (defaults, no keys) holding one reference. */
struct runtime	*runtime_new(void);
/* Take a reference. */
struct runtime	*runtime_ref(struct runtime *rt);
/* Drop a reference; the last one frees everything. NULL is a no-op. */
void		 runtime_unref(struct runtime *rt);
/*
 * Read the operations members of the file ("log_level", "metrics") from
 * rt->cfg.root; without a file, the defaults.
 */
int		 runtime_load_ops(struct runtime *rt, struct zs_errbuf *eb);
/*
 * Build rt's policy from rt->cfg.root, sharing prev's long-lived state
 * (requests in flight per identity) when prev, the running generation on
 * a reload, is given.
 */
int		 runtime_load_policy(struct runtime *rt,
		    const struct runtime *prev, struct zs_errbuf *eb);
/* Parse a "log_level" name into ZS_LOG_*; -1 for an unknown name. */
int		 runtime_log_level(const char *name);
/*
 * May next replace cur on a reload? Settings read only at start-up
 * (listeners, workers, socket permissions, audit, TLS paths, the state
 * store) log a warning and keep their running values; a changed
 * "state_file" is refused (ZS_ERR_INVALID) as needing a restart. What the
 * policy holds (tokens, keys' allow lists, rules, default, per-identity
 * limits) and the keys themselves come with next.
 */
int		 runtime_check_reload(const struct runtime *cur,
		    const struct runtime *next, struct zs_errbuf *eb);

#endif /* ZS_RUNTIME_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One generation of zsignd's configuration: the settings, the keys they
 * name and the policy built from them, complete before use and never
 * changed after. Requests hold a reference, so a reload (SIGHUP) swaps in
 * a new generation while the old one finishes what it began.
 */
#ifndef ZS_RUNTIME_H
#define ZS_RUNTIME_H

#include <stdatomic.h>

#include "common/zserr.h"
#include "daemon/conf.h"
#include "keystore/keystore.h"

struct runtime {
	atomic_uint		 refs;
	unsigned long		 generation;	/* 1 at start, +1 per reload */
	struct conf		 cfg;
	struct keyring		*kr;
	struct policy		*policy;	/* tokens, allow lists, rules */
};

/* Make an empty generation (defaults, no keys) holding one reference. */
struct runtime	*runtime_new(void);
/* Take a reference. */
struct runtime	*runtime_ref(struct runtime *rt);
/* Drop a reference; the last one frees everything. NULL is a no-op. */
void		 runtime_unref(struct runtime *rt);
/*
 * Build rt's policy from rt->cfg, sharing prev's long-lived state
 * (requests in flight per identity) when prev, the running generation on
 * a reload, is given.
 */
int		 runtime_load_policy(struct runtime *rt,
		    const struct runtime *prev, struct zs_errbuf *eb);
/*
 * May next replace cur on a reload? As conf.c's table says: settings read
 * only at start-up (listeners, workers, socket permissions, audit, TLS
 * paths, the state store) log a warning and keep their running values; a
 * changed "state_file" is refused (ZS_ERR_INVALID) as needing a restart.
 * What the policy holds (tokens, keys' allow lists, rules, default,
 * per-identity limits) and the keys themselves come with next.
 */
int		 runtime_check_reload(const struct runtime *cur,
		    const struct runtime *next, struct zs_errbuf *eb);

#endif /* ZS_RUNTIME_H */

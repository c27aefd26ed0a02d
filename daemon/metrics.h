/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process-wide counters for the Prometheus text exposition served at
 * GET /metrics. They outlive configuration reloads; every call is
 * thread-safe, so workers record and the event loop renders.
 */
#ifndef ZS_METRICS_H
#define ZS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/zserr.h"

/* Most distinct (tool, key, result) series; later ones fold into one. */
#define METRICS_SERIES_MAX	512
/* Most distinct tools with a latency histogram. */
#define METRICS_TOOLS_MAX	8
/* Longest label value kept; longer ones are cut (names are short). */
#define METRICS_LABEL_MAX	64
/* Most distinct (reason, code) refusal series; refuse.c has fewer. */
#define METRICS_REFUSALS_MAX	64
/* Most entries in the configuration's "metrics": {"allow": [...]}. */
#define METRICS_ACL_MAX		64

struct evbuffer;
struct keyring;
struct metrics;
struct acl;

/* Make a zeroed set of counters. */
struct metrics	*metrics_new(void);
/* Free the counters; NULL is a no-op. */
void		 metrics_free(struct metrics *m);
/* A signing request was accepted for work: raise the in-flight gauge. */
void		 metrics_request_begin(struct metrics *m);
/*
 * A signing request that metrics_request_begin() counted has ended: count
 * it under tool, key (NULL or "" for none) and result ("ok" or a
 * zs_errname()), add its latency and, on success, the bytes signed.
 */
void		 metrics_request_end(struct metrics *m, const char *tool,
		    const char *key, const char *result, double seconds,
		    uint64_t bytes);
/*
 * Count one refusal (daemon/refuse.c) under reason and the wire code,
 * both static strings.
 */
void		 metrics_refusal(struct metrics *m, const char *reason,
		    const char *code);
/* Record the outcome of a configuration reload. */
void		 metrics_reload(struct metrics *m, int ok);
/*
 * Append the text exposition (format 0.0.4) to out; kr (which may be
 * NULL) adds one zsignd_key_available series per configured key.
 */
int		 metrics_render(struct metrics *m, const struct keyring *kr,
		    struct evbuffer *out);

/*
 * Parse metrics.allow (NULL: absent; conf.c hands it over) into who may
 * read /metrics (an access list, daemon/acl.h: "unix", "uid:USER",
 * "gid:GROUP", "cert:[TYPE:]NAME", "token:NAME", "oidc:CLAIM:GLOB" or
 * "any"); by default Unix-socket peers only. Free it with acl_free().
 */
int		 metrics_acl_new(const json_t *allow, struct acl **aclp,
		    struct zs_errbuf *eb);

#endif /* ZS_METRICS_H */

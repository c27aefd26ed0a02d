/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration generations: reference counting, the operations members
 * of the file, and the check of what a reload may change in place.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/acl.h"
#include "daemon/conf.h"
#include "daemon/metrics.h"
#include "daemon/policy.h"
#include "daemon/runtime.h"
#include "keystore/keystore.h"

/* The "log_level" names, indexed by ZS_LOG_*. */
static const char *const runtime_levels[] = {
	[ZS_LOG_ERR] = "error",
	[ZS_LOG_WARN] = "warning",
	[ZS_LOG_INFO] = "info",
	[ZS_LOG_DEBUG] = "debug",
};

/* Top-level members only read at start-up: a change waits for a restart. */
static const char *const runtime_startup_members[] = {
	"socket_mode", "socket_group", "audit", "tls", "state", "node",
	"approvals",
};

/* Members read once at start-up whose change must not pass unseen. */
static const char *const runtime_restart_members[] = {
	"state_file",
};

struct runtime *
runtime_new(void)
{
	struct runtime *rt = xcalloc(1, sizeof(*rt));

	atomic_init(&rt->refs, 1);
	conf_init(&rt->cfg);
	rt->log_level = -1;
	return rt;
}

struct runtime *
runtime_ref(struct runtime *rt)
{
	atomic_fetch_add(&rt->refs, 1);
	return rt;
}

void
runtime_unref(struct runtime *rt)
{
	if (rt == NULL || atomic_fetch_sub(&rt->refs, 1) != 1)
		return;
	acl_free(rt->metrics_acl);
	policy_free(rt->policy);
	keyring_free(rt->kr);
	conf_free(&rt->cfg);
	free(rt);
}

int
runtime_log_level(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(runtime_levels) / sizeof(runtime_levels[0]);
	    i++)
		if (strcmp(name, runtime_levels[i]) == 0)
			return (int)i;
	return -1;
}

int
runtime_load_policy(struct runtime *rt, const struct runtime *prev,
    struct zs_errbuf *eb)
{
	return policy_next(rt->cfg.root, prev != NULL ? prev->policy : NULL,
	    &rt->policy, eb);
}

int
runtime_load_ops(struct runtime *rt, struct zs_errbuf *eb)
{
	const json_t *root = rt->cfg.root, *v;

	if (root != NULL && (v = json_object_get(root, "log_level")) != NULL &&
	    (!json_is_string(v) ||
	    (rt->log_level = runtime_log_level(json_string_value(v))) < 0))
		return zs_errf(eb, ZS_ERR_INVALID, "log_level must be \"error\","
		    " \"warning\", \"info\" or \"debug\"");
	return metrics_acl_new(root != NULL ? json_object_get(root,
	    "metrics") : NULL, &rt->metrics_acl, eb);
}

/* Is member name of a and b (either may be NULL) the same JSON? */
static int
member_equal(const json_t *a, const json_t *b, const char *name)
{
	const json_t *va = a != NULL ? json_object_get(a, name) : NULL;
	const json_t *vb = b != NULL ? json_object_get(b, name) : NULL;

	if (va == NULL || vb == NULL)
		return va == vb;
	return json_equal((json_t *)va, (json_t *)vb);
}

/* Are the two listener lists the same? */
static int
listen_equal(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->nlisten != b->nlisten)
		return 0;
	for (i = 0; i < a->nlisten; i++)
		if (strcmp(a->listen[i], b->listen[i]) != 0)
			return 0;
	return 1;
}

int
runtime_check_reload(const struct runtime *cur, const struct runtime *next,
    struct zs_errbuf *eb)
{
	const json_t *a = cur->cfg.root, *b = next->cfg.root;
	size_t i;

	for (i = 0; i < sizeof(runtime_restart_members) /
	    sizeof(runtime_restart_members[0]); i++)
		if (!member_equal(a, b, runtime_restart_members[i]))
			return zs_errf(eb, ZS_ERR_INVALID, "\"%s\" changed: "
			    "that takes a restart (systemctl restart zsignd)",
			    runtime_restart_members[i]);

	for (i = 0; i < sizeof(runtime_startup_members) /
	    sizeof(runtime_startup_members[0]); i++)
		if (!member_equal(a, b, runtime_startup_members[i]))
			log_warnx("reload: \"%s\" changed; the running value "
			    "stays until a restart",
			    runtime_startup_members[i]);
	if (!listen_equal(&cur->cfg, &next->cfg))
		log_warnx("reload: the listeners changed; the running ones "
		    "stay until a restart");
	if (cur->cfg.workers != next->cfg.workers)
		log_warnx("reload: workers changed (%u -> %u); the running "
		    "%u stay until a restart", cur->cfg.workers,
		    next->cfg.workers, cur->cfg.workers);
	return 0;
}

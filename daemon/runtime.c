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

/*
 * Members the policy reads once (docs/SECURITY.md): ignoring a change to
 * them (a revoked token, a narrowed allow list) would be unsafe, so such a
 * reload is refused.
 */
static const char *const runtime_policy_members[] = {
	"tokens", "oidc", "state_file",
};
static const char *const runtime_policy_key_members[] = {
	"allow", "rules", "default", "approval", "raw_signing",
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

/* The keys[] entry called name in root, or NULL. */
static const json_t *
key_entry(const json_t *root, const char *name)
{
	const json_t *keys, *k, *n;
	size_t i;

	if (root == NULL || (keys = json_object_get(root, "keys")) == NULL ||
	    !json_is_array(keys))
		return NULL;
	json_array_foreach((json_t *)keys, i, k) {
		n = json_object_get(k, "name");
		if (json_is_string(n) && strcmp(json_string_value(n), name) == 0)
			return k;
	}
	return NULL;
}

/* Do the policy members of every key named in from equal those in to? */
static int
keys_policy_equal(const json_t *from, const json_t *to, const char **whichp)
{
	const json_t *keys, *k, *n;
	size_t i, j;

	if (from == NULL || (keys = json_object_get(from, "keys")) == NULL ||
	    !json_is_array(keys))
		return 1;
	json_array_foreach((json_t *)keys, i, k) {
		if (!json_is_string(n = json_object_get(k, "name")))
			continue;
		for (j = 0; j < sizeof(runtime_policy_key_members) /
		    sizeof(runtime_policy_key_members[0]); j++) {
			if (!member_equal(k, key_entry(to,
			    json_string_value(n)),
			    runtime_policy_key_members[j])) {
				*whichp = json_string_value(n);
				return 0;
			}
		}
	}
	return 1;
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
	const json_t *a = cur->cfg.root, *b = next->cfg.root, *la, *lb;
	const char *key = NULL;
	size_t i;

	for (i = 0; i < sizeof(runtime_policy_members) /
	    sizeof(runtime_policy_members[0]); i++)
		if (!member_equal(a, b, runtime_policy_members[i]))
			return zs_errf(eb, ZS_ERR_INVALID, "\"%s\" changed: "
			    "that takes a restart (systemctl restart zsignd)",
			    runtime_policy_members[i]);
	/* Both directions: a key gaining rules counts as much as losing them. */
	if (!keys_policy_equal(a, b, &key) || !keys_policy_equal(b, a, &key))
		return zs_errf(eb, ZS_ERR_INVALID, "allow, rules, default or "
		    "raw_signing of key \"%s\" changed: that takes a restart "
		    "(systemctl restart zsignd)", key);
	la = a != NULL ? json_object_get(a, "limits") : NULL;
	lb = b != NULL ? json_object_get(b, "limits") : NULL;
	if (!member_equal(la, lb, "per_identity_concurrency"))
		return zs_errf(eb, ZS_ERR_INVALID, "limits.per_identity_"
		    "concurrency changed: that takes a restart (systemctl "
		    "restart zsignd)");

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

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration generations: reference counting, the policy each one
 * builds, and what a reload may change in place (as conf.c's schema table
 * says).
 */
#include "config.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "daemon/runtime.h"
#include "keystore/keystore.h"

struct runtime *
runtime_new(void)
{
	struct runtime *rt = xcalloc(1, sizeof(*rt));

	atomic_init(&rt->refs, 1);
	conf_init(&rt->cfg);
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
	policy_free(rt->policy);
	keyring_free(rt->kr);
	conf_free(&rt->cfg);
	free(rt);
}

int
runtime_load_policy(struct runtime *rt, const struct runtime *prev,
    struct zs_errbuf *eb)
{
	return policy_next(&rt->cfg, prev != NULL ? prev->policy : NULL,
	    &rt->policy, eb);
}

int
runtime_check_reload(const struct runtime *cur, const struct runtime *next,
    struct zs_errbuf *eb)
{
	const char *restart[CONF_RESTART_MAX];
	size_t i, n;
	int r;

	if ((r = conf_check_reload(&cur->cfg, &next->cfg, restart,
	    CONF_RESTART_MAX, &n, eb)) != 0)
		return r;
	for (i = 0; i < n && i < CONF_RESTART_MAX; i++)
		log_warnx("reload: \"%s\" changed; the running value stays "
		    "until a restart", restart[i]);
	return 0;
}

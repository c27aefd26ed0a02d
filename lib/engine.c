/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine table and its lookups. A new tool is one line here plus its
 * lib/ directory, which defines the entry (lib/<tool>/engine.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/engine.h"

/* Every engine, in the order error messages list them. */
static const struct engine_ops *const engines[] = {
	&engine_mcuboot,
	&engine_rimage,
	NULL
};

/* The table must fit the allow lists' bit per engine (daemon/policy.c). */
_Static_assert(sizeof(engines) / sizeof(engines[0]) - 1 <= ENGINE_MAX,
    "more engines than ENGINE_MAX");

const struct engine_ops *
engine_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && engines[i] != NULL; i++)
		if (strcmp(engines[i]->name, name) == 0)
			return engines[i];
	return NULL;
}

const struct engine_ops *
engine_at(size_t i)
{
	return i < sizeof(engines) / sizeof(engines[0]) ? engines[i] : NULL;
}

int
engine_index(const struct engine_ops *e)
{
	size_t i;

	for (i = 0; engines[i] != NULL; i++)
		if (engines[i] == e)
			return (int)i;
	return -1;
}

const char *
engine_names(unsigned flags, char *buf, size_t len)
{
	size_t i, n = 0, k = 0, o = 0;
	int w;

	for (i = 0; engines[i] != NULL; i++)
		if ((engines[i]->flags & flags) == flags)
			n++;
	buf[0] = '\0';
	for (i = 0; engines[i] != NULL && o < len; i++) {
		if ((engines[i]->flags & flags) != flags)
			continue;
		w = snprintf(buf + o, len - o, "%s\"%s\"", k == 0 ? "" :
		    k + 1 == n ? " or " : ", ", engines[i]->name);
		if (w < 0)
			break;
		o += (size_t)w;
		k++;
	}
	return buf;
}

int
engine_needs_key(const struct engine_ops *e, const void *args,
    const struct fileset *in, int *needp, struct zs_errbuf *eb)
{
	if (e->needs_key == NULL) {
		*needp = 1;
		return 0;
	}
	return e->needs_key(args, in, needp, eb);
}

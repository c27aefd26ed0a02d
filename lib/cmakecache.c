/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CMakeCache.txt lookups with west's zcmake rules: "KEY:TYPE=VALUE" lines,
 * TYPE one of FILEPATH, PATH, STRING, BOOL, INTERNAL; lines starting with
 * "//" or "#" are comments; a later entry of the same key wins.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "lib/zephyr.h"

/* The only cache key west's build-directory check needs (see the header). */
#define CMAKECACHE_ZEPHYR_KEY	"ZEPHYR_TOOLCHAIN_VARIANT"

static const char *const cmakecache_types[] = {
	"FILEPATH", "PATH", "STRING", "BOOL", "INTERNAL",
};

/*
 * Split one line as zcmake's regex "(?P<name>.*?):(?P<type>...)=(?P<value>.*)"
 * does: the name ends at the first ':' followed by a known type and '='.
 * Sets *namelenp and *valp; returns 0 when the line holds no entry.
 */
static int
cmakecache_split(const char *line, size_t n, size_t *namelenp,
    const char **valp)
{
	size_t i, j, tl;

	if (n >= 2 && line[0] == '/' && line[1] == '/')
		return 0;
	if (n >= 1 && line[0] == '#')
		return 0;
	for (i = 0; i < n; i++) {
		if (line[i] != ':')
			continue;
		for (j = 0; j < sizeof(cmakecache_types) /
		    sizeof(cmakecache_types[0]); j++) {
			tl = strlen(cmakecache_types[j]);
			if (n - i - 1 > tl &&
			    memcmp(line + i + 1, cmakecache_types[j], tl) == 0 &&
			    line[i + 1 + tl] == '=') {
				*namelenp = i;
				*valp = line + i + 2 + tl;
				return 1;
			}
		}
	}
	return 0;
}

/*
 * Find the last entry named key; its value is [*valp, *valp + *vlenp).
 * Python reads the file with universal newlines, so "\r" ends lines too.
 */
static int
cmakecache_find(const char *text, size_t len, const char *key,
    const char **valp, size_t *vlenp)
{
	const char *p, *end, *nl, *v;
	size_t klen = strlen(key), n, namelen;
	int found = 0;

	end = text + len;
	for (p = text; p < end; p = nl + 1) {
		for (nl = p; nl < end && *nl != '\n' && *nl != '\r'; nl++)
			;
		n = (size_t)(nl - p);
		if (cmakecache_split(p, n, &namelen, &v) && namelen == klen &&
		    memcmp(p, key, klen) == 0) {
			*valp = v;
			*vlenp = (size_t)(nl - v);
			found = 1;
		}
		if (nl < end && *nl == '\r' && nl + 1 < end && nl[1] == '\n')
			nl++;
	}
	return found;
}

int
zephyr_cmakecache_is_zephyr(const char *text, size_t len)
{
	const char *v;
	size_t vlen;

	return cmakecache_find(text, len, CMAKECACHE_ZEPHYR_KEY, &v, &vlen);
}

char *
zephyr_cmakecache_get(const char *text, size_t len, const char *key)
{
	const char *v;
	char *s;
	size_t vlen;

	if (!cmakecache_find(text, len, key, &v, &vlen))
		return NULL;
	/* A NUL inside the value would silently cut it short. */
	if (memchr(v, '\0', vlen) != NULL)
		return NULL;
	s = xmalloc(vlen + 1);
	memcpy(s, v, vlen);
	s[vlen] = '\0';
	return s;
}

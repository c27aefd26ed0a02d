/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests (tests/zstest.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/zstest.h"

/* Put the template "$TMPDIR/NAME.XXXXXX" in path; 0, or -1 (ENAMETOOLONG). */
static int
tmp_template(char *path, size_t len, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(path, len, "%s/%s.XXXXXX", tmp, name);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			path[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
zstest_mkdtemp(char *dir, size_t dirlen, const char *name)
{
	if (tmp_template(dir, dirlen, name) != 0)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

int
zstest_mkstemp(char *path, size_t len, const char *name)
{
	if (tmp_template(path, len, name) != 0)
		return -1;
	return mkstemp(path);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests (tests/zstest.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/zstest.h"

int
zstest_mkdtemp(char *dir, size_t dirlen, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(dir, dirlen, "%s/%s.XXXXXX", tmp, name);
	if (n < 0 || (size_t)n >= dirlen) {
		if (dirlen > 0)
			dir[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the unit tests: a private temporary directory or file
 * under $TMPDIR, so that tests run where CI puts its temporary files.
 */
#ifndef ZS_ZSTEST_H
#define ZS_ZSTEST_H

#include <stddef.h>

/*
 * Room a test keeps after its directory for a socket's name in it:
 * "/" and up to 15 bytes, within sun_path's 108 (with its NUL).
 */
#define ZSTEST_SOCK_ROOM	16
/* Longest directory a test with a Unix socket in it can use. */
#define ZSTEST_SOCKDIR_MAX	(108 - ZSTEST_SOCK_ROOM)

/*
 * Make a private directory "$TMPDIR/NAME.XXXXXX" ($TMPDIR unset or
 * empty: /tmp) and put its path in dir (dirlen bytes, at most
 * ZSTEST_SOCKDIR_MAX + 1 where a socket goes in it); 0, or -1 with errno
 * (ENAMETOOLONG when the path does not fit).
 */
int	zstest_mkdtemp(char *dir, size_t dirlen, const char *name);
/*
 * Make a new file "$TMPDIR/NAME.XXXXXX" as zstest_mkdtemp() makes a
 * directory, its path in path (len bytes); its descriptor, or -1 with errno.
 */
int	zstest_mkstemp(char *path, size_t len, const char *name);

#endif

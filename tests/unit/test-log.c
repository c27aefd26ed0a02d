/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/log.c's destinations: plain "name: line" on
 * stderr, and "<priority>line" when stderr is the journal stream.
 */
#include "config.h"

#include <sys/stat.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"
#include "tests/zstest.h"

/* Point stderr at a fresh file; return its path (static). */
static const char *
stderr_to_file(void)
{
	static char path[PATH_MAX];
	int fd;

	fd = zstest_mkstemp(path, sizeof(path), "zsign-test-log");
	assert_true(fd >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	return path;
}

/* Read the whole file at path into buf. */
static void
slurp(const char *path, char *buf, size_t max)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, max - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
test_destinations(void **state)
{
	const char *path;
	struct stat st;
	char env[64], text[512];
	int saved = dup(STDERR_FILENO);

	(void)state;
	path = stderr_to_file();
	unsetenv("JOURNAL_STREAM");
	log_init("zt", 1, ZS_LOG_INFO);
	log_warnx("plain %d", 1);
	log_debug("hidden at info");

	/* A JOURNAL_STREAM naming another file: still plain lines. */
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_init("zt", 1, ZS_LOG_DEBUG);
	log_info("still plain");

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("zt", 1, ZS_LOG_DEBUG);
	log_warnx("to the journal");
	log_info("info");
	log_debug("debug");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	slurp(path, text, sizeof(text));
	unlink(path);
	assert_string_equal(text, "zt: plain 1\nzt: still plain\n"
	    "<4>to the journal\n<6>info\n<7>debug\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

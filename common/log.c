/* SPDX-License-Identifier: Apache-2.0 */
/* Log lines to stderr (foreground, journald) or syslog; thread-safe. */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* Longest formatted log line; longer ones are truncated. */
#define LOG_LINE_MAX	2048

static const char	*log_progname = "zsign";
static int		 log_foreground = 1;
static int		 log_level = ZS_LOG_INFO;
static int		 log_journal;
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

/*
 * Is stderr the journal stream systemd connected (JOURNAL_STREAM names its
 * device and inode)? Then "<N>" prefixes carry each line's priority.
 */
static int
log_stderr_is_journal(void)
{
	unsigned long long dev, ino;
	const char *e = getenv("JOURNAL_STREAM");
	struct stat st;

	if (e == NULL || sscanf(e, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int foreground, int level)
{
	log_progname = progname;
	log_foreground = foreground;
	log_level = level;
	log_journal = foreground && log_stderr_is_journal();
	if (!foreground)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

static void vlog(int, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
vlog(int level, const char *fmt, va_list ap, int with_errno)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[LOG_LINE_MAX];
	int saved = errno;
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (with_errno) {
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved));
	}
	if (log_foreground) {
		pthread_mutex_lock(&log_mtx);
		if (log_journal)	/* journald adds the name itself */
			fprintf(stderr, "<%d>%s\n", prio[level], line);
		else
			fprintf(stderr, "%s: %s\n", log_progname, line);
		fflush(stderr);
		pthread_mutex_unlock(&log_mtx);
	} else
		syslog(prio[level], "%s", line);
	errno = saved;
}

#define LOGFN(fn, level, errnoflag)				\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	vlog(level, fmt, ap, errnoflag);			\
	va_end(ap);						\
}

LOGFN(log_warn, ZS_LOG_WARN, 1)
LOGFN(log_warnx, ZS_LOG_WARN, 0)
LOGFN(log_info, ZS_LOG_INFO, 0)
LOGFN(log_debug, ZS_LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ZS_LOG_ERR, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(ZS_LOG_ERR, fmt, ap, 0);
	va_end(ap);
	exit(1);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd_notify(3), sd_listen_fds(3) and sd_watchdog_enabled(3) in a few
 * lines, as chrony does, so zsignd needs no libsystemd: one datagram per
 * state change, adopted listening sockets, and watchdog pings from the
 * event loop so a wedged loop stops them.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/notify.h"

/* Shortest watchdog period honoured; below it pings would flood the loop. */
#define NOTIFY_WATCHDOG_MIN_USEC	20000ULL
/* Longest WATCHDOG_USEC accepted (a day); anything larger is a typo. */
#define NOTIFY_WATCHDOG_MAX_USEC	(86400ULL * 1000000ULL)

struct notify_watchdog {
	struct event	*ev;
};

int
notify_send(const char *state)
{
	struct sockaddr_un sun;
	const char *path;
	socklen_t salen;
	size_t plen;
	ssize_t n;
	int fd, r = ZS_ERR_INTERNAL;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	/* Absolute paths and Linux abstract sockets ('@') only, as systemd. */
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sun.sun_path))
		return ZS_ERR_INVALID;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return ZS_ERR_IO;
	/* Never block the event loop on a manager that does not read. */
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sun, salen);
	if (n < 0 || (size_t)n != strlen(state)) {
		r = ZS_ERR_IO;
		goto out;
	}
	r = 0;
 out:
	close(fd);
	return r;
}

int
notify_sendf(const char *fmt, ...)
{
	char state[NOTIFY_STATE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(state, sizeof(state), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(state))
		return ZS_ERR_TOO_LARGE;
	return notify_send(state);
}

int
notify_reloading(void)
{
	struct timespec ts;

	/* Type=notify-reload (systemd 253) wants the reload's start time. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

/* Parse a decimal environment variable; ZS_ERR_NOT_FOUND when unset. */
static int
env_uint(const char *name, unsigned long long max, unsigned long long *vp)
{
	const char *s;
	size_t i;

	if ((s = getenv(name)) == NULL)
		return ZS_ERR_NOT_FOUND;
	/* Decimal only: "010" is ten, as systemd writes it. */
	if (*s == '\0')
		return ZS_ERR_INVALID;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return ZS_ERR_INVALID;
	while (*s == '0' && s[1] != '\0')
		s++;
	return zs_parse_uint(s, max, vp);
}

/* Is this fd a listening stream socket of a family we serve? */
static int
listen_fd_check(int fd, int *familyp, struct zs_errbuf *eb)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type, acc;
	socklen_t olen;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "LISTEN_FDS: fd %d is not a socket: %s", fd,
		    strerror(errno));
	olen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) == -1 ||
	    type != SOCK_STREAM)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "LISTEN_FDS: fd %d is not a stream socket", fd);
	olen = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &olen) == -1 ||
	    !acc)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "LISTEN_FDS: fd %d is not listening (Accept=yes?)", fd);
	if (ss.ss_family != AF_UNIX && ss.ss_family != AF_INET &&
	    ss.ss_family != AF_INET6)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "LISTEN_FDS: fd %d has unsupported address family %d",
		    fd, ss.ss_family);
	*familyp = ss.ss_family;
	return 0;
}

int
notify_listen_fds(struct notify_listener *out, size_t max, size_t *np,
    struct zs_errbuf *eb)
{
	unsigned long long pid, nfds;
	size_t i;
	int r, family = AF_UNSPEC, fl;

	r = env_uint("LISTEN_PID", INT_MAX, &pid);
	if (r == ZS_ERR_NOT_FOUND) {
		*np = 0;
		return 0;
	}
	if (r != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "LISTEN_PID is not a pid");
	/* The variables were meant for another process (a wrapper's child). */
	if ((pid_t)pid != getpid()) {
		*np = 0;
		return 0;
	}
	if (env_uint("LISTEN_FDS", NOTIFY_LISTEN_FDS_MAX, &nfds) != 0)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "LISTEN_FDS is not a count from 0 to %d",
		    NOTIFY_LISTEN_FDS_MAX);
	if (nfds > max)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "LISTEN_FDS: %llu sockets passed, at most %zu served",
		    nfds, max);
	for (i = 0; i < nfds; i++) {
		int fd = NOTIFY_LISTEN_FDS_START + (int)i;

		if ((r = listen_fd_check(fd, &family, eb)) != 0)
			return r;
		/* Helpers we spawn must not hold the listeners open. */
		if ((fl = fcntl(fd, F_GETFD)) == -1 ||
		    fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
			return zs_errf(eb, ZS_ERR_IO, "LISTEN_FDS: fd %d: %s",
			    fd, strerror(errno));
		out[i].fd = fd;
		out[i].family = family;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	*np = nfds;
	return 0;
}

int
notify_under_systemd(void)
{
	/* systemd sets both for services; JOURNAL_STREAM names stderr's pipe. */
	return getenv("JOURNAL_STREAM") != NULL ||
	    getenv("INVOCATION_ID") != NULL;
}

static void
watchdog_ping(evutil_socket_t fd, short what, void *arg)
{
	if (notify_send("WATCHDOG=1") != 0)
		log_debug("watchdog ping not delivered");
}

int
notify_watchdog_start(struct event_base *base, struct notify_watchdog **wdp,
    struct zs_errbuf *eb)
{
	struct notify_watchdog *wd;
	unsigned long long usec, pid;
	struct timeval tv;
	int r;

	r = env_uint("WATCHDOG_USEC", NOTIFY_WATCHDOG_MAX_USEC, &usec);
	if (r == ZS_ERR_NOT_FOUND) {
		*wdp = NULL;
		return 0;
	}
	if (r != 0 || usec < NOTIFY_WATCHDOG_MIN_USEC)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "WATCHDOG_USEC must be from %llu to %llu",
		    NOTIFY_WATCHDOG_MIN_USEC, NOTIFY_WATCHDOG_MAX_USEC);
	r = env_uint("WATCHDOG_PID", INT_MAX, &pid);
	if (r == 0 && (pid_t)pid != getpid()) {
		*wdp = NULL;
		return 0;
	}
	if (r != 0 && r != ZS_ERR_NOT_FOUND)
		return zs_errf(eb, ZS_ERR_INVALID, "WATCHDOG_PID is not a pid");
	wd = xcalloc(1, sizeof(*wd));
	/* Half the period, as sd_watchdog_enabled(3) recommends. */
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000ULL);
	tv.tv_usec = (suseconds_t)(usec % 1000000ULL);
	if ((wd->ev = event_new(base, -1, EV_PERSIST, watchdog_ping,
	    NULL)) == NULL || event_add(wd->ev, &tv) == -1) {
		notify_watchdog_free(wd);
		return zs_errf(eb, ZS_ERR_INTERNAL,
		    "cannot schedule the watchdog timer");
	}
	/* The first ping now: start-up may have used part of the period. */
	(void)notify_send("WATCHDOG=1");
	*wdp = wd;
	return 0;
}

void
notify_watchdog_free(struct notify_watchdog *wd)
{
	if (wd == NULL)
		return;
	if (wd->ev != NULL)
		event_free(wd->ev);
	free(wd);
}

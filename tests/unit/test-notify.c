/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for daemon/notify.c: notifications reach $NOTIFY_SOCKET (path
 * and abstract), LISTEN_FDS adoption and refusal, watchdog pings.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "daemon/notify.h"
#include "tests/zstest.h"

struct rx {
	char	dir[64];
	char	path[128];
	int	fd;
};

/* Bind a datagram socket playing the service manager; abstract if asked. */
static void
rx_open(struct rx *rx, int abstract)
{
	struct sockaddr_un sun;
	socklen_t len;

	memset(rx, 0, sizeof(*rx));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (abstract) {
		snprintf(rx->path, sizeof(rx->path), "@zsign-test-notify-%ld",
		    (long)getpid());
		memcpy(sun.sun_path, rx->path, strlen(rx->path));
		sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(rx->path));
	} else {
		assert_int_equal(zstest_mkdtemp(rx->dir, sizeof(rx->dir), "zsign-notify"), 0);
		snprintf(rx->path, sizeof(rx->path), "%s/notify", rx->dir);
		strcpy(sun.sun_path, rx->path);
		len = sizeof(sun);
	}
	rx->fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(rx->fd >= 0);
	assert_int_equal(bind(rx->fd, (struct sockaddr *)&sun, len), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", rx->path, 1), 0);
}

/* Receive one datagram within timeout_ms, or return -1. */
static int
rx_get(struct rx *rx, char *msg, size_t max, int timeout_ms)
{
	struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	n = recv(rx->fd, msg, max - 1, 0);
	if (n < 0)
		return -1;
	msg[n] = '\0';
	return 0;
}

static void
rx_close(struct rx *rx)
{
	close(rx->fd);
	if (rx->dir[0] != '\0') {
		unlink(rx->path);
		rmdir(rx->dir);
	}
	unsetenv("NOTIFY_SOCKET");
}

static void
test_send_path(void **state)
{
	struct rx rx;
	char msg[256];

	(void)state;
	rx_open(&rx, 0);
	assert_int_equal(notify_send("READY=1"), 0);
	assert_int_equal(rx_get(&rx, msg, sizeof(msg), 1000), 0);
	assert_string_equal(msg, "READY=1");
	assert_int_equal(notify_sendf("STATUS=serving %d keys", 3), 0);
	assert_int_equal(rx_get(&rx, msg, sizeof(msg), 1000), 0);
	assert_string_equal(msg, "STATUS=serving 3 keys");
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(rx_get(&rx, msg, sizeof(msg), 1000), 0);
	assert_memory_equal(msg, "RELOADING=1\nMONOTONIC_USEC=", 27);
	assert_true(strlen(msg) > 27);
	rx_close(&rx);
}

static void
test_send_abstract(void **state)
{
	struct rx rx;
	char msg[256];

	(void)state;
	rx_open(&rx, 1);
	assert_int_equal(notify_send("STOPPING=1"), 0);
	assert_int_equal(rx_get(&rx, msg, sizeof(msg), 1000), 0);
	assert_string_equal(msg, "STOPPING=1");
	rx_close(&rx);
}

static void
test_send_unset_and_bad(void **state)
{
	char big[NOTIFY_STATE_MAX + 8];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_send("READY=1"), ZS_ERR_INVALID);
	setenv("NOTIFY_SOCKET", "/nonexistent/zsign/notify", 1);
	assert_int_equal(notify_send("READY=1"), ZS_ERR_IO);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(notify_sendf("STATUS=%s", big), ZS_ERR_TOO_LARGE);
	unsetenv("NOTIFY_SOCKET");
}

/* Put a listening socket of family at fd, as a service manager would. */
static void
place_listener(int fd, int family)
{
	struct sockaddr_in sin;
	sa_family_t af = AF_UNIX;
	int s;

	s = socket(family, SOCK_STREAM, 0);
	assert_true(s >= 0);
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(s, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	} else	/* Linux autobind: an abstract name of its choosing. */
		assert_int_equal(bind(s, (struct sockaddr *)&af,
		    sizeof(af)), 0);
	assert_int_equal(listen(s, 4), 0);
	if (s != fd) {
		assert_int_equal(dup2(s, fd), fd);
		close(s);
	}
}

/* Move s to fd 3, where a service manager puts the first socket. */
static void
move_to_fd3(int s)
{
	assert_true(s >= 0);
	if (s != 3) {
		assert_int_equal(dup2(s, 3), 3);
		close(s);
	}
}

static void
set_listen_env(long pid, const char *nfds)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", pid);
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", nfds, 1);
	setenv("LISTEN_FDNAMES", "zsignd.socket", 1);
}

static void
test_listen_fds(void **state)
{
	struct notify_listener l[NOTIFY_LISTEN_FDS_MAX];
	struct zs_errbuf eb;
	size_t n = 99;

	(void)state;
	unsetenv("LISTEN_PID");
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), 0);
	assert_int_equal(n, 0);

	place_listener(3, AF_UNIX);
	place_listener(4, AF_INET);
	/* Meant for another process: ignored, not an error. */
	set_listen_env((long)getpid() + 1, "2");
	n = 99;
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), 0);
	assert_int_equal(n, 0);

	set_listen_env((long)getpid(), "2");
	assert_int_equal(notify_listen_fds(l, 1, &n, &eb), ZS_ERR_TOO_LARGE);
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].fd, 3);
	assert_int_equal(l[0].family, AF_UNIX);
	assert_int_equal(l[1].fd, 4);
	assert_int_equal(l[1].family, AF_INET);
	assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(4, F_GETFD) & FD_CLOEXEC);
	assert_null(getenv("LISTEN_FDS"));
	assert_null(getenv("LISTEN_PID"));
	assert_null(getenv("LISTEN_FDNAMES"));
	close(3);
	close(4);
}

static void
test_listen_fds_refused(void **state)
{
	static const char *const bad[] = { "", "x", "-1", "1x", "17" };
	struct notify_listener l[NOTIFY_LISTEN_FDS_MAX];
	struct zs_errbuf eb;
	size_t i, n = 99;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_listen_env((long)getpid(), bad[i]);
		assert_int_equal(notify_listen_fds(l, NOTIFY_LISTEN_FDS_MAX,
		    &n, &eb), ZS_ERR_INVALID);
	}
	setenv("LISTEN_PID", "12ab", 1);
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), ZS_ERR_INVALID);

	/* A pipe is no socket. */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		close(p[1]);
		move_to_fd3(p[0]);
		set_listen_env((long)getpid(), "1");
		assert_int_equal(notify_listen_fds(l, 4, &n, &eb),
		    ZS_ERR_INVALID);
		assert_non_null(strstr(eb.msg, "not a socket"));
		close(3);
	}
	/* A socket that does not listen (Accept=yes passes those). */
	move_to_fd3(socket(AF_UNIX, SOCK_STREAM, 0));
	set_listen_env((long)getpid(), "1");
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "not listening"));
	close(3);
	/* Datagram sockets serve no HTTP. */
	move_to_fd3(socket(AF_UNIX, SOCK_DGRAM, 0));
	set_listen_env((long)getpid(), "1");
	assert_int_equal(notify_listen_fds(l, 4, &n, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "not a stream"));
	close(3);
	assert_int_equal(n, 99);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

static void
stop_loop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

static void
test_watchdog(void **state)
{
	struct notify_watchdog *wd = (void *)1;
	struct timeval tv = { 0, 290000 };
	struct event_base *base;
	struct zs_errbuf eb;
	struct event *stop;
	struct rx rx;
	char msg[256];
	int pings = 0;

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(notify_watchdog_start(base, &wd, &eb), 0);
	assert_null(wd);

	setenv("WATCHDOG_USEC", "1000", 1);	/* below the floor */
	assert_int_equal(notify_watchdog_start(base, &wd, &eb),
	    ZS_ERR_INVALID);
	setenv("WATCHDOG_USEC", "abc", 1);
	assert_int_equal(notify_watchdog_start(base, &wd, &eb),
	    ZS_ERR_INVALID);

	/* Another process' watchdog. */
	setenv("WATCHDOG_USEC", "100000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(notify_watchdog_start(base, &wd, &eb), 0);
	assert_null(wd);

	rx_open(&rx, 0);
	snprintf(msg, sizeof(msg), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", msg, 1);
	assert_int_equal(notify_watchdog_start(base, &wd, &eb), 0);
	assert_non_null(wd);
	/* 290 ms at a 50 ms period: the first ping plus about five. */
	stop = evtimer_new(base, stop_loop, base);
	evtimer_add(stop, &tv);
	event_base_dispatch(base);
	while (rx_get(&rx, msg, sizeof(msg), 0) == 0) {
		assert_string_equal(msg, "WATCHDOG=1");
		pings++;
	}
	assert_true(pings >= 4 && pings <= 7);
	notify_watchdog_free(wd);
	notify_watchdog_free(NULL);
	event_free(stop);
	event_base_free(base);
	rx_close(&rx);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
test_under_systemd(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	unsetenv("INVOCATION_ID");
	assert_false(notify_under_systemd());
	setenv("INVOCATION_ID", "0123456789abcdef0123456789abcdef", 1);
	assert_true(notify_under_systemd());
	unsetenv("INVOCATION_ID");
	setenv("JOURNAL_STREAM", "8:12345", 1);
	assert_true(notify_under_systemd());
	unsetenv("JOURNAL_STREAM");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_path),
		cmocka_unit_test(test_send_abstract),
		cmocka_unit_test(test_send_unset_and_bad),
		cmocka_unit_test(test_listen_fds),
		cmocka_unit_test(test_listen_fds_refused),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_under_systemd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

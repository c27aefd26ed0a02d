/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper playing the service manager's side of $NOTIFY_SOCKET: bind
 * a datagram socket at PATH and print every notification received, one
 * line per assignment, until killed or TIMEOUT seconds pass.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Largest datagram read; systemd's own limit is smaller. */
#define RECV_MAX	4096
/* Default lifetime, so a helper whose test died goes away by itself. */
#define RECV_TIMEOUT_S	120

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	quit = sig;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct sigaction sa;
	struct pollfd pfd;
	char msg[RECV_MAX + 1];
	time_t end;
	ssize_t n;
	long timeout = RECV_TIMEOUT_S;
	int fd;

	if (argc < 2 || argc > 3 ||
	    strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notify-recv PATH [TIMEOUT]\n");
		return 2;
	}
	if (argc == 3 && (timeout = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "notify-recv: bad timeout\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("notify-recv");
		return 1;
	}
	end = time(NULL) + timeout;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!quit && time(NULL) < end) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		if ((n = recv(fd, msg, RECV_MAX, 0)) < 0)
			continue;
		msg[n] = '\0';
		printf("%s\n", msg);
		fflush(stdout);
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}

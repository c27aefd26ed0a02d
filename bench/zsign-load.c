/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load generator and timers for bench/run.sh: keeps N keep-alive HTTP/1.1
 * connections to zsignd's Unix socket busy with one prepared request body
 * (raw sockets and poll(), so the generator costs little CPU), times whole
 * client processes, and measures the in-process mcuboot_sign() limit.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/fileset.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/mcuboot/mcuboot.h"

/* Most concurrent connections. */
#define LOAD_CONNS_MAX		1024
/* Largest response accepted (a signed 256 KiB image in base64 is ~350 KiB). */
#define LOAD_REPLY_MAX		(64u * 1024 * 1024)
/* Largest request body file. */
#define LOAD_BODY_MAX		(256u * 1024 * 1024)
/* Most latency samples kept. */
#define LOAD_SAMPLES_MAX	(16u * 1024 * 1024)
/* How often the daemon's RSS is sampled, in milliseconds. */
#define LOAD_RSS_PERIOD_MS	50
/* Most runs of one timed command. */
#define LOAD_EXEC_MAX		10000

extern char **environ;

enum conn_state { CONN_IDLE, CONN_WRITE, CONN_READ };

struct conn {
	int		 fd;
	enum conn_state	 state;
	size_t		 woff;
	char		*in;
	size_t		 inlen, incap;
	double		 t0;
};

struct load {
	const char	*sock;
	const uint8_t	*req;
	size_t		 reqlen;
	double		*lat;
	size_t		 nlat, latcap;
	unsigned long	 ok, errors, reconnects;
	int		 pid;
	long		 rss_max_kib;
	int		 first_status;
	char		 first_error[256];
};


static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(int pid)
{
	char path[64], line[256];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int
conn_open(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Start the next request on c (reconnecting when needed). */
static int
conn_start(struct load *l, struct conn *c)
{
	if (c->fd == -1) {
		if ((c->fd = conn_open(l->sock)) == -1)
			return -1;
		l->reconnects++;
	}
	c->state = CONN_WRITE;
	c->woff = 0;
	c->inlen = 0;
	c->t0 = now();
	return 0;
}

static void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = CONN_IDLE;
}

/*
 * Is a whole reply in c->in? Returns 1 and the status when so, 0 when more
 * is needed, -1 on a reply this generator cannot frame.
 */
static int
reply_complete(struct conn *c, int *statusp, int *closep, size_t *bodyoffp)
{
	char *hend, *p;
	size_t hlen, clen = 0;
	int have_len = 0;

	if ((hend = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL)
		return c->inlen > 65536 ? -1 : 0;
	hlen = (size_t)(hend - c->in) + 4;
	if (sscanf(c->in, "HTTP/1.%*d %d", statusp) != 1)
		return -1;
	*closep = 0;
	for (p = c->in; p < hend; p++) {
		if (*p != '\n')
			continue;
		if (strncasecmp(p + 1, "Content-Length:", 15) == 0) {
			clen = strtoul(p + 16, NULL, 10);
			have_len = 1;
		} else if (strncasecmp(p + 1, "Connection: close", 17) == 0)
			*closep = 1;
	}
	if (!have_len)
		return -1;
	*bodyoffp = hlen;
	return c->inlen >= hlen + clen;
}

static void
load_record(struct load *l, double lat)
{
	if (l->nlat == l->latcap) {
		if (l->latcap == LOAD_SAMPLES_MAX)
			return;
		l->latcap = l->latcap ? l->latcap * 2 : 4096;
		l->lat = xreallocarray(l->lat, l->latcap, sizeof(double));
	}
	l->lat[l->nlat++] = lat;
}

/* Handle poll events on c; returns 1 when a reply completed. */
static int
conn_event(struct load *l, struct conn *c, short revents, int measuring)
{
	ssize_t n;
	size_t bodyoff;
	int status, closeit, done;

	if (c->state == CONN_WRITE && (revents & POLLOUT)) {
		n = write(c->fd, l->req + c->woff, l->reqlen - c->woff);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			goto fail;
		if ((c->woff += (size_t)n) == l->reqlen)
			c->state = CONN_READ;
		return 0;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	if (c->incap - c->inlen < 65536) {
		if (c->incap >= LOAD_REPLY_MAX)
			goto fail;
		c->incap = c->incap ? c->incap * 2 : 262144;
		c->in = realloc(c->in, c->incap + 1);
		if (c->in == NULL)
			goto fail;
	}
	n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		goto fail;
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((done = reply_complete(c, &status, &closeit, &bodyoff)) == 0)
		return 0;
	if (done < 0)
		goto fail;
	if (status == 200) {
		if (measuring) {
			l->ok++;
			load_record(l, now() - c->t0);
		}
	} else {
		l->errors++;
		if (l->first_status == 0) {
			l->first_status = status;
			snprintf(l->first_error, sizeof(l->first_error), "%.*s",
			    (int)(c->inlen - bodyoff > 200 ? 200 :
			    c->inlen - bodyoff), c->in + bodyoff);
		}
	}
	if (closeit)
		conn_close(c);
	c->state = CONN_IDLE;
	return 1;
 fail:
	l->errors++;
	conn_close(c);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	return v[i == 0 ? 0 : (i > n ? n : i) - 1];
}

/*
 * `load -s SOCK -c CONNS -d SECS -w WARMUP -b BODY [-t TYPE] [-a ACCEPT]
 * [-p PID]`
 */
static int
cmd_load(int argc, char **argv)
{
	struct load l = { 0 };
	struct conn *conns;
	struct pollfd *pfd;
	const char *bodyfile = NULL, *ctype = "application/json";
	const char *accept = "application/json";
	uint8_t *body = NULL, *req;
	size_t bodylen = 0, hlen;
	double secs = 3, warm = 0.5, t0, tend, tmeas, next_rss, t;
	char hdr[512];
	int nconn = 1, i, ch, measuring = 0;
	long v;

	while ((ch = getopt(argc, argv, "s:c:d:w:b:t:a:p:")) != -1) {
		switch (ch) {
		case 't':
			ctype = optarg;
			break;
		case 'a':
			accept = optarg;
			break;
		case 's':
			l.sock = optarg;
			break;
		case 'c':
			nconn = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'w':
			warm = atof(optarg);
			break;
		case 'b':
			bodyfile = optarg;
			break;
		case 'p':
			l.pid = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (l.sock == NULL || bodyfile == NULL || nconn < 1 ||
	    nconn > LOAD_CONNS_MAX || secs <= 0) {
		fprintf(stderr, "usage: zsign-load load -s SOCK -c CONNS "
		    "-d SECS [-w WARMUP] -b BODY [-t TYPE] [-a ACCEPT] "
		    "[-p PID]\n");
		return 2;
	}
	if (zs_file_read(bodyfile, LOAD_BODY_MAX, &body, &bodylen) != 0) {
		fprintf(stderr, "zsign-load: cannot read %s\n", bodyfile);
		return 1;
	}
	hlen = (size_t)snprintf(hdr, sizeof(hdr), "POST /v1/sign HTTP/1.1\r\n"
	    "Host: zsign\r\nContent-Type: %.100s\r\nAccept: %.100s\r\n"
	    "Content-Length: %zu\r\n\r\n", ctype, accept, bodylen);
	req = xmalloc(hlen + bodylen);
	memcpy(req, hdr, hlen);
	memcpy(req + hlen, body, bodylen);
	free(body);
	l.req = req;
	l.reqlen = hlen + bodylen;
	conns = xcalloc((size_t)nconn, sizeof(*conns));
	pfd = xcalloc((size_t)nconn, sizeof(*pfd));
	for (i = 0; i < nconn; i++) {
		conns[i].fd = -1;
		if (conn_start(&l, &conns[i]) != 0) {
			fprintf(stderr, "zsign-load: cannot connect to %s: "
			    "%s\n", l.sock, strerror(errno));
			return 1;
		}
	}
	l.reconnects = 0;
	t0 = now();
	tmeas = t0 + warm;
	tend = tmeas + secs;
	next_rss = t0;
	while ((t = now()) < tend) {
		if (!measuring && t >= tmeas) {
			measuring = 1;
			l.errors = 0;
		}
		if (l.pid > 0 && t >= next_rss) {
			if ((v = rss_kib(l.pid)) > l.rss_max_kib)
				l.rss_max_kib = v;
			next_rss = t + LOAD_RSS_PERIOD_MS / 1000.0;
		}
		for (i = 0; i < nconn; i++) {
			if (conns[i].state == CONN_IDLE &&
			    conn_start(&l, &conns[i]) != 0)
				l.errors++;
			pfd[i].fd = conns[i].fd;
			pfd[i].events = conns[i].state == CONN_WRITE ?
			    POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)nconn, 10) == -1 && errno != EINTR)
			break;
		for (i = 0; i < nconn; i++)
			if (pfd[i].revents != 0 && conns[i].fd != -1)
				(void)conn_event(&l, &conns[i], pfd[i].revents,
				    measuring);
	}
	t = now() - tmeas;
	qsort(l.lat, l.nlat, sizeof(double), cmp_double);
	printf("conns=%d ok=%lu errors=%lu reconnects=%lu secs=%.2f "
	    "rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f rss_max_kib=%ld\n",
	    nconn, l.ok, l.errors, l.reconnects, t, (double)l.ok / t,
	    percentile(l.lat, l.nlat, 0.50) * 1e3,
	    percentile(l.lat, l.nlat, 0.99) * 1e3,
	    l.nlat ? l.lat[l.nlat - 1] * 1e3 : 0.0, l.rss_max_kib);
	if (l.first_status != 0)
		fprintf(stderr, "zsign-load: first error: HTTP %d %s\n",
		    l.first_status, l.first_error);
	for (i = 0; i < nconn; i++) {
		conn_close(&conns[i]);
		free(conns[i].in);
	}
	free(conns);
	free(pfd);
	free(req);
	free(l.lat);
	return l.ok > 0 && l.errors == 0 ? 0 : 1;
}

/*
 * `exec -n N [-j JOBS] -- CMD ARGS...`: N runs of CMD, JOBS at a time: the
 * median wall time of one run, the runs per second, and the largest
 * maximum RSS of a run (wait4). CMD's standard output goes to /dev/null,
 * so that only our one line reaches the caller.
 */
static int
cmd_exec(int argc, char **argv)
{
	struct rusage ru;
	posix_spawn_file_actions_t fa;
	double *t, *t0, start, total;
	pid_t *pids, pid;
	long maxrss = 0;
	int n = 11, jobs = 1, k, ch, status, started = 0, done = 0;

	while ((ch = getopt(argc, argv, "n:j:")) != -1) {
		if (ch == 'n')
			n = atoi(optarg);
		else if (ch == 'j')
			jobs = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc || n < 1 || n > LOAD_EXEC_MAX || jobs < 1 ||
	    jobs > LOAD_CONNS_MAX) {
		fprintf(stderr, "usage: zsign-load exec -n N [-j JOBS] -- "
		    "CMD...\n");
		return 2;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0) != 0) {
		fprintf(stderr, "zsign-load: posix_spawn_file_actions failed\n");
		return 1;
	}
	t = xcalloc((size_t)n, sizeof(double));
	t0 = xcalloc((size_t)jobs, sizeof(double));
	pids = xcalloc((size_t)jobs, sizeof(pid_t));
	start = now();
	while (done < n) {
		for (k = 0; k < jobs && started < n; k++) {
			if (pids[k] != 0)
				continue;
			t0[k] = now();
			if (posix_spawn(&pids[k], argv[optind], &fa, NULL,
			    argv + optind, environ) != 0) {
				fprintf(stderr, "zsign-load: cannot run %s\n",
				    argv[optind]);
				return 1;
			}
			started++;
		}
		while ((pid = wait4(-1, &status, 0, &ru)) == -1 &&
		    errno == EINTR)
			;
		for (k = 0; k < jobs && pids[k] != pid; k++)
			;
		if (pid == -1 || k == jobs)
			return 1;
		pids[k] = 0;
		t[done++] = now() - t0[k];
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "zsign-load: %s failed (run %d)\n",
			    argv[optind], done);
			return 1;
		}
	}
	total = now() - start;
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	printf("runs=%d jobs=%d median_ms=%.2f min_ms=%.2f max_ms=%.2f "
	    "runs_per_s=%.1f maxrss_kib=%ld\n", n, jobs, t[n / 2] * 1e3,
	    t[0] * 1e3, t[n - 1] * 1e3, n / total, maxrss);
	posix_spawn_file_actions_destroy(&fa);
	free(t);
	free(t0);
	free(pids);
	return 0;
}

/*
 * `inproc -k KEY -d SECS -- IMGTOOL_ARGS...`: how many mcuboot_sign()
 * calls one thread does per second with the same arguments and key, the
 * daemon's per-core ceiling.
 */
static int
cmd_inproc(int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct mcuboot_args *args = NULL;
	const struct mcuboot_fileref *refs;
	struct mcuboot_result res;
	struct fileset *in, *out;
	struct zs_key *key = NULL;
	const char *keyfile = NULL;
	uint8_t *data;
	size_t i, n, len;
	double secs = 2, t0, t;
	unsigned long count = 0;
	int ch;

	while ((ch = getopt(argc, argv, "k:d:")) != -1) {
		switch (ch) {
		case 'k':
			keyfile = optarg;
			break;
		case 'd':
			secs = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	if (keyfile == NULL || optind >= argc) {
		fprintf(stderr, "usage: zsign-load inproc -k KEY [-d SECS] "
		    "-- IMGTOOL_SIGN_ARGS...\n");
		return 2;
	}
	if (zs_key_load("bench", keyfile, NULL, &key, &eb) != 0 ||
	    mcuboot_args_parse(argc - optind, argv + optind, &args, &eb) != 0) {
		fprintf(stderr, "zsign-load: %s\n", eb.msg);
		return 1;
	}
	in = fileset_new();
	n = mcuboot_args_files(args, &refs);
	for (i = 0; i < n; i++) {
		if (refs[i].role != MCUBOOT_IN_IMAGE)
			continue;
		if (zs_file_read(refs[i].name, MCUBOOT_IMAGE_MAX, &data,
		    &len) != 0) {
			fprintf(stderr, "zsign-load: cannot read %s\n",
			    refs[i].name);
			return 1;
		}
		fileset_add_owned(in, refs[i].name, data, len);
	}
	t0 = now();
	do {
		out = fileset_new();
		if (mcuboot_sign(args, in, key, out, &res, &eb) != 0) {
			fprintf(stderr, "zsign-load: %s\n", eb.msg);
			return 1;
		}
		fileset_free(out);
		count++;
	} while ((t = now() - t0) < secs);
	printf("inproc_rps=%.1f per_sign_ms=%.3f\n", (double)count / t,
	    t / (double)count * 1e3);
	fileset_free(in);
	mcuboot_args_free(args);
	zs_key_free(key);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "exec") == 0)
		return cmd_exec(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "inproc") == 0)
		return cmd_inproc(argc - 1, argv + 1);
	fprintf(stderr, "usage: zsign-load load|exec|inproc ...\n");
	return 2;
}

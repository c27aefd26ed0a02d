/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS load generator for bench/tls.sh and tests/e2e/soak-tls.sh: keeps N
 * HTTPS clients (libcurl multi, keep-alive) busy for a while with a mix
 * of valid, refused (no certificate, unknown token), malformed and plain
 * HTTP requests, and checks that each got exactly the answer it should.
 * With -U it drives the Unix socket instead (valid requests only), so
 * that both transports are measured the same way.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common/util.h"
#include "common/xmalloc.h"

/* Most concurrent clients. */
#define LOAD_CLIENTS_MAX	1024
/* Largest reply kept per request (enough for a small signed image). */
#define LOAD_REPLY_MAX		(4u * 1024 * 1024)
/* Largest request body file. */
#define LOAD_BODY_MAX		(64u * 1024 * 1024)
/* Most latency samples of valid requests. */
#define LOAD_SAMPLES_MAX	(4u * 1024 * 1024)
/* Seconds one request may take before it counts as failed. */
#define LOAD_REQUEST_TIMEOUT	60L
/*
 * Pause of a plain-HTTP client between attempts: its handshakes fail at
 * once, and unpaced they would crowd out every other kind of request.
 */
#define LOAD_PLAIN_PAUSE	0.05

enum load_role { ROLE_VALID, ROLE_NOCERT, ROLE_BADTOKEN, ROLE_MALFORMED,
    ROLE_PLAIN, ROLE_COUNT };

/*
 * What each role sends and the answer it must get (0: no HTTP reply), or
 * also (else 0) "also": unauthenticated peers past their refusal rate get
 * 429.
 */
static const struct {
	const char	*name;
	long		 want;
	long		 also;
} load_roles[ROLE_COUNT] = {
	[ROLE_VALID] = { "valid", 200, 0 },
	[ROLE_NOCERT] = { "no-cert", 401, 429 },
	[ROLE_BADTOKEN] = { "bad-token", 401, 429 },
	[ROLE_MALFORMED] = { "malformed", 400, 0 },
	[ROLE_PLAIN] = { "plain-http", 0, 0 },
};

struct client {
	CURL		*h;
	enum load_role	 role;
	struct curl_slist *hdrs;
	char		*reply;
	size_t		 len;
	struct timespec	 t0;
	double		 due;		/* parked until then (plain HTTP) */
};

struct stats {
	unsigned long	 sent[ROLE_COUNT];
	unsigned long	 good[ROLE_COUNT];
	unsigned long	 bad[ROLE_COUNT];
	double		*lat;
	size_t		 nlat;
};

static double
load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t
load_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct client *c = arg;

	if (c->len + n > LOAD_REPLY_MAX)
		return 0;
	c->reply = xreallocarray(c->reply, c->len + n + 1, 1);
	memcpy(c->reply + c->len, p, n);
	c->len += n;
	c->reply[c->len] = '\0';
	return size * n;
}

static int
load_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
usage(void)
{
	fprintf(stderr, "usage: zsign-tls-load -u https://HOST:PORT -b BODY "
	    "-C CACERT -E CERT -K KEY\n"
	    "       zsign-tls-load -U SOCKET -b BODY\n"
	    "    [-c CLIENTS] [-d SECONDS] [-m VALID,NOCERT,BADTOKEN,MALFORMED,"
	    "PLAIN] [-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *url = NULL, *bodyfile = NULL, *ca = NULL, *cert = NULL,
	    *key = NULL, *sock = NULL;
	static const char malformed[] = "{\"tool\": 42, \"args\": [";
	unsigned mix[ROLE_COUNT] = { 60, 10, 10, 10, 10 }, total = 0, k;
	struct client *cl;
	struct stats st = { 0 };
	CURLM *m;
	CURLMsg *msg;
	uint8_t *body;
	size_t bodylen;
	double t0, end, dt, elapsed;
	char *signurl, *plainurl, *p;
	int ch, nclients = 16, secs = 10, running, left, verbose = 0, i, r;
	unsigned long unexpected = 0;
	long status;

	while ((ch = getopt(argc, argv, "u:U:b:C:E:K:c:d:m:v")) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'U': sock = optarg; break;
		case 'b': bodyfile = optarg; break;
		case 'C': ca = optarg; break;
		case 'E': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'c': nclients = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		case 'v': verbose = 1; break;
		case 'm':
			p = optarg;
			for (i = 0; i < ROLE_COUNT; i++) {
				mix[i] = (unsigned)strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
			break;
		default: usage();
		}
	}
	for (i = 0; i < ROLE_COUNT; i++)
		total += mix[i];
	if (sock != NULL) {
		/* Over the Unix socket the peer's uid is the credential. */
		url = "https://zsign";
		ca = cert = key = "";
		memset(mix, 0, sizeof(mix));
		mix[ROLE_VALID] = total = 100;
	}
	if (url == NULL || bodyfile == NULL || ca == NULL || cert == NULL ||
	    key == NULL || nclients < 1 || nclients > LOAD_CLIENTS_MAX ||
	    secs < 1 || total == 0 || strncmp(url, "https://", 8) != 0)
		usage();
	if (zs_file_read(bodyfile, LOAD_BODY_MAX, &body, &bodylen) != 0) {
		fprintf(stderr, "zsign-tls-load: cannot read %s\n", bodyfile);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	signurl = xasprintf("%s/v1/sign", url);
	plainurl = xasprintf("http://%s/v1/sign", url + 8);
	st.lat = xcalloc(LOAD_SAMPLES_MAX, sizeof(double));
	m = curl_multi_init();
	cl = xcalloc((size_t)nclients, sizeof(*cl));
	for (i = 0; i < nclients; i++) {
		struct client *c = &cl[i];

		/* Spread the roles evenly over the clients, by the mix. */
		for (k = (unsigned)(i * 100 / nclients) % total, c->role = 0;
		    c->role < ROLE_COUNT - 1 && k >= mix[c->role];
		    k -= mix[c->role], c->role++)
			;
		c->h = curl_easy_init();
		c->hdrs = curl_slist_append(NULL,
		    "Content-Type: application/json");
		c->hdrs = curl_slist_append(c->hdrs, "Expect:");
		if (c->role == ROLE_BADTOKEN)
			c->hdrs = curl_slist_append(c->hdrs,
			    "Authorization: Bearer not-a-valid-token");
		curl_easy_setopt(c->h, CURLOPT_URL, c->role == ROLE_PLAIN ||
		    sock != NULL ? plainurl : signurl);
		curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
		if (sock != NULL)
			curl_easy_setopt(c->h, CURLOPT_UNIX_SOCKET_PATH, sock);
		else
			curl_easy_setopt(c->h, CURLOPT_CAINFO, ca);
		if (sock == NULL &&
		    (c->role == ROLE_VALID || c->role == ROLE_MALFORMED)) {
			curl_easy_setopt(c->h, CURLOPT_SSLCERT, cert);
			curl_easy_setopt(c->h, CURLOPT_SSLKEY, key);
		}
		if (c->role == ROLE_MALFORMED) {
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, malformed);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE,
			    (long)strlen(malformed));
		} else {
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)bodylen);
		}
		curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, load_write_cb);
		curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
		curl_easy_setopt(c->h, CURLOPT_TIMEOUT, LOAD_REQUEST_TIMEOUT);
		curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
		clock_gettime(CLOCK_MONOTONIC, &c->t0);
		curl_multi_add_handle(m, c->h);
		st.sent[c->role]++;
	}
	t0 = load_now();
	end = t0 + secs;
	left = nclients;
	while (left > 0) {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &r)) != NULL) {
			struct client *c;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			status = 0;
			curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE,
			    &status);
			if (msg->data.result != CURLE_OK)
				status = 0;
			dt = load_now() - ((double)c->t0.tv_sec +
			    (double)c->t0.tv_nsec / 1e9);
			if ((status == load_roles[c->role].want ||
			    (status != 0 && status == load_roles[c->role].also)) &&
			    (c->role != ROLE_VALID || (c->reply != NULL &&
			    strstr(c->reply, "\"files\"") != NULL))) {
				st.good[c->role]++;
				if (c->role == ROLE_VALID &&
				    st.nlat < LOAD_SAMPLES_MAX)
					st.lat[st.nlat++] = dt;
			} else {
				st.bad[c->role]++;
				unexpected++;
				if (verbose || unexpected <= 5)
					fprintf(stderr, "zsign-tls-load: %s "
					    "request: HTTP %ld (%s), want %ld:"
					    " %.200s\n", load_roles[c->role].
					    name, status, curl_easy_strerror(
					    msg->data.result),
					    load_roles[c->role].want,
					    c->reply ? c->reply : "");
			}
			curl_multi_remove_handle(m, c->h);
			free(c->reply);
			c->reply = NULL;
			c->len = 0;
			if (load_now() >= end)
				left--;
			else if (c->role == ROLE_PLAIN)
				c->due = load_now() + LOAD_PLAIN_PAUSE;
			else {
				clock_gettime(CLOCK_MONOTONIC, &c->t0);
				curl_multi_add_handle(m, c->h);
				st.sent[c->role]++;
			}
		}
		for (i = 0; i < nclients; i++) {
			struct client *c = &cl[i];

			if (c->due == 0 || load_now() < c->due)
				continue;
			c->due = 0;
			if (load_now() >= end) {
				left--;
				continue;
			}
			clock_gettime(CLOCK_MONOTONIC, &c->t0);
			curl_multi_add_handle(m, c->h);
			st.sent[c->role]++;
		}
		if (left > 0)
			curl_multi_poll(m, NULL, 0, 10, NULL);
	}
	elapsed = load_now() - t0;
	qsort(st.lat, st.nlat, sizeof(double), load_cmp);
	printf("clients %d seconds %.1f\n", nclients, elapsed);
	for (i = 0; i < ROLE_COUNT; i++)
		if (st.sent[i] > 0)
			printf("%-10s sent %lu as-expected %lu unexpected %lu\n",
			    load_roles[i].name, st.sent[i], st.good[i],
			    st.bad[i]);
	if (st.nlat > 0)
		printf("valid: %.1f signatures/s, latency p50 %.1f ms, p99 "
		    "%.1f ms\n", (double)st.good[ROLE_VALID] / elapsed,
		    st.lat[st.nlat / 2] * 1e3,
		    st.lat[st.nlat * 99 / 100] * 1e3);
	printf("unexpected %lu\n", unexpected);
	for (i = 0; i < nclients; i++) {
		curl_easy_cleanup(cl[i].h);
		curl_slist_free_all(cl[i].hdrs);
	}
	curl_multi_cleanup(m);
	curl_global_cleanup();
	free(cl);
	free(st.lat);
	free(body);
	free(signurl);
	free(plainurl);
	return unexpected == 0 ? 0 : 1;
}

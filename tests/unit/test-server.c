/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the server's dispatch (daemon/server.c): a server on a
 * Unix socket in a temporary directory, its loop on a thread, plain
 * HTTP/1.1 requests from this one. Every route of the table answers its
 * method, a known path with another method is 405 with Allow, an unknown
 * path 404, and the body caps answer 413; each error in the JSON shape.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/log.h"
#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/runtime.h"
#include "daemon/server.h"
#include "tests/zstest.h"

#define KEYDIR		ZS_TOP_SRCDIR "/tests/keys/"
/* max_body_bytes of the test server: small, to reach it cheaply. */
#define TEST_BODY_MAX	8192
/* Base64 that decodes past TEST_BODY_MAX but fits its HTTP cap. */
#define TEST_B64_LEN	((TEST_BODY_MAX + 400) / 3 * 4)
/* Largest reply read. */
#define TEST_REPLY_MAX	(256u * 1024)
/* Tries (10 ms apart) for the socket to accept. */
#define TEST_CONNECT_TRIES	500

static char		 dir[ZSTEST_SOCKDIR_MAX + 1];
static char		 sock[ZSTEST_SOCKDIR_MAX + ZSTEST_SOCK_ROOM];
static char		 confpath[sizeof(dir) + 16];
static struct server	*srv;
static pthread_t	 loop;

static void *
loop_main(void *arg)
{
	(void)arg;
	server_run(srv);
	return NULL;
}

static int
setup(void **state)
{
	struct server_params sp;
	struct runtime *rt;
	struct zs_errbuf eb;
	FILE *f;

	(void)state;
	log_init("test-server", 1, ZS_LOG_WARN);
	if (zstest_mkdtemp(dir, sizeof(dir), "zs-test-server") != 0)
		return -1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(confpath, sizeof(confpath), "%s/conf", dir);
	if ((f = fopen(confpath, "w")) == NULL)
		return -1;
	fprintf(f, "{\"listen\": [\"unix:%s\"], \"workers\": 1,"
	    " \"limits\": {\"max_body_bytes\": %d},"
	    " \"keys\": [{\"name\": \"ed\", \"path\": \"%s\"}]}\n", sock,
	    TEST_BODY_MAX, KEYDIR "test-ed25519.pem");
	fclose(f);
	rt = runtime_new();
	if (conf_load_file(&rt->cfg, confpath, &eb) != 0)
		goto fail;
	conf_finish(&rt->cfg);
	if (runtime_load_policy(rt, NULL, &eb) != 0 ||
	    conf_load_keys(&rt->cfg, &rt->kr, &eb) != 0)
		goto fail;
	memset(&sp, 0, sizeof(sp));
	sp.rt = rt;
	if ((srv = server_new(&sp, &eb)) == NULL) {
		fprintf(stderr, "# server_new: %s\n", eb.msg);
		unlink(confpath);
		rmdir(dir);
		return -1;
	}
	return pthread_create(&loop, NULL, loop_main, NULL) == 0 ? 0 : -1;
 fail:
	fprintf(stderr, "# %s\n", eb.msg);
	runtime_unref(rt);
	unlink(confpath);
	rmdir(dir);
	return -1;
}

static int
teardown(void **state)
{
	(void)state;
	/* The server's SIGTERM event ends its loop, as for zsignd. */
	kill(getpid(), SIGTERM);
	pthread_join(loop, NULL);
	server_free(srv);
	unlink(confpath);
	unlink(sock);
	rmdir(dir);
	return 0;
}

struct reply {
	int	 status;
	char	*head;		/* status line and headers */
	json_t	*body;		/* NULL unless JSON */
};

/* Send method path with body (NULL: none) and read the whole reply. */
static void
http(const char *method, const char *path, const char *type,
    const char *body, size_t blen, struct reply *rep)
{
	struct sockaddr_un sun;
	char req[512], *buf, *end;
	size_t n = 0, hl;
	ssize_t k;
	int fd, i;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	for (i = 0; connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0;
	    i++) {
		assert_true(i < TEST_CONNECT_TRIES);
		usleep(10000);
	}
	hl = (size_t)snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: z\r\n"
	    "Connection: close\r\n%s%s%sContent-Length: %zu\r\n\r\n", method,
	    path, type ? "Content-Type: " : "", type ? type : "",
	    type ? "\r\n" : "", body ? blen : 0);
	assert_int_equal(write(fd, req, hl), (ssize_t)hl);
	/* The server may answer (413) before reading it all. */
	if (body != NULL)
		(void)write(fd, body, blen);
	buf = malloc(TEST_REPLY_MAX + 1);
	while (n < TEST_REPLY_MAX &&
	    (k = read(fd, buf + n, TEST_REPLY_MAX - n)) > 0)
		n += (size_t)k;
	close(fd);
	buf[n] = '\0';
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &rep->status), 1);
	assert_non_null(end = strstr(buf, "\r\n\r\n"));
	*end = '\0';
	rep->head = buf;
	rep->body = json_loads(end + 4, 0, NULL);
}

static void
reply_free(struct reply *rep)
{
	free(rep->head);
	json_decref(rep->body);
}

/* The error body's code. */
static const char *
error_code(const struct reply *rep)
{
	return json_string_value(json_object_get(json_object_get(rep->body,
	    "error"), "code"));
}

static void
test_routes(void **state)
{
	struct reply rep;
	const char *body;
	json_t *keys;

	(void)state;
	http("GET", "/v1/health", NULL, NULL, 0, &rep);
	assert_int_equal(rep.status, 200);
	assert_string_equal(json_string_value(json_object_get(rep.body,
	    "status")), "ok");
	assert_int_equal(json_integer_value(json_object_get(rep.body,
	    "keys")), 1);
	reply_free(&rep);

	http("GET", "/v1/keys", NULL, NULL, 0, &rep);
	assert_int_equal(rep.status, 200);
	keys = json_object_get(rep.body, "keys");
	assert_int_equal(json_array_size(keys), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(keys, 0), "name")), "ed");
	reply_free(&rep);

	/* POST routes reach their handler: its own 400, not the router's. */
	http("POST", "/v1/sign", "application/json", "{}", 2, &rep);
	assert_int_equal(rep.status, 400);
	assert_string_equal(error_code(&rep), "invalid");
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(rep.body, "error"), "message")), "tool"));
	reply_free(&rep);

	body = "{\"key\":\"ed\",\"digest\":\"00\"}";
	http("POST", "/v1/raw-sign", "application/json", body, strlen(body),
	    &rep);
	assert_int_equal(rep.status, 400);
	assert_string_equal(error_code(&rep), "invalid");
	reply_free(&rep);
}

/* The router's own answers: 404, 405 with Allow. */
static void
test_unknown(void **state)
{
	static const struct {
		const char	*method;
		const char	*path;
		int		 status;
		const char	*allow;
	} cases[] = {
		{ "GET",	"/v1/nosuch",		404, NULL },
		{ "GET",	"/v2/health",		404, NULL },
		{ "GET",	"/v1/health/",		404, NULL },
		{ "POST",	"/",			404, NULL },
		{ "POST",	"/v1/health",		405, "Allow: GET" },
		{ "DELETE",	"/v1/keys",		405, "Allow: GET" },
		{ "GET",	"/v1/sign",		405, "Allow: POST" },
		{ "PUT",	"/v1/raw-sign",		405, "Allow: POST" },
		{ "GET",	"/v1/approvals/approve", 405, "Allow: POST" },
	};
	struct reply rep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http(cases[i].method, cases[i].path, NULL, NULL, 0, &rep);
		assert_int_equal(rep.status, cases[i].status);
		assert_string_equal(error_code(&rep), cases[i].status == 404 ?
		    "not_found" : "invalid");
		if (cases[i].allow != NULL)
			assert_non_null(strstr(rep.head, cases[i].allow));
		else
			assert_null(strstr(rep.head, "Allow:"));
		reply_free(&rep);
	}
}

/* A body over max_body_bytes, and files over it once decoded. */
static void
test_body_caps(void **state)
{
	size_t big = TEST_BODY_MAX * 2 + 4096;
	char *body = malloc(big + 64), *p;
	struct reply rep;

	(void)state;
	memset(body, ' ', big);
	http("POST", "/v1/sign", "application/json", body, big, &rep);
	assert_int_equal(rep.status, 413);
	reply_free(&rep);

	/*
	 * Within the HTTP cap (max_body_bytes and the binary form's head
	 * slack), but its file decodes past max_body_bytes.
	 */
	p = body + sprintf(body, "{\"tool\":\"imgtool\",\"args\":[\"a\","
	    "\"b\"],\"files\":{\"a\":\"");
	memset(p, 'A', TEST_B64_LEN);
	p += TEST_B64_LEN;
	p += sprintf(p, "\"}}");
	http("POST", "/v1/sign", "application/json", body,
	    (size_t)(p - body), &rep);
	assert_int_equal(rep.status, 413);
	assert_string_equal(error_code(&rep), "too_large");
	reply_free(&rep);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_body_caps),
	};

	/* A closed connection must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the request handler (daemon/handle.c) without a server:
 * a sign job in, its status, reply and log facts out. Each engine of the
 * table signs through the one path; the handler's own refusals (files
 * not named or missing, unknown keys and tools, server-held configs, the
 * memory budget) answer with their code and write nothing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "common/zserr.h"
#include "daemon/handle.h"
#include "daemon/rimconf.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

#define KEYDIR		ZS_TOP_SRCDIR "/tests/keys/"
#define RIMDIR		ZS_TOP_SRCDIR "/tests/vectors/rimage/"
/* Decoded-bytes cap of the jobs (max_body_bytes). */
#define TEST_MAX	(1024u * 1024)
/* Largest test file read. */
#define TEST_FILE_MAX	(1024u * 1024)

static struct keyring	*kr;

static int
setup(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k;

	(void)state;
	kr = keyring_new();
	if (zs_key_load("ed", KEYDIR "test-ed25519.pem", NULL, &k, &eb) != 0 ||
	    keyring_add(kr, k) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	keyring_free(kr);
	return 0;
}

/* A request's "files" member gets path's bytes (or text) as name. */
static void
add_file(json_t *files, const char *name, const char *path,
    const char *text)
{
	uint8_t *d = NULL;
	size_t len;
	char *b64;

	if (path != NULL)
		assert_int_equal(zs_file_read(path, TEST_FILE_MAX, &d, &len),
		    0);
	else
		len = strlen(text);
	b64 = zs_b64_encode(d != NULL ? d : (const uint8_t *)text, len);
	assert_int_equal(json_object_set_new(files, name, json_string(b64)),
	    0);
	free(b64);
	free(d);
}

/* A request for tool with args (NULL-terminated) and files. */
static char *
request(const char *tool, const char *const *args, json_t *files)
{
	json_t *o, *a;
	char *s;
	size_t i;

	a = json_array();
	for (i = 0; args[i] != NULL; i++)
		json_array_append_new(a, json_string(args[i]));
	o = json_pack("{s:s,s:o,s:o}", "tool", tool, "args", a, "files",
	    files);
	assert_non_null(o);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Run body through handle_sign(); the job stays for the caller to check. */
static void
run(struct sign_job *job, const char *body, const struct rimconf *rc)
{
	memset(job, 0, sizeof(*job));
	job->body = (const uint8_t *)body;
	job->len = strlen(body);
	job->max = TEST_MAX;
	job->kr = kr;
	job->configs = rc;
	handle_sign(job);
	assert_non_null(job->reply);
}

/* run() asking for the binary reply form. */
static void
run_bin(struct sign_job *job, const char *body)
{
	memset(job, 0, sizeof(*job));
	job->body = (const uint8_t *)body;
	job->len = strlen(body);
	job->max = TEST_MAX;
	job->kr = kr;
	job->bin_out = 1;
	handle_sign(job);
	assert_non_null(job->reply);
}

/* The error code of a failed job's reply body. */
static void
assert_error(const struct sign_job *job, int status, const char *code,
    const char *msg)
{
	json_t *o = json_loadb(job->reply, job->reply_len, 0, NULL);

	assert_int_equal(job->status, status);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(o, "error"), "code")), code);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_object_get(o, "error"), "message")), msg));
	assert_int_equal(job->out_bytes, 0);
	json_decref(o);
}

static const char *const imgtool_args[] = { "-k", "zsign:ed",
    "--version", "1.2.3", "--header-size", "0x200", "--pad-header",
    "--slot-size", "0x4000", "--align", "4", "app.bin", "app.signed.bin",
    NULL };

static void
test_imgtool(void **state)
{
	struct sign_job job;
	json_t *files = json_object(), *o, *f;
	char *body;

	(void)state;
	add_file(files, "app.bin", NULL, "firmware bytes");
	body = request("imgtool", imgtool_args, files);
	run(&job, body, NULL);
	assert_int_equal(job.status, 200);
	assert_int_equal(job.code, 0);
	assert_string_equal(job.reply_type, "application/json");
	assert_string_equal(job.key, "ed");
	assert_string_equal(job.tool, "imgtool");
	assert_true(job.out_bytes > 0x200);
	assert_non_null(o = json_loadb(job.reply, job.reply_len, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(o, "tool")),
	    "imgtool");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(o, "key"), "name")), "ed");
	assert_int_equal(strlen(json_string_value(json_object_get(o,
	    "digest"))), 64);
	f = json_object_get(o, "files");
	assert_int_equal(json_object_size(f), 1);
	assert_non_null(json_object_get(f, "app.signed.bin"));
	json_decref(o);
	free(job.reply);
	free(body);
}

/* The same request in the binary reply form. */
static void
test_imgtool_bin_reply(void **state)
{
	struct sign_job job;
	json_t *files = json_object();
	char *body;

	(void)state;
	add_file(files, "app.bin", NULL, "firmware bytes");
	body = request("imgtool", imgtool_args, files);
	run_bin(&job, body);
	assert_int_equal(job.status, 200);
	assert_string_equal(job.reply_type, PROTO_BIN_TYPE);
	/* A JSON head, a newline, then the bytes the client lacks. */
	assert_non_null(memchr(job.reply, '\n', job.reply_len));
	assert_int_equal(job.reply[0], '{');
	free(job.reply);
	free(body);
}

/*
 * An image whose last bytes are erased flash (0xff), as the header's
 * padding is: the binary reply still names the input rather than carrying
 * it, since the engine notes where it put it (a search for the input's
 * tail found the header first), and the parts rebuild the JSON form's
 * image byte for byte.
 */
static void
test_imgtool_bin_erased_tail(void **state)
{
	struct sign_job job;
	json_t *files = json_object(), *head, *parts, *part, *o;
	char in[8192 + 1], *body;
	const char *nl, *data, *b64;
	uint8_t *img, *want;
	size_t i, hl, off = 0, len, wantlen;

	(void)state;
	for (i = 0; i < 4096; i++)
		in[i] = (char)('a' + i % 26);
	memset(in + 4096, 0xff, 4096);
	in[8192] = '\0';
	add_file(files, "app.bin", NULL, in);
	body = request("imgtool", imgtool_args, files);
	run_bin(&job, body);
	assert_int_equal(job.status, 200);
	assert_non_null(nl = memchr(job.reply, '\n', job.reply_len));
	hl = (size_t)(nl - job.reply);
	assert_non_null(head = json_loadb(job.reply, hl, 0, NULL));
	parts = json_object_get(json_object_get(head, "files"),
	    "app.signed.bin");
	assert_int_equal(json_array_size(parts), 3);
	part = json_array_get(parts, 1);
	assert_string_equal(json_string_value(json_object_get(part, "input")),
	    "app.bin");
	assert_int_equal(json_integer_value(json_object_get(part, "offset")),
	    0);
	assert_int_equal(json_integer_value(json_object_get(part, "length")),
	    8192);
	/* Only the header and the TLVs travel. */
	assert_true(job.reply_len - hl - 1 < 4096);
	img = malloc(0x200 + 8192 + 4096);
	data = nl + 1;
	for (i = 0; i < 3; i++) {
		part = json_array_get(parts, i);
		if (json_object_get(part, "input") != NULL) {
			memcpy(img + off, in, 8192);
			off += 8192;
			continue;
		}
		len = (size_t)json_integer_value(json_object_get(part,
		    "data"));
		assert_true(off + len <= 0x200 + 8192 + 4096);
		memcpy(img + off, data, len);
		data += len;
		off += len;
	}
	free(job.reply);
	json_decref(head);
	/* The JSON form of the same request: the same image. */
	run(&job, body, NULL);
	assert_int_equal(job.status, 200);
	assert_non_null(o = json_loadb(job.reply, job.reply_len, 0, NULL));
	b64 = json_string_value(json_object_get(json_object_get(o, "files"),
	    "app.signed.bin"));
	assert_non_null(b64);
	assert_int_equal(zs_b64_decode(b64, strlen(b64), &want, &wantlen), 0);
	assert_int_equal(off, wantlen);
	assert_memory_equal(img, want, wantlen);
	free(want);
	free(img);
	json_decref(o);
	free(job.reply);
	free(body);
}

/*
 * With the info log line, a large input is hashed beside the engine
 * (HASH_ASIDE_MIN): the line's digests are still the input's and the
 * signed image's own.
 */
static void
test_imgtool_large_digests(void **state)
{
	static const char *const args[] = { "-k", "zsign:ed", "--version",
	    "1.2.3", "--header-size", "0x200", "--pad-header", "--slot-size",
	    "0x200000", "app.bin", "app.signed.bin", NULL };
	struct sign_job job;
	json_t *files = json_object(), *o;
	char *in, *body, want[256], hex[65];
	const char *b64;
	uint8_t *img;
	size_t i, n = 1536 * 1024, imglen;
	int level = log_getlevel();

	(void)state;
	in = malloc(n + 1);
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + i % 23);
	in[n] = '\0';
	add_file(files, "app.bin", NULL, in);
	body = request("imgtool", args, files);
	log_setlevel(ZS_LOG_INFO);
	memset(&job, 0, sizeof(job));
	job.body = (const uint8_t *)body;
	job.len = strlen(body);
	job.max = 4 * n;
	job.kr = kr;
	handle_sign(&job);
	log_setlevel(level);
	assert_int_equal(job.status, 200);
	zs_sha256_hex((const uint8_t *)in, n, hex);
	snprintf(want, sizeof(want), "app.bin:%s", hex);
	assert_string_equal(job.in, want);
	assert_non_null(o = json_loadb(job.reply, job.reply_len, 0, NULL));
	b64 = json_string_value(json_object_get(json_object_get(o, "files"),
	    "app.signed.bin"));
	assert_non_null(b64);
	assert_int_equal(zs_b64_decode(b64, strlen(b64), &img, &imglen), 0);
	zs_sha256_hex(img, imglen, hex);
	snprintf(want, sizeof(want), "app.signed.bin:%s", hex);
	assert_string_equal(job.out, want);
	free(img);
	json_decref(o);
	free(job.reply);
	free(body);
	free(in);
}

/* rimage's i.MX format signs nothing: the placeholder -k names no key. */
static void
test_rimage_unsigned(void **state)
{
	static const char *const args[] = { "-o", "zephyr.ri", "-k",
	    "key placeholder from sign.py", "-c", "imx8m.toml", "zephyr.elf",
	    NULL };
	struct sign_job job;
	json_t *files = json_object(), *o;
	uint8_t *want, *got;
	size_t wantlen, gotlen;
	const char *b64;
	char *body;

	(void)state;
	add_file(files, "imx8m.toml", RIMDIR "configs/imx8m.toml", NULL);
	add_file(files, "zephyr.elf", RIMDIR "cases/imx8m_zephyr/input/"
	    "zephyr.elf", NULL);
	body = request("rimage", args, files);
	run(&job, body, NULL);
	assert_int_equal(job.status, 200);
	assert_string_equal(job.key, "-");
	assert_string_equal(job.tool, "rimage");
	assert_non_null(o = json_loadb(job.reply, job.reply_len, 0, NULL));
	assert_true(json_is_null(json_object_get(o, "key")));
	/* rimage reports no image hash. */
	assert_null(json_object_get(o, "digest"));
	b64 = json_string_value(json_object_get(json_object_get(o, "files"),
	    "zephyr.ri"));
	assert_non_null(b64);
	assert_int_equal(zs_b64_decode(b64, strlen(b64), &got, &gotlen), 0);
	assert_int_equal(zs_file_read(RIMDIR "cases/imx8m_zephyr/expected/"
	    "zephyr.ri", TEST_FILE_MAX, &want, &wantlen), 0);
	assert_int_equal(gotlen, wantlen);
	assert_memory_equal(got, want, wantlen);
	free(got);
	free(want);
	json_decref(o);
	free(job.reply);
	free(body);
}

/* Server-held configs: uploads refused when the server says so. */
static void
test_rimage_configs(void **state)
{
	static const char *const up[] = { "-o", "zephyr.ri", "-k", "x",
	    "-c", "imx8m.toml", "zephyr.elf", NULL };
	static const char *const held[] = { "-o", "zephyr.ri", "-k", "x",
	    "-c", "zsign:imx8m", "zephyr.elf", NULL };
	struct zs_errbuf eb;
	struct rimconf rc;
	struct sign_job job;
	json_t *files;
	char *body;

	(void)state;
	rimconf_init(&rc);
	rc.client_configs = 0;
	files = json_object();
	add_file(files, "imx8m.toml", RIMDIR "configs/imx8m.toml", NULL);
	add_file(files, "zephyr.elf", RIMDIR "cases/imx8m_zephyr/input/"
	    "zephyr.elf", NULL);
	body = request("rimage", up, files);
	run(&job, body, &rc);
	assert_error(&job, 403, "forbidden", "does not accept uploaded rimage "
	    "configs");
	free(job.reply);
	free(body);

	/* Named from the server's directory, the same image comes back. */
	assert_int_equal(rimconf_set_dir(&rc, RIMDIR "configs", &eb), 0);
	files = json_object();
	add_file(files, "zephyr.elf", RIMDIR "cases/imx8m_zephyr/input/"
	    "zephyr.elf", NULL);
	body = request("rimage", held, files);
	run(&job, body, &rc);
	assert_int_equal(job.status, 200);
	free(job.reply);
	free(body);

	/* A held config is never uploaded. */
	files = json_object();
	add_file(files, "zsign:imx8m", NULL, "version = [1, 0]\n");
	add_file(files, "zephyr.elf", RIMDIR "cases/imx8m_zephyr/input/"
	    "zephyr.elf", NULL);
	body = request("rimage", held, files);
	run(&job, body, &rc);
	assert_error(&job, 400, "invalid", "names a config of the server");
	free(job.reply);
	free(body);
	rimconf_free(&rc);
}

/* What the handler refuses before any engine signs. */
static void
test_refusals(void **state)
{
	static const char *const nokey[] = { "-k", "zsign:nosuch",
	    "--version", "1.0", "--header-size", "0x200", "--pad-header",
	    "--slot-size", "0x4000", "app.bin", "out.bin", NULL };
	static const char *const badopt[] = { "--no-such-option", "app.bin",
	    "out.bin", NULL };
	static const char *const missing[] = { "-k", "zsign:ed",
	    "--version", "1.0", "--header-size", "0x200", "--pad-header",
	    "--slot-size", "0x4000", "other.bin", "out.bin", NULL };
	static const char *const none[] = { NULL };
	static const struct {
		const char		*tool;
		const char *const	*args;
		const char		*extra;	/* a second file, or NULL */
		int			 status;
		const char		*code;
		const char		*msg;
	} cases[] = {
		/* A file the args do not name. */
		{ "imgtool", imgtool_args, "extra.bin", 400, "invalid",
		    "\"extra.bin\" is not named in args" },
		/* An input the args name but the request lacks. */
		{ "imgtool", missing, NULL, 400, "invalid",
		    "\"other.bin\" is not in files" },
		/* A key the server does not hold. */
		{ "imgtool", nokey, NULL, 404, "not_found",
		    "unknown key \"nosuch\"" },
		/* The engine's own usage error. */
		{ "imgtool", badopt, NULL, 400, "usage", "No such option" },
		/* A tool not in the engine table. */
		{ "west", none, NULL, 400, "invalid",
		    "tool: must be \"imgtool\" or \"rimage\"" },
	};
	struct sign_job job;
	json_t *files;
	char *body;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		files = json_object();
		add_file(files, "app.bin", NULL, "x");
		if (cases[i].extra != NULL)
			add_file(files, cases[i].extra, NULL, "y");
		body = request(cases[i].tool, cases[i].args, files);
		run(&job, body, NULL);
		assert_error(&job, cases[i].status, cases[i].code,
		    cases[i].msg);
		/* Nothing was signed, with no key. */
		assert_string_equal(job.key, "-");
		free(job.reply);
		free(body);
	}
}

static int
reserve_refuse(void *arg, size_t len, struct zs_errbuf *eb)
{
	*(size_t *)arg = len;
	return zs_errf(eb, ZS_ERR_UNAVAILABLE, "busy: reply too large");
}

/* A signed reply that does not fit the memory budget is not sent. */
static void
test_budget(void **state)
{
	struct sign_job job;
	json_t *files = json_object();
	size_t asked = 0;
	char *body;

	(void)state;
	add_file(files, "app.bin", NULL, "firmware bytes");
	body = request("imgtool", imgtool_args, files);
	memset(&job, 0, sizeof(job));
	job.body = (const uint8_t *)body;
	job.len = strlen(body);
	job.max = TEST_MAX;
	job.kr = kr;
	job.reserve = reserve_refuse;
	job.reserve_arg = &asked;
	handle_sign(&job);
	assert_true(asked > 0x200);
	assert_int_equal(job.reserved, 0);
	assert_error(&job, 503, "unavailable", "busy: reply too large");
	free(job.reply);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imgtool),
		cmocka_unit_test(test_imgtool_bin_reply),
		cmocka_unit_test(test_imgtool_bin_erased_tail),
		cmocka_unit_test(test_imgtool_large_digests),
		cmocka_unit_test(test_rimage_unsigned),
		cmocka_unit_test(test_rimage_configs),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

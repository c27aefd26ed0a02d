/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the request validator (proto/proto.c): every sample under
 * tests/vectors/proto (valid-*.json parse; invalid-CODE-*.json fail with
 * CODE), the fields a valid request yields, the status table, error bodies.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/fileset.h"
#include "common/util.h"
#include "common/zserr.h"
#include "proto/proto.h"

#define VECDIR		ZS_TOP_SRCDIR "/tests/vectors/proto/"
/* Decoded-bytes cap the samples are written against. */
#define TEST_MAX	4096
/* Fewest samples the directory must hold (guards against an empty read). */
#define TEST_MIN_SAMPLES	60

static int
parse_file(const char *name, struct proto_sign_req **reqp,
    struct zs_errbuf *eb)
{
	char path[512];
	uint8_t *body;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "%s%s", VECDIR, name);
	assert_int_equal(zs_file_read(path, 1024 * 1024, &body, &len), 0);
	zs_errclear(eb);
	r = proto_sign_parse(body, len, TEST_MAX, reqp, eb);
	free(body);
	return r;
}

static void
test_vectors(void **state)
{
	struct proto_sign_req *req;
	struct zs_errbuf eb;
	struct dirent *de;
	char code[32];
	const char *dash;
	size_t n = 0;
	DIR *d;
	int r;

	(void)state;
	assert_non_null(d = opendir(VECDIR));
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".json") == NULL)
			continue;
		req = NULL;
		r = parse_file(de->d_name, &req, &eb);
		if (strncmp(de->d_name, "valid-", 6) == 0) {
			if (r != 0)
				fail_msg("%s: %s", de->d_name, eb.msg);
			assert_non_null(req);
			proto_sign_free(req);
		} else {
			assert_int_equal(strncmp(de->d_name, "invalid-", 8), 0);
			dash = strchr(de->d_name + 8, '-');
			assert_non_null(dash);
			snprintf(code, sizeof(code), "%.*s",
			    (int)(dash - de->d_name - 8), de->d_name + 8);
			if (r == 0 || strcmp(zs_errname(r), code) != 0)
				fail_msg("%s: got %s (%s)", de->d_name,
				    r == 0 ? "ok" : zs_errname(r), eb.msg);
			assert_null(req);
			/* Every refusal says why, in one line. */
			assert_true(eb.msg[0] != '\0');
			assert_null(strchr(eb.msg, '\n'));
		}
		n++;
	}
	closedir(d);
	assert_true(n >= TEST_MIN_SAMPLES);
}

static void
test_args_fields(void **state)
{
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;
	const uint8_t *data;
	size_t len, i;

	(void)state;
	assert_int_equal(parse_file("valid-imgtool-args.json", &req, &eb), 0);
	assert_ptr_equal(req->engine, &engine_mcuboot);
	assert_string_equal(req->tool_name, "imgtool");
	assert_string_equal(req->key, "dev");
	assert_null(req->key_fp);
	assert_int_equal(req->argc, 11);
	assert_string_equal(req->argv[0], "--version");
	assert_string_equal(req->argv[10], "out.bin");
	assert_null(req->argv[11]);
	assert_false(req->has_west);
	assert_null(req->date);
	assert_int_equal(fileset_count(req->files), 1);
	assert_int_equal(fileset_get(req->files, "in.bin", &data, &len), 0);
	assert_int_equal(len, 64);
	for (i = 0; i < len; i++)
		assert_int_equal(data[i], i);
	proto_sign_free(req);
}

static void
test_fingerprint_lowered(void **state)
{
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;
	char want[PROTO_FP_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(parse_file("valid-imgtool-fingerprint.json", &req,
	    &eb), 0);
	assert_null(req->key);
	memcpy(want, "SHA256:", 7);
	for (i = 0; i < 32; i++)
		memcpy(want + 7 + 2 * i, "ab", 2);
	want[PROTO_FP_LEN] = '\0';
	assert_string_equal(req->key_fp, want);
	proto_sign_free(req);
}

static void
test_west_fields(void **state)
{
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;

	(void)state;
	assert_int_equal(parse_file("valid-west.json", &req, &eb), 0);
	assert_true(req->has_west);
	assert_string_equal(req->west.build_dir, "/home/u/app/build");
	assert_string_equal(req->west.in_bin, "zephyr.bin");
	assert_string_equal(req->west.in_hex, "zephyr.hex");
	assert_int_equal(req->west.config_len, strlen(req->west.config));
	assert_non_null(strstr(req->west.config, "SIGN_VERSION=\"1.2.3+4\""));
	assert_int_equal(req->west.dtb_len, 64);
	assert_int_equal(req->west.dtb[0], 0xd0);
	assert_false(req->west.force);
	assert_int_equal(req->argc, 1);
	proto_sign_free(req);
}

static void
test_rimage_date(void **state)
{
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;

	(void)state;
	assert_int_equal(parse_file("valid-rimage-date.json", &req, &eb), 0);
	assert_ptr_equal(req->engine, &engine_rimage);
	assert_string_equal(req->date, "2024-02-29");
	proto_sign_free(req);
}

/* from_private flags files that are there; anything else is invalid. */
static void
test_from_private(void **state)
{
	static const char *const bad[] = {
		"\"from_private\":[\"nope.pem\"]",
		"\"from_private\":[1]",
		"\"from_private\":\"k.pem\"",
	};
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;
	char body[512];
	size_t i;

	(void)state;
	snprintf(body, sizeof(body), "{\"tool\":\"imgtool\",\"args\":[],"
	    "\"files\":{\"k.pem\":\"AAAA\",\"in\":\"AAAA\"},"
	    "\"from_private\":[\"k.pem\"]}");
	assert_int_equal(proto_sign_parse(body, strlen(body), TEST_MAX, &req,
	    &eb), 0);
	assert_int_equal(fileset_flags(req->files, "k.pem"),
	    FILESET_F_FROM_PRIVATE);
	assert_int_equal(fileset_flags(req->files, "in"), 0);
	proto_sign_free(req);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = NULL;
		snprintf(body, sizeof(body), "{\"tool\":\"imgtool\","
		    "\"args\":[],\"files\":{\"k.pem\":\"AAAA\"},%s}",
		    bad[i]);
		assert_int_equal(proto_sign_parse(body, strlen(body), TEST_MAX,
		    &req, &eb), ZS_ERR_INVALID);
		assert_null(req);
	}
}

/* The cap counts decoded bytes: exactly max passes, one more fails. */
static void
test_cap_boundary(void **state)
{
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;
	uint8_t *zero;
	char *b64, *body;

	(void)state;
	zero = calloc(1, TEST_MAX + 1);
	b64 = zs_b64_encode(zero, TEST_MAX);
	assert_true(asprintf(&body, "{\"tool\":\"imgtool\",\"args\":[],"
	    "\"files\":{\"a\":\"%s\"}}", b64) > 0);
	assert_int_equal(proto_sign_parse(body, strlen(body), TEST_MAX, &req,
	    &eb), 0);
	proto_sign_free(req);
	req = NULL;
	assert_int_equal(proto_sign_parse(body, strlen(body), TEST_MAX - 1,
	    &req, &eb), ZS_ERR_TOO_LARGE);
	assert_null(req);
	free(body);
	free(b64);
	free(zero);
}

/* Malformed JSON is located, but none of its bytes are quoted back. */
static void
test_malformed_not_quoted(void **state)
{
	static const char *const bodies[] = {
		"{\"tool\":\"imgtool\",\"files\":{\"a\":\"SECRETSECRET",
		"{\"tool\":\"imgtool\",\"files\":{\"a\":SECRETSECRET}}",
		"{\"tool\":\"imgtool\",\"tool\":\"SECRETSECRET\"}",
	};
	struct proto_sign_req *req = NULL;
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		zs_errclear(&eb);
		assert_int_equal(proto_sign_parse(bodies[i], strlen(bodies[i]),
		    TEST_MAX, &req, &eb), ZS_ERR_INVALID);
		assert_non_null(strstr(eb.msg, "malformed JSON at line 1"));
		assert_null(strstr(eb.msg, "SECRET"));
	}
}

/* POST /v1/raw-sign bodies: what parses, what each refusal is. */
static void
test_raw_parse(void **state)
{
	static const char d32[] = "00112233445566778899aabbccddeeff"
	    "00112233445566778899AABBCCDDEEFF";
	static const struct {
		const char	*body;
		int		 code;
	} bad[] = {
		{ "{}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"data\":\"AA==\",\"digest\":\"00\"}",
		    ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"digest\":\"0011\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"digest\":\"00112233445566778899aabbccdd"
		    "eeff00112233445566778899aabbccddeefg\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"data\":\"AA=\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"data\":\"AA==\",\"x\":1}",
		    ZS_ERR_INVALID },
		{ "{\"key\":\"k!\",\"data\":\"AA==\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"key_fingerprint\":\"SHA256:00\","
		    "\"data\":\"AA==\"}", ZS_ERR_INVALID },
		{ "{\"key\":\"k\",\"data\":\"AAAAAAAA\"}",
		    ZS_ERR_TOO_LARGE },
	};
	struct proto_raw_req *req = NULL;
	struct zs_errbuf eb;
	char body[256];
	size_t i;

	(void)state;
	snprintf(body, sizeof(body), "{\"key\":\"k\",\"digest\":\"%s\"}",
	    d32);
	assert_int_equal(proto_raw_parse(body, strlen(body), 4, &req, &eb), 0);
	assert_string_equal(req->key, "k");
	assert_null(req->data);
	assert_int_equal(req->digest_len, 32);
	assert_int_equal(req->digest[17], 0x11);
	assert_int_equal(req->digest[31], 0xff);
	proto_raw_free(req);
	req = NULL;
	body[0] = '\0';
	assert_int_equal(proto_raw_parse("{\"data\":\"AAEC\"}", 15, 4, &req,
	    &eb), 0);
	assert_null(req->key);
	assert_int_equal(req->data_len, 3);
	assert_int_equal(req->data[2], 2);
	proto_raw_free(req);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		req = NULL;
		zs_errclear(&eb);
		assert_int_equal(proto_raw_parse(bad[i].body,
		    strlen(bad[i].body), 4, &req, &eb), bad[i].code);
		assert_null(req);
		assert_true(eb.msg[0] != '\0');
	}
}

static void
test_status_table(void **state)
{
	static const struct {
		int	code;
		int	status;
	} t[] = {
		{ ZS_ERR_INVALID, 400 }, { ZS_ERR_USAGE, 400 },
		{ ZS_ERR_FORMAT, 400 }, { ZS_ERR_BUILD, 400 },
		{ ZS_ERR_KEY, 400 }, { ZS_ERR_PROTOCOL, 400 },
		{ ZS_ERR_UNAUTH, 401 }, { ZS_ERR_DENIED, 403 },
		{ ZS_ERR_NOT_FOUND, 404 }, { ZS_ERR_CONFLICT, 409 },
		{ ZS_ERR_TOO_LARGE, 413 }, { ZS_ERR_LIMIT, 429 },
		{ ZS_ERR_INTERNAL, 500 }, { ZS_ERR_CRYPTO, 500 },
		{ ZS_ERR_IO, 500 }, { ZS_ERR_NOMEM, 500 },
		{ ZS_ERR_VERIFY, 500 }, { ZS_ERR_UNAVAILABLE, 503 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(proto_http_status(t[i].code), t[i].status);
}

static void
test_error_body(void **state)
{
	json_error_t jerr;
	json_t *o;
	char *s;

	(void)state;
	/* Client bytes in a message: control and non-ASCII become '?'. */
	s = proto_error_body(ZS_ERR_NOT_FOUND, "unknown key \"a\nb\xc3\"");
	assert_non_null(o = json_loads(s, 0, &jerr));
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(o, "error"), "code")), "not_found");
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(o, "error"), "message")), "unknown key \"a?b?\"");
	assert_int_equal(json_object_size(o), 1);
	json_decref(o);
	free(s);
}

static void
test_keyname(void **state)
{
	char longname[ZS_KEYNAME_MAX + 1];

	(void)state;
	assert_true(proto_keyname_valid("dev"));
	assert_true(proto_keyname_valid("prod-2024.ecdsa_p256"));
	assert_false(proto_keyname_valid(""));
	assert_false(proto_keyname_valid("a b"));
	assert_false(proto_keyname_valid("a/b"));
	assert_false(proto_keyname_valid("zsign:dev"));
	/* An earlier version of a rotated key: one "@" inside. */
	assert_true(proto_keyname_valid("release@2026"));
	assert_false(proto_keyname_valid("@2026"));
	assert_false(proto_keyname_valid("release@"));
	assert_false(proto_keyname_valid("a@b@c"));
	memset(longname, 'k', ZS_KEYNAME_MAX - 1);
	longname[ZS_KEYNAME_MAX - 1] = '\0';
	assert_true(proto_keyname_valid(longname));
	longname[ZS_KEYNAME_MAX - 1] = 'k';
	longname[ZS_KEYNAME_MAX] = '\0';
	assert_false(proto_keyname_valid(longname));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_args_fields),
		cmocka_unit_test(test_fingerprint_lowered),
		cmocka_unit_test(test_west_fields),
		cmocka_unit_test(test_rimage_date),
		cmocka_unit_test(test_from_private),
		cmocka_unit_test(test_cap_boundary),
		cmocka_unit_test(test_malformed_not_quoted),
		cmocka_unit_test(test_raw_parse),
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_keyname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

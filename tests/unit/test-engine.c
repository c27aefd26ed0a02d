/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the engine table (lib/engine.c): each entry is complete
 * and found by its name, and the request validator, the policy and the
 * handler's file roles know each tool through the table alone; then the
 * two entries' file roles on real argument lists.
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

#include "common/zserr.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "lib/engine.h"
#include "proto/proto.h"

/* Decoded-bytes cap of the requests built here. */
#define TEST_MAX	4096
/* Every flag an entry may carry. */
#define TEST_FLAGS	(ENGINE_F_WEST | ENGINE_F_DATE | ENGINE_F_IMAGE_FACTS)

static size_t
engine_count(void)
{
	size_t n = 0;

	while (engine_at(n) != NULL)
		n++;
	return n;
}

/* Parse a sign request body; the status of proto_sign_parse(). */
static int
parse(const char *body, struct proto_sign_req **reqp, struct zs_errbuf *eb)
{
	zs_errclear(eb);
	return proto_sign_parse(body, strlen(body), TEST_MAX, reqp, eb);
}

static void
test_table(void **state)
{
	const struct engine_ops *e, *o;
	struct zs_errbuf eb;
	size_t i, j, n = engine_count();
	void *args = (void *)&eb;

	(void)state;
	assert_true(n >= 2);
	assert_true(n <= ENGINE_MAX);
	for (i = 0; i < n; i++) {
		e = engine_at(i);
		assert_non_null(e->name);
		assert_true(e->name[0] != '\0');
		assert_ptr_equal(engine_find(e->name), e);
		assert_int_equal(engine_index(e), (int)i);
		assert_non_null(e->parse);
		assert_non_null(e->files);
		assert_non_null(e->sign);
		assert_non_null(e->free);
		assert_int_equal(e->flags & ~(unsigned)TEST_FLAGS, 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(engine_at(j)->name, e->name);
		/* No arguments is a usage error, and nothing is handed out. */
		zs_errclear(&eb);
		assert_int_not_equal(e->parse(0, (char *const[]){ NULL },
		    &args, &eb), 0);
		assert_ptr_equal(args, (void *)&eb);
		assert_true(eb.msg[0] != '\0');
		/* Side file suffixes name files beside an output. */
		for (j = 0; e->out_suffixes != NULL &&
		    e->out_suffixes[j] != NULL; j++)
			assert_int_equal(e->out_suffixes[j][0], '.');
		/* Nothing but the table answers for a tool. */
		o = engine_at(i + 1);
		assert_true(o == NULL || o != e);
	}
	assert_null(engine_at(n));
	assert_null(engine_find("imgtool.py"));
	assert_null(engine_find(NULL));
	assert_int_equal(engine_index(NULL), -1);
}

static void
test_names(void **state)
{
	char buf[ENGINE_NAMES_MAX], want[ENGINE_NAMES_MAX];
	size_t i, n = engine_count(), o = 0;

	(void)state;
	/* "a", "b" or "c": every name, quoted, the last after "or". */
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%s\"%s\"",
		    i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    engine_at(i)->name);
	assert_string_equal(engine_names(0, buf, sizeof(buf)), want);
	assert_string_equal(engine_names(0, buf, sizeof(buf)),
	    "\"imgtool\" or \"rimage\"");
	assert_string_equal(engine_names(ENGINE_F_WEST, buf, sizeof(buf)),
	    "\"imgtool\"");
	assert_string_equal(engine_names(ENGINE_F_DATE, buf, sizeof(buf)),
	    "\"rimage\"");
	/* A short buffer is cut, never overrun. */
	assert_int_equal(strlen(engine_names(0, buf, 5)), 4);
}

/* The validator takes each tool by name, and only its own members. */
static void
test_proto(void **state)
{
	const struct engine_ops *e;
	struct proto_sign_req *req;
	struct zs_errbuf eb;
	char body[1024], names[ENGINE_NAMES_MAX];
	size_t i, n = engine_count();

	(void)state;
	for (i = 0; i < n; i++) {
		e = engine_at(i);
		snprintf(body, sizeof(body), "{\"tool\":\"%s\",\"args\":[],"
		    "\"files\":{}}", e->name);
		assert_int_equal(parse(body, &req, &eb), 0);
		assert_ptr_equal(req->engine, e);
		assert_string_equal(req->tool_name, e->name);
		proto_sign_free(req);

		snprintf(body, sizeof(body), "{\"tool\":\"%s\",\"args\":[],"
		    "\"files\":{},\"date\":\"2024-01-02\"}", e->name);
		if (e->flags & ENGINE_F_DATE) {
			assert_int_equal(parse(body, &req, &eb), 0);
			assert_string_equal(req->date, "2024-01-02");
			proto_sign_free(req);
		} else {
			assert_int_equal(parse(body, &req, &eb),
			    ZS_ERR_INVALID);
			assert_non_null(strstr(eb.msg, "date: only valid"));
		}

		snprintf(body, sizeof(body), "{\"tool\":\"%s\",\"args\":[],"
		    "\"files\":{},\"west\":{\"config\":\"\",\"dtb\":\"\","
		    "\"build_dir\":\"/b\",\"inputs\":{}}}", e->name);
		if (!(e->flags & ENGINE_F_WEST)) {
			assert_int_equal(parse(body, &req, &eb),
			    ZS_ERR_INVALID);
			assert_non_null(strstr(eb.msg, "west: only valid with "
			    "tool"));
			assert_non_null(strstr(eb.msg, engine_names(
			    ENGINE_F_WEST, names, sizeof(names))));
		}
	}
	/* An unknown tool: the message lists the table. */
	assert_int_equal(parse("{\"tool\":\"west\",\"args\":[],\"files\":{}}",
	    &req, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, engine_names(0, names,
	    sizeof(names))));
}

static void
ident_unix(struct policy_identity *id)
{
	policy_identity_init(id, "unix:pid=1");
	id->auth = POLICY_AUTH_UNIX;
	id->uid = 1000;
	id->gid = 1000;
	snprintf(id->name, sizeof(id->name), "uid:1000");
}

/* The policy of configuration text, built as zsignd builds it. */
static int
policy_of(const char *text, struct policy **pp, struct zs_errbuf *eb)
{
	struct conf cfg;
	json_t *j;
	int r;

	assert_non_null(j = json_loads(text, 0, NULL));
	conf_init(&cfg);
	if ((r = conf_load_json(&cfg, j, "test", eb)) == 0)
		r = policy_new(&cfg, pp, eb);
	conf_free(&cfg);
	json_decref(j);
	return r;
}

/* A key's "tools" names each engine; raw-sign is not one of them. */
static void
test_policy(void **state)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	char conf[512];
	size_t i, k, n = engine_count();

	(void)state;
	ident_unix(&id);
	for (i = 0; i < n; i++) {
		snprintf(conf, sizeof(conf), "{\"keys\":[{\"name\":\"k\","
		    "\"path\":\"/k.pem\",\"allow\":{\"tools\":[\"%s\"]}}]}",
		    engine_at(i)->name);
		assert_int_equal(policy_of(conf, &p, &eb), 0);
		for (k = 0; k < n; k++)
			assert_int_equal(policy_authorize(p, &id, "k",
			    engine_at(k)->name, &eb), k == i ? 0 :
			    ZS_ERR_DENIED);
		assert_int_equal(policy_authorize(p, &id, "k",
		    POLICY_TOOL_RAW_NAME, &eb), ZS_ERR_DENIED);
		policy_free(p);
	}
	assert_int_equal(policy_of("{\"keys\":[{\"name\":\"k\",\"path\":"
	    "\"/k.pem\",\"allow\":{\"tools\":[\"west\"]}}]}", &p, &eb),
	    ZS_ERR_INVALID);
}

/* Kinds of parsed args' files, as a string (I in, C config, K key, O out). */
static void
kinds(const struct engine_ops *e, int argc, char *const argv[], char *out)
{
	struct engine_file files[ENGINE_FILES_MAX];
	struct zs_errbuf eb;
	void *args;
	size_t i, n;

	zs_errclear(&eb);
	if (e->parse(argc, argv, &args, &eb) != 0)
		fail_msg("%s: %s", e->name, eb.msg);
	n = e->files(args, files, ENGINE_FILES_MAX);
	for (i = 0; i < n; i++) {
		out[i] = "ICKO"[files[i].kind];
		assert_string_equal(argv[files[i].argi], files[i].name);
	}
	out[n] = '\0';
	e->free(args);
}

static void
test_file_roles(void **state)
{
	char *const imgtool[] = { "-k", "key.pem", "--header-size", "0x200",
	    "--slot-size", "0x10000", "--align", "4", "-v", "1.2.3",
	    "--sig-out", "sig.b64", "in.bin", "out.bin", NULL };
	char *const rimage[] = { "-o", "out.ri", "-c", "zsign:tgl", "-k",
	    "key.pem", "-f", "2.5.0", "a.elf", "b.elf", NULL };
	char got[ENGINE_FILES_MAX + 1];
	struct fileset *fs;
	struct zs_errbuf eb;
	void *args;
	int need = -1;

	(void)state;
	kinds(&engine_mcuboot, 14, imgtool, got);
	assert_string_equal(got, "KOIO");
	kinds(&engine_rimage, 10, rimage, got);
	assert_string_equal(got, "OCKII");
	/* imgtool always takes the key it is given (or the default). */
	assert_int_equal(engine_needs_key(&engine_mcuboot, NULL, NULL, &need,
	    &eb), 0);
	assert_int_equal(need, 1);
	/* rimage asks its config: i.MX (1.0) is never signed. */
	fs = fileset_new();
	assert_int_equal(fileset_add(fs, "zsign:tgl",
	    (const uint8_t *)"version = [1, 0]\n", 17), 0);
	assert_int_equal(engine_rimage.parse(10, rimage, &args, &eb), 0);
	assert_int_equal(engine_needs_key(&engine_rimage, args, fs, &need,
	    &eb), 0);
	assert_int_equal(need, 0);
	engine_rimage.free(args);
	fileset_free(fs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_file_roles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

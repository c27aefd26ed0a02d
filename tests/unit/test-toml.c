/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/toml: accepted subset, consumption, malformed input. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/zserr.h"
#include "lib/toml.h"

static struct toml_node *
parse_ok(const char *text)
{
	struct toml_node *root = NULL;
	struct zs_errbuf eb;

	zs_errclear(&eb);
	if (toml_parse(text, strlen(text), &root, &eb) != 0)
		fail_msg("parse failed: %s\n%s", eb.msg, text);
	return root;
}

static void
test_values(void **state)
{
	static const char doc[] =
	    "# comment\n"
	    "version = [1, 8]  # trailing\n"
	    "s = \"a\\tb\\\"c\\u00e9\"\n"
	    "lit = 'C:\\path'\n"
	    "hex = 0xFF\n"
	    "oct = 0o17\n"
	    "bin = 0b101\n"
	    "neg = -42\n"
	    "big = 1_000_000\n"
	    "t = true\n"
	    "f = false\n"
	    "\"quoted key\" = 1\r\n"
	    "arr = [\n  1, # one\n  2,\n  [3, 'x'],\n]\n";
	struct toml_node *root = parse_ok(doc), *n;

	(void)state;
	n = toml_table_get(root, "version");
	assert_int_equal(toml_kind(n), TOML_ARRAY);
	assert_int_equal(toml_len(n), 2);
	assert_int_equal(toml_int(toml_at(n, 1)), 8);
	assert_string_equal(toml_string(toml_table_get(root, "s")),
	    "a\tb\"c\xc3\xa9");
	assert_string_equal(toml_string(toml_table_get(root, "lit")),
	    "C:\\path");
	assert_int_equal(toml_int(toml_table_get(root, "hex")), 255);
	assert_int_equal(toml_int(toml_table_get(root, "oct")), 15);
	assert_int_equal(toml_int(toml_table_get(root, "bin")), 5);
	assert_int_equal(toml_int(toml_table_get(root, "neg")), -42);
	assert_int_equal(toml_int(toml_table_get(root, "big")), 1000000);
	assert_true(toml_bool(toml_table_get(root, "t")));
	assert_false(toml_bool(toml_table_get(root, "f")));
	assert_int_equal(toml_int(toml_table_get(root, "quoted key")), 1);
	n = toml_table_get(root, "arr");
	assert_int_equal(toml_len(n), 3);
	n = toml_at(n, 2);
	assert_int_equal(toml_kind(n), TOML_ARRAY);
	assert_string_equal(toml_string(toml_at(n, 1)), "x");
	toml_free(root);
}

static void
test_tables(void **state)
{
	static const char doc[] =
	    "[adsp]\nname = \"x\"\n"
	    "[[adsp.mem_zone]]\ntype = \"ROM\"\n"
	    "[[adsp.mem_zone]]\ntype = \"IMR\"\n"
	    "[fw_desc.header]\nname = \"F\"\n"
	    "[[module.entry]]\nname = \"A\"\n"
	    "[[module.entry]]\nname = \"B\"\n"
	    "[module]\ncount = 2\n"
	    "[d]\na.b = 1\na.c = 2\n";
	struct toml_node *root = parse_ok(doc), *t, *a;

	(void)state;
	t = toml_table_get(root, "adsp");
	a = toml_table_get(t, "mem_zone");
	assert_int_equal(toml_kind(a), TOML_ARRAY);
	assert_int_equal(toml_len(a), 2);
	assert_string_equal(toml_string(toml_table_get(toml_at(a, 1),
	    "type")), "IMR");
	t = toml_table_get(toml_table_get(root, "fw_desc"), "header");
	assert_string_equal(toml_string(toml_table_get(t, "name")), "F");
	t = toml_table_get(root, "module");
	assert_int_equal(toml_int(toml_table_get(t, "count")), 2);
	assert_int_equal(toml_len(toml_table_get(t, "entry")), 2);
	t = toml_table_get(toml_table_get(root, "d"), "a");
	assert_int_equal(toml_int(toml_table_get(t, "c")), 2);
	toml_free(root);
}

static void
test_unused(void **state)
{
	struct toml_node *root = parse_ok("[a]\nx = 1\ny = 2\n[[b]]\nz = 3\n");
	char path[64];

	(void)state;
	assert_int_equal(toml_find_unused(root, path, sizeof(path)), 1);
	assert_string_equal(path, "a");
	toml_table_get(toml_table_get(root, "a"), "x");
	assert_int_equal(toml_find_unused(root, path, sizeof(path)), 1);
	assert_string_equal(path, "a.y");
	toml_table_get(toml_table_get(root, "a"), "y");
	assert_int_equal(toml_find_unused(root, path, sizeof(path)), 1);
	assert_string_equal(path, "b");
	toml_at(toml_table_get(root, "b"), 0);
	assert_int_equal(toml_find_unused(root, path, sizeof(path)), 1);
	assert_string_equal(path, "b[0].z");
	toml_table_get(toml_at(toml_table_get(root, "b"), 0), "z");
	assert_int_equal(toml_find_unused(root, path, sizeof(path)), 0);
	toml_free(root);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"a = 1\na = 2\n",		/* duplicate key */
		"[a]\n[a]\n",			/* table defined twice */
		"a = 1\n[[a]]\n",		/* value as array of tables */
		"[[a]]\n[a]\n",			/* array of tables as table */
		"a = \"abc\n",			/* unterminated string */
		"a = \"\\q\"\n",		/* bad escape */
		"a = \"\\uD800\"\n",		/* surrogate escape */
		"a = \"x\x01y\"\n",		/* control character */
		"a = 1.5\n",			/* float */
		"a = 1979-05-27\n",		/* date */
		"a = { b = 1 }\n",		/* inline table */
		"a = \"\"\"x\"\"\"\n",		/* multi-line string */
		"a = 012\n",			/* leading zero */
		"a = 9223372036854775808\n",	/* overflow */
		"a = -0x10\n",			/* sign on prefixed integer */
		"a = 1__0\n",			/* double underscore */
		"a = _1\n",			/* leading underscore */
		"a = 1_\n",			/* trailing underscore */
		"a = 0x\n",			/* no digits */
		"a =\n",			/* missing value */
		"a = 1 2\n",			/* text after value */
		"a\n",				/* key without '=' */
		"[a\n",				/* unterminated header */
		"[[a]\n",			/* unterminated array header */
		"a = [1, 2\n",			/* unterminated array */
		"a = [1 2]\n",			/* missing comma */
		"a = 1\rb = 2\n",		/* lone carriage return */
		"= 1\n",			/* empty key */
		"a = yes\n",			/* bare word */
		"a.b = 1\n[a]\n",		/* dotted table as header */
		"[x]\na = 1\n[x.a]\n",		/* value as table */
		"a = 'x\n",			/* unterminated literal */
	};
	struct toml_node *root;
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		root = NULL;
		zs_errclear(&eb);
		if (toml_parse(bad[i], strlen(bad[i]), &root, &eb) !=
		    ZS_ERR_FORMAT)
			fail_msg("accepted bad document %zu: %s", i, bad[i]);
		assert_null(root);
		assert_true(strlen(eb.msg) > 0);
	}
}

static void
test_limits(void **state)
{
	struct toml_node *root = NULL;
	struct zs_errbuf eb;
	char *doc;
	size_t i;

	(void)state;
	/* An embedded NUL is refused, not silently truncated. */
	assert_int_equal(toml_parse("a = 1\0b = 2\n", 12, &root, &eb),
	    ZS_ERR_FORMAT);
	/* Too large documents are refused before parsing. */
	doc = calloc(1, TOML_TEXT_MAX + 2);
	memset(doc, '#', TOML_TEXT_MAX + 1);
	assert_int_equal(toml_parse(doc, TOML_TEXT_MAX + 1, &root, &eb),
	    ZS_ERR_TOO_LARGE);
	/* Deep nesting is bounded. */
	strcpy(doc, "a = ");
	for (i = 0; i < TOML_DEPTH_MAX + 2; i++)
		strcat(doc, "[");
	assert_int_equal(toml_parse(doc, strlen(doc), &root, &eb),
	    ZS_ERR_FORMAT);
	/* Long strings are bounded. */
	strcpy(doc, "a = \"");
	memset(doc + 5, 'x', TOML_STR_MAX + 1);
	strcpy(doc + 5 + TOML_STR_MAX + 1, "\"\n");
	assert_int_equal(toml_parse(doc, strlen(doc), &root, &eb),
	    ZS_ERR_FORMAT);
	assert_null(root);
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_unused),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for zsclient_reply_parse(): on every input it must give what
 * json_loadb() gives, whether it lifts the "files" strings or falls back.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "client/zsclient.h"

static const char *const replies[] = {
	/* The daemon's shape. */
	"{\"tool\":\"imgtool\",\"key\":null,\"files\":{\"a.bin\":\"QUJD\","
	"\"b.hex\":\"OjAwMDAwMDAxRkYK\"},\"digest\":\"00\",\"info\":[],"
	"\"warnings\":[]}",
	" { \"files\" : { \"x\" : \"QQ==\" , \"y\" : \"\" } , \"n\" : 1 } ",
	"{\"files\":{}}",
	/* Strings with escapes before and inside "files". */
	"{\"info\":[\"a \\\"quoted\\\" {line}\"],\"files\":{\"o\":\"QUJD\"}}",
	"{\"files\":{\"o\\u0041\":\"QUJD\"}}",
	"{\"a\":\"x\\\\\",\"files\":{\"o\":\"QUJD\"}}",
	"{\"a\":\"\\\\\\\"files\\\":{\",\"files\":{\"o\":\"QUJD\"}}",
	"{\"config\":\"CONFIG_A=y\\nCONFIG_B=\\\"x\\\"\\n\",\"files\":{\"o\":\"QUJD\"}}",
	"{\"files\":{\"o\":\"QU\\/JD\"}}",
	/* Duplicates: jansson keeps the last. */
	"{\"files\":{\"o\":\"QUJD\"},\"files\":{\"o\":\"REVG\"}}",
	"{\"files\":{\"o\":\"QUJD\",\"o\":\"REVG\"}}",
	/* Not base64, not ASCII, not strings, not objects. */
	"{\"files\":{\"o\":\"\xc3\xa9t\xc3\xa9\"}}",
	"{\"files\":{\"o\":\"\xff\"}}",
	"{\"files\":{\"o\":\"a\tb\"}}",
	"{\"files\":{\"o\":12}}",
	"{\"files\":[\"QUJD\"]}",
	"{\"files\":\"QUJD\"}",
	"[\"files\",{\"o\":\"QUJD\"}]",
	"{\"a\":{\"files\":{\"o\":\"QUJD\"}}}",
	/* Broken text. */
	"{\"files\":{\"o\":\"QUJD\"}",
	"{\"files\":{\"o\":\"QUJD",
	"{\"files\":{\"o\" \"QUJD\"}}",
	"{\"files\":{\"o\":\"QUJD\"}} x",
	"{\"files\":{\"o\":\"QUJD\",}}",
	"",
	"{",
};

static void
test_reply_parse_equals_jansson(void **state)
{
	json_t *want, *got;
	json_error_t jerr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		want = json_loadb(replies[i], strlen(replies[i]), 0, &jerr);
		got = zsclient_reply_parse(replies[i], strlen(replies[i]));
		if (want == NULL)
			assert_null(got);
		else
			assert_true(json_equal(want, got));
		json_decref(want);
		json_decref(got);
	}
}

static void
test_reply_parse_large_file(void **state)
{
	static const char head[] = "{\"tool\":\"imgtool\",\"files\":{\"o.bin\":\"";
	size_t n = 400000, len = strlen(head) + n + 4;
	char *text;
	json_t *got;

	(void)state;
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, head, strlen(head));
	memset(text + strlen(head), 'A', n);
	memcpy(text + strlen(head) + n, "\"}}", 4);
	got = zsclient_reply_parse(text, len - 1);
	assert_non_null(got);
	assert_int_equal(json_string_length(json_object_get(
	    json_object_get(got, "files"), "o.bin")), n);
	json_decref(got);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_parse_equals_jansson),
		cmocka_unit_test(test_reply_parse_large_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

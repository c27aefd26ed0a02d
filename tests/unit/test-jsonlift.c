/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for jsonlift_loadb(): on every input it must give what
 * json_loadb() gives (value or error), whether it lifts the "files"
 * strings or falls back.
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

#include "common/jsonlift.h"

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
	/* Long values: the word-at-a-time check, bad byte anywhere. */
	"{\"files\":{\"o\":\"QUJDQUJDQUJDQUJDQUJDQUJD\"}}",
	"{\"files\":{\"o\":\"QUJDQUJDQUJDQUJD\x7f" "QUJDQUJD\"}}",
	"{\"files\":{\"o\":\"QUJDQUJD\x01" "QUJDQUJDQUJDQUJD\"}}",
	"{\"files\":{\"o\":\"QUJDQUJDQUJDQUJDQUJDQUJ\x1f\"}}",
	"{\"files\":{\"o\":\"QUJD\xc3\xa9QUJDQUJDQUJDQUJD\"}}",
	"{\"files\":{\"o\":\" ~QUJDQUJDQUJDQUJD~ \"}}",
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
test_loadb_equals_jansson(void **state)
{
	static const size_t flags[] = { 0, JSON_REJECT_DUPLICATES };
	json_t *want, *got;
	json_error_t jwant, jgot;
	size_t i, f;

	(void)state;
	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
		for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
			want = json_loadb(replies[i], strlen(replies[i]),
			    flags[f], &jwant);
			got = jsonlift_loadb(replies[i], strlen(replies[i]),
			    flags[f], &jgot);
			if (want == NULL) {
				assert_null(got);
				assert_string_equal(jwant.text, jgot.text);
			} else
				assert_true(json_equal(want, got));
			json_decref(want);
			json_decref(got);
		}
}

static void
test_loadb_large_file(void **state)
{
	static const char head[] = "{\"tool\":\"imgtool\",\"files\":{\"o.bin\":\"";
	size_t n = 400000, len = strlen(head) + n + 4;
	json_error_t jerr;
	char *text;
	json_t *got;

	(void)state;
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, head, strlen(head));
	memset(text + strlen(head), 'A', n);
	memcpy(text + strlen(head) + n, "\"}}", 4);
	got = jsonlift_loadb(text, len - 1, 0, &jerr);
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
		cmocka_unit_test(test_loadb_equals_jansson),
		cmocka_unit_test(test_loadb_large_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

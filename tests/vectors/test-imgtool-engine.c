/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every imgtool reference case run in-process through mcuboot_args_parse()
 * and mcuboot_sign(), compared by the vectors' README rules: one TAP test
 * per case. Error cases must be refused with nothing written.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/fileset.h"
#include "common/util.h"
#include "keystore/keystore.h"
#include "lib/mcuboot/mcuboot.h"
#include "tests/vectors/imgtool-compare.h"

#define VECDIR		ZS_TOP_SRCDIR "/tests/vectors/imgtool"
/* Largest input file of a case. */
#define INPUT_MAX	(8u * 1024 * 1024)

static void
run_case(void **state)
{
	json_t *c = *state, *args = json_object_get(c, "args"), *v;
	json_t *inputs = json_object_get(c, "inputs");
	const char *ext = json_string_value(json_object_get(c, "out_ext"));
	char outname[64], path[1024], msg[IMGTOOL_CMP_MSG_MAX];
	char *argv[MCUBOOT_ARGS_MAX];
	const struct mcuboot_fileref *refs;
	struct mcuboot_args *a = NULL;
	struct mcuboot_result res;
	struct fileset *in = fileset_new(), *out = fileset_new();
	struct zs_key *key = NULL;
	struct zs_errbuf eb;
	const uint8_t *o = NULL, *sig = NULL;
	uint8_t *data;
	size_t i, n, olen = 0, siglen = 0, len;
	int argc = 0, r, keyfail = 0;

	memset(&eb, 0, sizeof(eb));
	snprintf(outname, sizeof(outname), "out%s", ext);
	json_array_foreach(args, i, v) {
		const char *s = json_string_value(v);

		if (i == 0)
			continue;	/* "sign" */
		if (strcmp(s, "{OUT}") == 0)
			s = outname;
		else if (strcmp(s, "{SIGOUT}") == 0)
			s = "sig.b64";
		argv[argc++] = (char *)s;
	}
	json_array_foreach(inputs, i, v) {
		snprintf(path, sizeof(path), "%s/%s", VECDIR,
		    json_string_value(v));
		assert_int_equal(zs_file_read(path, INPUT_MAX, &data, &len), 0);
		assert_int_equal(fileset_add_owned(in, json_string_value(v),
		    data, len), 0);
	}
	r = mcuboot_args_parse(argc, argv, &a, &eb);
	if (r == 0) {
		n = mcuboot_args_files(a, &refs);
		for (i = 0; i < n && r == 0; i++)
			if (refs[i].role == MCUBOOT_IN_KEY) {
				snprintf(path, sizeof(path), "%s/%s", VECDIR,
				    refs[i].name);
				r = zs_key_load("k", path, NULL, &key, &eb);
				keyfail = r != 0;
			}
	}
	if (r == 0)
		r = mcuboot_sign(a, in, key, out, &res, &eb);
	if (imgtool_case_is_error(c)) {
		json_t *ex = json_object_get(c, "expect");
		const char *kind = json_string_value(json_object_get(ex,
		    "error_kind"));
		const char *want = json_string_value(json_object_get(ex,
		    "error"));

		if (r == 0)
			fail_msg("error case accepted");
		assert_int_equal(fileset_count(out), 0);
		/*
		 * imgtool's usage errors are ZS_ERR_USAGE (a public-only -k is
		 * refused earlier, by the key store); its crashes are clean
		 * ZS_ERR_INVALID refusals, but for a key that cannot sign
		 * (an encryption-only one): ZS_ERR_KEY, "bad_key".
		 */
		if (!keyfail)
			assert_int_equal(r, strcmp(kind, "usage") == 0 ?
			    ZS_ERR_USAGE : key != NULL &&
			    zs_key_type(key) == ZS_KEY_X25519 ? ZS_ERR_KEY :
			    ZS_ERR_INVALID);
		/* Where imgtool gives a usage message, ours is the same. */
		if (strcmp(kind, "usage") == 0 && strstr(eb.msg, want) == NULL)
			fail_msg("message '%s', imgtool says '%s'", eb.msg,
			    want);
		goto out;
	}
	if (r != 0)
		fail_msg("sign failed: %s", eb.msg);
	assert_int_equal(fileset_get(out, outname, &o, &olen), 0);
	(void)fileset_get(out, "sig.b64", &sig, &siglen);
	if (imgtool_compare(VECDIR, c, o, olen, sig, siglen, msg,
	    sizeof(msg)) != 0)
		fail_msg("%s", msg);
	assert_int_equal(res.output_size, olen);
 out:
	zs_key_free(key);
	mcuboot_args_free(a);
	fileset_free(in);
	fileset_free(out);
}

int
main(int argc, char *argv[])
{
	json_t *root = NULL, *cases, *c;
	struct CMUnitTest *tests;
	size_t i, n = 0;
	int r;

	if ((cases = imgtool_cases_load(VECDIR, &root)) == NULL) {
		fprintf(stderr, "cannot load %s/cases.json\n", VECDIR);
		return 1;
	}
	tests = calloc(json_array_size(cases), sizeof(*tests));
	json_array_foreach(cases, i, c) {
		/* An optional argument selects one case. */
		if (argc > 1 && strcmp(argv[1], json_string_value(
		    json_object_get(c, "name"))) != 0)
			continue;
		tests[n].name = json_string_value(json_object_get(c, "name"));
		tests[n].test_func = run_case;
		tests[n].initial_state = c;
		n++;
	}
	r = _cmocka_run_group_tests("imgtool-engine", tests, n, NULL, NULL);
	free(tests);
	json_decref(root);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every rimage reference vector through the engine in process: inputs
 * read into a fileset, the key loaded with zs_key_load(), the CSS date
 * from build_date, west sign's xman prefix applied; one TAP line per case.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileset.h"
#include "keystore/keystore.h"
#include "lib/rimage/rimage.h"
#include "tests/vectors/rimage-vectors.h"

/* Date used for cases that carry none (unsigned formats ignore it). */
#define DEFAULT_DATE	"2024-03-15"

static int
run_case(const char *dir, json_t *c, char *why, size_t whylen)
{
	json_t *jargv = json_object_get(c, "argv");
	struct rimage_args *args = NULL;
	struct fileset *in = fileset_new(), *out = fileset_new();
	struct zs_key *key = NULL;
	struct zs_errbuf eb;
	const char *argv[RIMAGE_ARGS_MAX], *date, *keyname = NULL;
	char casedir[4096], kpath[4096];
	size_t i, n = json_array_size(jargv);
	int rc, r;

	zs_errclear(&eb);
	if (rv_path(casedir, sizeof(casedir), dir,
	    json_string_value(json_object_get(c, "cwd"))) != 0) {
		snprintf(why, whylen, "path too long");
		r = -1;
		goto out;
	}
	for (i = 0; i < n && i < RIMAGE_ARGS_MAX; i++) {
		argv[i] = json_string_value(json_array_get(jargv, i));
		if (i > 0 && strcmp(argv[i - 1], "-k") == 0)
			keyname = argv[i];
	}
	date = json_string_value(json_object_get(c, "build_date"));
	if (date == NULL)
		date = DEFAULT_DATE;
	if (rv_load_inputs(c, casedir, in) != 0) {
		snprintf(why, whylen, "cannot load inputs");
		r = -1;
		goto out;
	}
	if (rv_path(kpath, sizeof(kpath), casedir, keyname ? keyname : "") !=
	    0)
		kpath[0] = '\0';
	/* i.MX cases pass a dummy -k string: no key for unsigned formats. */
	if (keyname != NULL && access(kpath, R_OK) == 0 &&
	    zs_key_load("vector", kpath, NULL, &key, &eb) != 0) {
		snprintf(why, whylen, "key: %.400s", eb.msg);
		r = -1;
		goto out;
	}
	rc = rimage_args_parse((int)n, (char *const *)argv, &args, &eb);
	if (rc == 0)
		rc = rimage_sign(args, in, key, date, out, &eb);
	if (rc == 0 && strcmp(json_string_value(json_object_get(c, "post")),
	    "prefix_xman") == 0)
		rc = rimage_prefix_xman(out, "out/zephyr.ri", &eb);
	r = rv_check_case(c, casedir, rc, out, "out/", why, whylen);
	if (r != 0 && rc != 0)
		rv_append(why, whylen, eb.msg);
out:
	rimage_args_free(args);
	zs_key_free(key);
	fileset_free(in);
	fileset_free(out);
	return r;
}

int
main(void)
{
	char dir[4096], why[RV_WHY_MAX];
	json_t *root, *c;
	size_t i, n;

	snprintf(dir, sizeof(dir), "%s/tests/vectors/rimage", ZS_TOP_SRCDIR);
	if (rv_load_cases(dir, &root) != 0) {
		printf("1..0 # SKIP cannot read cases.json\n");
		return 1;
	}
	n = json_array_size(json_object_get(root, "cases"));
	printf("1..%zu\n", n);
	json_array_foreach(json_object_get(root, "cases"), i, c) {
		why[0] = '\0';
		if (run_case(dir, c, why, sizeof(why)) == 0)
			printf("ok %zu - %s\n", i + 1,
			    json_string_value(json_object_get(c, "name")));
		else
			printf("not ok %zu - %s: %s\n", i + 1,
			    json_string_value(json_object_get(c, "name")), why);
	}
	json_decref(root);
	return 0;
}

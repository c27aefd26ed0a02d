/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage-compare CASE OUTDIR [STATUS]: check the files a signer wrote to
 * OUTDIR (after west sign's xman prefix) for vector CASE by the README's
 * rules; STATUS is the signer's exit status (default 0). Exit 0 on match.
 * The vectors are found in $ZS_TOP_SRCDIR/tests/vectors/rimage.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/vectors/rimage-vectors.h"

/* Largest output file read back. */
#define OUT_FILE_MAX	(64u * 1024 * 1024)

int
main(int argc, char *argv[])
{
	const char *top = getenv("ZS_TOP_SRCDIR");
	char dir[4096], casedir[4096], path[4096], why[RV_WHY_MAX];
	struct fileset *out;
	struct dirent *de;
	json_t *root, *c;
	uint8_t *data;
	size_t len;
	DIR *d;
	int rc, r;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: rimage-compare CASE OUTDIR [STATUS]\n");
		return 2;
	}
	rc = argc == 4 ? atoi(argv[3]) : 0;
	snprintf(dir, sizeof(dir), "%s/tests/vectors/rimage",
	    top ? top : ZS_TOP_SRCDIR);
	if (rv_load_cases(dir, &root) != 0)
		return 2;
	if ((c = rv_find_case(root, argv[1])) == NULL) {
		fprintf(stderr, "rimage-compare: no case %s\n", argv[1]);
		return 2;
	}
	if (rv_path(casedir, sizeof(casedir), dir,
	    json_string_value(json_object_get(c, "cwd"))) != 0)
		return 2;
	out = fileset_new();
	if ((d = opendir(argv[2])) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (rv_path(path, sizeof(path), argv[2],
			    de->d_name) == 0 && zs_file_read(path,
			    OUT_FILE_MAX, &data, &len) == 0)
				fileset_add_owned(out, de->d_name, data, len);
		}
		closedir(d);
	}
	r = rv_check_case(c, casedir, rc, out, "", why, sizeof(why));
	if (r == 0)
		printf("%s: OK\n", argv[1]);
	else
		printf("%s: MISMATCH: %s\n", argv[1], why);
	fileset_free(out);
	json_decref(root);
	return r == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * imgtool-compare [-d VECDIR] CASE OUTFILE [SIGOUT]: compare a signer's
 * output with one imgtool reference case (exit 0 when it matches). For an
 * error case OUTFILE must not exist. Used by the client/daemon tests.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/vectors/imgtool-compare.h"

/* Largest output file compared. */
#define OUT_MAX		(64u * 1024 * 1024)

int
main(int argc, char *argv[])
{
	const char *vecdir = ZS_TOP_SRCDIR "/tests/vectors/imgtool";
	char msg[IMGTOOL_CMP_MSG_MAX];
	json_t *root = NULL, *cases, *c;
	uint8_t *out = NULL, *sig = NULL;
	size_t outlen = 0, siglen = 0;
	int ch, rc = 2;

	while ((ch = getopt(argc, argv, "d:")) != -1) {
		if (ch != 'd')
			goto usage;
		vecdir = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3)
		goto usage;
	if ((cases = imgtool_cases_load(vecdir, &root)) == NULL) {
		fprintf(stderr, "imgtool-compare: cannot load %s/cases.json\n",
		    vecdir);
		return 2;
	}
	if ((c = imgtool_case_find(cases, argv[0])) == NULL) {
		fprintf(stderr, "imgtool-compare: no case %s\n", argv[0]);
		goto out;
	}
	if (imgtool_case_is_error(c)) {
		rc = access(argv[1], F_OK) == 0 ? 1 : 0;
		if (rc)
			fprintf(stderr, "%s: error case produced %s\n",
			    argv[0], argv[1]);
		goto out;
	}
	if (zs_file_read(argv[1], OUT_MAX, &out, &outlen) != 0 ||
	    (argc == 3 && zs_file_read(argv[2], OUT_MAX, &sig, &siglen) != 0)) {
		fprintf(stderr, "%s: cannot read the output\n", argv[0]);
		rc = 1;
		goto out;
	}
	rc = imgtool_compare(vecdir, c, out, outlen, sig, siglen, msg,
	    sizeof(msg)) == 0 ? 0 : 1;
	if (rc)
		fprintf(stderr, "%s: %s\n", argv[0], msg);
 out:
	free(out);
	free(sig);
	json_decref(root);
	return rc;
 usage:
	fprintf(stderr, "usage: imgtool-compare [-d vecdir] case outfile "
	    "[sigout]\n");
	return 2;
}

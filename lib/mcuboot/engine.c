/* SPDX-License-Identifier: Apache-2.0 */
/* The engine table's entry for imgtool (lib/engine.h): MCUboot images. */
#include "config.h"

#include <string.h>

#include "lib/engine.h"
#include "lib/mcuboot/mcuboot.h"

/* imgtool's stdout lines fit the engine's result. */
_Static_assert(MCUBOOT_STDOUT_LINES <= ENGINE_STDOUT_LINES &&
    MCUBOOT_STDOUT_LEN <= ENGINE_STDOUT_LEN, "imgtool stdout too long");
/* Every file argument fits the engine's file list. */
_Static_assert(MCUBOOT_ARGS_MAX <= ENGINE_FILES_MAX, "too many files");

static int
mcuboot_engine_parse(int argc, char *const argv[], void **argsp,
    struct zs_errbuf *eb)
{
	struct mcuboot_args *a;
	int r;

	if ((r = mcuboot_args_parse(argc, argv, &a, eb)) != 0)
		return r;
	*argsp = a;
	return 0;
}

static size_t
mcuboot_engine_files(const void *args, struct engine_file *files,
    size_t max)
{
	const struct mcuboot_fileref *refs;
	size_t i, n = mcuboot_args_files(args, &refs);

	for (i = 0; i < n && i < max; i++) {
		switch (refs[i].role) {
		case MCUBOOT_IN_KEY:
			files[i].kind = ENGINE_FILE_KEY;
			break;
		case MCUBOOT_OUT_IMAGE:
		case MCUBOOT_OUT_SIG:
			files[i].kind = ENGINE_FILE_OUT;
			break;
		default:
			files[i].kind = ENGINE_FILE_IN;
			break;
		}
		files[i].name = refs[i].name;
		files[i].argi = refs[i].argi;
	}
	return n;
}

static int
mcuboot_engine_sign(const void *args, const struct fileset *in,
    struct zs_key *key, const char *date, struct fileset *out,
    struct engine_result *res, struct zs_errbuf *eb)
{
	struct mcuboot_result mr;
	size_t i;
	int r;

	r = mcuboot_sign(args, in, key, out, &mr, eb);
	memset(res, 0, sizeof(*res));
	/* On failure too: what imgtool printed before it failed. */
	for (i = 0; i < mr.nstdout; i++)
		memcpy(res->stdout_lines[i], mr.stdout_lines[i],
		    sizeof(mr.stdout_lines[i]));
	res->nstdout = mr.nstdout;
	if (r != 0)
		return r;
	memcpy(res->digest_hex, mr.digest_hex, sizeof(res->digest_hex));
	res->has_image = 1;
	memcpy(res->version, mr.version, sizeof(res->version));
	res->signed_image = mr.signed_image;
	res->image_size = mr.image_size;
	res->flash_size = mr.flash_size;
	memcpy(res->cid, mr.cid, sizeof(res->cid));
	res->has_counter = mr.has_seccnt;
	res->counter = mr.seccnt;
	return 0;
}

static void
mcuboot_engine_free(void *args)
{
	mcuboot_args_free(args);
}

/* imgtool sign; west sign's ImgtoolSigner runs on the server (west). */
const struct engine_ops engine_mcuboot = {
	.name = "imgtool",
	.flags = ENGINE_F_WEST | ENGINE_F_IMAGE_FACTS,
	.parse = mcuboot_engine_parse,
	.files = mcuboot_engine_files,
	.needs_key = NULL,
	.sign = mcuboot_engine_sign,
	.free = mcuboot_engine_free,
};

/* SPDX-License-Identifier: Apache-2.0 */
/* The engine table's entry for rimage (lib/engine.h): SOF DSP images. */
#include "config.h"

#include <string.h>

#include "lib/engine.h"
#include "lib/rimage/rimage.h"

/* Every file argument fits the engine's file list. */
_Static_assert(RIMAGE_ARGS_MAX <= ENGINE_FILES_MAX, "too many files");

/* rimage writes these beside -o (and west sign reads the .xman). */
static const char *const rimage_out_suffixes[] = { ".met", ".uns", ".rom",
    ".xman", NULL };

static int
rimage_engine_parse(int argc, char *const argv[], void **argsp,
    struct zs_errbuf *eb)
{
	struct rimage_args *a;
	int r;

	if ((r = rimage_args_parse(argc, argv, &a, eb)) != 0)
		return r;
	*argsp = a;
	return 0;
}

static size_t
rimage_engine_files(const void *args, struct engine_file *files,
    size_t max)
{
	const struct rimage_fileref *refs;
	size_t i, n = rimage_args_files(args, &refs);

	for (i = 0; i < n && i < max; i++) {
		switch (refs[i].role) {
		case RIMAGE_IN_KEY:
			files[i].kind = ENGINE_FILE_KEY;
			break;
		case RIMAGE_IN_CONFIG:
			files[i].kind = ENGINE_FILE_CONFIG;
			break;
		case RIMAGE_OUT_IMAGE:
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
rimage_engine_needs_key(const void *args, const struct fileset *in,
    int *needp, struct zs_errbuf *eb)
{
	return rimage_args_needs_key(args, in, needp, eb);
}

static int
rimage_engine_sign(const void *args, const struct fileset *in,
    struct zs_key *key, const char *date, struct fileset *out,
    struct engine_result *res, struct zs_errbuf *eb)
{
	int r;

	if ((r = rimage_sign(args, in, key, date, out, eb)) != 0)
		return r;
	/* rimage reports no image hash and no version to judge. */
	memset(res, 0, sizeof(*res));
	return 0;
}

static void
rimage_engine_free(void *args)
{
	rimage_args_free(args);
}

/* rimage; "date" stamps the CSS manifest, i.MX configs sign nothing. */
const struct engine_ops engine_rimage = {
	.name = "rimage",
	.flags = ENGINE_F_DATE,
	.parse = rimage_engine_parse,
	.files = rimage_engine_files,
	.needs_key = rimage_engine_needs_key,
	.sign = rimage_engine_sign,
	.free = rimage_engine_free,
	.out_suffixes = rimage_out_suffixes,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage_sign(): read the config, load the modules (or the image to
 * re-sign), build the family's image and side files, and only then hand
 * them to the caller's fileset. Also west sign's xman-prefix step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileset.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Length of a "YYYY-MM-DD" date. */
#define DATE_LEN	10

/* Turn "YYYY-MM-DD" into rimage's BCD 0xYYYYMMDD. */
static int
date_bcd(const char *s, uint32_t *out)
{
	static const int digit[] = { 0, 1, 2, 3, 5, 6, 8, 9 };
	uint32_t v = 0;
	int month, day;
	size_t i;

	if (s == NULL || strlen(s) != DATE_LEN || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < sizeof(digit) / sizeof(digit[0]); i++) {
		if (s[digit[i]] < '0' || s[digit[i]] > '9')
			return -1;
		v = v << 4 | (uint32_t)(s[digit[i]] - '0');
	}
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return -1;
	*out = v;
	return 0;
}

void
rimage_out_free(struct rimage_out *o)
{
	free(o->image);
	free(o->met);
	free(o->uns);
	free(o->xman);
	memset(o, 0, sizeof(*o));
}

/* Hand the outputs to out under the -o name and its side names. */
static int
rimage_emit(const char *name, struct rimage_out *o, struct fileset *out,
    struct zs_errbuf *eb)
{
	struct {
		const char	*ext;
		uint8_t		**data;
		size_t		 len;
		int		 want;
	} f[] = {
		{ "", &o->image, o->image_len, 1 },
		{ ".met", &o->met, o->met_len, o->met != NULL },
		{ ".uns", &o->uns, o->uns_len, o->uns != NULL },
		{ ".rom", NULL, 0, o->has_rom },
		{ ".xman", &o->xman, o->xman_len, o->xman != NULL },
	};
	char fname[ZS_FILESET_NAME_MAX + 1];
	size_t i, n = 0;
	int r;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		n += f[i].want ? 1 : 0;
	if (strlen(name) + strlen(".xman") > ZS_FILESET_NAME_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "rimage: output name too "
		    "long");
	if (fileset_count(out) + n > ZS_FILESET_MAX_FILES)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: too many output "
		    "files");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].want)
			continue;
		snprintf(fname, sizeof(fname), "%s%s", name, f[i].ext);
		if (f[i].data == NULL)
			r = fileset_add(out, fname, (const uint8_t *)"", 0);
		else {
			/* The fileset owns the data now, even on failure. */
			r = fileset_add_owned(out, fname, *f[i].data, f[i].len);
			*f[i].data = NULL;
		}
		if (r != 0)
			return zs_errf(eb, r, "rimage: cannot add output %s",
			    fname);
	}
	return 0;
}

int
rimage_sign(const struct rimage_args *args, const struct fileset *in,
    struct zs_key *key, const char *date, struct fileset *out,
    struct zs_errbuf *eb)
{
	struct rimage_module *mods = NULL;
	struct rimage_cfg *cfg = NULL;
	struct rimage_out o;
	const uint8_t *text, *img;
	size_t len, nmods = 0;
	uint32_t bcd;
	int r;

	memset(&o, 0, sizeof(o));
	if (date_bcd(date, &bcd) != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "rimage: date '%s' is not "
		    "YYYY-MM-DD", date != NULL ? date : "");
	if (fileset_get(in, args->config, &text, &len) != 0)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage: config '%s' "
		    "missing", args->config);
	if ((r = rimage_cfg_parse(text, len, args, &cfg, eb)) != 0)
		return r;
	if (args->resign != NULL) {
		if (fileset_get(in, args->resign, &img, &len) != 0) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage: image '%s' "
			    "missing", args->resign);
			goto out;
		}
		r = rimage_manifest_resign(cfg, img, len, key, &o, eb);
		goto emit;
	}
	if ((r = rimage_modules_load(args, cfg, in, &mods, &nmods, eb)) != 0)
		goto out;
	if (cfg->family == RIMAGE_FAM_SIMPLE)
		r = rimage_simple_build(cfg, mods, nmods, &o, eb);
	else
		r = rimage_manifest_build(args, cfg, mods, nmods, key, bcd,
		    &o, eb);
	if (r == 0 && args->ext_man)
		r = rimage_xman_build(cfg, mods, nmods, &o, eb);
emit:
	if (r == 0)
		r = rimage_emit(args->out, &o, out, eb);
out:
	rimage_out_free(&o);
	rimage_modules_free(mods, nmods);
	rimage_cfg_free(cfg);
	return r;
}

int
rimage_args_needs_key(const struct rimage_args *args,
    const struct fileset *in, int *needp, struct zs_errbuf *eb)
{
	const uint8_t *text;
	size_t len;

	if (args->resign != NULL) {
		*needp = 1;
		return 0;
	}
	if (fileset_get(in, args->config, &text, &len) != 0)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage: config '%s' "
		    "missing", args->config);
	return rimage_config_needs_key(text, len, needp, eb);
}

int
rimage_prefix_xman(struct fileset *out, const char *name,
    struct zs_errbuf *eb)
{
	char xname[ZS_FILESET_NAME_MAX + 1];
	const uint8_t *x, *img;
	size_t xlen, ilen;
	uint8_t *cat;
	int r;

	if ((size_t)snprintf(xname, sizeof(xname), "%s.xman", name) >=
	    sizeof(xname))
		return zs_errf(eb, ZS_ERR_INVALID, "rimage: name too long");
	if (fileset_get(out, xname, &x, &xlen) != 0 ||
	    fileset_get(out, name, &img, &ilen) != 0)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage: %s or %s missing",
		    name, xname);
	cat = xmalloc(xlen + ilen ? xlen + ilen : 1);
	memcpy(cat, x, xlen);
	memcpy(cat + xlen, img, ilen);
	if ((r = fileset_add_owned(out, name, cat, xlen + ilen)) != 0)
		return zs_errf(eb, r, "rimage: cannot replace %s", name);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage's command line, parsed the way its getopt loop does (options may
 * follow the modules, the last of a repeated option wins) but strictly:
 * numbers must be whole decimal numbers in range, and options that west
 * sign never uses (MEU, relocatable modules, verify) are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* rimage's default IMR type (MAN_DEFAULT_IMR_TYPE). */
#define RIMAGE_DEFAULT_IMR	3
/* Largest IMR type: ACE stores 0x20 + type in one byte. */
#define RIMAGE_IMR_MAX		0xDF

/* Parse a plain decimal number no larger than max. */
static int
parse_dec(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Parse -f "major.minor.micro", three u16 numbers. */
static int
parse_version(const char *s, struct rimage_args *a)
{
	char buf[32], *p, *q;
	unsigned long v[3];
	int i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	p = buf;
	for (i = 0; i < 3; i++) {
		q = strchr(p, '.');
		if ((q == NULL) != (i == 2))
			return -1;
		if (q != NULL)
			*q = '\0';
		if (parse_dec(p, 0xFFFF, &v[i]) != 0)
			return -1;
		p = q + 1;
	}
	a->fw_major = (uint16_t)v[0];
	a->fw_minor = (uint16_t)v[1];
	a->fw_micro = (uint16_t)v[2];
	return 0;
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct rimage_fileref *a = x, *b = y;

	return (a->argi > b->argi) - (a->argi < b->argi);
}

static void
add_ref(struct rimage_args *a, enum rimage_file_role role, const char *name,
    int argi)
{
	if (name == NULL)
		return;
	a->files[a->nfiles].role = role;
	a->files[a->nfiles].name = name;
	a->files[a->nfiles].argi = argi;
	a->nfiles++;
}

/* Handle one option with its argument (val may be NULL for flags). */
static int
args_option(struct rimage_args *a, char opt, const char *val, int argi,
    int *argip, struct zs_errbuf *eb)
{
	unsigned long v;

	switch (opt) {
	case 'o':
		a->out = val;
		argip[0] = argi;
		return 0;
	case 'c':
		a->config = val;
		argip[1] = argi;
		return 0;
	case 'k':
		a->key = val;
		argip[2] = argi;
		return 0;
	case 'q':
		a->resign = val;
		argip[3] = argi;
		return 0;
	case 'f':
		if (parse_version(val, a) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "rimage: -f '%s': "
			    "expected major.minor.micro (each 0-65535)", val);
		return 0;
	case 'b':
		if (parse_dec(val, 0xFFFF, &v) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "rimage: -b '%s': "
			    "expected a build number 0-65535", val);
		a->fw_build = (uint16_t)v;
		return 0;
	case 'i':
		if (parse_dec(val, RIMAGE_IMR_MAX, &v) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "rimage: -i '%s': "
			    "expected an IMR type 0-%d", val, RIMAGE_IMR_MAX);
		a->imr_type = (uint32_t)v;
		a->imr_override = 1;
		return 0;
	case 'e':
		a->ext_man = 1;
		return 0;
	case 'p':
		a->pv_bit = 1;
		return 0;
	case 'd':
		a->ignore_detached = 1;
		return 0;
	case 'v':
		a->verbose++;
		return 0;
	case 's': case 'r': case 'l': case 'y': case 'a': case 'h':
		return zs_errf(eb, ZS_ERR_USAGE, "rimage: option -%c is not "
		    "supported (MEU, relocatable, verify and help modes are "
		    "out of scope)", opt);
	default:
		return zs_errf(eb, ZS_ERR_USAGE, "rimage: unknown option -%c",
		    opt);
	}
}

static int
takes_arg(char opt)
{
	return strchr("ockqfbisay", opt) != NULL;
}

int
rimage_args_parse(int argc, char *const argv[], struct rimage_args **argsp,
    struct zs_errbuf *eb)
{
	struct rimage_args *a;
	int argi[4] = { -1, -1, -1, -1 };
	int modi[RIMAGE_MODULES_MAX];
	int i, j, r, only_pos = 0;
	const char *arg, *val;
	size_t m;

	if (argc < 0 || argc > RIMAGE_ARGS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: more than %d "
		    "arguments", RIMAGE_ARGS_MAX);
	a = xcalloc(1, sizeof(*a));
	a->imr_type = RIMAGE_DEFAULT_IMR;
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (a->nmodules == RIMAGE_MODULES_MAX) {
				r = zs_errf(eb, ZS_ERR_USAGE, "rimage: more "
				    "than %d input modules",
				    RIMAGE_MODULES_MAX);
				goto fail;
			}
			modi[a->nmodules] = i;
			a->modules[a->nmodules++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		for (j = 1; arg[j] != '\0'; j++) {
			val = NULL;
			if (takes_arg(arg[j])) {
				if (arg[j + 1] != '\0')
					val = arg + j + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else {
					r = zs_errf(eb, ZS_ERR_USAGE, "rimage: "
					    "option -%c needs an argument",
					    arg[j]);
					goto fail;
				}
			}
			if ((r = args_option(a, arg[j], val, i, argi, eb)) != 0)
				goto fail;
			if (val != NULL)
				break;
		}
	}
	if (a->config == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "rimage: must have adsp desc "
		    "(-c)");
		goto fail;
	}
	if (a->key == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "rimage: requires private key "
		    "(-k)");
		goto fail;
	}
	if (a->out == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "rimage: requires an output "
		    "file (-o)");
		goto fail;
	}
	if (a->resign != NULL && a->nmodules > 0) {
		r = zs_errf(eb, ZS_ERR_USAGE, "rimage: -q re-signs an image; "
		    "it takes no ELF modules");
		goto fail;
	}
	if (a->resign == NULL && a->nmodules == 0) {
		r = zs_errf(eb, ZS_ERR_USAGE, "rimage: requires at least one "
		    "ELF input module");
		goto fail;
	}
	add_ref(a, RIMAGE_OUT_IMAGE, a->out, argi[0]);
	add_ref(a, RIMAGE_IN_CONFIG, a->config, argi[1]);
	add_ref(a, RIMAGE_IN_KEY, a->key, argi[2]);
	add_ref(a, RIMAGE_IN_RESIGN, a->resign, argi[3]);
	for (m = 0; m < a->nmodules; m++)
		add_ref(a, RIMAGE_IN_MODULE, a->modules[m], modi[m]);
	qsort(a->files, a->nfiles, sizeof(a->files[0]), ref_cmp);
	*argsp = a;
	return 0;
fail:
	free(a);
	return r;
}

void
rimage_args_free(struct rimage_args *args)
{
	free(args);
}

size_t
rimage_args_files(const struct rimage_args *args,
    const struct rimage_fileref **refsp)
{
	*refsp = args->files;
	return args->nfiles;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client imgtool ...`: imgtool's own command lines. sign uploads
 * the inputs its arguments name and writes back the outputs; verify,
 * dumpinfo and getpub run locally, with keys from files or the server.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/mcuboot/mcuboot.h"

/* An imgtool sign run writes the image and at most one --sig-out file. */
#define IMGTOOL_OUTPUTS_MAX	2
/* Largest output of getpub/dumpinfo kept in memory. */
#define IMGTOOL_TEXT_MAX	(64u * 1024 * 1024)

static const char imgtool_usage[] =
"usage: zsign-client imgtool sign ARGS... INFILE OUTFILE\n"
"       zsign-client imgtool verify [-k KEY] IMAGE\n"
"       zsign-client imgtool dumpinfo IMAGE\n"
"       zsign-client imgtool getpub -k KEY [-e pem|c|rust|raw] [-o FILE]\n"
"KEY: a local PEM file, a server key name, or zsign:NAME\n";

/* Build and send the sign request for imgtool arguments argv[0..argc). */
static int
imgtool_sign(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	struct mcuboot_args *args = NULL;
	const struct mcuboot_fileref *refs;
	const char *outs[IMGTOOL_OUTPUTS_MAX];
	struct zsclient *cl;
	json_t *req = NULL, *files, *reply = NULL;
	size_t i, n, nout = 0;
	int r;

	if ((r = mcuboot_args_parse(argc, argv, &args, eb)) != 0)
		return r;
	if ((r = cli_request_new("imgtool", argc, argv, &req, &files,
	    eb)) != 0)
		goto out;
	n = mcuboot_args_files(args, &refs);
	for (i = 0; i < n; i++) {
		switch (refs[i].role) {
		case MCUBOOT_IN_KEY:
			r = cli_key_resolve(refs[i].name, req, eb);
			break;
		case MCUBOOT_IN_IMAGE:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    MCUBOOT_IMAGE_MAX, eb);
			break;
		case MCUBOOT_IN_ENCKEY:
		case MCUBOOT_IN_CUSTOM_TLV:
		case MCUBOOT_IN_FIX_SIG:
		case MCUBOOT_IN_FIX_SIG_PUBKEY:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    CLI_SIDEFILE_MAX, eb);
			break;
		case MCUBOOT_OUT_IMAGE:
		case MCUBOOT_OUT_SIG:
			if (nout == IMGTOOL_OUTPUTS_MAX) {
				r = zs_errf(eb, ZS_ERR_USAGE, "too many "
				    "output files");
				break;
			}
			outs[nout++] = refs[i].name;
			r = 0;
			break;
		default:
			r = zs_errf(eb, ZS_ERR_INTERNAL, "unknown file role");
			break;
		}
		if (r != 0)
			goto out;
	}
	if ((r = cli_client(c, &cl, eb)) != 0 ||
	    (r = zsclient_sign(cl, req, &reply, eb)) != 0)
		goto out;
	r = cli_files_write(reply, outs, outs, nout, eb);
 out:
	json_decref(reply);
	json_decref(req);
	mcuboot_args_free(args);
	return r;
}

/* Option scanner for the local subcommands: -k, -e/-l and -o take values. */
struct imgtool_opts {
	const char	*key;
	const char	*encoding;
	const char	*output;
	const char	*image;
};

static int
imgtool_opts_parse(int argc, char **argv, int want_image,
    struct imgtool_opts *o, struct zs_errbuf *eb)
{
	static const struct {
		const char	*s, *l;
		size_t		 off;
	} opts[] = {
		{ "-k", "--key", offsetof(struct imgtool_opts, key) },
		{ "-e", "--encoding", offsetof(struct imgtool_opts, encoding) },
		{ "-l", "--lang", offsetof(struct imgtool_opts, encoding) },
		{ "-o", "--output", offsetof(struct imgtool_opts, output) },
	};
	const char *a, *v;
	size_t i, ll;
	int ai;

	for (ai = 1; ai < argc; ai++) {
		a = argv[ai];
		if (a[0] != '-' || a[1] == '\0') {
			if (!want_image || o->image != NULL)
				return zs_errf(eb, ZS_ERR_USAGE, "unexpected "
				    "argument '%s'", a);
			o->image = a;
			continue;
		}
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			ll = strlen(opts[i].l);
			v = NULL;
			if (strcmp(a, opts[i].s) == 0 ||
			    strcmp(a, opts[i].l) == 0) {
				if (ai + 1 >= argc)
					return zs_errf(eb, ZS_ERR_USAGE,
					    "option %s requires an argument",
					    a);
				v = argv[++ai];
			} else if (strncmp(a, opts[i].l, ll) == 0 &&
			    a[ll] == '=')
				v = a + ll + 1;
			else if (strncmp(a, opts[i].s, 2) == 0 && a[2] != '\0' &&
			    a[1] != '-')
				v = a + 2;
			if (v != NULL) {
				*(const char **)((char *)o + opts[i].off) = v;
				break;
			}
		}
		if (i == sizeof(opts) / sizeof(opts[0]))
			return zs_errf(eb, ZS_ERR_USAGE, "no such option: %s",
			    a);
	}
	if (want_image && o->image == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "missing argument IMAGE");
	return 0;
}

static int
imgtool_verify(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	struct imgtool_opts o = { 0 };
	struct mcuboot_info info;
	EVP_PKEY *pub = NULL;
	uint8_t *img = NULL;
	size_t len = 0;
	int r;

	if ((r = imgtool_opts_parse(argc, argv, 1, &o, eb)) != 0)
		return r;
	if (o.encoding != NULL || o.output != NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "verify takes only -k and "
		    "IMAGE");
	if (o.key != NULL && (r = cli_key_public(c, o.key, &pub, eb)) != 0)
		return r;
	if ((r = cli_image_read(o.image, &img, &len, eb)) != 0)
		goto out;
	memset(&info, 0, sizeof(info));
	if ((r = mcuboot_verify(img, len, pub, &info, eb)) != 0) {
		/* imgtool prints the verdict on stdout and exits 1. */
		printf("%s\n", eb->msg);
		eb->msg[0] = '\0';
		r = ZS_ERR_VERIFY;
		goto out;
	}
	printf("Image was correctly validated\n"
	    "Image version: %u.%u.%u+%u\n"
	    "Image digest: %s\n", info.ver_major, info.ver_minor,
	    info.ver_rev, info.ver_build, info.digest_hex);
 out:
	free(img);
	EVP_PKEY_free(pub);
	return r;
}

/* Print text to stdout, or write it atomically to path. */
static int
imgtool_emit(const struct buf *text, const char *path, struct zs_errbuf *eb)
{
	if (path == NULL) {
		if (fwrite(buf_ptr(text), 1, buf_len(text), stdout) !=
		    buf_len(text))
			return zs_errf(eb, ZS_ERR_IO, "cannot write stdout");
		return 0;
	}
	if (zs_file_write_output(path, buf_ptr(text), buf_len(text), 0644) != 0)
		return zs_errf(eb, ZS_ERR_IO, "cannot write %s", path);
	return 0;
}

static int
imgtool_dumpinfo(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	struct imgtool_opts o = { 0 };
	struct buf *text;
	uint8_t *img = NULL;
	size_t len = 0;
	int r;

	if ((r = imgtool_opts_parse(argc, argv, 1, &o, eb)) != 0)
		return r;
	if (o.key != NULL || o.encoding != NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "dumpinfo takes IMAGE "
		    "[-o FILE]");
	if ((r = cli_image_read(o.image, &img, &len, eb)) != 0)
		return r;
	text = buf_new(IMGTOOL_TEXT_MAX);
	if ((r = mcuboot_dumpinfo(img, len, text, eb)) == 0)
		r = imgtool_emit(text, o.output, eb);
	buf_free(text);
	free(img);
	return r;
}

static int
imgtool_getpub(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	struct imgtool_opts o = { 0 };
	struct buf *text;
	EVP_PKEY *pub = NULL;
	int r;

	if ((r = imgtool_opts_parse(argc, argv, 0, &o, eb)) != 0)
		return r;
	if (o.key == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "Missing option '-k' / "
		    "'--key'");
	if ((r = cli_key_public(c, o.key, &pub, eb)) != 0)
		return r;
	text = buf_new(IMGTOOL_TEXT_MAX);
	/* imgtool's default encoding is the C array. */
	if ((r = mcuboot_getpub(pub, o.encoding != NULL ? o.encoding : "c",
	    text, eb)) == 0)
		r = imgtool_emit(text, o.output, eb);
	buf_free(text);
	EVP_PKEY_free(pub);
	return r;
}

int
cmd_imgtool(struct cli *c, int argc, char **argv)
{
	static const struct {
		const char	*name;
		int		(*run)(struct cli *, int, char **,
				    struct zs_errbuf *);
	} subs[] = {
		{ "verify",	imgtool_verify },
		{ "dumpinfo",	imgtool_dumpinfo },
		{ "getpub",	imgtool_getpub },
	};
	struct zs_errbuf eb = { 0 };
	size_t i;
	int r;

	if (argc < 2) {
		fputs(imgtool_usage, stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "sign") == 0) {
		r = imgtool_sign(c, argc - 2, argv + 2, &eb);
		return r == 0 ? CLI_EXIT_OK : cli_fail(c, r, eb.msg);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			break;
	if (i == sizeof(subs) / sizeof(subs[0])) {
		fprintf(stderr, "%s: imgtool: unknown command '%s'\n%s",
		    c->progname, argv[1], imgtool_usage);
		return CLI_EXIT_USAGE;
	}
	r = subs[i].run(c, argc - 1, argv + 1, &eb);
	if (r == 0)
		return CLI_EXIT_OK;
	if (eb.msg[0] == '\0')	/* verdict already printed */
		return cli_exit_code(r);
	return cli_fail(c, r, eb.msg);
}

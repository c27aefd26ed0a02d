/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client rimage ARGS...`: SOF's rimage with the image built and
 * signed by zsignd. ARGS are rimage's own; the config, the modules (or
 * the -q image) are uploaded, -k names the server key, and the image and
 * its side files come back under the -o name. -c zsign:NAME names a
 * config the server holds, which is passed through, not read.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/rimage/rimage.h"
#include "proto/proto.h"

/* Largest rimage input (ELF module, config, image to re-sign) uploaded. */
#define CLI_RIMAGE_INPUT_MAX	(64u * 1024 * 1024)
/* The -c prefix naming a config of the server (zsignd's rimconf.h). */
#define CLI_SERVER_PREFIX	"zsign:"
/* Environment variable of reproducible builds that fixes the date. */
#define CLI_SOURCE_DATE_ENV	"SOURCE_DATE_EPOCH"

/* The files rimage writes: -o itself and its side files. */
static const char *const rimage_exts[] = { "", ".met", ".uns", ".rom",
    ".xman" };
#define RIMAGE_NEXTS	(sizeof(rimage_exts) / sizeof(rimage_exts[0]))

static const char rimage_usage[] =
"usage: zsign-client rimage [-v] [-e] [-p] [-f M.m.u] [-b BUILD] [-i IMR]\n"
"                           -o OUT -c CONFIG -k KEY MODULE...\n"
"       zsign-client rimage -q IMAGE -o OUT -c CONFIG -k KEY\n"
"CONFIG: a local TOML file, or zsign:NAME for a config the server holds\n"
"KEY: a local PEM file, a server key name, or zsign:NAME (i.MX configs are\n"
"not signed: KEY is then ignored, as rimage ignores it)\n";

/* The CSS date: SOURCE_DATE_EPOCH when set, else today, both in UTC. */
static int
rimage_date(char out[sizeof("YYYY-MM-DD")], struct zs_errbuf *eb)
{
	const char *s = getenv(CLI_SOURCE_DATE_ENV);
	unsigned long long v;
	struct tm tm;
	time_t t;

	if (s != NULL && *s != '\0') {
		if (zs_parse_uint(s, (unsigned long long)INT32_MAX * 64,
		    &v) != 0)
			return zs_errf(eb, ZS_ERR_USAGE, "%s=%s is not a "
			    "number of seconds", CLI_SOURCE_DATE_ENV, s);
		t = (time_t)v;
	} else
		t = time(NULL);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, sizeof("YYYY-MM-DD"), "%Y-%m-%d", &tm) != 10)
		return zs_errf(eb, ZS_ERR_USAGE, "cannot format the date of "
		    "%lld", (long long)t);
	return 0;
}

/* Does the local config sign (else -k is a placeholder rimage ignores)? */
static int
rimage_key_wanted(const struct rimage_args *args, const char *config,
    int *needp, struct zs_errbuf *eb)
{
	struct fileset *fs = fileset_new();
	uint8_t *text;
	size_t len;
	int r;

	if ((r = zs_file_read(config, CLI_RIMAGE_INPUT_MAX, &text, &len)) !=
	    0) {
		fileset_free(fs);
		return zs_errf(eb, r == ZS_ERR_NOT_FOUND ? ZS_ERR_USAGE : r,
		    "%s: %s", config, r == ZS_ERR_NOT_FOUND ?
		    "no such file" : zs_strerror(r));
	}
	if ((r = fileset_add_owned(fs, config, text, len)) == 0)
		r = rimage_args_needs_key(args, fs, needp, eb);
	fileset_free(fs);
	return r;
}

/* Is the -c value a config the server holds (not read here)? */
static int
rimage_server_config(const char *config)
{
	return strncmp(config, CLI_SERVER_PREFIX,
	    sizeof(CLI_SERVER_PREFIX) - 1) == 0;
}

/*
 * With a server config the client cannot tell whether the image is
 * signed: a -k that is neither a file nor a key name (west sign's
 * placeholder for i.MX) is left for the server to judge.
 */
static int
rimage_key_unknown(const char *val)
{
	struct stat st;

	return !rimage_server_config(val) && stat(val, &st) == -1 &&
	    (strchr(val, '/') != NULL || !proto_keyname_valid(val));
}

int
cli_rimage_sign(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	const char *names[RIMAGE_NEXTS], *out = NULL, *config = NULL;
	const struct rimage_fileref *refs;
	struct rimage_args *args = NULL;
	char date[sizeof("YYYY-MM-DD")], *nbuf[RIMAGE_NEXTS];
	json_t *req = NULL, *files, *reply = NULL, *rfiles;
	struct zsclient *cl;
	size_t i, n, nout = 0;
	int r, need = 1;

	memset(nbuf, 0, sizeof(nbuf));
	if ((r = rimage_args_parse(argc, argv, &args, eb)) != 0)
		return r;
	if ((r = rimage_date(date, eb)) != 0 ||
	    (r = cli_request_new("rimage", argc, argv, &req, &files,
	    eb)) != 0)
		goto out;
	if (json_object_set_new(req, "date", json_string(date)) != 0) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	n = rimage_args_files(args, &refs);
	for (i = 0; i < n; i++)
		if (refs[i].role == RIMAGE_IN_CONFIG)
			config = refs[i].name;
		else if (refs[i].role == RIMAGE_OUT_IMAGE)
			out = refs[i].name;
	if (config == NULL || out == NULL) {
		r = zs_errf(eb, ZS_ERR_INTERNAL, "rimage arguments without "
		    "config or output");
		goto out;
	}
	if (rimage_server_config(config))
		need = -1;	/* the server knows */
	else if ((r = rimage_key_wanted(args, config, &need, eb)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		switch (refs[i].role) {
		case RIMAGE_IN_KEY:
			r = need > 0 || (need < 0 &&
			    !rimage_key_unknown(refs[i].name)) ?
			    cli_key_resolve(refs[i].name, req, eb) : 0;
			break;
		case RIMAGE_IN_CONFIG:
			r = rimage_server_config(refs[i].name) ? 0 :
			    cli_file_upload(files, refs[i].name, refs[i].name,
			    CLI_RIMAGE_INPUT_MAX, eb);
			break;
		case RIMAGE_IN_MODULE:
		case RIMAGE_IN_RESIGN:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    CLI_RIMAGE_INPUT_MAX, eb);
			break;
		case RIMAGE_OUT_IMAGE:
			r = 0;
			break;
		}
		if (r != 0)
			goto out;
	}
	if ((r = cli_client(c, &cl, eb)) != 0 ||
	    (r = zsclient_sign(cl, req, &reply, eb)) != 0)
		goto out;
	/* Only -o and its side names are written, whatever else comes. */
	rfiles = json_object_get(reply, "files");
	for (i = 0; i < RIMAGE_NEXTS; i++) {
		nbuf[i] = xasprintf("%s%s", out, rimage_exts[i]);
		if (json_object_get(rfiles, nbuf[i]) != NULL)
			names[nout++] = nbuf[i];
	}
	if (nout == 0 || strcmp(names[0], out) != 0) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "the server returned no %s",
		    out);
		goto out;
	}
	r = cli_files_write(reply, names, names, nout, eb);
out:
	for (i = 0; i < RIMAGE_NEXTS; i++)
		free(nbuf[i]);
	json_decref(reply);
	json_decref(req);
	rimage_args_free(args);
	return r;
}

int
cmd_rimage(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb;
	int r;

	zs_errclear(&eb);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fputs(rimage_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if ((r = cli_rimage_sign(c, argc - 1, argv + 1, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	return CLI_EXIT_OK;
}

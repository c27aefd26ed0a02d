/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client TOOL ARGS...` for any engine of the table (lib/engine.h):
 * ARGS are the tool's own; its inputs are uploaded, -k names the server
 * key, and the outputs come back with the side files the engine names
 * after them. A config argument zsign:NAME names a config the server
 * holds, which is passed through, not read.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/fileset.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/engine.h"
#include "proto/proto.h"

/* Largest input (module, image, config) uploaded. */
#define CLI_ENGINE_INPUT_MAX	(64u * 1024 * 1024)
/* Most files written back: outputs and their side files. */
#define CLI_ENGINE_OUT_MAX	64
/* The prefix naming a config of the server (zsignd's rimconf.h). */
#define CLI_SERVER_PREFIX	"zsign:"
/* Environment variable of reproducible builds that fixes the date. */
#define CLI_SOURCE_DATE_ENV	"SOURCE_DATE_EPOCH"

/* The build date: SOURCE_DATE_EPOCH when set, else today, both in UTC. */
static int
engine_date(char out[sizeof("YYYY-MM-DD")], struct zs_errbuf *eb)
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

/* Is the value a config the server holds (not read here)? */
static int
engine_server_config(const char *val)
{
	return strncmp(val, CLI_SERVER_PREFIX,
	    sizeof(CLI_SERVER_PREFIX) - 1) == 0;
}

/*
 * Does signing need the key? The engine judges from the local configs;
 * with a server config the client cannot tell (*needp -1).
 */
static int
engine_key_wanted(const struct engine_ops *e, const void *args,
    const struct engine_file *refs, size_t n, int *needp,
    struct zs_errbuf *eb)
{
	struct fileset *fs = fileset_new();
	uint8_t *text;
	size_t i, len;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (refs[i].kind != ENGINE_FILE_CONFIG)
			continue;
		if (engine_server_config(refs[i].name)) {
			*needp = -1;
			goto out;
		}
		if ((r = zs_file_read(refs[i].name, CLI_ENGINE_INPUT_MAX,
		    &text, &len)) != 0) {
			r = zs_errf(eb, r == ZS_ERR_NOT_FOUND ? ZS_ERR_USAGE :
			    r, "%s: %s", refs[i].name, r == ZS_ERR_NOT_FOUND ?
			    "no such file" : zs_strerror(r));
			goto out;
		}
		r = fileset_add_owned(fs, refs[i].name, text, len);
	}
	if (r == 0)
		r = engine_needs_key(e, args, fs, needp, eb);
 out:
	fileset_free(fs);
	return r;
}

/*
 * With a server config the client cannot tell whether the image is
 * signed: a -k that is neither a file nor a key name (west sign's
 * placeholder for i.MX) is left for the server to judge.
 */
static int
engine_key_unknown(const char *val)
{
	struct stat st;

	return !engine_server_config(val) && stat(val, &st) == -1 &&
	    (strchr(val, '/') != NULL || !proto_keyname_valid(val));
}

/* Upload the inputs and turn the key argument into the request's key. */
static int
engine_request_files(const struct engine_file *refs, size_t n, int need,
    json_t *req, json_t *files, struct zs_errbuf *eb)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		switch (refs[i].kind) {
		case ENGINE_FILE_KEY:
			if (need > 0 || (need < 0 &&
			    !engine_key_unknown(refs[i].name)))
				r = cli_key_resolve(refs[i].name, req, eb);
			break;
		case ENGINE_FILE_CONFIG:
			if (engine_server_config(refs[i].name))
				break;
			/* FALLTHROUGH */
		case ENGINE_FILE_IN:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    CLI_ENGINE_INPUT_MAX, eb);
			break;
		case ENGINE_FILE_OUT:
			break;
		}
	}
	return r;
}

/*
 * Write each output and the side files the engine names after it; only
 * those are written, whatever else comes back.
 */
static int
engine_write(const struct engine_ops *e, const struct engine_file *refs,
    size_t n, const json_t *reply, struct zs_errbuf *eb)
{
	const json_t *rfiles = json_object_get(reply, "files");
	const char *names[CLI_ENGINE_OUT_MAX];
	char *owned[CLI_ENGINE_OUT_MAX];
	size_t i, k, nout = 0, nown = 0;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (refs[i].kind != ENGINE_FILE_OUT)
			continue;
		if (json_object_get(rfiles, refs[i].name) == NULL) {
			r = zs_errf(eb, ZS_ERR_PROTOCOL, "the server returned "
			    "no %s", refs[i].name);
			break;
		}
		if (nout == CLI_ENGINE_OUT_MAX) {
			r = zs_errf(eb, ZS_ERR_USAGE, "too many outputs");
			break;
		}
		names[nout++] = refs[i].name;
		for (k = 0; e->out_suffixes != NULL &&
		    e->out_suffixes[k] != NULL; k++) {
			if (nout == CLI_ENGINE_OUT_MAX) {
				r = zs_errf(eb, ZS_ERR_USAGE,
				    "too many outputs");
				break;
			}
			owned[nown] = xasprintf("%s%s", refs[i].name,
			    e->out_suffixes[k]);
			if (json_object_get(rfiles, owned[nown]) != NULL)
				names[nout++] = owned[nown];
			nown++;
		}
	}
	if (r == 0)
		r = cli_files_write(reply, names, names, nout, NULL, eb);
	for (i = 0; i < nown; i++)
		free(owned[i]);
	return r;
}

int
cli_engine_sign(struct cli *c, const struct engine_ops *e, int argc,
    char **argv, struct zs_errbuf *eb)
{
	struct engine_file refs[ENGINE_FILES_MAX];
	char date[sizeof("YYYY-MM-DD")];
	json_t *req = NULL, *files, *reply = NULL;
	struct zsclient *cl;
	void *args = NULL;
	size_t n;
	int r, need = 1;

	if ((r = e->parse(argc, argv, &args, eb)) != 0)
		return r;
	if ((n = e->files(args, refs, ENGINE_FILES_MAX)) > ENGINE_FILES_MAX) {
		r = zs_errf(eb, ZS_ERR_USAGE, "more than %d file arguments",
		    ENGINE_FILES_MAX);
		goto out;
	}
	if ((r = cli_request_new(e->name, argc, argv, &req, &files,
	    eb)) != 0)
		goto out;
	if ((e->flags & ENGINE_F_DATE) != 0) {
		if ((r = engine_date(date, eb)) != 0)
			goto out;
		if (json_object_set_new(req, "date", json_string(date)) != 0) {
			r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((r = engine_key_wanted(e, args, refs, n, &need, eb)) != 0 ||
	    (r = engine_request_files(refs, n, need, req, files, eb)) != 0 ||
	    (r = cli_client(c, &cl, eb)) != 0)
		goto out;
	if ((r = zsclient_sign(cl, req, &reply, eb)) != 0) {
		/* What the tool printed before it failed, as it would. */
		cli_print_stdout(zsclient_error_stdout(cl));
		goto out;
	}
	cli_print_stdout(json_object_get(reply, "stdout"));
	r = engine_write(e, refs, n, reply, eb);
 out:
	json_decref(reply);
	json_decref(req);
	e->free(args);
	return r;
}

int
cmd_engine(struct cli *c, int argc, char **argv)
{
	const struct engine_ops *e = engine_find(argv[0]);
	struct zs_errbuf eb;
	int r;

	zs_errclear(&eb);
	if (e == NULL)
		return cli_fail(c, ZS_ERR_USAGE, "no such tool");
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: zsign-client %s "
		    "%s_ARGS...\n  %s's own arguments; its key is a key of "
		    "the server\n", e->name, e->name, e->name);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if ((r = cli_engine_sign(c, e, argc - 1, argv + 1, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	return CLI_EXIT_OK;
}

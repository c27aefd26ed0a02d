/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Server-held rimage configs: the "rimage" settings, config names, and
 * turning "-c zsign:NAME" into the file's text when a request is signed.
 * Read at request time, so a config dropped into the directory is served
 * without a reload.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/rimconf.h"

void
rimconf_init(struct rimconf *rc)
{
	rc->dir = NULL;
	rc->client_configs = 1;
}

void
rimconf_free(struct rimconf *rc)
{
	free(rc->dir);
	rimconf_init(rc);
}

/* Check and set the directory; where names the setting for errors. */
static int
rimconf_dir(struct rimconf *rc, const char *dir, const char *where,
    struct zs_errbuf *eb)
{
	if (dir[0] != '/')
		return zs_errf(eb, ZS_ERR_INVALID, "%s: rimage config "
		    "directory \"%.64s\": must be an absolute path", where,
		    dir);
	if (strlen(dir) > RIMCONF_DIR_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: rimage config "
		    "directory: longer than %d bytes", where, RIMCONF_DIR_MAX);
	free(rc->dir);
	rc->dir = xstrdup(dir);
	return 0;
}

int
rimconf_set_dir(struct rimconf *rc, const char *dir, struct zs_errbuf *eb)
{
	return rimconf_dir(rc, dir, "--rimage-config-dir", eb);
}

int
rimconf_load(struct rimconf *rc, json_t *obj, const char *path,
    struct zs_errbuf *eb)
{
	json_error_t jerr;
	const char *dir = NULL;
	int client = rc->client_configs, r;

	if (json_unpack_ex(obj, &jerr, JSON_STRICT, "{s?s, s?b}",
	    "config_dir", &dir, "client_configs", &client) != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: rimage: %s", path,
		    jerr.text);
	if (dir != NULL && (r = rimconf_dir(rc, dir, path, eb)) != 0)
		return r;
	rc->client_configs = client;
	return 0;
}

int
rimconf_name_valid(const char *name)
{
	size_t n;

	/* No '/' and no leading dot: a name stays inside the directory. */
	if (name[0] == '.')
		return 0;
	for (n = 0; name[n] != '\0'; n++) {
		if (n >= RIMCONF_NAME_MAX)
			return 0;
		if (!((name[n] >= 'a' && name[n] <= 'z') ||
		    (name[n] >= 'A' && name[n] <= 'Z') ||
		    (name[n] >= '0' && name[n] <= '9') ||
		    name[n] == '.' || name[n] == '_' || name[n] == '-'))
			return 0;
	}
	return n > 0;
}

int
rimconf_read(const struct rimconf *rc, const char *name, uint8_t **textp,
    size_t *lenp, struct zs_errbuf *eb)
{
	char *path;
	int r;

	if (!rimconf_name_valid(name))
		return zs_errf(eb, ZS_ERR_INVALID, "rimage config \"%.64s\": "
		    "a name is 1-%d of A-Z a-z 0-9 . _ - not starting with a "
		    "dot", name, RIMCONF_NAME_MAX);
	if (rc == NULL || rc->dir == NULL)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage config \"%s\": "
		    "this server holds no rimage configs", name);
	path = xasprintf("%s/%s.toml", rc->dir, name);
	r = zs_file_read(path, RIMCONF_FILE_MAX, textp, lenp);
	free(path);
	if (r == ZS_ERR_NOT_FOUND)
		return zs_errf(eb, r, "rimage config \"%s\": the server has "
		    "no such config", name);
	if (r == ZS_ERR_TOO_LARGE)
		return zs_errf(eb, r, "rimage config \"%s\": larger than %u "
		    "bytes", name, RIMCONF_FILE_MAX);
	if (r != 0)
		/* The server's fault, not the client's: no path in replies. */
		return zs_errf(eb, r == ZS_ERR_INVALID ? ZS_ERR_IO : r,
		    "rimage config \"%s\": cannot be read", name);
	return 0;
}

int
rimconf_resolve_files(const struct rimconf *rc, const char *tool,
    const struct engine_file *refs, size_t n, struct fileset *files,
    struct zs_errbuf *eb)
{
	static const size_t plen = sizeof(RIMCONF_PREFIX) - 1;
	const uint8_t *d;
	uint8_t *text;
	size_t i, dl, len;
	int r;

	/* Refuse the request as a whole before reading anything. */
	for (i = 0; i < n; i++) {
		if (refs[i].kind != ENGINE_FILE_CONFIG)
			continue;
		if (strncmp(refs[i].name, RIMCONF_PREFIX, plen) != 0) {
			if (rc != NULL && !rc->client_configs)
				return zs_errf(eb, ZS_ERR_DENIED, "this server "
				    "does not accept uploaded %s configs: "
				    "name one it holds with -c %sNAME", tool,
				    RIMCONF_PREFIX);
		} else if (fileset_get(files, refs[i].name, &d, &dl) == 0)
			return zs_errf(eb, ZS_ERR_INVALID, "files: \"%.64s\" "
			    "names a config of the server; it is not uploaded",
			    refs[i].name);
	}
	for (i = 0; i < n; i++) {
		if (refs[i].kind != ENGINE_FILE_CONFIG ||
		    strncmp(refs[i].name, RIMCONF_PREFIX, plen) != 0)
			continue;
		if ((r = rimconf_read(rc, refs[i].name + plen, &text, &len,
		    eb)) != 0)
			return r;
		if ((r = fileset_add_owned(files, refs[i].name, text,
		    len)) != 0)
			return zs_errf(eb, r, "%s config \"%.64s\": %s", tool,
			    refs[i].name, zs_strerror(r));
	}
	return 0;
}

int
rimconf_resolve(const struct rimconf *rc, const struct rimage_args *args,
    struct fileset *files, struct zs_errbuf *eb)
{
	struct engine_file refs[RIMAGE_ARGS_MAX];
	size_t n;

	n = engine_rimage.files(args, refs, RIMAGE_ARGS_MAX);
	return rimconf_resolve_files(rc, engine_rimage.name, refs,
	    n < RIMAGE_ARGS_MAX ? n : RIMAGE_ARGS_MAX, files, eb);
}

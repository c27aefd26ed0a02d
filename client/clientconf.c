/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client's configuration files (JSON, jansson's strict parse): the
 * server and TLS or token credentials, so that a build that runs the
 * client through a fixed command line (imgtool.py under Zephyr's CMake)
 * needs no options or environment of its own.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/clientconf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"

/* Each member: where it goes, and whether it names a file. */
static const struct {
	const char	*name;
	size_t		 off;	/* in struct tlsopts; unused for server */
	int		 path;
} clientconf_members[] = {
	{ "server",	0,					0 },
	{ "cacert",	offsetof(struct tlsopts, cacert),	1 },
	{ "cert",	offsetof(struct tlsopts, cert),		1 },
	{ "cert_key",	offsetof(struct tlsopts, cert_key),	1 },
	{ "token_file",	offsetof(struct tlsopts, token_file),	1 },
};

#define CLIENTCONF_N	(sizeof(clientconf_members) / \
	sizeof(clientconf_members[0]))

/* Check one file's members; make relative file names absolute. */
static int
clientconf_check(json_t *root, const char *path, struct zs_errbuf *eb)
{
	char abs[CLIENTCONF_PATH_MAX];
	const char *k, *s, *slash;
	json_t *v;
	size_t i;
	int n;

	if (!json_is_object(root))
		return zs_errf(eb, ZS_ERR_USAGE, "%s: must be a JSON object",
		    path);
	json_object_foreach(root, k, v) {
		for (i = 0; i < CLIENTCONF_N; i++)
			if (strcmp(k, clientconf_members[i].name) == 0)
				break;
		if (i == CLIENTCONF_N)
			return zs_errf(eb, ZS_ERR_USAGE, "%s: unknown member "
			    "\"%.64s\" (server, cacert, cert, cert_key, "
			    "token_file)", path, k);
		if (!json_is_string(v) || *(s = json_string_value(v)) == '\0')
			return zs_errf(eb, ZS_ERR_USAGE, "%s: \"%s\" must be a "
			    "non-empty string", path, k);
		if (!clientconf_members[i].path || s[0] == '/')
			continue;
		slash = strrchr(path, '/');
		n = snprintf(abs, sizeof(abs), "%.*s/%s", slash != NULL ?
		    (int)(slash - path) : 1, slash != NULL ? path : ".", s);
		if (n < 0 || (size_t)n >= sizeof(abs))
			return zs_errf(eb, ZS_ERR_USAGE, "%s: \"%s\" is too "
			    "long", path, k);
		if (json_string_set(v, abs) != 0)
			return zs_errf(eb, ZS_ERR_USAGE, "%s: \"%s\" is not "
			    "valid UTF-8", path, k);
	}
	return 0;
}

/* Read path into *rootp; a missing file leaves it NULL. */
static int
clientconf_read(const char *path, json_t **rootp, struct zs_errbuf *eb)
{
	json_error_t jerr;
	uint8_t *text = NULL;
	json_t *root;
	size_t len;
	int r;

	if ((r = zs_file_read(path, CLIENTCONF_MAX, &text, &len)) != 0) {
		if (r == ZS_ERR_NOT_FOUND)
			return 0;
		return zs_errf(eb, ZS_ERR_USAGE, "%s: %s", path,
		    r == ZS_ERR_IO ? strerror(errno) : zs_strerror(r));
	}
	root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	free(text);
	if (root == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "%s:%d:%d: %s", path,
		    jerr.line, jerr.column, jerr.text);
	if ((r = clientconf_check(root, path, eb)) != 0) {
		json_decref(root);
		return r;
	}
	*rootp = root;
	return 0;
}

int
clientconf_apply(struct clientconf *cc, const char **serverp,
    struct tlsopts *tls, struct zs_errbuf *eb)
{
	char user[CLIENTCONF_PATH_MAX];
	const char *dir, *home;
	int n;

	user[0] = '\0';
	if ((dir = getenv("XDG_CONFIG_HOME")) != NULL && dir[0] == '/')
		n = snprintf(user, sizeof(user), "%s/%s", dir,
		    CLIENTCONF_USER);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/')
		n = snprintf(user, sizeof(user), "%s/.config/%s", home,
		    CLIENTCONF_USER);
	else
		n = 0;
	if (n < 0 || (size_t)n >= sizeof(user))
		user[0] = '\0';
	return clientconf_load(cc, user[0] != '\0' ? user : NULL,
	    CLIENTCONF_SYSTEM, serverp, tls, eb);
}

int
clientconf_load(struct clientconf *cc, const char *user, const char *sys,
    const char **serverp, struct tlsopts *tls, struct zs_errbuf *eb)
{
	const char *s, **slot;
	size_t f, i;
	int r;

	if ((user != NULL &&
	    (r = clientconf_read(user, &cc->files[0], eb)) != 0) ||
	    (r = clientconf_read(sys, &cc->files[1], eb)) != 0)
		return r;
	for (f = 0; f < 2; f++) {
		for (i = 0; cc->files[f] != NULL && i < CLIENTCONF_N; i++) {
			s = json_string_value(json_object_get(cc->files[f],
			    clientconf_members[i].name));
			slot = i == 0 ? serverp : (const char **)(void *)
			    ((char *)tls + clientconf_members[i].off);
			if (s != NULL && (*slot == NULL || **slot == '\0'))
				*slot = s;
		}
	}
	return 0;
}

void
clientconf_free(struct clientconf *cc)
{
	json_decref(cc->files[0]);
	json_decref(cc->files[1]);
	cc->files[0] = cc->files[1] = NULL;
}

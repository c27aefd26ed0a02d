/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file (JSON, read with jansson, unknown members
 * rejected), command-line overrides, and key loading at start-up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/conf.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

/* The integer settings of "limits" (and "workers"), table-driven. */
struct intsetting {
	const char	*name;
	size_t		 off;
	unsigned int	 min;
	unsigned int	 max;
};

static const struct intsetting limits[] = {
	{ "max_body_bytes", offsetof(struct conf, body_max), 1,
	    CONF_BODY_MAX_LIMIT },
	{ "max_header_bytes", offsetof(struct conf, header_max),
	    CONF_HEADER_MAX_MIN, CONF_HEADER_MAX_LIMIT },
	{ "io_timeout_ms", offsetof(struct conf, io_timeout_ms),
	    CONF_IO_TIMEOUT_MIN, CONF_IO_TIMEOUT_LIMIT },
	{ "request_timeout_ms", offsetof(struct conf, request_timeout_ms),
	    0, CONF_REQUEST_TIMEOUT_LIMIT },
	{ "max_connections", offsetof(struct conf, conns_max), 1,
	    CONF_CONNS_LIMIT },
	{ "max_in_flight", offsetof(struct conf, in_flight_max), 1,
	    CONF_IN_FLIGHT_LIMIT },
	{ "max_in_flight_bytes", offsetof(struct conf, in_flight_bytes_max),
	    1, CONF_IN_FLIGHT_BYTES_LIMIT },
	{ "shutdown_timeout_ms", offsetof(struct conf, shutdown_ms), 0,
	    CONF_SHUTDOWN_LIMIT },
	{ NULL, 0, 0, 0 }
};

static const struct intsetting workers_setting = {
	"workers", offsetof(struct conf, workers), 1, CONF_WORKERS_MAX
};

void
conf_init(struct conf *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->body_max = CONF_BODY_MAX_DEFAULT;
	cfg->header_max = CONF_HEADER_MAX_DEFAULT;
	cfg->io_timeout_ms = CONF_IO_TIMEOUT_DEFAULT;
	cfg->request_timeout_ms = CONF_REQUEST_TIMEOUT_DEFAULT;
	cfg->conns_max = CONF_CONNS_DEFAULT;
	cfg->in_flight_max = CONF_IN_FLIGHT_DEFAULT;
	cfg->in_flight_bytes_max = CONF_IN_FLIGHT_BYTES_DEFAULT;
	cfg->shutdown_ms = CONF_SHUTDOWN_DEFAULT;
	rimconf_init(&cfg->rimage);
}

void
conf_clear_listen(struct conf *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisten; i++)
		free(cfg->listen[i]);
	cfg->nlisten = 0;
}

void
conf_free(struct conf *cfg)
{
	size_t i;

	conf_clear_listen(cfg);
	for (i = 0; i < cfg->nkeys; i++) {
		free(cfg->keys[i].name);
		free(cfg->keys[i].path);
		free(cfg->keys[i].passfile);
		free(cfg->keys[i].successor);
	}
	free(cfg->keys);
	cfg->keys = NULL;
	cfg->nkeys = 0;
	json_decref(cfg->root);
	cfg->root = NULL;
	rimconf_free(&cfg->rimage);
}

int
conf_add_listen(struct conf *cfg, const char *spec, struct zs_errbuf *eb)
{
	/* tcp:HOST:PORT is checked by tls.c when it binds. */
	if ((strncmp(spec, "unix:", 5) != 0 || spec[5] != '/') &&
	    strncmp(spec, "tcp:", 4) != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "listener \"%s\": expected "
		    "unix:/ABSOLUTE/PATH or tcp:HOST:PORT", spec);
	if (strlen(spec) > CONF_LISTEN_LEN)
		return zs_errf(eb, ZS_ERR_INVALID, "listener \"%s\": socket "
		    "path longer than %d bytes", spec, CONF_LISTEN_LEN - 5);
	if (cfg->nlisten == CONF_LISTEN_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "more than %d listeners",
		    CONF_LISTEN_MAX);
	cfg->listen[cfg->nlisten++] = xstrdup(spec);
	return 0;
}

int
conf_add_key(struct conf *cfg, const char *name, const char *path,
    const char *passfile, struct zs_errbuf *eb)
{
	struct conf_key *k;
	size_t i;

	if (!proto_keyname_valid(name))
		return zs_errf(eb, ZS_ERR_INVALID, "key name \"%s\": must be "
		    "1-%d of A-Z a-z 0-9 . _ -", name, ZS_KEYNAME_MAX - 1);
	if (*path == '\0')
		return zs_errf(eb, ZS_ERR_INVALID, "key %s: empty path", name);
	for (i = 0; i < cfg->nkeys; i++)
		if (strcmp(cfg->keys[i].name, name) == 0)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "key %s: defined twice", name);
	if (cfg->nkeys == ZS_KEYRING_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "more than %d keys",
		    ZS_KEYRING_MAX);
	cfg->keys = xreallocarray(cfg->keys, cfg->nkeys + 1, sizeof(*k));
	k = &cfg->keys[cfg->nkeys++];
	k->name = xstrdup(name);
	k->path = xstrdup(path);
	k->passfile = passfile != NULL ? xstrdup(passfile) : NULL;
	k->not_before = k->not_after = 0;
	k->successor = NULL;
	return 0;
}

/* A key's "not_before" and "not_after" (RFC 3339), either may be absent. */
static int
key_validity(struct conf_key *k, const char *nb, const char *na,
    struct zs_errbuf *eb)
{
	if (nb != NULL && (zs_parse_rfc3339(nb, &k->not_before) != 0 ||
	    k->not_before == 0))
		return zs_errf(eb, ZS_ERR_INVALID, "key %s: not_before \"%s\" "
		    "is not an RFC 3339 time such as 2027-01-01T00:00:00Z",
		    k->name, nb);
	if (na != NULL && (zs_parse_rfc3339(na, &k->not_after) != 0 ||
	    k->not_after == 0))
		return zs_errf(eb, ZS_ERR_INVALID, "key %s: not_after \"%s\" "
		    "is not an RFC 3339 time such as 2027-01-01T00:00:00Z",
		    k->name, na);
	if (k->not_before != 0 && k->not_after != 0 &&
	    k->not_after <= k->not_before)
		return zs_errf(eb, ZS_ERR_INVALID, "key %s: not_after is not "
		    "later than not_before", k->name);
	return 0;
}

int
conf_split_assign(const char *arg, char **namep, char **valuep,
    struct zs_errbuf *eb)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return zs_errf(eb, ZS_ERR_USAGE, "\"%s\": expected NAME=VALUE",
		    arg);
	*namep = xmalloc((size_t)(eq - arg) + 1);
	memcpy(*namep, arg, (size_t)(eq - arg));
	(*namep)[eq - arg] = '\0';
	*valuep = xstrdup(eq + 1);
	return 0;
}

int
conf_set_passfile(struct conf *cfg, const char *name,
    const char *passfile, struct zs_errbuf *eb)
{
	size_t i;

	for (i = 0; i < cfg->nkeys; i++) {
		if (strcmp(cfg->keys[i].name, name) == 0) {
			free(cfg->keys[i].passfile);
			cfg->keys[i].passfile = xstrdup(passfile);
			return 0;
		}
	}
	return zs_errf(eb, ZS_ERR_NOT_FOUND, "passphrase file for unknown "
	    "key \"%s\" (give -k %s=FILE first)", name, name);
}

static int
int_set(struct conf *cfg, const struct intsetting *s, json_t *v,
    const char *path, struct zs_errbuf *eb)
{
	json_int_t n;

	if (!json_is_integer(v))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %s must be an integer",
		    path, s->name);
	n = json_integer_value(v);
	if (n < (json_int_t)s->min || n > (json_int_t)s->max)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %s must be %u to %u",
		    path, s->name, s->min, s->max);
	*(unsigned int *)(void *)((char *)cfg + s->off) = (unsigned int)n;
	return 0;
}

static int
load_limits(struct conf *cfg, json_t *lim, const char *path,
    struct zs_errbuf *eb)
{
	const char *k;
	json_t *v;
	size_t i;
	int r;

	if (!json_is_object(lim))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: limits must be an "
		    "object", path);
	json_object_foreach(lim, k, v) {
		if (strcmp(k, "per_identity_concurrency") == 0)
			continue;	/* policy.c */
		for (i = 0; limits[i].name != NULL; i++)
			if (strcmp(limits[i].name, k) == 0)
				break;
		if (limits[i].name == NULL)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: unknown member "
			    "\"limits.%s\"", path, k);
		if ((r = int_set(cfg, &limits[i], v, path, eb)) != 0)
			return r;
	}
	return 0;
}

/* A version label: what may follow "@" in a key name. */
static int
key_version_valid(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n < 32 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/*
 * A key's earlier versions ("previous"): each is served as NAME@VERSION,
 * for getpub and verify, and refuses to sign.
 */
static int
key_previous(struct conf *cfg, const char *name, const char *version,
    json_t *prev, const char *path, struct zs_errbuf *eb)
{
	json_error_t jerr;
	const char *ver, *kpath, *pass;
	char *vname;
	json_t *v;
	size_t i;
	int r;

	if (version == NULL || !key_version_valid(version))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: \"previous\" "
		    "needs the current \"version\" (1-31 of A-Z a-z 0-9 . _ -)",
		    path, name);
	if (!json_is_array(prev) || json_array_size(prev) >
	    CONF_KEY_VERSIONS_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: \"previous\" "
		    "must be an array of at most %d versions", path, name,
		    CONF_KEY_VERSIONS_MAX);
	json_array_foreach(prev, i, v) {
		pass = NULL;
		if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:s, s?s}",
		    "version", &ver, "path", &kpath, "passphrase_file",
		    &pass) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: "
			    "previous[%zu]: %s", path, name, i, jerr.text);
		if (!key_version_valid(ver) || strcmp(ver, version) == 0)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: "
			    "previous[%zu]: bad or current version \"%s\"",
			    path, name, i, ver);
		vname = xasprintf("%s@%s", name, ver);
		r = conf_add_key(cfg, vname, kpath, pass, eb);
		free(vname);
		if (r != 0)
			return r;
		cfg->keys[cfg->nkeys - 1].successor = xstrdup(version);
	}
	return 0;
}

static int
load_keys(struct conf *cfg, json_t *keys, const char *path,
    struct zs_errbuf *eb)
{
	json_error_t jerr;
	const char *name, *kpath, *pass, *nb, *na, *ver;
	json_t *v, *sec, *prev;
	size_t i;
	int r;

	if (!json_is_array(keys))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: keys must be an array",
		    path);
	json_array_foreach(keys, i, v) {
		pass = nb = na = ver = NULL;
		prev = NULL;
		/* allow, rules, default, raw_signing, approval: policy.c's. */
		if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:s, s?s, "
		    "s?o, s?o, s?o, s?o, s?o, s?s, s?s, s?s, s?o}", "name",
		    &name, "path", &kpath, "passphrase_file", &pass, "allow",
		    &sec, "rules", &sec, "default", &sec, "raw_signing", &sec,
		    "approval", &sec, "not_before", &nb, "not_after", &na,
		    "version", &ver, "previous", &prev) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: keys[%zu]: %s",
			    path, i, jerr.text);
		/* "@" is kept for the versions "previous" names. */
		if (strchr(name, '@') != NULL)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: keys[%zu]: a key "
			    "name has no \"@\" (earlier versions go in "
			    "\"previous\")", path, i);
		if (ver != NULL && !key_version_valid(ver))
			return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: bad "
			    "version \"%s\"", path, name, ver);
		if ((r = conf_add_key(cfg, name, kpath, pass, eb)) != 0 ||
		    (r = key_validity(&cfg->keys[cfg->nkeys - 1], nb, na,
		    eb)) != 0 || (prev != NULL && (r = key_previous(cfg, name,
		    ver, prev, path, eb)) != 0))
			return r;
	}
	return 0;
}

int
conf_load_file(struct conf *cfg, const char *path, struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *root = NULL, *listen = NULL, *workers = NULL, *keys = NULL;
	json_t *lim = NULL, *rim = NULL, *v, *sec;
	uint8_t *text = NULL;
	size_t len, i;
	int r;

	if ((r = zs_file_read(path, CONF_FILE_MAX, &text, &len)) != 0) {
		zs_errf(eb, r, "%s: cannot read (%s)", path, zs_strerror(r));
		goto out;
	}
	root = json_loadb((const char *)text, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (root == NULL) {
		r = zs_errf(eb, ZS_ERR_INVALID, "%s:%d:%d: %s", path,
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	/* The security members are checked by security.c (docs/SECURITY.md). */
	/* log_level and metrics are runtime.c's. */
	if (json_unpack_ex(root, &jerr, JSON_STRICT, "{s?o, s?o, s?o, s?o, "
	    "s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o, s?o}",
	    "listen", &listen, "workers", &workers, "keys", &keys, "limits",
	    &lim, "tls", &sec, "tokens", &sec, "oidc", &sec, "approvals", &sec,
	    "audit", &sec, "state_file", &sec, "state", &sec, "node", &sec,
	    "socket_mode", &sec, "socket_group", &sec, "log_level", &sec,
	    "metrics", &sec, "rimage", &rim) != 0) {
		r = zs_errf(eb, ZS_ERR_INVALID, "%s: %s", path, jerr.text);
		goto out;
	}
	if (listen != NULL) {
		if (!json_is_array(listen)) {
			r = zs_errf(eb, ZS_ERR_INVALID, "%s: listen must be "
			    "an array of strings", path);
			goto out;
		}
		json_array_foreach(listen, i, v) {
			if (!json_is_string(v)) {
				r = zs_errf(eb, ZS_ERR_INVALID, "%s: listen "
				    "must be an array of strings", path);
				goto out;
			}
			if ((r = conf_add_listen(cfg, json_string_value(v),
			    eb)) != 0)
				goto out;
		}
	}
	if ((workers != NULL &&
	    (r = int_set(cfg, &workers_setting, workers, path, eb)) != 0) ||
	    (keys != NULL && (r = load_keys(cfg, keys, path, eb)) != 0) ||
	    (lim != NULL && (r = load_limits(cfg, lim, path, eb)) != 0) ||
	    (rim != NULL && (r = rimconf_load(&cfg->rimage, rim, path,
	    eb)) != 0))
		goto out;
	json_decref(cfg->root);
	cfg->root = json_incref(root);
	r = 0;
 out:
	json_decref(root);
	free(text);
	return r;
}

void
conf_finish(struct conf *cfg)
{
	long n;

	if (cfg->nlisten == 0)
		cfg->listen[cfg->nlisten++] = xstrdup(CONF_LISTEN_DEFAULT);
	if (cfg->workers == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n < 1 ? 1 : n > CONF_WORKERS_MAX ?
		    CONF_WORKERS_MAX : (unsigned int)n;
	}
}

/*
 * A passphrase file named "credential:NAME" is the systemd credential NAME
 * (LoadCredential=), which lives in $CREDENTIALS_DIRECTORY.
 */
static int
passfile_resolve(const char *key, const char *passfile, char **pathp,
    struct zs_errbuf *eb)
{
	static const char prefix[] = "credential:";
	const char *name, *dir;

	*pathp = NULL;
	if (passfile == NULL || strncmp(passfile, prefix,
	    sizeof(prefix) - 1) != 0)
		return 0;
	name = passfile + sizeof(prefix) - 1;
	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return zs_errf(eb, ZS_ERR_INVALID, "key %s: \"%s\": a "
		    "credential name is a plain file name", key, passfile);
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || *dir == '\0')
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "key %s: \"%s\": "
		    "$CREDENTIALS_DIRECTORY is not set (start zsignd from its "
		    "systemd unit, which passes LoadCredential=)", key,
		    passfile);
	*pathp = xasprintf("%s/%s", dir, name);
	return 0;
}

int
conf_load_keys(const struct conf *cfg, struct keyring **krp,
    struct zs_errbuf *eb)
{
	struct keyring *kr;
	struct zs_key *key;
	struct zs_errbuf kerr;
	char *cred = NULL;
	size_t i;
	int r = 0;

	kr = keyring_new();
	for (i = 0; i < cfg->nkeys; i++) {
		zs_errclear(&kerr);
		if ((r = passfile_resolve(cfg->keys[i].name,
		    cfg->keys[i].passfile, &cred, eb)) != 0)
			goto out;
		r = zs_key_load(cfg->keys[i].name, cfg->keys[i].path,
		    cred != NULL ? cred : cfg->keys[i].passfile, &key, &kerr);
		free(cred);
		cred = NULL;
		if (r != 0) {
			zs_errf(eb, r, "key %s (%s): %s", cfg->keys[i].name,
			    cfg->keys[i].path, kerr.msg[0] != '\0' ? kerr.msg :
			    zs_strerror(r));
			goto out;
		}
		zs_key_set_validity(key, cfg->keys[i].not_before,
		    cfg->keys[i].not_after);
		if (cfg->keys[i].successor != NULL)
			zs_key_set_retired(key, cfg->keys[i].successor);
		if ((r = keyring_add(kr, key)) != 0) {
			zs_key_free(key);
			zs_errf(eb, r, "key %s: cannot be added to the keyring",
			    cfg->keys[i].name);
			goto out;
		}
	}
	*krp = kr;
	kr = NULL;
 out:
	keyring_free(kr);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file (JSON, read with jansson) through one schema
 * table, in the manner of OpenSSH servconf.c's keywords[] and chrony's
 * conf.c: unknown members and values of the wrong type are rejected here,
 * each member has one parser, and the table says what a reload does with
 * it. Also the command-line overrides and key loading.
 */
#include "config.h"

#include <sys/types.h>

#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/acl.h"
#include "daemon/conf.h"
#include "daemon/metrics.h"
#include "state/store.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

/* The JSON types a member may have (bits of conf_member.types). */
#define CONF_T_INT	0x01
#define CONF_T_STR	0x02
#define CONF_T_BOOL	0x04
#define CONF_T_ARRAY	0x08
#define CONF_T_OBJECT	0x10

struct conf_member;

/*
 * A member's parser: v (of one of its types) into obj, the struct conf or
 * the key being read; path names the file in messages.
 */
typedef int	conf_parse_fn(struct conf *cfg, void *obj,
		    const struct conf_member *m, const json_t *v,
		    const char *path, struct zs_errbuf *eb);
/* Does the member hold the same in cur and next (NULL: equal JSON)? */
typedef int	conf_same_fn(const struct conf *cur, const struct conf *next);

/*
 * One member of the file: its name (a section's members are "SECTION.NAME"),
 * the JSON types it may have, its parser, the field the generic parsers
 * fill and their bounds, and what a reload does when it changes. The
 * modules named read the parsed field, never the file.
 */
struct conf_member {
	const char		*name;
	unsigned		 types;
	conf_parse_fn		*parse;
	size_t			 off;		/* obj's field (generic) */
	unsigned long long	 min, max;	/* value or string length */
	enum conf_reload	 reload;
	conf_same_fn		*same;
};

static conf_parse_fn conf_parse_uint, conf_parse_str, conf_parse_bool,
    conf_parse_json, conf_parse_section, conf_parse_listen, conf_parse_keys,
    conf_parse_log_level, conf_parse_metrics_allow, conf_parse_socket_mode,
    conf_parse_socket_group, conf_parse_rimage;
static conf_same_fn conf_same_listen, conf_same_workers;

#define CONF_OFF(f)	offsetof(struct conf, f)
#define CONF_U(name, f, lo, hi) \
	{ name, CONF_T_INT, conf_parse_uint, CONF_OFF(f), lo, hi, \
	    CONF_RELOAD_APPLY, NULL }
#define CONF_S(name, f, reload) \
	{ name, CONF_T_STR, conf_parse_str, CONF_OFF(f), 1, 4096, reload, \
	    NULL }
#define CONF_SECTION(name) \
	{ name, CONF_T_OBJECT, conf_parse_section, 0, 0, 0, \
	    CONF_RELOAD_APPLY, NULL }

/*
 * Every member of zsignd.conf (zsignd.conf(5)); adding a setting is one
 * entry here and its field in struct conf. A section's entry comes before
 * its members.
 */
static const struct conf_member conf_members[] = {
	{ "listen", CONF_T_ARRAY, conf_parse_listen, 0, 0, 0,
	    CONF_RELOAD_RESTART, conf_same_listen },
	{ "workers", CONF_T_INT, conf_parse_uint, CONF_OFF(workers), 1,
	    CONF_WORKERS_MAX, CONF_RELOAD_RESTART, conf_same_workers },
	{ "keys", CONF_T_ARRAY, conf_parse_keys, 0, 0, ZS_KEYRING_MAX,
	    CONF_RELOAD_APPLY, NULL },
	CONF_SECTION("limits"),
	CONF_U("limits.max_body_bytes", body_max, 1, CONF_BODY_MAX_LIMIT),
	CONF_U("limits.max_header_bytes", header_max, CONF_HEADER_MAX_MIN,
	    CONF_HEADER_MAX_LIMIT),
	CONF_U("limits.io_timeout_ms", io_timeout_ms, CONF_IO_TIMEOUT_MIN,
	    CONF_IO_TIMEOUT_LIMIT),
	CONF_U("limits.request_timeout_ms", request_timeout_ms, 0,
	    CONF_REQUEST_TIMEOUT_LIMIT),
	CONF_U("limits.max_connections", conns_max, 1, CONF_CONNS_LIMIT),
	CONF_U("limits.max_in_flight", in_flight_max, 1,
	    CONF_IN_FLIGHT_LIMIT),
	CONF_U("limits.max_in_flight_bytes", in_flight_bytes_max, 1,
	    CONF_IN_FLIGHT_BYTES_LIMIT),
	CONF_U("limits.shutdown_timeout_ms", shutdown_ms, 0,
	    CONF_SHUTDOWN_LIMIT),
	CONF_U("limits.per_identity_concurrency", per_identity, 0,
	    CONF_PER_IDENTITY_LIMIT),
	/* policy.c: bearer tokens {NAME: "sha256:HEX"}; oidc.c: issuers. */
	{ "tokens", CONF_T_OBJECT, conf_parse_json, CONF_OFF(tokens), 0, 0,
	    CONF_RELOAD_APPLY, NULL },
	{ "oidc", CONF_T_ARRAY, conf_parse_json, CONF_OFF(oidc), 0, 0,
	    CONF_RELOAD_APPLY, NULL },
	CONF_SECTION("tls"),
	CONF_S("tls.cert", tls_cert, CONF_RELOAD_RESTART),
	CONF_S("tls.key", tls_key, CONF_RELOAD_RESTART),
	CONF_S("tls.client_ca", tls_client_ca, CONF_RELOAD_RESTART),
	CONF_S("tls.crl", tls_crl, CONF_RELOAD_RESTART),
	CONF_SECTION("audit"),
	CONF_S("audit.path", audit_path, CONF_RELOAD_RESTART),
	CONF_S("audit.key", audit_key, CONF_RELOAD_RESTART),
	CONF_S("state", state, CONF_RELOAD_RESTART),
	/* Imported once into the store: a new one would pass unseen. */
	CONF_S("state_file", state_file, CONF_RELOAD_REFUSE),
	{ "node", CONF_T_STR, conf_parse_str, CONF_OFF(node), 1,
	    STORE_NAME_MAX - 1, CONF_RELOAD_RESTART, NULL },
	CONF_SECTION("approvals"),
	CONF_S("approvals.spool_dir", approvals_spool, CONF_RELOAD_RESTART),
	{ "socket_mode", CONF_T_STR | CONF_T_INT, conf_parse_socket_mode, 0,
	    0, CONF_SOCKET_MODE_MAX, CONF_RELOAD_RESTART, NULL },
	{ "socket_group", CONF_T_STR | CONF_T_INT, conf_parse_socket_group, 0,
	    0, 0, CONF_RELOAD_RESTART, NULL },
	{ "log_level", CONF_T_STR, conf_parse_log_level, 0, 0, 0,
	    CONF_RELOAD_APPLY, NULL },
	CONF_SECTION("metrics"),
	{ "metrics.allow", CONF_T_ARRAY, conf_parse_metrics_allow, 0, 0, 0,
	    CONF_RELOAD_APPLY, NULL },
	{ "rimage", CONF_T_OBJECT, conf_parse_rimage, 0, 0, 0,
	    CONF_RELOAD_APPLY, NULL },
};

/* A key as the file gives it, before conf_add_key() checks it. */
struct conf_keyspec {
	const char	*name;
	const char	*path;
	const char	*passfile;
	const char	*not_before;
	const char	*not_after;
	const char	*version;
	const json_t	*previous;
	const json_t	*allow;
	const json_t	*rules;
	const json_t	*approval;
	int		 is_default;
	int		 raw_signing;
};

#define CONF_KOFF(f)	offsetof(struct conf_keyspec, f)
#define CONF_K(name, types, parse, f) \
	{ name, types, parse, CONF_KOFF(f), 1, 4096, CONF_RELOAD_APPLY, NULL }

/*
 * The members of each "keys" entry. Keys come and go with a reload, so each
 * member is CONF_RELOAD_APPLY: conf_check_reload() compares conf_members[]
 * only.
 */
static const struct conf_member conf_key_members[] = {
	CONF_K("name", CONF_T_STR, conf_parse_str, name),
	CONF_K("path", CONF_T_STR, conf_parse_str, path),
	CONF_K("passphrase_file", CONF_T_STR, conf_parse_str, passfile),
	CONF_K("not_before", CONF_T_STR, conf_parse_str, not_before),
	CONF_K("not_after", CONF_T_STR, conf_parse_str, not_after),
	CONF_K("version", CONF_T_STR, conf_parse_str, version),
	CONF_K("previous", CONF_T_ARRAY, conf_parse_json, previous),
	/* policy.c builds these. */
	CONF_K("allow", CONF_T_OBJECT, conf_parse_json, allow),
	CONF_K("rules", CONF_T_OBJECT, conf_parse_json, rules),
	CONF_K("approval", CONF_T_OBJECT, conf_parse_json, approval),
	CONF_K("default", CONF_T_BOOL, conf_parse_bool, is_default),
	CONF_K("raw_signing", CONF_T_BOOL, conf_parse_bool, raw_signing),
};

/* The "log_level" names, indexed by ZS_LOG_*. */
static const char *const conf_levels[] = {
	[ZS_LOG_ERR] = "error",
	[ZS_LOG_WARN] = "warning",
	[ZS_LOG_INFO] = "info",
	[ZS_LOG_DEBUG] = "debug",
};

#define CONF_NMEMBERS	(sizeof(conf_members) / sizeof(conf_members[0]))
#define CONF_NKEYMEMBERS \
	(sizeof(conf_key_members) / sizeof(conf_key_members[0]))

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
	cfg->log_level = -1;
	cfg->socket_mode = -1;
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
	acl_free(cfg->metrics_acl);
	json_decref(cfg->root);
	rimconf_free(&cfg->rimage);
	conf_init(cfg);
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
	memset(k, 0, sizeof(*k));
	k->name = xstrdup(name);
	k->path = xstrdup(path);
	k->passfile = passfile != NULL ? xstrdup(passfile) : NULL;
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

/* A version label: what may follow "@" in a key name. */
static int
key_version_valid(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n < 32 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* "an integer", "a string or an integer": what types allows, for messages. */
static void
conf_types_text(unsigned types, char *buf, size_t len)
{
	static const struct {
		unsigned	 bit;
		const char	*text;
	} names[] = {
		{ CONF_T_STR, "a string" }, { CONF_T_INT, "an integer" },
		{ CONF_T_BOOL, "a boolean" }, { CONF_T_ARRAY, "an array" },
		{ CONF_T_OBJECT, "an object" },
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && n < len; i++)
		if (types & names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n ? " or " : "", names[i].text);
}

/* The CONF_T_* bit of v's type. */
static unsigned
conf_type_of(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		return CONF_T_INT;
	case JSON_STRING:
		return CONF_T_STR;
	case JSON_TRUE:
	case JSON_FALSE:
		return CONF_T_BOOL;
	case JSON_ARRAY:
		return CONF_T_ARRAY;
	case JSON_OBJECT:
		return CONF_T_OBJECT;
	default:
		return 0;
	}
}

static const struct conf_member *
conf_find(const struct conf_member *tab, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

/*
 * Read the members of object o (whose names are prefix + member) with the
 * table tab into obj: unknown members and values of the wrong type are
 * errors; where names what o is in messages ("", "keys[2]: ").
 */
static int
conf_walk(struct conf *cfg, void *obj, const struct conf_member *tab,
    size_t n, const char *prefix, const json_t *o, const char *where,
    const char *path, struct zs_errbuf *eb)
{
	const struct conf_member *m;
	char name[128], types[96];
	const char *k;
	json_t *v;
	int r;

	json_object_foreach((json_t *)o, k, v) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", prefix, k) >=
		    sizeof(name) || (m = conf_find(tab, n, name)) == NULL)
			return zs_errf(eb, ZS_ERR_INVALID, "%s: %sunknown "
			    "member \"%.64s%.64s\"", path, where, prefix, k);
		if ((conf_type_of(v) & m->types) == 0) {
			conf_types_text(m->types, types, sizeof(types));
			return zs_errf(eb, ZS_ERR_INVALID, "%s: %s%s must be "
			    "%s", path, where, name, types);
		}
		if ((r = m->parse(cfg, obj, m, v, path, eb)) != 0)
			return r;
	}
	return 0;
}

/* A section ("limits"): its members are "limits.NAME" entries. */
static int
conf_parse_section(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s.", m->name);
	return conf_walk(cfg, obj, conf_members, CONF_NMEMBERS, prefix, v, "",
	    path, eb);
}

/* An integer from m->min to m->max into an unsigned int field. */
static int
conf_parse_uint(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	json_int_t n = json_integer_value(v);

	(void)cfg;
	if (n < 0 || (unsigned long long)n < m->min ||
	    (unsigned long long)n > m->max)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %s must be %llu to "
		    "%llu", path, m->name, m->min, m->max);
	*(unsigned int *)(void *)((char *)obj + m->off) = (unsigned int)n;
	return 0;
}

/* A string of m->min to m->max bytes, borrowed from the root. */
static int
conf_parse_str(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	size_t n = json_string_length(v);

	(void)cfg;
	if (n < m->min || n > m->max || strlen(json_string_value(v)) != n)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %s must be a string of "
		    "%llu to %llu bytes", path, m->name, m->min, m->max);
	*(const char **)(void *)((char *)obj + m->off) = json_string_value(v);
	return 0;
}

static int
conf_parse_bool(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	(void)cfg;
	(void)path;
	(void)eb;
	*(int *)(void *)((char *)obj + m->off) = json_is_true(v);
	return 0;
}

/* A value another module reads (its own grammar), borrowed from the root. */
static int
conf_parse_json(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	(void)cfg;
	(void)path;
	(void)eb;
	*(const json_t **)(void *)((char *)obj + m->off) = v;
	return 0;
}

static int
conf_parse_listen(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	json_t *e;
	size_t i;
	int r;

	(void)obj;
	(void)m;
	json_array_foreach((json_t *)v, i, e) {
		if (!json_is_string(e))
			return zs_errf(eb, ZS_ERR_INVALID, "%s: listen must be "
			    "an array of strings", path);
		if ((r = conf_add_listen(cfg, json_string_value(e), eb)) != 0)
			return r;
	}
	return 0;
}

int
conf_log_level(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(conf_levels) / sizeof(conf_levels[0]); i++)
		if (strcmp(name, conf_levels[i]) == 0)
			return (int)i;
	return -1;
}

static int
conf_parse_log_level(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	(void)obj;
	(void)m;
	if ((cfg->log_level = conf_log_level(json_string_value(v))) < 0)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: log_level must be "
		    "\"error\", \"warning\", \"info\" or \"debug\"", path);
	return 0;
}

/* metrics.c reads the entries, with the access-list module. */
static int
conf_parse_metrics_allow(struct conf *cfg, void *obj,
    const struct conf_member *m, const json_t *v, const char *path,
    struct zs_errbuf *eb)
{
	(void)obj;
	(void)m;
	(void)path;
	acl_free(cfg->metrics_acl);
	cfg->metrics_acl = NULL;
	return metrics_acl_new(v, &cfg->metrics_acl, eb);
}

/* "0660" is octal, as chmod(1) reads it; an integer is taken as it is. */
static int
conf_parse_socket_mode(struct conf *cfg, void *obj,
    const struct conf_member *m, const json_t *v, const char *path,
    struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	unsigned long long n = m->max + 1;

	(void)obj;
	if (s != NULL && s[0] == '0' && strspn(s, "01234567") == strlen(s))
		n = strtoull(s, NULL, 8);
	else if (json_is_integer(v) && json_integer_value(v) >= 0)
		n = (unsigned long long)json_integer_value(v);
	if (n > m->max)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: socket_mode must be an "
		    "octal string such as \"0660\"", path);
	cfg->socket_mode = (int)n;
	return 0;
}

/* A group by name or number. */
static int
conf_parse_socket_group(struct conf *cfg, void *obj,
    const struct conf_member *m, const json_t *v, const char *path,
    struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	unsigned long long n;
	struct group *gr;

	(void)obj;
	(void)m;
	if (s != NULL && (gr = getgrnam(s)) != NULL)
		cfg->socket_gid = gr->gr_gid;
	else if (s != NULL && zs_parse_uint(s, (gid_t)-2, &n) == 0)
		cfg->socket_gid = (gid_t)n;
	else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= (json_int_t)(gid_t)-2)
		cfg->socket_gid = (gid_t)json_integer_value(v);
	else
		return zs_errf(eb, ZS_ERR_INVALID, "%s: socket_group: no such "
		    "group", path);
	cfg->have_socket_gid = 1;
	return 0;
}

/* rimconf.c reads "rimage" ({"config_dir", "client_configs"}). */
static int
conf_parse_rimage(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	(void)obj;
	(void)m;
	return rimconf_load(&cfg->rimage, (json_t *)v, path, eb);
}

/*
 * A key's earlier versions ("previous"): each is served as NAME@VERSION,
 * for getpub and verify, and refuses to sign.
 */
static int
key_previous(struct conf *cfg, const char *name, const char *version,
    const json_t *prev, const char *path, struct zs_errbuf *eb)
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
	if (json_array_size(prev) > CONF_KEY_VERSIONS_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: \"previous\" "
		    "must be an array of at most %d versions", path, name,
		    CONF_KEY_VERSIONS_MAX);
	json_array_foreach((json_t *)prev, i, v) {
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

/* One entry of "keys", read with conf_key_members[]. */
static int
conf_parse_key(struct conf *cfg, const json_t *o, size_t i, const char *path,
    struct zs_errbuf *eb)
{
	struct conf_keyspec ks;
	struct conf_key *k;
	char where[32];
	int r;

	memset(&ks, 0, sizeof(ks));
	snprintf(where, sizeof(where), "keys[%zu]: ", i);
	if (!json_is_object(o))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %smust be an object",
		    path, where);
	if ((r = conf_walk(cfg, &ks, conf_key_members, CONF_NKEYMEMBERS, "",
	    o, where, path, eb)) != 0)
		return r;
	if (ks.name == NULL || ks.path == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %sneeds a \"name\" and "
		    "a \"path\"", path, where);
	/* "@" is kept for the versions "previous" names. */
	if (strchr(ks.name, '@') != NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %sa key name has no "
		    "\"@\" (earlier versions go in \"previous\")", path, where);
	if (ks.version != NULL && !key_version_valid(ks.version))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: key %s: bad version "
		    "\"%s\"", path, ks.name, ks.version);
	if ((r = conf_add_key(cfg, ks.name, ks.path, ks.passfile, eb)) != 0)
		return r;
	k = &cfg->keys[cfg->nkeys - 1];
	k->allow = ks.allow;
	k->rules = ks.rules;
	k->approval = ks.approval;
	k->is_default = ks.is_default;
	k->raw_signing = ks.raw_signing;
	if ((r = key_validity(k, ks.not_before, ks.not_after, eb)) != 0)
		return r;
	if (ks.previous != NULL && (r = key_previous(cfg, ks.name, ks.version,
	    ks.previous, path, eb)) != 0)
		return r;
	return 0;
}

static int
conf_parse_keys(struct conf *cfg, void *obj, const struct conf_member *m,
    const json_t *v, const char *path, struct zs_errbuf *eb)
{
	const json_t *o;
	size_t i;
	int r;

	(void)obj;
	if (json_array_size(v) > m->max)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: keys: more than %llu "
		    "keys", path, m->max);
	json_array_foreach((json_t *)v, i, o)
		if ((r = conf_parse_key(cfg, o, i, path, eb)) != 0)
			return r;
	return 0;
}

int
conf_load_json(struct conf *cfg, json_t *root, const char *path,
    struct zs_errbuf *eb)
{
	if (!json_is_object(root))
		return zs_errf(eb, ZS_ERR_INVALID, "%s: the configuration must "
		    "be a JSON object", path);
	/* What the parsers borrow lives as long as cfg. */
	json_decref(cfg->root);
	cfg->root = json_incref(root);
	return conf_walk(cfg, cfg, conf_members, CONF_NMEMBERS, "", root, "",
	    path, eb);
}

int
conf_load_file(struct conf *cfg, const char *path, struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *root = NULL;
	uint8_t *text = NULL;
	size_t len;
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
	r = conf_load_json(cfg, root, path, eb);
 out:
	json_decref(root);
	free(text);
	return r;
}

/* The value of member name ("limits.max_body_bytes") in root, or NULL. */
static const json_t *
conf_value(const json_t *root, const char *name)
{
	const char *dot = strchr(name, '.');
	char section[64];

	if (root == NULL)
		return NULL;
	if (dot == NULL)
		return json_object_get(root, name);
	snprintf(section, sizeof(section), "%.*s", (int)(dot - name), name);
	return json_object_get(json_object_get(root, section), dot + 1);
}

static int
conf_same_listen(const struct conf *cur, const struct conf *next)
{
	size_t i;

	if (cur->nlisten != next->nlisten)
		return 0;
	for (i = 0; i < cur->nlisten; i++)
		if (strcmp(cur->listen[i], next->listen[i]) != 0)
			return 0;
	return 1;
}

static int
conf_same_workers(const struct conf *cur, const struct conf *next)
{
	return cur->workers == next->workers;
}

int
conf_member_reload(const char *name)
{
	const struct conf_member *m;

	m = conf_find(conf_members, CONF_NMEMBERS, name);
	return m != NULL ? (int)m->reload : -1;
}

int
conf_check_reload(const struct conf *cur, const struct conf *next,
    const char **restartv, size_t max, size_t *nrestartp,
    struct zs_errbuf *eb)
{
	const struct conf_member *m;
	const json_t *a, *b;
	size_t i, n = 0;
	int same;

	for (i = 0; i < CONF_NMEMBERS; i++) {
		m = &conf_members[i];
		if (m->reload == CONF_RELOAD_APPLY)
			continue;
		if (m->same != NULL)
			same = m->same(cur, next);
		else {
			a = conf_value(cur->root, m->name);
			b = conf_value(next->root, m->name);
			same = a == NULL || b == NULL ? a == b :
			    json_equal((json_t *)a, (json_t *)b);
		}
		if (same)
			continue;
		if (m->reload == CONF_RELOAD_REFUSE)
			return zs_errf(eb, ZS_ERR_INVALID, "\"%s\" changed: "
			    "that takes a restart (systemctl restart zsignd)",
			    m->name);
		if (n < max)
			restartv[n] = m->name;
		n++;
	}
	*nrestartp = n;
	return 0;
}

void
conf_finish(struct conf *cfg)
{
	struct zs_errbuf eb;
	long n;

	if (cfg->nlisten == 0)
		cfg->listen[cfg->nlisten++] = xstrdup(CONF_LISTEN_DEFAULT);
	if (cfg->workers == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		cfg->workers = n < 1 ? 1 : n > CONF_WORKERS_MAX ?
		    CONF_WORKERS_MAX : (unsigned int)n;
	}
	/* The default: whoever may reach the Unix socket. */
	if (cfg->metrics_acl == NULL &&
	    metrics_acl_new(NULL, &cfg->metrics_acl, &eb) != 0)
		fatalx("metrics: %s", eb.msg);
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

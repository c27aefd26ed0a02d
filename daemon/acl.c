/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access lists: parsing entries into typed values, and matching an
 * identity against them, with one table of identity kinds (acl_kinds[])
 * and so one set of rules for every list.
 */
#include "config.h"

#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/acl.h"
#include "daemon/oidc.h"
#include "daemon/policy.h"

/* Longest name of an entry, NUL included: an OIDC "CLAIM:GLOB" pattern. */
#define ACL_NAME_MAX	(OIDC_CLAIM_NAME_MAX + OIDC_CLAIM_VALUE_MAX)

struct acl_entry {
	enum acl_kind	 kind;
	int		 certtype;		/* acl_certtypes[] index, -1 */
	unsigned long	 id;			/* uid or gid */
	char		 name[ACL_NAME_MAX];	/* cert, token, OIDC pattern */
};

struct acl {
	struct acl_entry	*entries;
	size_t			 n;
};

/*
 * Certificate name types: the entry prefix, the identity's name type it
 * matches, and whether case is ignored (DNS names are case-insensitive;
 * email addresses and URIs are compared exactly, so that a typed entry
 * matches no more than it says).
 */
static const struct {
	const char	*prefix;
	int		 type;		/* enum policy_certname */
	int		 nocase;
} acl_certtypes[] = {
	{ "cn:", POLICY_CERTNAME_CN, 1 },
	{ "dns:", POLICY_CERTNAME_DNS, 1 },
	{ "email:", POLICY_CERTNAME_EMAIL, 0 },
	{ "uri:", POLICY_CERTNAME_URI, 0 },
};

static int	acl_parse_id(struct acl_entry *, const char *,
		    unsigned long long, int);
static int	acl_parse_cert(struct acl_entry *, const char *,
		    unsigned long long, int);
static int	acl_parse_name(struct acl_entry *, const char *,
		    unsigned long long, int);
static int	acl_parse_oidc(struct acl_entry *, const char *,
		    unsigned long long, int);
static int	acl_match_any(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_unix(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_uid(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_gid(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_cert(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_token(const struct acl_entry *,
		    const struct policy_identity *);
static int	acl_match_oidc(const struct acl_entry *,
		    const struct policy_identity *);

/*
 * The identity kinds, one row each: the entry prefix of metrics.allow
 * ("uid:1000"), the member of a key's allow object whose entries are of
 * this kind ("uids": [1000]), how a value is read and how an identity
 * matches it. Adding a kind of identity is one row here.
 */
static const struct acl_kind_def {
	const char	*prefix;	/* "KIND:" or a bare word */
	const char	*list;		/* in a key's "allow", NULL: none */
	int		(*parse)(struct acl_entry *, const char *,
			    unsigned long long, int);	/* NULL: no value */
	int		(*match)(const struct acl_entry *,
			    const struct policy_identity *);
	const char	*what;		/* for "no such ..." messages */
} acl_kinds[] = {
	[ACL_ANY] = { "any", NULL, NULL, acl_match_any, NULL },
	[ACL_UNIX] = { "unix", NULL, NULL, acl_match_unix, NULL },
	[ACL_UID] = { "uid:", "uids", acl_parse_id, acl_match_uid, "user" },
	[ACL_GID] = { "gid:", "groups", acl_parse_id, acl_match_gid,
	    "group" },
	[ACL_CERT] = { "cert:", "certs", acl_parse_cert, acl_match_cert,
	    NULL },
	[ACL_TOKEN] = { "token:", "tokens", acl_parse_name, acl_match_token,
	    NULL },
	[ACL_OIDC] = { "oidc:", "oidc", acl_parse_oidc, acl_match_oidc,
	    NULL },
};

#define ACL_NKINDS	(sizeof(acl_kinds) / sizeof(acl_kinds[0]))

struct acl *
acl_new(void)
{
	return xcalloc(1, sizeof(struct acl));
}

void
acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->entries);
	free(a);
}

size_t
acl_count(const struct acl *a)
{
	return a->n;
}

int
acl_list_kind(const char *list, enum acl_kind *kindp)
{
	size_t i;

	for (i = 0; i < ACL_NKINDS; i++)
		if (acl_kinds[i].list != NULL &&
		    strcmp(acl_kinds[i].list, list) == 0) {
			*kindp = (enum acl_kind)i;
			return 0;
		}
	return ZS_ERR_NOT_FOUND;
}

void
acl_list_names(char *buf, size_t len)
{
	size_t i, n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < ACL_NKINDS; i++) {
		if (acl_kinds[i].list == NULL || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
		    acl_kinds[i].list);
	}
}

/* A user or group by number or name into e->id. */
static int
acl_parse_id(struct acl_entry *e, const char *s, unsigned long long num,
    int isnum)
{
	unsigned long long n = num;
	struct passwd *pw;
	struct group *gr;

	if (!isnum && s[0] >= '0' && s[0] <= '9') {
		if (zs_parse_uint(s, (uid_t)-2, &n) != 0)
			return ZS_ERR_INVALID;
		isnum = 1;
	}
	if (isnum) {
		if (n > (uid_t)-2)
			return ZS_ERR_INVALID;
		e->id = (unsigned long)n;
		return 0;
	}
	if (*s == '\0')
		return ZS_ERR_INVALID;
	if (e->kind == ACL_UID && (pw = getpwnam(s)) != NULL) {
		e->id = (unsigned long)pw->pw_uid;
		return 0;
	}
	if (e->kind == ACL_GID && (gr = getgrnam(s)) != NULL) {
		e->id = (unsigned long)gr->gr_gid;
		return 0;
	}
	return ZS_ERR_NOT_FOUND;
}

/* A token's name, or the rest of a certificate entry. */
static int
acl_parse_name(struct acl_entry *e, const char *s, unsigned long long num,
    int isnum)
{
	(void)num;
	if (isnum || *s == '\0' || strlen(s) >= POLICY_NAME_MAX)
		return ZS_ERR_INVALID;
	memcpy(e->name, s, strlen(s) + 1);
	return 0;
}

/* "[cn:|dns:|email:|uri:]NAME": the type, when given, then the name. */
static int
acl_parse_cert(struct acl_entry *e, const char *s, unsigned long long num,
    int isnum)
{
	size_t i, n;

	e->certtype = -1;
	if (isnum)
		return ZS_ERR_INVALID;
	for (i = 0; i < sizeof(acl_certtypes) / sizeof(acl_certtypes[0]);
	    i++) {
		n = strlen(acl_certtypes[i].prefix);
		if (strncasecmp(s, acl_certtypes[i].prefix, n) == 0) {
			e->certtype = (int)i;
			s += n;
			break;
		}
	}
	return acl_parse_name(e, s, num, isnum);
}

/* "CLAIM:GLOB", as oidc.c matches it against a token's claims. */
static int
acl_parse_oidc(struct acl_entry *e, const char *s, unsigned long long num,
    int isnum)
{
	(void)num;
	if (isnum || strlen(s) >= sizeof(e->name) || !oidc_pattern_valid(s))
		return ZS_ERR_INVALID;
	memcpy(e->name, s, strlen(s) + 1);
	return 0;
}

/* Parse the value of an entry of kind into a new entry of a. */
static int
acl_push(struct acl *a, enum acl_kind kind, const char *s,
    unsigned long long num, int isnum)
{
	struct acl_entry e;
	int r;

	if ((size_t)kind >= ACL_NKINDS)
		return ZS_ERR_INVALID;
	if (a->n == ACL_ENTRIES_MAX)
		return ZS_ERR_TOO_LARGE;
	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.certtype = -1;
	if (acl_kinds[kind].parse == NULL) {
		if (isnum || (s != NULL && *s != '\0'))
			return ZS_ERR_INVALID;
	} else if ((r = acl_kinds[kind].parse(&e, s, num, isnum)) != 0)
		return r;
	a->entries = xreallocarray(a->entries, a->n + 1, sizeof(e));
	a->entries[a->n++] = e;
	return 0;
}

int
acl_add(struct acl *a, const char *entry, struct zs_errbuf *eb)
{
	const struct acl_kind_def *k;
	size_t i, plen;
	int r;

	for (i = 0; i < ACL_NKINDS; i++) {
		k = &acl_kinds[i];
		plen = strlen(k->prefix);
		if (strncmp(entry, k->prefix, plen) != 0)
			continue;
		r = acl_push(a, (enum acl_kind)i, entry + plen, 0, 0);
		if (r == 0)
			return 0;
		if (r == ZS_ERR_NOT_FOUND)
			return zs_errf(eb, ZS_ERR_INVALID, "\"%s\": no such %s",
			    entry, k->what);
		if (r == ZS_ERR_TOO_LARGE)
			return zs_errf(eb, ZS_ERR_INVALID, "more than %d "
			    "entries", ACL_ENTRIES_MAX);
		break;
	}
	return zs_errf(eb, ZS_ERR_INVALID, "\"%s\": want unix, any, "
	    "uid:USER, gid:GROUP, cert:[cn:|dns:|email:|uri:]NAME, "
	    "token:NAME or oidc:CLAIM:GLOB", entry);
}

int
acl_add_kind(struct acl *a, enum acl_kind kind, const json_t *v,
    struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	json_int_t n;
	int r;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		r = n < 0 ? ZS_ERR_INVALID :
		    acl_push(a, kind, NULL, (unsigned long long)n, 1);
	} else if (s != NULL)
		r = acl_push(a, kind, s, 0, 0);
	else
		r = ZS_ERR_INVALID;
	if (r == ZS_ERR_TOO_LARGE)
		return zs_errf(eb, ZS_ERR_INVALID, "more than %d entries",
		    ACL_ENTRIES_MAX);
	if (r != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "unknown or malformed "
		    "entry %s%s%s", s ? "\"" : "", s ? s : "(not a name)",
		    s ? "\"" : "");
	return 0;
}

static int
acl_match_any(const struct acl_entry *e, const struct policy_identity *id)
{
	(void)e;
	(void)id;
	return 1;
}

static int
acl_match_unix(const struct acl_entry *e, const struct policy_identity *id)
{
	(void)e;
	return id->auth == POLICY_AUTH_UNIX;
}

static int
acl_match_uid(const struct acl_entry *e, const struct policy_identity *id)
{
	return id->auth == POLICY_AUTH_UNIX && (unsigned long)id->uid == e->id;
}

/* Is the Unix peer in group e->id (primary or supplementary)? */
static int
acl_match_gid(const struct acl_entry *e, const struct policy_identity *id)
{
	size_t i;

	if (id->auth != POLICY_AUTH_UNIX)
		return 0;
	if ((unsigned long)id->gid == e->id)
		return 1;
	for (i = 0; i < id->ngroups && i < POLICY_GROUPS_MAX; i++)
		if ((unsigned long)id->groups[i] == e->id)
			return 1;
	return 0;
}

/* Does one of id's certificate names match a certificate entry? */
static int
acl_match_cert(const struct acl_entry *e, const struct policy_identity *id)
{
	size_t i;
	int type, nocase;

	if (id->auth != POLICY_AUTH_CERT)
		return 0;
	for (i = 0; i < id->ncertnames && i < POLICY_CERTNAMES_MAX; i++) {
		type = id->certtypes[i];
		if (e->certtype < 0) {
			/* Untyped: a CN or DNS name, as the name of a host. */
			if (type != POLICY_CERTNAME_CN &&
			    type != POLICY_CERTNAME_DNS)
				continue;
			nocase = 1;
		} else {
			if (acl_certtypes[e->certtype].type != type)
				continue;
			nocase = acl_certtypes[e->certtype].nocase;
		}
		if ((nocase ? strcasecmp(e->name, id->certnames[i]) :
		    strcmp(e->name, id->certnames[i])) == 0)
			return 1;
	}
	return 0;
}

/* Token names are the configuration's own: compared exactly. */
static int
acl_match_token(const struct acl_entry *e, const struct policy_identity *id)
{
	return id->auth == POLICY_AUTH_TOKEN && strcmp(id->token, e->name) == 0;
}

static int
acl_match_oidc(const struct acl_entry *e, const struct policy_identity *id)
{
	return id->auth == POLICY_AUTH_OIDC &&
	    oidc_pattern_match(e->name, &id->oidc);
}

int
acl_allows(const struct acl *a, const struct policy_identity *id)
{
	size_t i;

	if (a == NULL || id->auth == POLICY_AUTH_NONE)
		return 0;
	for (i = 0; i < a->n; i++)
		if (acl_kinds[a->entries[i].kind].match(&a->entries[i], id))
			return 1;
	return 0;
}

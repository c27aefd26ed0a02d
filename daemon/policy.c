/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Authentication and authorization of signing requests. The policy is
 * built once from the configuration; its mutable parts (per-hour counters,
 * concurrency slots, anti-rollback marks) sit behind one mutex because
 * requests are decided on the event loop and finished on workers.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/acl.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "keystore/keystore.h"
#include "lib/engine.h"

/* Most bearer tokens a configuration may list. */
#define POLICY_TOKENS_MAX	1024
/* Most entries of one allow list. */
#define POLICY_ALLOW_MAX	1024
/* Most approvals one key may require. */
#define POLICY_APPROVALS_MAX	16
/* Default and largest time a held request waits for approvals, seconds. */
#define POLICY_APPROVAL_TIMEOUT_DEFAULT	3600
#define POLICY_APPROVAL_TIMEOUT_MAX	(7 * 24 * 3600)
/* Highest max_per_hour accepted (keeps the counters 32-bit). */
#define POLICY_RATE_MAX		1000000
/* Identities holding concurrency slots at once. */
#define POLICY_CONC_ENTRIES_MAX	4096
/* imgtool's defaults for the trailer (image.py). */
#define POLICY_DEFAULT_MAX_SECTORS	128
#define POLICY_DEFAULT_MAX_ALIGN	8

/* A key's "tools": bit i is engine i (lib/engine.h), this one raw-sign. */
#define POLICY_TOOL_RAW_BIT	ENGINE_MAX

struct policy_token {
	char		name[POLICY_NAME_MAX];
	uint8_t		hash[32];
};

struct policy_allow {
	int		present;	/* "allow" given: lists restrict */
	int		anyone;		/* no identity list: tools only */
	unsigned	tools;		/* bit per policy_tool; 0 = all */
	struct acl	*who;		/* the identity lists (daemon/acl.h) */
};

struct policy_slotfit {
	uint64_t	slot_size;	/* 0: no check */
	uint32_t	align;
	uint32_t	max_align;
	uint32_t	max_sectors;
	int		overwrite_only;
};

struct policy_key {
	char			name[ZS_KEYNAME_MAX + 1];
	int			is_default;
	int			raw_signing;	/* may sign bare data */
	struct policy_allow	allow;
	int			anti_rollback;
	int			security_counter;
	char			image_class[POLICY_NAME_MAX];	/* "": none */
	struct policy_slotfit	slot;
	unsigned		max_per_hour;	/* 0: unlimited */
	unsigned		approvals;	/* required; 0: none */
	unsigned		approval_timeout;	/* seconds */
	struct policy_allow	approvers;
	json_t			*approvers_json;	/* as configured */
};

struct policy_conc {
	char		ident[POLICY_NAME_MAX];
	unsigned	n;
};

/*
 * What outlives a configuration generation: the requests in flight per
 * identity. A reload's policy shares its predecessor's, so requests that
 * began under the old one are still counted (marks and per-hour counts
 * live in the state store, daemon/security.c).
 */
struct policy_mem {
	pthread_mutex_t		 mtx;		/* guards what follows */
	unsigned		 refs;		/* policies sharing it */
	size_t			 nconc;
	struct policy_conc	*conc;
};

struct policy {
	size_t			 ntokens;
	struct policy_token	*tokens;
	struct oidc		*oidc;		/* NULL: no issuer trusted */
	size_t			 nkeys;
	struct policy_key	*keys;
	unsigned		 per_identity;	/* concurrency cap, 0: none */
	struct policy_mem	*mem;
};

static int
policy_valid_name(const char *s, size_t max)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) >= max)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    strchr("._-@", s[i]) == NULL)
			return 0;
	return 1;
}

/* A count or size: a JSON integer or an integer literal string. */
static int
policy_json_uint(const json_t *v, unsigned long long max,
    unsigned long long *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 ||
		    (unsigned long long)json_integer_value(v) > max)
			return ZS_ERR_INVALID;
		*out = (unsigned long long)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v))
		return zs_parse_uint(json_string_value(v), max, out);
	return ZS_ERR_INVALID;
}

static int
policy_parse_tokens(struct policy *p, const json_t *o, struct zs_errbuf *eb)
{
	const char *name, *h;
	json_t *v;
	size_t i;
	uint8_t *bin;
	int hi, lo;

	if (o == NULL)
		return 0;
	if (!json_is_object(o) || json_object_size(o) > POLICY_TOKENS_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "\"tokens\" must be an "
		    "object of at most %d name: \"sha256:<hex>\" members",
		    POLICY_TOKENS_MAX);
	p->tokens = xcalloc(json_object_size(o), sizeof(*p->tokens));
	json_object_foreach((json_t *)o, name, v) {
		if (!policy_valid_name(name, POLICY_NAME_MAX - 8))
			return zs_errf(eb, ZS_ERR_INVALID, "token name \"%s\" "
			    "is not [A-Za-z0-9._@-]+", name);
		h = json_string_value(v);
		if (h == NULL || strncmp(h, "sha256:", 7) != 0 ||
		    strlen(h) != 7 + 64)
			return zs_errf(eb, ZS_ERR_INVALID, "token \"%s\": "
			    "want \"sha256:<64 hex digits>\" (zsignd "
			    "--hash-token)", name);
		bin = p->tokens[p->ntokens].hash;
		for (i = 0; i < 32; i++) {
			hi = OPENSSL_hexchar2int((unsigned char)h[7 + 2 * i]);
			lo = OPENSSL_hexchar2int((unsigned char)h[8 + 2 * i]);
			if (hi < 0 || lo < 0)
				return zs_errf(eb, ZS_ERR_INVALID, "token "
				    "\"%s\": bad hex digit", name);
			bin[i] = (uint8_t)(hi << 4 | lo);
		}
		strncpy(p->tokens[p->ntokens].name, name, POLICY_NAME_MAX - 1);
		p->ntokens++;
	}
	return 0;
}

static const struct policy_token *
policy_find_token(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ntokens; i++)
		if (strcmp(p->tokens[i].name, name) == 0)
			return &p->tokens[i];
	return NULL;
}

static int
policy_tool_index(const char *name)
{
	if (strcmp(name, POLICY_TOOL_RAW_NAME) == 0)
		return POLICY_TOOL_RAW_BIT;
	return engine_index(engine_find(name));
}

/* An allow entry (s: NULL when not a string) that names nothing known. */
static int
policy_bad_entry(const char *key, const char *s, struct zs_errbuf *eb)
{
	return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": allow: unknown or "
	    "malformed entry %s%s%s", key, s ? "\"" : "",
	    s ? s : "(not a name)", s ? "\"" : "");
}

/* The "tools" list of "allow": bits of a->tools. */
static int
policy_parse_tools(struct policy_allow *a, const json_t *list,
    const char *key, struct zs_errbuf *eb)
{
	const json_t *v;
	const char *s;
	size_t i;
	int t;

	json_array_foreach((json_t *)list, i, v) {
		if ((s = json_string_value(v)) == NULL ||
		    (t = policy_tool_index(s)) < 0)
			return policy_bad_entry(key, s, eb);
		a->tools |= 1u << t;
	}
	return 0;
}

static int
policy_parse_allow(struct policy *p, struct policy_key *k,
    struct policy_allow *a, const json_t *o, struct zs_errbuf *eb)
{
	struct zs_errbuf aeb;
	enum acl_kind kind;
	char names[80];
	const char *name, *s;
	json_t *list, *v;
	size_t j;
	int r;

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": \"allow\" "
		    "must be an object", k->name);
	a->present = 1;
	a->anyone = 1;
	if (a->who == NULL)
		a->who = acl_new();
	json_object_foreach((json_t *)o, name, list) {
		if (!json_is_array(list) ||
		    json_array_size(list) > POLICY_ALLOW_MAX)
			return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": "
			    "allow.%s must be an array of at most %d entries",
			    k->name, name, POLICY_ALLOW_MAX);
		if (strcmp(name, "tools") == 0) {
			if ((r = policy_parse_tools(a, list, k->name, eb)) != 0)
				return r;
			continue;
		}
		if (acl_list_kind(name, &kind) != 0) {
			acl_list_names(names, sizeof(names));
			return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": allow: "
			    "unknown member \"%s\" (%s, tools)", k->name, name,
			    names);
		}
		a->anyone = 0;
		json_array_foreach(list, j, v) {
			/* A token must be one the configuration defines. */
			s = json_string_value(v);
			if (kind == ACL_TOKEN &&
			    (s == NULL || policy_find_token(p, s) == NULL))
				return policy_bad_entry(k->name, s, eb);
			if ((r = acl_add_kind(a->who, kind, v, &aeb)) != 0)
				return zs_errf(eb, r, "key \"%s\": allow: %s",
				    k->name, aeb.msg);
		}
	}
	return 0;
}

static int
policy_parse_slotfit(struct policy_key *k, const json_t *o,
    struct zs_errbuf *eb)
{
	static const struct {
		const char		*name;
		unsigned long long	 max;
		size_t			 off;
		int			 wide;
	} fields[] = {
		{ "slot_size", UINT32_MAX,
		    offsetof(struct policy_slotfit, slot_size), 1 },
		{ "align", 32, offsetof(struct policy_slotfit, align), 0 },
		{ "max_align", 32, offsetof(struct policy_slotfit, max_align), 0 },
		{ "max_sectors", 65536,
		    offsetof(struct policy_slotfit, max_sectors), 0 },
	};
	struct policy_slotfit *s = &k->slot;
	unsigned long long n;
	const char *name;
	json_t *v;
	size_t i;

	s->align = 1;
	s->max_sectors = POLICY_DEFAULT_MAX_SECTORS;
	if (!json_is_object(o))
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": slot_fit must "
		    "be an object {\"slot_size\": N, ...}", k->name);
	json_object_foreach((json_t *)o, name, v) {
		if (strcmp(name, "overwrite_only") == 0) {
			if (!json_is_boolean(v))
				return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\":"
				    " slot_fit.overwrite_only must be a "
				    "boolean", k->name);
			s->overwrite_only = json_is_true(v);
			continue;
		}
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(name, fields[i].name) == 0)
				break;
		if (i == sizeof(fields) / sizeof(fields[0]) ||
		    policy_json_uint(v, fields[i].max, &n) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": "
			    "slot_fit: bad or unknown member \"%s\"",
			    k->name, name);
		if (fields[i].wide)
			*(uint64_t *)((char *)s + fields[i].off) = n;
		else
			*(uint32_t *)((char *)s + fields[i].off) = (uint32_t)n;
	}
	if (s->slot_size == 0)
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": slot_fit needs "
		    "a non-zero slot_size", k->name);
	if (s->align == 0 || (s->align & (s->align - 1)) != 0 ||
	    (s->max_align != 0 && s->max_align != 8 && s->max_align != 16 &&
	    s->max_align != 32))
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": slot_fit: align"
		    " must be 1..32 (power of two), max_align 8, 16 or 32",
		    k->name);
	if (s->max_align == 0)
		s->max_align = s->align > POLICY_DEFAULT_MAX_ALIGN ?
		    s->align : POLICY_DEFAULT_MAX_ALIGN;
	return 0;
}

static int
policy_parse_rules(struct policy_key *k, const json_t *o,
    struct zs_errbuf *eb)
{
	unsigned long long n;
	const char *name;
	json_t *v;
	int r;

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": \"rules\" must "
		    "be an object", k->name);
	json_object_foreach((json_t *)o, name, v) {
		if (strcmp(name, "anti_rollback") == 0 && json_is_boolean(v))
			k->anti_rollback = json_is_true(v);
		else if (strcmp(name, "security_counter") == 0 &&
		    json_is_boolean(v))
			k->security_counter = json_is_true(v);
		else if (strcmp(name, "image_class") == 0 &&
		    json_is_string(v) && policy_valid_name(json_string_value(v),
		    POLICY_NAME_MAX))
			snprintf(k->image_class, sizeof(k->image_class), "%s",
			    json_string_value(v));
		else if (strcmp(name, "slot_fit") == 0) {
			if ((r = policy_parse_slotfit(k, v, eb)) != 0)
				return r;
		} else if (strcmp(name, "max_per_hour") == 0 &&
		    policy_json_uint(v, POLICY_RATE_MAX, &n) == 0)
			k->max_per_hour = (unsigned)n;
		else
			return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": rules: "
			    "bad or unknown member \"%s\" (anti_rollback, "
			    "security_counter, image_class, slot_fit, "
			    "max_per_hour)", k->name, name);
	}
	return 0;
}

/* "approval": {"required": N, "approvers": {ALLOW-LIST}, "timeout_s": T}. */
static int
policy_parse_approval(struct policy *p, struct policy_key *k, const json_t *o,
    struct zs_errbuf *eb)
{
	unsigned long long n;
	const char *name;
	json_t *v;
	int r;

	if (o == NULL)
		return 0;
	if (!json_is_object(o) || json_object_get(o, "approvers") == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": \"approval\" "
		    "must be an object with \"approvers\"", k->name);
	k->approvals = 1;
	k->approval_timeout = POLICY_APPROVAL_TIMEOUT_DEFAULT;
	json_object_foreach((json_t *)o, name, v) {
		if (strcmp(name, "approvers") == 0) {
			if ((r = policy_parse_allow(p, k, &k->approvers, v,
			    eb)) != 0)
				return r;
			json_decref(k->approvers_json);
			k->approvers_json = json_deep_copy(v);
		} else if (strcmp(name, "required") == 0 &&
		    policy_json_uint(v, POLICY_APPROVALS_MAX, &n) == 0 && n > 0)
			k->approvals = (unsigned)n;
		else if (strcmp(name, "timeout_s") == 0 &&
		    policy_json_uint(v, POLICY_APPROVAL_TIMEOUT_MAX, &n) == 0 &&
		    n > 0)
			k->approval_timeout = (unsigned)n;
		else
			return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": "
			    "approval: bad or unknown member \"%s\" (required "
			    "1-%d, approvers, timeout_s 1-%d)", k->name, name,
			    POLICY_APPROVALS_MAX, POLICY_APPROVAL_TIMEOUT_MAX);
	}
	/* An approver list that lets anyone in would make the rule empty. */
	if (k->approvers.anyone)
		return zs_errf(eb, ZS_ERR_INVALID, "key \"%s\": "
		    "approval.approvers must name identities", k->name);
	return 0;
}

/* The policy side of each key conf.c read (earlier versions sign nothing). */
static int
policy_parse_keys(struct policy *p, const struct conf *cfg,
    struct zs_errbuf *eb)
{
	const struct conf_key *ck;
	struct policy_key *k;
	size_t i;
	int r;

	p->keys = xcalloc(cfg->nkeys + 1, sizeof(*p->keys));
	for (i = 0; i < cfg->nkeys; i++) {
		ck = &cfg->keys[i];
		if (ck->successor != NULL)
			continue;
		k = &p->keys[p->nkeys++];
		snprintf(k->name, sizeof(k->name), "%s", ck->name);
		k->is_default = ck->is_default;
		k->raw_signing = ck->raw_signing;
		if ((r = policy_parse_allow(p, k, &k->allow, ck->allow,
		    eb)) != 0 ||
		    (r = policy_parse_approval(p, k, ck->approval, eb)) != 0 ||
		    (r = policy_parse_rules(k, ck->rules, eb)) != 0)
			return r;
	}
	return 0;
}

static const struct policy_key *
policy_find_key(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < p->nkeys; i++)
		if (strcmp(p->keys[i].name, name) == 0)
			return &p->keys[i];
	return NULL;
}

/* Share prev's long-lived state, or make it. */
static void
policy_mem_take(struct policy *p, const struct policy *prev)
{
	if (prev != NULL) {
		pthread_mutex_lock(&prev->mem->mtx);
		prev->mem->refs++;
		pthread_mutex_unlock(&prev->mem->mtx);
		p->mem = prev->mem;
		return;
	}
	p->mem = xcalloc(1, sizeof(*p->mem));
	pthread_mutex_init(&p->mem->mtx, NULL);
	p->mem->refs = 1;
}

/* Drop a policy's hold on the long-lived state; the last frees it. */
static void
policy_mem_put(struct policy_mem *m)
{
	unsigned left;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mtx);
	left = --m->refs;
	pthread_mutex_unlock(&m->mtx);
	if (left > 0)
		return;
	free(m->conc);
	pthread_mutex_destroy(&m->mtx);
	free(m);
}

int
policy_new(const struct conf *cfg, struct policy **pp, struct zs_errbuf *eb)
{
	return policy_next(cfg, NULL, pp, eb);
}

int
policy_next(const struct conf *cfg, const struct policy *prev,
    struct policy **pp, struct zs_errbuf *eb)
{
	struct policy *p;
	int r = ZS_ERR_INTERNAL;

	p = xcalloc(1, sizeof(*p));
	policy_mem_take(p, prev);
	if (cfg != NULL) {
		if ((r = policy_parse_tokens(p, cfg->tokens, eb)) != 0 ||
		    (r = oidc_new(cfg->oidc, &p->oidc, eb)) != 0 ||
		    (r = policy_parse_keys(p, cfg, eb)) != 0)
			goto out;
		p->per_identity = cfg->per_identity;
	}
	*pp = p;
	p = NULL;
	r = 0;
 out:
	policy_free(p);
	return r;
}

static void
policy_allow_free(struct policy_allow *a)
{
	acl_free(a->who);
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nkeys; i++) {
		policy_allow_free(&p->keys[i].allow);
		policy_allow_free(&p->keys[i].approvers);
		json_decref(p->keys[i].approvers_json);
	}
	free(p->keys);
	freezero(p->tokens, p->ntokens * sizeof(*p->tokens));
	oidc_free(p->oidc);
	policy_mem_put(p->mem);
	free(p);
}

int
policy_has_tokens(const struct policy *p)
{
	return p->ntokens > 0 || p->oidc != NULL;
}

void
policy_identity_init(struct policy_identity *id, const char *peer)
{
	memset(id, 0, sizeof(*id));
	id->auth = POLICY_AUTH_NONE;
	snprintf(id->name, sizeof(id->name), "anonymous");
	snprintf(id->peer, sizeof(id->peer), "%s", peer ? peer : "-");
	snprintf(id->reason, sizeof(id->reason), "no credentials");
}

int
policy_identity_unix(int fd, struct policy_identity *id,
    struct zs_errbuf *eb)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t groups[POLICY_GROUPS_MAX];
	size_t i, n = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return zs_errf(eb, ZS_ERR_IO, "SO_PEERCRED: %s",
		    strerror(errno));
#ifdef SO_PEERGROUPS
	len = sizeof(groups);
	/* The peer's real supplementary groups, not its passwd entry's. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		n = len / sizeof(gid_t);
#endif
	id->auth = POLICY_AUTH_UNIX;
	id->uid = cred.uid;
	id->gid = cred.gid;
	id->ngroups = 0;
	for (i = 0; i < n && i < POLICY_GROUPS_MAX; i++)
		id->groups[id->ngroups++] = groups[i];
	snprintf(id->name, sizeof(id->name), "uid:%u", (unsigned)cred.uid);
	snprintf(id->peer, sizeof(id->peer), "unix:pid=%ld", (long)cred.pid);
	id->reason[0] = '\0';
	return 0;
}

/*
 * Copy an ASN.1 string if it is printable ASCII (else skip it: an allow
 * list could never name it, and it would garble the audit line).
 */
static void
policy_add_certname(struct policy_identity *id, const ASN1_STRING *s,
    enum policy_certname type)
{
	const unsigned char *d = ASN1_STRING_get0_data(s);
	int i, len = ASN1_STRING_length(s);

	if (id->ncertnames == POLICY_CERTNAMES_MAX || len <= 0 ||
	    len >= POLICY_NAME_MAX - 5)
		return;
	for (i = 0; i < len; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return;
	memcpy(id->certnames[id->ncertnames], d, (size_t)len);
	id->certnames[id->ncertnames][len] = '\0';
	id->certtypes[id->ncertnames] = (uint8_t)type;
	id->ncertnames++;
}

int
policy_identity_cert(X509 *cert, struct policy_identity *id,
    struct zs_errbuf *eb)
{
	GENERAL_NAMES *sans;
	const GENERAL_NAME *gn;
	X509_NAME *subj;
	int i, idx;

	id->ncertnames = 0;
	subj = X509_get_subject_name(cert);
	idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
	if (idx >= 0)
		policy_add_certname(id, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, idx)), POLICY_CERTNAME_CN);
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		gn = sk_GENERAL_NAME_value(sans, i);
		if (gn->type == GEN_DNS)
			policy_add_certname(id, gn->d.ia5, POLICY_CERTNAME_DNS);
		else if (gn->type == GEN_EMAIL)
			policy_add_certname(id, gn->d.ia5,
			    POLICY_CERTNAME_EMAIL);
		else if (gn->type == GEN_URI)
			policy_add_certname(id, gn->d.ia5, POLICY_CERTNAME_URI);
	}
	GENERAL_NAMES_free(sans);
	if (id->ncertnames == 0)
		return zs_errf(eb, ZS_ERR_DENIED, "client certificate has no "
		    "usable CN or subjectAltName");
	id->auth = POLICY_AUTH_CERT;
	snprintf(id->name, sizeof(id->name), "cert:%.*s",
	    (int)sizeof(id->name) - 6, id->certnames[0]);
	id->reason[0] = '\0';
	return 0;
}

void
policy_token_hash(const char *token, size_t len, char out[POLICY_NAME_MAX])
{
	char hex[65];

	zs_sha256_hex((const uint8_t *)token, len, hex);
	snprintf(out, POLICY_NAME_MAX, "sha256:%s", hex);
}

static int
policy_identity_oidc(const struct policy *p, const char *tok, size_t len,
    struct policy_identity *id, struct zs_errbuf *eb)
{
	struct oidc_claims *c;
	int r;

	c = xmalloc(sizeof(*c));
	if ((r = oidc_verify(p->oidc, tok, len, time(NULL), c, eb)) != 0)
		goto out;
	id->auth = POLICY_AUTH_OIDC;
	id->oidc = *c;
	/* The audit identity: issuer and subject (the jti goes beside it). */
	snprintf(id->name, sizeof(id->name), "oidc:%.*s#%.*s", 120, c->issuer,
	    (int)sizeof(id->name) - 128, c->sub);
	id->reason[0] = '\0';
	r = 0;
 out:
	free(c);
	return r;
}

int
policy_identity_token(const struct policy *p, const char *authz,
    struct policy_identity *id, struct zs_errbuf *eb)
{
	static const char tokchars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=";
	uint8_t digest[32];
	unsigned int dlen = sizeof(digest);
	const char *tok;
	size_t i, len, match = SIZE_MAX;

	if (strncasecmp(authz, "Bearer ", 7) != 0)
		return zs_errf(eb, ZS_ERR_DENIED, "Authorization is not "
		    "\"Bearer <token>\"");
	for (tok = authz + 7; *tok == ' '; tok++)
		;
	len = strlen(tok);
	if (len == 0 || len > POLICY_TOKEN_MAX || strspn(tok, tokchars) != len)
		return zs_errf(eb, ZS_ERR_DENIED, "malformed bearer token");
	/* A JWT is never a static token: only its issuer may vouch for it. */
	if (p->oidc != NULL && oidc_is_token(tok, len))
		return policy_identity_oidc(p, tok, len, id, eb);
	if (!EVP_Digest(tok, len, digest, &dlen, EVP_sha256(), NULL))
		return zs_errf(eb, ZS_ERR_CRYPTO, "SHA-256 failed");
	/* Look at every entry so the time taken says nothing about a match. */
	for (i = 0; i < p->ntokens; i++)
		if (CRYPTO_memcmp(digest, p->tokens[i].hash,
		    sizeof(digest)) == 0)
			match = i;
	OPENSSL_cleanse(digest, sizeof(digest));
	if (match == SIZE_MAX)
		return zs_errf(eb, ZS_ERR_DENIED, "unknown bearer token");
	id->auth = POLICY_AUTH_TOKEN;
	snprintf(id->token, sizeof(id->token), "%s", p->tokens[match].name);
	snprintf(id->name, sizeof(id->name), "token:%.*s",
	    (int)sizeof(id->name) - 7, p->tokens[match].name);
	id->reason[0] = '\0';
	return 0;
}

int
policy_identity_conn(struct evhttp_connection *conn,
    struct policy_identity *id)
{
	struct bufferevent *bev = NULL;
	struct zs_errbuf eb;
	char peer[POLICY_PEER_MAX];
	char *addr = NULL;
	ev_uint16_t port = 0;
	X509 *cert;
	SSL *ssl;

	policy_identity_init(id, NULL);
	if (conn == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL)
		return 0;
	if ((ssl = bufferevent_openssl_get_ssl(bev)) == NULL) {
		if (policy_identity_unix(bufferevent_getfd(bev), id, &eb) != 0)
			snprintf(id->reason, sizeof(id->reason), "%s", eb.msg);
		return 0;
	}
	evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(peer, sizeof(peer), "%s%s%s:%u",
	    addr && strchr(addr, ':') ? "[" : "", addr ? addr : "-",
	    addr && strchr(addr, ':') ? "]" : "", port);
	policy_identity_init(id, peer);
	snprintf(id->reason, sizeof(id->reason), "no client certificate and "
	    "no bearer token");
	cert = SSL_get0_peer_certificate(ssl);
	if (cert != NULL && SSL_get_verify_result(ssl) == X509_V_OK &&
	    policy_identity_cert(cert, id, &eb) != 0)
		snprintf(id->reason, sizeof(id->reason), "%s", eb.msg);
	return 1;
}

void
policy_identity_request(const struct policy *p, struct evhttp_request *req,
    struct policy_identity *id)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct zs_errbuf eb;
	const char *authz;
	char peer[POLICY_PEER_MAX];

	/* Tokens ride on TLS requests only: a Unix peer is its uid. */
	if (!policy_identity_conn(conn, id))
		return;
	authz = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	if (authz != NULL && policy_identity_token(p, authz, id, &eb) != 0) {
		/* A wrong token never falls back to the certificate. */
		snprintf(peer, sizeof(peer), "%s", id->peer);
		policy_identity_init(id, peer);
		snprintf(id->reason, sizeof(id->reason), "%s", eb.msg);
	}
}

static int
policy_allow_match(const struct policy_allow *a,
    const struct policy_identity *id)
{
	if (!a->present || a->anyone)
		return 1;
	return acl_allows(a->who, id);
}

static int
policy_tool_allowed(const struct policy_allow *a, const char *tool)
{
	int t = tool ? policy_tool_index(tool) : -1;

	if (a->tools == 0)
		return 1;
	return t >= 0 && (a->tools & (1u << t)) != 0;
}

int
policy_authorize(struct policy *p, const struct policy_identity *id,
    const char *key, const char *tool, struct zs_errbuf *eb)
{
	const struct engine_ops *e;
	const struct policy_key *k;
	char names[ENGINE_NAMES_MAX];

	if (id->auth == POLICY_AUTH_NONE)
		return zs_errf(eb, ZS_ERR_DENIED, "not authenticated: %s",
		    id->reason);
	k = key != NULL ? policy_find_key(p, key) : NULL;
	/* The server cannot see what a raw signature covers: opt in per key. */
	if (tool != NULL && strcmp(tool, POLICY_TOOL_RAW_NAME) == 0 &&
	    (k == NULL || !k->raw_signing))
		return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" does not allow "
		    "raw signatures (its configuration needs \"raw_signing\": "
		    "true)", key != NULL ? key : "(none)");
	if (k == NULL)
		return 0;
	if (!policy_allow_match(&k->allow, id))
		return zs_errf(eb, ZS_ERR_DENIED, "%s may not use key \"%s\"",
		    id->name, key);
	if (!policy_tool_allowed(&k->allow, tool))
		return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" may not be used "
		    "with %s", key, tool ? tool : "(no tool)");
	/* Only some engines report what these rules judge. */
	if ((k->anti_rollback || k->security_counter) && ((e =
	    engine_find(tool)) == NULL || !(e->flags & ENGINE_F_IMAGE_FACTS)))
		return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" has "
		    "anti-rollback rules: it signs only with tool %s", key,
		    engine_names(ENGINE_F_IMAGE_FACTS, names, sizeof(names)));
	return 0;
}

int
policy_default_key(const struct policy *p, const struct policy_identity *id,
    const char *tool, const char **keyp, struct zs_errbuf *eb)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < p->nkeys; i++) {
		if (!p->keys[i].is_default ||
		    !policy_allow_match(&p->keys[i].allow, id) ||
		    !policy_tool_allowed(&p->keys[i].allow, tool))
			continue;
		if (found != NULL)
			return zs_errf(eb, ZS_ERR_INVALID, "no key named and "
			    "both \"%s\" and \"%s\" are default keys for %s",
			    found, p->keys[i].name, id->name);
		found = p->keys[i].name;
	}
	*keyp = found;
	return 0;
}

int
policy_approval(const struct policy *p, const char *key,
    unsigned *requiredp, unsigned *timeoutp)
{
	const struct policy_key *k = policy_find_key(p, key);

	if (k == NULL || k->approvals == 0)
		return 0;
	*requiredp = k->approvals;
	*timeoutp = k->approval_timeout;
	return 1;
}

int
policy_needs_approvals(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		if (p->keys[i].approvals > 0)
			return 1;
	return 0;
}

const json_t *
policy_approvers(const struct policy *p, const char *key)
{
	const struct policy_key *k = policy_find_key(p, key);

	return k != NULL ? k->approvers_json : NULL;
}

int
policy_may_approve(const struct policy *p, const char *key,
    const struct policy_identity *id)
{
	const struct policy_key *k = policy_find_key(p, key);

	return k != NULL && k->approvals > 0 && id->auth != POLICY_AUTH_NONE &&
	    policy_allow_match(&k->approvers, id);
}

int
policy_key_has_image_rules(const struct policy *p, const char *key)
{
	const struct policy_key *k = policy_find_key(p, key);

	return k != NULL && (k->anti_rollback || k->security_counter ||
	    k->slot.slot_size != 0);
}

int
policy_key_needs_state(const struct policy *p, const char *key)
{
	const struct policy_key *k = policy_find_key(p, key);

	return k != NULL && (k->anti_rollback || k->security_counter ||
	    k->max_per_hour != 0);
}

int
policy_needs_state(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		if (policy_key_needs_state(p, p->keys[i].name))
			return 1;
	return 0;
}

int
policy_needs_durable_state(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++)
		if (p->keys[i].anti_rollback || p->keys[i].security_counter)
			return 1;
	return 0;
}

int
policy_version(const char *s, uint64_t *vp)
{
	static const unsigned long long max[4] = { 255, 255, 65535,
	    UINT32_MAX };
	static const int shift[4] = { 56, 48, 32, 0 };
	unsigned long long n;
	uint64_t v = 0;
	char part[16];
	size_t len;
	int i = 0;

	while (*s != '\0' && i < 4) {
		len = strcspn(s, i < 2 ? ".+" : "+");
		if (i == 3 || len == 0 || len >= sizeof(part))
			return ZS_ERR_INVALID;
		memcpy(part, s, len);
		part[len] = '\0';
		if (zs_parse_uint(part, max[i], &n) != 0)
			return ZS_ERR_INVALID;
		v |= (uint64_t)n << shift[i];
		s += len;
		if (*s == '+') {
			s++;
			if (zs_parse_uint(s, max[3], &n) != 0)
				return ZS_ERR_INVALID;
			v |= n;
			break;
		}
		if (*s == '.')
			s++;
		i++;
	}
	*vp = v;
	return 0;
}

static uint64_t
policy_trailer_size(const struct policy_slotfit *s)
{
	uint64_t magic = (16 + s->max_align - 1) / s->max_align * s->max_align;

	if (s->overwrite_only)
		return 2ull * s->max_align + magic;
	return (uint64_t)s->max_sectors * 3 * s->align + 4ull * s->max_align +
	    magic;
}

int
policy_check_image(const struct policy *p, const char *key,
    const struct policy_image *img, struct zs_errbuf *eb)
{
	const struct policy_key *k = policy_find_key(p, key);
	uint64_t tsize, need;

	if (k == NULL || k->slot.slot_size == 0)
		return 0;
	/*
	 * The output as written: an unpadded image still needs room for
	 * the trailer; a padded one (--pad) already fills what it fills.
	 */
	tsize = policy_trailer_size(&k->slot);
	need = (uint64_t)img->image_size + tsize;
	if ((uint64_t)img->flash_size > need)
		need = img->flash_size;
	if (need > k->slot.slot_size)
		return zs_errf(eb, ZS_ERR_DENIED, "image (0x%zx, 0x%zx as "
		    "written) + trailer (0x%llx) does not fit the 0x%llx-byte "
		    "slot of key \"%s\"", img->image_size, img->flash_size,
		    (unsigned long long)tsize,
		    (unsigned long long)k->slot.slot_size, key);
	return 0;
}

int
policy_admission(const struct policy *p, const struct policy_identity *id,
    const char *key, const struct policy_image *img, struct store_admit *a,
    struct zs_errbuf *eb)
{
	const struct policy_key *k = policy_find_key(p, key);

	memset(a, 0, sizeof(*a));
	if (k == NULL)
		return zs_errf(eb, ZS_ERR_INTERNAL, "no rules for key");
	a->key = k->name;
	a->identity = id->name;
	a->max_per_hour = k->max_per_hour;
	/* A signature leaves unless only a vector to sign was made. */
	a->update = img == NULL || img->signed_image;
	/*
	 * The class a client cannot rename: the one the configuration
	 * names, else the CID the image carries, else the key itself.
	 */
	a->image_class = k->image_class[0] != '\0' ? k->image_class :
	    (img != NULL ? img->cid : "");
	if (!k->anti_rollback && !k->security_counter)
		return 0;
	if (img == NULL)
		return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" has "
		    "anti-rollback rules: it signs MCUboot images only", key);
	if (k->anti_rollback) {
		if (policy_version(img->version, &a->version) != 0)
			return zs_errf(eb, ZS_ERR_DENIED, "anti-rollback: image "
			    "version \"%s\" unreadable", img->version);
		a->check_version = 1;
		a->version_text = img->version;
	}
	if (k->security_counter) {
		if (!img->has_counter)
			return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" needs a "
			    "security counter (--security-counter N or "
			    "auto)", key);
		a->check_counter = 1;
		a->counter = img->counter;
	}
	return 0;
}

int
policy_enter(struct policy *p, const struct policy_identity *id,
    struct zs_errbuf *eb)
{
	size_t i;
	int r = 0;

	if (p->per_identity == 0)
		return 0;
	pthread_mutex_lock(&p->mem->mtx);
	for (i = 0; i < p->mem->nconc; i++)
		if (strcmp(p->mem->conc[i].ident, id->name) == 0)
			break;
	if (i == p->mem->nconc) {
		if (p->mem->nconc == POLICY_CONC_ENTRIES_MAX) {
			r = zs_errf(eb, ZS_ERR_LIMIT, "too many identities "
			    "busy at once");
			goto out;
		}
		p->mem->conc = xreallocarray(p->mem->conc, p->mem->nconc + 1,
		    sizeof(*p->mem->conc));
		memset(&p->mem->conc[i], 0, sizeof(p->mem->conc[i]));
		snprintf(p->mem->conc[i].ident, sizeof(p->mem->conc[i].ident),
		    "%s", id->name);
		p->mem->nconc++;
	}
	if (p->mem->conc[i].n >= p->per_identity) {
		r = zs_errf(eb, ZS_ERR_LIMIT, "%s already has %u requests in "
		    "flight", id->name, p->per_identity);
		goto out;
	}
	p->mem->conc[i].n++;
 out:
	pthread_mutex_unlock(&p->mem->mtx);
	return r;
}

void
policy_leave(struct policy *p, const struct policy_identity *id)
{
	size_t i;

	if (p->per_identity == 0)
		return;
	pthread_mutex_lock(&p->mem->mtx);
	for (i = 0; i < p->mem->nconc; i++) {
		if (strcmp(p->mem->conc[i].ident, id->name) != 0)
			continue;
		if (p->mem->conc[i].n > 0 && --p->mem->conc[i].n == 0)
			p->mem->conc[i] = p->mem->conc[--p->mem->nconc];
		break;
	}
	pthread_mutex_unlock(&p->mem->mtx);
}

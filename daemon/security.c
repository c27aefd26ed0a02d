/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Glue between zsignd's request path and the security modules: policy
 * (who may do what), audit (what was done) and tls (how clients connect).
 * Every refusal made here is audited before it is answered.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/audit.h"
#include "daemon/policy.h"
#include "daemon/approval.h"
#include "daemon/refagg.h"
#include "daemon/refuse.h"
#include "daemon/security.h"
#include "daemon/tls.h"
#include "state/store.h"

/* Largest legacy state_file imported into the store. */
#define SECURITY_STATE_FILE_MAX	(64u * 1024 * 1024)
/* Where rules that need no durable state (max_per_hour) keep it. */
#define SECURITY_VOLATILE_STATE	"sqlite::memory:"
/* The record saying the legacy state_file was imported (store_kv_*). */
#define SECURITY_IMPORT_NS	"zsignd"
#define SECURITY_IMPORT_NAME	"state_file_imported"

struct security {
	struct approvals *approvals;	/* held requests; NULL: none */
	struct audit	*audit;
	struct refagg	*anon;		/* unauthenticated refusals */
	struct tls	*tls;
	struct metrics	*metrics;	/* counts handshake refusals; or NULL */
	struct store	*store;		/* NULL: no rule keeps state */
	int		 durable;	/* store survives restarts */
	char		 node[STORE_NAME_MAX];	/* this replica's name */
	int		 socket_mode;	/* -1: leave the server's default */
	gid_t		 socket_gid;
	int		 have_gid;
};

static const char *const security_auth_names[] = {
	[POLICY_AUTH_NONE] = "none",
	[POLICY_AUTH_UNIX] = "unix",
	[POLICY_AUTH_CERT] = "cert",
	[POLICY_AUTH_TOKEN] = "token",
	[POLICY_AUTH_OIDC] = "oidc",
};

/*
 * Import the marks of a legacy "state_file" ({key: {image: version}})
 * into a store that has never seen it: the highest version of each key
 * becomes the key-wide mark, since file names no longer name images.
 */
static int
security_import(struct security *sec, const char *path, struct zs_errbuf *eb)
{
	struct store_admit a;
	struct zs_errbuf sub;
	json_error_t jerr;
	json_t *root = NULL, *marks, *v;
	const char *key, *image;
	uint8_t *data = NULL;
	uint64_t best, ver, seq;
	char *done = NULL;
	size_t len, n = 0;
	int r;

	if (store_kv_get(sec->store, SECURITY_IMPORT_NS, SECURITY_IMPORT_NAME,
	    &done, &sub) == 0) {
		free(done);
		return 0;
	}
	if ((r = zs_file_read(path, SECURITY_STATE_FILE_MAX, &data, &len)) ==
	    ZS_ERR_NOT_FOUND)
		return 0;
	if (r != 0)
		return zs_errf(eb, r, "state_file %s: %s", path, zs_strerror(r));
	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	free(data);
	r = zs_errf(eb, ZS_ERR_FORMAT, "state_file %s: not {\"key\": "
	    "{\"image\": \"version\"}}; nothing imported", path);
	if (root == NULL || !json_is_object(root))
		goto out;
	json_object_foreach(root, key, marks) {
		if (!json_is_object(marks) || strlen(key) >= STORE_NAME_MAX)
			goto out;
		best = 0;
		json_object_foreach(marks, image, v) {
			if (!json_is_string(v) ||
			    policy_version(json_string_value(v), &ver) != 0)
				goto out;
			if (ver >= best)
				best = ver;
		}
		if (json_object_size(marks) == 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.key = key;
		a.image_class = "";
		a.identity = "state_file";
		a.check_version = 1;
		a.version = best;
		a.version_text = "(imported)";
		a.update = 1;
		if ((r = store_admit(sec->store, &a, &seq, eb)) != 0)
			goto out;
		n++;
	}
	if ((r = store_kv_put(sec->store, SECURITY_IMPORT_NS,
	    SECURITY_IMPORT_NAME, path, eb)) != 0)
		goto out;
	log_info("state_file %s: %zu key mark(s) imported into the state "
	    "store; the file is no longer read", path, n);
	r = 0;
 out:
	json_decref(root);
	return r;
}

/*
 * Open the state store the rules need: the configured one, or a volatile
 * one when only max_per_hour keeps state. A store older than the audit
 * log (deleted, truncated or restored from a copy) is refused unless the
 * operator says otherwise.
 */
static int
security_state_open(struct security *sec, const struct conf *cfg,
    const struct policy *pol, const struct security_opts *opts,
    struct zs_errbuf *eb)
{
	struct store_opts so = { .create = 1 };
	const char *url = opts->state_url, *legacy = NULL;
	unsigned long long seen;
	int r;

	if (cfg != NULL && cfg->node != NULL)
		snprintf(sec->node, sizeof(sec->node), "%s", cfg->node);
	else if (gethostname(sec->node, sizeof(sec->node)) != 0)
		snprintf(sec->node, sizeof(sec->node), "zsignd");
	sec->node[sizeof(sec->node) - 1] = '\0';
	if (cfg != NULL && url == NULL)
		url = cfg->state;
	if (cfg != NULL)
		legacy = cfg->state_file;
	if (url == NULL && pol != NULL && policy_needs_durable_state(pol))
		return zs_errf(eb, ZS_ERR_INVALID, "anti_rollback and "
		    "security_counter keep marks in a state store: set "
		    "\"state\": \"sqlite:PATH\" (or --state URL)%s",
		    legacy ? "; the old state_file is imported into it once" :
		    "");
	if (url == NULL && (pol == NULL || !policy_needs_state(pol)))
		return 0;
	if (opts->check_only)
		return 0;
	sec->durable = url != NULL;
	so.node = sec->node;
	if ((r = store_open(url ? url : SECURITY_VOLATILE_STATE, &so,
	    &sec->store, eb)) != 0)
		return r;
	if (!sec->durable)
		return 0;
	seen = sec->audit != NULL ? audit_state(sec->audit) : 0;
	if (seen > store_seq(sec->store)) {
		if (!opts->allow_state_rollback)
			return zs_errf(eb, ZS_ERR_FORMAT, "state store %s holds "
			    "changes up to #%llu but the audit log %s recorded "
			    "#%llu: the store was deleted, truncated or "
			    "replaced by an older copy; restore it, or start "
			    "once with --allow-state-rollback to accept its "
			    "older marks", url,
			    (unsigned long long)store_seq(sec->store),
			    audit_path(sec->audit), seen);
		log_warnx("state store %s is behind the audit log (#%llu < "
		    "#%llu): continuing as --allow-state-rollback says", url,
		    (unsigned long long)store_seq(sec->store), seen);
	}
	if (legacy != NULL && (r = security_import(sec, legacy, eb)) != 0)
		return r;
	log_info("state store %s (%s): change #%llu", url,
	    store_backend(sec->store),
	    (unsigned long long)store_seq(sec->store));
	return 0;
}

/* One aggregate audit record: a peer's unauthenticated refusals. */
static void
security_anon_record(void *arg, const struct refagg_entry *e)
{
	struct security *sec = arg;
	struct audit_record rec = { .identity = "anonymous", .auth = e->auth,
	    .peer = e->peer, .result = AUDIT_REFUSED, .error = e->code,
	    .ms = -1, .count = e->count, .since = e->since };
	struct zs_errbuf eb;
	char msg[REFAGG_REASON_MAX + 80];

	snprintf(msg, sizeof(msg), "%s (%lu more refused, %lu of them rate "
	    "limited)", e->reason, e->count, e->limited);
	rec.message = msg;
	if (sec->audit != NULL && audit_append(sec->audit, &rec, &eb) != 0)
		log_warnx("%s", eb.msg);
}

/*
 * Count a refusal (code) of an unauthenticated peer (peer text, uid for
 * Unix ones) for the aggregate record; returns 1 when it is past its rate.
 */
static int
security_anon_refused(struct security *sec, const char *peer, long uid,
    const char *auth, int code, const char *why)
{
	struct audit_record rec = { .identity = "anonymous", .auth = auth,
	    .peer = peer, .result = AUDIT_REFUSED, .error = code,
	    .message = why, .ms = -1 };
	char key[REFAGG_PEER_MAX], safe[REFAGG_REASON_MAX];
	struct zs_errbuf eb;
	int r;

	refagg_peer_key(peer, uid, key);
	r = refagg_count(sec->anon, key, auth, code, why);
	if (r == 1) {
		/* The first of its kind from this peer: on its own, at once. */
		zs_escape(safe, sizeof(safe), why);
		log_info("refused unauthenticated %s: \"%s\" (more like it "
		    "counted, audited every %u s)", key, safe,
		    REFAGG_INTERVAL_MS / 1000);
		if (sec->audit != NULL && audit_append(sec->audit, &rec,
		    &eb) != 0)
			log_warnx("%s", eb.msg);
	}
	return r == 2;
}

/* A client certificate the TLS handshake refused: counted for the audit. */
static void
security_tls_refused(void *arg, const char *peer, const char *why)
{
	struct security *sec = arg;

	(void)security_anon_refused(sec, peer, -1, "cert", ZS_ERR_UNAUTH, why);
	/* No request exists to answer 429 to: always an unauthenticated one. */
	refuse_count(sec->metrics, REFUSE_UNAUTH, ZS_ERR_UNAUTH);
}

void
security_set_metrics(struct security *sec, struct metrics *m)
{
	if (sec != NULL)
		sec->metrics = m;
}

/*
 * Open the held-request store when the configuration has "approvals"; a
 * key with "approval" needs it.
 */
static int
security_approvals_conf(struct security *sec, const struct conf *cfg,
    const struct policy *pol, int check_only, struct zs_errbuf *eb)
{
	int need = pol != NULL && policy_needs_approvals(pol);

	if (need && cfg->approvals_spool == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "a key with \"approval\" "
		    "needs \"approvals\": {\"spool_dir\": DIR} to hold its "
		    "requests");
	if (!need || check_only)
		return 0;
	/* Held requests must outlive a restart: the configured store. */
	if (sec->store == NULL || !sec->durable)
		return zs_errf(eb, ZS_ERR_INVALID, "held requests live in the "
		    "state store: a key with \"approval\" needs \"state\": "
		    "\"sqlite:PATH\" (or --state URL)");
	return approvals_open(cfg->approvals_spool, sec->store,
	    &sec->approvals, eb);
}

int
security_new(const struct conf *cfg, const struct policy *pol,
    const struct security_opts *opts, struct security **secp,
    struct zs_errbuf *eb)
{
	struct tls_files files = { NULL, NULL, NULL, NULL };
	const char *apath, *akey;
	struct security *sec;
	struct zs_key *key = NULL;
	int r;

	sec = xcalloc(1, sizeof(*sec));
	sec->anon = refagg_new();
	sec->socket_mode = cfg->socket_mode;
	sec->socket_gid = cfg->socket_gid;
	sec->have_gid = cfg->have_socket_gid;
	files.cert = opts->tls_cert ? opts->tls_cert : cfg->tls_cert;
	files.key = opts->tls_key ? opts->tls_key : cfg->tls_key;
	files.client_ca = opts->tls_client_ca ? opts->tls_client_ca :
	    cfg->tls_client_ca;
	files.crl = opts->tls_crl ? opts->tls_crl : cfg->tls_crl;
	apath = opts->audit_path ? opts->audit_path : cfg->audit_path;
	if (files.crl != NULL && files.client_ca == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "a TLS CRL but no client CA "
		    "(--tls-client-ca) whose certificates it revokes");
		goto fail;
	}
	if (opts->need_tls) {
		if (files.client_ca == NULL && (pol == NULL ||
		    !policy_has_tokens(pol))) {
			r = zs_errf(eb, ZS_ERR_USAGE, "a tcp: listener needs "
			    "client certificates (--tls-client-ca) or bearer "
			    "tokens (\"tokens\") to authenticate anyone");
			goto fail;
		}
		if ((r = tls_new(&files, &sec->tls, eb)) != 0)
			goto fail;
		tls_set_refusal_cb(sec->tls, security_tls_refused, sec);
	} else if (files.cert != NULL)
		log_warnx("TLS settings given but no tcp: listener");
	if (!opts->check_only && apath != NULL &&
	    (r = audit_open(apath, &sec->audit, eb)) != 0)
		goto fail;
	if ((r = security_state_open(sec, cfg, pol, opts, eb)) != 0)
		goto fail;
	if ((r = security_approvals_conf(sec, cfg, pol, opts->check_only,
	    eb)) != 0)
		goto fail;
	if (opts->check_only)
		goto done;
	akey = opts->audit_key != NULL ? opts->audit_key : cfg->audit_key;
	if (akey != NULL && sec->audit == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "an audit key but no audit log");
		goto fail;
	}
	/* Through its keystore, as signing keys: audit.c sees no key bytes. */
	if (akey != NULL && ((r = zs_key_load("audit", akey, NULL, &key,
	    eb)) != 0 || (r = audit_set_key(sec->audit, key, eb)) != 0)) {
		zs_key_free(key);
		goto fail;
	}
	if (sec->audit == NULL)
		log_warnx("no audit log configured (\"audit\": {\"path\": ...} "
		    "or --audit-log): requests are not recorded");
	else
		log_info("audit log %s: %llu line(s) so far, %s",
		    audit_path(sec->audit), audit_count(sec->audit),
		    key != NULL ? "checkpoints signed" : "no audit key: "
		    "checkpoints unsigned (\"audit\": {\"key\"})");
	zs_key_free(key);
 done:
	*secp = sec;
	return 0;
 fail:
	security_free(sec);
	return r;
}

void
security_free(struct security *sec)
{
	struct zs_errbuf eb;
	char head[65];

	if (sec == NULL)
		return;
	security_flush(sec);
	if (sec->audit != NULL && audit_checkpoint(sec->audit, &eb) != 0)
		log_warnx("audit log: no closing checkpoint: %s", eb.msg);
	if (sec->audit != NULL) {
		/* An anchor kept outside the file: see docs/SECURITY.md. */
		audit_head(sec->audit, head);
		log_info("audit log %s: %llu line(s), head %s",
		    audit_path(sec->audit), audit_count(sec->audit), head);
	}
	approvals_close(sec->approvals);
	store_close(sec->store);
	refagg_free(sec->anon);
	audit_close(sec->audit);
	tls_free(sec->tls);
	free(sec);
}

int
security_socket_perms(const struct security *sec, const char *path,
    struct zs_errbuf *eb)
{
	if (sec == NULL)
		return 0;
	if (sec->have_gid && chown(path, (uid_t)-1, sec->socket_gid) == -1)
		return zs_errf(eb, ZS_ERR_IO, "%s: socket_group: %s", path,
		    strerror(errno));
	if (sec->socket_mode >= 0 && chmod(path, (mode_t)sec->socket_mode) == -1)
		return zs_errf(eb, ZS_ERR_IO, "%s: socket_mode: %s", path,
		    strerror(errno));
	return 0;
}

int
security_listen_tcp(struct security *sec, struct evhttp *http,
    struct conn *c, const char *hostport, struct evhttp_bound_socket **bsp,
    struct zs_errbuf *eb)
{
	if (sec == NULL || sec->tls == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "tcp:%s needs TLS settings "
		    "(--tls-cert, --tls-key)", hostport);
	return tls_listen(sec->tls, http, c, hostport, bsp, eb);
}

int
security_tls_conn(struct security *sec, struct conn *c,
    struct zs_errbuf *eb)
{
	if (sec == NULL || sec->tls == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "a TCP socket was passed but "
		    "TLS is not configured (--tls-cert, --tls-key)");
	tls_wrap_conn(sec->tls, c);
	return 0;
}

int
security_reload(struct security *sec, struct zs_errbuf *eb)
{
	struct zs_errbuf aeb;
	int r;

	if (sec == NULL)
		return 0;
	/* A log latched broken by a failed sync gets a fresh start here. */
	if (sec->audit != NULL) {
		if (audit_reopen(sec->audit, &aeb) != 0)
			log_warnx("SIGHUP: audit log not reopened: %s",
			    aeb.msg);
		else
			log_info("SIGHUP: audit log %s reopened",
			    audit_path(sec->audit));
	}
	if (sec->tls == NULL)
		return 0;
	if ((r = tls_reload(sec->tls, eb)) != 0)
		return r;
	log_info("SIGHUP: TLS certificate, key, client CA and CRL reloaded");
	return 0;
}

int
security_accepts_policy(const struct security *sec, const struct policy *pol,
    struct zs_errbuf *eb)
{
	if (sec == NULL || pol == NULL)
		return 0;
	if (policy_needs_durable_state(pol) && !sec->durable)
		return zs_errf(eb, ZS_ERR_INVALID, "anti_rollback and "
		    "security_counter need a state store (\"state\"): "
		    "configuring one takes a restart");
	if (policy_needs_state(pol) && sec->store == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "max_per_hour needs a state "
		    "store, opened at start-up: that takes a restart");
	if (policy_needs_approvals(pol) && sec->approvals == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "a key with \"approval\" "
		    "needs the held-request store (\"approvals\"), opened at "
		    "start-up: that takes a restart");
	return 0;
}

void
security_identify(const struct security *sec, struct policy *pol,
    struct evhttp_request *req, struct policy_identity *id)
{
	if (sec == NULL) {
		/* No security settings at all: peer credentials only. */
		policy_identity_init(id, NULL);
		return;
	}
	policy_identity_request(pol, req, id);
	id->policy = pol;
}

void
security_identify_conn(const struct security *sec, struct policy *pol,
    struct evhttp_connection *evcon, struct policy_identity *id)
{
	if (sec == NULL) {
		policy_identity_init(id, NULL);
		return;
	}
	(void)policy_identity_conn(evcon, id);
	id->policy = pol;
}


int
security_refused(struct security *sec, const struct policy_identity *id,
    int code, const char *request, const char *msg)
{
	struct security_outcome o = { .code = code, .message = msg, .ms = -1,
	    .request = request };
	struct zs_errbuf eb;

	if (sec != NULL && id->auth == POLICY_AUTH_NONE)
		return security_anon_refused(sec, id->peer, (long)id->uid,
		    security_auth_names[id->auth], code, msg);
	if (security_audit(sec, id, &o, &eb) != 0)
		log_warnx("%s", eb.msg);
	return 0;
}

void
security_flush(struct security *sec)
{
	if (sec != NULL && refagg_pending(sec->anon))
		refagg_flush(sec->anon, security_anon_record, sec);
}

int
security_enter(struct security *sec, const struct policy_identity *id,
    struct zs_errbuf *eb)
{
	if (sec == NULL)
		return 0;
	if (id->auth == POLICY_AUTH_NONE)
		return zs_errf(eb, ZS_ERR_UNAUTH, "not authenticated: %s",
		    id->reason);
	return policy_enter(id->policy, id, eb);
}

void
security_leave(struct security *sec, const struct policy_identity *id)
{
	if (sec != NULL)
		policy_leave(id->policy, id);
}

int
security_authorize(struct security *sec, const struct policy_identity *id,
    const struct keyring *kr, const char *tool, struct zs_key **keyp,
    struct zs_errbuf *eb)
{
	const char *name = NULL;
	struct zs_key *key = *keyp;
	int r;

	/* A key outside its not_before/not_after window signs for nobody. */
	if (sec == NULL)
		return key != NULL ? zs_key_check_validity(key, time(NULL), eb) :
		    0;
	if (key == NULL) {
		if ((r = policy_default_key(id->policy, id, tool, &name,
		    eb)) != 0)
			return r;
		if (name != NULL && (key = keyring_find(kr, name)) == NULL)
			return zs_errf(eb, ZS_ERR_NOT_FOUND, "default key "
			    "\"%s\" is not loaded", name);
	}
	if ((r = policy_authorize(id->policy, id, key ? zs_key_name(key) :
	    NULL, tool, eb)) != 0 || (key != NULL &&
	    (r = zs_key_check_validity(key, time(NULL), eb)) != 0))
		return r;
	*keyp = key;
	return 0;
}

int
security_authorize_unsigned(struct security *sec,
    const struct policy_identity *id, const char *tool, struct zs_errbuf *eb)
{
	if (sec == NULL)
		return 0;
	return policy_authorize(id->policy, id, NULL, tool, eb);
}

int
security_check_image(struct security *sec, const struct policy_identity *id,
    const struct zs_key *key, const struct policy_image *img,
    struct zs_errbuf *eb)
{
	if (sec == NULL || key == NULL)
		return 0;
	return policy_check_image(id->policy, zs_key_name(key), img, eb);
}

/*
 * Check and record the rules of a signature about to be returned; 0 and
 * rec->state set, or the refusal in eb. The audit record travels with
 * the state change where the store keeps records.
 */
static int
security_admit(struct security *sec, const struct policy_identity *id,
    const struct security_outcome *o, struct audit_record *rec,
    struct zs_errbuf *eb)
{
	struct store_admit a;
	uint64_t seq = 0;
	char *json;
	int r;

	if ((r = policy_admission(id->policy, id, zs_key_name(o->key),
	    o->image, &a, eb)) != 0)
		return r;
	/* Hashing the files again only where the record is kept. */
	json = store_keeps_records(sec->store) ? audit_record_json(rec) : NULL;
	a.record = json;
	r = store_admit(sec->store, &a, &seq, eb);
	free(json);
	if (r == 0 && a.update)
		rec->state = seq;
	return r;
}

int
security_audit(struct security *sec, const struct policy_identity *id,
    const struct security_outcome *o, struct zs_errbuf *eb)
{
	struct audit_record rec;
	struct zs_errbuf seb, reb;
	enum refuse_kind kind;
	char *json;
	int code = o->code, refused = 0, shared, r;

	if (sec == NULL)
		return 0;
	shared = sec->store != NULL && o->key != NULL && id->policy != NULL &&
	    policy_key_needs_state(id->policy, zs_key_name(o->key));
	memset(&rec, 0, sizeof(rec));
	rec.identity = id->name;
	rec.auth = security_auth_names[id->auth];
	rec.peer = id->peer;
	if (id->auth == POLICY_AUTH_OIDC && id->oidc.jti[0] != '\0')
		rec.jti = id->oidc.jti;
	rec.key = o->key ? zs_key_name(o->key) : NULL;
	rec.key_fingerprint = o->key ? zs_key_fingerprint(o->key) : NULL;
	rec.tool = o->tool;
	rec.inputs = o->inputs;
	rec.outputs = o->code == 0 ? o->outputs : NULL;
	rec.version = o->version;
	rec.digest = o->digest;
	rec.result = AUDIT_OK;
	rec.message = o->message;
	rec.ms = o->ms;
	rec.request = o->request;
	rec.node = sec->durable ? sec->node : NULL;
	/* The rules decide last, on the image as it would leave. */
	if (code == 0 && shared &&
	    (refused = security_admit(sec, id, o, &rec, &seb)) != 0) {
		code = refused;
		rec.outputs = NULL;
		rec.message = seb.msg;
	}
	if (code != 0)
		rec.result = refuse_kind_of(code, &kind) == 0 ?
		    refuse_info(kind)->result : AUDIT_FAILED;
	rec.error = code;
	/* Refusals of shared rules join the shared records (PostgreSQL). */
	if (code != 0 && shared && sec->durable) {
		json = audit_record_json(&rec);
		if (store_record(sec->store, id->name, rec.key, rec.result ==
		    AUDIT_REFUSED ? "refused" : "failed", json, &reb) != 0)
			log_warnx("%s", reb.msg);
		free(json);
	}
	if (rec.state == 0 && sec->durable)
		rec.state = store_seq(sec->store);
	r = sec->audit != NULL ? audit_append(sec->audit, &rec, eb) : 0;
	if (refused != 0)
		return zs_errf(eb, refused, "%s", seb.msg);
	return r;
}

const char *
security_state_health(struct security *sec, struct zs_errbuf *eb)
{
	if (sec == NULL || sec->store == NULL)
		return "off";
	return store_last_health(sec->store, eb) == 0 ? "ok" : "unavailable";
}

struct store *
security_store(struct security *sec)
{
	return sec != NULL ? sec->store : NULL;
}

int
security_audit_broken(struct security *sec)
{
	return sec != NULL && sec->audit != NULL && audit_broken(sec->audit);
}

const char *
security_audit_state(struct security *sec, char *err, size_t errlen)
{
	err[0] = '\0';
	if (sec == NULL || sec->audit == NULL)
		return "off";
	return audit_failing(sec->audit, err, errlen) ? "failing" : "ok";
}

/* Audit one step of a held request. */
static void
security_audit_step(struct security *sec, const struct policy_identity *id,
    const json_t *rec, enum audit_result result, const char *msg)
{
	struct audit_record ar;
	struct zs_errbuf eb;

	if (sec->audit == NULL)
		return;
	memset(&ar, 0, sizeof(ar));
	ar.identity = id != NULL ? id->name :
	    json_string_value(json_object_get(rec, "requester"));
	ar.auth = id != NULL ? security_auth_names[id->auth] : NULL;
	ar.peer = id != NULL ? id->peer : NULL;
	ar.key = json_string_value(json_object_get(rec, "key"));
	ar.tool = json_string_value(json_object_get(rec, "tool"));
	ar.version = json_string_value(json_object_get(rec, "version"));
	ar.request = json_string_value(json_object_get(rec, "id"));
	ar.result = result;
	ar.message = msg;
	ar.ms = -1;
	if (audit_append(sec->audit, &ar, &eb) != 0)
		log_warnx("%s", eb.msg);
}

/* What a client is shown of a held request (not the spool flags). */
static json_t *
security_approval_view(const json_t *rec)
{
	json_t *v = json_deep_copy(rec);

	json_object_del(v, "bin");
	return v;
}

/* The compact text of o, which is freed; malloc'd. */
static char *
security_dump_new(json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return text;
}

/* The reply describing a held request: {"approval": {...}}; malloc'd. */
static char *
security_approval_reply(const json_t *rec)
{
	return security_dump_new(json_pack("{s:o}", "approval",
	    security_approval_view(rec)));
}

/* The record of held request reqid, auditing its expiry if it just came. */
static int
security_approval_get(struct security *sec, const char *reqid, json_t **recp,
    struct zs_errbuf *eb)
{
	int r, expired;

	if ((r = approvals_get(sec->approvals, reqid, time(NULL), recp,
	    &expired, eb)) != 0)
		return r;
	if (expired)
		security_audit_step(sec, NULL, *recp, AUDIT_EXPIRED, "no "
		    "approval in time");
	return 0;
}

int
security_needs_approval(struct security *sec,
    const struct policy_identity *id, const struct zs_key *key)
{
	unsigned required, timeout;

	return sec != NULL && key != NULL && id->policy != NULL &&
	    policy_approval(id->policy, zs_key_name(key), &required,
	    &timeout);
}

int
security_hold(struct security *sec, const struct policy_identity *id,
    const struct zs_key *key, const char *tool, const struct fileset *inputs,
    const char *version, const uint8_t *body, size_t len, int bin,
    char **replyp, struct zs_errbuf *eb)
{
	const json_t *approvers;
	char reqid[APPROVAL_ID_LEN], hex[65], msg[128];
	unsigned required = 0, timeout = 0;
	json_t *rec, *files;
	const uint8_t *d;
	const char *name;
	size_t i, dl;
	int r;

	if (sec->approvals == NULL || id->policy == NULL ||
	    !policy_approval(id->policy, zs_key_name(key), &required,
	    &timeout))
		return zs_errf(eb, ZS_ERR_INTERNAL, "no approvals store");
	files = json_object();
	for (i = 0; inputs != NULL && i < fileset_count(inputs); i++)
		if (fileset_at(inputs, i, &name, &d, &dl) == 0) {
			zs_sha256_hex(d, dl, hex);
			json_object_set_new(files, name, json_string(hex));
		}
	rec = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:b}", "key",
	    zs_key_name(key), "tool", tool, "inputs", files, "requester",
	    id->name, "requester_auth", security_auth_names[id->auth],
	    "peer", id->peer, "required", (json_int_t)required, "bin", bin);
	if (rec == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "a held request must have "
		    "printable names");
	if (version != NULL)
		json_object_set_new(rec, "version", json_string(version));
	if ((approvers = policy_approvers(id->policy, zs_key_name(key))) !=
	    NULL)
		json_object_set(rec, "approvers", (json_t *)approvers);
	if ((r = approvals_create(sec->approvals, rec, time(NULL), timeout,
	    body, len, reqid, eb)) != 0)
		goto out;
	snprintf(msg, sizeof(msg), "held until %u approval%s are in",
	    required, required == 1 ? "" : "s");
	security_audit_step(sec, id, rec, AUDIT_HELD, msg);
	*replyp = security_approval_reply(rec);
	r = 0;
 out:
	json_decref(rec);
	return r;
}

int
security_approvals_list(struct security *sec,
    const struct policy_identity *id, char **replyp, struct zs_errbuf *eb)
{
	json_t *all = NULL, *expired = NULL, *out, *rec;
	const char *state, *key, *requester;
	size_t i;
	int r;

	if (sec == NULL || sec->approvals == NULL)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "no key needs approvals");
	if (id->auth == POLICY_AUTH_NONE)
		return zs_errf(eb, ZS_ERR_UNAUTH, "not authenticated: %s",
		    id->reason);
	if ((r = approvals_list(sec->approvals, time(NULL), &all, &expired,
	    eb)) != 0)
		return r;
	json_array_foreach(expired, i, rec)
		security_audit_step(sec, NULL, rec, AUDIT_EXPIRED, "no "
		    "approval in time");
	out = json_array();
	json_array_foreach(all, i, rec) {
		state = json_string_value(json_object_get(rec, "state"));
		key = json_string_value(json_object_get(rec, "key"));
		requester = json_string_value(json_object_get(rec,
		    "requester"));
		if (state == NULL || key == NULL || requester == NULL ||
		    (strcmp(state, "pending") != 0 &&
		    strcmp(state, "approved") != 0))
			continue;
		/* Approvers see what they may approve; requesters their own. */
		if (strcmp(requester, id->name) != 0 &&
		    !policy_may_approve(id->policy, key, id))
			continue;
		json_array_append_new(out, security_approval_view(rec));
	}
	*replyp = security_dump_new(json_pack("{s:o}", "approvals", out));
	json_decref(all);
	json_decref(expired);
	return 0;
}

int
security_approvals_vote(struct security *sec,
    const struct policy_identity *id, const char *reqid, int approve,
    char **replyp, struct zs_errbuf *eb)
{
	json_t *rec = NULL;
	const char *key, *state;
	char msg[POLICY_NAME_MAX + 64];
	int r;

	if (sec == NULL || sec->approvals == NULL)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "no key needs approvals");
	if (id->auth == POLICY_AUTH_NONE)
		return zs_errf(eb, ZS_ERR_UNAUTH, "not authenticated: %s",
		    id->reason);
	if ((r = security_approval_get(sec, reqid, &rec, eb)) != 0)
		return r;
	key = json_string_value(json_object_get(rec, "key"));
	/* Refusals are audited by the caller's refusal (daemon/refuse.h). */
	if (key == NULL || !policy_may_approve(id->policy, key, id)) {
		r = zs_errf(eb, ZS_ERR_DENIED, "%s may not approve requests "
		    "for key \"%s\"", id->name, key != NULL ? key : "?");
		goto out;
	}
	if ((r = approvals_vote(rec, id->name, approve, eb)) != 0)
		goto out;
	if ((r = approvals_update(sec->approvals, rec, eb)) != 0)
		goto out;
	state = json_string_value(json_object_get(rec, "state"));
	snprintf(msg, sizeof(msg), "%s by %s; now %s", approve ? "approved" :
	    "rejected", id->name, state);
	security_audit_step(sec, id, rec, approve ? AUDIT_APPROVED :
	    AUDIT_REJECTED, msg);
	if (!approve)
		approvals_forget_body(sec->approvals, reqid);
	*replyp = security_approval_reply(rec);
	r = 0;
 out:
	json_decref(rec);
	return r;
}

int
security_approvals_fetch(struct security *sec,
    const struct policy_identity *id, const char *reqid, uint8_t **bodyp,
    size_t *lenp, int *binp, char **pendingp, struct zs_errbuf *eb)
{
	json_t *rec = NULL;
	const char *state, *requester;
	int r;

	if (sec == NULL || sec->approvals == NULL)
		return zs_errf(eb, ZS_ERR_NOT_FOUND, "no key needs approvals");
	if ((r = security_approval_get(sec, reqid, &rec, eb)) != 0)
		return r;
	state = json_string_value(json_object_get(rec, "state"));
	requester = json_string_value(json_object_get(rec, "requester"));
	/* Only the requester collects: the image is theirs to have. */
	if (id->auth == POLICY_AUTH_NONE) {
		r = zs_errf(eb, ZS_ERR_UNAUTH, "not authenticated: %s",
		    id->reason);
		goto out;
	}
	if (requester == NULL || strcmp(requester, id->name) != 0) {
		r = zs_errf(eb, ZS_ERR_DENIED, "only %s may collect request %s",
		    requester != NULL ? requester : "its requester", reqid);
		goto out;
	}
	if (state != NULL && strcmp(state, "pending") == 0) {
		*pendingp = security_approval_reply(rec);
		r = 0;
		goto out;
	}
	if (state == NULL || strcmp(state, "approved") != 0) {
		r = zs_errf(eb, ZS_ERR_CONFLICT, "request %s is %s", reqid,
		    state != NULL ? state : "broken");
		goto out;
	}
	if ((r = approvals_body(sec->approvals, reqid, bodyp, lenp, eb)) != 0)
		goto out;
	*binp = json_is_true(json_object_get(rec, "bin"));
	r = 0;
 out:
	json_decref(rec);
	return r;
}

void
security_approvals_done(struct security *sec, const char *reqid, int code)
{
	struct zs_errbuf eb;
	json_t *rec = NULL;
	int expired;

	if (sec == NULL || sec->approvals == NULL || code != 0)
		return;
	if (approvals_get(sec->approvals, reqid, time(NULL), &rec, &expired,
	    &eb) != 0) {
		log_warnx("%s", eb.msg);
		return;
	}
	/* Signed once: the approvals are spent. */
	json_object_set_new(rec, "state", json_string("signed"));
	if (approvals_update(sec->approvals, rec, &eb) != 0)
		log_warnx("%s", eb.msg);
	approvals_forget_body(sec->approvals, reqid);
	json_decref(rec);
}

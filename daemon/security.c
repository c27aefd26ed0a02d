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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>
#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/audit.h"
#include "daemon/policy.h"
#include "daemon/security.h"
#include "daemon/tls.h"

/* Highest socket_mode accepted: permission bits only. */
#define SECURITY_MODE_MAX	0777

struct security {
	struct policy	*policy;
	struct audit	*audit;
	struct tls	*tls;
	int		 socket_mode;	/* -1: leave the server's default */
	gid_t		 socket_gid;
	int		 have_gid;
};

static const char *const security_auth_names[] = {
	[POLICY_AUTH_NONE] = "none",
	[POLICY_AUTH_UNIX] = "unix",
	[POLICY_AUTH_CERT] = "cert",
	[POLICY_AUTH_TOKEN] = "token",
};

/* A string member of a small settings object, strictly checked. */
static int
security_strings(const json_t *o, const char *what, const char *const *names,
    const char **vals, size_t n, struct zs_errbuf *eb)
{
	const char *k;
	json_t *v;
	size_t i;

	if (o == NULL)
		return 0;
	if (!json_is_object(o))
		return zs_errf(eb, ZS_ERR_INVALID, "\"%s\" must be an object",
		    what);
	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; i < n; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (i == n || !json_is_string(v))
			return zs_errf(eb, ZS_ERR_INVALID, "%s: bad or unknown "
			    "member \"%s\"", what, k);
		vals[i] = json_string_value(v);
	}
	return 0;
}

static int
security_socket_conf(struct security *sec, const json_t *root,
    struct zs_errbuf *eb)
{
	unsigned long long n;
	const json_t *mode, *group;
	struct group *gr;

	sec->socket_mode = -1;
	mode = json_object_get(root, "socket_mode");
	group = json_object_get(root, "socket_group");
	if (mode != NULL) {
		/* "0660" is octal, as chmod(1) reads it. */
		if (json_is_string(mode) && json_string_value(mode)[0] == '0' &&
		    strspn(json_string_value(mode), "01234567") ==
		    strlen(json_string_value(mode)))
			n = strtoull(json_string_value(mode), NULL, 8);
		else if (json_is_integer(mode) && json_integer_value(mode) >= 0)
			n = (unsigned long long)json_integer_value(mode);
		else
			n = SECURITY_MODE_MAX + 1;
		if (n > SECURITY_MODE_MAX)
			return zs_errf(eb, ZS_ERR_INVALID, "socket_mode must be "
			    "an octal string such as \"0660\"");
		sec->socket_mode = (int)n;
	}
	if (group != NULL) {
		if (json_is_string(group) &&
		    (gr = getgrnam(json_string_value(group))) != NULL)
			sec->socket_gid = gr->gr_gid;
		else if (json_is_string(group) && zs_parse_uint(
		    json_string_value(group), (gid_t)-2, &n) == 0)
			sec->socket_gid = (gid_t)n;
		else if (json_is_integer(group) && json_integer_value(group) >= 0)
			sec->socket_gid = (gid_t)json_integer_value(group);
		else
			return zs_errf(eb, ZS_ERR_INVALID, "socket_group: no "
			    "such group");
		sec->have_gid = 1;
	}
	return 0;
}

/* Audit a client certificate the TLS handshake refused. */
static void
security_tls_refused(void *arg, const char *peer, const char *why)
{
	struct security *sec = arg;
	struct audit_record rec = { .identity = "anonymous", .auth = "cert",
	    .peer = peer, .result = AUDIT_REFUSED, .error = ZS_ERR_DENIED,
	    .message = why, .ms = -1 };
	struct zs_errbuf eb;

	if (sec->audit != NULL && audit_append(sec->audit, &rec, &eb) != 0)
		log_warnx("%s", eb.msg);
}

int
security_new(const json_t *root, const struct security_opts *opts,
    struct security **secp, struct zs_errbuf *eb)
{
	static const char *const tls_names[] = { "cert", "key", "client_ca" };
	static const char *const audit_names[] = { "path" };
	struct tls_files files = { NULL, NULL, NULL };
	const char *tlsv[3] = { NULL, NULL, NULL }, *auditv[1] = { NULL };
	struct security *sec;
	int r;

	sec = xcalloc(1, sizeof(*sec));
	if ((r = policy_new(root, &sec->policy, eb)) != 0 ||
	    (root != NULL && ((r = security_strings(json_object_get(root,
	    "tls"), "tls", tls_names, tlsv, 3, eb)) != 0 ||
	    (r = security_strings(json_object_get(root, "audit"), "audit",
	    audit_names, auditv, 1, eb)) != 0 ||
	    (r = security_socket_conf(sec, root, eb)) != 0)))
		goto fail;
	if (root == NULL)
		sec->socket_mode = -1;
	files.cert = opts->tls_cert ? opts->tls_cert : tlsv[0];
	files.key = opts->tls_key ? opts->tls_key : tlsv[1];
	files.client_ca = opts->tls_client_ca ? opts->tls_client_ca : tlsv[2];
	if (opts->need_tls) {
		if (files.client_ca == NULL && !policy_has_tokens(sec->policy)) {
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
	if (opts->check_only)
		goto done;
	if ((opts->audit_path || auditv[0]) && (r = audit_open(opts->audit_path ?
	    opts->audit_path : auditv[0], &sec->audit, eb)) != 0)
		goto fail;
	if (sec->audit == NULL)
		log_warnx("no audit log configured (\"audit\": {\"path\": ...} "
		    "or --audit-log): requests are not recorded");
	else
		log_info("audit log %s: %llu line(s) so far",
		    audit_path(sec->audit), audit_count(sec->audit));
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
	char head[65];

	if (sec == NULL)
		return;
	if (sec->audit != NULL) {
		/* An anchor kept outside the file: see docs/SECURITY.md. */
		audit_head(sec->audit, head);
		log_info("audit log %s: %llu line(s), head %s",
		    audit_path(sec->audit), audit_count(sec->audit), head);
	}
	policy_free(sec->policy);
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
	log_info("SIGHUP: TLS certificate, key and client CA reloaded");
	return 0;
}

void
security_identify(const struct security *sec, struct evhttp_request *req,
    struct policy_identity *id)
{
	if (sec == NULL) {
		/* No security settings at all: peer credentials only. */
		policy_identity_init(id, NULL);
		return;
	}
	policy_identity_request(sec->policy, req, id);
}


void
security_refused(struct security *sec, const struct policy_identity *id,
    int code, const char *msg)
{
	struct security_outcome o = { .code = code, .message = msg, .ms = -1 };
	struct zs_errbuf eb;

	if (security_audit(sec, id, &o, &eb) != 0)
		log_warnx("%s", eb.msg);
}

int
security_enter(struct security *sec, const struct policy_identity *id,
    struct zs_errbuf *eb)
{
	int r;

	if (sec == NULL)
		return 0;
	if (id->auth == POLICY_AUTH_NONE)
		r = zs_errf(eb, ZS_ERR_DENIED, "not authenticated: %s",
		    id->reason);
	else
		r = policy_enter(sec->policy, id, eb);
	if (r != 0) {
		log_info("refused %s from %s: %s", id->name, id->peer, eb->msg);
		security_refused(sec, id, r, eb->msg);
	}
	return r;
}

void
security_leave(struct security *sec, const struct policy_identity *id)
{
	if (sec != NULL)
		policy_leave(sec->policy, id);
}

int
security_authorize(struct security *sec, const struct policy_identity *id,
    const struct keyring *kr, const char *tool, struct zs_key **keyp,
    struct zs_errbuf *eb)
{
	const char *name = NULL;
	struct zs_key *key = *keyp;
	int r;

	if (sec == NULL)
		return 0;
	if (key == NULL) {
		if ((r = policy_default_key(sec->policy, id, tool, &name,
		    eb)) != 0)
			return r;
		if (name != NULL && (key = keyring_find(kr, name)) == NULL)
			return zs_errf(eb, ZS_ERR_NOT_FOUND, "default key "
			    "\"%s\" is not loaded", name);
	}
	if ((r = policy_authorize(sec->policy, id, key ? zs_key_name(key) :
	    NULL, tool, eb)) != 0)
		return r;
	*keyp = key;
	return 0;
}

int
security_check_image(struct security *sec, const struct zs_key *key,
    const char *input, const char *version, size_t image_size,
    struct zs_errbuf *eb)
{
	char image[POLICY_IMAGE_MAX];

	if (sec == NULL || key == NULL || !policy_key_has_image_rules(sec->policy,
	    zs_key_name(key)))
		return 0;
	policy_image_id(input, image);
	return policy_admit_image(sec->policy, zs_key_name(key), image,
	    version, image_size, eb);
}

int
security_audit(struct security *sec, const struct policy_identity *id,
    const struct security_outcome *o, struct zs_errbuf *eb)
{
	struct audit_record rec;

	if (sec == NULL || sec->audit == NULL)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.identity = id->name;
	rec.auth = security_auth_names[id->auth];
	rec.peer = id->peer;
	rec.key = o->key ? zs_key_name(o->key) : NULL;
	rec.key_fingerprint = o->key ? zs_key_fingerprint(o->key) : NULL;
	rec.tool = o->tool;
	rec.inputs = o->inputs;
	rec.outputs = o->code == 0 ? o->outputs : NULL;
	rec.version = o->version;
	rec.digest = o->digest;
	rec.result = o->code == 0 ? AUDIT_OK : (o->code == ZS_ERR_DENIED ||
	    o->code == ZS_ERR_LIMIT) ? AUDIT_REFUSED : AUDIT_FAILED;
	rec.error = o->code;
	rec.message = o->message;
	rec.ms = o->ms;
	return audit_append(sec->audit, &rec, eb);
}

const char *
security_audit_state(struct security *sec)
{
	if (sec == NULL || sec->audit == NULL)
		return "off";
	return audit_broken(sec->audit) ? "failing" : "ok";
}

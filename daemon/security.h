/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's security hooks in one place, so that the server and the
 * handlers call one function at each step of a request: identify ->
 * admit -> authorize (key chosen) -> sign -> check the image -> audit ->
 * reply. Built from the configuration's "tls", "tokens", "keys[].allow",
 * "keys[].rules", "audit", "limits", "state_file", "socket_*" members.
 */
#ifndef ZS_SECURITY_H
#define ZS_SECURITY_H

#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "daemon/conn.h"
#include "daemon/conf.h"
#include "daemon/policy.h"
#include "keystore/keystore.h"

/* Command-line settings that override the configuration file's. */
struct security_opts {
	const char	*tls_cert;
	const char	*tls_key;
	const char	*tls_client_ca;
	const char	*tls_crl;	/* revoked client certificates */
	const char	*audit_path;
	const char	*state_url;	/* --state */
	int		 allow_state_rollback;	/* --allow-state-rollback */
	const char	*audit_key;	/* signs the audit checkpoints */
	int		 need_tls;	/* a tcp: listener is configured */
	int		 check_only;	/* zsignd -n: audit log not opened */
};

/* What the audit line of a finished request says besides the identity. */
struct security_outcome {
	const char		*tool;
	const struct zs_key	*key;
	const struct fileset	*inputs;
	const struct fileset	*outputs;	/* NULL unless signed */
	const char		*version;	/* MCUboot image version */
	const char		*digest;	/* raw-sign: "sha256:<hex>" */
	const struct policy_image *image;	/* MCUboot facts, or NULL */
	int			 code;		/* 0 or ZS_ERR_* */
	const char		*message;
	long			 ms;
	const char		*request;	/* approved held request */
};

struct metrics;
struct security;

/*
 * The request-path functions below accept a NULL sec (no security set
 * up, as in handler unit tests): everything is allowed, nothing audited.
 */

/*
 * Check the security settings of cfg (parsed by conf.c) and opts; load
 * TLS, audit and the state store. pol, the first configuration
 * generation's policy (may be NULL), says whether a TLS listener can
 * authenticate anyone, which state the rules need and whether requests
 * are held for approval.
 */
int	security_new(const struct conf *cfg, const struct policy *pol,
	    const struct security_opts *opts, struct security **secp,
	    struct zs_errbuf *eb);
/*
 * May a reloaded configuration's policy run on what sec opened at
 * start-up? Rules that need a (durable) state store it lacks take a
 * restart: ZS_ERR_INVALID.
 */
int	security_accepts_policy(const struct security *sec,
	    const struct policy *pol, struct zs_errbuf *eb);
/* Free sec (logging the audit chain's head); NULL is a no-op. */
void	security_free(struct security *sec);
/* Apply "socket_mode" and "socket_group" to a freshly bound Unix socket. */
int	security_socket_perms(const struct security *sec, const char *path,
	    struct zs_errbuf *eb);
/* Make http (its connections watched by c) a TLS listener on "HOST:PORT". */
int	security_listen_tcp(struct security *sec, struct evhttp *http,
	    struct conn *c, const char *hostport, struct evhttp_bound_socket **bsp,
	    struct zs_errbuf *eb);
/*
 * Count in m the refusals that happen outside any request (client
 * certificates the TLS handshake refused); m NULL stops counting.
 */
void	security_set_metrics(struct security *sec, struct metrics *m);
/*
 * Serve TLS on every connection c makes, for TCP sockets passed by the
 * service manager; ZS_ERR_USAGE without TLS settings.
 */
int	security_tls_conn(struct security *sec, struct conn *c,
	    struct zs_errbuf *eb);
/*
 * SIGHUP: reopen the audit log (a failure is logged), reload the TLS
 * files; on a TLS failure (ZS_ERR_*, reason in eb) the old context stays.
 */
int	security_reload(struct security *sec, struct zs_errbuf *eb);

/*
 * The state store for /v1/health, as its last use found it: "off", "ok"
 * or "unavailable" (the reason in eb); never blocks.
 */
const char *security_state_health(struct security *sec, struct zs_errbuf *eb);
/* The state store (borrowed; NULL when no rule needs one). */
struct store *security_store(struct security *sec);

/*
 * The audit trail for /v1/health: "off", "ok" or "failing" (latched shut,
 * its file removed, or its last write failed: nothing can be signed);
 * the reason, or "", goes to err (errlen bytes).
 */
const char *security_audit_state(struct security *sec, char *err,
	    size_t errlen);

/*
 * Does the audit log refuse every append (latched broken, or its file
 * removed or replaced) until it is reopened? Then nothing can be signed.
 */
int	security_audit_broken(struct security *sec);

/*
 * Who sent req (event loop thread), by the running generation's policy
 * pol (its tokens); id keeps pol, and every later step of the request
 * (admit, authorize, check, audit) uses it, so a request finishes under
 * the generation it started with.
 */
void	security_identify(const struct security *sec, struct policy *pol,
	    struct evhttp_request *req, struct policy_identity *id);
/*
 * Who is on evcon (NULL: no one known), for a refusal that has no request
 * (evhttp's own): as security_identify() without a request's token.
 */
void	security_identify_conn(const struct security *sec, struct policy *pol,
	    struct evhttp_connection *evcon, struct policy_identity *id);
/*
 * Let a sign request in: refuse the unauthenticated (ZS_ERR_UNAUTH) and
 * an identity at its concurrency cap (ZS_ERR_LIMIT); the caller refuses
 * through refuse_record(), which audits. On 0 the caller owes a
 * security_leave().
 */
int	security_enter(struct security *sec, const struct policy_identity *id,
	    struct zs_errbuf *eb);
/*
 * Audit a refusal (code, msg; about held request request, or NULL) of
 * id's request; refuse_record() calls it. Those of unauthenticated peers
 * are counted for an aggregate record; returns 1 when such a peer is past
 * REFAGG_RATE a second (to be answered 429).
 */
int	security_refused(struct security *sec,
	    const struct policy_identity *id, int code, const char *request,
	    const char *msg);
/*
 * Write the aggregate records of unauthenticated refusals (one per peer
 * since the last flush); the server calls it every REFAGG_INTERVAL_MS and
 * security_free() a last time.
 */
void	security_flush(struct security *sec);
/* The request that security_enter() let in is answered. */
void	security_leave(struct security *sec, const struct policy_identity *id);
/*
 * Choose and check the key (worker thread): with *keyp NULL the caller's
 * default key, if any, is put there; then may id use it with tool, and is
 * it inside its validity window?
 */
int	security_authorize(struct security *sec,
	    const struct policy_identity *id, const struct keyring *kr,
	    const char *tool, struct zs_key **keyp, struct zs_errbuf *eb);
/*
 * May id make an image that is never signed (rimage's i.MX format) with
 * tool? No key, not even a default one, is chosen for it.
 */
int	security_authorize_unsigned(struct security *sec,
	    const struct policy_identity *id, const char *tool,
	    struct zs_errbuf *eb);
/*
 * Check a signed MCUboot image against its key's stateless rules, as the
 * policy that identified id has them.
 */
int	security_check_image(struct security *sec,
	    const struct policy_identity *id, const struct zs_key *key,
	    const struct policy_image *img, struct zs_errbuf *eb);
/*
 * Finish a request (worker thread): for a signature with a key whose
 * rules keep state, check and record them in the state store (one
 * transaction, with the audit record where the store keeps them), then
 * write the request's audit line and sync it. A failure (a rule refusing,
 * ZS_ERR_DENIED or ZS_ERR_LIMIT; the store or the log failing) means the
 * signed image must not be returned; eb says why.
 */
int	security_audit(struct security *sec, const struct policy_identity *id,
	    const struct security_outcome *o, struct zs_errbuf *eb);

/* Does key need approvals before it signs (worker thread)? */
int	security_needs_approval(struct security *sec,
	    const struct policy_identity *id, const struct zs_key *key);
/*
 * Hold a sign request for key until its approvals are in (worker
 * thread): its body is spooled, its record stored and the step audited;
 * *replyp (malloc'd) is the 202 reply describing it.
 */
int	security_hold(struct security *sec, const struct policy_identity *id,
	    const struct zs_key *key, const char *tool,
	    const struct fileset *inputs, const char *version,
	    const uint8_t *body, size_t len, int bin, char **replyp,
	    struct zs_errbuf *eb);
/* GET /v1/approvals: the held requests id may approve, and its own. */
int	security_approvals_list(struct security *sec,
	    const struct policy_identity *id, char **replyp,
	    struct zs_errbuf *eb);
/* Approve (or reject) held request reqid as id; audited either way. */
int	security_approvals_vote(struct security *sec,
	    const struct policy_identity *id, const char *reqid, int approve,
	    char **replyp, struct zs_errbuf *eb);
/*
 * Collect held request reqid as its requester: while pending, *pendingp
 * (malloc'd) describes it; once approved, *bodyp is the spooled request
 * to sign (binary form when *binp).
 */
int	security_approvals_fetch(struct security *sec,
	    const struct policy_identity *id, const char *reqid,
	    uint8_t **bodyp, size_t *lenp, int *binp, char **pendingp,
	    struct zs_errbuf *eb);
/* The approved request reqid was signed (code 0): its approvals are spent. */
void	security_approvals_done(struct security *sec, const char *reqid,
	    int code);

#endif /* ZS_SECURITY_H */

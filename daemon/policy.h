/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who is asking and what they may do: identities (Unix peer credentials,
 * TLS client certificates, bearer tokens kept only as SHA-256 hashes),
 * per-key allow lists and rules (anti-rollback, slot fit, signatures per
 * hour), default-key choice and a per-identity concurrency cap. Without a
 * configuration every authenticated identity may use every key.
 */
#ifndef ZS_POLICY_H
#define ZS_POLICY_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "common/zserr.h"
#include "daemon/jwt.h"
#include "daemon/oidc.h"
#include "state/store.h"

/* Longest identity or name text, NUL included. */
#define POLICY_NAME_MAX		256
/* Longest peer description ("unix:pid=N", "[v6addr]:port"). */
#define POLICY_PEER_MAX		80
/* Most supplementary groups of a Unix peer taken into account. */
#define POLICY_GROUPS_MAX	64
/* Most names (CN and SANs) taken from a client certificate. */
#define POLICY_CERTNAMES_MAX	16
/* Longest bearer token accepted from a request (an OIDC JWT included). */
#define POLICY_TOKEN_MAX	JWT_TOKEN_MAX

/* The "tool" of POST /v1/raw-sign in allow lists, audit and metrics. */
#define POLICY_TOOL_RAW_NAME	"raw-sign"

enum policy_auth {
	POLICY_AUTH_NONE,		/* no valid credential */
	POLICY_AUTH_UNIX,		/* SO_PEERCRED */
	POLICY_AUTH_CERT,		/* verified TLS client certificate */
	POLICY_AUTH_TOKEN,		/* bearer token matching a stored hash */
	POLICY_AUTH_OIDC,		/* OIDC token of a configured issuer */
};

/* Where a certificate name came from (access lists match by type). */
enum policy_certname {
	POLICY_CERTNAME_CN,		/* the subject's commonName */
	POLICY_CERTNAME_DNS,		/* a dNSName subjectAltName */
	POLICY_CERTNAME_EMAIL,		/* an rfc822Name subjectAltName */
	POLICY_CERTNAME_URI,		/* a uniformResourceIdentifier SAN */
};

/* Who sent a request; filled by the policy_identity_* functions. */
struct policy_identity {
	enum policy_auth	auth;
	char			name[POLICY_NAME_MAX];	/* "uid:1000", "cert:ci", "token:ci" */
	char			peer[POLICY_PEER_MAX];
	char			reason[ZS_ERRMSG_MAX];	/* why auth is NONE */
	uid_t			uid;
	gid_t			gid;
	size_t			ngroups;
	gid_t			groups[POLICY_GROUPS_MAX];
	size_t			ncertnames;
	char			certnames[POLICY_CERTNAMES_MAX][POLICY_NAME_MAX];
	uint8_t			certtypes[POLICY_CERTNAMES_MAX];	/* policy_certname */
	char			token[POLICY_NAME_MAX];	/* token name */
	struct oidc_claims	oidc;		/* POLICY_AUTH_OIDC only */
	/*
	 * The policy of the configuration generation that identified it
	 * (borrowed: the request holds that generation; NULL: none). Its
	 * request is authorized, limited and checked by that policy to the
	 * end, whatever a reload brings meanwhile.
	 */
	struct policy		*policy;
};

struct policy;

struct conf;

/*
 * Build the policy from the daemon's parsed configuration (NULL: no
 * configuration, everything allowed): its tokens, OIDC issuers (loading
 * their key sets), keys' allow, approval and rules members, default and
 * raw_signing, and limits.per_identity_concurrency; the rules' state
 * lives in the store (state/store.h).
 */
int	policy_new(const struct conf *cfg, struct policy **pp,
	    struct zs_errbuf *eb);
/*
 * Build the policy of a reloaded configuration: as policy_new(), but the
 * long-lived state (requests in flight per identity) is shared with prev,
 * which may be freed before or after it.
 */
int	policy_next(const struct conf *cfg, const struct policy *prev,
	    struct policy **pp, struct zs_errbuf *eb);
/* Free p; NULL is a no-op. */
void	policy_free(struct policy *p);
/* Is any bearer token (or OIDC issuer) configured? */
int	policy_has_tokens(const struct policy *p);

/* Start an identity with no credential, from the peer's description. */
void	policy_identity_init(struct policy_identity *id, const char *peer);
/* Take the identity of the peer on a connected Unix socket (SO_PEERCRED). */
int	policy_identity_unix(int fd, struct policy_identity *id,
	    struct zs_errbuf *eb);
/* Take the identity from a client certificate the TLS layer verified. */
int	policy_identity_cert(X509 *cert, struct policy_identity *id,
	    struct zs_errbuf *eb);
struct evhttp_connection;
struct evhttp_request;

/*
 * Take the identity of the peer on conn (NULL: none) from the connection
 * alone: the Unix peer's credentials, or on TLS its address and the
 * verified client certificate. Returns 1 for TLS (where a request's bearer
 * token may replace it), else 0.
 */
int	policy_identity_conn(struct evhttp_connection *conn,
	    struct policy_identity *id);
/*
 * Take the identity of whoever sent req: the Unix peer's credentials, or
 * on TLS the verified client certificate, replaced by a bearer token when
 * one is presented. A bad token leaves id unauthenticated, with the reason.
 */
void	policy_identity_request(const struct policy *p,
	    struct evhttp_request *req, struct policy_identity *id);
/*
 * Take the identity from an Authorization header value ("Bearer TOKEN"): a
 * configured static token, or an OIDC token (JWT) of a configured issuer
 * verified at the current time; an unknown, malformed or unverifiable
 * token is ZS_ERR_DENIED and leaves id as it was.
 */
int	policy_identity_token(const struct policy *p, const char *authz,
	    struct policy_identity *id, struct zs_errbuf *eb);

/*
 * May id use key (NULL: no key, an unsigned image) with tool? Counts the
 * request against the key's per-hour limit when granted. Raw signatures
 * (POLICY_TOOL_RAW_NAME) need a key whose entry says "raw_signing": true. ZS_ERR_DENIED
 * (403) or ZS_ERR_LIMIT (429) with the reason in eb.
 */
int	policy_authorize(struct policy *p, const struct policy_identity *id,
	    const char *key, const char *tool, struct zs_errbuf *eb);
/*
 * The default key for a request that names none: the one key marked
 * "default" that id may use with tool. *keyp (borrowed) is NULL when there
 * is none; two candidates are ZS_ERR_INVALID.
 */
int	policy_default_key(const struct policy *p,
	    const struct policy_identity *id, const char *tool,
	    const char **keyp, struct zs_errbuf *eb);
/*
 * Does key need approvals ("approval")? 1 with the number required and
 * the seconds a held request waits, else 0.
 */
int	policy_approval(const struct policy *p, const char *key,
	    unsigned *requiredp, unsigned *timeoutp);
/* Does any key need approvals? */
int	policy_needs_approvals(const struct policy *p);
/* Key's approvers list as configured (borrowed), for display. */
const json_t *policy_approvers(const struct policy *p, const char *key);
/* Is id on key's approvers list? */
int	policy_may_approve(const struct policy *p, const char *key,
	    const struct policy_identity *id);

/* What the rules of a key judge in a signed MCUboot image. */
struct policy_image {
	int		signed_image;	/* a signature leaves (no vector) */
	char		version[64];	/* "maj.min.rev+build" */
	char		cid[33];	/* CID TLV in hex, "" without */
	int		has_counter;	/* security counter TLV written */
	uint64_t	counter;
	size_t		image_size;	/* header + body + TLVs */
	size_t		flash_size;	/* as written, --pad included */
};

/* Does key have rules that need the signed image (policy_check_image)? */
int	policy_key_has_image_rules(const struct policy *p, const char *key);
/* Does key have rules kept in the state store (marks, per-hour counts)? */
int	policy_key_needs_state(const struct policy *p, const char *key);
/* Does any key have rules kept in the state store? */
int	policy_needs_state(const struct policy *p);
/* Does any key keep marks that must survive a restart? */
int	policy_needs_durable_state(const struct policy *p);
/*
 * Check a freshly signed MCUboot image against key's stateless rules
 * before it is returned: it must fit the slot with its trailer, as
 * written (--pad included).
 */
int	policy_check_image(const struct policy *p, const char *key,
	    const struct policy_image *img, struct zs_errbuf *eb);
/*
 * Say what the store must check for id's signature with key (img: NULL
 * unless an MCUboot image was made): the mark's class (configured
 * image_class, else the image's CID, else the key), version, security
 * counter and per-hour limit. The strings in a are borrowed from p, id
 * and img.
 */
int	policy_admission(const struct policy *p,
	    const struct policy_identity *id, const char *key,
	    const struct policy_image *img, struct store_admit *a,
	    struct zs_errbuf *eb);
/* Parse "maj[.min[.rev]][+build]" into one comparable number. */
int	policy_version(const char *s, uint64_t *vp);

/* Take one of id's concurrent request slots; ZS_ERR_LIMIT when all are busy. */
int	policy_enter(struct policy *p, const struct policy_identity *id,
	    struct zs_errbuf *eb);
/* Give back the slot policy_enter() took. */
void	policy_leave(struct policy *p, const struct policy_identity *id);

/* Print "sha256:<hex>" of a token, the form the configuration stores. */
void	policy_token_hash(const char *token, size_t len,
	    char out[POLICY_NAME_MAX]);

#endif /* ZS_POLICY_H */

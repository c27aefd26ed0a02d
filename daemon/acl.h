/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access lists: the one place that says which identities an allow list
 * names and how an identity matches an entry, for every allow list (keys'
 * allow and approvers lists, metrics.allow). Certificate entries are typed
 * (cn:, dns:, email:, uri:); an untyped one, as older configurations wrote
 * them, names a CN or a DNS subjectAltName, never an email or URI one.
 */
#ifndef ZS_ACL_H
#define ZS_ACL_H

#include <stddef.h>

#include <jansson.h>

#include "common/zserr.h"

struct policy_identity;

/* Most entries of one access list. */
#define ACL_ENTRIES_MAX		1024

/* What one entry names (one row each in acl.c's acl_kinds[]). */
enum acl_kind {
	ACL_ANY,		/* "any": every authenticated identity */
	ACL_UNIX,		/* "unix": every Unix socket peer */
	ACL_UID,		/* "uid:USER": a Unix peer, by name or number */
	ACL_GID,		/* "gid:GROUP": primary or supplementary */
	ACL_CERT,		/* "cert:[TYPE:]NAME": a client certificate */
	ACL_TOKEN,		/* "token:NAME": a bearer token's name */
	ACL_OIDC,		/* "oidc:CLAIM:GLOB": an OIDC token's claim */
};

struct acl;

/* An empty list (it allows nobody). */
struct acl	*acl_new(void);
/* Free a; NULL is a no-op. */
void		 acl_free(struct acl *a);
/*
 * Add an entry written "unix", "any", "uid:USER", "gid:GROUP",
 * "cert:[TYPE:]NAME", "token:NAME" or "oidc:CLAIM:GLOB" (as in
 * metrics.allow).
 */
int		 acl_add(struct acl *a, const char *entry,
		    struct zs_errbuf *eb);
/*
 * The kind of the entries of a key's allow-list member list ("uids",
 * "groups", "certs", "tokens", "oidc"); ZS_ERR_NOT_FOUND for another name.
 */
int		 acl_list_kind(const char *list, enum acl_kind *kindp);
/* Write the member names acl_list_kind() knows, for messages. */
void		 acl_list_names(char *buf, size_t len);
/*
 * Add an entry of a known kind from a configuration value: ACL_UID and
 * ACL_GID take a number or a name, ACL_CERT a "[TYPE:]NAME" string (typed
 * or not), ACL_TOKEN a name, ACL_OIDC "CLAIM:GLOB" (as in a key's allow
 * lists).
 */
int		 acl_add_kind(struct acl *a, enum acl_kind kind,
		    const json_t *v, struct zs_errbuf *eb);
/* How many entries a holds. */
size_t		 acl_count(const struct acl *a);
/* Does any entry of a name id? An unauthenticated id never matches. */
int		 acl_allows(const struct acl *a,
		    const struct policy_identity *id);

#endif /* ZS_ACL_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two-person rule: sign requests for a key with "approval" are held
 * until enough other identities approve them. Each held request is a
 * record in the state store (namespace "approval") and its body a file in
 * the spool directory, so that both survive a restart; the requester
 * collects the signed image once the approvals are in.
 */
#ifndef ZS_APPROVAL_H
#define ZS_APPROVAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "common/zserr.h"

/* A request id: 32 lower-case hex digits and a NUL. */
#define APPROVAL_ID_LEN		33
/* Most requests held at once (pending or collectable). */
#define APPROVAL_HELD_MAX	1024

struct approvals;

struct store;

/*
 * Keep held requests in st (the daemon's state store, borrowed) and
 * their bodies in dir (the configuration's approvals.spool_dir).
 */
int	approvals_open(const char *dir, struct store *st,
	    struct approvals **ap, struct zs_errbuf *eb);
/* Close a; NULL is a no-op. */
void	approvals_close(struct approvals *a);
/*
 * Hold a new request: rec (borrowed; "id", "state", "created",
 * "expires" and "approved_by" are set here) is stored and body spooled;
 * id gets its id.
 */
int	approvals_create(struct approvals *a, json_t *rec, time_t now,
	    unsigned timeout_s, const uint8_t *body, size_t len,
	    char id[APPROVAL_ID_LEN], struct zs_errbuf *eb);
/*
 * The record of id (a new reference); a pending one whose time has
 * passed is stored as "expired" first and *expiredp set.
 */
int	approvals_get(struct approvals *a, const char *id, time_t now,
	    json_t **recp, int *expiredp, struct zs_errbuf *eb);
/* Store rec again under its "id". */
int	approvals_update(struct approvals *a, const json_t *rec,
	    struct zs_errbuf *eb);
/*
 * Every held record, oldest first, in *arrp; the pending ones whose time
 * passed are stored as "expired" first and listed in *expiredp too.
 */
int	approvals_list(struct approvals *a, time_t now, json_t **arrp,
	    json_t **expiredp, struct zs_errbuf *eb);
/* The spooled body of id; *bodyp is malloc'd. */
int	approvals_body(struct approvals *a, const char *id, uint8_t **bodyp,
	    size_t *lenp, struct zs_errbuf *eb);
/* Remove id's spooled body (signed, rejected, expired). */
void	approvals_forget_body(struct approvals *a, const char *id);
/*
 * Record who's vote on a pending rec: the requester cannot vote, each
 * approver counts once, a rejection ends it, and "required" approvals make
 * it "approved". ZS_ERR_DENIED or ZS_ERR_INVALID with the reason.
 */
int	approvals_vote(json_t *rec, const char *who, int approve,
	    struct zs_errbuf *eb);
/* Is s a well-formed request id? */
int	approvals_id_valid(const char *s);

#endif /* ZS_APPROVAL_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one path of a refusal: a table of the kinds of refusal (wire code,
 * HTTP status, metrics reason, audit result), and the function that
 * audits a refusal and counts it in /metrics before it is answered, so
 * that no refusal is answered without its audit line and its count.
 */
#ifndef ZS_REFUSE_H
#define ZS_REFUSE_H

#include "daemon/audit.h"

struct metrics;
struct policy_identity;
struct security;

/* Kinds of refusal; each is one entry of refuse.c's table. */
enum refuse_kind {
	REFUSE_INVALID,		/* 400: a malformed request */
	REFUSE_METHOD,		/* 405: a method the route does not take */
	REFUSE_UNAUTH,		/* 401: no valid credential */
	REFUSE_FORBIDDEN,	/* 403: the policy says no */
	REFUSE_NOT_FOUND,	/* 404: no such key, endpoint or request */
	REFUSE_CONFLICT,	/* 409: a held request's state forbids it */
	REFUSE_TOO_LARGE,	/* 413: a cap inside the request */
	REFUSE_RATE,		/* 429: max_per_hour, concurrency */
	REFUSE_FLOOD,		/* 429: unauthenticated, past the rate */
	REFUSE_BUSY,		/* 503: max_in_flight */
	REFUSE_BUSY_BYTES,	/* 503: max_in_flight_bytes, a request */
	REFUSE_BUSY_REPLY,	/* 503: max_in_flight_bytes, a signed reply */
	REFUSE_STOPPING,	/* 503: shutting down */
	REFUSE_AUDIT,		/* 503: the audit log refuses appends */
	REFUSE_BACKEND,		/* 503: key holder, token, state store */
	REFUSE_HANDSHAKE,	/* a failed TLS handshake: no answer */
	REFUSE_NKINDS
};

/* One kind of refusal. */
struct refuse_info {
	int			 code;		/* ZS_ERR_* answered */
	int			 status;	/* HTTP status */
	const char		*reason;	/* metrics label "reason" */
	enum audit_result	 result;	/* of its audit line */
};

/* The table entry of kind (a kind outside the table is a broken invariant). */
const struct refuse_info *refuse_info(enum refuse_kind kind);
/*
 * The kind of a handler's answer code: 0 with *kindp set when code is a
 * refusal (4xx, or 503 unavailable: REFUSE_BACKEND), else -1 (0 or a
 * server fault).
 */
int	refuse_kind_of(int code, enum refuse_kind *kindp);
/* One refusal, as its call site describes it. */
struct refusal {
	enum refuse_kind	 kind;
	int			 code;		/* 0: the kind's own */
	const char		*message;
	const char		*request;	/* held request's id, or NULL */
};

/*
 * Refuse id's request (loop thread) as rf says: write its audit line (an
 * unauthenticated peer's is counted for the aggregate record), then count
 * it under its kind's reason and its code. On return rf->code is the code
 * to answer: the kind's own, or a handler's more precise one of the same
 * status ("usage" rather than "invalid"); and rf->kind is REFUSE_FLOOD
 * when an unauthenticated peer is past its rate. sec and m may be NULL.
 */
void	refuse_record(struct security *sec, struct metrics *m,
	    const struct policy_identity *id, struct refusal *rf);
/*
 * Count a refusal whose audit line is written already: a sign request's
 * that a worker refused (its line has the request's files and key).
 */
void	refuse_count(struct metrics *m, enum refuse_kind kind, int code);

#endif /* ZS_REFUSE_H */

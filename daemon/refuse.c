/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every refusal zsignd answers is one kind of this table, audited and
 * counted here before the server sends its error body.
 */
#include "config.h"

#include <stddef.h>

#include "common/log.h"
#include "common/zserr.h"
#include "daemon/metrics.h"
#include "daemon/refuse.h"
#include "daemon/security.h"

static const struct refuse_info refuse_kinds[REFUSE_NKINDS] = {
	[REFUSE_INVALID] =	{ ZS_ERR_INVALID, 400, "invalid",
				  AUDIT_FAILED },
	[REFUSE_METHOD] =	{ ZS_ERR_INVALID, 405, "method",
				  AUDIT_FAILED },
	[REFUSE_UNAUTH] =	{ ZS_ERR_UNAUTH, 401, "unauthenticated",
				  AUDIT_REFUSED },
	[REFUSE_FORBIDDEN] =	{ ZS_ERR_DENIED, 403, "forbidden",
				  AUDIT_REFUSED },
	[REFUSE_NOT_FOUND] =	{ ZS_ERR_NOT_FOUND, 404, "not_found",
				  AUDIT_FAILED },
	[REFUSE_CONFLICT] =	{ ZS_ERR_CONFLICT, 409, "conflict",
				  AUDIT_REFUSED },
	[REFUSE_TOO_LARGE] =	{ ZS_ERR_TOO_LARGE, 413, "too_large",
				  AUDIT_FAILED },
	[REFUSE_RATE] =		{ ZS_ERR_LIMIT, 429, "rate_limited",
				  AUDIT_REFUSED },
	[REFUSE_FLOOD] =	{ ZS_ERR_LIMIT, 429, "flood",
				  AUDIT_REFUSED },
	[REFUSE_BUSY] =		{ ZS_ERR_UNAVAILABLE, 503, "busy",
				  AUDIT_FAILED },
	[REFUSE_BUSY_BYTES] =	{ ZS_ERR_UNAVAILABLE, 503, "busy_bytes",
				  AUDIT_FAILED },
	[REFUSE_BUSY_REPLY] =	{ ZS_ERR_UNAVAILABLE, 503, "busy_reply",
				  AUDIT_FAILED },
	[REFUSE_STOPPING] =	{ ZS_ERR_UNAVAILABLE, 503, "stopping",
				  AUDIT_FAILED },
	[REFUSE_AUDIT] =	{ ZS_ERR_UNAVAILABLE, 503, "audit",
				  AUDIT_FAILED },
	[REFUSE_BACKEND] =	{ ZS_ERR_UNAVAILABLE, 503, "unavailable",
				  AUDIT_FAILED },
	/* No HTTP yet, so nothing is answered: the status is the code's. */
	[REFUSE_HANDSHAKE] =	{ ZS_ERR_PROTOCOL, 400, "tls_handshake",
				  AUDIT_REFUSED },
};

/* Which kind a handler's code is; the first entry with its status wins. */
static const struct {
	int			code;
	enum refuse_kind	kind;
} refuse_codes[] = {
	{ ZS_ERR_INVALID,	REFUSE_INVALID },
	{ ZS_ERR_USAGE,		REFUSE_INVALID },
	{ ZS_ERR_FORMAT,	REFUSE_INVALID },
	{ ZS_ERR_BUILD,		REFUSE_INVALID },
	{ ZS_ERR_KEY,		REFUSE_INVALID },
	{ ZS_ERR_PROTOCOL,	REFUSE_INVALID },
	{ ZS_ERR_UNAUTH,	REFUSE_UNAUTH },
	{ ZS_ERR_DENIED,	REFUSE_FORBIDDEN },
	{ ZS_ERR_NOT_FOUND,	REFUSE_NOT_FOUND },
	{ ZS_ERR_CONFLICT,	REFUSE_CONFLICT },
	{ ZS_ERR_TOO_LARGE,	REFUSE_TOO_LARGE },
	{ ZS_ERR_LIMIT,		REFUSE_RATE },
	{ ZS_ERR_UNAVAILABLE,	REFUSE_BACKEND },
};

const struct refuse_info *
refuse_info(enum refuse_kind kind)
{
	if ((unsigned)kind >= REFUSE_NKINDS)
		fatalx("%s: no refusal kind %d", __func__, (int)kind);
	return &refuse_kinds[kind];
}

int
refuse_kind_of(int code, enum refuse_kind *kindp)
{
	size_t i;

	for (i = 0; i < sizeof(refuse_codes) / sizeof(refuse_codes[0]); i++)
		if (refuse_codes[i].code == code) {
			*kindp = refuse_codes[i].kind;
			return 0;
		}
	return -1;
}

void
refuse_count(struct metrics *m, enum refuse_kind kind, int code)
{
	if (m != NULL)
		metrics_refusal(m, refuse_info(kind)->reason,
		    zs_errname(code));
}

void
refuse_record(struct security *sec, struct metrics *m,
    const struct policy_identity *id, struct refusal *rf)
{
	const struct refuse_info *ri = refuse_info(rf->kind);
	enum refuse_kind k;

	/* A more precise code only where it keeps the kind's status. */
	if (rf->code == 0 || refuse_kind_of(rf->code, &k) != 0 ||
	    refuse_info(k)->status != ri->status)
		rf->code = ri->code;
	if (security_refused(sec, id, rf->code, rf->request, rf->message)) {
		/* An unauthenticated peer past its rate: 429 at once. */
		rf->kind = REFUSE_FLOOD;
		rf->code = refuse_info(rf->kind)->code;
	}
	refuse_count(m, rf->kind, rf->code);
}

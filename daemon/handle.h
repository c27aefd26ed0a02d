/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request handlers behind the dispatch table: each turns a request
 * into a status and a JSON reply. handle_sign() runs on a worker thread and
 * touches nothing but its job and the (immutable) keyring.
 */
#ifndef ZS_HANDLE_H
#define ZS_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"
#include "daemon/rimconf.h"
#include "daemon/security.h"
#include "keystore/keystore.h"

/* Longest per-request file summary ("name:sha256,...") kept for the log. */
#define HANDLE_LOGSUM_MAX	1024
/* Longest file name (escaped) in that summary. */
#define HANDLE_LOGNAME_MAX	128

/* One POST /v1/sign: the body in, the reply and the audit facts out. */
struct sign_job {
	const uint8_t		*body;		/* borrowed from the server */
	size_t			 len;
	size_t			 max;		/* cap of decoded file bytes */
	int			 bin_in;	/* body in the binary form */
	int			 bin_out;	/* reply in the binary form */
	const struct keyring	*kr;
	const struct rimconf	*configs;	/* server-held; NULL: none */
	int			 status;	/* HTTP status of reply */
	char			*reply;		/* malloc'd */
	size_t			 reply_len;
	const char		*reply_type;	/* its Content-Type */
	int			 code;		/* 0 or the ZS_ERR_* answered */
	char			 key[ZS_KEYNAME_MAX];	/* "-" when none */
	char			 tool[16];
	char			 in[HANDLE_LOGSUM_MAX];
	char			 out[HANDLE_LOGSUM_MAX];
	char			 msg[ZS_ERRMSG_MAX];
	uint64_t		 out_bytes;	/* signed bytes returned */
	size_t			 reserved;	/* of the budget, for reply */
	/*
	 * May a signed reply of len bytes be held until written (the
	 * memory budget)? 0, or a ZS_ERR_* with eb; NULL: always.
	 */
	int			(*reserve)(void *arg, size_t len,
				    struct zs_errbuf *eb);
	void			*reserve_arg;
	struct security		*sec;		/* hooks, may be NULL */
	const struct policy_identity *id;	/* who asked */
	const char		*approval;	/* approved held request */
};

/* Validate and run a sign request; fills status, reply and the log facts. */
void	 handle_sign(struct sign_job *job);
/* The same for POST /v1/raw-sign (daemon/rawsign.c); configs is unused. */
void	 handle_raw_sign(struct sign_job *job);
/*
 * Fill job's answer: with r 0 the 200 reply *replyp (taken over), else the
 * error body of r and msg, and msg made safe for the log line.
 */
void	 handle_answer(struct sign_job *job, int r, char **replyp,
	    const char *msg);
/* The same for a 200 reply of len bytes and Content-Type type. */
void	 handle_answer_len(struct sign_job *job, int r, char **replyp,
	    size_t len, const char *type, const char *msg);
/*
 * The GET /v1/health reply (malloc'd JSON) for load balancers: keys
 * loaded and able to sign, the audit trail's state and why it fails
 * (audit_error, "" if it does not), the state store's (with why it is
 * unavailable), the configuration generation. *statusp is 503 when no
 * request could be signed (audit failing, or keys configured but none
 * available), else 200.
 */
char	*handle_health(const struct keyring *kr, const char *audit,
	    const char *audit_error, const char *state,
	    const char *state_error, unsigned long generation, int *statusp);
/* The GET /v1/keys reply; malloc'd JSON. */
char	*handle_keys(const struct keyring *kr);

#endif /* ZS_HANDLE_H */

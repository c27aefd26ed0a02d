/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit trail: one JSON line per request, granted or refused, each
 * carrying the SHA-256 of the line before it, so that a changed, removed
 * or inserted line breaks the chain. Appends are fsync'd before the caller
 * may return a signed image; any failure is reported and latches (fail
 * closed) until the log is reopened.
 */
#ifndef ZS_AUDIT_H
#define ZS_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "keystore/keystore.h"

/* Longest audit line accepted (written or verified), newline excluded. */
#define AUDIT_LINE_MAX		(64u * 1024)
/* Longest free-text field (message, identity, peer) put into a line. */
#define AUDIT_FIELD_MAX		512
/* Records between two signed checkpoints (with an audit key). */
#define AUDIT_CHECKPOINT_EVERY	100
/* "event" of a checkpoint record. */
#define AUDIT_EVENT_CP		"checkpoint"
/* What a checkpoint's signature is over begins with this line. */
#define AUDIT_CP_CONTEXT	"zsignd audit checkpoint v1"
/*
 * "event" of the first record of a file that replaced a removed one: its
 * seq and prev carry on the old file's chain.
 */
#define AUDIT_EVENT_CONTINUED	"continued"
/* "prev" of the first line: 64 zeros. */
#define AUDIT_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* The outcome a line records. */
enum audit_result {
	AUDIT_OK,		/* signed image returned */
	AUDIT_REFUSED,		/* authentication or policy said no */
	AUDIT_FAILED,		/* accepted but signing (or the audit) failed */
	AUDIT_HELD,		/* held until approvals are in */
	AUDIT_APPROVED,		/* one approval of a held request */
	AUDIT_REJECTED,		/* a held request rejected */
	AUDIT_EXPIRED,		/* a held request timed out */
};

/* One request as the audit trail records it; NULL fields are omitted. */
struct audit_record {
	const char		*identity;	/* "uid:1000", "cert:ci", "token:ci",
						   "oidc:ISSUER#SUB" */
	const char		*auth;		/* "unix", "cert", "token", "none" */
	const char		*peer;		/* "unix:pid=42", "192.0.2.1:5000" */
	const char		*jti;		/* the OIDC token's "jti" */
	const char		*request;	/* held request (approvals) */
	const char		*key;		/* server key name */
	const char		*key_fingerprint;
	const char		*tool;		/* "imgtool", "rimage" */
	const struct fileset	*inputs;	/* hashed: name -> SHA-256 */
	const struct fileset	*outputs;	/* hashed: name -> SHA-256 */
	const char		*version;	/* image version, when known */
	const char		*digest;	/* what a raw signature covers */
	enum audit_result	 result;
	int			 error;		/* ZS_ERR_* or 0 */
	const char		*message;	/* one line of detail */
	long			 ms;		/* duration, -1 when unknown */
	const char		*node;		/* replica name, when shared */
	unsigned long long	 state;		/* state store change, 0: none */
	unsigned long		 count;		/* >0: refusals aggregated */
	const char		*since;		/* and the time of the first */
};

struct audit;

/*
 * Open (creating with mode 0600) the audit file at path and find the head
 * of its chain; a file whose last line is cut short or carries no chain
 * fields is refused rather than silently continued.
 */
int	audit_open(const char *path, struct audit **ap, struct zs_errbuf *eb);
/*
 * Sign checkpoints with key (Ed25519, ECDSA or RSA; a reference is taken)
 * through its keystore: a record signed over the chain's head every
 * AUDIT_CHECKPOINT_EVERY records and at audit_checkpoint().
 */
int	audit_set_key(struct audit *a, struct zs_key *key,
	    struct zs_errbuf *eb);
/*
 * Write a signed checkpoint now if records came since the last one (at
 * shutdown); 0 without a key.
 */
int	audit_checkpoint(struct audit *a, struct zs_errbuf *eb);
/* Close the file and free a; NULL is a no-op. */
void	audit_close(struct audit *a);
/* Path of the audit file (borrowed). */
const char *audit_path(const struct audit *a);
/*
 * The state store's change number on the last line ("state"), or the
 * highest appended since: the store must hold at least that one.
 */
unsigned long long audit_state(const struct audit *a);
/* Lines appended since open plus those found at open. */
unsigned long long audit_count(const struct audit *a);
/* Copy the hash of the last line (the chain's head) to out. */
void	audit_head(struct audit *a, char out[65]);
/*
 * Append rec as one line and fsync it; safe from several threads. On
 * failure the partial line is cut off again and the log stays refused
 * (every later append fails too) until audit_reopen() succeeds.
 */
int	audit_append(struct audit *a, const struct audit_record *rec,
	    struct zs_errbuf *eb);
/*
 * rec as the JSON object its line carries, without the chain fields
 * ("seq", "prev"): what a shared database keeps beside the state (malloc'd).
 */
char	*audit_record_json(const struct audit_record *rec);
/*
 * Is the log refusing appends since a failed write or since its file was
 * removed or replaced (checked before each append), until audit_reopen?
 */
int	audit_broken(struct audit *a);
/*
 * Can nothing be signed now: the log is broken, or its last append
 * failed? The reason (or "") goes to err (errlen bytes) when not NULL.
 */
int	audit_failing(struct audit *a, char *err, size_t errlen);
/*
 * Reopen the same path and continue the chain of what is there (SIGHUP,
 * after an operator fixed the disk); clears the latch; keeps a on failure.
 * A new empty file (the old one was removed) starts with an "event":
 * "continued" record carrying on the old chain's seq and head.
 */
int	audit_reopen(struct audit *a, struct zs_errbuf *eb);

/* Incremental chain checker: feed lines in order, then ask for the head. */
struct audit_verifier {
	unsigned long long	lines;		/* seq of the last line accepted */
	char			head[65];	/* SHA-256 hex of the last line */
	unsigned long long	from;		/* 0, or the seq a file continues */
	char			from_head[65];	/* and that chain's head then */
	EVP_PKEY		*pub;		/* checks checkpoints (borrowed) */
	unsigned long long	signed_upto;	/* seq of the last good one */
	unsigned long long	checkpoints;	/* seen */
};

/* Start checking a chain from its genesis. */
void	audit_verifier_init(struct audit_verifier *v);
/*
 * Check one line (without its newline): a JSON object whose "seq" is the
 * next number and whose "prev" is the hash of the previous line.
 */
int	audit_verifier_line(struct audit_verifier *v, const char *line,
	    size_t len, struct zs_errbuf *eb);
/* Check a whole log held in memory; *linesp gets the count of good lines. */
int	audit_verify_buf(const uint8_t *data, size_t len,
	    unsigned long long *linesp, struct zs_errbuf *eb);
/*
 * Check the file at path (streamed, any size) and print a one-line verdict
 * to out: "ok N lines, head HASH" or the first broken line and why. With
 * pub (the audit key's public half, else NULL), every checkpoint's
 * signature is checked and the file must end with one.
 */
int	audit_verify_file(const char *path, EVP_PKEY *pub, FILE *out,
	    struct zs_errbuf *eb);

#endif /* ZS_AUDIT_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error codes shared by every module. Functions return 0 or a negative
 * ZS_ERR_*; a struct zs_errbuf carries the human-readable detail.
 */
#ifndef ZS_ZSERR_H
#define ZS_ZSERR_H

#include <stddef.h>

#define ZS_ERR_INTERNAL		-1	/* broken invariant or library failure */
#define ZS_ERR_NOMEM		-2	/* allocation failed */
#define ZS_ERR_INVALID		-3	/* malformed input or option */
#define ZS_ERR_USAGE		-4	/* option combination imgtool/rimage refuse */
#define ZS_ERR_TOO_LARGE	-5	/* input exceeds a ZS_*_MAX cap */
#define ZS_ERR_NOT_FOUND	-6	/* named key, file or node absent */
#define ZS_ERR_FORMAT		-7	/* input file is not of the expected format */
#define ZS_ERR_KEY		-8	/* key unusable for this operation */
#define ZS_ERR_CRYPTO		-9	/* a cryptographic operation failed */
#define ZS_ERR_VERIFY		-10	/* signature or hash does not verify */
#define ZS_ERR_IO		-11	/* file or socket I/O failed (errno kept) */
#define ZS_ERR_DENIED		-12	/* policy refuses the request */
#define ZS_ERR_UNAVAILABLE	-13	/* backend (token, helper) not reachable */
#define ZS_ERR_BUILD		-14	/* Zephyr build directory or config fault */
#define ZS_ERR_LIMIT		-15	/* rate or concurrency limit reached */
#define ZS_ERR_PROTOCOL		-16	/* peer broke the wire protocol */
#define ZS_ERR_UNAUTH		-17	/* no valid credential */
#define ZS_ERR_CONFLICT		-18	/* a held request's state forbids */
#define ZS_ERR_COUNT		19	/* number of codes, including 0 */

/* Longest detail message an error can carry. */
#define ZS_ERRMSG_MAX		512

struct zs_errbuf {
	int	code;
	char	msg[ZS_ERRMSG_MAX];
};

/* Return a static description of an error code. */
const char	*zs_strerror(int code);
/* Return the stable lower-case identifier of a code, as used on the wire. */
const char	*zs_errname(int code);
/* Record code and a formatted detail in eb (which may be NULL); return code. */
int		 zs_errf(struct zs_errbuf *eb, int code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Clear eb so that a later zs_errf() starts fresh. */
void		 zs_errclear(struct zs_errbuf *eb);

#endif /* ZS_ZSERR_H */

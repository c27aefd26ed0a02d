/* SPDX-License-Identifier: Apache-2.0 */
/* Error code names and the detail buffer that travels with them. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/zserr.h"

static const struct {
	const char	*name;
	const char	*text;
} errtab[ZS_ERR_COUNT] = {
	{ "ok",			"success" },
	{ "internal",		"internal error" },
	{ "no_memory",		"out of memory" },
	{ "invalid",		"invalid input" },
	{ "usage",		"invalid option combination" },
	{ "too_large",		"input too large" },
	{ "not_found",		"not found" },
	{ "bad_format",		"unrecognised file format" },
	{ "bad_key",		"key unusable for this operation" },
	{ "crypto",		"cryptographic operation failed" },
	{ "verify_failed",	"verification failed" },
	{ "io",			"input/output error" },
	{ "forbidden",		"permission denied" },
	{ "unavailable",	"backend unavailable" },
	{ "bad_build",		"build directory or configuration error" },
	{ "rate_limited",	"limit reached" },
	{ "protocol",		"protocol error" },
	{ "unauthenticated",	"not authenticated" },
	{ "conflict",		"conflicts with the current state" },
};

const char *
zs_strerror(int code)
{
	if (code > 0 || -code >= ZS_ERR_COUNT)
		return "unknown error";
	return errtab[-code].text;
}

const char *
zs_errname(int code)
{
	if (code > 0 || -code >= ZS_ERR_COUNT)
		return "internal";
	return errtab[-code].name;
}

int
zs_errf(struct zs_errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;

	if (eb == NULL)
		return code;
	eb->code = code;
	va_start(ap, fmt);
	vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	return code;
}

void
zs_errclear(struct zs_errbuf *eb)
{
	if (eb == NULL)
		return;
	eb->code = 0;
	eb->msg[0] = '\0';
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OIDC identities for CI jobs: the issuers zsignd trusts (configuration
 * member "oidc": [{"issuer", "audience", "jwks_file"}]), verification of
 * the job's token presented as a bearer token, and the "CLAIM:GLOB"
 * patterns allow lists match against its claims.
 */
#ifndef ZS_OIDC_H
#define ZS_OIDC_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/zserr.h"

/* Most issuers one configuration may trust. */
#define OIDC_ISSUERS_MAX	16
/* Longest issuer URL or audience. */
#define OIDC_URL_MAX		256
/* Most string claims of a token kept for allow lists. */
#define OIDC_CLAIMS_MAX		48
/* Longest claim name kept. */
#define OIDC_CLAIM_NAME_MAX	64
/* Longest claim value kept (longer values are dropped, never cut). */
#define OIDC_CLAIM_VALUE_MAX	256

/* The string claims of a verified token, printable ASCII only. */
struct oidc_claims {
	char	issuer[OIDC_URL_MAX];
	char	sub[OIDC_CLAIM_VALUE_MAX];
	char	jti[OIDC_CLAIM_VALUE_MAX];	/* "" when absent */
	size_t	n;
	char	name[OIDC_CLAIMS_MAX][OIDC_CLAIM_NAME_MAX];
	char	value[OIDC_CLAIMS_MAX][OIDC_CLAIM_VALUE_MAX];
};

struct oidc;

/*
 * Build the trusted issuers from the configuration's "oidc" array (NULL:
 * none, *op is NULL), reading each issuer's JWKS file.
 */
int	oidc_new(const json_t *arr, struct oidc **op, struct zs_errbuf *eb);
/* Free o; NULL is a no-op. */
void	oidc_free(struct oidc *o);
/* Does token look like a JWT (so that it is not a static token)? */
int	oidc_is_token(const char *token, size_t len);
/*
 * Verify token against the issuer its "iss" names, at time now, and fill
 * c with its claims; ZS_ERR_DENIED with the reason when it is refused.
 */
int	oidc_verify(const struct oidc *o, const char *token, size_t len,
	    time_t now, struct oidc_claims *c, struct zs_errbuf *eb);
/* Is pattern an allow-list entry "CLAIM:GLOB" (CLAIM a plain name)? */
int	oidc_pattern_valid(const char *pattern);
/* Does c have the claim pattern names, with a value matching its glob? */
int	oidc_pattern_match(const char *pattern, const struct oidc_claims *c);

#endif /* ZS_OIDC_H */

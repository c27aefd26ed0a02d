/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trusted OIDC issuers and the claims of the tokens they sign. A token is
 * checked against the one issuer its "iss" names, so a key of one issuer
 * can never vouch for another's subjects.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xmalloc.h"
#include "daemon/jwt.h"
#include "daemon/oidc.h"

struct oidc_issuer {
	char		 issuer[OIDC_URL_MAX];
	char		 audience[OIDC_URL_MAX];
	struct jwks	*jwks;
};

struct oidc {
	size_t			 n;
	struct oidc_issuer	 iss[OIDC_ISSUERS_MAX];
};

void
oidc_free(struct oidc *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++)
		jwks_free(o->iss[i].jwks);
	free(o);
}

/* Printable ASCII without controls: safe for logs and audit lines. */
static int
oidc_printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= max || (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e)
			return 0;
	return i > 0;
}

int
oidc_new(const json_t *arr, struct oidc **op, struct zs_errbuf *eb)
{
	struct zs_errbuf lerr;
	struct oidc *o = NULL;
	const char *iss, *aud, *jwks;
	json_error_t jerr;
	json_t *v;
	size_t i, j;
	int r;

	*op = NULL;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > OIDC_ISSUERS_MAX)
		return zs_errf(eb, ZS_ERR_INVALID, "\"oidc\" must be an array "
		    "of at most %d issuers", OIDC_ISSUERS_MAX);
	o = xcalloc(1, sizeof(*o));
	json_array_foreach(arr, i, v) {
		if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:s, s:s}",
		    "issuer", &iss, "audience", &aud, "jwks_file", &jwks)
		    != 0) {
			r = zs_errf(eb, ZS_ERR_INVALID, "oidc[%zu]: %s (want "
			    "{\"issuer\", \"audience\", \"jwks_file\"})", i,
			    jerr.text);
			goto out;
		}
		if (!oidc_printable(iss, OIDC_URL_MAX) ||
		    strncmp(iss, "https://", 8) != 0 ||
		    !oidc_printable(aud, OIDC_URL_MAX)) {
			r = zs_errf(eb, ZS_ERR_INVALID, "oidc[%zu]: issuer "
			    "must be an https:// URL, audience a name (each "
			    "under %d bytes)", i, OIDC_URL_MAX);
			goto out;
		}
		for (j = 0; j < o->n; j++)
			if (strcmp(o->iss[j].issuer, iss) == 0) {
				r = zs_errf(eb, ZS_ERR_INVALID, "oidc: issuer "
				    "%s listed twice", iss);
				goto out;
			}
		if ((r = jwks_load(jwks, &o->iss[o->n].jwks, &lerr)) != 0) {
			r = zs_errf(eb, r, "oidc[%zu]: %s", i, lerr.msg);
			goto out;
		}
		memcpy(o->iss[o->n].issuer, iss, strlen(iss) + 1);
		memcpy(o->iss[o->n].audience, aud, strlen(aud) + 1);
		o->n++;
	}
	*op = o;
	o = NULL;
	r = 0;
 out:
	oidc_free(o);
	return r;
}

int
oidc_is_token(const char *token, size_t len)
{
	return jwt_is_jws(token, len);
}

/* Keep the string claims an allow list may name; others are left out. */
static void
oidc_take_claims(const json_t *claims, struct oidc_claims *c)
{
	const char *name, *s;
	json_t *v;

	json_object_foreach((json_t *)claims, name, v) {
		if (c->n == OIDC_CLAIMS_MAX)
			break;
		if ((s = json_string_value(v)) == NULL ||
		    !oidc_printable(name, OIDC_CLAIM_NAME_MAX) ||
		    !oidc_printable(s, OIDC_CLAIM_VALUE_MAX))
			continue;
		memcpy(c->name[c->n], name, strlen(name) + 1);
		memcpy(c->value[c->n], s, strlen(s) + 1);
		c->n++;
	}
}

int
oidc_verify(const struct oidc *o, const char *token, size_t len,
    time_t now, struct oidc_claims *c, struct zs_errbuf *eb)
{
	const struct oidc_issuer *is = NULL;
	struct jwt_expect ex;
	json_t *claims = NULL;
	const char *iss, *sub, *jti;
	size_t i;
	int r;

	if (o == NULL || o->n == 0)
		return zs_errf(eb, ZS_ERR_DENIED, "no OIDC issuer is "
		    "configured");
	/* Only to pick the issuer: nothing in it is believed yet. */
	if ((r = jwt_peek_claims(token, len, &claims, eb)) != 0)
		return r;
	iss = json_string_value(json_object_get(claims, "iss"));
	for (i = 0; iss != NULL && i < o->n; i++)
		if (strcmp(o->iss[i].issuer, iss) == 0)
			is = &o->iss[i];
	json_decref(claims);
	claims = NULL;
	if (is == NULL)
		return zs_errf(eb, ZS_ERR_DENIED, "token issuer is not a "
		    "configured OIDC issuer");
	ex.issuer = is->issuer;
	ex.audience = is->audience;
	ex.now = now;
	ex.skew = JWT_SKEW_S;
	if ((r = jwt_verify(token, len, is->jwks, &ex, &claims, eb)) != 0)
		return r;
	sub = json_string_value(json_object_get(claims, "sub"));
	jti = json_string_value(json_object_get(claims, "jti"));
	if (sub == NULL || !oidc_printable(sub, sizeof(c->sub)) ||
	    (jti != NULL && !oidc_printable(jti, sizeof(c->jti)))) {
		r = zs_errf(eb, ZS_ERR_DENIED, "token \"sub\" or \"jti\" is "
		    "not printable text of at most %d bytes",
		    OIDC_CLAIM_VALUE_MAX - 1);
		goto out;
	}
	memset(c, 0, sizeof(*c));
	memcpy(c->issuer, is->issuer, strlen(is->issuer) + 1);
	memcpy(c->sub, sub, strlen(sub) + 1);
	if (jti != NULL)
		memcpy(c->jti, jti, strlen(jti) + 1);
	oidc_take_claims(claims, c);
	r = 0;
 out:
	json_decref(claims);
	return r;
}

int
oidc_pattern_valid(const char *pattern)
{
	const char *colon = strchr(pattern, ':');
	size_t i, n;

	if (colon == NULL || colon == pattern ||
	    (n = (size_t)(colon - pattern)) >= OIDC_CLAIM_NAME_MAX ||
	    !oidc_printable(pattern, OIDC_CLAIM_NAME_MAX + OIDC_CLAIM_VALUE_MAX)
	    || colon[1] == '\0')
		return 0;
	for (i = 0; i < n; i++)
		if (!((pattern[i] >= 'a' && pattern[i] <= 'z') ||
		    (pattern[i] >= 'A' && pattern[i] <= 'Z') ||
		    (pattern[i] >= '0' && pattern[i] <= '9') ||
		    pattern[i] == '_' || pattern[i] == '-' ||
		    pattern[i] == '.'))
			return 0;
	return 1;
}

int
oidc_pattern_match(const char *pattern, const struct oidc_claims *c)
{
	const char *colon = strchr(pattern, ':');
	size_t i, n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - pattern);
	for (i = 0; i < c->n; i++)
		/* No FNM_PATHNAME: '*' also spans '/' (refs/tags/v*). */
		if (strlen(c->name[i]) == n &&
		    strncmp(c->name[i], pattern, n) == 0 &&
		    fnmatch(colon + 1, c->value[i], 0) == 0)
			return 1;
	return 0;
}

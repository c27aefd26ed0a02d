/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS and bearer-token options of zsign-client, kept apart from the
 * protocol code: parsing, the environment fallbacks and the libcurl setup
 * for https:// servers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "client/tls-opts.h"
#include "common/util.h"
#include "common/xmalloc.h"

/* Each option, where it is stored, and its environment variable. */
static const struct {
	const char	*name;
	size_t		 off;
	const char	*env;
} tlsopts_table[] = {
	{ "--cacert", offsetof(struct tlsopts, cacert), TLSOPTS_ENV_CACERT },
	{ "--cert", offsetof(struct tlsopts, cert), TLSOPTS_ENV_CERT },
	{ "--cert-key", offsetof(struct tlsopts, cert_key),
	    TLSOPTS_ENV_CERT_KEY },
	{ "--token-file", offsetof(struct tlsopts, token_file),
	    TLSOPTS_ENV_TOKEN_FILE },
};

#define TLSOPTS_N	(sizeof(tlsopts_table) / sizeof(tlsopts_table[0]))

static const char **
tlsopts_slot(struct tlsopts *o, size_t i)
{
	return (const char **)(void *)((char *)o + tlsopts_table[i].off);
}

int
tlsopts_parse(struct tlsopts *o, int argc, char **argv, int *aip,
    struct zs_errbuf *eb)
{
	const char *arg = argv[*aip];
	size_t i, n;

	for (i = 0; i < TLSOPTS_N; i++) {
		n = strlen(tlsopts_table[i].name);
		if (strncmp(arg, tlsopts_table[i].name, n) != 0)
			continue;
		if (arg[n] == '=') {
			*tlsopts_slot(o, i) = arg + n + 1;
			return 1;
		}
		if (arg[n] != '\0')
			continue;
		if (*aip + 1 >= argc)
			return zs_errf(eb, ZS_ERR_USAGE, "%s needs a file "
			    "argument", arg);
		*tlsopts_slot(o, i) = argv[++*aip];
		return 1;
	}
	return 0;
}

void
tlsopts_from_env(struct tlsopts *o)
{
	const char *v;
	size_t i;

	for (i = 0; i < TLSOPTS_N; i++)
		if (*tlsopts_slot(o, i) == NULL &&
		    (v = getenv(tlsopts_table[i].env)) != NULL && *v != '\0')
			*tlsopts_slot(o, i) = v;
}

int
tlsopts_load(struct tlsopts *o, struct zs_errbuf *eb)
{
	static const char tokchars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=";
	uint8_t *data = NULL;
	size_t len;
	int r;

	if (o->token_file == NULL || o->authz != NULL)
		return 0;
	if ((r = zs_file_read(o->token_file, TLSOPTS_TOKEN_MAX, &data,
	    &len)) != 0)
		return zs_errf(eb, r == ZS_ERR_TOO_LARGE ? r : ZS_ERR_USAGE,
		    "token file %s: %s", o->token_file, zs_strerror(r));
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
	    data[len - 1] == ' ' || data[len - 1] == '\t'))
		data[--len] = '\0';
	if (len == 0 || strspn((char *)data, tokchars) != len) {
		freezero(data, len);
		return zs_errf(eb, ZS_ERR_USAGE, "token file %s: want one "
		    "line of token characters", o->token_file);
	}
	o->authz = xasprintf("Authorization: Bearer %s", (char *)data);
	freezero(data, len);
	return 0;
}

int
tlsopts_apply(const struct tlsopts *o, CURL *curl, struct curl_slist **hdrsp,
    struct zs_errbuf *eb)
{
	struct curl_slist *h;

	if (curl_easy_setopt(curl, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK)
		return zs_errf(eb, ZS_ERR_INTERNAL, "libcurl TLS option "
		    "refused");
	if (o == NULL)
		return 0;
	if ((o->cacert != NULL && curl_easy_setopt(curl, CURLOPT_CAINFO,
	    o->cacert) != CURLE_OK) ||
	    (o->cert != NULL && curl_easy_setopt(curl, CURLOPT_SSLCERT,
	    o->cert) != CURLE_OK) ||
	    (o->cert_key != NULL && curl_easy_setopt(curl, CURLOPT_SSLKEY,
	    o->cert_key) != CURLE_OK))
		return zs_errf(eb, ZS_ERR_INTERNAL, "libcurl TLS option "
		    "refused");
	if (o->cert_key != NULL && o->cert == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "--cert-key needs --cert");
	if (o->authz != NULL) {
		if ((h = curl_slist_append(*hdrsp, o->authz)) == NULL)
			return zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		*hdrsp = h;
	}
	return 0;
}

void
tlsopts_clear(struct tlsopts *o)
{
	freezero_str(o->authz);
	o->authz = NULL;
}

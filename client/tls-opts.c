/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS and bearer-token options of zsign-client, kept apart from the
 * protocol code: parsing, the environment fallbacks and the OpenSSL context
 * for https:// servers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

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
	{ "--token-env", offsetof(struct tlsopts, token_env), NULL },
};

#define TLSOPTS_N	(sizeof(tlsopts_table) / sizeof(tlsopts_table[0]))
/* Index of --token-file in tlsopts_table. */
#define TLSOPTS_TOKEN_FILE	3

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
			return zs_errf(eb, ZS_ERR_USAGE, "%s needs an "
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
		if (*tlsopts_slot(o, i) == NULL && tlsopts_table[i].env != NULL &&
		    /* --token-env wins over $ZSIGN_TOKEN_FILE. */
		    (i != TLSOPTS_TOKEN_FILE || o->token_env == NULL) &&
		    (v = getenv(tlsopts_table[i].env)) != NULL && *v != '\0')
			*tlsopts_slot(o, i) = v;
}

int
tlsopts_load(struct tlsopts *o, struct zs_errbuf *eb)
{
	static const char tokchars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/=";
	const char *from = o->token_file, *v;
	uint8_t *data = NULL;
	size_t len;
	int r;

	if (o->authz != NULL || (o->token_file == NULL && o->token_env == NULL))
		return 0;
	if (o->token_env != NULL) {
		if (o->token_file != NULL)
			return zs_errf(eb, ZS_ERR_USAGE, "--token-file and "
			    "--token-env exclude each other");
		from = o->token_env;
		if ((v = getenv(o->token_env)) == NULL || *v == '\0')
			return zs_errf(eb, ZS_ERR_USAGE, "--token-env %s: the "
			    "variable is not set", o->token_env);
		if ((len = strlen(v)) > TLSOPTS_TOKEN_MAX)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "--token-env %s: "
			    "longer than %d bytes", o->token_env,
			    TLSOPTS_TOKEN_MAX);
		data = (uint8_t *)xstrdup(v);
	} else if ((r = zs_file_read(o->token_file, TLSOPTS_TOKEN_MAX, &data,
	    &len)) != 0)
		return zs_errf(eb, r == ZS_ERR_TOO_LARGE ? r : ZS_ERR_USAGE,
		    "token file %s: %s", o->token_file, zs_strerror(r));
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' ||
	    data[len - 1] == ' ' || data[len - 1] == '\t'))
		data[--len] = '\0';
	if (len == 0 || strspn((char *)data, tokchars) != len) {
		freezero(data, len);
		return zs_errf(eb, ZS_ERR_USAGE, "token %s %s: want one "
		    "line of token characters", o->token_env ? "variable" :
		    "file", from);
	}
	o->authz = xasprintf("Authorization: Bearer %s", (char *)data);
	freezero(data, len);
	return 0;
}

/* The newest OpenSSL error in words, for messages about files. */
static const char *
tlsopts_sslerr(char *buf, size_t len)
{
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		return "unknown error";
	ERR_error_string_n(last, buf, len);
	return buf;
}

int
tlsopts_ctx(const struct tlsopts *o, SSL_CTX **ctxp, struct zs_errbuf *eb)
{
	SSL_CTX *ctx;
	char err[256];
	int r = ZS_ERR_INTERNAL;

	if (o != NULL && o->cert_key != NULL && o->cert == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "--cert-key needs --cert");
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return zs_errf(eb, ZS_ERR_CRYPTO, "SSL_CTX_new: %s",
		    tlsopts_sslerr(err, sizeof(err)));
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "TLS 1.2: %s",
		    tlsopts_sslerr(err, sizeof(err)));
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (o != NULL && o->cacert != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->cacert, NULL) != 1) {
			r = zs_errf(eb, ZS_ERR_USAGE, "CA file %s: %s",
			    o->cacert, tlsopts_sslerr(err, sizeof(err)));
			goto out;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "system CA certificates: %s",
		    tlsopts_sslerr(err, sizeof(err)));
		goto out;
	}
	if (o != NULL && o->cert != NULL) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
			r = zs_errf(eb, ZS_ERR_USAGE, "client certificate %s: "
			    "%s", o->cert, tlsopts_sslerr(err, sizeof(err)));
			goto out;
		}
		/* Without --cert-key, the key is in the certificate file. */
		if (SSL_CTX_use_PrivateKey_file(ctx, o->cert_key != NULL ?
		    o->cert_key : o->cert, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			r = zs_errf(eb, ZS_ERR_USAGE, "client key %s: %s",
			    o->cert_key != NULL ? o->cert_key : o->cert,
			    tlsopts_sslerr(err, sizeof(err)));
			goto out;
		}
	}
	*ctxp = ctx;
	ctx = NULL;
	r = 0;
 out:
	SSL_CTX_free(ctx);
	return r;
}

void
tlsopts_clear(struct tlsopts *o)
{
	freezero_str(o->authz);
	o->authz = NULL;
}

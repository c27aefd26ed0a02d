/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client's TLS options for https:// servers: the CA that signed the
 * server certificate, an optional client certificate and key, and an
 * optional bearer token (a file or an environment variable), from the
 * command line or the environment.
 */
#ifndef ZS_TLS_OPTS_H
#define ZS_TLS_OPTS_H

#include <openssl/ssl.h>

#include "common/zserr.h"

/* Largest token read (one line; CI jobs' OIDC tokens are 1-2 KiB). */
#define TLSOPTS_TOKEN_MAX	8192

/* Environment variables standing in for the options. */
#define TLSOPTS_ENV_CACERT	"ZSIGN_CACERT"
#define TLSOPTS_ENV_CERT	"ZSIGN_CERT"
#define TLSOPTS_ENV_CERT_KEY	"ZSIGN_CERT_KEY"
#define TLSOPTS_ENV_TOKEN_FILE	"ZSIGN_TOKEN_FILE"

/* Usage lines for the options, for the client's --help. */
#define TLSOPTS_USAGE \
"  --cacert FILE       CA bundle for an https:// server ($" TLSOPTS_ENV_CACERT ")\n" \
"  --cert FILE         client certificate, PEM ($" TLSOPTS_ENV_CERT ")\n" \
"  --cert-key FILE     its private key, PEM ($" TLSOPTS_ENV_CERT_KEY ")\n" \
"  --token-file FILE   bearer token, one line ($" TLSOPTS_ENV_TOKEN_FILE ")\n" \
"  --token-env VAR     bearer token in environment variable VAR (a CI\n" \
"                      job's OIDC token)\n"

struct tlsopts {
	const char	*cacert;	/* borrowed from argv or environ */
	const char	*cert;
	const char	*cert_key;
	const char	*token_file;
	const char	*token_env;	/* name of the variable holding it */
	char		*authz;		/* "Authorization: Bearer ..." once loaded */
};

/*
 * Take the TLS option at argv[*aip] ("--cacert FILE" or "--cacert=FILE"),
 * advancing *aip past its value: 1 when taken, 0 when not a TLS option,
 * ZS_ERR_USAGE when its value is missing.
 */
int	tlsopts_parse(struct tlsopts *o, int argc, char **argv, int *aip,
	    struct zs_errbuf *eb);
/* Fill the options not given on the command line from the environment. */
void	tlsopts_from_env(struct tlsopts *o);
/*
 * Read the token from its file or variable, if any; the token never
 * appears in messages.
 */
int	tlsopts_load(struct tlsopts *o, struct zs_errbuf *eb);
/*
 * Make the TLS context for an https:// server with o (which may be NULL):
 * TLS 1.2 or later, the peer verified against --cacert (else the system's
 * CAs), and the client certificate loaded; the caller SSL_CTX_free()s it.
 */
int	tlsopts_ctx(const struct tlsopts *o, SSL_CTX **ctxp,
	    struct zs_errbuf *eb);
/* Zeroize the loaded token. */
void	tlsopts_clear(struct tlsopts *o);

#endif /* ZS_TLS_OPTS_H */

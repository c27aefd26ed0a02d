/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client's configuration files: the server and its credentials for
 * builds that cannot pass options (Zephyr's CMake through imgtool.py).
 * The command line wins over the environment, the environment over the
 * user's file, the user's file over the system's.
 */
#ifndef ZS_CLIENTCONF_H
#define ZS_CLIENTCONF_H

#include <jansson.h>

#include "client/tls-opts.h"
#include "common/zserr.h"

/* The system-wide file. */
#define CLIENTCONF_SYSTEM	"/etc/zsign/client.conf"
/* The user's, under $XDG_CONFIG_HOME, else ~/.config. */
#define CLIENTCONF_USER		"zsign/client.conf"
/* Largest configuration file read. */
#define CLIENTCONF_MAX		(64u * 1024)
/* Longest path a file's name may grow to once made absolute. */
#define CLIENTCONF_PATH_MAX	4096

/* The parsed files; the strings they hand out live as long as it. */
struct clientconf {
	json_t	*files[2];	/* user's, system's; NULL when absent */
};

/*
 * Read the files and fill what *serverp and tls leave unset (NULL or
 * empty): "server", "cacert", "cert", "cert_key", "token_file"; relative
 * file names are taken from the configuration file's directory. An
 * unreadable or malformed file, or an unknown member, is ZS_ERR_USAGE.
 */
int	clientconf_apply(struct clientconf *cc, const char **serverp,
	    struct tlsopts *tls, struct zs_errbuf *eb);
/* The same with the two files named (user may be NULL): for tests. */
int	clientconf_load(struct clientconf *cc, const char *user,
	    const char *sys, const char **serverp, struct tlsopts *tls,
	    struct zs_errbuf *eb);
/* Free what clientconf_apply() read. */
void	clientconf_free(struct clientconf *cc);

#endif /* ZS_CLIENTCONF_H */

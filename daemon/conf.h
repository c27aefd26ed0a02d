/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsignd's settings: the JSON configuration file (-c), the command-line
 * overrides, their limits and defaults, and loading the keys they name.
 * conf.c is the one reader of the file: its schema table (conf_members[])
 * gives each member's type, its parser and what a reload does with it;
 * the other modules build from the parsed struct conf, never the file.
 */
#ifndef ZS_CONF_H
#define ZS_CONF_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/zserr.h"
#include "daemon/rimconf.h"
#include "keystore/keystore.h"

/* Listener used when neither -l nor the config file names one. */
#define CONF_LISTEN_DEFAULT		"unix:/run/zsignd/zsignd.sock"
/* Most earlier versions ("previous") one key keeps. */
#define CONF_KEY_VERSIONS_MAX	32
/* Most listeners. */
#define CONF_LISTEN_MAX		16
/* Longest listener spec ("unix:" + a sun_path). */
#define CONF_LISTEN_LEN		(5 + 107)
/* Largest configuration file. */
#define CONF_FILE_MAX			(1024u * 1024)
/* Most worker threads. */
#define CONF_WORKERS_MAX		256
/* Default request body cap: a 48 MiB image in base64 plus JSON. */
#define CONF_BODY_MAX_DEFAULT		(64u * 1024 * 1024)
/* Largest body cap that may be configured (a fileset's 256 MiB, halved). */
#define CONF_BODY_MAX_LIMIT		(128u * 1024 * 1024)
/* Default cap of the request line and headers together. */
#define CONF_HEADER_MAX_DEFAULT	(16u * 1024)
/* Smallest header cap: curl's request line and headers fit. */
#define CONF_HEADER_MAX_MIN		1024u
/* Largest header cap. */
#define CONF_HEADER_MAX_LIMIT		(1024u * 1024)
/* Default idle timeout while reading a request or writing a reply, ms. */
#define CONF_IO_TIMEOUT_DEFAULT	30000u
/* Bounds of io_timeout_ms. */
#define CONF_IO_TIMEOUT_MIN		100u
#define CONF_IO_TIMEOUT_LIMIT		3600000u
/*
 * Default time a connection may spend receiving one request (or waiting
 * for the next), however steadily it trickles in, ms; 0 disables.
 */
#define CONF_REQUEST_TIMEOUT_DEFAULT	60000u
/* Largest request_timeout_ms. */
#define CONF_REQUEST_TIMEOUT_LIMIT	3600000u
/*
 * Default cap of open connections on the Unix sockets: well below the
 * usual 1024 descriptors, past which accept() would fail in a loop.
 */
#define CONF_CONNS_DEFAULT		512u
/* Largest max_connections. */
#define CONF_CONNS_LIMIT		65536u
/* Default cap of sign requests queued or running; more get 503. */
#define CONF_IN_FLIGHT_DEFAULT	64u
/* Largest in-flight cap. */
#define CONF_IN_FLIGHT_LIMIT		65536u
/*
 * Default cap of the request bodies held by sign requests in flight (each
 * costs about four times its body while it is signed); a request that
 * would pass it gets 503, unless it is the only one.
 */
#define CONF_IN_FLIGHT_BYTES_DEFAULT	(256u * 1024 * 1024)
/* Largest max_in_flight_bytes. */
#define CONF_IN_FLIGHT_BYTES_LIMIT	(2048u * 1024 * 1024)
/* Default time SIGTERM waits for in-flight requests and replies, ms. */
#define CONF_SHUTDOWN_DEFAULT		30000u
/* Largest shutdown wait. */
#define CONF_SHUTDOWN_LIMIT		3600000u
/* Largest per_identity_concurrency. */
#define CONF_PER_IDENTITY_LIMIT	65536u
/* Largest socket_mode. */
#define CONF_SOCKET_MODE_MAX		0777
/* Most restart-only members one reload reports. */
#define CONF_RESTART_MAX		32

/* What a reload does with a member that changed (conf_members[]). */
enum conf_reload {
	CONF_RELOAD_APPLY,	/* the new generation uses it */
	CONF_RELOAD_RESTART,	/* read at start: logged, kept till restart */
	CONF_RELOAD_REFUSE,	/* neither applied nor safely kept: refused */
};

struct acl;

struct conf_key {
	char	*name;
	char	*path;		/* PEM file or pkcs11: URI */
	char	*passfile;	/* may be NULL */
	time_t	 not_before;	/* 0: no lower bound */
	time_t	 not_after;	/* 0: no expiry */
	char	*successor;	/* NAME@VERSION: the current version; else NULL */
	/* What policy.c builds the key's rules from (borrowed from root). */
	const json_t	*allow;		/* NULL: absent */
	const json_t	*rules;
	const json_t	*approval;
	int		 is_default;
	int		 raw_signing;
};

struct conf {
	char			*listen[CONF_LISTEN_MAX];
	size_t			 nlisten;
	struct conf_key	*keys;
	size_t			 nkeys;
	unsigned int		 workers;	/* 0: one per core */
	unsigned int		 body_max;
	unsigned int		 header_max;
	unsigned int		 io_timeout_ms;
	unsigned int		 request_timeout_ms;
	unsigned int		 conns_max;
	unsigned int		 in_flight_max;
	unsigned int		 in_flight_bytes_max;
	unsigned int		 shutdown_ms;
	unsigned int		 per_identity;	/* 0: no concurrency cap */
	struct rimconf		 rimage;	/* server-held rimage configs */
	int			 log_level;	/* ZS_LOG_*, -1: none set */
	struct acl		*metrics_acl;	/* who may GET /metrics */
	/* Security settings, strings borrowed from root (NULL: absent). */
	const char		*tls_cert;
	const char		*tls_key;
	const char		*tls_client_ca;
	const char		*tls_crl;
	const char		*audit_path;
	const char		*audit_key;
	const char		*state;		/* store URL */
	const char		*state_file;	/* legacy marks to import */
	const char		*node;
	const char		*approvals_spool;
	int			 socket_mode;	/* -1: unset */
	int			 have_socket_gid;
	gid_t			 socket_gid;
	/* Members policy.c and oidc.c build from (borrowed from root). */
	const json_t		*tokens;
	const json_t		*oidc;
	json_t			*root;		/* the file; NULL without one */
};

/* Fill cfg with the defaults (no listeners, no keys yet). */
void	conf_init(struct conf *cfg);
/* Free what cfg holds. */
void	conf_free(struct conf *cfg);
/* Read a JSON configuration file into cfg; unknown members are errors. */
int	conf_load_file(struct conf *cfg, const char *path,
	    struct zs_errbuf *eb);
/*
 * Read a parsed configuration (taking a reference to root) into cfg, as
 * conf_load_file() does with the file's; path names it in messages.
 */
int	conf_load_json(struct conf *cfg, json_t *root, const char *path,
	    struct zs_errbuf *eb);
/*
 * What a reload from cur to next does: ZS_ERR_INVALID with the reason when
 * a CONF_RELOAD_REFUSE member changed; otherwise 0, with the names of the
 * CONF_RELOAD_RESTART members that changed in restartv (at most max of
 * them, *nrestartp in all).
 */
int	conf_check_reload(const struct conf *cur, const struct conf *next,
	    const char **restartv, size_t max, size_t *nrestartp,
	    struct zs_errbuf *eb);
/* What a reload does with member name ("limits.max_body_bytes"); -1: none. */
int	conf_member_reload(const char *name);
/* Parse a "log_level" name into ZS_LOG_*; -1 for an unknown name. */
int	conf_log_level(const char *name);
/* Add a listener spec ("unix:PATH" or "tcp:HOST:PORT"). */
int	conf_add_listen(struct conf *cfg, const char *spec,
	    struct zs_errbuf *eb);
/* Drop all listeners (command-line -l replaces the file's). */
void	conf_clear_listen(struct conf *cfg);
/* Add a key; names are unique. */
int	conf_add_key(struct conf *cfg, const char *name, const char *path,
	    const char *passfile, struct zs_errbuf *eb);
/* Parse "NAME=VALUE" (command-line -k and -p) into two malloc'd strings. */
int	conf_split_assign(const char *arg, char **namep, char **valuep,
	    struct zs_errbuf *eb);
/* Set the passphrase file of the key called name. */
int	conf_set_passfile(struct conf *cfg, const char *name,
	    const char *passfile, struct zs_errbuf *eb);
/* Apply the remaining defaults (workers, listener, metrics access). */
void	conf_finish(struct conf *cfg);
/* Load and check every configured key into a new keyring. */
int	conf_load_keys(const struct conf *cfg, struct keyring **krp,
	    struct zs_errbuf *eb);

#endif /* ZS_CONF_H */

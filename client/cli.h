/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared pieces of the zsign-client commands: exit codes, the lazily
 * opened server connection, key resolution and writing returned files.
 */
#ifndef ZS_CLI_H
#define ZS_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client/tls-opts.h"
#include "client/zsclient.h"
#include "common/util.h"
#include "common/zserr.h"

#define CLI_EXIT_OK	0	/* done */
#define CLI_EXIT_FAIL	1	/* signing refused or failed */
#define CLI_EXIT_USAGE	2	/* bad command line */

/* Largest key file read to derive a public key (PEM text is small). */
#define CLI_KEYFILE_MAX		(1024u * 1024)
/* Largest side file (encryption key, TLV data, signature) uploaded. */
#define CLI_SIDEFILE_MAX	(16u * 1024 * 1024)
/* Set to 1 to let -k name a public-only PEM file (imgtool refuses it). */
#define CLI_PUBKEY_OK_ENV	"ZSIGN_PUBLIC_KEY_OK"

struct cli {
	const char	*progname;
	const char	*server;	/* --server, ZSIGN_SERVER or default */
	struct zsclient	*cl;		/* opened on first use */
	struct tlsopts	 tls;		/* --cacert etc. (tls-opts.c) */
	int		 no_wait;	/* --no-wait: held requests */
};

/* The connection to the server, opened on first use. */
int	cli_client(struct cli *c, struct zsclient **clp, struct zs_errbuf *eb);
/* The exit status for an error code: 2 for usage errors, else 1. */
int	cli_exit_code(int r);
/*
 * A copy of s (from the server) safe to print on a terminal, malloc'd:
 * C0 controls (but newline), DEL, C1 controls (raw or UTF-8), the
 * bidirectional overrides and isolates (U+202A..E, U+2066..9) and bytes
 * that are not UTF-8 become \xHH; other text, UTF-8 included, is kept.
 */
char	*cli_term(const char *s);
/* Print the lines a server's tool printed (a reply's "stdout"), escaped. */
void	 cli_print_stdout(const json_t *lines);
/* Print "zsign-client: MSG" (escaped, cli_term) on stderr and return
 * cli_exit_code(code). */
int	cli_fail(const struct cli *c, int code, const char *msg);
/*
 * Turn a -k value into the request's "key" (a server key name, or
 * "zsign:NAME") or "key_fingerprint" (a local PEM file: only its public
 * key's fingerprint is sent).
 */
int	cli_key_resolve(const char *val, json_t *req, struct zs_errbuf *eb);
/*
 * The same, with public_ok saying whether a public-only file may name the
 * key (cli_key_resolve: only with ZSIGN_PUBLIC_KEY_OK=1, as imgtool).
 */
int	cli_key_select(const char *val, json_t *req, int public_ok,
	    struct zs_errbuf *eb);
/*
 * Does the -k value name a server key? "zsign:NAME" always; else a value
 * that is no file (a directory never is a key file: `-k demo` beside a
 * demo/ directory) and does not look like a file name.
 */
int	cli_key_is_server(const char *val);
/* Load the public key named by a -k value: local PEM file or server key. */
int	cli_key_public(struct cli *c, const char *val, EVP_PKEY **pkeyp,
	    struct zs_errbuf *eb);
/*
 * Start a sign request for tool with argv as its args and an empty files
 * object; *filesp is borrowed from *reqp.
 */
int	cli_request_new(const char *tool, int argc, char *const argv[],
	    json_t **reqp, json_t **filesp, struct zs_errbuf *eb);
/* Read path (at most max bytes) into the request's files as name. */
int	cli_file_upload(json_t *files, const char *name, const char *path,
	    size_t max, struct zs_errbuf *eb);
/*
 * Upload path as name where a public key is wanted (-E, --fix-sig-pubkey):
 * a private PEM key is never sent, only its public key, and name is added
 * to the request's from_private so imgtool's lines stay as imgtool's.
 */
int	cli_pubkey_upload(json_t *req, json_t *files, const char *name,
	    const char *path, struct zs_errbuf *eb);
/* Inputs from this size on are copied into their output early. */
#define CLI_PREFILL_MIN		(1024u * 1024)
/*
 * An output started while the server signs: the input's range src copied
 * to offset pos of a temporary output file, where the signed image is
 * expected to repeat it (cli_files_write() keeps what the reply confirms
 * and writes the rest).
 */
struct cli_prefill {
	const char		*name;	/* the output's reply name */
	const char		*path;
	struct zs_filepiece	 src;	/* a range of an open input */
	size_t			 pos;
	struct zs_outfile	*of;	/* NULL: nothing copied */
};
/* Copy now (a zsclient_set_sent() callback); a failure only copies none. */
void	cli_prefill_run(void *pf);
/* Remove what cli_prefill_run() wrote unless it was used; NULL is a no-op. */
void	cli_prefill_free(struct cli_prefill *pf);
/*
 * Write the reply's files names[i] to paths[i], each atomically, using
 * what pre (may be NULL) copied early; when one fails, the ones already
 * written are removed again.
 */
int	cli_files_write(const json_t *reply, const char *const *names,
	    const char *const *paths, size_t n, struct cli_prefill *pre,
	    struct zs_errbuf *eb);
/* Flatten an image file for verify/dumpinfo: .hex is parsed, else raw. */
int	cli_image_read(const char *path, uint8_t **imgp, size_t *lenp,
	    struct zs_errbuf *eb);

/* `zsign-client imgtool sign|verify|dumpinfo|getpub ...` */
int	cmd_imgtool(struct cli *c, int argc, char **argv);
/* `zsign-client raw-sign ...`: a bare signature (cli-raw.c). */
int	cmd_raw_sign(struct cli *c, int argc, char **argv);
/* zsign-client approvals: the held requests one may approve, or one's own. */
int	cmd_approvals(struct cli *c, int argc, char **argv);
/* zsign-client approve ID / reject ID. */
int	cmd_approve(struct cli *c, int argc, char **argv);
int	cmd_reject(struct cli *c, int argc, char **argv);
/* zsign-client fetch ID: collect a held request's signed files. */
int	cmd_fetch(struct cli *c, int argc, char **argv);
struct engine_ops;

/*
 * Send tool e's own arguments argv[0..argc) with their input files (a
 * config zsign:NAME is the server's) and write the returned outputs and
 * the side files e names after them (cli-engine.c).
 */
int	cli_engine_sign(struct cli *c, const struct engine_ops *e, int argc,
	    char **argv, struct zs_errbuf *eb);
/* `zsign-client TOOL ARGS...` for an engine without a command of its own. */
int	cmd_engine(struct cli *c, int argc, char **argv);
/* `zsign-client rimage ARGS...`: SOF's rimage through zsignd. */
int	cmd_rimage(struct cli *c, int argc, char **argv);
/*
 * Send rimage's arguments argv[0..argc) with their input files and write
 * the returned image and side files (no west sign xman prefix).
 */
int	cli_rimage_sign(struct cli *c, int argc, char **argv,
	    struct zs_errbuf *eb);
struct kconfig;

/* What `west sign -t rimage` takes from the common build checks. */
struct west_rimage {
	const char		*build_dir;	/* absolute */
	const char		*cache;		/* CMakeCache.txt, or NULL */
	size_t			 cachelen;
	const struct kconfig	*kc;		/* zephyr/.config */
	const char		*tool_data;	/* -D/--tool-data */
	char *const		*tool_args;	/* after "--" */
	int			 ntool_args;
	int			 quiet;
	int			 if_tool_available;
};

/* West sign's RimageSigner through zsignd; returns the exit status. */
int	west_rimage_sign(struct cli *c, const struct west_rimage *w);
/* `zsign-client sign ...`: Zephyr's west sign. */
int	cmd_sign(struct cli *c, int argc, char **argv);

#endif /* ZS_CLI_H */

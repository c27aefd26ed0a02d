/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of the zsign wire protocol (docs/PROTOCOL.md): one
 * function per request, HTTP/1.1 over transport.c; sign requests and
 * replies in the binary form. Errors the server reports come back as their
 * ZS_ERR_* code with the server's message.
 */
#ifndef ZS_ZSCLIENT_H
#define ZS_ZSCLIENT_H

#include <sys/stat.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "client/tls-opts.h"
#include "common/util.h"
#include "common/zserr.h"

/* Where zsignd listens when neither --server nor ZSIGN_SERVER says. */
#define ZSCLIENT_DEFAULT_SERVER	"unix:/run/zsignd/zsignd.sock"
/* Environment variable naming the server. */
#define ZSCLIENT_SERVER_ENV	"ZSIGN_SERVER"
/*
 * Largest response body accepted: two 64 MiB images (MCUBOOT_IMAGE_MAX)
 * in base64 plus their padding to a slot fit well below this.
 */
#define ZSCLIENT_REPLY_MAX	(512u * 1024 * 1024)
/* Largest request body sent: the server's body cap is lower. */
#define ZSCLIENT_REQUEST_MAX	(512u * 1024 * 1024)
/* Seconds to wait for a connection to the server. */
#define ZSCLIENT_CONNECT_TIMEOUT	10
/* Seconds one request may take in all (a PKCS#11 token can be slow). */
#define ZSCLIENT_REQUEST_TIMEOUT	300

struct zsclient;

/*
 * Prepare a client for server ("unix:/path/to.sock", an absolute socket
 * path, or "https://HOST:PORT"); no connection is made until the first
 * request.
 */
int	zsclient_open(const char *server, struct zsclient **clp,
	    struct zs_errbuf *eb);
/* Seconds between two looks at a held sign request. */
#define ZSCLIENT_APPROVAL_POLL_S	2
/*
 * A sign request the server holds for approvals (202) is waited for,
 * showing on stderr whom it waits for; with no_wait set, zsclient_sign()
 * prints its id on stdout and fails instead, naming `zsign-client fetch`.
 */
void	zsclient_set_no_wait(struct zsclient *cl, int no_wait);
/*
 * Call sent(arg) once a sign request has been written whole, while the
 * server works on it (NULL: nothing).
 */
void	zsclient_set_sent(struct zsclient *cl, void (*sent)(void *),
	    void *arg);
/* GET /v1/approvals: held requests the caller may approve, and its own. */
int	zsclient_approvals(struct zsclient *cl, json_t **replyp,
	    struct zs_errbuf *eb);
/* Approve (or reject) held request id; *replyp describes it after. */
int	zsclient_approval_vote(struct zsclient *cl, const char *id,
	    int approve, json_t **replyp, struct zs_errbuf *eb);
/*
 * Collect held request id: *pendingp set while it waits (*replyp then
 * describes it), else *replyp is the signed reply, as zsclient_sign's.
 */
int	zsclient_fetch(struct zsclient *cl, const char *id, json_t **replyp,
	    int *pendingp, struct zs_errbuf *eb);
/* Use tls (borrowed, may be NULL) for an https:// server. */
void	zsclient_set_tls(struct zsclient *cl, const struct tlsopts *tls);
/* Close the connection and free cl; NULL is a no-op. */
void	zsclient_close(struct zsclient *cl);

/*
 * GET /v1/health; *replyp is the decoded object (caller json_decref()s),
 * for a 503 "degraded" answer as well.
 */
int	zsclient_health(struct zsclient *cl, json_t **replyp,
	    struct zs_errbuf *eb);
/* GET /v1/keys; *replyp is the decoded object with its "keys" array. */
int	zsclient_keys(struct zsclient *cl, json_t **replyp,
	    struct zs_errbuf *eb);
/* Fetch the public key of the server key name from /v1/keys. */
int	zsclient_key_public(struct zsclient *cl, const char *name,
	    EVP_PKEY **pkeyp, struct zs_errbuf *eb);
/* POST /v1/sign with the request object req; *replyp is the 200 reply. */
int	zsclient_sign(struct zsclient *cl, json_t *req, json_t **replyp,
	    struct zs_errbuf *eb);
/*
 * The lines the server's tool printed before the last zsclient_sign()
 * failed (its error reply's "stdout"), borrowed; NULL when there were none.
 */
const json_t	*zsclient_error_stdout(const struct zsclient *cl);
/* POST /v1/raw-sign with req; *replyp carries a base64 "signature". */
int	zsclient_raw_sign(struct zsclient *cl, json_t *req, json_t **replyp,
	    struct zs_errbuf *eb);

/*
 * Parse the binary form of a 200 sign reply (PROTOCOL.md 5.8) to req into
 * *replyp, each file as pieces (zsclient_files_pieces()); pieces of req's own
 * files share its strings. Every range is checked against the file sent.
 */
int	zsclient_reply_bin(json_t *req, const uint8_t *body, size_t len,
	    json_t **replyp, struct zs_errbuf *eb);
/*
 * Add a copy of len bytes as member name of a request's "files" object
 * (kept raw, not base64: only zsclient_sign() sends it).
 */
int	zsclient_files_add(json_t *files, const char *name, const uint8_t *p,
	    size_t len);
/*
 * The same without the copy: data (malloc'd) is taken over and freed once
 * the request and the replies that name it are gone.
 */
int	zsclient_files_add_owned(json_t *files, const char *name,
	    uint8_t *data, size_t len);
/*
 * The same for the open regular file fd, never read into memory: sent
 * from the file (sendfile, or read as the socket drains) and copied from
 * it into the outputs. fd (taken over) and *st (its fstat() when opened)
 * let zsclient_sign() and zsclient_files_unchanged() see a change; path
 * names it in messages.
 */
int	zsclient_files_add_fd(json_t *files, const char *name, int fd,
	    const struct stat *st, const char *path);
/*
 * Request file name (in its "files" object) as one whole piece: in memory,
 * or the open file (borrowed); ZS_ERR_NOT_FOUND when there is none.
 */
int	zsclient_files_src(const json_t *files, const char *name,
	    struct zs_filepiece *pc);
/*
 * File name of a zsclient_sign() reply as pieces: bytes borrowed from the
 * reply and its request, or ranges of the request's open files (both must
 * outlive them); *pcp is malloc'd.
 */
int	zsclient_files_pieces(const json_t *reply, const char *name,
	    struct zs_filepiece **pcp, size_t *np, struct zs_errbuf *eb);
/*
 * Fail when a file that file name of the reply repeats changed since it
 * was opened (call it after copying from it, before the output replaces
 * anything).
 */
int	zsclient_files_unchanged(const json_t *reply, const char *name,
	    struct zs_errbuf *eb);

#endif /* ZS_ZSCLIENT_H */

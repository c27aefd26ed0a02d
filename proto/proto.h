/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The zsign wire protocol v1 (docs/PROTOCOL.md): the one validator that
 * turns a POST /v1/sign body into a struct proto_sign_req, strictly, and
 * the mapping of error codes to HTTP statuses and error bodies.
 *
 * Don't forget to update docs/PROTOCOL.md if any of this changes!
 */
#ifndef ZS_PROTO_H
#define ZS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/engine.h"

/* Protocol version, the "v1" in every path. */
#define PROTO_VERSION		1
/* Most entries in "args": imgtool's own cap (MCUBOOT_ARGS_MAX). */
#define PROTO_ARGS_MAX		512
/* Longest single argument, in bytes. */
#define PROTO_ARG_MAX		4096
/* Most members of "files": a fileset's cap. */
#define PROTO_FILES_MAX		ZS_FILESET_MAX_FILES
/* Longest file name in "files" and west.inputs. */
#define PROTO_NAME_MAX		ZS_FILESET_NAME_MAX
/* Longest west.build_dir (PATH_MAX). */
#define PROTO_BUILD_DIR_MAX	4096
/* Largest west.config text (lib/zephyr.h ZEPHYR_CONFIG_MAX). */
#define PROTO_CONFIG_MAX	(4u * 1024 * 1024)
/* Largest decoded west.dtb (lib/zephyr.h ZEPHYR_DTB_MAX). */
#define PROTO_DTB_MAX		(4u * 1024 * 1024)
/*
 * Longest JSON head of a binary-form request: west.config's 4 MiB, even
 * with every byte escaped twice over, and the rest.
 */
#define PROTO_HEAD_MAX		(9u * 1024 * 1024)
/*
 * What the HTTP layer admits on top of max_body_bytes: the JSON head of a
 * binary-form request (its files are what max_body_bytes counts).
 */
#define PROTO_BIN_HEAD_SLACK	4096
/* Media type of the binary request and reply forms (PROTOCOL.md 5.8). */
#define PROTO_BIN_TYPE		"application/vnd.zsign.v1+bin"
/* Length of a key fingerprint: "SHA256:" and 64 hex digits. */
#define PROTO_FP_LEN		(7 + 64)

/* west sign's build values; strings are borrowed from the request's JSON. */
struct proto_west {
	const char	*config;	/* .config text (no NUL inside) */
	size_t		 config_len;
	uint8_t		*dtb;		/* decoded devicetree blob (owned) */
	size_t		 dtb_len;
	const char	*build_dir;	/* for messages only */
	const char	*in_bin;	/* member of files, or NULL */
	const char	*in_hex;	/* member of files, or NULL */
	int		 force;
};

/* A validated sign request. Strings are borrowed from root. */
struct proto_sign_req {
	json_t			*root;
	const struct engine_ops	*engine;	/* "tool" (lib/engine.h) */
	const char		*tool_name;	/* engine->name */
	const char		*key;		/* key name, or NULL */
	const char		*key_fp;	/* "SHA256:<hex>" or NULL */
	char			 fpbuf[PROTO_FP_LEN + 1];
	int			 argc;
	char			**argv;		/* argc + NULL; array owned */
	struct fileset		*files;		/* decoded inputs (owned) */
	int			 has_west;
	struct proto_west	 west;
	const char		*date;		/* "YYYY-MM-DD" or NULL */
};

/* Digest lengths a raw-sign request may give: SHA-256 and SHA-384. */
#define PROTO_DIGEST_SHA256	32
#define PROTO_DIGEST_SHA384	48

/* A validated POST /v1/raw-sign body. Strings are borrowed from root. */
struct proto_raw_req {
	json_t		*root;
	const char	*key;		/* key name, or NULL */
	const char	*key_fp;	/* "SHA256:<hex>" or NULL */
	char		 fpbuf[PROTO_FP_LEN + 1];
	uint8_t		*data;		/* "data" decoded (owned), or NULL */
	size_t		 data_len;
	uint8_t		 digest[PROTO_DIGEST_SHA384];	/* "digest" */
	size_t		 digest_len;	/* 0 when data is given */
};

/*
 * Parse and validate a sign request body of len bytes (the HTTP layer caps
 * len); max caps the total of decoded bytes (files and west.dtb). Returns
 * ZS_ERR_INVALID (bad JSON, types, members, base64) or ZS_ERR_TOO_LARGE
 * (a cap), with a one-line reason in eb.
 */
int		 proto_sign_parse(const void *body, size_t len, size_t max,
		    struct proto_sign_req **reqp, struct zs_errbuf *eb);
/*
 * The same for the binary form (PROTOCOL.md 5.8): a JSON head whose files
 * are lengths, a newline, then the files' bytes, which the request's
 * fileset borrows: body must outlive *reqp.
 */
int		 proto_sign_parse_bin(const void *body, size_t len, size_t max,
		    struct proto_sign_req **reqp, struct zs_errbuf *eb);
/* Free a request and zeroize its decoded files; NULL is a no-op. */
void		 proto_sign_free(struct proto_sign_req *req);
/*
 * Parse and validate a raw-sign request body: at most one of key and
 * key_fingerprint, exactly one of data (base64, at most max bytes) and
 * digest (hex). ZS_ERR_INVALID or ZS_ERR_TOO_LARGE with the reason in eb.
 */
int		 proto_raw_parse(const void *body, size_t len, size_t max,
		    struct proto_raw_req **reqp, struct zs_errbuf *eb);
/* Free a raw-sign request; NULL is a no-op. */
void		 proto_raw_free(struct proto_raw_req *req);
/* Is name a valid key name (1-63 of [A-Za-z0-9._-], one "@" inside)? */
int		 proto_keyname_valid(const char *name);
/* The HTTP status that carries error code code (see PROTOCOL.md). */
int		 proto_http_status(int code);
/* The JSON error body {"error":{"code":..,"message":..}}; malloc'd. */
char		*proto_error_body(int code, const char *message);

#endif /* ZS_PROTO_H */

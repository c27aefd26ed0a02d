/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keystore protocol: zsignd asks the key holder (zsign-keyholder), and
 * the key holder asks a PKCS#11 helper (zsign-pkcs11-helper), in frames of
 * a big-endian u32 body length and a body of version, type and typed
 * fields (the ssh-pkcs11-helper pattern). Every end decodes with the same
 * capped, table-driven codec here.
 */
#ifndef ZS_P11_PROTO_H
#define ZS_P11_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"

struct buf;

/* A child's channels are fds P11_FD_BASE.. (0-2 stay stdio). */
#define P11_FD_BASE		3
/* Bump when any message layout changes; all ends come from one build. */
#define P11_PROTO_VERSION	2
/* Largest message an Ed25519 key signs whole (imgtool may sign an image). */
#define P11_TBS_MAX		(64u * 1024 * 1024)
/* Largest frame body: a sign request of P11_TBS_MAX plus its header. */
#define P11_FRAME_MAX		(P11_TBS_MAX + 1024)
/* Longest PKCS#11 URI accepted. */
#define P11_URI_MAX		4096
/* Longest passphrase file path accepted. */
#define P11_PATH_MAX		4096
/* Longest PIN accepted (PKCS#11 tokens take far less). */
#define P11_PIN_MAX		256
/* Longest error detail carried in a reply. */
#define P11_TEXT_MAX		(ZS_ERRMSG_MAX - 1)
/* Largest raw signature a token may return (RSA-4096 is 512 bytes). */
#define P11_SIG_MAX		1024
/* Largest public key (DER SubjectPublicKeyInfo) a reply may carry. */
#define P11_SPKI_MAX		2048

enum p11_msgtype {
	P11_MSG_LOAD = 1,	/* keyid, uri, pin -> OK data=SPKI DER */
	P11_MSG_SIGN = 2,	/* keyid, alg, data=tbs -> OK data=raw sig */
	P11_MSG_STATUS = 3,	/* keyid -> OK when the key is usable */
	P11_MSG_OPEN = 4,	/* keyid, uri=spec, path -> OK data=SPKI DER */
	P11_MSG_CLOSE = 5,	/* keyid -> OK */
	P11_MSG_OK = 0x80,	/* data */
	P11_MSG_ERR = 0x81,	/* code, text */
};

/*
 * A decoded message. Pointers borrow from the body it was decoded from;
 * only the fields of its type are meaningful.
 */
struct p11_msg {
	uint8_t		 type;
	uint32_t	 keyid;
	uint8_t		 alg;		/* enum zs_sigalg */
	int32_t		 code;		/* ZS_ERR_* of an error reply */
	const char	*uri;		/* not NUL-terminated */
	size_t		 urilen;
	const char	*path;		/* not NUL-terminated; may be empty */
	size_t		 pathlen;
	const uint8_t	*pin;
	size_t		 pinlen;
	const uint8_t	*data;
	size_t		 datalen;
	const char	*text;		/* not NUL-terminated */
	size_t		 textlen;
};

/* Append the frame (length header and body) of m to out. */
int	p11_msg_encode(const struct p11_msg *m, struct buf *out);
/* Decode one frame body; fields borrow from body. */
int	p11_msg_decode(const uint8_t *body, size_t len, struct p11_msg *m,
	    struct zs_errbuf *eb);
/* Check a frame's 4-byte length header against P11_FRAME_MAX. */
int	p11_frame_len(const uint8_t hdr[4], size_t *lenp);
/* Write a frame (made by p11_msg_encode), waiting at most timeout_ms. */
int	p11_frame_write(int fd, const struct buf *frame, int timeout_ms);
/*
 * Read one frame body from fd into body (reset first), waiting at most
 * timeout_ms in all (-1: forever). EOF, timeout and errors give ZS_ERR_IO.
 */
int	p11_frame_read(int fd, int timeout_ms, struct buf *body,
	    struct zs_errbuf *eb);

#endif /* ZS_P11_PROTO_H */

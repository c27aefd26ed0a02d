/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable byte buffer with a hard cap, zeroized when freed or grown, in
 * the manner of OpenSSH's sshbuf. Appends past the cap fail with
 * ZS_ERR_TOO_LARGE and leave the buffer unchanged. Buffers for data that
 * is not secret (images, JSON text) are made with buf_new_plain(): they
 * grow in place and are not zeroized, which costs a copy and a wipe of
 * every byte on the hot paths.
 */
#ifndef ZS_BUF_H
#define ZS_BUF_H

#include <stddef.h>
#include <stdint.h>

/* Default cap of a buffer made with buf_new(0): 256 MiB. */
#define ZS_BUF_DEFAULT_MAX	(256u * 1024 * 1024)

struct buf;

/* Make an empty buffer that may grow to max bytes (0: ZS_BUF_DEFAULT_MAX). */
struct buf	*buf_new(size_t max);
/* Make a buffer for data that is not secret: never zeroized. */
struct buf	*buf_new_plain(size_t max);
/* Zeroize (unless plain) and free b; NULL is a no-op. */
void		 buf_free(struct buf *b);
/* Return the current length. */
size_t		 buf_len(const struct buf *b);
/* Return the data (borrowed; valid until the next change to b). */
const uint8_t	*buf_ptr(const struct buf *b);
/* Return writable data (borrowed; valid until the next change to b). */
uint8_t		*buf_mutable_ptr(struct buf *b);
/* Zeroize the contents and set the length to 0. */
void		 buf_reset(struct buf *b);
/* Shorten b to len bytes (len <= buf_len). */
void		 buf_truncate(struct buf *b, size_t len);
/* Append len bytes. */
int		 buf_put(struct buf *b, const void *p, size_t len);
/* Append len copies of byte c. */
int		 buf_put_fill(struct buf *b, uint8_t c, size_t len);
/* Reserve len bytes at the end and return them through *dp, uninitialised. */
int		 buf_reserve(struct buf *b, size_t len, uint8_t **dp);
int		 buf_put_u8(struct buf *b, uint8_t v);
/* Append a 16-bit value, little-endian when be is 0, else big-endian. */
int		 buf_put_u16(struct buf *b, uint16_t v, int be);
/* Append a 32-bit value, little-endian when be is 0, else big-endian. */
int		 buf_put_u32(struct buf *b, uint32_t v, int be);
/* Append a NUL-terminated string without its NUL. */
int		 buf_put_str(struct buf *b, const char *s);
/* Append formatted text (no NUL). */
int		 buf_printf(struct buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (malloc'd, len in *lenp) and empty b. */
uint8_t		*buf_steal(struct buf *b, size_t *lenp);

/* Read a little- or big-endian integer from p. */
uint16_t	 zs_get_u16(const uint8_t *p, int be);
uint32_t	 zs_get_u32(const uint8_t *p, int be);
/* Store a little- or big-endian integer at p. */
void		 zs_set_u16(uint8_t *p, uint16_t v, int be);
void		 zs_set_u32(uint8_t *p, uint32_t v, int be);

#endif /* ZS_BUF_H */

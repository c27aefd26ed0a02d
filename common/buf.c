/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded, zeroizing byte buffers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "common/zserr.h"

/* Smallest allocation; avoids many tiny reallocs for small buffers. */
#define BUF_MIN_ALLOC	256

struct buf {
	uint8_t	*d;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 plain;		/* not secret: no zeroizing */
};

struct buf *
buf_new(size_t max)
{
	struct buf *b = xcalloc(1, sizeof(*b));

	b->max = max == 0 ? ZS_BUF_DEFAULT_MAX : max;
	return b;
}

struct buf *
buf_new_plain(size_t max)
{
	struct buf *b = buf_new(max);

	b->plain = 1;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->plain)
		free(b->d);
	else
		freezero(b->d, b->cap);
	free(b);
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->d;
}

uint8_t *
buf_mutable_ptr(struct buf *b)
{
	return b->d;
}

void
buf_reset(struct buf *b)
{
	if (b->d != NULL && !b->plain)
		OPENSSL_cleanse(b->d, b->cap);
	b->len = 0;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		if (!b->plain)
			OPENSSL_cleanse(b->d + len, b->len - len);
		b->len = len;
	}
}

int
buf_reserve(struct buf *b, size_t len, uint8_t **dp)
{
	size_t ncap;
	uint8_t *nd;

	if (len > b->max || b->len > b->max - len)
		return ZS_ERR_TOO_LARGE;
	if (b->len + len > b->cap) {
		ncap = b->cap < BUF_MIN_ALLOC ? BUF_MIN_ALLOC : b->cap;
		while (ncap < b->len + len)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if (b->plain)
			nd = xreallocarray(b->d, 1, ncap);
		else {
			/* A copy, not realloc: no stale copy of secrets. */
			nd = xmalloc(ncap);
			if (b->len > 0)
				memcpy(nd, b->d, b->len);
			freezero(b->d, b->cap);
		}
		b->d = nd;
		b->cap = ncap;
	}
	if (dp != NULL)
		*dp = b->d + b->len;
	b->len += len;
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t len)
{
	uint8_t *d;
	int r;

	if ((r = buf_reserve(b, len, &d)) != 0)
		return r;
	if (len > 0)
		memcpy(d, p, len);
	return 0;
}

int
buf_put_fill(struct buf *b, uint8_t c, size_t len)
{
	uint8_t *d;
	int r;

	if ((r = buf_reserve(b, len, &d)) != 0)
		return r;
	memset(d, c, len);
	return 0;
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v, int be)
{
	uint8_t p[2];

	zs_set_u16(p, v, be);
	return buf_put(b, p, sizeof(p));
}

int
buf_put_u32(struct buf *b, uint32_t v, int be)
{
	uint8_t p[4];

	zs_set_u32(p, v, be);
	return buf_put(b, p, sizeof(p));
}

int
buf_put_str(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ZS_ERR_NOMEM;
	r = buf_put(b, s, (size_t)n);
	free(s);
	return r;
}

uint8_t *
buf_steal(struct buf *b, size_t *lenp)
{
	uint8_t *d = b->d;

	if (d == NULL)
		d = xmalloc(1);
	*lenp = b->len;
	b->d = NULL;
	b->len = b->cap = 0;
	return d;
}

uint16_t
zs_get_u16(const uint8_t *p, int be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t
zs_get_u32(const uint8_t *p, int be)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0];
}

void
zs_set_u16(uint8_t *p, uint16_t v, int be)
{
	if (be) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	} else {
		p[0] = v & 0xff;
		p[1] = v >> 8;
	}
}

void
zs_set_u32(uint8_t *p, uint32_t v, int be)
{
	if (be) {
		p[0] = v >> 24;
		p[1] = (v >> 16) & 0xff;
		p[2] = (v >> 8) & 0xff;
		p[3] = v & 0xff;
	} else {
		p[0] = v & 0xff;
		p[1] = (v >> 8) & 0xff;
		p[2] = (v >> 16) & 0xff;
		p[3] = v >> 24;
	}
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Codec and socket I/O for the keystore protocol's frames. Every
 * length is checked against its cap before anything is allocated, and a
 * body must be consumed exactly.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"

/* Fields a message can carry, in wire order per the layouts below. */
enum p11_field {
	F_END = 0,
	F_KEYID,	/* u32 */
	F_ALG,		/* u8, an enum zs_sigalg */
	F_CODE,		/* u32, a negative ZS_ERR_* */
	F_URI,		/* u32 length + bytes, no NUL */
	F_PIN,		/* u32 length + bytes */
	F_DATA,		/* u32 length + bytes */
	F_TEXT,		/* u32 length + bytes, no NUL */
	F_PATH,		/* u32 length + bytes, no NUL */
};

/* Most fields of one message. */
#define P11_FIELDS_MAX	4

static const struct p11_layout {
	uint8_t	type;
	uint8_t	fields[P11_FIELDS_MAX];
} p11_layouts[] = {
	{ P11_MSG_LOAD,   { F_KEYID, F_URI, F_PIN, F_END } },
	{ P11_MSG_SIGN,   { F_KEYID, F_ALG, F_DATA, F_END } },
	{ P11_MSG_STATUS, { F_KEYID, F_END } },
	{ P11_MSG_OPEN,   { F_KEYID, F_URI, F_PATH, F_END } },
	{ P11_MSG_CLOSE,  { F_KEYID, F_END } },
	{ P11_MSG_OK,     { F_DATA, F_END } },
	{ P11_MSG_ERR,    { F_CODE, F_TEXT, F_END } },
};

/* Where a variable-length field lives in struct p11_msg, and its cap. */
static const struct p11_varfield {
	uint8_t	field;
	size_t	ptroff;
	size_t	lenoff;
	size_t	max;
	int	text;		/* refuse NUL bytes */
} p11_varfields[] = {
	{ F_URI, offsetof(struct p11_msg, uri),
	    offsetof(struct p11_msg, urilen), P11_URI_MAX, 1 },
	{ F_PATH, offsetof(struct p11_msg, path),
	    offsetof(struct p11_msg, pathlen), P11_PATH_MAX, 1 },
	{ F_PIN, offsetof(struct p11_msg, pin),
	    offsetof(struct p11_msg, pinlen), P11_PIN_MAX, 0 },
	{ F_DATA, offsetof(struct p11_msg, data),
	    offsetof(struct p11_msg, datalen), P11_TBS_MAX, 0 },
	{ F_TEXT, offsetof(struct p11_msg, text),
	    offsetof(struct p11_msg, textlen), P11_TEXT_MAX, 1 },
};

static const struct p11_layout *
p11_layout_find(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(p11_layouts) / sizeof(p11_layouts[0]); i++)
		if (p11_layouts[i].type == type)
			return &p11_layouts[i];
	return NULL;
}

static const struct p11_varfield *
p11_varfield_find(uint8_t field)
{
	size_t i;

	for (i = 0; i < sizeof(p11_varfields) / sizeof(p11_varfields[0]); i++)
		if (p11_varfields[i].field == field)
			return &p11_varfields[i];
	return NULL;
}

int
p11_msg_encode(const struct p11_msg *m, struct buf *out)
{
	const struct p11_layout *l;
	const struct p11_varfield *vf;
	const uint8_t *p;
	size_t start, len, i;
	uint8_t *hdr;
	int r;

	if ((l = p11_layout_find(m->type)) == NULL)
		return ZS_ERR_INTERNAL;
	start = buf_len(out);
	if ((r = buf_put_u32(out, 0, 1)) != 0 ||
	    (r = buf_put_u8(out, P11_PROTO_VERSION)) != 0 ||
	    (r = buf_put_u8(out, m->type)) != 0)
		return r;
	for (i = 0; i < P11_FIELDS_MAX && l->fields[i] != F_END; i++) {
		switch (l->fields[i]) {
		case F_KEYID:
			r = buf_put_u32(out, m->keyid, 1);
			break;
		case F_ALG:
			r = buf_put_u8(out, m->alg);
			break;
		case F_CODE:
			r = buf_put_u32(out, (uint32_t)m->code, 1);
			break;
		default:
			vf = p11_varfield_find(l->fields[i]);
			p = *(const uint8_t *const *)(const void *)
			    ((const char *)m + vf->ptroff);
			len = *(const size_t *)(const void *)
			    ((const char *)m + vf->lenoff);
			if (len > vf->max)
				return ZS_ERR_TOO_LARGE;
			if ((r = buf_put_u32(out, (uint32_t)len, 1)) == 0 &&
			    len > 0)
				r = buf_put(out, p, len);
			break;
		}
		if (r != 0)
			return r;
	}
	len = buf_len(out) - start - 4;
	if (len > P11_FRAME_MAX)
		return ZS_ERR_TOO_LARGE;
	hdr = buf_mutable_ptr(out) + start;
	zs_set_u32(hdr, (uint32_t)len, 1);
	return 0;
}

int
p11_msg_decode(const uint8_t *body, size_t len, struct p11_msg *m,
    struct zs_errbuf *eb)
{
	const struct p11_layout *l;
	const struct p11_varfield *vf;
	struct p11_msg t;
	size_t off = 2, flen, i;
	int32_t code;

	memset(&t, 0, sizeof(t));
	if (len < 2)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "short helper message");
	if (body[0] != P11_PROTO_VERSION)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "helper protocol version "
		    "%u, expected %u", body[0], P11_PROTO_VERSION);
	if ((l = p11_layout_find(body[1])) == NULL)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "unknown helper message "
		    "type %u", body[1]);
	t.type = body[1];
	for (i = 0; i < P11_FIELDS_MAX && l->fields[i] != F_END; i++) {
		switch (l->fields[i]) {
		case F_KEYID:
		case F_CODE:
			if (len - off < 4)
				goto short_msg;
			if (l->fields[i] == F_KEYID) {
				t.keyid = zs_get_u32(body + off, 1);
			} else {
				code = (int32_t)zs_get_u32(body + off, 1);
				if (code >= 0 || code <= -ZS_ERR_COUNT)
					return zs_errf(eb, ZS_ERR_PROTOCOL,
					    "bad error code in helper reply");
				t.code = code;
			}
			off += 4;
			break;
		case F_ALG:
			if (len - off < 1)
				goto short_msg;
			if (body[off] > ZS_SIG_ED25519)
				return zs_errf(eb, ZS_ERR_PROTOCOL,
				    "unknown signature algorithm %u",
				    body[off]);
			t.alg = body[off++];
			break;
		default:
			vf = p11_varfield_find(l->fields[i]);
			if (len - off < 4)
				goto short_msg;
			flen = zs_get_u32(body + off, 1);
			off += 4;
			if (flen > vf->max)
				return zs_errf(eb, ZS_ERR_PROTOCOL, "helper "
				    "message field too long (%zu > %zu)",
				    flen, vf->max);
			if (len - off < flen)
				goto short_msg;
			if (vf->text && memchr(body + off, '\0', flen) != NULL)
				return zs_errf(eb, ZS_ERR_PROTOCOL,
				    "NUL byte in helper message text");
			*(const uint8_t **)(void *)((char *)&t + vf->ptroff) =
			    body + off;
			*(size_t *)(void *)((char *)&t + vf->lenoff) = flen;
			off += flen;
			break;
		}
	}
	if (off != len)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "%zu trailing bytes in "
		    "helper message", len - off);
	*m = t;
	return 0;
 short_msg:
	return zs_errf(eb, ZS_ERR_PROTOCOL, "truncated helper message");
}

int
p11_frame_len(const uint8_t hdr[4], size_t *lenp)
{
	uint32_t len = zs_get_u32(hdr, 1);

	if (len < 2 || len > P11_FRAME_MAX)
		return ZS_ERR_PROTOCOL;
	*lenp = len;
	return 0;
}

/* Milliseconds left until deadline (a CLOCK_MONOTONIC time), or -1 for none. */
static int
p11_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (deadline == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

static void
p11_deadline(int timeout_ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Wait until fd is ready for events; 0, or ZS_ERR_IO on timeout/error. */
static int
p11_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd;
	int n;

	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, p11_ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ETIMEDOUT;
			return ZS_ERR_IO;
		}
		return 0;
	}
}

int
p11_frame_write(int fd, const struct buf *frame, int timeout_ms)
{
	struct timespec dl;
	const uint8_t *p = buf_ptr(frame);
	size_t left = buf_len(frame);
	ssize_t n;

	if (timeout_ms >= 0)
		p11_deadline(timeout_ms, &dl);
	while (left > 0) {
		if (p11_wait(fd, POLLOUT, timeout_ms >= 0 ? &dl : NULL) != 0)
			return ZS_ERR_IO;
		/* MSG_NOSIGNAL: a dead peer is an error, not a SIGPIPE. */
		n = send(fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return ZS_ERR_IO;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes into p before the deadline. */
static int
p11_read_full(int fd, uint8_t *p, size_t len, const struct timespec *deadline)
{
	ssize_t n;

	while (len > 0) {
		if (p11_wait(fd, POLLIN, deadline) != 0)
			return ZS_ERR_IO;
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return ZS_ERR_IO;
		}
		if (n == 0) {
			errno = EPIPE;
			return ZS_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
p11_frame_read(int fd, int timeout_ms, struct buf *body,
    struct zs_errbuf *eb)
{
	struct timespec dl, *dlp = NULL;
	uint8_t hdr[4], *p;
	size_t len;
	int r;

	buf_reset(body);
	if (timeout_ms >= 0) {
		p11_deadline(timeout_ms, &dl);
		dlp = &dl;
	}
	if (p11_read_full(fd, hdr, sizeof(hdr), dlp) != 0)
		return zs_errf(eb, ZS_ERR_IO, "helper channel: %s",
		    errno == EPIPE ? "closed" : strerror(errno));
	if (p11_frame_len(hdr, &len) != 0)
		return zs_errf(eb, ZS_ERR_PROTOCOL, "helper frame length %u "
		    "out of range", (unsigned)zs_get_u32(hdr, 1));
	if ((r = buf_reserve(body, len, &p)) != 0)
		return zs_errf(eb, r, "helper frame too large");
	if (p11_read_full(fd, p, len, dlp) != 0) {
		buf_reset(body);
		return zs_errf(eb, ZS_ERR_IO, "helper channel: %s",
		    errno == EPIPE ? "closed" : strerror(errno));
	}
	return 0;
}

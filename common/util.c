/* SPDX-License-Identifier: Apache-2.0 */
/* Base64, hex, whole-file I/O with caps, and integer literals. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
zs_b64_encode(const uint8_t *p, size_t len)
{
	char *s;

	s = xmalloc(ZS_B64_LEN(len) + 1);
	s[zs_b64_encode_to(p, len, s)] = '\0';
	return s;
}

/*
 * Base64 tables made once from b64chars and b64dec (below): the two
 * digits of every 12-bit value, and each byte's digit value shifted to
 * its place in a group of four, B64_BAD for a byte that is no digit.
 * Whole images go through these per request: two lookups per 3 bytes
 * encoded, four ORs and one test per 4 digits decoded.
 */
#define B64_BAD		0x80000000u
static uint16_t		b64pair[4096];
static uint32_t		b64shift[4][256];
static pthread_once_t	b64_once = PTHREAD_ONCE_INIT;
static void		b64_init(void);

size_t
zs_b64_encode_to(const uint8_t *p, size_t len, char *s)
{
	size_t i, o = 0;
	uint32_t v;

	pthread_once(&b64_once, b64_init);
	for (i = 0; i + 2 < len; i += 3, o += 4) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		memcpy(s + o, &b64pair[v >> 12], 2);
		memcpy(s + o + 2, &b64pair[v & 0xfff], 2);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		s[o++] = b64chars[v >> 18];
		s[o++] = b64chars[(v >> 12) & 63];
		s[o++] = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		s[o++] = '=';
	}
	return o;
}

/*
 * Value of each byte as a standard base64 digit, -1 for none: a table, as
 * requests carry whole images in base64 and decoding is on the hot path.
 */
static const signed char b64dec[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static void
b64_init(void)
{
	size_t i, k;
	char pair[2];

	for (i = 0; i < 4096; i++) {
		pair[0] = b64chars[i >> 6];
		pair[1] = b64chars[i & 63];
		memcpy(&b64pair[i], pair, 2);
	}
	for (i = 0; i < 256; i++)
		for (k = 0; k < 4; k++)
			b64shift[k][i] = b64dec[i] < 0 ? B64_BAD :
			    (uint32_t)b64dec[i] << (18 - 6 * k);
}

int
zs_b64_decode(const char *s, size_t slen, uint8_t **outp, size_t *lenp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t *out;
	size_t i, o = 0, pad = 0, full;
	uint32_t v, bad = 0;
	int k, c;

	pthread_once(&b64_once, b64_init);
	if (slen % 4 != 0)
		return ZS_ERR_INVALID;
	if (slen > 0 && s[slen - 1] == '=')
		pad++;
	if (slen > 1 && s[slen - 2] == '=')
		pad++;
	out = xmalloc(slen / 4 * 3 + 1);
	/* Every group but a padded last one: four digits, no checks per digit. */
	full = pad > 0 ? slen - 4 : slen;
	for (i = 0; i < full; i += 4, o += 3) {
		v = b64shift[0][u[i]] | b64shift[1][u[i + 1]] |
		    b64shift[2][u[i + 2]] | b64shift[3][u[i + 3]];
		/* A bad digit anywhere fails the whole string, checked once. */
		bad |= v;
		out[o] = (v >> 16) & 0xff;
		out[o + 1] = (v >> 8) & 0xff;
		out[o + 2] = v & 0xff;
	}
	if (bad & B64_BAD) {
		free(out);
		return ZS_ERR_INVALID;
	}
	if (i < slen) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (i + k >= slen - pad) {
				c = 0;
			} else if ((c = b64dec[u[i + k]]) < 0) {
				free(out);
				return ZS_ERR_INVALID;
			}
			v = v << 6 | (uint32_t)c;
		}
		out[o++] = v >> 16;
		out[o++] = (v >> 8) & 0xff;
		out[o++] = v & 0xff;
	}
	o -= pad;
	/* Reject non-canonical encodings: unused bits must be zero. */
	if ((pad == 1 && (b64dec[u[slen - 2]] & 3)) ||
	    (pad == 2 && (b64dec[u[slen - 3]] & 15))) {
		free(out);
		return ZS_ERR_INVALID;
	}
	*outp = out;
	*lenp = o;
	return 0;
}

void
zs_hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * len] = '\0';
}

void
zs_sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	uint8_t md[SHA256_DIGEST_LENGTH];

	SHA256(p, len, md);
	zs_hex_encode(md, sizeof(md), out);
}

int
zs_file_open_read(const char *path, size_t max, int *fdp, struct stat *stp)
{
	struct stat st;
	int fd, e, r = ZS_ERR_IO;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? ZS_ERR_NOT_FOUND : ZS_ERR_IO;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		r = ZS_ERR_INVALID;
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		r = ZS_ERR_TOO_LARGE;
		goto fail;
	}
	*fdp = fd;
	*stp = st;
	return 0;
 fail:
	e = errno;
	close(fd);
	errno = e;
	return r;
}

int
zs_file_unchanged(const struct stat *a, const struct stat *b)
{
	/* ctime cannot be set back: any write or chmod moves it. */
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int
zs_file_read(const char *path, size_t max, uint8_t **datap, size_t *lenp)
{
	struct stat st;
	uint8_t *d = NULL;
	size_t off = 0;
	ssize_t n;
	int fd, r;

	if ((r = zs_file_open_read(path, max, &fd, &st)) != 0)
		return r;
	r = ZS_ERR_IO;
	d = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, d + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	d[off] = '\0';	/* convenience for text files; not counted */
	*datap = d;
	*lenp = off;
	d = NULL;
	r = 0;
 out:
	free(d);
	close(fd);
	return r;
}

/* Bytes moved per read and write where copy_file_range() cannot be used. */
#define ZS_COPY_CHUNK	(1024 * 1024)
/* Names tried for a finished unnamed file before giving up (EEXIST). */
#define ZS_LINK_TRIES	16

struct zs_outfile {
	char	*path;
	char	*tmp;		/* path.tmpXXXXXX, or NULL while unnamed */
	int	 fd;
	int	 mode;
	size_t	 size;		/* allocated up front */
	size_t	 pos;		/* where the next piece goes */
	size_t	 end;		/* the file's length */
};

void
zs_outfile_abort(struct zs_outfile *of)
{
	int e = errno;

	if (of == NULL)
		return;
	if (of->fd != -1)
		close(of->fd);
	if (of->tmp != NULL)
		unlink(of->tmp);
	free(of->tmp);
	free(of->path);
	free(of);
	errno = e;
}

/* zs_outfile_open(), unnamed (O_TMPFILE) where it can be if unnamed set. */
static int
outfile_open(const char *path, size_t size, int mode, int unnamed,
    struct zs_outfile **ofp)
{
	struct zs_outfile *of;
	const char *slash = strrchr(path, '/');
	char *dir;
	int e;

	of = xcalloc(1, sizeof(*of));
	of->path = xstrdup(path);
	of->mode = mode;
	of->fd = -1;
	/*
	 * Unnamed until it is complete (O_TMPFILE), so that a client killed
	 * meanwhile leaves nothing; it is linked by its /proc/self/fd name,
	 * so only where /proc is. Else a named temporary file.
	 */
	if (unnamed && access("/proc/self/fd", X_OK) == 0) {
		dir = slash == NULL ? xstrdup(".") : slash == path ?
		    xstrdup("/") : xstrndup(path, (size_t)(slash - path));
		of->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		free(dir);
	}
	if (of->fd == -1) {
		of->tmp = xasprintf("%s.tmpXXXXXX", path);
		if ((of->fd = mkostemp(of->tmp, O_CLOEXEC)) == -1) {
			e = errno;
			free(of->tmp);
			of->tmp = NULL;
			zs_outfile_abort(of);
			errno = e;
			return ZS_ERR_IO;
		}
	}
	if (zs_outfile_reserve(of, size) != 0) {
		zs_outfile_abort(of);
		return ZS_ERR_IO;
	}
	*ofp = of;
	return 0;
}

int
zs_outfile_open(const char *path, size_t size, int mode,
    struct zs_outfile **ofp)
{
	return outfile_open(path, size, mode, 1, ofp);
}

int
zs_outfile_reserve(struct zs_outfile *of, size_t size)
{
	if (size <= of->size)
		return 0;
	/*
	 * Real preallocation only: posix_fallocate()'s fallback writes every
	 * block, which costs more than it saves. Allocated blocks make the
	 * rename cheap: ext4 (auto_da_alloc) flushes a file with delayed
	 * allocations when it is renamed over another (ext4_alloc_da_blocks).
	 */
	while (fallocate(of->fd, 0, 0, (off_t)size) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return 0;
		return ZS_ERR_IO;
	}
	of->size = size;
	if (of->end < size)
		of->end = size;
	return 0;
}

int
zs_outfile_seek(struct zs_outfile *of, size_t pos)
{
	if (lseek(of->fd, (off_t)pos, SEEK_SET) == -1)
		return ZS_ERR_IO;
	of->pos = pos;
	return 0;
}

/* Write len bytes at p to fd, whatever the signals. */
static int
file_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return ZS_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy len bytes of in at off to out with read and write. */
static int
file_copy_rw(int out, int in, off_t off, size_t len)
{
	uint8_t *buf;
	ssize_t n;
	int r = 0;

	buf = xmalloc(len < ZS_COPY_CHUNK ? len : ZS_COPY_CHUNK);
	while (len > 0 && r == 0) {
		n = pread(in, buf, len < ZS_COPY_CHUNK ? len : ZS_COPY_CHUNK,
		    off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The input is shorter than it was. */
			if (n == 0)
				errno = ENODATA;
			r = ZS_ERR_IO;
			break;
		}
		r = file_write_all(out, buf, (size_t)n);
		off += n;
		len -= (size_t)n;
	}
	free(buf);
	return r;
}

/*
 * Copy len bytes of in at off to out in the kernel (no copy through user
 * memory), or with read and write where the file systems cannot.
 */
static int
file_copy_range(int out, int in, off_t off, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = copy_file_range(in, &off, out, NULL, len, 0);
		if (n > 0) {
			len -= (size_t)n;
			continue;
		}
		if (n == 0) {
			errno = ENODATA;
			return ZS_ERR_IO;
		}
		if (errno == EINTR)
			continue;
		if (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
		    errno == EOPNOTSUPP || errno == EBADF)
			return file_copy_rw(out, in, off, len);
		return ZS_ERR_IO;
	}
	return 0;
}

int
zs_outfile_write(struct zs_outfile *of, const struct zs_filepiece *pc,
    size_t n)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = pc[i].p != NULL ? file_write_all(of->fd, pc[i].p,
		    pc[i].len) : file_copy_range(of->fd, pc[i].fd, pc[i].off,
		    pc[i].len);
		if (r != 0)
			return r;
		of->pos += pc[i].len;
		if (of->end < of->pos)
			of->end = of->pos;
	}
	return 0;
}

/* Give an unnamed file a temporary name beside the output. */
static int
file_link(struct zs_outfile *of)
{
	char proc[64];
	uint32_t rnd;
	int i;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", of->fd);
	for (i = 0; i < ZS_LINK_TRIES; i++) {
		rnd = arc4random();
		of->tmp = xasprintf("%s.tmp%08x", of->path, rnd);
		/* linkat() never replaces: a name taken is tried again. */
		if (linkat(AT_FDCWD, proc, AT_FDCWD, of->tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			return 0;
		free(of->tmp);
		of->tmp = NULL;
		if (errno != EEXIST)
			break;
	}
	return ZS_ERR_IO;
}

int
zs_outfile_commit(struct zs_outfile *of, int sync)
{
	/* What lies past the last piece is no part of the file. */
	if ((of->end != of->pos && ftruncate(of->fd, (off_t)of->pos) == -1) ||
	    fchmod(of->fd, (mode_t)of->mode) == -1 ||
	    (sync && fsync(of->fd) == -1) ||
	    (of->tmp == NULL && file_link(of) != 0))
		goto fail;
	if (close(of->fd) == -1) {
		of->fd = -1;
		goto fail;
	}
	of->fd = -1;
	if (rename(of->tmp, of->path) == -1)
		goto fail;
	free(of->tmp);
	of->tmp = NULL;
	zs_outfile_abort(of);
	return 0;
 fail:
	zs_outfile_abort(of);
	return ZS_ERR_IO;
}

/* Temporary file, optional fsync, rename: see zs_file_write_atomic(). */
static int
file_write_replace(const char *path, const struct zs_filepiece *pc,
    size_t n, int mode, int sync)
{
	struct zs_outfile *of;
	size_t i, size = 0;
	int r;

	for (i = 0; i < n; i++)
		size += pc[i].len;
	/*
	 * What is fsync'd is zsignd's state: a named temporary file, as a
	 * sandbox may hide /proc from it.
	 */
	if ((r = outfile_open(path, size, mode, !sync, &of)) != 0)
		return r;
	if ((r = zs_outfile_write(of, pc, n)) != 0) {
		zs_outfile_abort(of);
		return r;
	}
	return zs_outfile_commit(of, sync);
}

int
zs_file_write_atomic(const char *path, const uint8_t *p, size_t len, int mode)
{
	struct zs_filepiece pc = { .p = p != NULL ? p : (const uint8_t *)"",
	    .len = len };

	return file_write_replace(path, &pc, 1, mode, 1);
}

int
zs_file_write_output(const char *path, const uint8_t *p, size_t len, int mode)
{
	struct zs_filepiece pc = { .p = p != NULL ? p : (const uint8_t *)"",
	    .len = len };

	return file_write_replace(path, &pc, 1, mode, 0);
}

int
zs_file_write_pieces(const char *path, const struct zs_filepiece *pc,
    size_t n, int mode)
{
	return file_write_replace(path, pc, n, mode, 0);
}

int
zs_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0, d;
	unsigned base = 10;
	const char *p = s;
	int any = 0;

	if (p[0] == '0' && p[1] != '\0') {
		switch (p[1]) {
		case 'x': case 'X': base = 16; p += 2; break;
		case 'o': case 'O': base = 8; p += 2; break;
		case 'b': case 'B': base = 2; p += 2; break;
		default:
			/* Python rejects leading zeros in decimal ("010"). */
			for (; *p == '0'; p++)
				;
			if (*p != '\0')
				return ZS_ERR_INVALID;
			*out = 0;
			return 0;
		}
	}
	for (; *p != '\0'; p++) {
		if (*p == '_' && any && p[1] != '\0' && p[1] != '_')
			continue;	/* Python allows 1_000 */
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return ZS_ERR_INVALID;
		if (d >= base)
			return ZS_ERR_INVALID;
		if (v > (max - d) / base)
			return ZS_ERR_TOO_LARGE;
		v = v * base + d;
		any = 1;
	}
	if (!any)
		return ZS_ERR_INVALID;
	*out = v;
	return 0;
}

/* Bytes zs_escape() writes for byte c. */
static size_t
zs_escape_len(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ? 1 :
	    ZS_ESCAPE_RATIO;
}

size_t
zs_escape(char *out, size_t outlen, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t o = 0, need, total = 0, room;

	if (outlen == 0)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		total += zs_escape_len(*p);
	/* Cut short: keep room for "..." and the NUL. */
	room = total < outlen ? outlen - 1 : outlen > 4 ? outlen - 4 : 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		need = zs_escape_len(*p);
		if (o + need > room)
			break;
		if (need == 1) {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 0xf];
	}
	if (*p != '\0' && o + 3 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

/* n decimal digits at s into *vp: 1 when they are digits, else 0. */
static int
rfc3339_num(const char *s, int n, int *vp)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*vp = v;
	return 1;
}

int
zs_parse_rfc3339(const char *s, time_t *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, leap;
	struct tm tm;
	time_t t;

	if (!rfc3339_num(s, 4, &y) || s[4] != '-' ||
	    !rfc3339_num(s + 5, 2, &mo) || s[7] != '-' ||
	    !rfc3339_num(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !rfc3339_num(s + 11, 2, &h) || s[13] != ':' ||
	    !rfc3339_num(s + 14, 2, &mi) || s[16] != ':' ||
	    !rfc3339_num(s + 17, 2, &sec))
		return ZS_ERR_INVALID;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return ZS_ERR_INVALID;
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (!rfc3339_num(s + 1, 2, &oh) || s[3] != ':' ||
		    !rfc3339_num(s + 4, 2, &om) || oh > 23 || om > 59)
			return ZS_ERR_INVALID;
		s += 6;
	} else
		return ZS_ERR_INVALID;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
	    mi > 59 || sec > 60)
		return ZS_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	/* A leap second is the last second of its minute. */
	tm.tm_sec = sec == 60 ? 59 : sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return ZS_ERR_INVALID;
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

void
zs_format_rfc3339(time_t t, char out[ZS_RFC3339_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, ZS_RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, ZS_RFC3339_LEN, "(unrepresentable)");
}

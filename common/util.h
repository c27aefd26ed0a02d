/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers every module needs: base64, hex, files, digests. */
#ifndef ZS_UTIL_H
#define ZS_UTIL_H

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Largest file any zsign component reads whole: 256 MiB. */
#define ZS_FILE_MAX		(256u * 1024 * 1024)

/* Characters of the base64 encoding of n bytes, without the NUL. */
#define ZS_B64_LEN(n)	(((n) + 2) / 3 * 4)

/* Base64-encode (standard alphabet, '=' padding, no newlines); malloc'd. */
char	*zs_b64_encode(const uint8_t *p, size_t len);
/* Base64-encode into out (ZS_B64_LEN(len) bytes, no NUL); returns that. */
size_t	 zs_b64_encode_to(const uint8_t *p, size_t len, char *out);
/* Strictly decode standard base64 (no whitespace); *outp is malloc'd. */
int	 zs_b64_decode(const char *s, size_t slen, uint8_t **outp,
	    size_t *lenp);
/* Write 2*len lower-case hex digits and a NUL to out. */
void	 zs_hex_encode(const uint8_t *p, size_t len, char *out);
/* SHA-256 of p as 64 lower-case hex digits plus NUL in out[65]. */
void	 zs_sha256_hex(const uint8_t *p, size_t len, char out[65]);
/*
 * Open a regular file of at most max bytes for reading; *stp is what
 * fstat() said (the same codes as zs_file_read(), errno kept).
 */
int	 zs_file_open_read(const char *path, size_t max, int *fdp,
	    struct stat *stp);
/*
 * Whether a and b (fstat() of one file at two times) show the same file,
 * unchanged: device, inode, size, modification and change times.
 */
int	 zs_file_unchanged(const struct stat *a, const struct stat *b);
/* Read a whole regular file of at most max bytes; *datap is malloc'd. */
int	 zs_file_read(const char *path, size_t max, uint8_t **datap,
	    size_t *lenp);
/*
 * One piece of an output file: len bytes at p, or, when p is NULL, len
 * bytes of file fd from offset off (copied in the kernel, never read in).
 */
struct zs_filepiece {
	const uint8_t	*p;
	int		 fd;
	off_t		 off;
	size_t		 len;
};
/* An output file being written under a temporary name (zs_outfile_*). */
struct zs_outfile;
/*
 * Start writing path: a temporary file in the same directory, unnamed
 * until the commit where the system allows (O_TMPFILE), with size bytes
 * allocated up front (ENOSPC now, not half-way; no delayed allocation for
 * ext4 to force out at the rename); ZS_ERR_IO with errno.
 */
int	 zs_outfile_open(const char *path, size_t size, int mode,
	    struct zs_outfile **ofp);
/* Allocate the file's first size bytes too (as zs_outfile_open()). */
int	 zs_outfile_reserve(struct zs_outfile *of, size_t size);
/*
 * Put the next piece at pos; the file ends where the last piece written
 * ends when it is committed.
 */
int	 zs_outfile_seek(struct zs_outfile *of, size_t pos);
/* Write the pieces pc[0..n) there; ZS_ERR_IO with errno on failure. */
int	 zs_outfile_write(struct zs_outfile *of,
	    const struct zs_filepiece *pc, size_t n);
/*
 * Give the file its mode, fsync it when sync is set, and rename it over
 * path; of is freed whatever happens and nothing is left on failure.
 */
int	 zs_outfile_commit(struct zs_outfile *of, int sync);
/* Remove the temporary file and free of (errno kept); NULL is a no-op. */
void	 zs_outfile_abort(struct zs_outfile *of);
/*
 * Write len bytes to path atomically: a temporary file in the same
 * directory, fsync, rename. On failure nothing is left behind.
 */
int	 zs_file_write_atomic(const char *path, const uint8_t *p, size_t len,
	    int mode);
/*
 * The same without the fsync, as imgtool and rimage write their outputs:
 * readers still see the old file or the whole new one, never a part.
 */
int	 zs_file_write_output(const char *path, const uint8_t *p, size_t len,
	    int mode);
/* The same for the concatenation of the pieces pc[0..n). */
int	 zs_file_write_pieces(const char *path,
	    const struct zs_filepiece *pc, size_t n, int mode);
/* Parse an unsigned integer literal as Python int() with base 0 would. */
int	 zs_parse_uint(const char *s, unsigned long long max,
	    unsigned long long *out);

/* Bytes zs_escape() may write for one byte of input (\xHH). */
#define ZS_ESCAPE_RATIO		4
/*
 * Copy s into out (outlen bytes with the NUL) as printable ASCII,
 * losslessly: every byte outside 0x20..0x7e (controls, C1, any UTF-8 such
 * as U+202E), the backslash and the double quote become \xHH. Between
 * double quotes the result is one value of a key=value log line that no
 * client string can end early, and different inputs stay different. A
 * copy that does not fit is cut at an escape boundary and ends in "...";
 * returns the length written.
 */
size_t	 zs_escape(char *out, size_t outlen, const char *s);
/* Characters of an RFC 3339 UTC time ("2026-12-06T18:00:00Z") plus NUL. */
#define ZS_RFC3339_LEN	21
/*
 * Parse an RFC 3339 date-time ("2026-12-06T18:00:00Z", fractions and a
 * "+HH:MM" offset allowed) into seconds since the epoch.
 */
int	 zs_parse_rfc3339(const char *s, time_t *out);
/* Write t as "YYYY-MM-DDTHH:MM:SSZ" to out. */
void	 zs_format_rfc3339(time_t t, char out[ZS_RFC3339_LEN]);

#endif /* ZS_UTIL_H */

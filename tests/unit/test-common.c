/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for common/: buffers, base64, integer literals, filesets,
 * atomic output files.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/digit.h"
#include "common/fileset.h"
#include "common/util.h"
#include "common/zserr.h"
#include "tests/zstest.h"

static void
test_buf_cap(void **state)
{
	struct buf *b = buf_new(8);

	(void)state;
	assert_int_equal(buf_put(b, "abcdef", 6), 0);
	assert_int_equal(buf_put(b, "ghi", 3), ZS_ERR_TOO_LARGE);
	assert_int_equal(buf_len(b), 6);
	assert_int_equal(buf_put_u16(b, 0x1234, 1), 0);
	assert_memory_equal(buf_ptr(b) + 6, "\x12\x34", 2);
	assert_int_equal(buf_put_u8(b, 1), ZS_ERR_TOO_LARGE);
	buf_free(b);
}

static void
test_buf_endian(void **state)
{
	struct buf *b = buf_new(0);

	(void)state;
	assert_int_equal(buf_put_u32(b, 0x96f3b83d, 0), 0);
	assert_memory_equal(buf_ptr(b), "\x3d\xb8\xf3\x96", 4);
	assert_int_equal(zs_get_u32(buf_ptr(b), 0), 0x96f3b83d);
	assert_int_equal(zs_get_u32(buf_ptr(b), 1), 0x3db8f396);
	buf_free(b);
}

static void
test_b64(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
	};
	uint8_t *d;
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = zs_b64_encode((const uint8_t *)v[i].in, strlen(v[i].in));
		assert_string_equal(s, v[i].out);
		free(s);
		assert_int_equal(zs_b64_decode(v[i].out, strlen(v[i].out),
		    &d, &n), 0);
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(d, v[i].in, n);
		free(d);
	}
	assert_int_equal(zs_b64_decode("Zm9", 3, &d, &n), ZS_ERR_INVALID);
	assert_int_equal(zs_b64_decode("Zm9!", 4, &d, &n), ZS_ERR_INVALID);
	assert_int_equal(zs_b64_decode("Zh==", 4, &d, &n), ZS_ERR_INVALID);
	assert_int_equal(zs_b64_decode("Z===", 4, &d, &n), ZS_ERR_INVALID);
}

/* Every length round-trips; one bad digit anywhere fails the string. */
static void
test_b64_long(void **state)
{
	uint8_t in[96], *d;
	size_t i, len, n;
	char *s, c, bad[] = "-_ \n\x80";
	size_t k;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len <= sizeof(in); len++) {
		s = zs_b64_encode(in, len);
		assert_int_equal(strlen(s), ZS_B64_LEN(len));
		assert_int_equal(zs_b64_decode(s, strlen(s), &d, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(d, in, len);
		free(d);
		free(s);
	}
	s = zs_b64_encode(in, sizeof(in));
	for (i = 0; i < strlen(s); i++) {
		for (k = 0; k < strlen(bad); k++) {
			c = s[i];
			s[i] = bad[k];
			assert_int_equal(zs_b64_decode(s, strlen(s), &d, &n),
			    ZS_ERR_INVALID);
			s[i] = c;
		}
	}
	free(s);
}

static void
test_parse_uint(void **state)
{
	unsigned long long v;

	(void)state;
	assert_int_equal(zs_parse_uint("42", 0xffffffff, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(zs_parse_uint("0x10", 0xffffffff, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(zs_parse_uint("0o7", 0xffffffff, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(zs_parse_uint("0b101", 0xffffffff, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(zs_parse_uint("0", 0xffffffff, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(zs_parse_uint("010", 0xffffffff, &v), ZS_ERR_INVALID);
	assert_int_equal(zs_parse_uint("0x", 0xffffffff, &v), ZS_ERR_INVALID);
	assert_int_equal(zs_parse_uint("12a", 0xffffffff, &v), ZS_ERR_INVALID);
	assert_int_equal(zs_parse_uint("-1", 0xffffffff, &v), ZS_ERR_INVALID);
	assert_int_equal(zs_parse_uint("0x100000000", 0xffffffff, &v),
	    ZS_ERR_TOO_LARGE);
}

/* Escaping is printable ASCII, lossless, and cut only at escapes. */
static void
test_escape(void **state)
{
	char out[64];

	assert_int_equal(zs_escape(out, sizeof(out), "a b=c.bin"), 9);
	assert_string_equal(out, "a b=c.bin");
	zs_escape(out, sizeof(out), "q\"\\\n\x1b\xc2\x85\xe2\x80\xae");
	assert_string_equal(out, "q\\x22\\x5c\\x0a\\x1b\\xc2\\x85\\xe2\\x80"
	    "\\xae");
	/* é and è stay apart. */
	zs_escape(out, sizeof(out), "\xc3\xa9.bin");
	assert_string_equal(out, "\\xc3\\xa9.bin");
	zs_escape(out, sizeof(out), "\xc3\xa8.bin");
	assert_string_equal(out, "\\xc3\\xa8.bin");
	/* Exactly fitting: whole; one byte short: cut at an escape. */
	assert_int_equal(zs_escape(out, 9, "\x01\x02"), 8);
	assert_string_equal(out, "\\x01\\x02");
	assert_int_equal(zs_escape(out, 8, "\x01\x02"), 7);
	assert_string_equal(out, "\\x01...");
	assert_int_equal(zs_escape(out, 1, "abc"), 0);
	assert_string_equal(out, "");
}

static void
test_fileset(void **state)
{
	struct fileset *fs = fileset_new();
	const uint8_t *d;
	size_t n;

	(void)state;
	assert_int_equal(fileset_add(fs, "a.bin", (const uint8_t *)"xy", 2), 0);
	assert_int_equal(fileset_add(fs, "a.bin", (const uint8_t *)"z", 1), 0);
	assert_int_equal(fileset_count(fs), 1);
	assert_int_equal(fileset_get(fs, "a.bin", &d, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fileset_get(fs, "b.bin", &d, &n), ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_add(fs, "", (const uint8_t *)"", 0),
	    ZS_ERR_INVALID);
	fileset_free(fs);
}

/*
 * A file with a hole: its other bytes as written, the hole copied in from
 * its source when the whole file is read, never before.
 */
static void
test_fileset_holes(void **state)
{
	static const uint8_t src[] = "BODY";
	struct fileset *fs = fileset_new();
	const uint8_t *d, *u;
	const char *name;
	uint8_t *buf;
	char hex[65], want[65];
	size_t n, hoff, hlen;

	(void)state;
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	/* Only where the caller keeps the sources alive. */
	assert_int_equal(fileset_add_owned_hole(fs, "o.bin", buf, 10, 2, src,
	    4), ZS_ERR_INVALID);
	fileset_allow_holes(fs);
	assert_true(fileset_holes_allowed(fs));
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	assert_int_equal(fileset_add_owned_hole(fs, "o.bin", buf, 10, 7, src,
	    4), ZS_ERR_INVALID);
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	assert_int_equal(fileset_add_owned_hole(fs, "o.bin", buf, 10, 2, src,
	    4), 0);
	assert_int_equal(fileset_at_unfilled(fs, 0, &name, &u, &n, &hoff,
	    &hlen), 0);
	assert_true(n == 10 && hoff == 2 && hlen == 4);
	assert_memory_equal(u, "hd????tail", 10);
	assert_int_equal(fileset_bytes(fs), 10);
	/* Readers of the whole file get it whole, in the same place. */
	assert_int_equal(fileset_get(fs, "o.bin", &d, &n), 0);
	assert_ptr_equal(d, u);
	assert_memory_equal(d, "hdBODYtail", 10);
	assert_int_equal(fileset_at_unfilled(fs, 0, &name, &u, &n, &hoff,
	    &hlen), 0);
	assert_int_equal(hlen, 0);
	/* Digests are of the whole file too. */
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	assert_int_equal(fileset_add_owned_hole(fs, "o.bin", buf, 10, 2, src,
	    4), 0);
	zs_sha256_hex((const uint8_t *)"hdBODYtail", 10, want);
	assert_int_equal(fileset_sha256_hex(fs, 0, hex), 0);
	assert_string_equal(hex, want);
	/* Replaced or freed unread: nothing is copied. */
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	assert_int_equal(fileset_add_owned_hole(fs, "o.bin", buf, 10, 2, src,
	    4), 0);
	assert_int_equal(fileset_add(fs, "o.bin", (const uint8_t *)"new", 3),
	    0);
	assert_int_equal(fileset_at_unfilled(fs, 0, &name, &u, &n, &hoff,
	    &hlen), 0);
	assert_true(n == 3 && hlen == 0);
	buf = malloc(10);
	memcpy(buf, "hd????tail", 10);
	assert_int_equal(fileset_add_owned_hole(fs, "p.bin", buf, 10, 2, src,
	    4), 0);
	fileset_free(fs);
}

/* An engine's notes on a file: kept with it, dropped when it is replaced. */
static void
test_fileset_notes(void **state)
{
	struct fileset *fs = fileset_new();
	uint8_t md[ZS_FILESET_SHA256_LEN], got[ZS_FILESET_SHA256_LEN];
	char hex[65], want[65];
	const char *in;
	size_t inoff, outoff, len;

	(void)state;
	memset(md, 0x5a, sizeof(md));
	assert_int_equal(fileset_add(fs, "o.bin", (const uint8_t *)"hdr+img",
	    7), 0);
	assert_int_equal(fileset_sha256(fs, 0, got), ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_origin(fs, 0, &in, &inoff, &outoff, &len),
	    ZS_ERR_NOT_FOUND);
	/* Without a note the digest is hashed. */
	zs_sha256_hex((const uint8_t *)"hdr+img", 7, want);
	assert_int_equal(fileset_sha256_hex(fs, 0, hex), 0);
	assert_string_equal(hex, want);
	assert_int_equal(fileset_sha256_hex(fs, 1, hex), ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_set_sha256(fs, "x.bin", md),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_set_sha256(fs, "o.bin", md), 0);
	assert_int_equal(fileset_sha256(fs, 0, got), 0);
	assert_memory_equal(got, md, sizeof(md));
	assert_int_equal(fileset_sha256_hex(fs, 0, hex), 0);
	assert_string_equal(hex, "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
	/* A note is kept: the file is hashed once, whoever asks first. */
	assert_int_equal(fileset_sha256_note(fs, 0), 0);
	assert_int_equal(fileset_sha256(fs, 0, got), 0);
	assert_memory_equal(got, md, sizeof(md));
	assert_int_equal(fileset_sha256_note(fs, 1), ZS_ERR_NOT_FOUND);
	/* A run must lie within the file. */
	assert_int_equal(fileset_set_origin(fs, "o.bin", "i.bin", 0, 4, 4),
	    ZS_ERR_INVALID);
	assert_int_equal(fileset_set_origin(fs, "o.bin", "i.bin", 0, 8, 0),
	    ZS_ERR_INVALID);
	assert_int_equal(fileset_set_origin(fs, "o.bin", "i.bin", 2, 4, 3),
	    0);
	assert_int_equal(fileset_origin(fs, 0, &in, &inoff, &outoff, &len),
	    0);
	assert_string_equal(in, "i.bin");
	assert_true(inoff == 2 && outoff == 4 && len == 3);
	/* New bytes under the same name: the notes were about the old. */
	assert_int_equal(fileset_add(fs, "o.bin", (const uint8_t *)"other",
	    5), 0);
	assert_int_equal(fileset_sha256(fs, 0, got), ZS_ERR_NOT_FOUND);
	assert_int_equal(fileset_origin(fs, 0, &in, &inoff, &outoff, &len),
	    ZS_ERR_NOT_FOUND);
	/* Noting hashes the file as it is now. */
	assert_int_equal(fileset_sha256_note(fs, 0), 0);
	assert_int_equal(fileset_sha256(fs, 0, got), 0);
	zs_sha256_hex((const uint8_t *)"other", 5, want);
	zs_hex_encode(got, sizeof(got), hex);
	assert_string_equal(hex, want);
	fileset_free(fs);
}

/* Entries of directory d, not counting "." and "..". */
static int
dir_count(const char *d)
{
	struct dirent *e;
	DIR *dp;
	int n = 0;

	if ((dp = opendir(d)) == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n;
}

/* Whether file path holds exactly the len bytes at p. */
static int
file_is(const char *path, const uint8_t *p, size_t len)
{
	uint8_t *d;
	size_t n;
	int same;

	if (zs_file_read(path, len + 1, &d, &n) != 0)
		return 0;
	same = n == len && memcmp(d, p, len) == 0;
	free(d);
	return same;
}

/* Bytes of the input file in test_outfile: more than one copy chunk. */
#define OUTFILE_IN_LEN	(3 * 1024 * 1024 + 7)

/*
 * An output from memory and from ranges of an input file, in dir: the
 * pieces in order, then the same over the old file; in is in indir.
 */
static void
outfile_pieces(const char *dir, const char *indir, const uint8_t *in,
    uint8_t *expect)
{
	struct zs_filepiece pc[3];
	char *ipath, *opath;
	struct stat st;
	size_t len;
	int fd;

	assert_true(asprintf(&ipath, "%s/in.bin", indir) > 0);
	assert_true(asprintf(&opath, "%s/out.bin", dir) > 0);
	assert_int_equal(zs_file_write_output(ipath, in, OUTFILE_IN_LEN, 0600),
	    0);
	assert_true((fd = open(ipath, O_RDONLY)) != -1);
	memset(pc, 0, sizeof(pc));
	pc[0].p = (const uint8_t *)"HEAD";
	pc[0].len = 4;
	pc[1].fd = fd;
	pc[1].off = 100;
	pc[1].len = OUTFILE_IN_LEN - 200;
	pc[2].p = (const uint8_t *)"TAIL!";
	pc[2].len = 5;
	memcpy(expect, "HEAD", 4);
	memcpy(expect + 4, in + 100, OUTFILE_IN_LEN - 200);
	memcpy(expect + 4 + OUTFILE_IN_LEN - 200, "TAIL!", 5);
	len = 9 + OUTFILE_IN_LEN - 200;
	assert_int_equal(zs_file_write_pieces(opath, pc, 3, 0640), 0);
	assert_true(file_is(opath, expect, len));
	assert_int_equal(stat(opath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* Over the old file, which it replaces whole. */
	pc[1].off = 0;
	pc[1].len = 10;
	memcpy(expect + 4, in, 10);
	memcpy(expect + 14, "TAIL!", 5);
	assert_int_equal(zs_file_write_pieces(opath, pc, 3, 0644), 0);
	assert_true(file_is(opath, expect, 19));
	/* A range past the input's end (it shrank): an error, no file left. */
	pc[1].off = OUTFILE_IN_LEN - 5;
	errno = 0;
	assert_int_equal(zs_file_write_pieces(opath, pc, 3, 0644), ZS_ERR_IO);
	assert_int_equal(errno, ENODATA);
	assert_true(file_is(opath, expect, 19));
	assert_int_equal(dir_count(dir), dir == indir ? 2 : 1);
	close(fd);
	unlink(ipath);
	unlink(opath);
	free(ipath);
	free(opath);
}

static void
test_outfile(void **state)
{
	char dir[PATH_MAX];
	char shm[] = "/dev/shm/zs-test-outfile.XXXXXX";
	struct zs_filepiece pc = { .p = NULL, .fd = -1 };
	struct zs_outfile *of;
	struct rlimit rl, small;
	uint8_t *in, *expect;
	char *opath;
	size_t i;

	(void)state;
	in = malloc(OUTFILE_IN_LEN);
	expect = malloc(OUTFILE_IN_LEN + 16);
	assert_non_null(in);
	assert_non_null(expect);
	for (i = 0; i < OUTFILE_IN_LEN; i++)
		in[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(zstest_mkdtemp(dir, sizeof(dir), "zs-test-outfile"),
	    0);
	outfile_pieces(dir, dir, in, expect);
	/* From another file system (tmpfs): read and write instead. */
	if (mkdtemp(shm) != NULL) {
		outfile_pieces(dir, shm, in, expect);
		rmdir(shm);
	}
	assert_true(asprintf(&opath, "%s/out.bin", dir) > 0);
	assert_int_equal(zs_file_write_output(opath, (const uint8_t *)"old", 3,
	    0644), 0);
	/* No room (RLIMIT_FSIZE stands in for a full disk): before any byte. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	small = rl;
	small.rlim_cur = 1024 * 1024;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	errno = 0;
	assert_int_equal(zs_outfile_open(opath, OUTFILE_IN_LEN, 0644, &of),
	    ZS_ERR_IO);
	assert_int_equal(errno, EFBIG);
	pc.p = in;
	pc.len = OUTFILE_IN_LEN;
	assert_int_equal(zs_file_write_pieces(opath, &pc, 1, 0644), ZS_ERR_IO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_true(file_is(opath, (const uint8_t *)"old", 3));
	assert_int_equal(dir_count(dir), 1);
	/*
	 * Aborted: the old file stays, no temporary file is left (none is
	 * seen at all where O_TMPFILE keeps it unnamed until the commit).
	 */
	assert_int_equal(zs_outfile_open(opath, 10, 0644, &of), 0);
	assert_int_equal(zs_outfile_write(of, &pc, 1), 0);
	assert_true(dir_count(dir) == 1 || dir_count(dir) == 2);
	zs_outfile_abort(of);
	zs_outfile_abort(NULL);
	assert_true(file_is(opath, (const uint8_t *)"old", 3));
	assert_int_equal(dir_count(dir), 1);
	/*
	 * Pieces placed out of order (what the client copies early, then
	 * the rest around it): the file ends where the last piece ends,
	 * whatever was allocated or written past it.
	 */
	assert_int_equal(zs_outfile_open(opath, 64, 0644, &of), 0);
	pc.p = (const uint8_t *)"0123456789";
	pc.len = 10;
	assert_int_equal(zs_outfile_seek(of, 20), 0);
	assert_int_equal(zs_outfile_write(of, &pc, 1), 0);
	assert_int_equal(zs_outfile_reserve(of, 100), 0);
	assert_int_equal(zs_outfile_seek(of, 0), 0);
	pc.p = (const uint8_t *)"abcdefghijklmnopqrst";
	pc.len = 20;
	assert_int_equal(zs_outfile_write(of, &pc, 1), 0);
	assert_int_equal(zs_outfile_seek(of, 25), 0);
	pc.p = (const uint8_t *)"XY";
	pc.len = 2;
	assert_int_equal(zs_outfile_write(of, &pc, 1), 0);
	assert_int_equal(zs_outfile_commit(of, 0), 0);
	assert_true(file_is(opath, (const uint8_t *)
	    "abcdefghijklmnopqrst01234XY", 27));
	assert_int_equal(dir_count(dir), 1);
	/* A directory that is not there: an error with its errno. */
	errno = 0;
	assert_int_equal(zs_file_write_output("/nonexistent-zs/out.bin",
	    in, 1, 0644), ZS_ERR_IO);
	assert_int_equal(errno, ENOENT);
	unlink(opath);
	rmdir(dir);
	free(opath);
	free(expect);
	free(in);
}

/* zs_file_open_read() and the comparison that sees a file change. */
static void
test_file_unchanged(void **state)
{
	struct timespec ts[2];
	struct stat a, b;
	char path[PATH_MAX];
	int fd, fd2;

	(void)state;
	assert_true((fd = zstest_mkstemp(path, sizeof(path),
	    "zs-test-unchanged")) != -1);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	assert_int_equal(zs_file_open_read(path, 9, &fd, &a), ZS_ERR_TOO_LARGE);
	assert_int_equal(zs_file_open_read("/", 10, &fd, &a), ZS_ERR_INVALID);
	assert_int_equal(zs_file_open_read("/nonexistent-zs", 10, &fd, &a),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(zs_file_open_read(path, 10, &fd, &a), 0);
	assert_int_equal(a.st_size, 10);
	assert_int_equal(fstat(fd, &b), 0);
	assert_true(zs_file_unchanged(&a, &b));
	/* Each field on its own makes a change. */
	b.st_ino++;
	assert_false(zs_file_unchanged(&a, &b));
	b.st_ino--;
	b.st_size++;
	assert_false(zs_file_unchanged(&a, &b));
	b.st_size--;
	b.st_mtim.tv_nsec ^= 1;
	assert_false(zs_file_unchanged(&a, &b));
	b.st_mtim.tv_nsec ^= 1;
	b.st_ctim.tv_sec++;
	assert_false(zs_file_unchanged(&a, &b));
	b.st_ctim.tv_sec--;
	b.st_dev++;
	assert_false(zs_file_unchanged(&a, &b));
	/* A write of the same size, with the old times put back. */
	assert_true((fd2 = open(path, O_WRONLY)) != -1);
	assert_int_equal(pwrite(fd2, "X", 1, 3), 1);
	ts[0] = a.st_atim;
	ts[1] = a.st_mtim;
	assert_int_equal(futimens(fd2, ts), 0);
	close(fd2);
	assert_int_equal(fstat(fd, &b), 0);
	assert_int_equal(b.st_size, a.st_size);
	assert_false(zs_file_unchanged(&a, &b));
	close(fd);
	unlink(path);
}

static void
test_digit(void **state)
{
	static const struct {
		int	 c, base, want;
	} cases[] = {
		{ '0', 2, 0 }, { '1', 2, 1 }, { '2', 2, -1 }, { '7', 8, 7 },
		{ '8', 8, -1 }, { '9', 10, 9 }, { 'a', 10, -1 },
		{ 'a', 16, 10 }, { 'F', 16, 15 }, { 'g', 16, -1 },
		{ '_', 16, -1 }, { ' ', 16, -1 }, { -1, 16, -1 },
		{ 0xe9, 16, -1 },
	};
	static const char max[] = "18446744073709551615";
	uint64_t v = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(zs_digit_value(cases[i].c, cases[i].base),
		    cases[i].want);
	/* UINT64_MAX digit by digit; one digit more overflows. */
	for (i = 0; i < sizeof(max) - 1; i++)
		assert_int_equal(zs_digit_push(&v, 10, max[i] - '0',
		    UINT64_MAX), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(zs_digit_push(&v, 10, 0, UINT64_MAX),
	    ZS_ERR_TOO_LARGE);
	assert_true(v == UINT64_MAX);
	/* The limit is inclusive; past it *vp stays. */
	v = 0x7f;
	assert_int_equal(zs_digit_push(&v, 16, 0xf, 0x7ff), 0);
	assert_int_equal(v, 0x7ff);
	assert_int_equal(zs_digit_push(&v, 16, 0, 0x7fef), ZS_ERR_TOO_LARGE);
	assert_int_equal(v, 0x7ff);
}

static void
test_rfc3339(void **state)
{
	static const struct {
		const char	*s;
		long long	 t;		/* -1: refused */
	} v[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2027-01-01T00:00:00Z", 1798761600 },
		{ "2027-01-01T01:30:00+01:30", 1798761600 },
		{ "2026-12-31T19:00:00-05:00", 1798761600 },
		{ "2027-01-01t00:00:00.123456z", 1798761600 },
		{ "2024-02-29T00:00:00Z", 1709164800 },
		{ "2016-12-31T23:59:60Z", 1483228799 },	/* leap second */
		{ "2023-02-29T00:00:00Z", -1 },
		{ "2027-13-01T00:00:00Z", -1 },
		{ "2027-01-01 00:00:00Z", -1 },
		{ "2027-01-01T00:00:00", -1 },		/* no offset */
		{ "2027-01-01T00:00:00.Z", -1 },
		{ "2027-01-01T24:00:00Z", -1 },
		{ "2027-01-01T00:00:00+0100", -1 },
		{ "2027-01-01T00:00:00Zjunk", -1 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "", -1 },
	};
	char out[ZS_RFC3339_LEN];
	time_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].t < 0) {
			if (zs_parse_rfc3339(v[i].s, &t) != ZS_ERR_INVALID)
				fail_msg("accepted \"%s\"", v[i].s);
			continue;
		}
		if (zs_parse_rfc3339(v[i].s, &t) != 0 || t != v[i].t)
			fail_msg("\"%s\": want %lld", v[i].s, v[i].t);
	}
	zs_format_rfc3339(1798761600, out);
	assert_string_equal(out, "2027-01-01T00:00:00Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_endian),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_b64_long),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fileset),
		cmocka_unit_test(test_fileset_notes),
		cmocka_unit_test(test_fileset_holes),
		cmocka_unit_test(test_outfile),
		cmocka_unit_test(test_file_unchanged),
		cmocka_unit_test(test_digit),
		cmocka_unit_test(test_rfc3339),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

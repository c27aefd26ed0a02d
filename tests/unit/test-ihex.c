/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for lib/ihex.c: the writer against real imgtool (intelhex 2.3)
 * outputs, the record layout rules, and every class of malformed input.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/util.h"
#include "common/zserr.h"
#include "lib/ihex.h"

#define DATADIR ZS_TOP_SRCDIR "/tests/unit/data/ihex/"
#define FIXDIR ZS_TOP_SRCDIR "/tests/fixtures/zephyr/"
/* Most segments a test image is split into. */
#define MAXSEGS 8

static char *
read_text(const char *path, size_t *lenp)
{
	uint8_t *d;
	size_t len;

	assert_int_equal(zs_file_read(path, ZS_FILE_MAX, &d, &len), 0);
	*lenp = len;
	return (char *)d;
}

/*
 * Recover which addresses a HEX file holds: bytes that read the same with
 * fill 0x00 and fill 0xFF are data, the others are holes.
 */
static size_t
segments_of(const char *text, size_t len, uint32_t *basep, uint8_t **imgp,
    size_t *imglenp, struct ihex_segment *segs)
{
	struct zs_errbuf eb;
	uint8_t *a, *b;
	size_t alen, blen, i, n = 0;
	uint32_t abase, bbase;

	assert_int_equal(ihex_read(text, len, 0x00, &abase, &a, &alen, &eb), 0);
	assert_int_equal(ihex_read(text, len, 0xFF, &bbase, &b, &blen, &eb), 0);
	assert_int_equal(abase, bbase);
	assert_int_equal(alen, blen);
	for (i = 0; i < alen; i++) {
		if (a[i] != b[i])
			continue;
		if (n > 0 && segs[n - 1].addr + segs[n - 1].len == abase + i) {
			segs[n - 1].len++;
			continue;
		}
		assert_true(n < MAXSEGS);
		segs[n].addr = abase + (uint32_t)i;
		segs[n].data = a + i;
		segs[n].len = 1;
		n++;
	}
	free(b);
	*basep = abase;
	*imgp = a;
	*imglenp = alen;
	return n;
}

/* Real imgtool outputs re-written must be byte-identical. */
static void
test_imgtool_roundtrip(void **state)
{
	static const struct {
		const char	*file;
		size_t		 nsegs;
		uint32_t	 seg[2][2];	/* [start, end) */
	} v[] = {
		{ "ed25519-hex-c000.hex", 1, { { 0xbe00, 0xca54 } } },
		{ "ed25519-bin-to-hex-addr.hex", 1,
		    { { 0x8020000, 0x8020678 } } },
		{ "ed25519-hex-08020000-pad-confirm.hex", 2,
		    { { 0x801fe00, 0x8022f70 }, { 0x803fde8, 0x803fe00 } } },
		{ "ed25519-hex-hexaddr-override.hex", 1,
		    { { 0x10000, 0x10c54 } } },
		{ "ed25519-hex-gap.hex", 1, { { 0xfe00, 0x105bc } } },
		{ "ed25519-hex-test.hex", 2,
		    { { 0xbe00, 0xca54 }, { 0x13de8, 0x13e00 } } },
		{ "app-gap-00010000.hex", 0, { { 0 } } },
		{ "zephyr-h200-08000000.hex", 1,
		    { { 0x8000000, 0x8000db8 } } },
	};
	struct ihex_segment segs[MAXSEGS];
	struct zs_errbuf eb;
	char path[512], *text;
	struct buf *out;
	uint8_t *img;
	size_t i, j, len, imglen, n;
	uint32_t base;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), DATADIR "%s", v[i].file);
		text = read_text(path, &len);
		n = segments_of(text, len, &base, &img, &imglen, segs);
		if (v[i].nsegs > 0) {
			assert_int_equal(n, v[i].nsegs);
			for (j = 0; j < n; j++) {
				assert_int_equal(segs[j].addr, v[i].seg[j][0]);
				assert_int_equal(segs[j].addr + segs[j].len,
				    v[i].seg[j][1]);
			}
		} else
			assert_true(n > 1);
		out = buf_new(0);
		assert_int_equal(ihex_write(segs, n, out, &eb), 0);
		if (buf_len(out) != len || memcmp(buf_ptr(out), text, len))
			fail_msg("%s: re-written HEX differs", v[i].file);
		buf_free(out);
		free(img);
		free(text);
	}
}

/* The fixtures' objcopy HEX files hold exactly the .bin at image_base. */
static void
test_fixture_hex(void **state)
{
	static const struct {
		const char	*dir, *kernel;
		uint32_t	 base;
	} v[] = {
		{ "nrf52840dk_nrf52840", "zephyr", 0xc000 },
		{ "nucleo_h743zi", "zephyr", 0x08040000 },
		{ "frdm_k64f", "zephyr", 0x10000 },
		{ "pinnacle_100_dvk", "pinnacle_app", 0x18000 },
		{ "nrf52840dk_single_slot", "zephyr", 0xc000 },
	};
	struct zs_errbuf eb;
	char path[512], *text;
	uint8_t *img, *bin;
	size_t i, len, imglen, binlen;
	uint32_t base;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(path, sizeof(path), FIXDIR "%s/zephyr/%s.hex",
		    v[i].dir, v[i].kernel);
		text = read_text(path, &len);
		assert_int_equal(ihex_read(text, len, 0xFF, &base, &img,
		    &imglen, &eb), 0);
		snprintf(path, sizeof(path), FIXDIR "%s/zephyr/%s.bin",
		    v[i].dir, v[i].kernel);
		assert_int_equal(zs_file_read(path, ZS_FILE_MAX, &bin,
		    &binlen), 0);
		assert_int_equal(base, v[i].base);
		assert_int_equal(imglen, binlen);
		assert_memory_equal(img, bin, binlen);
		free(bin);
		free(img);
		free(text);
	}
}

/* Write segments and compare with the expected text. */
static void
check_write(const struct ihex_segment *segs, size_t n, const char *want)
{
	struct zs_errbuf eb;
	struct buf *out = buf_new(0);

	assert_int_equal(ihex_write(segs, n, out, &eb), 0);
	assert_int_equal(buf_len(out), strlen(want));
	assert_memory_equal(buf_ptr(out), want, strlen(want));
	buf_free(out);
}

static void
test_write_layout(void **state)
{
	static const uint8_t d[40] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
		0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
		0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	};
	static const struct {
		const char		*what;
		struct ihex_segment	 segs[3];
		size_t			 n;
		const char		*want;
	} v[] = {
		{ "empty", { { 0, d, 0 } }, 0, ":00000001FF\n" },
		{ "run not re-aligned, cut at its end",
		    { { 0x1003, d, 20 } }, 1,
		    ":10100300000102030405060708090A0B0C0D0E0F65\n"
		    ":041013001011121393\n"
		    ":00000001FF\n" },
		{ "gap below 64 KiB: no 04 record",
		    { { 0x0010, d, 2 }, { 0x0020, d + 2, 3 } }, 2,
		    ":020010000001ED\n"
		    ":03002000020304D4\n"
		    ":00000001FF\n" },
		{ "adjacent segments form one run",
		    { { 0x0100, d, 3 }, { 0x0103, d + 3, 3 } }, 2,
		    ":06010000000102030405EA\n"
		    ":00000001FF\n" },
		{ "64 KiB boundary splits the record, 04 first",
		    { { 0xFFF8, d, 16 } }, 1,
		    ":020000040000FA\n"
		    ":08FFF8000001020304050607E5\n"
		    ":020000040001F9\n"
		    ":0800000008090A0B0C0D0E0F9C\n"
		    ":00000001FF\n" },
		{ "04 repeated only when the upper bits change",
		    { { 0x00010000, d, 2 }, { 0x00018000, d + 2, 2 },
		    { 0x08000000, d + 4, 1 } }, 3,
		    ":020000040001F9\n"
		    ":020000000001FD\n"
		    ":02800000020379\n"
		    ":020000040800F2\n"
		    ":0100000004FB\n"
		    ":00000001FF\n" },
		{ "highest address 0xFFFF: no 04",
		    { { 0xFFFF, d + 0x27, 1 } }, 1,
		    ":01FFFF0027DA\n"
		    ":00000001FF\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("# %s\n", v[i].what);
		check_write(v[i].segs, v[i].n, v[i].want);
	}
}

static void
test_write_errors(void **state)
{
	static const uint8_t d[16];
	const struct ihex_segment unsorted[] = {
		{ 0x100, d, 4 }, { 0x80, d, 4 },
	};
	const struct ihex_segment overlap[] = {
		{ 0x100, d, 4 }, { 0x103, d, 4 },
	};
	const struct ihex_segment wrap[] = { { 0xFFFFFFF8, d, 16 } };
	const struct ihex_segment ok[] = { { 0x100, d, 16 } };
	struct zs_errbuf eb;
	struct buf *out = buf_new(40);

	(void)state;
	assert_int_equal(buf_put_str(out, "keep"), 0);
	assert_int_equal(ihex_write(unsorted, 2, out, &eb), ZS_ERR_INVALID);
	assert_int_equal(ihex_write(overlap, 2, out, &eb), ZS_ERR_INVALID);
	assert_int_equal(ihex_write(wrap, 1, out, &eb), ZS_ERR_INVALID);
	/* A full buffer fails without leaving a partial file behind. */
	assert_int_equal(ihex_write(ok, 1, out, &eb), ZS_ERR_TOO_LARGE);
	assert_int_equal(buf_len(out), 4);
	assert_memory_equal(buf_ptr(out), "keep", 4);
	buf_free(out);
}

/* Inputs the reader accepts, and the image each gives with fill 0xEE. */
static void
test_read_ok(void **state)
{
	static const struct {
		const char	*what, *text;
		uint32_t	 base;
		const char	*img;
		size_t		 len;
	} v[] = {
		{ "LF", ":0400100001020304E2\n:00000001FF\n", 0x10,
		    "\x01\x02\x03\x04", 4 },
		{ "CRLF, no final newline",
		    ":0400100001020304E2\r\n:00000001FF", 0x10,
		    "\x01\x02\x03\x04", 4 },
		{ "lower-case digits", ":0400100001020304e2\n:00000001ff\n",
		    0x10, "\x01\x02\x03\x04", 4 },
		{ "records out of order",
		    ":020014000506DF\n:0400100001020304E2\n:00000001FF\n",
		    0x10, "\x01\x02\x03\x04\x05\x06", 6 },
		{ "hole between records",
		    ":01000000AA55\n:020012000506E1\n:00000001FF\n", 0,
		    "\xAA\xEE\xEE\xEE\xEE\xEE\xEE\xEE\xEE\xEE\xEE\xEE\xEE"
		    "\xEE\xEE\xEE\xEE\xEE\x05\x06", 20 },
		{ "extended linear address",
		    ":020000040001F9\n:01000000AA55\n:00000001FF\n", 0x10000,
		    "\xAA", 1 },
		{ "extended segment address (0x1000 * 16)",
		    ":020000021000EC\n:01000000AA55\n:00000001FF\n", 0x10000,
		    "\xAA", 1 },
		{ "start records ignored",
		    ":0400000300001234B3\n:0400000500001234B1\n"
		    ":01000000AA55\n:00000001FF\n", 0, "\xAA", 1 },
		{ "blank lines and trailing whitespace",
		    "\n:01000000AA55\n\n:00000001FF\n\n \t\r\n", 0, "\xAA", 1 },
		{ "record running over 0xFFFF continues linearly",
		    ":04FFFE0007070707E3\n:00000001FF\n", 0xFFFE,
		    "\x07\x07\x07\x07", 4 },
	};
	struct zs_errbuf eb;
	uint8_t *img;
	size_t i, len;
	uint32_t base;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("# %s\n", v[i].what);
		assert_int_equal(ihex_read(v[i].text, strlen(v[i].text), 0xEE,
		    &base, &img, &len, &eb), 0);
		assert_int_equal(base, v[i].base);
		assert_int_equal(len, v[i].len);
		assert_memory_equal(img, v[i].img, len);
		free(img);
	}
}

/* 261 bytes as hex: one more than any record can hold. */
#define HEX_8		"0000000000000000"
#define HEX_64		HEX_8 HEX_8 HEX_8 HEX_8 HEX_8 HEX_8 HEX_8 HEX_8
#define REC_261		HEX_64 HEX_64 HEX_64 HEX_64 "0000000000"

/* A NUL is not whitespace, even after the EOF record. */
#define NUL_AFTER_EOF	":01000000AA55\n:00000001FF\n\0"

/* Every malformed input is refused with a message naming the fault. */
static void
test_read_malformed(void **state)
{
	static const struct {
		const char	*text;
		int		 code;
		const char	*msg;
	} v[] = {
		{ "0400100001020304E2\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: record does not start with ':'" },
		{ ":0400100001020304E\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: odd number of hex digits" },
		{ ":04001000010203G4E2\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: invalid hex digit" },
		{ ":01000000AA55\n:000000FF\n", ZS_ERR_FORMAT,
		    "line 2: record too short" },
		{ ":" REC_261 "\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: record too long" },
		{ ":0500100001020304E1\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: byte count 5 does not match" },
		{ ":0400100001020304E3\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: bad checksum 0xE3 (expected 0xE2)" },
		{ ":0400000600000000F6\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: unknown record type 0x06" },
		{ ":01000000AA55\n:0100000100FE\n", ZS_ERR_FORMAT,
		    "line 2: end-of-file record with data" },
		{ ":0400000400010000F7\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: malformed extended address record" },
		{ ":020010040001E9\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: malformed extended address record" },
		{ ":020000050001F8\n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: malformed start address record" },
		{ ":0400100001020304E2\n:020012000506E1\n:00000001FF\n",
		    ZS_ERR_FORMAT,
		    "HEX data overlaps at address 0x00000012 (lines 1 and 2)" },
		{ ":01000000AA55\n:00000001FF\n:01000000AA55\n", ZS_ERR_FORMAT,
		    "line 3: data after the end-of-file record" },
		{ ":01000000AA55\n", ZS_ERR_FORMAT,
		    "has no end-of-file record" },
		{ ":020000040001F9\n:00000001FF\n", ZS_ERR_FORMAT,
		    "holds no data" },
		{ ":02000004FFFFFC\n:04FFFE0007070707E3\n:00000001FF\n",
		    ZS_ERR_FORMAT, "line 2: data beyond the 4 GiB" },
		{ ":01000000AA55\n:020000040500F5\n:01000000AA55\n"
		    ":00000001FF\n", ZS_ERR_TOO_LARGE,
		    "HEX image spans 83886081 bytes" },
		{ ":01000000AA55 \n:00000001FF\n", ZS_ERR_FORMAT,
		    "line 1: odd number of hex digits" },
	};
	struct zs_errbuf eb;
	uint8_t *img = (uint8_t *)"untouched";
	size_t i, len = 7, tlen;
	uint32_t base = 7;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tlen = strlen(v[i].text);
		zs_errclear(&eb);
		assert_int_equal(ihex_read(v[i].text, tlen, 0xFF, &base, &img,
		    &len, &eb), v[i].code);
		if (strstr(eb.msg, v[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, eb.msg,
			    v[i].msg);
		assert_int_equal(eb.code, v[i].code);
		assert_int_equal(base, 7);
		assert_int_equal(len, 7);
	}
	assert_int_equal(ihex_read(NUL_AFTER_EOF, sizeof(NUL_AFTER_EOF) - 1,
	    0xFF, &base, &img, &len, &eb), ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "line 3: data after the end-of-file"));
}

/* Lines longer than IHEX_LINE_MAX are refused before they are decoded. */
static void
test_read_long_line(void **state)
{
	struct zs_errbuf eb;
	uint8_t *img;
	size_t len, n, cut;
	uint32_t base;
	char *t;

	(void)state;
	n = IHEX_LINE_MAX + 2;
	t = malloc(n + 16);
	assert_non_null(t);
	t[0] = ':';
	memset(t + 1, '0', n - 1);
	memcpy(t + n, "\n:00000001FF\n", 14);
	assert_int_equal(ihex_read(t, strlen(t), 0xFF, &base, &img, &len, &eb),
	    ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "line 1: longer than 1024"));
	/* Exactly the cap plus CR is a length question, not a line one. */
	t[IHEX_LINE_MAX] = '\r';
	t[IHEX_LINE_MAX + 1] = '\n';
	assert_int_equal(ihex_read(t, strlen(t), 0xFF, &base, &img, &len, &eb),
	    ZS_ERR_FORMAT);
	assert_null(strstr(eb.msg, "longer than"));
	free(t);
	/* Trailing whitespace after the EOF record is not a line to cap. */
	n = 2 * IHEX_LINE_MAX;
	t = malloc(n + 32);
	assert_non_null(t);
	strcpy(t, ":01000000AA55\n:00000001FF\n");
	cut = strlen(t);
	memset(t + cut, ' ', n);
	t[cut + n] = '\0';
	assert_int_equal(ihex_read(t, strlen(t), 0xFF, &base, &img, &len, &eb),
	    0);
	assert_int_equal(len, 1);
	free(img);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_imgtool_roundtrip),
		cmocka_unit_test(test_fixture_hex),
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_read_ok),
		cmocka_unit_test(test_read_malformed),
		cmocka_unit_test(test_read_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

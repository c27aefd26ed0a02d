/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the MCUboot engine's pieces: version and dependency
 * syntax, the argument parser and its messages, the TLV writer, trailer
 * arithmetic, the CBOR boot record, UUIDv5, custom TLVs, compression and
 * the sign-time checks, what sign prints on stdout.
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

#include <lzma.h>

#include "common/buf.h"
#include "common/fileset.h"
#include "common/util.h"
#include "keystore/keystore.h"
#include "lib/mcuboot/mcuboot-int.h"
#include "lib/mcuboot/mcuboot.h"

#define KEYDIR		ZS_TOP_SRCDIR "/tests/vectors/imgtool/keys/"
/* Most words in one test argument line. */
#define ARGV_MAX	64

/* Split a test argument line on spaces (no quoting needed here). */
static int
split(char *line, char *argv[])
{
	int argc = 0;
	char *p;

	for (p = strtok(line, " "); p != NULL && argc < ARGV_MAX;
	    p = strtok(NULL, " "))
		argv[argc++] = p;
	return argc;
}

static int
parse(const char *line, struct mcuboot_args **ap, struct zs_errbuf *eb)
{
	static char copy[1024];
	char *argv[ARGV_MAX];

	snprintf(copy, sizeof(copy), "%s", line);
	memset(eb, 0, sizeof(*eb));
	return mcuboot_args_parse(split(copy, argv), argv, ap, eb);
}

/* Input files every signing test can name. */
static struct fileset *
inputs(void)
{
	struct fileset *fs = fileset_new();
	uint8_t body[1000], *d;
	const uint8_t *pub;
	uint32_t x = 2463534242u;
	size_t i, len;
	static const char *const keys[] = { "x25519.pub.pem",
	    "ed25519.pub.pem", "enc-ecdsa-p256.pub.pem", "ecdsa-p256.pem",
	    "ecdsa-p256.pub.pem" };

	/* xorshift32: bytes LZMA cannot shrink. */
	for (i = 0; i < sizeof(body); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		body[i] = (uint8_t)(x >> 24);
	}
	assert_int_equal(fileset_add(fs, "in.bin", body, sizeof(body)), 0);
	/* Repetitive data that LZMA2 shrinks. */
	memset(body, 'A', sizeof(body));
	memcpy(body + 100, "hello world", 11);
	assert_int_equal(fileset_add(fs, "zz.bin", body, sizeof(body)), 0);
	assert_int_equal(fileset_add(fs, "tlv.bin", (const uint8_t *)"xyz",
	    3), 0);
	/* A --fix-sig value: never checked against the image. */
	assert_int_equal(fileset_add(fs, "sig.b64", (const uint8_t *)"AAAA",
	    4), 0);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s%s", KEYDIR, keys[i]);
		assert_int_equal(zs_file_read(path, 65536, &d, &len), 0);
		assert_int_equal(fileset_add_owned(fs, keys[i], d, len), 0);
	}
	/* What zsign-client sends for a private --fix-sig-pubkey. */
	assert_int_equal(fileset_get(fs, "ecdsa-p256.pub.pem", &pub, &len),
	    0);
	assert_int_equal(fileset_add(fs, "derived.pem", pub, len), 0);
	assert_int_equal(fileset_set_flags(fs, "derived.pem",
	    FILESET_F_FROM_PRIVATE), 0);
	return fs;
}

/*
 * Parse and sign line with key (a file under KEYDIR or NULL); on success
 * *outp gets a copy of out.bin and res the result. Returns the error code.
 */
static int
sign_res(const char *line, const char *keyfile, uint8_t **outp,
    size_t *lenp, struct mcuboot_result *resp, struct zs_errbuf *eb)
{
	struct mcuboot_args *a = NULL;
	struct fileset *in = inputs(), *out = fileset_new();
	struct zs_key *key = NULL;
	struct mcuboot_result res;
	const uint8_t *d;
	char path[512];
	int r;

	if ((r = parse(line, &a, eb)) != 0)
		goto out;
	if (keyfile != NULL) {
		snprintf(path, sizeof(path), "%s%s", KEYDIR, keyfile);
		assert_int_equal(zs_key_load("k", path, NULL, &key, eb), 0);
	}
	if ((r = mcuboot_sign(a, in, key, out, &res, eb)) != 0) {
		assert_int_equal(fileset_count(out), 0);
		/* Only the lines imgtool printed before it failed. */
		assert_int_equal(res.output_size, 0);
		*resp = res;
		goto out;
	}
	assert_int_equal(fileset_get(out, "out.bin", &d, lenp), 0);
	assert_int_equal(res.output_size, *lenp);
	*outp = malloc(*lenp + 1);
	memcpy(*outp, d, *lenp);
	*resp = res;
 out:
	zs_key_free(key);
	mcuboot_args_free(a);
	fileset_free(in);
	fileset_free(out);
	return r;
}

static int
sign(const char *line, const char *keyfile, uint8_t **outp, size_t *lenp,
    struct zs_errbuf *eb)
{
	struct mcuboot_result res;

	return sign_res(line, keyfile, outp, lenp, &res, eb);
}

static void
test_version(void **state)
{
	static const char *const bad[] = { "1.2+3", "1.2.3.4", "01.2.3",
	    "1.x", "1.2.3+", "", "-1", " 1", "1.", "1..2", "1.2.3+01" };
	struct mcuboot_version v;
	size_t i;

	(void)state;
	assert_int_equal(mcuboot_version_parse("0", &v), 0);
	assert_true(v.major == 0 && v.minor == 0 && v.revision == 0 &&
	    v.build == 0);
	assert_int_equal(mcuboot_version_parse("3.14", &v), 0);
	assert_true(v.major == 3 && v.minor == 14 && v.revision == 0);
	assert_int_equal(mcuboot_version_parse("255.255.65535+4294967295",
	    &v), 0);
	assert_true(v.revision == 65535 && v.build == 4294967295ull);
	/* The regex has no ranges; packing checks them later. */
	assert_int_equal(mcuboot_version_parse("256.0.0", &v), 0);
	assert_int_equal(v.major, 256);
	/* Python's "$" accepts one trailing newline. */
	assert_int_equal(mcuboot_version_parse("1.2.3\n", &v), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mcuboot_version_parse(bad[i], &v),
		    ZS_ERR_INVALID);
}

static void
test_deps(void **state)
{
	struct mcuboot_dep d[4];
	struct zs_errbuf eb;
	size_t n;

	(void)state;
	assert_int_equal(mcuboot_deps_parse("(1,1.2.3)", d, 4, &n, &eb), 0);
	assert_int_equal(n, 1);
	assert_true(d[0].id == 1 && d[0].ver.revision == 3);
	assert_int_equal(mcuboot_deps_parse("(0, 1.0.0+7), (2, 2.3.4+5)", d,
	    4, &n, &eb), 0);
	assert_int_equal(n, 2);
	assert_true(d[1].id == 2 && d[1].ver.build == 5 && d[0].ver.build == 7);
	assert_int_equal(mcuboot_deps_parse("1,1.2.3", d, 4, &n, &eb),
	    ZS_ERR_USAGE);
	assert_non_null(strstr(eb.msg, "Image dependency format is invalid: "
	    "1,1.2.3"));
	assert_int_equal(mcuboot_deps_parse("(1, 1.2.3), (2)", d, 4, &n, &eb),
	    ZS_ERR_USAGE);
	assert_non_null(strstr(eb.msg, "mismatch between the number"));
	assert_int_equal(mcuboot_deps_parse("(1, 01.2)", d, 4, &n, &eb),
	    ZS_ERR_USAGE);
	assert_non_null(strstr(eb.msg, "Invalid version number"));
	assert_int_equal(mcuboot_deps_parse("(1,1)(2,2)(3,3)(4,4)(5,5)", d, 4,
	    &n, &eb), ZS_ERR_TOO_LARGE);
}

static void
test_args_forms(void **state)
{
	const struct mcuboot_fileref *refs;
	struct mcuboot_args *a = NULL;
	struct zs_errbuf eb;
	size_t n;

	(void)state;
	assert_int_equal(parse("-k k.pem --version=1.2.3 -H0x200 "
	    "--slot-size=0o200000 --pad-header -cE enc.pem --custom-tlv-file "
	    "0xa0 t.bin --sig-out s.b64 in.hex out.bin", &a, &eb), 0);
	assert_int_equal(a->hdr_size, 0x200);
	assert_int_equal(a->slot_size, 0x10000);
	assert_true(a->clear && a->pad_header);
	n = mcuboot_args_files(a, &refs);
	assert_int_equal(n, 6);
	/* In argv order, with their roles. */
	assert_int_equal(refs[0].role, MCUBOOT_IN_KEY);
	assert_string_equal(refs[0].name, "k.pem");
	assert_int_equal(refs[1].role, MCUBOOT_IN_ENCKEY);
	assert_string_equal(refs[1].name, "enc.pem");
	assert_int_equal(refs[2].role, MCUBOOT_IN_CUSTOM_TLV);
	assert_string_equal(refs[2].name, "t.bin");
	assert_int_equal(refs[3].role, MCUBOOT_OUT_SIG);
	assert_int_equal(refs[4].role, MCUBOOT_IN_IMAGE);
	assert_int_equal(refs[5].role, MCUBOOT_OUT_IMAGE);
	mcuboot_args_free(a);
	/* "--" ends the options; a repeated option replaces the earlier. */
	assert_int_equal(parse("-v 1 -H 32 -S 0 -k a.pem -k b.pem -- -in -out",
	    &a, &eb), 0);
	n = mcuboot_args_files(a, &refs);
	assert_int_equal(n, 3);
	assert_string_equal(refs[0].name, "b.pem");
	assert_string_equal(refs[1].name, "-in");
	mcuboot_args_free(a);
}

/*
 * Where the signed image repeats the input (the client's early start): the
 * engine's own HEX test decides, the one image.c writes HEX by (imgtool's
 * os.path.splitext), so a dot file such as ".hex" is a flat binary.
 */
static void
test_args_input_place(void **state)
{
	struct mcuboot_args *a = NULL;
	struct zs_errbuf eb;
	unsigned long long pos = 1, off = 1;

	(void)state;
	assert_true(mcuboot_is_hex_name("a/z.HEX"));
	assert_false(mcuboot_is_hex_name("a/.hex"));
	assert_false(mcuboot_is_hex_name("z.hex/bin"));
	assert_int_equal(parse("-v 1 -H 0x200 -S 0x4000 --pad-header in.bin "
	    "d/.hex", &a, &eb), 0);
	assert_int_equal(mcuboot_args_input_place(a, &pos, &off), 0);
	assert_int_equal(pos, 0x200);
	assert_int_equal(off, 0);
	mcuboot_args_free(a);
	assert_int_equal(parse("-v 1 -H 0x200 -S 0x4000 in.bin out.Hex", &a,
	    &eb), 0);
	assert_int_equal(mcuboot_args_input_place(a, &pos, &off), -1);
	mcuboot_args_free(a);
}

static void
test_args_errors(void **state)
{
	static const struct {
		const char	*line;
		const char	*msg;
	} cases[] = {
		{ "-v 1 -H 32 -S 0 --foo in out", "No such option: --foo" },
		{ "-v 1 -H 32 -S 0 in out -k", "Option '-k' requires an "
		    "argument." },
		{ "-v 1 -H 32 -S 0 --align 3 in out", "Invalid value for "
		    "'--align': '3' is not one of '1', '2', '4', '8', '16', "
		    "'32'." },
		{ "-v 1 -H 32 -S 0 -R 0xFF in out", "Invalid value for '-R' / "
		    "'--erased-val': '0xFF' is not one of '0', '0xff'." },
		{ "-H 32 -S 0 in out", "Missing option '-v' / '--version'." },
		{ "-v 1 -S 0 in out", "Missing option '-H' / "
		    "'--header-size'." },
		{ "-v 1 -H 32 in out", "Missing option '-S' / '--slot-size'." },
		{ "-v 1 -H 32 -S 0 in", "Missing argument 'OUTFILE'." },
		{ "-v 1 -H 32 -S 0 a b c",
		    "Got unexpected extra argument (c)" },
		{ "-v 1 -H 16 -S 0 in out", "Invalid value for '-H' / "
		    "'--header-size': Minimum value for -H/--header-size is "
		    "32" },
		{ "-v 1 -H 32 -S 0x in out", "Invalid value for '-S' / "
		    "'--slot-size': 0x is not a valid integer." },
		{ "-v 1.2+3 -H 32 -S 0 in out", "Invalid value for '-v' / "
		    "'--version': Invalid version number" },
		{ "-v 1 -H 32 -S 0 -s abc in out", "Invalid value for '-s' / "
		    "'--security-counter': abc is not a valid integer." },
		{ "-v 1 -H 32 -S 0 -M 0x10 in out", "Invalid value for '-M' / "
		    "'--max-sectors': '0x10' is not a valid integer." },
		{ "-v 1 -H 32 -S 0 --pad=1 in out", "Option '--pad' does not "
		    "take a value." },
		{ "-v 1 -H 32 -S 0 in out --custom-tlv 0xa0", "Option "
		    "'--custom-tlv' requires 2 arguments." },
		{ "-v 1 -H 32 -S 0 --sha 1024 in out", "'1024' is not one of "
		    "'auto', '256', '384', '512'." },
	};
	struct mcuboot_args *a = NULL;
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].line, &a, &eb) != ZS_ERR_USAGE)
			fail_msg("'%s' accepted", cases[i].line);
		if (strstr(eb.msg, cases[i].msg) == NULL)
			fail_msg("'%s': got '%s'", cases[i].line, eb.msg);
	}
	/* Integer literals as Python's int(x, 0) takes them. */
	if (parse("-v 1 -H 0b100000 -S 1_000 -s auto -M 08 in out", &a,
	    &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_int_equal(a->hdr_size, 32);
	assert_int_equal(a->slot_size, 1000);
	assert_int_equal(a->seccnt_mode, 2);
	assert_int_equal(a->max_sectors, 8);
	mcuboot_args_free(a);
}

static void
test_tlv_writer(void **state)
{
	static const uint8_t le[] = { 0x08, 0x69, 0x0f, 0x00,
	    0x50, 0x00, 0x02, 0x00, 0xaa, 0xbb,
	    0x34, 0x12, 0x01, 0x00, 0xcc };
	static const uint8_t be[] = { 0x69, 0x08, 0x00, 0x0f,
	    0x50, 0x00, 0x00, 0x02, 0xaa, 0xbb,
	    0x12, 0x34, 0x00, 0x01, 0xcc };
	struct mcuboot_tlvs t;
	struct zs_errbuf eb;
	struct buf *out;
	uint8_t big[0x10000];
	int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		out = buf_new(0);
		mcuboot_tlvs_init(&t, e);
		assert_int_equal(mcuboot_tlvs_size(&t, 0), 0);
		assert_int_equal(mcuboot_tlvs_size(&t, 1), 4);
		assert_int_equal(mcuboot_tlvs_add(&t, TLV_SEC_CNT, 0,
		    (const uint8_t *)"\xaa\xbb", 2, &eb), 0);
		assert_int_equal(mcuboot_tlvs_add(&t, 0x1234, 1,
		    (const uint8_t *)"\xcc", 1, &eb), 0);
		assert_int_equal(mcuboot_tlvs_size(&t, 0), sizeof(le));
		assert_int_equal(mcuboot_tlvs_emit(&t, MCUBOOT_TLV_PROT_MAGIC,
		    out, &eb), 0);
		assert_int_equal(buf_len(out), sizeof(le));
		assert_memory_equal(buf_ptr(out), e ? be : le, sizeof(le));
		/* Custom types outside 0xa0..0xfffe are imgtool's error. */
		assert_int_equal(mcuboot_tlvs_add(&t, 0x90, 1, big, 1, &eb),
		    ZS_ERR_USAGE);
		assert_string_equal(eb.msg, "Invalid custom TLV type value "
		    "'0x0090', allowed value should be between 0x00a0 and "
		    "0x{TLV_VENDOR_RES_MAX:04x}");
		assert_int_equal(mcuboot_tlvs_add(&t, 0xffff, 1, big, 1, &eb),
		    ZS_ERR_USAGE);
		/* A value longer than its u16 length is refused. */
		assert_int_equal(mcuboot_tlvs_add(&t, 0xa0, 1, big,
		    sizeof(big), &eb), ZS_ERR_INVALID);
		mcuboot_tlvs_free(&t);
		buf_free(out);
	}
}

static void
test_trailer(void **state)
{
	struct mcuboot_args *a = NULL;
	struct mcuboot_trailer t;
	struct zs_errbuf eb;
	struct buf *out;
	const uint8_t *p;

	(void)state;
	assert_int_equal(parse("-v 1 -H 32 -S 0x1000 in out", &a, &eb), 0);
	mcuboot_trailer_compute(a, 0, 0, &t);
	assert_int_equal(t.size, 0x1b0);	/* 128*3 + 4*8 + 16 */
	assert_int_equal(t.max_align, 8);
	assert_int_equal(t.magic[0], 0x77);
	mcuboot_trailer_compute(a, 1, 0, &t);
	assert_int_equal(t.size, 0x1d0);	/* + 2 key slots of 16 */
	mcuboot_args_free(a);
	assert_int_equal(parse("-v 1 -H 32 -S 0x4000 --align 32 --confirm "
	    "-R 0 in out", &a, &eb), 0);
	mcuboot_trailer_compute(a, 0, 0, &t);
	assert_int_equal(t.size, 128 * 3 * 32 + 4 * 32 + 32);
	assert_int_equal(t.magic_area, 32);
	assert_memory_equal(t.magic, "\x20\x00\x2d\xe1", 4);
	out = buf_new(0);
	assert_int_equal(mcuboot_trailer_append(a, &t, 0x100, out), 0);
	assert_int_equal(buf_len(out), 0x4000 - 0x100);
	p = buf_ptr(out) + buf_len(out);
	assert_memory_equal(p - 16, t.magic, 16);
	assert_int_equal(p[-16 - 16], 0);	/* magic area padding */
	assert_int_equal(p[-32 - 32], 0x01);	/* image_ok */
	assert_int_equal(p[-32 - 31], 0);
	buf_free(out);
	mcuboot_args_free(a);
	/* --save-enctlv key slots follow the wrap length; big-endian magic. */
	assert_int_equal(parse("-v 1 -H 32 -S 0 --save-enctlv --max-align 16 "
	    "-e big --overwrite-only in out", &a, &eb), 0);
	mcuboot_trailer_compute(a, 1, 80, &t);
	assert_int_equal(t.size, 2 * 16 + 16);
	assert_memory_equal(t.magic, "\x00\x10\x2d\xe1", 4);
	mcuboot_args_free(a);
	assert_int_equal(parse("-v 1 -H 32 -S 0 --save-enctlv -M 4 in out", &a,
	    &eb), 0);
	mcuboot_trailer_compute(a, 1, 113, &t);
	assert_int_equal(t.size, 4 * 3 + 2 * 120 + 4 * 8 + 16);
	mcuboot_args_free(a);
}

static void
test_boot_record(void **state)
{
	static const uint8_t head[] = { 0xa5, 0x01, 0x64, 'N', 'S', 'P', 'E',
	    0x04, 0x65, '1', '.', '2', '.', '3', 0x05, 0x58, 0x20 };
	static const uint8_t tail[] = { 0x06, 0x66, 'S', 'H', 'A', '2', '5',
	    '6', 0x02, 0x58, 0x20 };
	struct mcuboot_version v = { 1, 2, 3, 99 };
	uint8_t signer[32];
	struct buf *b = buf_new(0);
	const uint8_t *p;

	(void)state;
	memset(signer, 0x11, sizeof(signer));
	assert_int_equal(mcuboot_boot_record("NSPE", &v, "SHA256", 32, signer,
	    32, b), 0);
	p = buf_ptr(b);
	assert_int_equal(buf_len(b), sizeof(head) + 32 + sizeof(tail) + 32);
	assert_memory_equal(p, head, sizeof(head));
	assert_memory_equal(p + sizeof(head), signer, 32);
	assert_memory_equal(p + sizeof(head) + 32, tail, sizeof(tail));
	assert_int_equal(p[buf_len(b) - 1], 0);
	buf_free(b);
}

/* click's suggestions, as difflib.get_close_matches() ranks them. */
static void
test_no_such_option(void **state)
{
	static const char *const longs[] = { "--a", "--ab", "--abc", "--abd",
	    "--help" };
	static const struct {
		const char	*opt, *msg;
	} t[] = {
		/* Ties at 0.857: the larger strings win, then sorted. */
		{ "--ab", "No such option: --ab (Possible options: --ab, --abc, "
		    "--abd)" },
		{ "--abcd", "No such option: --abcd (Possible options: --ab, "
		    "--abc, --abd)" },
		{ "--x", "No such option: --x Did you mean --a?" },
		{ "--zzzzzz", "No such option: --zzzzzz" },
		/* Short options get none. */
		{ "-a", "No such option: -a" },
	};
	struct zs_errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(mcuboot_no_such_option(t[i].opt, longs, 5,
		    &eb), ZS_ERR_USAGE);
		assert_string_equal(eb.msg, t[i].msg);
	}
}

static void
test_uuid(void **state)
{
	/* Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"). */
	static const uint8_t py[16] = { 0x88, 0x63, 0x13, 0xe1, 0x3b, 0x8a,
	    0x53, 0x72, 0x9b, 0x90, 0x0c, 0x9a, 0xee, 0x19, 0x9e, 0x5d };
	/* uuid5(NAMESPACE_DNS, "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}"). */
	static const uint8_t braces[16] = { 0x4b, 0xec, 0x3d, 0x88, 0x10, 0xa4,
	    0x50, 0x53, 0xac, 0xf0, 0x88, 0x0f, 0x06, 0xc1, 0xc7, 0x41 };
	/* uuid5(NAMESPACE_DNS, "vendor-\u00e9"): the UTF-8 bytes are hashed. */
	static const uint8_t utf8[16] = { 0x6e, 0xfa, 0x46, 0xa7, 0x7e, 0xfc,
	    0x50, 0x3d, 0x91, 0x5c, 0xc9, 0x3c, 0xf0, 0xcd, 0x63, 0x3c };
	struct zs_errbuf eb;
	uint8_t u[16], o[16];

	(void)state;
	assert_int_equal(mcuboot_uuid5(mcuboot_uuid_ns_dns, "python.org", u),
	    0);
	assert_memory_equal(u, py, 16);
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns,
	    "python.org", o, &eb), 0);
	assert_memory_equal(o, py, 16);
	assert_int_equal(mcuboot_uuid_parse(NULL,
	    "12345678-1234-5678-1234-567812345678", o, &eb), 0);
	assert_memory_equal(o, "\x12\x34\x56\x78\x12\x34\x56\x78", 8);
	assert_int_equal(mcuboot_uuid_parse(NULL,
	    "00112233445566778899aabbccddeeff", o, &eb), 0);
	assert_int_equal(o[15], 0xff);
	/* imgtool 2.4.0 takes upper case as the UUID itself. */
	assert_int_equal(mcuboot_uuid_parse(NULL,
	    "00112233445566778899AABBCCDDEEFF", o, &eb), 0);
	assert_int_equal(o[10], 0xaa);
	assert_int_equal(mcuboot_uuid_parse(NULL,
	    "6BA7B810-9DAD-11D1-80B4-00C04FD430C8", o, &eb), 0);
	assert_memory_equal(o, mcuboot_uuid_ns_dns, 16);
	/* Braces, urn:uuid: and trailing text are names (fullmatch). */
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns,
	    "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}", o, &eb), 0);
	assert_memory_equal(o, braces, 16);
	assert_int_equal(mcuboot_uuid_parse(NULL,
	    "6ba7b810-9dad-11d1-80b4-00c04fd430c8x", o, &eb), ZS_ERR_INVALID);
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns,
	    "vendor-\xc3\xa9", o, &eb), 0);
	assert_memory_equal(o, utf8, 16);
	/* Not printable for Python: controls, NBSP, bad UTF-8. */
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns, "a\tb", o,
	    &eb), ZS_ERR_INVALID);
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns, "a\xc2\xa0",
	    o, &eb), ZS_ERR_INVALID);
	assert_int_equal(mcuboot_uuid_parse(mcuboot_uuid_ns_dns, "a\xff", o,
	    &eb), ZS_ERR_INVALID);
	/* A --cid name without --vid has no namespace. */
	assert_int_equal(mcuboot_uuid_parse(NULL, "app", o, &eb),
	    ZS_ERR_INVALID);
	assert_string_equal(eb.msg, "Unknown namespace for UUID: app");
}

/* The value of the first TLV of type in out (protected area included). */
static const uint8_t *
tlv_value(const uint8_t *img, size_t len, unsigned type, size_t *vlenp)
{
	struct mcuboot_parsed p;
	struct zs_errbuf eb;
	size_t i;

	assert_int_equal(mcuboot_parse(img, len, &p, &eb), 0);
	for (i = 0; i < p.ntlvs; i++)
		if (p.tlvs[i].type == type) {
			*vlenp = p.tlvs[i].len;
			return img + p.tlvs[i].off;
		}
	return NULL;
}

static void
test_custom_tlvs(void **state)
{
	static const struct {
		const char	*opts;
		int		 code;
		const char	*msg;
	} bad[] = {
		{ "--custom-tlv 0xa0 a --custom-tlv 160 b", ZS_ERR_USAGE,
		    "Custom TLV 0xa0 already exists." },
		{ "--custom-tlv 0x10 0x00", ZS_ERR_USAGE,
		    "Custom TLV 0x10 conflicts with predefined TLV." },
		{ "--custom-tlv 0xa0 0x123", ZS_ERR_USAGE,
		    "Custom TLV length is odd." },
		{ "--custom-tlv 0x90 0x01", ZS_ERR_USAGE,
		    "Invalid custom TLV type value '0x0090'" },
		{ "--custom-tlv abc 0x00", ZS_ERR_INVALID,
		    "invalid literal for int() with base 0: 'abc'" },
		{ "--custom-tlv 0xa0 0xzz", ZS_ERR_INVALID, "not hexadecimal" },
		{ "--custom-tlv-file 0xa0 nope.bin", ZS_ERR_NOT_FOUND,
		    "nope.bin" },
		{ "--custom-tlv-file 0xa0 tlv.bin --custom-tlv 0xa0 x",
		    ZS_ERR_USAGE, "Custom TLV 0xa0 already exists." },
	};
	struct zs_errbuf eb;
	char line[512];
	uint8_t *o;
	const uint8_t *v;
	size_t len, vlen, i;

	(void)state;
	snprintf(line, sizeof(line), "-v 1.2.3 -H 0x200 --pad-header -S 0 "
	    "--custom-tlv-file 0xa3 tlv.bin --custom-tlv 0xa1 0x0102 "
	    "--custom-tlv 0xa2 1234 in.bin out.bin");
	assert_int_equal(sign(line, NULL, &o, &len, &eb), 0);
	assert_non_null(v = tlv_value(o, len, 0xa1, &vlen));
	assert_int_equal(vlen, 2);
	assert_memory_equal(v, "\x01\x02", 2);
	assert_non_null(v = tlv_value(o, len, 0xa2, &vlen));
	assert_int_equal(vlen, 4);
	assert_memory_equal(v, "1234", 4);
	/* Files come after all --custom-tlv, whatever the argv order. */
	assert_non_null(v = tlv_value(o, len, 0xa3, &vlen));
	assert_memory_equal(v, "xyz", 3);
	assert_true(v > tlv_value(o, len, 0xa2, &vlen));
	assert_true(tlv_value(o, len, 0xa2, &vlen) > tlv_value(o, len, 0xa1,
	    &vlen));
	free(o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "-v 1.2.3 -H 0x200 --pad-header "
		    "-S 0 %s in.bin out.bin", bad[i].opts);
		assert_int_equal(sign(line, NULL, &o, &len, &eb), bad[i].code);
		if (strstr(eb.msg, bad[i].msg) == NULL)
			fail_msg("'%s': got '%s'", bad[i].opts, eb.msg);
	}
}

static void
test_sign_checks(void **state)
{
	static const struct {
		const char	*line;
		const char	*key;
		int		 code;
		const char	*msg;
	} bad[] = {
		{ "-L 0x20000000 -F 0x8000000 in.bin out.bin", NULL,
		    ZS_ERR_USAGE, "Can not set rom_fixed and load_addr" },
		{ "in.bin out.hex", NULL, ZS_ERR_USAGE, "No address exists" },
		{ "--sig-out s in.bin out.bin", NULL, ZS_ERR_USAGE,
		    "--sig-out needs a signature" },
		{ "-v 256 in.bin out.bin", NULL, ZS_ERR_INVALID,
		    "does not fit the version fields" },
		{ "-s 0x100000000 in.bin out.bin", NULL, ZS_ERR_INVALID,
		    "security counter" },
		{ "-d (256,1.0.0) in.bin out.bin", NULL, ZS_ERR_INVALID,
		    "dependency image id 256" },
		{ "--boot-record ABCDEFGHIJKLM in.bin out.bin", NULL,
		    ZS_ERR_USAGE, "'ABCDEFGHIJKLM' is too long (13 characters)"
		    " for sw_type" },
		{ "--cid name in.bin out.bin", NULL, ZS_ERR_INVALID,
		    "Unknown namespace for UUID: name" },
		{ "--pure in.bin out.bin", "ecdsa-p256.pem", ZS_ERR_USAGE,
		    "Could not find allowed hash algorithms for <class "
		    "'imgtool.keys.ecdsa.ECDSA256P1'>" },
		{ "--sha 384 in.bin out.bin", "ed25519.pem", ZS_ERR_USAGE,
		    "Key ED25519 can not be used with --sha 384; allowed sha "
		    "are one of {allowed}" },
		{ "-E x25519.pub.pem in.bin out.bin", "rsa-2048.pem",
		    ZS_ERR_USAGE, "Signing and encryption must use the same "
		    "type of key" },
		{ "-E enc-ecdsa-p256.pub.pem --hmac-sha 512 in.bin out.bin",
		    NULL, ZS_ERR_USAGE, "Currently only ECIES-X25519 supports "
		    "HMAC-SHA512" },
		/* PROTOCOL.md: an encryption-only key is bad_key. */
		{ "in.bin out.bin", "x25519.pem", ZS_ERR_KEY,
		    "cannot sign MCUboot images" },
		{ "--fix-sig s.b64 in.bin out.bin", NULL, ZS_ERR_NOT_FOUND,
		    "s.b64" },
		{ "-S 0x400 in.bin out.bin", NULL, ZS_ERR_USAGE,
		    "Image size (0x610) + trailer (0x1b0) exceeds requested "
		    "size 0x400" },
	};
	struct zs_errbuf eb;
	char line[512];
	uint8_t *o;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "-v 1.2.3 -H 0x200 --pad-header "
		    "-S 0 %s", bad[i].line);
		assert_int_equal(sign(line, bad[i].key, &o, &len, &eb),
		    bad[i].code);
		if (strstr(eb.msg, bad[i].msg) == NULL)
			fail_msg("'%s': got '%s'", bad[i].line, eb.msg);
	}
}

/* -S 0 with --pad: the trailer follows the TLVs directly. */
static void
test_pad_no_slot(void **state)
{
	struct mcuboot_parsed p;
	struct zs_errbuf eb;
	uint8_t *o;
	size_t len;

	(void)state;
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 --confirm "
	    "in.bin out.bin", NULL, &o, &len, &eb), 0);
	assert_int_equal(mcuboot_parse(o, len, &p, &eb), 0);
	assert_int_equal(len, p.end + 0x1b0);
	assert_int_equal(o[len - 16 - 8], 0x01);
	assert_int_equal(o[len - 16], 0x77);
	free(o);
}

/* The compressed body decompresses to the input; its TLVs describe it. */
static void
test_compression(void **state)
{
	lzma_options_lzma opt;
	lzma_filter f[2];
	struct mcuboot_parsed p;
	struct zs_errbuf eb;
	uint8_t *o, *plain, dec[2000], md[32];
	size_t len, plen, vlen, inpos = 0, outpos = 0;
	const uint8_t *v;
	struct fileset *in = inputs();
	const uint8_t *zz;
	size_t zzlen;

	(void)state;
	/* Same image uncompressed, for DECOMP_SHA. */
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 in/zz.bin "
	    "out.bin", NULL, &plain, &plen, &eb), ZS_ERR_USAGE);
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 zz.bin "
	    "out.bin", NULL, &plain, &plen, &eb), 0);
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 "
	    "--non-bootable -E x25519.pub.pem -c --compression lzma2 zz.bin "
	    "out.bin", NULL, &o, &len, &eb), 0);
	assert_int_equal(mcuboot_parse(o, len, &p, &eb), 0);
	/* LZMA2 flag; --non-bootable is lost in the rebuild. */
	assert_int_equal(p.flags, MCUBOOT_F_COMPRESSED_LZMA2 |
	    MCUBOOT_F_ENCRYPTED_AES128);
	assert_int_equal(o[0x200], 0x0a);
	assert_int_equal(o[0x201], 0x66);
	assert_non_null(v = tlv_value(o, len, TLV_DECOMP_SIZE, &vlen));
	assert_int_equal(zs_get_u32(v, 0), 1000);
	/*
	 * DECOMP_SHA is the digest of the first, uncompressed build: it had
	 * the encryption and non-bootable flags but no padding.
	 */
	assert_non_null(v = tlv_value(o, len, TLV_DECOMP_SHA, &vlen));
	assert_int_equal(vlen, 32);
	plain[16] = MCUBOOT_F_ENCRYPTED_AES128 | MCUBOOT_F_NON_BOOTABLE;
	assert_int_equal(mcuboot_hash_data(mcuboot_hash_get(SHA_256), plain,
	    0x200 + 1000, md), 0);
	assert_memory_equal(md, v, 32);
	/* COMP_DEC_SIZE: the compressed body before the encryption padding. */
	assert_non_null(v = tlv_value(o, len, TLV_COMP_DEC_SIZE, &vlen));
	assert_true(zs_get_u32(v, 0) <= p.img_size &&
	    p.img_size - zs_get_u32(v, 0) < 16 && (0x200 + p.img_size) % 16 ==
	    0);
	assert_int_equal(lzma_lzma_preset(&opt, 9), 0);
	opt.dict_size = 128 * 1024;
	opt.lc = 3;
	opt.lp = 1;
	opt.pb = 2;
	f[0].id = LZMA_FILTER_LZMA2;
	f[0].options = &opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	assert_int_equal(lzma_raw_buffer_decode(f, NULL, o + 0x202,
	    &inpos, zs_get_u32(v, 0) - 2, dec, &outpos, sizeof(dec)),
	    LZMA_OK);
	assert_int_equal(fileset_get(in, "zz.bin", &zz, &zzlen), 0);
	assert_int_equal(outpos, zzlen);
	assert_memory_equal(dec, zz, zzlen);
	free(o);
	free(plain);
	/* Random data does not shrink: the plain image is written. */
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 "
	    "--compression lzma2armthumb in.bin out.bin", NULL, &o, &len, &eb),
	    0);
	assert_int_equal(mcuboot_parse(o, len, &p, &eb), 0);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.img_size, 1000);
	free(o);
	fileset_free(in);
}

/* --vector-to-sign: the hashed range, or the digest; nothing signed. */
static void
test_vectors(void **state)
{
	struct zs_errbuf eb;
	uint8_t *o, *d, md[32];
	size_t len, dlen;

	(void)state;
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 -s 3 "
	    "--vector-to-sign payload --pad in.bin out.bin", "ecdsa-p256.pem",
	    &o, &len, &eb), 0);
	assert_int_equal(len, 0x200 + 1000 + 12);
	assert_int_equal(sign("-v 1.2.3 -H 0x200 --pad-header -S 0 -s 3 "
	    "--vector-to-sign digest in.bin out.bin", "ecdsa-p256.pem", &d,
	    &dlen, &eb), 0);
	assert_int_equal(dlen, 32);
	assert_int_equal(mcuboot_hash_data(mcuboot_hash_get(SHA_256), o, len,
	    md), 0);
	assert_memory_equal(md, d, 32);
	free(o);
	free(d);
}

/* Is what the engine noted of output name in out true of its bytes? */
static void
check_facts(const struct fileset *in, const struct fileset *out,
    const char *name, int want_sha, int want_origin)
{
	uint8_t md[ZS_FILESET_SHA256_LEN], fresh[32];
	const char *fname, *iname;
	const uint8_t *d, *id;
	size_t i, dl, il, inoff, outoff, len;
	int has;

	for (i = 0; i < fileset_count(out); i++) {
		assert_int_equal(fileset_at(out, i, &fname, &d, &dl), 0);
		has = fileset_sha256(out, i, md) == 0;
		if (has) {
			assert_int_equal(mcuboot_hash_data(mcuboot_hash_get(
			    SHA_256), d, dl, fresh), 0);
			assert_memory_equal(md, fresh, sizeof(md));
		}
		if (strcmp(fname, name) == 0 && want_sha >= 0)
			assert_int_equal(has, want_sha);
		has = fileset_origin(out, i, &iname, &inoff, &outoff,
		    &len) == 0;
		if (has) {
			assert_int_equal(fileset_get(in, iname, &id, &il), 0);
			assert_true(inoff + len == il && outoff + len <= dl);
			assert_memory_equal(d + outoff, id + inoff, len);
		}
		if (strcmp(fname, name) == 0 && want_origin >= 0)
			assert_int_equal(has, want_origin);
	}
}

/*
 * The output's SHA-256 and the run copied from the input, as the engine
 * notes them for the audit and the binary reply: always true of the final
 * bytes, for every option that changes the image's tail or its body, and
 * not noted where they would not hold (-1: either, checked if noted).
 * Where the caller allows it, the input is not copied into a flat image
 * (a hole, filled when the file is read): the same bytes in the end.
 */
static void
test_output_facts(void **state)
{
	static const struct {
		const char	*line;
		const char	*key;
		const char	*out;
		int		 sha, origin;
	} cases[] = {
		{ "in.bin out.bin", "ecdsa-p256.pem", "out.bin", 1, 1 },
		{ "in.bin out.bin", NULL, "out.bin", 1, 1 },
		{ "--pad in.bin out.bin", "ecdsa-p256.pem", "out.bin", 1, 1 },
		{ "--confirm in.bin out.bin", "ed25519.pem", "out.bin", 1, 1 },
		{ "--pad --overwrite-only in.bin out.bin", "rsa-2048.pem",
		    "out.bin", 1, 1 },
		{ "--pad-sig in.bin out.bin", "ecdsa-p256.pem", "out.bin", 1,
		    1 },
		{ "--sig-out s.b64 in.bin out.bin", "ecdsa-p256.pem",
		    "out.bin", 1, 1 },
		{ "--sha 512 in.bin out.bin", "ed25519.pem", "out.bin", 0, 1 },
		{ "--pure in.bin out.bin", "ed25519.pem", "out.bin", -1, 1 },
		{ "-E x25519.pub.pem in.bin out.bin", NULL, "out.bin", 0, 0 },
		{ "-E x25519.pub.pem --pad in.bin out.bin", NULL, "out.bin", 0,
		    0 },
		{ "-E x25519.pub.pem --save-enctlv --pad in.bin out.bin", NULL,
		    "out.bin", 0, 0 },
		{ "-E enc-ecdsa-p256.pub.pem --clear --pad in.bin out.bin",
		    "ecdsa-p256.pem", "out.bin", 1, 1 },
		{ "--compression lzma2 zz.bin out.bin", "ecdsa-p256.pem",
		    "out.bin", 1, 0 },
		{ "--compression lzma2 in.bin out.bin", "ecdsa-p256.pem",
		    "out.bin", 1, 1 },
		{ "--vector-to-sign payload in.bin out.bin", "ecdsa-p256.pem",
		    "out.bin", 0, 0 },
		{ "--vector-to-sign digest in.bin out.bin", "ecdsa-p256.pem",
		    "out.bin", 0, 0 },
		{ "-x 0x1000 --pad in.bin out.hex", "ecdsa-p256.pem",
		    "out.hex", 0, 0 },
		{ "--custom-tlv-file 0xa0 tlv.bin --boot-record app in.bin "
		    "out.bin", "ecdsa-p256.pem", "out.bin", 1, 1 },
	};
	struct mcuboot_args *a;
	struct zs_errbuf eb;
	struct fileset *in, *out;
	struct zs_key *key;
	const uint8_t *d;
	const char *name;
	char line[512], path[512];
	uint8_t *flat = NULL;
	size_t i, dl, flatlen = 0, hoff, hlen;
	int holes;

	(void)state;
	for (i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		/* Each case flat, then with the input left as a hole. */
		holes = i % 2;
		snprintf(line, sizeof(line), "-v 1.2.3 -H 0x200 --pad-header "
		    "-S 0x2000 %s", cases[i / 2].line);
		a = NULL;
		key = NULL;
		in = inputs();
		out = fileset_new();
		if (holes)
			fileset_allow_holes(out);
		assert_int_equal(parse(line, &a, &eb), 0);
		if (cases[i / 2].key != NULL) {
			snprintf(path, sizeof(path), "%s%s", KEYDIR,
			    cases[i / 2].key);
			assert_int_equal(zs_key_load("k", path, NULL, &key,
			    &eb), 0);
		}
		if (mcuboot_sign(a, in, key, out, NULL, &eb) != 0)
			fail_msg("%s: %s", line, eb.msg);
		/*
		 * A hole where the input is noted, unless the engine reads
		 * the image's body (--pure) or changes it (-E, compression).
		 */
		assert_int_equal(fileset_at_unfilled(out, 0, &name, &d, &dl,
		    &hoff, &hlen), 0);
		if (holes && cases[i / 2].origin == 1 &&
		    strstr(line, "--pure") == NULL &&
		    strstr(line, "-E ") == NULL &&
		    strstr(line, "--compression") == NULL)
			assert_true(hoff == 0x200 && hlen == 1000);
		else
			assert_int_equal(hlen, 0);
		check_facts(in, out, cases[i / 2].out, cases[i / 2].sha,
		    cases[i / 2].origin);
		/*
		 * Unsigned and Ed25519 images without a random AES key: the
		 * same bytes both ways.
		 */
		assert_int_equal(fileset_get(out, cases[i / 2].out, &d, &dl),
		    0);
		if (!holes) {
			free(flat);
			flat = malloc(dl + 1);
			memcpy(flat, d, dl);
			flatlen = dl;
		} else if ((cases[i / 2].key == NULL ||
		    strcmp(cases[i / 2].key, "ed25519.pem") == 0) &&
		    strstr(line, "-E ") == NULL) {
			assert_int_equal(dl, flatlen);
			if (memcmp(d, flat, dl) != 0)
				fail_msg("%s: differs", line);
		}
		zs_key_free(key);
		mcuboot_args_free(a);
		fileset_free(in);
		fileset_free(out);
	}
	free(flat);
}

/* What imgtool prints on stdout, "|" between lines (imgtool-cmds). */
static void
test_stdout(void **state)
{
	static const struct {
		const char	*args;
		const char	*key;
		const char	*want;
	} t[] = {
		{ "in.bin", "ecdsa-p256.pem", "image.py: sign the payload" },
		{ "in.bin", "rsa-2048.pem", "image.py: sign the payload" },
		{ "in.bin", "ed25519.pem", "image.py: sign the digest" },
		{ "--pure in.bin", "ed25519.pem", "image.py: sign the digest" },
		{ "in.bin", NULL, "" },
		{ "--vector-to-sign digest in.bin", "ed25519.pem",
		    "image.py: export digest" },
		{ "--vector-to-sign payload in.bin", NULL,
		    "image.py: export payload" },
		{ "--fix-sig sig.b64 --fix-sig-pubkey derived.pem in.bin",
		    NULL, "image.py: sign the payload" },
		{ "--fix-sig sig.b64 --fix-sig-pubkey ecdsa-p256.pub.pem "
		    "in.bin", NULL, "" },
		{ "--fix-sig sig.b64 --fix-sig-pubkey ed25519.pub.pem in.bin",
		    NULL, "" },
		{ "--compression lzma2 zz.bin", "ed25519.pem",
		    "image.py: sign the digest|compressed image size: 34 "
		    "bytes|original image size: 1000 bytes|image.py: sign "
		    "the digest" },
		{ "--compression lzma2armthumb in.bin", "rsa-2048.pem",
		    "image.py: sign the payload|compressed image size: 1004 "
		    "bytes|original image size: 1000 bytes" },
	};
	struct mcuboot_result res;
	struct zs_errbuf eb;
	char line[256], got[512];
	uint8_t *o;
	size_t i, j, len, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(line, sizeof(line), "-v 1.2.3 -H 0x200 --pad-header "
		    "-S 0 %s out.bin", t[i].args);
		assert_int_equal(sign_res(line, t[i].key, &o, &len, &res, &eb),
		    0);
		got[0] = '\0';
		for (j = n = 0; j < res.nstdout; j++)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s",
			    j > 0 ? "|" : "", res.stdout_lines[j]);
		assert_string_equal(got, t[i].want);
		free(o);
	}
	/* Signed, then too large for the slot: the line was printed. */
	assert_int_equal(sign_res("-v 1.2.3 -H 0x200 --pad-header -S 0x400 "
	    "in.bin out.bin", "ed25519.pem", &o, &len, &res, &eb),
	    ZS_ERR_USAGE);
	assert_int_equal(res.nstdout, 1);
	assert_string_equal(res.stdout_lines[0], "image.py: sign the digest");
	/* A private key where a public one is wanted is refused. */
	assert_int_equal(sign_res("-v 1.2.3 -H 0x200 --pad-header -S 0 "
	    "--fix-sig sig.b64 --fix-sig-pubkey ecdsa-p256.pem in.bin out.bin",
	    NULL, &o, &len, &res, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "a private key"));
	assert_int_equal(sign_res("-v 1.2.3 -H 0x200 --pad-header -S 0 "
	    "-E ecdsa-p256.pem in.bin out.bin", "ecdsa-p256.pem", &o, &len,
	    &res, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "a private key"));
	/* Refused before anything is printed. */
	assert_int_equal(sign_res("-v 1.2.3 -H 0x200 -S 0 in.bin out.bin",
	    "ed25519.pem", &o, &len, &res, &eb), ZS_ERR_USAGE);
	assert_int_equal(res.nstdout, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_deps),
		cmocka_unit_test(test_args_forms),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_args_input_place),
		cmocka_unit_test(test_tlv_writer),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_boot_record),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_no_such_option),
		cmocka_unit_test(test_custom_tlvs),
		cmocka_unit_test(test_sign_checks),
		cmocka_unit_test(test_pad_no_slot),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_stdout),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_output_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

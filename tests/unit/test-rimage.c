/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the rimage engine: the command line, the config schema's
 * strictness, each manifest family's fields and refusals (key size and
 * type, date, malformed ELF), re-signing, i.MX and the xman prefix.
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
#include "lib/rimage/rimage.h"

#define VEC	ZS_TOP_SRCDIR "/tests/vectors/rimage/"

struct run {
	struct fileset		*in, *out;
	struct rimage_args	*args;
	struct zs_key		*key;
	struct zs_errbuf	 eb;
};

static void
add_file(struct fileset *fs, const char *name, const char *path)
{
	uint8_t *d;
	size_t len;

	if (zs_file_read(path, 1u << 24, &d, &len) != 0)
		fail_msg("cannot read %s", path);
	assert_int_equal(fileset_add_owned(fs, name, d, len), 0);
}

static struct zs_key *
load_key(const char *path)
{
	struct zs_key *key = NULL;
	struct zs_errbuf eb;

	if (zs_key_load("k", path, NULL, &key, &eb) != 0)
		fail_msg("key %s: %s", path, eb.msg);
	return key;
}

static void
run_init(struct run *r, const char *keypath)
{
	memset(r, 0, sizeof(*r));
	r->in = fileset_new();
	r->out = fileset_new();
	r->key = keypath ? load_key(keypath) : NULL;
	zs_errclear(&r->eb);
}

static void
run_free(struct run *r)
{
	rimage_args_free(r->args);
	zs_key_free(r->key);
	fileset_free(r->in);
	fileset_free(r->out);
}

/* Parse argv (NULL-terminated) and sign; returns rimage_sign's status. */
static int
run_sign(struct run *r, const char *date, const char **argv)
{
	int argc = 0, rc;

	while (argv[argc] != NULL)
		argc++;
	rc = rimage_args_parse(argc, (char *const *)argv, &r->args, &r->eb);
	if (rc != 0)
		fail_msg("args: %s", r->eb.msg);
	return rimage_sign(r->args, r->in, r->key, date, r->out, &r->eb);
}

static const uint8_t *
out_file(struct run *r, const char *name, size_t *lenp)
{
	const uint8_t *d;

	if (fileset_get(r->out, name, &d, lenp) != 0)
		fail_msg("no output %s", name);
	return d;
}

/* A cnl (cAVS 1.8) run with the vector inputs and argv extras. */
static void
cnl_inputs(struct run *r)
{
	add_file(r->in, "boot.mod", VEC "cases/cnl_sof/input/boot.mod");
	add_file(r->in, "main.mod", VEC "cases/cnl_sof/input/main.mod");
	add_file(r->in, "cnl.toml", VEC "configs/cnl.toml");
}

static void
tgl_inputs(struct run *r)
{
	add_file(r->in, "boot.mod", VEC "cases/tgl_sof/input/boot.mod");
	add_file(r->in, "main.mod", VEC "cases/tgl_sof/input/main.mod");
	add_file(r->in, "tgl.toml", VEC "configs/tgl-sof.toml");
}

static void
mtl_inputs(struct run *r)
{
	add_file(r->in, "boot.mod", VEC "cases/mtl_sof/input/boot.mod");
	add_file(r->in, "main.mod", VEC "cases/mtl_sof/input/main.mod");
	add_file(r->in, "mtl.toml", VEC "configs/mtl-sof.toml");
}

static void
test_args(void **state)
{
	const char *argv[] = { "-v", "-o", "a.ri", "-k", "k1", "-c", "c1",
	    "boot.mod", "-f", "1.2.3", "-c", "c2", "-evb7", "-f9.8.7",
	    "-i", "4", "--", "-main.mod", NULL };
	const struct rimage_fileref *refs;
	struct rimage_args *args;
	struct zs_errbuf eb;
	size_t n;

	(void)state;
	assert_int_equal(rimage_args_parse(18, (char *const *)argv, &args,
	    &eb), 0);
	n = rimage_args_files(args, &refs);
	/* argv order; the overridden -c c1 is not a file to load. */
	assert_int_equal(n, 5);
	assert_int_equal(refs[0].role, RIMAGE_OUT_IMAGE);
	assert_string_equal(refs[0].name, "a.ri");
	assert_int_equal(refs[1].role, RIMAGE_IN_KEY);
	assert_int_equal(refs[2].role, RIMAGE_IN_MODULE);
	assert_string_equal(refs[2].name, "boot.mod");
	assert_int_equal(refs[3].role, RIMAGE_IN_CONFIG);
	assert_string_equal(refs[3].name, "c2");
	assert_int_equal(refs[4].role, RIMAGE_IN_MODULE);
	assert_string_equal(refs[4].name, "-main.mod");
	rimage_args_free(args);
}

static void
test_args_errors(void **state)
{
	static const char *const bad[][10] = {
		{ "-o", "o", "-k", "k", "m", NULL },		/* no -c */
		{ "-o", "o", "-c", "c", "m", NULL },		/* no -k */
		{ "-c", "c", "-k", "k", "m", NULL },		/* no -o */
		{ "-o", "o", "-k", "k", "-c", "c", NULL },	/* no module */
		{ "-o", "o", "-k", "k", "-c", "c", "m", "-f", NULL },
		{ "-f", "1.2", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-f", "1.2.3.4", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-f", "1.x.3", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-f", "65536.0.0", "-o", "o", "-k", "k", "-c", "c", "m",
		    NULL },
		{ "-b", "70000", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-b", "-1", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-i", "abc", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-s", "0x480", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-z", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
		{ "-q", "in.ri", "-o", "o", "-k", "k", "-c", "c", "m", NULL },
	};
	const char *ok[] = { "-q", "in.ri", "-o", "o", "-k", "k", "-c", "c" };
	struct rimage_args *args;
	struct zs_errbuf eb;
	size_t i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (argc = 0; bad[i][argc] != NULL; argc++)
			;
		args = NULL;
		if (rimage_args_parse(argc, (char *const *)bad[i], &args,
		    &eb) == 0)
			fail_msg("accepted bad argv %zu", i);
		assert_null(args);
		assert_true(strlen(eb.msg) > 0);
	}
	/* Re-sign mode needs no module. */
	assert_int_equal(rimage_args_parse(8, (char *const *)ok, &args, &eb),
	    0);
	rimage_args_free(args);
}

static void
test_cavs18_fields(void **state)
{
	const char *argv[] = { "-o", "o/z.ri", "-k", "key", "-c", "cnl.toml",
	    "-p", "-f", "1.9.3", "-b", "7", "boot.mod", "main.mod", NULL };
	const uint8_t *img;
	struct run r;
	size_t len, i;
	unsigned sum = 0;

	(void)state;
	run_init(&r, VEC "keys/rsa2048-a.pem");
	cnl_inputs(&r);
	assert_int_equal(run_sign(&r, "2031-12-09", argv), 0);
	img = out_file(&r, "o/z.ri", &len);
	assert_memory_equal(img, "$CPD", 4);
	for (i = 0; i < 88; i++)
		sum += img[i];
	assert_int_equal(sum & 0xFF, 0);	/* checksum byte included */
	assert_int_equal(zs_get_u32(img + 0x58 + 20, 0), 0x20311209);
	assert_int_equal(zs_get_u32(img + 0x58 + 12, 0), 1);	/* -p */
	assert_int_equal(zs_get_u16(img + 0x58 + 36, 0), 1);
	assert_int_equal(zs_get_u16(img + 0x58 + 38, 0), 9);
	assert_int_equal(zs_get_u16(img + 0x58 + 40, 0), 0);	/* hotfix */
	assert_int_equal(zs_get_u16(img + 0x58 + 42, 0), 7);
	assert_int_equal(zs_get_u16(img + 0x2000 + 32, 0), 3);	/* micro */
	/* Exponent 65537, left-aligned big-endian. */
	assert_memory_equal(img + 0x58 + 128 + 256, "\x01\x00\x01\x00", 4);
	/* Default bitmap for IMR type 3. */
	assert_int_equal(img[0x2DC + 16 + 4], 0x08);
	out_file(&r, "o/z.ri.met", &len);
	assert_int_equal(len, 0x60);
	out_file(&r, "o/z.ri.rom", &len);
	assert_int_equal(len, 0);
	assert_int_equal(fileset_get(r.out, "o/z.ri.xman", &img, &len),
	    ZS_ERR_NOT_FOUND);
	run_free(&r);
}

/* The key must be RSA of exactly the family's size; nothing is written. */
static void
test_key_refusals(void **state)
{
	static const struct {
		const char	*key;
		int		 family;	/* 0 cnl, 1 tgl, 2 mtl */
	} bad[] = {
		{ VEC "keys/rsa3072-a.pem", 0 },
		{ VEC "keys/rsa2048-a.pem", 1 },
		{ VEC "keys/rsa2048-a.pem", 2 },
		{ ZS_TOP_SRCDIR "/tests/keys/test-ecdsa-p256.pem", 1 },
		{ NULL, 0 },
		{ NULL, 2 },
	};
	const char *argv[][10] = {
		{ "-o", "z.ri", "-k", "k", "-c", "cnl.toml", "boot.mod",
		    "main.mod", NULL },
		{ "-o", "z.ri", "-k", "k", "-c", "tgl.toml", "boot.mod",
		    "main.mod", NULL },
		{ "-o", "z.ri", "-k", "k", "-c", "mtl.toml", "boot.mod",
		    "main.mod", NULL },
	};
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_init(&r, bad[i].key);
		if (bad[i].family == 0)
			cnl_inputs(&r);
		else if (bad[i].family == 1)
			tgl_inputs(&r);
		else
			mtl_inputs(&r);
		assert_int_equal(run_sign(&r, "2024-03-15",
		    argv[bad[i].family]), ZS_ERR_KEY);
		assert_int_equal(fileset_count(r.out), 0);
		run_free(&r);
	}
}

static void
test_bad_dates(void **state)
{
	static const char *const dates[] = { "", "2024-3-15", "2024-13-01",
	    "2024-00-10", "2024-01-32", "24-03-15x", "2024/03/15",
	    "2024-03-1a" };
	const char *argv[] = { "-o", "z.ri", "-k", "k", "-c", "cnl.toml",
	    "boot.mod", "main.mod", NULL };
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		run_init(&r, VEC "keys/rsa2048-a.pem");
		cnl_inputs(&r);
		assert_int_equal(run_sign(&r, dates[i], argv), ZS_ERR_INVALID);
		assert_int_equal(fileset_count(r.out), 0);
		run_free(&r);
	}
}

static void
test_ace_imr(void **state)
{
	const char *argv[] = { "-o", "z.ri", "-k", "k", "-c", "mtl.toml",
	    "-i", "4", "boot.mod", "main.mod", NULL };
	const uint8_t *img;
	struct run r;
	size_t len;

	(void)state;
	run_init(&r, VEC "keys/rsa3072-a.pem");
	mtl_inputs(&r);
	assert_int_equal(run_sign(&r, "2024-03-15", argv), 0);
	img = out_file(&r, "z.ri", &len);
	assert_int_equal(img[0x3E0 + 20], 0x24);	/* partition_usage */
	assert_int_equal(zs_get_u32(img + 0x4B4 + 8, 0), 3); /* TOML's */
	assert_int_equal(zs_get_u32(img + 0x2000 + 24, 0), 2); /* features */
	assert_memory_equal(img + 0x524, "\xff\xff\xff\xff", 4);
	run_free(&r);
}

static void
test_cavs25_imr(void **state)
{
	const char *argv[] = { "-o", "z.ri", "-k", "k", "-c", "tgl.toml",
	    "-i", "4", "boot.mod", "main.mod", NULL };
	uint8_t crcbuf[92];
	const uint8_t *img;
	struct run r;
	size_t len;

	(void)state;
	run_init(&r, VEC "keys/rsa3072-a.pem");
	tgl_inputs(&r);
	assert_int_equal(run_sign(&r, "2024-03-15", argv), 0);
	img = out_file(&r, "z.ri", &len);
	/* CSE CRC-32 over header and entries with the CRC field zeroed. */
	memcpy(crcbuf, img, sizeof(crcbuf));
	memset(crcbuf + 16, 0, 4);
	assert_int_equal(zs_get_u32(img + 16, 0),
	    lzma_crc32(crcbuf, sizeof(crcbuf), 0));
	assert_int_equal(zs_get_u32(img + 0x4C0 + 8, 0), 4);	/* -i wins */
	assert_int_equal(img[0x3E0 + 16 + 4], 0x10);		/* bitmap */
	assert_int_equal(zs_get_u32(img + 0x5C + 48, 0), 0xF);
	run_free(&r);
}

/* Malformed ELF inputs fail cleanly with ZS_ERR_FORMAT and no output. */
static void
test_bad_elf(void **state)
{
	static const struct {
		size_t		 off;	/* byte to patch (or truncate at) */
		uint8_t		 val;
		int		 truncate;
	} muts[] = {
		{ 0, 0, 1 },		/* empty file */
		{ 40, 0, 1 },		/* shorter than the ELF header */
		{ 4, 2, 0 },		/* ELFCLASS64 */
		{ 5, 2, 0 },		/* big-endian */
		{ 0, 0x7e, 0 },		/* bad magic */
		{ 20, 2, 0 },		/* e_version */
		{ 35, 0x7f, 0 },	/* e_shoff beyond the file */
		{ 46, 8, 0 },		/* e_shentsize too small */
		{ 50, 0xff, 0 },	/* e_shstrndx out of range */
		{ 45, 0x7f, 0 },	/* e_phoff table beyond the file */
	};
	const char *argv[] = { "-o", "z.ri", "-k", "k", "-c", "tgl.toml",
	    "boot.mod", "main.mod", NULL };
	uint8_t *d;
	size_t len, i;
	struct run r;

	(void)state;
	for (i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		run_init(&r, VEC "keys/rsa3072-a.pem");
		add_file(r.in, "boot.mod", VEC "cases/tgl_sof/input/boot.mod");
		add_file(r.in, "tgl.toml", VEC "configs/tgl-sof.toml");
		assert_int_equal(zs_file_read(VEC
		    "cases/tgl_sof/input/main.mod", 1u << 24, &d, &len), 0);
		if (muts[i].truncate)
			len = muts[i].off;
		else if (muts[i].off == 45)
			d[44] = 0xff, d[45] = 0x7f;	/* e_phnum huge */
		else
			d[muts[i].off] = muts[i].val;
		assert_int_equal(fileset_add_owned(r.in, "main.mod", d, len),
		    0);
		if (run_sign(&r, "2024-03-15", argv) != ZS_ERR_FORMAT)
			fail_msg("mutation %zu: %s", i, r.eb.msg);
		assert_int_equal(fileset_count(r.out), 0);
		run_free(&r);
	}
}

struct edit {
	const char	*from, *to;
};

/* Each edit of the config case (a vector config) must be refused. */
static void
config_edits_refused(const char *config, const char *boot,
    const char *main, const char *key, const struct edit *edits, size_t n)
{
	const char *argv[] = { "-o", "z.ri", "-k", "k", "-c", "c.toml",
	    "boot.mod", "main.mod", NULL };
	char *text, *p, *edited;
	size_t len, i;
	struct run r;

	assert_int_equal(zs_file_read(config, 1u << 20, (uint8_t **)&text,
	    &len), 0);
	text = realloc(text, len + 1);
	text[len] = '\0';
	for (i = 0; i < n; i++) {
		if ((p = strstr(text, edits[i].from)) == NULL)
			fail_msg("edit %zu does not apply", i);
		edited = calloc(1, len + strlen(edits[i].to) + 1);
		memcpy(edited, text, (size_t)(p - text));
		strcat(edited, edits[i].to);
		strcat(edited, p + strlen(edits[i].from));
		run_init(&r, key);
		add_file(r.in, "boot.mod", boot);
		add_file(r.in, "main.mod", main);
		assert_int_equal(fileset_add(r.in, "c.toml",
		    (uint8_t *)edited, strlen(edited)), 0);
		if (run_sign(&r, "2024-03-15", argv) == 0)
			fail_msg("edit %zu accepted", i);
		assert_int_equal(fileset_count(r.out), 0);
		run_free(&r);
		free(edited);
	}
	free(text);
}

/* Every vector config parses; unknown or mistyped keys are refused. */
static void
test_config_strict(void **state)
{
	static const struct edit edits[] = {
		{ "[css]", "[css]\nfoo = 1" },		/* unknown key */
		{ "[css]", "[css]\nsvn = \"1\"" },	/* int as string */
		{ "image_size = \"0x300000\"", "image_size = 0x300000" },
		{ "image_size = \"0x300000\"", "image_size = \"0x30g\"" },
		{ "version = [1, 8]", "version = [1, 5]" },	/* 1.5 */
		{ "version = [1, 8]", "version = [9, 9]" },
		{ "partition_name = \"ADSP\"", "partition_name = \"ADSPX\"" },
		{ "[[adsp.mem_alias]]\ntype = \"uncached\"\nbase = "
		    "\"0x9E000000\"\n", "" },			/* one alias */
		{ "type = \"IMR\"", "type = \"XRAM\"" },	/* bad zone */
		{ "load_offset = \"0x30000\"", "" },		/* required */
		{ "[[cse.entry]]\nname = \"ADSP.man\"", "[[cse.entry]]\n"
		    "name = \"A\"\n[[cse.entry]]\nname = \"ADSP.man\"" },
		{ "[adsp]", "[adsp]\nexec_boot_ldr = 1" },	/* sue mode */
		{ "[css]", "[module]\ncount = 2\n[css]" },	/* not on 1.8 */
		{ "type = \"cached\"", "type = \"weird\"" },	/* alias */
		{ "[css]", "[css]\nsize = 4" },			/* size<len */
	};

	(void)state;
	config_edits_refused(VEC "configs/cnl.toml",
	    VEC "cases/cnl_sof/input/boot.mod",
	    VEC "cases/cnl_sof/input/main.mod", VEC "keys/rsa2048-a.pem",
	    edits, sizeof(edits) / sizeof(edits[0]));
}

/* The [module] table of 2.5/ACE configs is checked as strictly. */
static void
test_config_strict_modules(void **state)
{
	static const struct edit edits[] = {
		{ "3bc194a91aeb\"", "3bc194a91aeX\"" },	/* bad uuid */
		{ "3bc194a91aeb\"", "3bc194a91ae\"" },		/* short */
		{ "count = 10", "count = 11" },		/* count mismatch */
		{ "sched_caps = [1, 0x00008000]\n # pin",
		    "sched_caps = [1, 2, 3]\n # pin" },
		{ "0x1ff]\n # mod_cfg", "0x1ff, 1]\n # mod_cfg" }, /* pin */
		{ "128, 128, 0, 0, 0]", "128, 128, 0, 0]" },	/* mod_cfg */
		{ "name = \"EQFIR\"", "name = \"EQFIRFILTER\"" },
		{ "instance_count = \"40\"", "instance_count = \"70000\"" },
		{ "index = 9", "index = 9\nfoo = 1" },	/* unknown key */
	};

	(void)state;
	config_edits_refused(VEC "configs/tgl-sof.toml",
	    VEC "cases/tgl_sof/input/boot.mod",
	    VEC "cases/tgl_sof/input/main.mod", VEC "keys/rsa3072-a.pem",
	    edits, sizeof(edits) / sizeof(edits[0]));
}

static void
test_resign(void **state)
{
	const char *argv[] = { "-q", "in.ri", "-o", "z.ri", "-k", "k", "-c",
	    "cnl.toml", NULL };
	const char *argv_tgl[] = { "-q", "in.ri", "-o", "z.ri", "-k", "k",
	    "-c", "tgl.toml", NULL };
	const uint8_t *img;
	uint8_t junk[256];
	struct run r;
	size_t len;

	(void)state;
	/* Re-signing keeps everything but modulus and signature. */
	run_init(&r, VEC "keys/rsa2048-b.pem");
	add_file(r.in, "in.ri", VEC "cases/cnl_resign/input/signed.ri");
	add_file(r.in, "cnl.toml", VEC "configs/cnl.toml");
	assert_int_equal(run_sign(&r, "2030-01-01", argv), 0);
	img = out_file(&r, "z.ri", &len);
	assert_int_equal(len, 73984);
	assert_int_equal(zs_get_u32(img + 256 + 0x58 + 20, 0), 0x20240315);
	assert_int_equal(fileset_count(r.out), 1);
	run_free(&r);

	/* No $CPD header. */
	run_init(&r, VEC "keys/rsa2048-b.pem");
	memset(junk, 0xA5, sizeof(junk));
	assert_int_equal(fileset_add(r.in, "in.ri", junk, sizeof(junk)), 0);
	add_file(r.in, "cnl.toml", VEC "configs/cnl.toml");
	assert_int_equal(run_sign(&r, "2024-03-15", argv), ZS_ERR_FORMAT);
	assert_int_equal(fileset_count(r.out), 0);
	run_free(&r);

	/* A 1.8 image with a 2.5 config is refused. */
	run_init(&r, VEC "keys/rsa3072-a.pem");
	add_file(r.in, "in.ri", VEC "cases/cnl_resign/input/signed.ri");
	add_file(r.in, "tgl.toml", VEC "configs/tgl-sof.toml");
	assert_int_equal(run_sign(&r, "2024-03-15", argv_tgl), ZS_ERR_FORMAT);
	assert_int_equal(fileset_count(r.out), 0);
	run_free(&r);

	/* A truncated image is refused. */
	run_init(&r, VEC "keys/rsa2048-b.pem");
	assert_int_equal(zs_file_read(VEC "cases/cnl_resign/input/signed.ri",
	    1u << 24, (uint8_t **)&img, &len), 0);
	assert_int_equal(fileset_add_owned(r.in, "in.ri", (uint8_t *)img,
	    256 + 0x300), 0);
	add_file(r.in, "cnl.toml", VEC "configs/cnl.toml");
	assert_int_equal(run_sign(&r, "2024-03-15", argv), ZS_ERR_FORMAT);
	run_free(&r);
}

/* ACE re-sign keeps the xman prefix and every byte but the signature. */
static void
test_resign_ace(void **state)
{
	const char *argv[] = { "-q", "in.ri", "-o", "z.ri", "-k", "k", "-c",
	    "mtl.toml", NULL };
	const uint8_t *img, *in;
	size_t len, inlen, sig = 2256;
	struct run r;

	(void)state;
	run_init(&r, VEC "keys/rsa3072-a.pem");
	add_file(r.in, "in.ri", VEC "cases/mtl_sof/expected/zephyr.ri");
	add_file(r.in, "mtl.toml", VEC "configs/mtl-sof.toml");
	assert_int_equal(run_sign(&r, "2030-01-01", argv), 0);
	img = out_file(&r, "z.ri", &len);
	assert_int_equal(fileset_get(r.in, "in.ri", &in, &inlen), 0);
	assert_int_equal(len, inlen);
	assert_memory_equal(img, in, sig);
	assert_memory_equal(img + sig + 384, in + sig + 384,
	    len - sig - 384);
	/* PSS is randomised: a new signature, not the old bytes. */
	assert_memory_not_equal(img + sig, in + sig, 384);
	run_free(&r);
}

static void
test_imx_and_prefix(void **state)
{
	const char *argv[] = { "-o", "z.ri", "-k", "dummy", "-e", "-c",
	    "imx8m.toml", "zephyr.elf", NULL };
	const uint8_t *img, *x;
	size_t len, xlen, ilen;
	struct run r;
	uint8_t *before;

	(void)state;
	run_init(&r, NULL);
	add_file(r.in, "zephyr.elf", VEC "cases/imx8m_sof/input/zephyr.elf");
	add_file(r.in, "imx8m.toml", VEC "configs/imx8m.toml");
	assert_int_equal(run_sign(&r, "2024-03-15", argv), 0);
	img = out_file(&r, "z.ri", &ilen);
	assert_memory_equal(img, "Reef", 4);
	assert_int_equal(zs_get_u32(img + 4, 0), ilen - 16);
	before = malloc(ilen);
	memcpy(before, img, ilen);
	x = out_file(&r, "z.ri.xman", &xlen);
	assert_memory_equal(x, "XMan", 4);
	assert_int_equal(rimage_prefix_xman(r.out, "z.ri", &r.eb), 0);
	img = out_file(&r, "z.ri", &len);
	x = out_file(&r, "z.ri.xman", &xlen);
	assert_int_equal(len, xlen + ilen);
	assert_memory_equal(img, x, xlen);
	assert_memory_equal(img + xlen, before, ilen);
	free(before);
	assert_int_equal(rimage_prefix_xman(r.out, "nope.ri", &r.eb),
	    ZS_ERR_NOT_FOUND);
	run_free(&r);
}

static void
test_needs_key(void **state)
{
	static const struct {
		const char	*text;
		int		 rc, need;
	} v[] = {
		{ "version = [1, 0]\n[adsp]\n", 0, 0 },
		{ "version = [1, 8]\n", 0, 1 },
		{ "version = [2, 5]\n", 0, 1 },
		{ "version = [3, 0]\n", 0, 1 },
		{ "version = [1, 5]\n", ZS_ERR_FORMAT, -1 },
		{ "version = \"1.8\"\n", ZS_ERR_FORMAT, -1 },
		{ "version = [1, 8\n", ZS_ERR_FORMAT, -1 },
	};
	struct zs_errbuf eb;
	size_t i;
	int need;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		need = -1;
		assert_int_equal(rimage_config_needs_key((const uint8_t *)
		    v[i].text, strlen(v[i].text), &need, &eb), v[i].rc);
		assert_int_equal(need, v[i].need);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_cavs18_fields),
		cmocka_unit_test(test_key_refusals),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_ace_imr),
		cmocka_unit_test(test_cavs25_imr),
		cmocka_unit_test(test_bad_elf),
		cmocka_unit_test(test_config_strict),
		cmocka_unit_test(test_config_strict_modules),
		cmocka_unit_test(test_resign),
		cmocka_unit_test(test_resign_ace),
		cmocka_unit_test(test_imx_and_prefix),
		cmocka_unit_test(test_needs_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mcuboot_verify() and mcuboot_dumpinfo() on every expected output of the
 * imgtool reference cases: the verdict and digest must be imgtool
 * verify's, the dump must be imgtool dumpinfo's text. Plus getpub, and
 * in-process the getpub, getpubhash, getpriv and dumpinfo cases of
 * tests/vectors/imgtool-cmds: the same bytes imgtool printed.
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

#include <openssl/pem.h>

#include "common/buf.h"
#include "common/util.h"
#include "lib/ihex.h"
#include "lib/mcuboot/mcuboot.h"
#include "tests/vectors/imgtool-compare.h"

#define VECDIR		ZS_TOP_SRCDIR "/tests/vectors/imgtool"
#define CMDSDIR		ZS_TOP_SRCDIR "/tests/vectors/imgtool-cmds"
/* Largest file read. */
#define FILE_MAX	(8u * 1024 * 1024)

static uint8_t *
vec_read(const char *rel, size_t *lenp)
{
	char path[1024];
	uint8_t *d = NULL;

	snprintf(path, sizeof(path), "%s/%s", VECDIR, rel);
	assert_int_equal(zs_file_read(path, FILE_MAX, &d, lenp), 0);
	return d;
}

static EVP_PKEY *
vec_pub(const char *rel)
{
	size_t len;
	uint8_t *d = vec_read(rel, &len);
	BIO *b = BIO_new_mem_buf(d, (int)len);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	assert_non_null(k);
	BIO_free(b);
	free(d);
	return k;
}

/* The expected output as flat bytes (HEX flattened with 0xff holes). */
static uint8_t *
flat_output(json_t *c, size_t *lenp)
{
	const char *eo = json_string_value(json_object_get(c,
	    "expected_output"));
	struct zs_errbuf eb;
	uint8_t *d, *img;
	uint32_t base;
	size_t len;

	d = vec_read(eo, &len);
	if (strstr(eo, ".hex") == NULL) {
		*lenp = len;
		return d;
	}
	assert_int_equal(ihex_read((const char *)d, len, 0xff, &base, &img,
	    lenp, &eb), 0);
	free(d);
	return img;
}

static void
verify_case(void **state)
{
	json_t *c = *state, *iv = json_object_get(c, "imgtool_verify");
	json_t *vargs = json_object_get(iv, "args"), *v;
	const char *stdout_ = json_string_value(json_object_get(iv, "stdout"));
	const char *dump = json_string_value(json_object_get(c, "dumpinfo"));
	struct mcuboot_info info;
	struct zs_errbuf eb;
	EVP_PKEY *pub = NULL;
	struct buf *out;
	uint8_t *img, *want;
	size_t len, wantlen, i;
	const char *d;
	int r, warn;

	img = flat_output(c, &len);
	json_array_foreach(vargs, i, v)
		if (strcmp(json_string_value(v), "-k") == 0)
			pub = vec_pub(json_string_value(json_array_get(vargs,
			    i + 1)));
	/* The vectors verify with public key files. */
	r = mcuboot_verify(img, len, pub, 0, &info, &eb);
	if (json_integer_value(json_object_get(iv, "exit_code")) == 0) {
		if (r != 0 || info.verdict != MCUBOOT_VERIFY_OK)
			fail_msg("verify refused: %s", r != 0 ? eb.msg :
			    mcuboot_verdict_str(info.verdict));
		/* Pure images: imgtool prints the signature instead. */
		if ((d = strstr(stdout_, "Image digest: ")) != NULL)
			assert_string_equal(info.digest_hex, d + 14);
		else if ((d = strstr(stdout_, "signature over image: ")) !=
		    NULL)
			assert_string_equal(info.sig_hex, d + 22);
		else
			fail_msg("imgtool printed neither digest nor "
			    "signature");
		assert_true(pub == NULL || info.sig_ok);
	} else {
		assert_int_equal(r, 0);
		d = mcuboot_verdict_str(info.verdict);
		if (strncmp(stdout_, d, strlen(d)) != 0)
			fail_msg("verify says '%s', imgtool '%s'", d, stdout_);
	}
	if (dump != NULL) {
		out = buf_new(0);
		d = strrchr(json_string_value(json_object_get(c,
		    "expected_output")), '/') + 1;
		assert_int_equal(mcuboot_dumpinfo(img, len, d,
		    MCUBOOT_DUMP_HUMAN, out, &warn, &eb), 0);
		assert_int_equal(warn, 0);
		want = vec_read(dump, &wantlen);
		assert_int_equal(buf_len(out), wantlen);
		assert_memory_equal(buf_ptr(out), want, wantlen);
		free(want);
		buf_free(out);
	}
	EVP_PKEY_free(pub);
	free(img);
}

/* getpub raw is the .pub.der the vectors hold; C and Rust arrays carry it. */
static void
test_getpub(void **state)
{
	static const char *const keys[] = { "rsa-2048", "rsa-3072",
	    "ecdsa-p256", "ecdsa-p384", "ed25519", "x25519" };
	struct zs_errbuf eb;
	char rel[128];
	size_t i, len, plen;
	uint8_t *der, *pem;
	struct buf *out;
	EVP_PKEY *pub;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(rel, sizeof(rel), "keys/%s.pub.pem", keys[i]);
		pub = vec_pub(rel);
		pem = vec_read(rel, &plen);
		snprintf(rel, sizeof(rel), "keys/%s.pub.der", keys[i]);
		der = vec_read(rel, &len);
		out = buf_new(0);
		assert_int_equal(mcuboot_getpub(pub, MCUBOOT_ENC_RAW, "", out,
		    &eb), 0);
		assert_int_equal(buf_len(out), len);
		assert_memory_equal(buf_ptr(out), der, len);
		buf_reset(out);
		assert_int_equal(mcuboot_getpub(pub, MCUBOOT_ENC_PEM, "", out,
		    &eb), 0);
		assert_int_equal(buf_len(out), plen);
		assert_memory_equal(buf_ptr(out), pem, plen);
		buf_reset(out);
		assert_int_equal(mcuboot_getpub(pub, MCUBOOT_ENC_LANG_C, "",
		    out, &eb), 0);
		assert_int_equal(buf_put_u8(out, 0), 0);
		assert_non_null(strstr((const char *)buf_ptr(out),
		    "_pub_key[] = {\n    0x"));
		buf_reset(out);
		assert_int_equal(mcuboot_getpub(pub, MCUBOOT_ENC_LANG_RUST, "",
		    out, &eb), 0);
		assert_int_equal(buf_put_u8(out, 0), 0);
		assert_non_null(strstr((const char *)buf_ptr(out),
		    "_PUB_KEY: &[u8] = &["));
		buf_free(out);
		free(der);
		free(pem);
		EVP_PKEY_free(pub);
	}
}

/* The exact C array imgtool prints, for a 44-byte Ed25519 key. */
static void
test_getpub_c_layout(void **state)
{
	struct zs_errbuf eb;
	struct buf *out = buf_new(0);
	EVP_PKEY *pub = vec_pub("keys/ed25519.pub.pem");
	const char *s;

	(void)state;
	assert_int_equal(mcuboot_getpub(pub, MCUBOOT_ENC_LANG_C, "", out, &eb), 0);
	assert_int_equal(buf_put_u8(out, 0), 0);
	s = (const char *)buf_ptr(out);
	assert_int_equal(strncmp(s, "/* Autogenerated by imgtool.py, do not "
	    "edit. */\nconst unsigned char ed25519_pub_key[] = {\n    0x30, "
	    "0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,\n    0x70,", 140), 0);
	assert_non_null(strstr(s, ",\n};\nconst unsigned int "
	    "ed25519_pub_key_len = 44;\n"));
	buf_free(out);
	EVP_PKEY_free(pub);
}

/* Truncations and bit flips of a real image never crash and never pass. */
static void
test_verify_garbage(void **state)
{
	struct mcuboot_info info;
	struct zs_errbuf eb;
	struct buf *out = buf_new(0);
	size_t len, i;
	int r, warn;
	uint8_t *img = vec_read("cases/ed25519-basic/out.bin", &len);
	EVP_PKEY *pub = vec_pub("keys/ed25519.pub.pem");

	(void)state;
	assert_int_equal(mcuboot_verify(img, len, pub, 0, &info, &eb), 0);
	assert_int_equal(info.verdict, MCUBOOT_VERIFY_OK);
	for (i = 0; i < len; i += 7) {
		r = mcuboot_verify(img, i, pub, 0, &info, &eb);
		assert_true(r != 0 || info.verdict != MCUBOOT_VERIFY_OK);
		(void)mcuboot_dumpinfo(img, i, "x", MCUBOOT_DUMP_YAML, out,
		    &warn, &eb);
		buf_reset(out);
	}
	/* Every hashed byte (header, body: [0, 1512)) is covered. */
	for (i = 0; i < 1512; i += 13) {
		img[i] ^= 0x40;
		r = mcuboot_verify(img, len, pub, 0, &info, &eb);
		assert_true(r != 0 || info.verdict != MCUBOOT_VERIFY_OK);
		img[i] ^= 0x40;
	}
	buf_free(out);
	EVP_PKEY_free(pub);
	free(img);
}

/* A key file of a command case: private PEM, else public. */
static EVP_PKEY *
cmds_key(const char *rel)
{
	char path[1024];
	uint8_t *d = NULL;
	size_t len;
	BIO *b;
	EVP_PKEY *k;

	snprintf(path, sizeof(path), "%s/%s", CMDSDIR, rel);
	assert_int_equal(zs_file_read(path, FILE_MAX, &d, &len), 0);
	b = BIO_new_mem_buf(d, (int)len);
	if ((k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL) {
		(void)BIO_reset(b);
		k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	}
	assert_non_null(k);
	BIO_free(b);
	free(d);
	return k;
}

static enum mcuboot_key_encoding
cmds_encoding(const char *e)
{
	if (e == NULL || strcmp(e, "lang-c") == 0 || strcmp(e, "c") == 0)
		return MCUBOOT_ENC_LANG_C;
	if (strcmp(e, "lang-rust") == 0 || strcmp(e, "rust") == 0)
		return MCUBOOT_ENC_LANG_RUST;
	return strcmp(e, "pem") == 0 ? MCUBOOT_ENC_PEM : MCUBOOT_ENC_RAW;
}

/* One getpub/getpubhash/getpriv/dumpinfo case of imgtool-cmds. */
static void
cmds_case(void **state)
{
	json_t *c = *state, *args = json_object_get(c, "args");
	const char *cmd = json_string_value(json_array_get(args, 0));
	const char *key = NULL, *enc = NULL, *suffix = "", *fmt = NULL;
	const char *image = NULL, *a, *nx, *err;
	char path[1024];
	struct buf *out = buf_new(0), *want = buf_new(0);
	struct zs_errbuf eb;
	EVP_PKEY *k = NULL;
	uint8_t *d, *img;
	size_t i, len, imglen;
	uint32_t base;
	int minimal = 0, warn = 0, r;

	for (i = 1; i < json_array_size(args); i++) {
		a = json_string_value(json_array_get(args, i));
		nx = json_string_value(json_array_get(args, i + 1));
		if (strcmp(a, "-k") == 0)
			key = nx;
		else if (strcmp(a, "-e") == 0 || strcmp(a, "-l") == 0)
			enc = nx;
		else if (strcmp(a, "--name-suffix") == 0)
			suffix = nx;
		else if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0)
			fmt = nx;
		else if (strcmp(a, "--minimal") == 0 || strcmp(a, "-s") == 0) {
			minimal = a[1] == '-';
			continue;
		} else {
			image = a;
			continue;
		}
		i++;
	}
	if (key != NULL)
		k = cmds_key(key);
	if (strcmp(cmd, "getpub") == 0)
		r = mcuboot_getpub(k, cmds_encoding(enc), suffix, out, &eb);
	else if (strcmp(cmd, "getpubhash") == 0)
		r = mcuboot_getpubhash(k, cmds_encoding(enc), suffix, out, &eb);
	else if (strcmp(cmd, "getpriv") == 0)
		r = mcuboot_getpriv(k, fmt, minimal, out, &eb);
	else {
		snprintf(path, sizeof(path), "%s/%s", CMDSDIR, image);
		assert_int_equal(zs_file_read(path, FILE_MAX, &d, &len), 0);
		img = d;
		imglen = len;
		if (strstr(image, ".hex") != NULL) {
			assert_int_equal(ihex_read((const char *)d, len, 0xff,
			    &base, &img, &imglen, &eb), 0);
			free(d);
		}
		/* The client prints the warning first, then the dump. */
		r = mcuboot_dumpinfo(img, imglen, strrchr(image, '/') + 1,
		    fmt == NULL || strcmp(fmt, "human") == 0 ?
		    MCUBOOT_DUMP_HUMAN : strcmp(fmt, "yaml") == 0 ?
		    MCUBOOT_DUMP_YAML : MCUBOOT_DUMP_JSON, want, &warn, &eb);
		if (warn)
			assert_int_equal(buf_put_str(out, "Warning: the "
			    "trailer magic value is invalid!\n"), 0);
		assert_int_equal(buf_put(out, buf_ptr(want), buf_len(want)),
		    0);
		buf_reset(want);
		if (r == 0 && fmt != NULL && strcmp(fmt, "json") == 0)
			assert_int_equal(buf_put_str(out, "\n"), 0);
		free(img);
	}
	if (json_integer_value(json_object_get(c, "exit_code")) != 0) {
		/* The key classes' UsageErrors (getpriv). */
		err = json_string_value(json_object_get(c, "error"));
		assert_int_equal(r, ZS_ERR_USAGE);
		assert_string_equal(eb.msg, err);
	} else {
		if (r != 0)
			fail_msg("%s", eb.msg);
		snprintf(path, sizeof(path), "%s/%s", CMDSDIR,
		    json_string_value(json_object_get(c, "stdout")));
		assert_int_equal(zs_file_read(path, FILE_MAX, &d, &len), 0);
		assert_int_equal(buf_put(want, d, len), 0);
		free(d);
		assert_int_equal(buf_len(out), buf_len(want));
		assert_memory_equal(buf_ptr(out), buf_ptr(want), buf_len(out));
	}
	EVP_PKEY_free(k);
	buf_free(out);
	buf_free(want);
}

int
main(void)
{
	static const char *const cmds[] = { "getpub", "getpubhash", "getpriv",
	    "dumpinfo" };
	json_t *root = NULL, *cases, *c, *croot, *ccases;
	struct CMUnitTest *tests;
	const char *cmd, *name;
	char *flat;
	size_t i, j, n = 0;
	int r;

	if ((cases = imgtool_cases_load(VECDIR, &root)) == NULL ||
	    (croot = json_load_file(CMDSDIR "/cases.json", 0, NULL)) == NULL)
		return 1;
	ccases = json_object_get(croot, "cases");
	tests = calloc(json_array_size(cases) + json_array_size(ccases) + 3,
	    sizeof(*tests));
	/*
	 * The command cases the library answers alone: no output file, no
	 * --opt=value forms, none of click's own errors or the client's.
	 */
	json_array_foreach(ccases, i, c) {
		cmd = json_string_value(json_array_get(json_object_get(c,
		    "args"), 0));
		name = json_string_value(json_object_get(c, "name"));
		if (cmd == NULL)	/* imgtool alone */
			continue;
		flat = json_dumps(json_object_get(c, "args"), 0);
		for (j = 0; j < sizeof(cmds) / sizeof(cmds[0]); j++)
			if (strcmp(cmd, cmds[j]) == 0)
				break;
		if (j < sizeof(cmds) / sizeof(cmds[0]) &&
		    strstr(flat, "{OUT}") == NULL &&
		    strstr(flat, "=") == NULL && strstr(name, "joined") ==
		    NULL && strstr(name, "missing") == NULL &&
		    strstr(name, "help") == NULL &&
		    (json_integer_value(json_object_get(c, "exit_code")) == 0 ||
		    (strcmp(cmd, "getpriv") == 0 && strstr(name, "pubfile") ==
		    NULL && strstr(name, "bad-format") == NULL &&
		    strstr(name, "no-key") == NULL))) {
			tests[n].name = name;
			tests[n].test_func = cmds_case;
			tests[n].initial_state = c;
			n++;
		}
		free(flat);
	}
	json_array_foreach(cases, i, c) {
		if (json_object_get(c, "imgtool_verify") == NULL)
			continue;
		tests[n].name = json_string_value(json_object_get(c, "name"));
		tests[n].test_func = verify_case;
		tests[n].initial_state = c;
		n++;
	}
	tests[n].name = "getpub";
	tests[n++].test_func = test_getpub;
	tests[n].name = "getpub_c_layout";
	tests[n++].test_func = test_getpub_c_layout;
	tests[n].name = "verify_garbage";
	tests[n++].test_func = test_verify_garbage;
	r = _cmocka_run_group_tests("mcuboot-verify", tests, n, NULL, NULL);
	free(tests);
	json_decref(root);
	json_decref(croot);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mcuboot_verify() and mcuboot_dumpinfo() on every expected output of the
 * imgtool reference cases: the verdict and digest must be imgtool
 * verify's, the dump must be imgtool dumpinfo's text. Plus getpub.
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

int
main(void)
{
	json_t *root = NULL, *cases, *c;
	struct CMUnitTest *tests;
	size_t i, n = 0;
	int r;

	if ((cases = imgtool_cases_load(VECDIR, &root)) == NULL)
		return 1;
	tests = calloc(json_array_size(cases) + 3, sizeof(*tests));
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
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the key store: PEM loading, fingerprints, signatures; each
 * in-process and again through the key holder (zsign-keyholder).
 */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "keystore/keystore.h"

#define KEYDIR ZS_TOP_SRCDIR "/tests/keys/"

static void
test_load_and_sign_ed25519(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;
	EVP_MD_CTX *m;
	uint8_t *sig;
	size_t siglen;

	(void)state;
	assert_int_equal(zs_key_load("ed", KEYDIR "test-ed25519.pem", NULL,
	    &k, &eb), 0);
	assert_int_equal(zs_key_type(k), ZS_KEY_ED25519);
	assert_string_equal(zs_key_type_name(k), "ed25519");
	assert_int_equal(strncmp(zs_key_fingerprint(k), "SHA256:", 7), 0);
	assert_int_equal(zs_key_sign(k, ZS_SIG_ED25519,
	    (const uint8_t *)"msg", 3, &sig, &siglen, &eb), 0);
	assert_int_equal(siglen, 64);
	m = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(m, NULL, NULL, NULL,
	    zs_key_public(k)), 1);
	assert_int_equal(EVP_DigestVerify(m, sig, siglen,
	    (const uint8_t *)"msg", 3), 1);
	EVP_MD_CTX_free(m);
	free(sig);
	/* Wrong algorithm for the key type is refused. */
	assert_int_equal(zs_key_sign(k, ZS_SIG_ECDSA_SHA256,
	    (const uint8_t *)"msg", 3, &sig, &siglen, &eb), ZS_ERR_KEY);
	zs_key_free(k);
}

static void
test_ecdsa_digest(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;
	EVP_PKEY_CTX *c;
	uint8_t md[32], *sig;
	size_t siglen;

	(void)state;
	assert_int_equal(zs_key_load("ec", KEYDIR "test-ecdsa-p256.pem", NULL,
	    &k, &eb), 0);
	assert_int_equal(zs_key_type(k), ZS_KEY_EC_P256);
	SHA256((const uint8_t *)"image", 5, md);
	assert_int_equal(zs_key_sign(k, ZS_SIG_ECDSA_SHA256, md, sizeof(md),
	    &sig, &siglen, &eb), 0);
	assert_int_equal(sig[0], 0x30);
	c = EVP_PKEY_CTX_new(zs_key_public(k), NULL);
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	assert_int_equal(EVP_PKEY_verify(c, sig, siglen, md, sizeof(md)), 1);
	EVP_PKEY_CTX_free(c);
	free(sig);
	zs_key_free(k);
}

static void
test_public_only_refused(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;

	(void)state;
	assert_int_equal(zs_key_load("pub", KEYDIR "test-ecdsa-p256.pub.pem",
	    NULL, &k, &eb), ZS_ERR_KEY);
	assert_non_null(strstr(eb.msg, "public-only"));
	assert_null(k);
	assert_int_equal(zs_key_load("none", KEYDIR "does-not-exist.pem",
	    NULL, &k, &eb), ZS_ERR_NOT_FOUND);
}

static void
test_keyring(void **state)
{
	struct zs_errbuf eb;
	struct keyring *kr = keyring_new();
	struct zs_key *a, *b;

	(void)state;
	assert_int_equal(zs_key_load("a", KEYDIR "test-ed25519.pem", NULL,
	    &a, &eb), 0);
	assert_int_equal(zs_key_load("a", KEYDIR "test-rsa-2048.pem", NULL,
	    &b, &eb), 0);
	assert_int_equal(zs_key_bits(b), 2048);
	assert_int_equal(keyring_add(kr, a), 0);
	assert_int_equal(keyring_add(kr, b), ZS_ERR_INVALID);
	zs_key_free(b);
	assert_ptr_equal(keyring_find(kr, "a"), a);
	assert_ptr_equal(keyring_find_fp(kr, zs_key_fingerprint(a)), a);
	assert_null(keyring_find(kr, "b"));
	keyring_free(kr);
}

/* Every PEM form imgtool reads gives the same key as its PKCS#8 twin. */
static void
test_pem_forms(void **state)
{
	static const struct {
		const char	*file, *twin, *pass;
	} forms[] = {
		{ "test-ecdsa-p256-sec1.pem", "test-ecdsa-p256.pem", NULL },
		{ "test-rsa-2048-pkcs1.pem", "test-rsa-2048.pem", NULL },
		{ "test-ed25519-enc.pem", "test-ed25519.pem", "test-passphrase" },
	};
	struct zs_errbuf eb;
	struct zs_key *a, *b;
	char f[512], t[512], p[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(f, sizeof(f), KEYDIR "%s", forms[i].file);
		snprintf(t, sizeof(t), KEYDIR "%s", forms[i].twin);
		snprintf(p, sizeof(p), KEYDIR "%s", forms[i].pass ?
		    forms[i].pass : "");
		if (zs_key_load("a", f, forms[i].pass ? p : NULL, &a, &eb) != 0)
			fail_msg("%s: %s", forms[i].file, eb.msg);
		assert_int_equal(zs_key_load("b", t, NULL, &b, &eb), 0);
		assert_string_equal(zs_key_fingerprint(a),
		    zs_key_fingerprint(b));
		zs_key_free(a);
		zs_key_free(b);
	}
	/* An encrypted key without its passphrase, or with a wrong one. */
	assert_int_equal(zs_key_load("a", KEYDIR "test-ed25519-enc.pem", NULL,
	    &a, &eb), ZS_ERR_KEY);
	assert_non_null(strstr(eb.msg, "passphrase"));
	assert_int_equal(zs_key_load("a", KEYDIR "test-ed25519-enc.pem",
	    KEYDIR "test-ecdsa-p256.pem", &a, &eb), ZS_ERR_KEY);
}

/* How many zsign-keyholder processes are children of this one. */
static int
holder_children(void)
{
	char path[64], comm[64];
	struct dirent *d;
	FILE *f;
	DIR *dir;
	int n = 0, ppid;

	if ((dir = opendir("/proc")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%.20s/stat", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 &&
		    ppid == (int)getpid() && strcmp(comm, "zsign-keyholder") == 0)
			n++;
		fclose(f);
	}
	closedir(dir);
	return n;
}

static int
holder_on(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/zsign-keyholder",
	    getenv("ZS_TOP_BUILDDIR") != NULL ? getenv("ZS_TOP_BUILDDIR") : ".");
	setenv("ZSIGN_KEYHOLDER", path, 1);
	keystore_use_holder(1);
	return 0;
}

static int
holder_off(void **state)
{
	(void)state;
	keystore_use_holder(0);
	return 0;
}

/* Keys loaded through the holder live there and report their store. */
static void
test_holder_runs(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;

	(void)state;
	assert_int_equal(holder_children(), 0);
	assert_int_equal(zs_key_load("ed", KEYDIR "test-ed25519.pem", NULL,
	    &k, &eb), 0);
	assert_int_equal(holder_children(), 1);
	assert_string_equal(zs_key_backend(k), "file");
	assert_null(zs_key_location(k));
	assert_true(zs_key_available(k));
	zs_key_free(k);
	/* The last key gone, the holder exits. */
	assert_int_equal(holder_children(), 0);
	setenv("ZSIGN_KEYHOLDER", "/nonexistent/zsign-keyholder", 1);
	assert_int_equal(zs_key_load("ed", KEYDIR "test-ed25519.pem", NULL,
	    &k, &eb), ZS_ERR_UNAVAILABLE);
	assert_non_null(strstr(eb.msg, "/nonexistent/zsign-keyholder"));
	holder_on(state);
}

/* Ed25519 is deterministic: the holder's signature is the local one. */
static void
test_holder_same_signature(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *a, *b;
	uint8_t *sa, *sb;
	size_t la, lb;

	(void)state;
	keystore_use_holder(0);
	assert_int_equal(zs_key_load("a", KEYDIR "test-ed25519.pem", NULL,
	    &a, &eb), 0);
	keystore_use_holder(1);
	assert_int_equal(zs_key_load("b", KEYDIR "test-ed25519.pem", NULL,
	    &b, &eb), 0);
	assert_int_equal(zs_key_sign(a, ZS_SIG_ED25519,
	    (const uint8_t *)"image", 5, &sa, &la, &eb), 0);
	assert_int_equal(zs_key_sign(b, ZS_SIG_ED25519,
	    (const uint8_t *)"image", 5, &sb, &lb, &eb), 0);
	assert_memory_equal(sa, sb, 64);
	assert_int_equal(la, lb);
	free(sa);
	free(sb);
	zs_key_free(a);
	zs_key_free(b);
}

#define HOLDER_TEST(f) cmocka_unit_test_setup_teardown(f, holder_on, holder_off)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_and_sign_ed25519),
		cmocka_unit_test(test_ecdsa_digest),
		cmocka_unit_test(test_public_only_refused),
		cmocka_unit_test(test_keyring),
		cmocka_unit_test(test_pem_forms),
		HOLDER_TEST(test_holder_runs),
		HOLDER_TEST(test_holder_same_signature),
		HOLDER_TEST(test_load_and_sign_ed25519),
		HOLDER_TEST(test_ecdsa_digest),
		HOLDER_TEST(test_public_only_refused),
		HOLDER_TEST(test_keyring),
		HOLDER_TEST(test_pem_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 key store against a SoftHSM2 token made by
 * scripts/softhsm-setup.sh: every key type and algorithm, PIN and lookup
 * errors, concurrent signs, a token that goes away and comes back, and a
 * helper that is killed. Skipped (TAP) only when softhsm2 is missing.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>

#include "common/buf.h"
#include "common/util.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"
#include "keystore/p11-token.h"
#include "tests/zstest.h"

#define KEYDIR ZS_TOP_SRCDIR "/tests/keys/"
/* Signing threads and signs per thread in the concurrency test. */
#define TEST_THREADS		8
#define TEST_SIGNS		25
/* How long a recovered token or helper may take to serve again. */
#define TEST_RECOVER_MS		5000

static char tokdir[64];
static char module[200];
/* Set by the group setup when softhsm2 is installed and the token made. */
static int have_softhsm;

#define NEED_SOFTHSM() do {						\
	if (!have_softhsm)						\
		skip();							\
} while (0)

static const char *softhsm_modules[] = {
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
};

static const struct keycase {
	const char		*label;
	enum zs_keytype		 type;
	int			 bits;
	enum zs_sigalg		 algs[3];
	size_t			 nalgs;
} keycases[] = {
	{ "ecdsa-p256", ZS_KEY_EC_P256, 256, { ZS_SIG_ECDSA_SHA256 }, 1 },
	{ "ecdsa-p384", ZS_KEY_EC_P384, 384, { ZS_SIG_ECDSA_SHA384 }, 1 },
	{ "rsa-2048", ZS_KEY_RSA, 2048, { ZS_SIG_RSA_PSS_SHA256,
	    ZS_SIG_RSA_PSS_SHA384, ZS_SIG_RSA_PKCS1_SHA256 }, 3 },
	{ "rsa-3072", ZS_KEY_RSA, 3072, { ZS_SIG_RSA_PSS_SHA256,
	    ZS_SIG_RSA_PSS_SHA384, ZS_SIG_RSA_PKCS1_SHA256 }, 3 },
	{ "ed25519", ZS_KEY_ED25519, 256, { ZS_SIG_ED25519 }, 1 },
	{ "rsa2048-a", ZS_KEY_RSA, 2048, { ZS_SIG_RSA_PSS_SHA256 }, 1 },
	{ "rsa3072-a", ZS_KEY_RSA, 3072, { ZS_SIG_RSA_PSS_SHA256 }, 1 },
};

/* The URI of label on the test token, with extra query text appended. */
static char *
test_uri(const char *label, const char *pinfile)
{
	static __thread char uri[1024];

	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=%s"
	    "?module-path=%s&pin-source=file:%s", label, module, pinfile);
	return uri;
}

static const char *
test_pinfile(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/pin", tokdir);
	return path;
}

static struct zs_key *
test_load(const char *label)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;
	int r;

	r = zs_key_load(label, test_uri(label, test_pinfile()), NULL, &k, &eb);
	if (r != 0)
		print_error("load %s: %s\n", label, eb.msg);
	assert_int_equal(r, 0);
	return k;
}

/* Verify sig over tbs with the key's public half, as a signer's peer would. */
static int
test_verify(struct zs_key *k, enum zs_sigalg alg, const uint8_t *tbs,
    size_t tbslen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY_CTX *c = NULL;
	EVP_MD_CTX *m = NULL;
	const EVP_MD *md;
	int ok;

	if (alg == ZS_SIG_ED25519) {
		m = EVP_MD_CTX_new();
		ok = EVP_DigestVerifyInit(m, NULL, NULL, NULL,
		    zs_key_public(k)) == 1 &&
		    EVP_DigestVerify(m, sig, siglen, tbs, tbslen) == 1;
		EVP_MD_CTX_free(m);
		return ok;
	}
	md = (alg == ZS_SIG_RSA_PSS_SHA384 || alg == ZS_SIG_ECDSA_SHA384) ?
	    EVP_sha384() : EVP_sha256();
	c = EVP_PKEY_CTX_new(zs_key_public(k), NULL);
	ok = EVP_PKEY_verify_init(c) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(c, md) == 1;
	if (alg == ZS_SIG_RSA_PSS_SHA256 || alg == ZS_SIG_RSA_PSS_SHA384)
		ok = ok && EVP_PKEY_CTX_set_rsa_padding(c,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 32) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) == 1;
	if (alg == ZS_SIG_RSA_PKCS1_SHA256)
		ok = ok && EVP_PKEY_CTX_set_rsa_padding(c,
		    RSA_PKCS1_PADDING) == 1;
	ok = ok && EVP_PKEY_verify(c, sig, siglen, tbs, tbslen) == 1;
	EVP_PKEY_CTX_free(c);
	return ok;
}

/* Sign random input of the right size for alg and verify; return the error. */
static int
test_sign_verify(struct zs_key *k, enum zs_sigalg alg, struct zs_errbuf *eb)
{
	uint8_t tbs[100], *sig = NULL;
	size_t tbslen, siglen;
	int r;

	tbslen = (alg == ZS_SIG_RSA_PSS_SHA384 || alg == ZS_SIG_ECDSA_SHA384) ?
	    48 : alg == ZS_SIG_ED25519 ? sizeof(tbs) : 32;
	assert_int_equal(RAND_bytes(tbs, (int)tbslen), 1);
	if ((r = zs_key_sign(k, alg, tbs, tbslen, &sig, &siglen, eb)) != 0)
		return r;
	assert_true(test_verify(k, alg, tbs, tbslen, sig, siglen));
	free(sig);
	return 0;
}

static void
test_sign_all(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k, *pem;
	char path[512];
	size_t i, j;

	(void)state;
	NEED_SOFTHSM();
	for (i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		k = test_load(keycases[i].label);
		assert_string_equal(zs_key_backend(k), "pkcs11");
		assert_int_equal(zs_key_type(k), keycases[i].type);
		assert_int_equal(zs_key_bits(k), keycases[i].bits);
		assert_true(zs_key_available(k));
		/* The token holds the very key of the PEM file. */
		snprintf(path, sizeof(path), KEYDIR "test-%s.pem",
		    keycases[i].label);
		assert_int_equal(zs_key_load("pem", path, NULL, &pem, &eb), 0);
		assert_string_equal(zs_key_fingerprint(k),
		    zs_key_fingerprint(pem));
		zs_key_free(pem);
		for (j = 0; j < keycases[i].nalgs; j++) {
			if (test_sign_verify(k, keycases[i].algs[j], &eb) != 0)
				fail_msg("%s: %s", keycases[i].label, eb.msg);
		}
		/* A signature the key cannot make is refused up front. */
		assert_int_equal(test_sign_verify(k, keycases[i].type ==
		    ZS_KEY_ED25519 ? ZS_SIG_ECDSA_SHA256 : ZS_SIG_ED25519,
		    &eb), ZS_ERR_KEY);
		zs_key_free(k);
	}
}

static void
test_ed25519_equals_pem(void **state)
{
	static const uint8_t msg[] = "an image, signed whole by Ed25519";
	struct zs_errbuf eb;
	struct zs_key *k, *pem;
	uint8_t *s1, *s2;
	size_t l1, l2;

	(void)state;
	NEED_SOFTHSM();
	k = test_load("ed25519");
	assert_int_equal(zs_key_load("pem", KEYDIR "test-ed25519.pem", NULL,
	    &pem, &eb), 0);
	assert_int_equal(zs_key_sign(k, ZS_SIG_ED25519, msg, sizeof(msg),
	    &s1, &l1, &eb), 0);
	assert_int_equal(zs_key_sign(pem, ZS_SIG_ED25519, msg, sizeof(msg),
	    &s2, &l2, &eb), 0);
	assert_int_equal(l1, 64);
	assert_memory_equal(s1, s2, 64);
	free(s1);
	free(s2);
	zs_key_free(pem);
	zs_key_free(k);
}

static void
test_errors(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;
	char wrong[512], uri[1024], path[512];
	const char *helper;

	(void)state;
	NEED_SOFTHSM();
	snprintf(wrong, sizeof(wrong), "%s/wrong-pin", tokdir);
	assert_int_equal(zs_file_write_atomic(wrong, (const uint8_t *)
	    "1234\n", 5, 0600), 0);
	assert_int_equal(zs_key_load("k", test_uri("rsa-2048", wrong), NULL,
	    &k, &eb), ZS_ERR_KEY);
	assert_non_null(strstr(eb.msg, "wrong PIN"));
	assert_int_equal(zs_key_load("k", test_uri("no-such-key",
	    test_pinfile()), NULL, &k, &eb), ZS_ERR_NOT_FOUND);
	assert_non_null(strstr(eb.msg, "no private key"));
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=rsa-2048"
	    "?module-path=%s&pin-value=4711-zsign", module);
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "pin-value"));
	assert_int_equal(zs_key_load("k", "pkcs11:object=rsa-2048", NULL, &k,
	    &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "module-path"));
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=rsa-2048"
	    "?module-path=%s/none.so&pin-source=file:%s", tokdir,
	    test_pinfile());
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb),
	    ZS_ERR_UNAVAILABLE);
	assert_non_null(strstr(eb.msg, "cannot load PKCS#11 module"));
	snprintf(uri, sizeof(uri), "pkcs11:token=no-such-token;object=x"
	    "?module-path=%s&pin-source=file:%s", module, test_pinfile());
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb),
	    ZS_ERR_UNAVAILABLE);
	assert_non_null(strstr(eb.msg, "not present"));
	/* A missing helper program is named in the error. */
	helper = getenv("ZSIGN_PKCS11_HELPER");
	assert_non_null(helper);
	snprintf(path, sizeof(path), "%s", helper);
	setenv("ZSIGN_PKCS11_HELPER", "/nonexistent/zsign-pkcs11-helper", 1);
	assert_int_equal(zs_key_load("k", test_uri("rsa-2048", test_pinfile()),
	    NULL, &k, &eb), ZS_ERR_UNAVAILABLE);
	assert_non_null(strstr(eb.msg, "/nonexistent/zsign-pkcs11-helper"));
	setenv("ZSIGN_PKCS11_HELPER", path, 1);
	/* The PIN may also come from the daemon's passphrase file. */
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=ed25519"
	    "?module-path=%s", module);
	assert_int_equal(zs_key_load("k", uri, test_pinfile(), &k, &eb), 0);
	zs_key_free(k);
}

static void
test_credential_pin(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k = NULL;
	char dir[512], path[600], uri[1024];

	(void)state;
	NEED_SOFTHSM();
	snprintf(dir, sizeof(dir), "%s/creds", tokdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/token-pin", dir);
	assert_int_equal(zs_file_write_atomic(path, (const uint8_t *)
	    "4711-zsign\n", 11, 0600), 0);
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=ecdsa-p256"
	    "?module-path=%s&pin-source=cred:token-pin", module);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb),
	    ZS_ERR_NOT_FOUND);
	assert_non_null(strstr(eb.msg, "CREDENTIALS_DIRECTORY"));
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb), 0);
	assert_int_equal(test_sign_verify(k, ZS_SIG_ECDSA_SHA256, &eb), 0);
	zs_key_free(k);
	/* The long spelling the daemon's configuration uses works too. */
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=ecdsa-p256"
	    "?module-path=%s&pin-source=credential:token-pin", module);
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb), 0);
	zs_key_free(k);
	snprintf(uri, sizeof(uri), "pkcs11:token=zsign-test;object=ecdsa-p256"
	    "?module-path=%s&pin-source=credential:..", module);
	assert_int_equal(zs_key_load("k", uri, NULL, &k, &eb), ZS_ERR_INVALID);
	unsetenv("CREDENTIALS_DIRECTORY");
}

struct worker {
	struct zs_key	*key;
	enum zs_sigalg	 alg;
	int		 failures;
	atomic_int	 tid;	/* test_sign_thread's, once it runs */
};

static void *
test_worker(void *arg)
{
	struct worker *w = arg;
	struct zs_errbuf eb;
	int i;

	for (i = 0; i < TEST_SIGNS; i++)
		if (test_sign_verify(w->key, w->alg, &eb) != 0)
			w->failures++;
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct worker w[TEST_THREADS];
	pthread_t t[TEST_THREADS];
	struct zs_key *ec, *ed;
	int i;

	(void)state;
	NEED_SOFTHSM();
	ec = test_load("ecdsa-p256");
	ed = test_load("ed25519");
	for (i = 0; i < TEST_THREADS; i++) {
		w[i].key = i % 2 ? ec : ed;
		w[i].alg = i % 2 ? ZS_SIG_ECDSA_SHA256 : ZS_SIG_ED25519;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, test_worker,
		    &w[i]), 0);
	}
	for (i = 0; i < TEST_THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	zs_key_free(ec);
	zs_key_free(ed);
}

/* Retry signing until it works again or TEST_RECOVER_MS passes. */
static int
test_sign_until_ok(struct zs_key *k, enum zs_sigalg alg, struct zs_errbuf *eb)
{
	int waited, r;

	for (waited = 0; waited < TEST_RECOVER_MS; waited += 100) {
		if ((r = test_sign_verify(k, alg, eb)) == 0)
			return 0;
		usleep(100000);
	}
	return r;
}

static void
test_token_away(void **state)
{
	struct zs_errbuf eb;
	struct zs_key *k;
	char tokens[512], away[512];
	int waited;

	(void)state;
	NEED_SOFTHSM();
	k = test_load("rsa-2048");
	snprintf(tokens, sizeof(tokens), "%s/tokens", tokdir);
	snprintf(away, sizeof(away), "%s/tokens.away", tokdir);
	assert_int_equal(test_sign_verify(k, ZS_SIG_RSA_PSS_SHA256, &eb), 0);
	assert_int_equal(rename(tokens, away), 0);
	assert_int_equal(test_sign_verify(k, ZS_SIG_RSA_PSS_SHA256, &eb),
	    ZS_ERR_UNAVAILABLE);
	print_message("# while away: %s\n", eb.msg);
	assert_false(zs_key_available(k));
	/* Asked again (past the cache), the helper still finds no token. */
	usleep(1200000);
	assert_false(zs_key_available(k));
	assert_int_equal(rename(away, tokens), 0);
	/* Health checks alone bring it back (zsignd asks before signing). */
	for (waited = 0; waited < TEST_RECOVER_MS && !zs_key_available(k);
	    waited += 100)
		usleep(100000);
	assert_true(zs_key_available(k));
	if (test_sign_until_ok(k, ZS_SIG_RSA_PSS_SHA256, &eb) != 0)
		fail_msg("token did not come back: %s", eb.msg);
	zs_key_free(k);
}

/* The pid of our zsign-pkcs11-helper child, or -1. */
static pid_t
test_helper_pid(void)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	DIR *d = opendir("/proc");
	FILE *f;
	pid_t found = -1;
	int ppid;

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    strstr(buf, "(zsign-pkcs11-h") != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == getpid() &&
		    p[2] != 'Z')
			found = atoi(de->d_name);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* Wait until pid's state in /proc is state ('T' stopped, 'Z' dead). */
static void
test_helper_wait_state(pid_t pid, char state)
{
	char path[64], buf[512], *p;
	FILE *f;
	int waited;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (waited = 0; waited < TEST_RECOVER_MS; waited += 10) {
		p = NULL;
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), f) != NULL)
				p = strrchr(buf, ')');
			fclose(f);
			if (p != NULL && p[1] == ' ' && p[2] == state)
				return;
		}
		usleep(10000);
	}
	fail_msg("helper %d did not reach state %c", (int)pid, state);
}

/* Stop pid and wait until it is stopped: SIGSTOP takes effect later. */
static void
test_helper_stop(pid_t pid)
{
	assert_int_equal(kill(pid, SIGSTOP), 0);
	test_helper_wait_state(pid, 'T');
}

/*
 * Is thread tid of this process blocked in poll() for input, as
 * p11-proto.c waits for a reply once its request is written? The pollfd
 * is read from the thread's stack, which is ours.
 */
static int
test_thread_awaits_reply(pid_t tid)
{
	char path[64], line[256];
	unsigned long long addr;
	const struct pollfd *pfd;
	FILE *f;
	long nr;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL &&
	    sscanf(line, "%ld %llx", &nr, &addr) == 2 &&
	    (nr == SYS_poll || nr == SYS_ppoll) && addr != 0) {
		pfd = (const struct pollfd *)(uintptr_t)addr;
		r = (pfd->events & POLLIN) != 0;
	}
	fclose(f);
	return r;
}

/*
 * Wait until w's request is in the (stopped) helper's hands, not merely
 * about to go to a helper that may be a new one: it sits unread in one of
 * the helper's channels, fds P11_FD_BASE.. in it. Where pidfd_getfd() is
 * not allowed (no ptrace rights), the sign thread waiting for the reply
 * shows the same: the request was written before.
 */
static void
test_helper_wait_request(pid_t pid, struct worker *w)
{
	int pfd, fd, i, n, waited;

	if ((pfd = pidfd_open(pid, 0)) >= 0 &&
	    (fd = pidfd_getfd(pfd, P11_FD_BASE, 0)) >= 0)
		close(fd);
	else if (pfd >= 0) {
		close(pfd);
		pfd = -1;
	}
	for (waited = 0; waited < TEST_RECOVER_MS; waited += 10) {
		if (pfd < 0) {
			if (atomic_load(&w->tid) != 0 &&
			    test_thread_awaits_reply(atomic_load(&w->tid)))
				return;
			usleep(10000);
			continue;
		}
		for (i = P11_FD_BASE; (fd = pidfd_getfd(pfd, i, 0)) >= 0;
		    i++) {
			n = 0;
			assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
			close(fd);
			if (n > 0) {
				close(pfd);
				return;
			}
		}
		usleep(10000);
	}
	if (pfd >= 0)
		close(pfd);
	fail_msg("no request reached helper %d", (int)pid);
}

static void *
test_sign_thread(void *arg)
{
	struct worker *w = arg;
	struct zs_errbuf eb;

	atomic_store(&w->tid, (int)gettid());
	w->failures = test_sign_verify(w->key, w->alg, &eb);
	return NULL;
}

/* The helper's sign, in process, with a check that the signature verifies. */
static int
test_token_sign(struct p11_module *m, EVP_PKEY *pub, struct zs_errbuf *eb)
{
	uint8_t md[32], raw[P11_SIG_MAX], der[80], *p = der;
	size_t rawlen = 0;
	ECDSA_SIG *es;
	EVP_PKEY_CTX *c;
	int r, derlen, ok;

	assert_int_equal(RAND_bytes(md, sizeof(md)), 1);
	if ((r = p11_module_sign(m, 1, ZS_SIG_ECDSA_SHA256, md, sizeof(md), raw,
	    &rawlen, eb)) != 0)
		return r;
	assert_int_equal(rawlen, 64);
	es = ECDSA_SIG_new();
	assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL),
	    BN_bin2bn(raw + 32, 32, NULL)), 1);
	derlen = i2d_ECDSA_SIG(es, &p);
	ECDSA_SIG_free(es);
	c = EVP_PKEY_CTX_new(pub, NULL);
	ok = EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_verify(c, der,
	    (size_t)derlen, md, sizeof(md)) == 1;
	EVP_PKEY_CTX_free(c);
	assert_true(ok);
	return 0;
}

/*
 * The helper's recovery, driven in process: from outside the token code
 * (the same module instance) log the token out, close every session, and
 * finalize the module; each time the next sign must still work.
 */
static void
test_token_recovers(void **state)
{
	struct zs_errbuf eb;
	struct p11_module *m = NULL;
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slots[16], slot = 0;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 16, i;
	EVP_PKEY *pub;
	uint8_t pin[64], *spki = NULL;
	const uint8_t *sp;
	size_t pinlen, spkilen;
	uint8_t *pf;
	int found = 0;

	(void)state;
	NEED_SOFTHSM();
	assert_int_equal(zs_file_read(test_pinfile(), sizeof(pin), &pf,
	    &pinlen), 0);
	pinlen = strcspn((char *)pf, "\n");
	memcpy(pin, pf, pinlen);
	free(pf);
	assert_int_equal(p11_module_open(module, &m, &eb), 0);
	assert_int_equal(p11_module_load_key(m, 1, test_uri("ecdsa-p256",
	    test_pinfile()), pin, pinlen, &spki, &spkilen, &eb), 0);
	sp = spki;
	assert_non_null(pub = d2i_PUBKEY(NULL, &sp, (long)spkilen));
	free(spki);
	assert_int_equal(test_token_sign(m, pub, &eb), 0);
	/* The same library, so the same login state and sessions. */
	f = p11_kit_module_load(module, P11_KIT_MODULE_UNMANAGED);
	assert_non_null(f);
	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (i = 0; i < n; i++)
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    memcmp(ti.label, "zsign-test ", 11) == 0) {
			slot = slots[i];
			found = 1;
		}
	assert_true(found);
	assert_int_equal(f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL,
	    NULL, &s), CKR_OK);
	assert_int_equal(f->C_Logout(s), CKR_OK);
	if (test_token_sign(m, pub, &eb) != 0)
		fail_msg("after logout: %s", eb.msg);
	assert_int_equal(f->C_CloseAllSessions(slot), CKR_OK);
	if (test_token_sign(m, pub, &eb) != 0)
		fail_msg("after losing the sessions: %s", eb.msg);
	assert_int_equal(f->C_Finalize(NULL), CKR_OK);
	if (test_token_sign(m, pub, &eb) != 0)
		fail_msg("after C_Finalize: %s", eb.msg);
	p11_kit_module_release(f);
	EVP_PKEY_free(pub);
	p11_module_close(m);
}

static void
test_helper_killed(void **state)
{
	struct zs_errbuf eb;
	struct worker w;
	pthread_t t;
	pid_t pid, pid2;

	(void)state;
	NEED_SOFTHSM();
	w.key = test_load("ecdsa-p384");
	w.alg = ZS_SIG_ECDSA_SHA384;
	atomic_init(&w.tid, 0);
	assert_true((pid = test_helper_pid()) > 0);
	/* A request in flight when the helper dies goes to the next one. */
	test_helper_stop(pid);
	assert_int_equal(pthread_create(&t, NULL, test_sign_thread, &w), 0);
	test_helper_wait_request(pid, &w);
	assert_int_equal(kill(pid, SIGKILL), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.failures, 0);
	/* The helper was restarted and the key works again. */
	if (test_sign_until_ok(w.key, w.alg, &eb) != 0)
		fail_msg("no recovery after the helper died: %s", eb.msg);
	assert_true((pid2 = test_helper_pid()) > 0);
	assert_int_not_equal(pid, pid2);
	/* A helper that hangs is killed after the timeout and replaced. */
	test_helper_stop(pid2);
	assert_int_equal(test_sign_verify(w.key, w.alg, &eb),
	    ZS_ERR_UNAVAILABLE);
	assert_non_null(strstr(eb.msg, "restarted"));
	if (test_sign_until_ok(w.key, w.alg, &eb) != 0)
		fail_msg("no recovery after the helper hung: %s", eb.msg);
	assert_true((pid = test_helper_pid()) > 0);
	assert_int_not_equal(pid, pid2);
	pid2 = pid;
	/*
	 * A helper killed while idle is noticed and replaced by the next
	 * sign, which works: sent at once, while the helper may still be
	 * dying, and again once it is a zombie.
	 */
	assert_int_equal(kill(pid2, SIGKILL), 0);
	if (test_sign_verify(w.key, w.alg, &eb) != 0)
		fail_msg("the sign after the helper's kill failed: %s", eb.msg);
	assert_true((pid = test_helper_pid()) > 0);
	assert_int_not_equal(pid, pid2);
	pid2 = pid;
	assert_int_equal(kill(pid2, SIGKILL), 0);
	test_helper_wait_state(pid2, 'Z');
	if (test_sign_verify(w.key, w.alg, &eb) != 0)
		fail_msg("the sign after the idle helper died failed: %s",
		    eb.msg);
	assert_true(zs_key_available(w.key));
	zs_key_free(w.key);
	/* The last key gone, its helper is gone too. */
	assert_int_equal(test_helper_pid(), -1);
}

/* Encode m, check the frame header, decode the body back into *out. */
static int
test_roundtrip(const struct p11_msg *m, struct buf *b, struct p11_msg *out)
{
	struct zs_errbuf eb;
	size_t len;

	buf_reset(b);
	assert_int_equal(p11_msg_encode(m, b), 0);
	assert_int_equal(p11_frame_len(buf_ptr(b), &len), 0);
	assert_int_equal(len, buf_len(b) - 4);
	return p11_msg_decode(buf_ptr(b) + 4, len, out, &eb);
}

static void
test_proto_roundtrip(void **state)
{
	static const uint8_t pin[] = "1234", data[] = { 0, 1, 2, 0xff };
	static const char uri[] = "pkcs11:object=x", text[] = "no token";
	struct p11_msg msgs[5], d;
	struct buf *b = buf_new(0);
	size_t i;

	(void)state;
	memset(msgs, 0, sizeof(msgs));
	msgs[0].type = P11_MSG_LOAD;
	msgs[0].keyid = 0xdeadbeef;
	msgs[0].uri = uri;
	msgs[0].urilen = sizeof(uri) - 1;
	msgs[0].pin = pin;
	msgs[0].pinlen = 4;
	msgs[1].type = P11_MSG_SIGN;
	msgs[1].keyid = 7;
	msgs[1].alg = ZS_SIG_ED25519;
	msgs[1].data = data;
	msgs[1].datalen = sizeof(data);
	msgs[2].type = P11_MSG_STATUS;
	msgs[2].keyid = 1;
	msgs[3].type = P11_MSG_OK;
	msgs[4].type = P11_MSG_ERR;
	msgs[4].code = ZS_ERR_UNAVAILABLE;
	msgs[4].text = text;
	msgs[4].textlen = sizeof(text) - 1;
	for (i = 0; i < 5; i++) {
		assert_int_equal(test_roundtrip(&msgs[i], b, &d), 0);
		assert_int_equal(d.type, msgs[i].type);
		assert_int_equal(d.keyid, msgs[i].keyid);
		assert_int_equal(d.alg, msgs[i].alg);
		assert_int_equal(d.code, msgs[i].code);
		assert_int_equal(d.urilen, msgs[i].urilen);
		assert_int_equal(d.pinlen, msgs[i].pinlen);
		assert_int_equal(d.datalen, msgs[i].datalen);
		assert_int_equal(d.textlen, msgs[i].textlen);
		if (d.datalen > 0)
			assert_memory_equal(d.data, msgs[i].data, d.datalen);
		if (d.urilen > 0)
			assert_memory_equal(d.uri, msgs[i].uri, d.urilen);
	}
	buf_free(b);
}

/* Bodies the decoder must refuse, each for its own reason. */
static const struct badbody {
	const char	*what;
	const char	*hex;
} badbodies[] = {
	{ "empty", "" },
	{ "version", "0203" },
	{ "type", "0104" },
	{ "short keyid", "0103000001" },
	{ "trailing", "010300000001ff" },
	{ "alg", "0102000000010600000000" },
	{ "data cap", "01020000000100" "ffffffff" },
	{ "truncated data", "0102000000010000000005aabb" },
	{ "uri NUL", "0101000000010000000261000000000000" },
	{ "uri cap", "010100000001" "00001001" },
	{ "positive code", "0181000000010000000000" },
	{ "code range", "0181ffffff000000000000" },
	{ "text NUL", "0181ffffffff000000026100" },
};

static void
test_proto_refuses(void **state)
{
	struct zs_errbuf eb;
	struct p11_msg m;
	uint8_t body[64], hdr[4];
	size_t i, j, n;
	unsigned v;

	(void)state;
	for (i = 0; i < sizeof(badbodies) / sizeof(badbodies[0]); i++) {
		n = strlen(badbodies[i].hex) / 2;
		for (j = 0; j < n; j++) {
			sscanf(badbodies[i].hex + 2 * j, "%2x", &v);
			body[j] = (uint8_t)v;
		}
		if (p11_msg_decode(body, n, &m, &eb) != ZS_ERR_PROTOCOL)
			fail_msg("accepted bad body: %s", badbodies[i].what);
	}
	zs_set_u32(hdr, P11_FRAME_MAX + 1, 1);
	assert_int_equal(p11_frame_len(hdr, &n), ZS_ERR_PROTOCOL);
	zs_set_u32(hdr, 1, 1);
	assert_int_equal(p11_frame_len(hdr, &n), ZS_ERR_PROTOCOL);
}

static void
test_proto_socket(void **state)
{
	struct zs_errbuf eb;
	struct buf *b = buf_new(P11_FRAME_MAX), *f = buf_new(0);
	struct p11_msg m;
	uint8_t hdr[4];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&m, 0, sizeof(m));
	m.type = P11_MSG_STATUS;
	m.keyid = 3;
	assert_int_equal(p11_msg_encode(&m, f), 0);
	assert_int_equal(p11_frame_write(sv[0], f, 1000), 0);
	assert_int_equal(p11_frame_read(sv[1], 1000, b, &eb), 0);
	assert_int_equal(buf_len(b), buf_len(f) - 4);
	/* Nothing to read: the deadline holds. */
	assert_int_equal(p11_frame_read(sv[1], 50, b, &eb), ZS_ERR_IO);
	/* An oversized header is refused before anything is allocated. */
	zs_set_u32(hdr, 0xffffffff, 1);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(p11_frame_read(sv[1], 1000, b, &eb), ZS_ERR_PROTOCOL);
	/* A peer that goes away mid-frame is an I/O error. */
	zs_set_u32(hdr, 10, 1);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	close(sv[0]);
	assert_int_equal(p11_frame_read(sv[1], 1000, b, &eb), ZS_ERR_IO);
	close(sv[1]);
	buf_free(b);
	buf_free(f);
}

static int
test_setup(void **state)
{
	char cmd[1024], env[600], line[512];
	FILE *f;
	const char *bdir = getenv("ZS_TOP_BUILDDIR");
	size_t i;
	int have = 0;

	(void)state;
	/* Without softhsm2 the token tests are TAP skips, not failures. */
	for (i = 0; i < sizeof(softhsm_modules) / sizeof(softhsm_modules[0]);
	    i++)
		have |= access(softhsm_modules[i], R_OK) == 0;
	if (!have || system("command -v softhsm2-util >/dev/null 2>&1") != 0)
		return 0;
	if (zstest_mkdtemp(tokdir, sizeof(tokdir), "zs-p11-test") != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh '%s/scripts/softhsm-setup.sh' '%s'",
	    ZS_TOP_SRCDIR, tokdir);
	if (system(cmd) != 0)
		return -1;
	snprintf(env, sizeof(env), "%s/env", tokdir);
	if ((f = fopen(env, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "SOFTHSM2_CONF=", 14) == 0)
			setenv("SOFTHSM2_CONF", line + 14, 1);
		else if (strncmp(line, "ZS_P11_MODULE=", 14) == 0)
			snprintf(module, sizeof(module), "%.199s", line + 14);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/zsign-pkcs11-helper",
	    bdir != NULL ? bdir : ".");
	setenv("ZSIGN_PKCS11_HELPER", cmd, 0);
	/* Short enough for the hung-helper test, long enough for ASan. */
	setenv("ZSIGN_PKCS11_TIMEOUT_MS", "3000", 1);
	if (module[0] == '\0')
		return -1;
	have_softhsm = 1;
	return 0;
}

static int
test_teardown(void **state)
{
	char cmd[600];
	pid_t pid;

	(void)state;
	if (!have_softhsm)
		return 0;
	/* A failed test may leave its (stopped) helper behind. */
	while ((pid = test_helper_pid()) > 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tokdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_roundtrip),
		cmocka_unit_test(test_proto_refuses),
		cmocka_unit_test(test_proto_socket),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sign_all),
		cmocka_unit_test(test_ed25519_equals_pem),
		cmocka_unit_test(test_credential_pin),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_token_away),
		cmocka_unit_test(test_token_recovers),
		cmocka_unit_test(test_helper_killed),
	};

	return cmocka_run_group_tests(tests, test_setup, test_teardown);
}

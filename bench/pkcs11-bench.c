/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkcs11-bench [-t THREADS] [-n SIGNS] NAME=SPEC...: signs per second of
 * each key through the key store (zs_key_sign from THREADS threads), so
 * that token keys (through zsign-pkcs11-helper) and PEM keys compare
 * directly. bench/pkcs11.sh runs it on the SoftHSM test token.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "common/util.h"
#include "keystore/keystore.h"

/* Most threads and signs per key a run takes. */
#define BENCH_THREADS_MAX	64
#define BENCH_SIGNS_MAX		1000000

struct bench_job {
	struct zs_key	*key;
	enum zs_sigalg	 alg;
	unsigned long	 signs;
	int		 failed;
};

static const struct {
	enum zs_keytype	type;
	enum zs_sigalg	alg;
	size_t		tbslen;
} bench_algs[] = {
	{ ZS_KEY_RSA, ZS_SIG_RSA_PSS_SHA256, 32 },
	{ ZS_KEY_EC_P256, ZS_SIG_ECDSA_SHA256, 32 },
	{ ZS_KEY_EC_P384, ZS_SIG_ECDSA_SHA384, 48 },
	{ ZS_KEY_ED25519, ZS_SIG_ED25519, 32 },
};

static void *
bench_worker(void *arg)
{
	struct bench_job *j = arg;
	struct zs_errbuf eb;
	uint8_t tbs[SHA384_DIGEST_LENGTH], *sig;
	size_t siglen, i, tbslen = 32;
	unsigned long n;

	for (i = 0; i < sizeof(bench_algs) / sizeof(bench_algs[0]); i++)
		if (bench_algs[i].alg == j->alg)
			tbslen = bench_algs[i].tbslen;
	SHA384((const uint8_t *)"bench", 5, tbs);
	for (n = 0; n < j->signs; n++) {
		if (zs_key_sign(j->key, j->alg, tbs, tbslen, &sig, &siglen,
		    &eb) != 0) {
			fprintf(stderr, "pkcs11-bench: %s\n", eb.msg);
			j->failed = 1;
			return NULL;
		}
		free(sig);
	}
	return NULL;
}

/* Sign signs times with key from threads threads; print one line. */
static int
bench_key(struct zs_key *key, unsigned long threads, unsigned long signs)
{
	struct bench_job jobs[BENCH_THREADS_MAX];
	pthread_t t[BENCH_THREADS_MAX];
	struct timespec t0, t1;
	enum zs_sigalg alg = ZS_SIG_ED25519;
	double secs;
	unsigned long i;
	int failed = 0;

	for (i = 0; i < sizeof(bench_algs) / sizeof(bench_algs[0]); i++)
		if (bench_algs[i].type == zs_key_type(key))
			alg = bench_algs[i].alg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < threads; i++) {
		jobs[i].key = key;
		jobs[i].alg = alg;
		jobs[i].signs = signs / threads + (i < signs % threads);
		jobs[i].failed = 0;
		if (pthread_create(&t[i], NULL, bench_worker, &jobs[i]) != 0)
			return -1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed |= jobs[i].failed;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (failed)
		return -1;
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%-20s %-7s %-11s %2lu threads %7lu signs %9.1f signs/s\n",
	    zs_key_name(key), zs_key_backend(key), zs_key_type_name(key),
	    threads, signs, (double)signs / secs);
	return 0;
}

int
main(int argc, char *argv[])
{
	unsigned long long threads = 1, signs = 200;
	struct zs_errbuf eb;
	struct zs_key *key;
	char name[ZS_KEYNAME_MAX], *eq;
	int ch, rc = 0;

	while ((ch = getopt(argc, argv, "t:n:")) != -1) {
		switch (ch) {
		case 't':
			if (zs_parse_uint(optarg, BENCH_THREADS_MAX,
			    &threads) != 0 || threads == 0)
				goto usage;
			break;
		case 'n':
			if (zs_parse_uint(optarg, BENCH_SIGNS_MAX,
			    &signs) != 0 || signs == 0)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind == argc)
		goto usage;
	for (; optind < argc; optind++) {
		if ((eq = strchr(argv[optind], '=')) == NULL ||
		    (size_t)(eq - argv[optind]) >= sizeof(name))
			goto usage;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[optind]),
		    argv[optind]);
		if (zs_key_load(name, eq + 1, NULL, &key, &eb) != 0) {
			fprintf(stderr, "pkcs11-bench: %s: %s\n", name, eb.msg);
			return 1;
		}
		if (bench_key(key, threads, signs) != 0)
			rc = 1;
		zs_key_free(key);
	}
	return rc;
 usage:
	fprintf(stderr, "usage: pkcs11-bench [-t THREADS] [-n SIGNS] "
	    "NAME=SPEC...\n");
	return 2;
}

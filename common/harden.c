/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keep secrets out of core files, ptrace and swap (OpenSSL's locked secure
 * heap holds private key numbers and PINs). Failures are logged, not fatal: an
 * unprivileged test run must still work, and the operator sees what
 * protection is missing.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "common/harden.h"

/*
 * OpenSSL secure heap (mlock'd, excluded from core dumps) for private key
 * numbers: 1 MiB holds the BIGNUMs of a few hundred RSA-4096 keys.
 */
#define HARDEN_SECURE_HEAP	(1u << 20)
/* Smallest secure-heap allocation unit. */
#define HARDEN_SECURE_MINSIZE	32

#if defined(__SANITIZE_ADDRESS__)
#define HARDEN_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARDEN_ASAN	1
#endif
#endif

void
harden_process(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		log_warn("prctl(PR_SET_DUMPABLE)");
	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		log_warn("setrlimit(RLIMIT_CORE)");
#ifndef HARDEN_ASAN
	if (CRYPTO_secure_malloc_init(HARDEN_SECURE_HEAP,
	    HARDEN_SECURE_MINSIZE) != 1)
		log_warnx("OpenSSL secure heap unavailable (RLIMIT_MEMLOCK?): "
		    "private key numbers may be swapped out");
#endif
}

/*
 * No mlockall(): it pinned every mapped library page and every request
 * buffer (VmLck was all of VmRSS, 11 MiB idle) to lock what the secure
 * heap already holds. Private key numbers (RSA, EC, Ed25519/X25519) live
 * in OpenSSL's secure heap, locked and cleared on free, including keys
 * loaded by a later reload, which MCL_CURRENT never covered; so do the
 * PKCS#11 PINs; key files' text and passphrases are zeroized as soon as
 * they are parsed.
 */
void
harden_lock_memory(void)
{
#ifdef HARDEN_ASAN
	/* ASan's shadow memory cannot be locked; say so rather than fail. */
	log_info("memory locking skipped in a sanitizer (ASan) build");
#else
	if (CRYPTO_secure_malloc_initialized() != 1) {
		log_warnx("OpenSSL secure heap unavailable: private key "
		    "numbers are not locked in memory");
		return;
	}
	log_info("private key numbers in the locked secure heap: %zu of %u "
	    "bytes in use", CRYPTO_secure_used(), HARDEN_SECURE_HEAP);
#endif
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keep private keys out of core files, ptrace and swap. Failures are
 * logged, not fatal: an unprivileged test run must still work, and the
 * operator sees what protection is missing.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "daemon/harden.h"

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

void
harden_lock_memory(void)
{
#ifdef HARDEN_ASAN
	/* ASan's shadow memory cannot be locked; say so rather than fail. */
	log_info("memory locking skipped in a sanitizer (ASan) build");
#else
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		/*
		 * MCL_FUTURE under a finite limit would make later large
		 * request buffers fail to map; lock what holds the keys now.
		 */
		if (mlockall(MCL_CURRENT) == -1)
			log_warnx("mlockall(MCL_CURRENT): %s; only the secure "
			    "heap is locked", strerror(errno));
		else
			log_debug("memory locked (MCL_CURRENT; RLIMIT_MEMLOCK "
			    "is finite, later mappings are not)");
		return;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		log_warnx("mlockall: %s; only the secure heap is locked",
		    strerror(errno));
#endif
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process hardening for the key holder: no core dumps, no ptrace by
 * same-uid processes, key memory kept out of swap where the system allows.
 */
#ifndef ZS_HARDEN_H
#define ZS_HARDEN_H

/* What harden_process() may lock into memory. */
enum harden_lock {
	HARDEN_LOCK_NONE,	/* secure heap and mlock skipped */
	HARDEN_LOCK_KEYS,	/* OpenSSL secure heap for private key numbers */
	HARDEN_LOCK_ALL,	/* also mlockall() where the limit allows */
};

/*
 * Make the process undumpable, set RLIMIT_CORE to 0 and lock memory as
 * asked, best effort with a logged warning for what the system refuses.
 * Call before private keys are loaded.
 */
void	harden_process(enum harden_lock lock);

#endif /* ZS_HARDEN_H */

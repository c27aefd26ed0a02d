/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process hardening for the key holder: no core dumps, no ptrace by
 * same-uid processes, key memory kept out of swap where the system allows.
 */
#ifndef ZS_HARDEN_H
#define ZS_HARDEN_H

/*
 * Make the process undumpable, set RLIMIT_CORE to 0 and set up OpenSSL's
 * locked secure heap for private key numbers. Call before keys are loaded.
 */
void	harden_process(void);
/*
 * Check that the loaded keys sit in the locked secure heap and log how
 * much of it they use (a warning when there is none). Call once the keys
 * are loaded.
 */
void	harden_lock_memory(void);

#endif /* ZS_HARDEN_H */

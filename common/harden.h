/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process hardening for zsignd, the key holder and the PKCS#11 helper: no
 * core dumps, no ptrace or /proc/PID/mem by same-uid processes, secrets
 * kept out of swap where the system allows.
 */
#ifndef ZS_HARDEN_H
#define ZS_HARDEN_H

/*
 * Make the process undumpable, set RLIMIT_CORE to 0 and set up OpenSSL's
 * locked secure heap for private key numbers. Call before keys are loaded.
 */
void	harden_process(void);
/*
 * Check that loaded keys sit in the locked secure heap and log how much
 * of it they use (a warning when there is none). The key holder calls it
 * once a key is loaded.
 */
void	harden_lock_memory(void);

#endif /* ZS_HARDEN_H */

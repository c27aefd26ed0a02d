/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PKCS#11 side of zsign-pkcs11-helper: one loaded module, its tokens
 * (a session pool and login state each) and the keys the daemon asked
 * for. Only the helper process links this in and calls it, so vendor
 * code never runs inside zsignd.
 */
#ifndef ZS_P11_TOKEN_H
#define ZS_P11_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"
#include "keystore/keystore.h"

struct p11_module;

/* Load and initialize the module at path (through p11-kit). */
int	p11_module_open(const char *path, struct p11_module **mp,
	    struct zs_errbuf *eb);
/* Close every session, finalize and unload the module; NULL is a no-op. */
void	p11_module_close(struct p11_module *m);
/*
 * Find the private key named by uri under keyid (loading an id again
 * refreshes it), log in with pin and return its public key as DER
 * SubjectPublicKeyInfo (*spkip malloc'd).
 */
int	p11_module_load_key(struct p11_module *m, uint32_t keyid,
	    const char *uri, const uint8_t *pin, size_t pinlen,
	    uint8_t **spkip, size_t *spkilenp, struct zs_errbuf *eb);
/*
 * Sign tbs with key keyid; sig gets the mechanism's raw output (r||s for
 * ECDSA). Lost sessions, logouts and re-inserted tokens are recovered.
 */
int	p11_module_sign(struct p11_module *m, uint32_t keyid,
	    enum zs_sigalg alg, const uint8_t *tbs, size_t tbslen,
	    uint8_t *sig, size_t *siglenp, struct zs_errbuf *eb);
/*
 * Make a new key pair of type (bits for RSA) on the token uri names, with
 * the label of its object= and a random CKA_ID: the private key sensitive
 * and never extractable. Returns its public key as DER
 * SubjectPublicKeyInfo (*spkip malloc'd); a label already in use is
 * ZS_ERR_INVALID.
 */
int	p11_module_generate(struct p11_module *m, const char *uri,
	    enum zs_keytype type, int bits, const uint8_t *pin, size_t pinlen,
	    uint8_t **spkip, size_t *spkilenp, struct zs_errbuf *eb);
/* Is key keyid's token present and logged in (recovering if it can)? */
int	p11_module_status(struct p11_module *m, uint32_t keyid,
	    struct zs_errbuf *eb);

#endif /* ZS_P11_TOKEN_H */

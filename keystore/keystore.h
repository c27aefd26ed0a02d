/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key stores hold private keys and sign; they know no image formats.
 * Signers see a struct zs_key: its type, its public key and one sign
 * operation. Backends (PEM files, PKCS#11 tokens) sit behind one ops table.
 */
#ifndef ZS_KEYSTORE_H
#define ZS_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/zserr.h"

/* Longest key name. */
#define ZS_KEYNAME_MAX		64
/* Most keys one daemon holds. */
#define ZS_KEYRING_MAX		256
/* Largest signature any backend returns (RSA-4096 = 512 bytes). */
#define ZS_SIG_MAX		1024
/* Fingerprint text: "SHA256:" + 64 hex digits + NUL. */
#define ZS_FP_LEN		72

enum zs_keytype {
	ZS_KEY_RSA,		/* any modulus size; see zs_key_bits() */
	ZS_KEY_EC_P256,
	ZS_KEY_EC_P384,
	ZS_KEY_ED25519,
	ZS_KEY_X25519,		/* encryption only; cannot sign */
};

/*
 * What zs_key_sign() computes. For the RSA and ECDSA algorithms tbs is the
 * already computed digest of the named hash; for Ed25519 tbs is the
 * message itself (imgtool signs either the digest bytes or the whole image
 * as the Ed25519 message).
 */
enum zs_sigalg {
	ZS_SIG_RSA_PSS_SHA256,		/* salt 32, MGF1 same hash */
	ZS_SIG_RSA_PSS_SHA384,		/* salt 32, MGF1 same hash */
	ZS_SIG_RSA_PKCS1_SHA256,
	ZS_SIG_ECDSA_SHA256,		/* output: DER SEQUENCE { r, s } */
	ZS_SIG_ECDSA_SHA384,		/* output: DER SEQUENCE { r, s } */
	ZS_SIG_ED25519,			/* RFC 8032 pure Ed25519 of tbs */
};

struct zs_key;

struct keystore_ops {
	const char	*name;		/* "file", "pkcs11" */
	/* Does this backend take spec (a path or a URI)? */
	int		(*match)(const char *spec);
	/* Load the key named by spec; passfile may name a passphrase/PIN file. */
	int		(*load)(const char *spec, const char *passfile,
			    void **privp, EVP_PKEY **pubp, struct zs_errbuf *eb);
	int		(*sign)(void *priv, enum zs_sigalg alg,
			    const uint8_t *tbs, size_t tbslen,
			    uint8_t *sig, size_t *siglenp, struct zs_errbuf *eb);
	/* Is the backend able to sign now (token present, helper alive)? */
	int		(*available)(void *priv);
	/*
	 * The same by what is known now, never waiting for a helper (event
	 * loop); NULL: available() never waits.
	 */
	int		(*status)(void *priv);
	/*
	 * Make a new key of type (bits for RSA) at spec, never overwriting
	 * one; its public key in *pubp. NULL: the backend makes no keys.
	 */
	int		(*generate)(const char *spec, enum zs_keytype type,
			    int bits, const char *passfile, EVP_PKEY **pubp,
			    struct zs_errbuf *eb);
	/* Where the key lives, for operators (e.g. its token); may be NULL. */
	const char	*(*location)(void *priv);
	void		(*free)(void *priv);
};

extern const struct keystore_ops keystore_file_ops;
extern const struct keystore_ops keystore_pkcs11_ops;
extern const struct keystore_ops keystore_holder_ops;

/*
 * With on set, open every key loaded from now on in the key holder process
 * (zsign-keyholder): this process keeps public keys only. zsignd sets it
 * before its first key; the holder itself and offline tools keep the
 * stores in-process.
 */
void		 keystore_use_holder(int on);

/* Load a key from spec (PEM path or pkcs11: URI) under name. */
int		 zs_key_load(const char *name, const char *spec,
		    const char *passfile, struct zs_key **keyp,
		    struct zs_errbuf *eb);
/*
 * Make a new key of the named type ("ed25519", "ecdsa-p256",
 * "ecdsa-p384", "rsa-2048", "rsa-3072") at spec (a new PEM file, mode
 * 0600, PKCS#8, encrypted under passfile's first line when given; or a
 * pkcs11: URI, passfile then holding the PIN); *pubp gets its public key.
 */
int		 zs_key_generate(const char *type, const char *spec,
		    const char *passfile, EVP_PKEY **pubp,
		    struct zs_errbuf *eb);
/* Free a key and zeroize its private part; NULL is a no-op. */
void		 zs_key_free(struct zs_key *key);
/* Take a reference (keys are shared between a keyring and in-flight work). */
struct zs_key	*zs_key_ref(struct zs_key *key);
const char	*zs_key_name(const struct zs_key *key);
/* The backend name, "file" or "pkcs11". */
const char	*zs_key_backend(const struct zs_key *key);
enum zs_keytype	 zs_key_type(const struct zs_key *key);
/* Modulus or curve size in bits. */
int		 zs_key_bits(const struct zs_key *key);
/* The public key (borrowed; lives as long as the key). */
EVP_PKEY	*zs_key_public(const struct zs_key *key);
/* "SHA256:<hex>" of the DER SubjectPublicKeyInfo (borrowed). */
const char	*zs_key_fingerprint(const struct zs_key *key);
/* Is the key usable right now? May ask its helper (and wait for it). */
int		 zs_key_available(const struct zs_key *key);
/*
 * Is the key usable, by what is known now? Never waits (the event loop's
 * question): a helper is asked in the background, and one that does not
 * answer in time shows its keys as unavailable.
 */
int		 zs_key_status(const struct zs_key *key);
/* Where the key lives ("pkcs11:token=...;object=..."), or NULL for files. */
const char	*zs_key_location(const struct zs_key *key);
/* Sign tbs with alg; *sigp is malloc'd, *siglenp its length. */
int		 zs_key_sign(struct zs_key *key, enum zs_sigalg alg,
		    const uint8_t *tbs, size_t tbslen, uint8_t **sigp,
		    size_t *siglenp, struct zs_errbuf *eb);
/*
 * Limit when key may sign to [not_before, not_after); 0 leaves that side
 * open. Set once, before the key is shared.
 */
void		 zs_key_set_validity(struct zs_key *key, time_t not_before,
		    time_t not_after);
/*
 * Retire key (an earlier version, "NAME@VERSION"): it still serves its
 * public key but signs no more; successor names the current version.
 */
void		 zs_key_set_retired(struct zs_key *key, const char *successor);
/* The current version that replaced key, or NULL while it is current. */
const char	*zs_key_successor(const struct zs_key *key);
/* The end of key's validity, 0 when it has none. */
time_t		 zs_key_not_after(const struct zs_key *key);
/* May key sign at now? ZS_ERR_DENIED naming the window when not. */
int		 zs_key_check_validity(const struct zs_key *key, time_t now,
		    struct zs_errbuf *eb);
/* Short type name ("rsa-3072", "ecdsa-p256", "ed25519", "x25519"). */
const char	*zs_key_type_name(const struct zs_key *key);

/* Classify a public key; returns ZS_ERR_KEY for unsupported types. */
int		 zs_pkey_type(EVP_PKEY *pkey, enum zs_keytype *typep);
/* Write "SHA256:<hex>" of the key's SubjectPublicKeyInfo to fp. */
int		 zs_pkey_fingerprint(EVP_PKEY *pkey, char fp[ZS_FP_LEN]);
/* Load a public key from PEM or DER bytes (private PEMs yield their public half). */
int		 zs_pkey_from_pem(const uint8_t *pem, size_t len,
		    EVP_PKEY **pkeyp, struct zs_errbuf *eb);

struct keyring;

/* Make an empty keyring. */
struct keyring	*keyring_new(void);
/* Free the keyring and drop its references to keys. */
void		 keyring_free(struct keyring *kr);
/* Add key (the ring takes the caller's reference); names must be unique. */
int		 keyring_add(struct keyring *kr, struct zs_key *key);
/* Find a key by name (borrowed). */
struct zs_key	*keyring_find(const struct keyring *kr, const char *name);
/* Find a key by "SHA256:<hex>" fingerprint (borrowed). */
struct zs_key	*keyring_find_fp(const struct keyring *kr, const char *fp);
size_t		 keyring_count(const struct keyring *kr);
/* The i-th key (borrowed). */
struct zs_key	*keyring_at(const struct keyring *kr, size_t i);

#endif /* ZS_KEYSTORE_H */

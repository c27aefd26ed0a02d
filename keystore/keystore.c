/* SPDX-License-Identifier: Apache-2.0 */
/* The key abstraction over the backends, the keyring, and public-key helpers. */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/keystore.h"

struct zs_key {
	atomic_int			 refs;
	char				*name;
	const struct keystore_ops	*ops;
	const char			*backend;	/* where it lives */
	void				*priv;
	EVP_PKEY			*pub;
	enum zs_keytype			 type;
	int				 bits;
	char				 fp[ZS_FP_LEN];
	time_t				 not_before;	/* 0: none */
	time_t				 not_after;	/* 0: none */
	char				*successor;	/* retired: current version */
};

/* Backends in lookup order; the file store takes anything the others don't. */
static const struct keystore_ops *backends[] = {
	&keystore_pkcs11_ops,
	&keystore_file_ops,
	NULL
};

/* The key types zsignd --generate-key makes. */
static const struct {
	const char	*name;
	enum zs_keytype	 type;
	int		 bits;
} keygen_types[] = {
	{ "ed25519", ZS_KEY_ED25519, 255 },
	{ "ecdsa-p256", ZS_KEY_EC_P256, 256 },
	{ "ecdsa-p384", ZS_KEY_EC_P384, 384 },
	{ "rsa-2048", ZS_KEY_RSA, 2048 },
	{ "rsa-3072", ZS_KEY_RSA, 3072 },
};

int
zs_key_generate(const char *type, const char *spec, const char *passfile,
    EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	const struct keystore_ops *ops = NULL;
	size_t i, b;

	for (i = 0; i < sizeof(keygen_types) / sizeof(keygen_types[0]); i++)
		if (strcmp(type, keygen_types[i].name) == 0)
			break;
	if (i == sizeof(keygen_types) / sizeof(keygen_types[0]))
		return zs_errf(eb, ZS_ERR_USAGE, "unknown key type \"%s\" "
		    "(ed25519, ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072)",
		    type);
	for (b = 0; backends[b] != NULL && ops == NULL; b++)
		if (backends[b]->match(spec))
			ops = backends[b];
	if (ops == NULL || ops->generate == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "%s: no key store makes keys "
		    "there", spec);
	return ops->generate(spec, keygen_types[i].type, keygen_types[i].bits,
	    passfile, pubp, eb);
}

/* Set by keystore_use_holder(): keys are opened in the key holder. */
static int keystore_remote;

void
keystore_use_holder(int on)
{
	keystore_remote = on;
}

int
zs_pkey_type(EVP_PKEY *pkey, enum zs_keytype *typep)
{
	char group[64];
	size_t glen;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		*typep = ZS_KEY_RSA;
		return 0;
	case EVP_PKEY_ED25519:
		*typep = ZS_KEY_ED25519;
		return 0;
	case EVP_PKEY_X25519:
		*typep = ZS_KEY_X25519;
		return 0;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(pkey,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &glen))
			return ZS_ERR_KEY;
		if (strcmp(group, "prime256v1") == 0) {
			*typep = ZS_KEY_EC_P256;
			return 0;
		}
		if (strcmp(group, "secp384r1") == 0) {
			*typep = ZS_KEY_EC_P384;
			return 0;
		}
		return ZS_ERR_KEY;
	default:
		return ZS_ERR_KEY;
	}
}

int
zs_pkey_fingerprint(EVP_PKEY *pkey, char fp[ZS_FP_LEN])
{
	unsigned char *der = NULL;
	char hex[65];
	int len;

	if ((len = i2d_PUBKEY(pkey, &der)) <= 0)
		return ZS_ERR_CRYPTO;
	zs_sha256_hex(der, (size_t)len, hex);
	OPENSSL_free(der);
	snprintf(fp, ZS_FP_LEN, "SHA256:%s", hex);
	return 0;
}

int
zs_pkey_from_pem(const uint8_t *pem, size_t len, EVP_PKEY **pkeyp,
    struct zs_errbuf *eb)
{
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	const unsigned char *p = pem;
	int r = ZS_ERR_KEY;

	if (len > INT32_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "key file too large");
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (pk == NULL) {
		/* A private PEM also names its public key; no passphrase. */
		(void)BIO_reset(bio);
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	}
	if (pk == NULL)
		pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (pk == NULL) {
		zs_errf(eb, ZS_ERR_KEY, "not a supported PEM key");
		goto out;
	}
	*pkeyp = pk;
	pk = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return r;
}

int
zs_key_load(const char *name, const char *spec, const char *passfile,
    struct zs_key **keyp, struct zs_errbuf *eb)
{
	const struct keystore_ops *ops = NULL;
	struct zs_key *key = NULL;
	void *priv = NULL;
	EVP_PKEY *pub = NULL;
	size_t i;
	int r;

	if (name[0] == '\0' || strlen(name) >= ZS_KEYNAME_MAX)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "key name must be 1 to %d characters", ZS_KEYNAME_MAX - 1);
	for (i = 0; backends[i] != NULL; i++) {
		if (backends[i]->match(spec)) {
			ops = backends[i];
			break;
		}
	}
	if (ops == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: no key store for this "
		    "key (is PKCS#11 support built in?)", spec);
	key = xcalloc(1, sizeof(*key));
	atomic_init(&key->refs, 1);
	key->name = xstrdup(name);
	key->backend = ops->name;
	if (keystore_remote)
		ops = &keystore_holder_ops;
	if ((r = ops->load(spec, passfile, &priv, &pub, eb)) != 0)
		goto fail;
	key->ops = ops;
	key->priv = priv;
	key->pub = pub;
	key->bits = EVP_PKEY_get_bits(pub);
	if ((r = zs_pkey_type(pub, &key->type)) != 0) {
		zs_errf(eb, r, "%s: unsupported key type", spec);
		goto fail;
	}
	if ((r = zs_pkey_fingerprint(pub, key->fp)) != 0) {
		zs_errf(eb, r, "%s: cannot encode public key", spec);
		goto fail;
	}
	*keyp = key;
	return 0;
 fail:
	zs_key_free(key);
	return r;
}

struct zs_key *
zs_key_ref(struct zs_key *key)
{
	atomic_fetch_add(&key->refs, 1);
	return key;
}

void
zs_key_free(struct zs_key *key)
{
	if (key == NULL || atomic_fetch_sub(&key->refs, 1) != 1)
		return;
	if (key->priv != NULL)
		key->ops->free(key->priv);
	EVP_PKEY_free(key->pub);
	free(key->name);
	free(key->successor);
	free(key);
}

const char *
zs_key_name(const struct zs_key *key)
{
	return key->name;
}

const char *
zs_key_backend(const struct zs_key *key)
{
	return key->backend;
}

enum zs_keytype
zs_key_type(const struct zs_key *key)
{
	return key->type;
}

int
zs_key_bits(const struct zs_key *key)
{
	return key->bits;
}

EVP_PKEY *
zs_key_public(const struct zs_key *key)
{
	return key->pub;
}

const char *
zs_key_fingerprint(const struct zs_key *key)
{
	return key->fp;
}

int
zs_key_available(const struct zs_key *key)
{
	return key->ops->available == NULL || key->ops->available(key->priv);
}

int
zs_key_status(const struct zs_key *key)
{
	if (key->ops->status == NULL)
		return zs_key_available(key);
	return key->ops->status(key->priv);
}

const char *
zs_key_location(const struct zs_key *key)
{
	return key->ops->location == NULL ? NULL :
	    key->ops->location(key->priv);
}

void
zs_key_set_validity(struct zs_key *key, time_t not_before, time_t not_after)
{
	key->not_before = not_before;
	key->not_after = not_after;
}

void
zs_key_set_retired(struct zs_key *key, const char *successor)
{
	free(key->successor);
	key->successor = xstrdup(successor);
}

const char *
zs_key_successor(const struct zs_key *key)
{
	return key->successor;
}

time_t
zs_key_not_after(const struct zs_key *key)
{
	return key->not_after;
}

int
zs_key_check_validity(const struct zs_key *key, time_t now,
    struct zs_errbuf *eb)
{
	char nb[ZS_RFC3339_LEN] = "", na[ZS_RFC3339_LEN] = "";

	if (key->successor != NULL)
		return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" is an earlier "
		    "version (the current one is %.*s@%s): it serves its public "
		    "key for verifying, and signs no more", key->name,
		    (int)strcspn(key->name, "@"), key->name, key->successor);
	if ((key->not_before == 0 || now >= key->not_before) &&
	    (key->not_after == 0 || now < key->not_after))
		return 0;
	if (key->not_before != 0)
		zs_format_rfc3339(key->not_before, nb);
	if (key->not_after != 0)
		zs_format_rfc3339(key->not_after, na);
	/* The window as configured: "from A until B", either side may be open. */
	return zs_errf(eb, ZS_ERR_DENIED, "key \"%s\" %s: it may sign%s%s%s%s",
	    key->name, key->not_after != 0 && now >= key->not_after ?
	    "has expired" : "is not valid yet", nb[0] ? " from " : "", nb,
	    na[0] ? " until " : "", na);
}

const char *
zs_key_type_name(const struct zs_key *key)
{
	switch (key->type) {
	case ZS_KEY_RSA:
		return key->bits == 2048 ? "rsa-2048" :
		    key->bits == 3072 ? "rsa-3072" :
		    key->bits == 4096 ? "rsa-4096" : "rsa";
	case ZS_KEY_EC_P256:
		return "ecdsa-p256";
	case ZS_KEY_EC_P384:
		return "ecdsa-p384";
	case ZS_KEY_ED25519:
		return "ed25519";
	case ZS_KEY_X25519:
		return "x25519";
	}
	return "unknown";
}

int
zs_key_sign(struct zs_key *key, enum zs_sigalg alg, const uint8_t *tbs,
    size_t tbslen, uint8_t **sigp, size_t *siglenp, struct zs_errbuf *eb)
{
	uint8_t *sig;
	size_t siglen = ZS_SIG_MAX;
	int ok, r;

	switch (alg) {
	case ZS_SIG_RSA_PSS_SHA256:
	case ZS_SIG_RSA_PSS_SHA384:
	case ZS_SIG_RSA_PKCS1_SHA256:
		ok = key->type == ZS_KEY_RSA;
		break;
	case ZS_SIG_ECDSA_SHA256:
		ok = key->type == ZS_KEY_EC_P256;
		break;
	case ZS_SIG_ECDSA_SHA384:
		ok = key->type == ZS_KEY_EC_P384;
		break;
	case ZS_SIG_ED25519:
		ok = key->type == ZS_KEY_ED25519;
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok)
		return zs_errf(eb, ZS_ERR_KEY, "key %s (%s) cannot make this "
		    "kind of signature", key->name, zs_key_type_name(key));
	sig = xmalloc(ZS_SIG_MAX);
	if ((r = key->ops->sign(key->priv, alg, tbs, tbslen, sig, &siglen,
	    eb)) != 0) {
		free(sig);
		return r;
	}
	*sigp = sig;
	*siglenp = siglen;
	return 0;
}

struct keyring {
	struct zs_key	*keys[ZS_KEYRING_MAX];
	size_t		 n;
};

struct keyring *
keyring_new(void)
{
	return xcalloc(1, sizeof(struct keyring));
}

void
keyring_free(struct keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++)
		zs_key_free(kr->keys[i]);
	free(kr);
}

int
keyring_add(struct keyring *kr, struct zs_key *key)
{
	if (keyring_find(kr, key->name) != NULL)
		return ZS_ERR_INVALID;
	if (kr->n == ZS_KEYRING_MAX)
		return ZS_ERR_TOO_LARGE;
	kr->keys[kr->n++] = key;
	return 0;
}

struct zs_key *
keyring_find(const struct keyring *kr, const char *name)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i]->name, name) == 0)
			return kr->keys[i];
	return NULL;
}

struct zs_key *
keyring_find_fp(const struct keyring *kr, const char *fp)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i]->fp, fp) == 0)
			return kr->keys[i];
	return NULL;
}

size_t
keyring_count(const struct keyring *kr)
{
	return kr->n;
}

struct zs_key *
keyring_at(const struct keyring *kr, size_t i)
{
	return i < kr->n ? kr->keys[i] : NULL;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM key files: PKCS#8, PKCS#1 and SEC1, optionally encrypted with a
 * passphrase read from a file. The private key lives in OpenSSL's
 * (zeroizing) key object and never leaves this file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/keystore.h"

/* Largest PEM key file accepted. */
#define KEYFILE_MAX		(64 * 1024)
/* Longest passphrase read from a passphrase file. */
#define PASSPHRASE_MAX		1024

struct filekey {
	EVP_PKEY	*pkey;
};

struct passctx {
	const char	*path;
	int		 failed;
};

static int
file_match(const char *spec)
{
	return strncmp(spec, "pkcs11:", 7) != 0;
}

/* PEM password callback: the first line of the passphrase file. */
static int
file_passcb(char *out, int size, int rwflag, void *arg)
{
	struct passctx *pc = arg;
	uint8_t *data = NULL;
	size_t len, n;

	(void)rwflag;
	if (pc->path == NULL) {
		pc->failed = 1;
		return -1;
	}
	if (zs_file_read(pc->path, PASSPHRASE_MAX, &data, &len) != 0) {
		pc->failed = 1;
		return -1;
	}
	for (n = 0; n < len && data[n] != '\n' && data[n] != '\r'; n++)
		;
	if (n > (size_t)size) {
		freezero(data, len);
		return -1;
	}
	memcpy(out, data, n);
	freezero(data, len);
	return (int)n;
}

/*
 * Password callback that has none: without one OpenSSL's default prompts
 * on the terminal (and reads stdin), which would stall the daemon.
 */
static int
file_nopasscb(char *out, int size, int rwflag, void *arg)
{
	return -1;
}

static int
file_load(const char *spec, const char *passfile, void **privp,
    EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	struct passctx pc = { passfile, 0 };
	struct filekey *fk = NULL;
	uint8_t *data = NULL, *der = NULL;
	const unsigned char *p;
	EVP_PKEY *pkey = NULL, *pub = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	int derlen, r;

	if ((r = zs_file_read(spec, KEYFILE_MAX, &data, &len)) != 0) {
		zs_errf(eb, r, "%s: cannot read key file (%s)", spec,
		    zs_strerror(r));
		goto out;
	}
	r = ZS_ERR_KEY;
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		goto out;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, file_passcb, &pc);
	if (pkey == NULL) {
		ERR_clear_error();
		(void)BIO_reset(bio);
		if ((pub = PEM_read_bio_PUBKEY(bio, NULL, file_nopasscb,
		    NULL)) != NULL)
			zs_errf(eb, ZS_ERR_KEY, "%s: Cannot sign with a "
			    "public-only PEM; signing requires the private "
			    "key.", spec);
		else if (strstr((char *)data, "ENCRYPTED") != NULL)
			zs_errf(eb, ZS_ERR_KEY, "%s: cannot decrypt the key "
			    "(%s)", spec, passfile == NULL ?
			    "no passphrase file given" : "wrong passphrase");
		else
			zs_errf(eb, ZS_ERR_KEY, "%s: not a PEM private key",
			    spec);
		goto out;
	}
	/* Keep a public-only copy for the signers. */
	if ((derlen = i2d_PUBKEY(pkey, &der)) <= 0) {
		zs_errf(eb, ZS_ERR_CRYPTO, "%s: cannot encode public key", spec);
		goto out;
	}
	p = der;
	if ((pub = d2i_PUBKEY(NULL, &p, derlen)) == NULL) {
		zs_errf(eb, ZS_ERR_CRYPTO, "%s: cannot decode public key", spec);
		goto out;
	}
	fk = xcalloc(1, sizeof(*fk));
	fk->pkey = pkey;
	pkey = NULL;
	*privp = fk;
	*pubp = pub;
	pub = NULL;
	r = 0;
 out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	freezero(data, len);
	return r;
}

static int
file_sign(void *priv, enum zs_sigalg alg, const uint8_t *tbs, size_t tbslen,
    uint8_t *sig, size_t *siglenp, struct zs_errbuf *eb)
{
	struct filekey *fk = priv;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	const EVP_MD *md = NULL;
	int pad = 0, r = ZS_ERR_CRYPTO;

	switch (alg) {
	case ZS_SIG_ED25519:
		if ((mctx = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestSignInit(mctx, NULL, NULL, NULL, fk->pkey) != 1 ||
		    EVP_DigestSign(mctx, sig, siglenp, tbs, tbslen) != 1)
			goto fail;
		r = 0;
		goto out;
	case ZS_SIG_RSA_PSS_SHA256:
		md = EVP_sha256();
		pad = RSA_PKCS1_PSS_PADDING;
		break;
	case ZS_SIG_RSA_PSS_SHA384:
		md = EVP_sha384();
		pad = RSA_PKCS1_PSS_PADDING;
		break;
	case ZS_SIG_RSA_PKCS1_SHA256:
		md = EVP_sha256();
		pad = RSA_PKCS1_PADDING;
		break;
	case ZS_SIG_ECDSA_SHA256:
		md = EVP_sha256();
		break;
	case ZS_SIG_ECDSA_SHA384:
		md = EVP_sha384();
		break;
	}
	if ((size_t)EVP_MD_get_size(md) != tbslen) {
		r = zs_errf(eb, ZS_ERR_INVALID, "digest length mismatch");
		goto out;
	}
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, fk->pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(pctx, md) != 1)
		goto fail;
	if (pad != 0 && EVP_PKEY_CTX_set_rsa_padding(pctx, pad) != 1)
		goto fail;
	if (pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
		goto fail;
	if (EVP_PKEY_sign(pctx, sig, siglenp, tbs, tbslen) != 1)
		goto fail;
	r = 0;
	goto out;
 fail:
	zs_errf(eb, ZS_ERR_CRYPTO, "signing failed: %s",
	    ERR_reason_error_string(ERR_peek_last_error()) ?
	    ERR_reason_error_string(ERR_peek_last_error()) : "unknown");
 out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(pctx);
	EVP_MD_CTX_free(mctx);
	return r;
}

static void
file_free(void *priv)
{
	struct filekey *fk = priv;

	EVP_PKEY_free(fk->pkey);
	free(fk);
}

/*
 * A new PEM file: created with O_EXCL at mode 0600 (never replacing a
 * key), PKCS#8, AES-256-CBC under the passphrase when one is given.
 */
static int
file_generate(const char *path, enum zs_keytype type, int bits,
    const char *passfile, EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	struct passctx pc = { passfile, 0 };
	EVP_PKEY *pkey = NULL, *pub = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	char pass[PASSPHRASE_MAX];
	FILE *f = NULL;
	int fd = -1, passlen = 0, derlen, r = ZS_ERR_CRYPTO;

	if (passfile != NULL && ((passlen = file_passcb(pass, sizeof(pass),
	    1, &pc)) <= 0 || pc.failed))
		return zs_errf(eb, ZS_ERR_USAGE, "passphrase file %s: cannot "
		    "read a passphrase from its first line", passfile);
	switch (type) {
	case ZS_KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case ZS_KEY_EC_P256:
	case ZS_KEY_EC_P384:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
		    type == ZS_KEY_EC_P256 ? "P-256" : "P-384");
		break;
	case ZS_KEY_RSA:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
		break;
	default:
		break;
	}
	if (pkey == NULL) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "key generation failed");
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		r = zs_errf(eb, ZS_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (!PEM_write_PKCS8PrivateKey(f, pkey, passlen > 0 ?
	    EVP_aes_256_cbc() : NULL, passlen > 0 ? pass : NULL, passlen,
	    NULL, NULL) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		r = zs_errf(eb, ZS_ERR_IO, "%s: cannot write the key", path);
		goto fail;
	}
	/* Hand out a public-only copy: the private key stays here. */
	if ((derlen = i2d_PUBKEY(pkey, &der)) <= 0 ||
	    (p = der, pub = d2i_PUBKEY(NULL, &p, derlen)) == NULL) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "cannot encode the public key");
		goto fail;
	}
	*pubp = pub;
	pub = NULL;
	r = 0;
	goto out;
 fail:
	/* Never leave a partial key file behind. */
	(void)unlink(path);
 out:
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(pkey);
	return r;
}

const struct keystore_ops keystore_file_ops = {
	.name = "file",
	.match = file_match,
	.load = file_load,
	.generate = file_generate,
	.sign = file_sign,
	.available = NULL,
	.free = file_free,
};

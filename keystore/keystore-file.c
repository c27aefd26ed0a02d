/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM key files: PKCS#8, PKCS#1 and SEC1, optionally encrypted with a
 * passphrase read from a file. The private key lives in OpenSSL's
 * (zeroizing) key object and never leaves this file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

const struct keystore_ops keystore_file_ops = {
	.name = "file",
	.match = file_match,
	.load = file_load,
	.sign = file_sign,
	.available = NULL,
	.free = file_free,
};

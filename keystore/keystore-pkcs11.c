/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 keys named by RFC 7512 URIs. The key holder never loads vendor
 * code: each module runs in a zsign-pkcs11-helper child (keystore/helper.c)
 * that gets the PIN and logs in; a helper that dies or hangs is killed,
 * reported and started again.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/uri.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/helper.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"

/* Channels (and helper threads) per module: signs one module runs at once. */
#define P11_CHANNELS		4
/*
 * zs_key_available() is asked before every sign and by health checks on the
 * event loop: it answers from the last outcome if younger than this, and
 * asks the helper at most that often, without waiting for a busy channel.
 */
#define P11_STATUS_TTL_MS	1000
/* Longest a status question may take (a helper slower than that is hung). */
#define P11_STATUS_TIMEOUT_MS	5000
/* Largest PIN file read (the PIN is its first line). */
#define P11_PINFILE_MAX		4096

static const struct helper_prog p11_prog = {
	.name = "zsign-pkcs11-helper",
	.env = "ZSIGN_PKCS11_HELPER",
	.what = "PKCS#11 helper",
	.nchan = P11_CHANNELS,
};

struct p11_key {
	struct helper_key	 hk;
	char			*uri;
	char			*where;		/* uri without its query */
	uint8_t			 pin[P11_PIN_MAX];
	size_t			 pinlen;
	enum zs_keytype		 type;
};

static int
p11_match(const char *spec)
{
	return strncmp(spec, "pkcs11:", 7) == 0;
}

/* The request that makes a (new) helper know k: its URI and PIN. */
static void
p11_open_req(void *arg, struct p11_msg *req)
{
	struct p11_key *k = arg;

	req->type = P11_MSG_LOAD;
	req->uri = k->uri;
	req->urilen = strlen(k->uri);
	req->pin = k->pin;
	req->pinlen = k->pinlen;
}

/* Read the PIN: the first line of a file (pin-source or passfile). */
static int
p11_pin_read(const char *path, uint8_t *pin, size_t *pinlenp,
    struct zs_errbuf *eb)
{
	uint8_t *data = NULL;
	size_t len = 0, n;
	int r;

	if ((r = zs_file_read(path, P11_PINFILE_MAX, &data, &len)) != 0)
		return zs_errf(eb, r, "cannot read PIN file %s (%s)", path,
		    zs_strerror(r));
	for (n = 0; n < len && data[n] != '\n' && data[n] != '\r'; n++)
		;
	if (n > P11_PIN_MAX) {
		freezero(data, len);
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "PIN in %s is longer "
		    "than %d bytes", path, P11_PIN_MAX);
	}
	memcpy(pin, data, n);
	*pinlenp = n;
	freezero(data, len);
	return 0;
}

/* The credential name of a cred:NAME or credential:NAME pin-source. */
static const char *
p11_pin_credential(const char *src)
{
	static const char *prefixes[] = { "cred:", "credential:" };
	size_t i, n;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (strncmp(src, prefixes[i], n) == 0)
			return src + n;
	}
	return NULL;
}

/*
 * Find the PIN: pin-source=file:PATH (or a bare path), pin-source=cred:NAME
 * (or credential:NAME) for a systemd credential in $CREDENTIALS_DIRECTORY,
 * else passfile. A PIN
 * in the URI itself is refused: URIs show up in command lines and logs.
 */
static int
p11_pin_get(P11KitUri *uri, const char *passfile, uint8_t *pin,
    size_t *pinlenp, struct zs_errbuf *eb)
{
	const char *src = p11_kit_uri_get_pin_source(uri), *dir, *name;
	char *path;
	int r;

	*pinlenp = 0;
	if (p11_kit_uri_get_pin_value(uri) != NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "pin-value in a PKCS#11 URI "
		    "is refused; use pin-source=file:PATH or a credential");
	if (src == NULL)
		return passfile == NULL ? 0 :
		    p11_pin_read(passfile, pin, pinlenp, eb);
	if ((name = p11_pin_credential(src)) != NULL) {
		if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL)
			return zs_errf(eb, ZS_ERR_NOT_FOUND, "pin-source=%s "
			    "needs $CREDENTIALS_DIRECTORY (systemd "
			    "LoadCredential=)", src);
		if (*name == '\0' || strchr(name, '/') != NULL ||
		    strcmp(name, "..") == 0)
			return zs_errf(eb, ZS_ERR_INVALID, "bad credential "
			    "name in pin-source=%s", src);
		path = xasprintf("%s/%s", dir, name);
		r = p11_pin_read(path, pin, pinlenp, eb);
		free(path);
		return r;
	}
	if (strncmp(src, "file:", 5) == 0) {
		src += 5;
		/* file:///path and file:/path both name /path. */
		if (strncmp(src, "//", 2) == 0)
			src += 2;
	}
	if (*src != '/')
		return zs_errf(eb, ZS_ERR_INVALID, "pin-source must be "
		    "file:/ABSOLUTE/PATH or credential:NAME");
	return p11_pin_read(src, pin, pinlenp, eb);
}

/* The algorithm a key of this type proves itself with at load. */
static const struct {
	enum zs_keytype	type;
	enum zs_sigalg	alg;
	const char	*md;		/* NULL: Ed25519 signs the message */
} p11_selftests[] = {
	{ ZS_KEY_RSA, ZS_SIG_RSA_PSS_SHA256, "SHA256" },
	{ ZS_KEY_EC_P256, ZS_SIG_ECDSA_SHA256, "SHA256" },
	{ ZS_KEY_EC_P384, ZS_SIG_ECDSA_SHA384, "SHA384" },
	{ ZS_KEY_ED25519, ZS_SIG_ED25519, NULL },
};

/* Digest length an algorithm's tbs must have (0: any, for Ed25519). */
static size_t
p11_alg_mdlen(enum zs_sigalg alg)
{
	switch (alg) {
	case ZS_SIG_RSA_PSS_SHA256:
	case ZS_SIG_RSA_PKCS1_SHA256:
	case ZS_SIG_ECDSA_SHA256:
		return 32;
	case ZS_SIG_RSA_PSS_SHA384:
	case ZS_SIG_ECDSA_SHA384:
		return 48;
	case ZS_SIG_ED25519:
		break;
	}
	return 0;
}

static int
p11_sign(void *priv, enum zs_sigalg alg, const uint8_t *tbs, size_t tbslen,
    uint8_t *sig, size_t *siglenp, struct zs_errbuf *eb)
{
	struct p11_key *k = priv;
	struct p11_msg req;
	uint8_t raw[P11_SIG_MAX];
	unsigned char *der = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	size_t rawlen = 0, mdlen = p11_alg_mdlen(alg), half;
	int r, derlen;

	if (mdlen != 0 && tbslen != mdlen)
		return zs_errf(eb, ZS_ERR_INVALID, "digest length mismatch");
	if (tbslen > P11_TBS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "message too large for a "
		    "PKCS#11 key (at most %u bytes)", P11_TBS_MAX);
	memset(&req, 0, sizeof(req));
	req.type = P11_MSG_SIGN;
	req.alg = (uint8_t)alg;
	req.data = tbs;
	req.datalen = tbslen;
	if ((r = helper_key_request(&k->hk, &req, raw, sizeof(raw), &rawlen, 1,
	    helper_timeout_ms(k->hk.h), eb)) != 0)
		return r;
	if (alg != ZS_SIG_ECDSA_SHA256 && alg != ZS_SIG_ECDSA_SHA384) {
		if (rawlen > ZS_SIG_MAX)
			return zs_errf(eb, ZS_ERR_CRYPTO, "token signature "
			    "too long");
		memcpy(sig, raw, rawlen);
		*siglenp = rawlen;
		return 0;
	}
	/* CKM_ECDSA returns r || s; signers want DER SEQUENCE { r, s }. */
	half = alg == ZS_SIG_ECDSA_SHA256 ? 32 : 48;
	r = ZS_ERR_CRYPTO;
	if (rawlen != 2 * half) {
		zs_errf(eb, r, "token ECDSA signature has %zu bytes, not %zu",
		    rawlen, 2 * half);
		goto out;
	}
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(raw, (int)half, NULL)) == NULL ||
	    (bs = BN_bin2bn(raw + half, (int)half, NULL)) == NULL ||
	    ECDSA_SIG_set0(es, br, bs) != 1) {
		zs_errf(eb, r, "cannot encode the ECDSA signature");
		goto out;
	}
	br = bs = NULL;
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0 || derlen > ZS_SIG_MAX) {
		zs_errf(eb, r, "cannot encode the ECDSA signature");
		goto out;
	}
	memcpy(sig, der, (size_t)derlen);
	*siglenp = (size_t)derlen;
	r = 0;
 out:
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	return r;
}

/* Sign a fixed message on the token and verify it with the public key. */
static int
p11_selftest(struct p11_key *k, EVP_PKEY *pub, struct zs_errbuf *eb)
{
	static const uint8_t msg[] = "zsign PKCS#11 key self-test";
	uint8_t md[EVP_MAX_MD_SIZE], sig[ZS_SIG_MAX];
	const uint8_t *tbs = msg;
	size_t tbslen = sizeof(msg) - 1, siglen = sizeof(sig), i;
	unsigned int mdlen;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	const EVP_MD *mdt = NULL;
	int r, ok = 0;

	for (i = 0; i < sizeof(p11_selftests) / sizeof(p11_selftests[0]); i++)
		if (p11_selftests[i].type == k->type)
			break;
	if (i == sizeof(p11_selftests) / sizeof(p11_selftests[0]))
		return zs_errf(eb, ZS_ERR_KEY, "%s: this key type cannot "
		    "sign", k->uri);
	if (p11_selftests[i].md != NULL) {
		mdt = EVP_get_digestbyname(p11_selftests[i].md);
		if (mdt == NULL || EVP_Digest(msg, tbslen, md, &mdlen, mdt,
		    NULL) != 1)
			return zs_errf(eb, ZS_ERR_CRYPTO, "digest failed");
		tbs = md;
		tbslen = mdlen;
	}
	if ((r = p11_sign(k, p11_selftests[i].alg, tbs, tbslen, sig, &siglen,
	    eb)) != 0)
		return r;
	if (mdt == NULL) {
		ok = (mctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pub) == 1 &&
		    EVP_DigestVerify(mctx, sig, siglen, tbs, tbslen) == 1;
	} else {
		ok = (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) !=
		    NULL && EVP_PKEY_verify_init(pctx) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pctx, mdt) == 1;
		if (ok && k->type == ZS_KEY_RSA)
			ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
			    RSA_PKCS1_PSS_PADDING) == 1 &&
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
			    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mdt) == 1;
		ok = ok && EVP_PKEY_verify(pctx, sig, siglen, tbs, tbslen) == 1;
	}
	EVP_PKEY_CTX_free(pctx);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	if (!ok)
		return zs_errf(eb, ZS_ERR_KEY, "%s: the token's private key "
		    "does not match its public key (self-test signature "
		    "does not verify)", k->uri);
	return 0;
}

static void
p11_free(void *priv)
{
	struct p11_key *k = priv;

	if (k == NULL)
		return;
	/* The helper forgets a key only when it exits. */
	helper_key_fini(&k->hk, 0);
	free(k->uri);
	free(k->where);
	OPENSSL_secure_clear_free(k, sizeof(*k));
}

static int
p11_load(const char *spec, const char *passfile, void **privp,
    EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	struct p11_key *k = NULL;
	P11KitUri *uri = p11_kit_uri_new();
	const char *module;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int r;

	if (strlen(spec) > P11_URI_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "PKCS#11 URI longer than %d "
		    "bytes", P11_URI_MAX);
		goto out;
	}
	if ((r = p11_kit_uri_parse(spec, P11_KIT_URI_FOR_ANY, uri)) !=
	    P11_KIT_URI_OK) {
		r = zs_errf(eb, ZS_ERR_INVALID, "%s: bad PKCS#11 URI (%s)",
		    spec, p11_kit_uri_message(r));
		goto out;
	}
	if ((module = p11_kit_uri_get_module_path(uri)) == NULL ||
	    *module != '/') {
		r = zs_errf(eb, ZS_ERR_INVALID, "%s: give the module as "
		    "?module-path=/ABSOLUTE/PATH.so", spec);
		goto out;
	}
	/* The PIN lives as long as the key: in the locked secure heap. */
	if ((k = OPENSSL_secure_zalloc(sizeof(*k))) == NULL)
		fatalx("%s: out of memory", __func__);
	k->uri = xstrdup(spec);
	/* The query holds module path and PIN source: not for display. */
	k->where = xstrndup(spec, strcspn(spec, "?"));
	if ((r = p11_pin_get(uri, passfile, k->pin, &k->pinlen, eb)) != 0)
		goto out;
	k->hk.name = k->uri;
	k->hk.open_req = p11_open_req;
	k->hk.arg = k;
	if ((r = helper_key_init(&k->hk, &p11_prog, module, eb)) != 0)
		goto out;
	p = k->hk.spki;
	if ((pub = d2i_PUBKEY(NULL, &p, (long)k->hk.spkilen)) == NULL ||
	    p != k->hk.spki + k->hk.spkilen) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "%s: helper sent a bad "
		    "public key", spec);
		goto out;
	}
	if ((r = zs_pkey_type(pub, &k->type)) != 0) {
		zs_errf(eb, r, "%s: unsupported key type", spec);
		goto out;
	}
	if ((r = p11_selftest(k, pub, eb)) != 0)
		goto out;
	*privp = k;
	k = NULL;
	*pubp = pub;
	pub = NULL;
	r = 0;
 out:
	ERR_clear_error();
	EVP_PKEY_free(pub);
	p11_free(k);
	p11_kit_uri_free(uri);
	return r;
}

static int
p11_available(void *priv)
{
	struct p11_key *k = priv;

	return helper_key_available(&k->hk, P11_MSG_STATUS, P11_STATUS_TTL_MS,
	    P11_STATUS_TIMEOUT_MS);
}

static int
p11_status(void *priv)
{
	struct p11_key *k = priv;

	return helper_key_status(&k->hk, P11_MSG_STATUS, P11_STATUS_TTL_MS,
	    P11_STATUS_TIMEOUT_MS);
}

static const char *
p11_location(void *priv)
{
	return ((struct p11_key *)priv)->where;
}

/* Write all of p to fd (a pipe to the helper). */
static int
p11_write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A new key pair on a token: the helper, run once with --generate, is the
 * process that loads the module; the PIN goes over a pipe, never argv.
 */
static int
p11_generate(const char *spec, enum zs_keytype type, int bits,
    const char *passfile, EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	static const char *const helper_types[] = {
		[ZS_KEY_RSA] = "rsa", [ZS_KEY_EC_P256] = "ecdsa-p256",
		[ZS_KEY_EC_P384] = "ecdsa-p384", [ZS_KEY_ED25519] = "ed25519",
	};
	char path[PATH_MAX], nbits[16];
	uint8_t pin[P11_PIN_MAX], spki[P11_SPKI_MAX];
	size_t pinlen = 0, spkilen = 0;
	P11KitUri *uri = p11_kit_uri_new();
	const unsigned char *p;
	const char *module;
	char *argv[7];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, r, status;
	ssize_t n;
	pid_t pid;

	if (strlen(spec) > P11_URI_MAX ||
	    p11_kit_uri_parse(spec, P11_KIT_URI_FOR_ANY, uri) !=
	    P11_KIT_URI_OK ||
	    (module = p11_kit_uri_get_module_path(uri)) == NULL ||
	    *module != '/' || (size_t)type >= sizeof(helper_types) /
	    sizeof(helper_types[0]) || helper_types[type] == NULL) {
		r = zs_errf(eb, ZS_ERR_USAGE, "%s: want a PKCS#11 URI with "
		    "token=, object= and ?module-path=/ABSOLUTE/PATH.so", spec);
		goto out;
	}
	if ((r = p11_pin_get(uri, passfile, pin, &pinlen, eb)) != 0)
		goto out;
	helper_path(&p11_prog, path, sizeof(path));
	snprintf(nbits, sizeof(nbits), "%d", bits);
	argv[0] = (char *)p11_prog.name;
	argv[1] = (char *)"--generate";
	argv[2] = (char *)module;
	argv[3] = (char *)helper_types[type];
	argv[4] = nbits;
	argv[5] = (char *)spec;
	argv[6] = NULL;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    (pid = fork()) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "cannot start %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* The helper's messages go to our stderr, as they are. */
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1)
			_exit(127);
		execv(path, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	(void)p11_write_all(in[1], pin, pinlen);
	close(in[1]);
	in[1] = -1;
	while (spkilen < sizeof(spki) && ((n = read(out[0], spki + spkilen,
	    sizeof(spki) - spkilen)) > 0 || (n == -1 && errno == EINTR)))
		if (n > 0)
			spkilen += (size_t)n;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	p = spki;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		r = zs_errf(eb, ZS_ERR_KEY, "%s: no key made (the helper's "
		    "message says why)", p11_kit_uri_get_module_path(uri));
		goto out;
	}
	if ((*pubp = d2i_PUBKEY(NULL, &p, (long)spkilen)) == NULL ||
	    p != spki + spkilen) {
		EVP_PKEY_free(*pubp);
		*pubp = NULL;
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "the helper sent a bad public "
		    "key");
		goto out;
	}
	r = 0;
 out:
	OPENSSL_cleanse(pin, sizeof(pin));
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	p11_kit_uri_free(uri);
	return r;
}

const struct keystore_ops keystore_pkcs11_ops = {
	.name = "pkcs11",
	.match = p11_match,
	.load = p11_load,
	.generate = p11_generate,
	.sign = p11_sign,
	.available = p11_available,
	.status = p11_status,
	.location = p11_location,
	.free = p11_free,
};

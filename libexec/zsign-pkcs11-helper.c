/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-pkcs11-helper MODULE NCHAN: the only zsign process that loads a
 * PKCS#11 module. The key holder starts one per module and talks to it over
 * NCHAN socketpairs on fds 3.., one thread per channel, so that a vendor
 * module that crashes or hangs takes down this process and not the holder.
 * zsign-pkcs11-helper --generate MODULE TYPE BITS URI makes a key pair on
 * a token for zsignd --generate-key (the PIN on stdin, the public key as
 * DER on stdout).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/harden.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/helper.h"
#include "keystore/p11-proto.h"
#include "keystore/p11-token.h"

static struct p11_module *helper_module;

static int
handle_load(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	uint8_t *spki = NULL;
	size_t spkilen = 0;
	char *uri;
	int r;

	uri = xmalloc(req->urilen + 1);
	memcpy(uri, req->uri, req->urilen);
	uri[req->urilen] = '\0';
	r = p11_module_load_key(helper_module, req->keyid, uri, req->pin,
	    req->pinlen, &spki, &spkilen, eb);
	free(uri);
	if (r != 0)
		return helper_reply_err(fd, eb, r);
	r = helper_reply_ok(fd, spki, spkilen);
	free(spki);
	return r;
}

static int
handle_sign(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	uint8_t sig[P11_SIG_MAX];
	size_t siglen = 0;
	int r;

	if ((r = p11_module_sign(helper_module, req->keyid,
	    (enum zs_sigalg)req->alg, req->data, req->datalen, sig, &siglen,
	    eb)) != 0)
		return helper_reply_err(fd, eb, r);
	return helper_reply_ok(fd, sig, siglen);
}

static int
handle_status(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	int r;

	if ((r = p11_module_status(helper_module, req->keyid, eb)) != 0)
		return helper_reply_err(fd, eb, r);
	return helper_reply_ok(fd, NULL, 0);
}

static const struct helper_handler helper_handlers[] = {
	{ P11_MSG_LOAD, handle_load },
	{ P11_MSG_SIGN, handle_sign },
	{ P11_MSG_STATUS, handle_status },
};

/* --generate: one key pair, then exit; argv is MODULE TYPE BITS URI. */
static int
helper_generate(char *argv[])
{
	static const char *const types[] = {
		[ZS_KEY_RSA] = "rsa", [ZS_KEY_EC_P256] = "ecdsa-p256",
		[ZS_KEY_EC_P384] = "ecdsa-p384", [ZS_KEY_ED25519] = "ed25519",
	};
	struct p11_module *m = NULL;
	struct zs_errbuf eb;
	unsigned long long bits;
	uint8_t pin[P11_PIN_MAX + 2], *spki = NULL;
	size_t pinlen = 0, spkilen = 0, t;
	ssize_t n;
	int r;

	zs_errclear(&eb);
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		if (types[t] != NULL && strcmp(argv[1], types[t]) == 0)
			break;
	if (t == sizeof(types) / sizeof(types[0]) ||
	    zs_parse_uint(argv[2], 16384, &bits) != 0)
		fatalx("--generate: unknown key type %s or bits %s", argv[1],
		    argv[2]);
	while (pinlen < sizeof(pin) && (n = read(STDIN_FILENO, pin + pinlen,
	    sizeof(pin) - pinlen)) > 0)
		pinlen += (size_t)n;
	while (pinlen > 0 && (pin[pinlen - 1] == '\n' ||
	    pin[pinlen - 1] == '\r'))
		pinlen--;
	if (pinlen > P11_PIN_MAX)
		fatalx("--generate: PIN too long");
	if ((r = p11_module_open(argv[0], &m, &eb)) == 0)
		r = p11_module_generate(m, argv[3], (enum zs_keytype)t,
		    (int)bits, pin, pinlen, &spki, &spkilen, &eb);
	OPENSSL_cleanse(pin, sizeof(pin));
	p11_module_close(m);
	if (r != 0) {
		log_warnx("%s", eb.msg);
		return 1;
	}
	if (write(STDOUT_FILENO, spki, spkilen) != (ssize_t)spkilen) {
		log_warn("writing the public key");
		r = 1;
	}
	free(spki);
	return r;
}

int
main(int argc, char *argv[])
{
	struct zs_errbuf openerr;
	unsigned long long n;

	log_init("zsign-pkcs11-helper", 1, ZS_LOG_INFO);
	if (argc == 6 && strcmp(argv[1], "--generate") == 0)
		return helper_generate(argv + 2);
	if (argc != 3 || zs_parse_uint(argv[2], HELPER_CHANNELS_MAX, &n) != 0 ||
	    n == 0)
		fatalx("usage: zsign-pkcs11-helper MODULE NCHANNELS (started "
		    "by zsign-keyholder, not by hand)");
	/* Before the PIN arrives: no ptrace, no core, the secure heap. */
	harden_process();
	zs_errclear(&openerr);
	if (p11_module_open(argv[1], &helper_module, &openerr) != 0)
		log_warnx("%s", openerr.msg);
	/* Without a module, every request is answered with why. */
	helper_serve((int)n, helper_handlers,
	    sizeof(helper_handlers) / sizeof(helper_handlers[0]),
	    helper_module == NULL ? &openerr : NULL);
	p11_module_close(helper_module);
	return 0;
}

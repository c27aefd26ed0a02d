/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys held by the key holder (zsign-keyholder): zsignd keeps only each
 * key's public half and asks the holder to open, sign and close by key id.
 * A holder that dies is logged and restarted (keystore/helper.c); the keys
 * are opened in the new one again on their next use, and a request that
 * found the dead one is sent to the new one (helper_key_request()).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "common/xmalloc.h"
#include "keystore/helper.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"

/*
 * Channels to the holder: signs it runs at once. More workers than this
 * wait for a channel (each sign is CPU work in the holder anyway).
 */
#define HOLDER_CHANNELS		32
/*
 * zs_key_available() is asked before every sign (by a worker), and
 * zs_key_status() by health checks and /metrics on the event loop: both
 * answer from the last outcome if younger than this.
 */
#define HOLDER_STATUS_TTL_MS	1000
/*
 * Longest a status question may take (a holder slower than that is hung):
 * the holder may be asking a PKCS#11 helper, which gets 5 s, so that a
 * hung helper is killed by the holder first, not the holder by zsignd.
 */
#define HOLDER_STATUS_TIMEOUT_MS	15000

static const struct helper_prog holder_prog = {
	.name = "zsign-keyholder",
	.env = "ZSIGN_KEYHOLDER",
	.what = "key holder",
	.nchan = HOLDER_CHANNELS,
	.nests = 1,
};

struct holder_key {
	struct helper_key	 hk;
	char			*spec;
	char			*passfile;	/* NULL: none */
	char			*where;		/* pkcs11: URI without query */
};

static int
holder_match(const char *spec)
{
	return 1;
}

/* The request that opens k in a (new) holder: its path or URI. */
static void
holder_open_req(void *arg, struct p11_msg *req)
{
	struct holder_key *k = arg;

	req->type = P11_MSG_OPEN;
	req->uri = k->spec;
	req->urilen = strlen(k->spec);
	req->path = k->passfile;
	req->pathlen = k->passfile != NULL ? strlen(k->passfile) : 0;
}

static void
holder_free(void *priv)
{
	struct holder_key *k = priv;

	if (k == NULL)
		return;
	helper_key_fini(&k->hk, P11_MSG_CLOSE);
	free(k->spec);
	free(k->passfile);
	free(k->where);
	free(k);
}

static int
holder_load(const char *spec, const char *passfile, void **privp,
    EVP_PKEY **pubp, struct zs_errbuf *eb)
{
	struct holder_key *k;
	const unsigned char *p;
	EVP_PKEY *pub = NULL;
	int r;

	if (strlen(spec) > P11_URI_MAX ||
	    (passfile != NULL && strlen(passfile) > P11_PATH_MAX))
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "key path longer than %d "
		    "bytes", P11_URI_MAX);
	k = xcalloc(1, sizeof(*k));
	k->spec = xstrdup(spec);
	k->passfile = passfile != NULL ? xstrdup(passfile) : NULL;
	/* The query holds module path and PIN source: not for display. */
	if (keystore_pkcs11_ops.match(spec))
		k->where = xstrndup(spec, strcspn(spec, "?"));
	k->hk.name = k->spec;
	k->hk.open_req = holder_open_req;
	k->hk.arg = k;
	if ((r = helper_key_init(&k->hk, &holder_prog, NULL, eb)) != 0)
		goto out;
	p = k->hk.spki;
	if ((pub = d2i_PUBKEY(NULL, &p, (long)k->hk.spkilen)) == NULL ||
	    p != k->hk.spki + k->hk.spkilen) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "%s: the key holder sent a "
		    "bad public key", spec);
		goto out;
	}
	*privp = k;
	k = NULL;
	*pubp = pub;
	pub = NULL;
	r = 0;
 out:
	EVP_PKEY_free(pub);
	holder_free(k);
	return r;
}

static int
holder_sign(void *priv, enum zs_sigalg alg, const uint8_t *tbs,
    size_t tbslen, uint8_t *sig, size_t *siglenp, struct zs_errbuf *eb)
{
	struct holder_key *k = priv;
	struct p11_msg req;

	if (tbslen > P11_TBS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "message too large to "
		    "sign (at most %u bytes)", P11_TBS_MAX);
	memset(&req, 0, sizeof(req));
	req.type = P11_MSG_SIGN;
	req.alg = (uint8_t)alg;
	req.data = tbs;
	req.datalen = tbslen;
	return helper_key_request(&k->hk, &req, sig, ZS_SIG_MAX, siglenp, 1,
	    helper_timeout_ms(k->hk.h), eb);
}

static int
holder_available(void *priv)
{
	struct holder_key *k = priv;

	return helper_key_available(&k->hk, P11_MSG_STATUS,
	    HOLDER_STATUS_TTL_MS, HOLDER_STATUS_TIMEOUT_MS);
}

static int
holder_status(void *priv)
{
	struct holder_key *k = priv;

	return helper_key_status(&k->hk, P11_MSG_STATUS,
	    HOLDER_STATUS_TTL_MS, HOLDER_STATUS_TIMEOUT_MS);
}

static const char *
holder_location(void *priv)
{
	return ((struct holder_key *)priv)->where;
}

const struct keystore_ops keystore_holder_ops = {
	.name = "holder",
	.match = holder_match,
	.load = holder_load,
	.sign = holder_sign,
	.available = holder_available,
	.status = holder_status,
	.location = holder_location,
	.free = holder_free,
};

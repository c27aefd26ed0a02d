/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/raw-sign: a key's bare signature over data or over a digest the
 * client computed, for tools that assemble their own images (imgtool's
 * --vector-to-sign/--fix-sig, NSIB, vendor tools). The server cannot see
 * what such a signature covers, so only keys configured with
 * "raw_signing": true make one; allow lists and rates apply as for images.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/fileset.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/handle.h"
#include "daemon/policy.h"
#include "keystore/keystore.h"
#include "proto/proto.h"

/* RSA-PSS salt length, as imgtool and the keystores use it. */
#define RAW_PSS_SALT		32

/*
 * What each key type signs. The first entry of a type says how "data" is
 * hashed (imgtool's choice for that key); a "digest" picks by its length.
 */
static const struct raw_alg {
	enum zs_keytype	 type;
	size_t		 dlen;		/* digest bytes; 0: the message */
	enum zs_sigalg	 alg;
	const char	*name;		/* "algorithm" of the reply */
	const char	*md;		/* OpenSSL digest name, or NULL */
} raw_algs[] = {
	{ ZS_KEY_EC_P256, 32, ZS_SIG_ECDSA_SHA256, "ecdsa-sha256", "SHA256" },
	{ ZS_KEY_EC_P384, 48, ZS_SIG_ECDSA_SHA384, "ecdsa-sha384", "SHA384" },
	{ ZS_KEY_RSA, 32, ZS_SIG_RSA_PSS_SHA256, "rsa-pss-sha256", "SHA256" },
	{ ZS_KEY_RSA, 48, ZS_SIG_RSA_PSS_SHA384, "rsa-pss-sha384", "SHA384" },
	{ ZS_KEY_ED25519, 0, ZS_SIG_ED25519, "ed25519", NULL },
};

/* Everything one raw-sign request builds up before it is answered. */
struct rawctx {
	struct sign_job		*job;
	struct proto_raw_req	*req;
	struct zs_key		*key;
	const struct raw_alg	*alg;
	uint8_t			 md[EVP_MAX_MD_SIZE];
	size_t			 mdlen;
	char			 digest[8 + 2 * EVP_MAX_MD_SIZE + 1];
	struct fileset		*out;	/* the signature, for the audit */
	struct zs_errbuf	 eb;
};

/* The key's entry for the request: data, or a digest of a given length. */
static int
raw_pick(struct rawctx *c)
{
	enum zs_keytype t = zs_key_type(c->key);
	size_t i;

	for (i = 0; i < sizeof(raw_algs) / sizeof(raw_algs[0]); i++) {
		if (raw_algs[i].type != t)
			continue;
		if (c->req->digest_len == 0 ||
		    raw_algs[i].dlen == c->req->digest_len) {
			c->alg = &raw_algs[i];
			return 0;
		}
	}
	if (t == ZS_KEY_X25519)
		return zs_errf(&c->eb, ZS_ERR_KEY, "key \"%s\" (%s) is for "
		    "encryption only and cannot sign", zs_key_name(c->key),
		    zs_key_type_name(c->key));
	if (t == ZS_KEY_ED25519)
		return zs_errf(&c->eb, ZS_ERR_KEY, "key \"%s\" (ed25519) signs "
		    "the message itself: send \"data\", not a digest",
		    zs_key_name(c->key));
	return zs_errf(&c->eb, ZS_ERR_KEY, "key \"%s\" (%s) cannot sign a "
	    "%zu-byte digest", zs_key_name(c->key), zs_key_type_name(c->key),
	    c->req->digest_len);
}

/* Find the key by name or fingerprint, or the caller's default; authorize. */
static int
raw_key(struct rawctx *c)
{
	const struct keyring *kr = c->job->kr;
	int r;

	if (c->req->key != NULL &&
	    (c->key = keyring_find(kr, c->req->key)) == NULL)
		return zs_errf(&c->eb, ZS_ERR_NOT_FOUND, "unknown key \"%s\"",
		    c->req->key);
	if (c->req->key_fp != NULL &&
	    (c->key = keyring_find_fp(kr, c->req->key_fp)) == NULL)
		return zs_errf(&c->eb, ZS_ERR_NOT_FOUND, "no key with "
		    "fingerprint %s", c->req->key_fp);
	/* A request this key cannot sign does not count against its rate. */
	if (c->key != NULL && (r = raw_pick(c)) != 0)
		return r;
	if (c->job->sec == NULL)
		return zs_errf(&c->eb, ZS_ERR_DENIED, "raw signatures need a "
		    "configuration that allows them");
	if ((r = security_authorize(c->job->sec, c->job->id, kr,
	    POLICY_TOOL_RAW_NAME, &c->key, &c->eb)) != 0)
		return r;
	if (c->key == NULL)
		return zs_errf(&c->eb, ZS_ERR_NOT_FOUND, "no key named and no "
		    "default key");
	/* Held requests are images; a bare signature is never held. */
	if (security_needs_approval(c->job->sec, c->job->id, c->key))
		return zs_errf(&c->eb, ZS_ERR_DENIED, "key \"%s\" signs only "
		    "approved images: no raw signatures", zs_key_name(c->key));
	snprintf(c->job->key, sizeof(c->job->key), "%s", zs_key_name(c->key));
	if (c->alg == NULL && (r = raw_pick(c)) != 0)
		return r;
	if (!zs_key_available(c->key))
		return zs_errf(&c->eb, ZS_ERR_UNAVAILABLE, "key \"%s\" is not "
		    "available", zs_key_name(c->key));
	return 0;
}

/* What is signed: the given digest, data's digest, or data (Ed25519). */
static int
raw_digest(struct rawctx *c)
{
	const struct proto_raw_req *req = c->req;
	unsigned int n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	const char *mdname = c->alg->md != NULL ? c->alg->md : "SHA256";
	const EVP_MD *md;

	if (req->digest_len > 0) {
		memcpy(c->md, req->digest, req->digest_len);
		c->mdlen = req->digest_len;
	} else {
		/* Ed25519 signs data itself; the audit keeps its SHA-256. */
		if ((md = EVP_get_digestbyname(mdname)) == NULL ||
		    EVP_Digest(req->data, req->data_len, c->md, &n, md,
		    NULL) != 1)
			return zs_errf(&c->eb, ZS_ERR_CRYPTO, "digest failed");
		c->mdlen = n;
	}
	zs_hex_encode(c->md, c->mdlen, hex);
	snprintf(c->digest, sizeof(c->digest), "%s:%s", c->mdlen == 48 ?
	    "sha384" : "sha256", hex);
	return 0;
}

/* Check the new signature with the public key: nothing wrong leaves. */
static int
raw_verify(struct rawctx *c, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pub = zs_key_public(c->key);
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	const EVP_MD *md;
	int ok;

	if (c->alg->md == NULL) {
		ok = (mc = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(mc, NULL, NULL, NULL, pub) == 1 &&
		    EVP_DigestVerify(mc, sig, siglen, c->req->data,
		    c->req->data_len) == 1;
	} else {
		md = EVP_get_digestbyname(c->alg->md);
		ok = md != NULL &&
		    (pc = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL)) != NULL &&
		    EVP_PKEY_verify_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, md) == 1;
		if (ok && c->alg->type == ZS_KEY_RSA)
			ok = EVP_PKEY_CTX_set_rsa_padding(pc,
			    RSA_PKCS1_PSS_PADDING) == 1 &&
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(pc,
			    RAW_PSS_SALT) == 1 &&
			    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) == 1;
		ok = ok && EVP_PKEY_verify(pc, sig, siglen, c->md,
		    c->mdlen) == 1;
	}
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	return ok ? 0 : zs_errf(&c->eb, ZS_ERR_VERIFY, "the new signature "
	    "does not verify with key \"%s\"", zs_key_name(c->key));
}

/* Sign, check and build the 200 reply (malloc'd JSON text). */
static int
raw_run(struct rawctx *c, char **replyp)
{
	uint8_t *sig = NULL;
	size_t siglen = 0;
	char *b64 = NULL;
	json_t *o;
	int r;

	if ((r = raw_key(c)) != 0 || (r = raw_digest(c)) != 0)
		goto out;
	if (c->alg->md == NULL)
		r = zs_key_sign(c->key, c->alg->alg, c->req->data,
		    c->req->data_len, &sig, &siglen, &c->eb);
	else
		r = zs_key_sign(c->key, c->alg->alg, c->md, c->mdlen, &sig,
		    &siglen, &c->eb);
	if (r != 0 || (r = raw_verify(c, sig, siglen)) != 0)
		goto out;
	if ((r = fileset_add(c->out, "signature", sig, siglen)) != 0) {
		zs_errf(&c->eb, r, "out of memory");
		goto out;
	}
	b64 = zs_b64_encode(sig, siglen);
	o = json_pack("{s:{s:s,s:s,s:s},s:s,s:s,s:s}", "key", "name",
	    zs_key_name(c->key), "fingerprint", zs_key_fingerprint(c->key),
	    "type", zs_key_type_name(c->key), "algorithm", c->alg->name,
	    "digest", c->digest, "signature", b64);
	if (o == NULL || (*replyp = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(o);
	c->job->out_bytes = siglen;
	r = 0;
 out:
	free(b64);
	free(sig);
	return r;
}

void
handle_raw_sign(struct sign_job *job)
{
	struct security_outcome o;
	struct zs_errbuf aeb;
	struct rawctx c;
	struct timespec t0, t;
	char *reply = NULL;
	int r, ar;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&c, 0, sizeof(c));
	c.job = job;
	snprintf(job->key, sizeof(job->key), "-");
	snprintf(job->tool, sizeof(job->tool), "%s", POLICY_TOOL_RAW_NAME);
	snprintf(job->in, sizeof(job->in), "-");
	snprintf(job->out, sizeof(job->out), "-");
	c.out = fileset_new();
	if ((r = proto_raw_parse(job->body, job->len, job->max, &c.req,
	    &c.eb)) == 0)
		r = raw_run(&c, &reply);
	if (r != 0 && c.eb.msg[0] == '\0')
		zs_errf(&c.eb, r, "%s", zs_strerror(r));
	if (c.digest[0] != '\0')
		snprintf(job->in, sizeof(job->in), "%s", c.digest);
	/* Fail closed: no signature leaves before its audit line is on disk. */
	clock_gettime(CLOCK_MONOTONIC, &t);
	memset(&o, 0, sizeof(o));
	o.tool = POLICY_TOOL_RAW_NAME;
	o.key = c.key;
	o.outputs = c.out;
	o.digest = c.digest[0] != '\0' ? c.digest : NULL;
	o.code = r;
	o.message = r != 0 ? c.eb.msg : NULL;
	o.ms = (long)(t.tv_sec - t0.tv_sec) * 1000 +
	    (t.tv_nsec - t0.tv_nsec) / 1000000;
	if ((ar = security_audit(job->sec, job->id, &o, &aeb)) != 0) {
		log_warnx("%s", aeb.msg);
		if (r == 0)
			r = zs_errf(&c.eb, ar, "%s", aeb.msg);
	}
	handle_answer(job, r, &reply, c.eb.msg);
	fileset_free(c.out);
	proto_raw_free(c.req);
}

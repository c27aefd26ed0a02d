/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-keyholder NCHAN: the only zsign process with private keys (the
 * OpenSMTPD "ca" process, ssh-agent). zsignd starts it and asks, over NCHAN
 * socketpairs on fds 3.., to open a key by its path or pkcs11: URI, to sign
 * a digest (or an Ed25519 message) with it, and to close it. It reads the
 * PEM files and passphrases itself and keeps their numbers in the locked
 * secure heap; PKCS#11 keys go on to a zsign-pkcs11-helper child. It parses
 * nothing a client sends: zsignd has checked every request before it asks.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "common/harden.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/helper.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"

/*
 * Most keys open at once: a reload opens the new generation's keys while
 * the old one's still finish their requests.
 */
#define HOLDER_KEYS_MAX		(4 * ZS_KEYRING_MAX)

struct holder_key {
	struct holder_key	*next;
	uint32_t		 id;
	struct zs_key		*key;
};

static pthread_mutex_t holder_lock = PTHREAD_MUTEX_INITIALIZER;
static struct holder_key *holder_keys;
static size_t holder_nkeys;
static int holder_reported;

/* The key with this id, with a reference taken; NULL if none. */
static struct zs_key *
holder_find(uint32_t id)
{
	struct holder_key *hk;
	struct zs_key *key = NULL;

	pthread_mutex_lock(&holder_lock);
	for (hk = holder_keys; hk != NULL; hk = hk->next) {
		if (hk->id == id) {
			key = zs_key_ref(hk->key);
			break;
		}
	}
	pthread_mutex_unlock(&holder_lock);
	return key;
}

/* A NUL-terminated copy of a protocol string, or NULL when empty. */
static char *
holder_str(const char *p, size_t len)
{
	return len == 0 ? NULL : xstrndup(p, len);
}

static int
handle_open(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct holder_key *hk = NULL;
	struct zs_key *key = NULL, *dup;
	unsigned char *der = NULL;
	char *spec, *passfile, name[32];
	int derlen = 0, r;

	spec = holder_str(req->uri, req->urilen);
	passfile = holder_str(req->path, req->pathlen);
	snprintf(name, sizeof(name), "key-%u", (unsigned)req->keyid);
	if (spec == NULL)
		r = zs_errf(eb, ZS_ERR_INVALID, "no key path or URI");
	else if ((dup = holder_find(req->keyid)) != NULL) {
		zs_key_free(dup);
		r = zs_errf(eb, ZS_ERR_INVALID, "key id %u is open",
		    (unsigned)req->keyid);
	} else
		r = zs_key_load(name, spec, passfile, &key, eb);
	if (r != 0)
		goto out;
	if ((derlen = i2d_PUBKEY(zs_key_public(key), &der)) <= 0) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "%s: cannot encode public key",
		    spec);
		goto out;
	}
	pthread_mutex_lock(&holder_lock);
	if (holder_nkeys == HOLDER_KEYS_MAX) {
		pthread_mutex_unlock(&holder_lock);
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "more than %d keys open",
		    HOLDER_KEYS_MAX);
		goto out;
	}
	hk = xcalloc(1, sizeof(*hk));
	hk->id = req->keyid;
	hk->key = key;
	key = NULL;
	hk->next = holder_keys;
	holder_keys = hk;
	holder_nkeys++;
	if (!holder_reported) {
		/* Once per start: where the first key's numbers went. */
		harden_lock_memory();
		holder_reported = 1;
	}
	pthread_mutex_unlock(&holder_lock);
	r = 0;
 out:
	r = r == 0 ? helper_reply_ok(fd, der, (size_t)derlen) :
	    helper_reply_err(fd, eb, r);
	OPENSSL_free(der);
	zs_key_free(key);
	free(spec);
	free(passfile);
	return r;
}

static int
handle_sign(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct zs_key *key;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int r;

	if ((key = holder_find(req->keyid)) == NULL)
		r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no key %u in the key holder",
		    (unsigned)req->keyid);
	else
		r = zs_key_sign(key, (enum zs_sigalg)req->alg, req->data,
		    req->datalen, &sig, &siglen, eb);
	zs_key_free(key);
	r = r == 0 ? helper_reply_ok(fd, sig, siglen) :
	    helper_reply_err(fd, eb, r);
	free(sig);
	return r;
}

static int
handle_status(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct zs_key *key;
	int r = 0;

	if ((key = holder_find(req->keyid)) == NULL)
		r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no key %u in the key holder",
		    (unsigned)req->keyid);
	else if (!zs_key_available(key))
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "key cannot sign now");
	zs_key_free(key);
	return r == 0 ? helper_reply_ok(fd, NULL, 0) :
	    helper_reply_err(fd, eb, r);
}

static int
handle_close(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct holder_key **hkp, *hk = NULL;

	pthread_mutex_lock(&holder_lock);
	for (hkp = &holder_keys; *hkp != NULL; hkp = &(*hkp)->next) {
		if ((*hkp)->id == req->keyid) {
			hk = *hkp;
			*hkp = hk->next;
			holder_nkeys--;
			break;
		}
	}
	pthread_mutex_unlock(&holder_lock);
	/* A key zsignd opened in a holder since killed is not here: fine. */
	if (hk != NULL) {
		zs_key_free(hk->key);
		free(hk);
	}
	return helper_reply_ok(fd, NULL, 0);
}

static const struct helper_handler holder_handlers[] = {
	{ P11_MSG_OPEN, handle_open },
	{ P11_MSG_SIGN, handle_sign },
	{ P11_MSG_STATUS, handle_status },
	{ P11_MSG_CLOSE, handle_close },
};

/*
 * LeakSanitizer stops the process's threads with ptrace() to scan them at
 * exit; with ptrace refused it aborts its check ("encountered a fatal
 * error") and every leak in the holder would go unseen. Sanitizer builds
 * are test builds, so there the filter leaves ptrace() alone; PR_SET_DUMPABLE
 * 0 still keeps other processes out.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ZS_LSAN_NEEDS_PTRACE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZS_LSAN_NEEDS_PTRACE 1
#endif
#endif

/*
 * System calls the key holder never needs, refused with EPERM (the filter
 * is inherited by the PKCS#11 helpers it starts): reading or writing
 * another process's memory, and serving on any socket. Outgoing sockets
 * stay allowed: some PKCS#11 modules reach their HSM over the network.
 */
static const int holder_denied[] = {
#ifndef ZS_LSAN_NEEDS_PTRACE
	SCMP_SYS(ptrace),
#endif
	SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev),
	SCMP_SYS(bind),
	SCMP_SYS(listen),
	SCMP_SYS(accept),
	SCMP_SYS(accept4),
};

/* Install the seccomp filter; a kernel without seccomp gets a warning. */
static void
holder_restrict(void)
{
	scmp_filter_ctx ctx;
	size_t i;
	int r = -EINVAL;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		goto out;
	for (i = 0; i < sizeof(holder_denied) / sizeof(holder_denied[0]); i++)
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    holder_denied[i], 0)) != 0)
			goto out;
	r = seccomp_load(ctx);
 out:
	if (r != 0)
		log_warnx("seccomp filter not installed: %s", strerror(-r));
	seccomp_release(ctx);
}

int
main(int argc, char *argv[])
{
	unsigned long long n;

	log_init("zsign-keyholder", 1, ZS_LOG_INFO);
	if (argc != 2 || zs_parse_uint(argv[1], HELPER_CHANNELS_MAX, &n) != 0 ||
	    n == 0)
		fatalx("usage: zsign-keyholder NCHANNELS (started by zsignd, "
		    "not by hand)");
	/* Before any key is read: no ptrace, no core, the secure heap. */
	harden_process();
	holder_restrict();
	helper_serve((int)n, holder_handlers,
	    sizeof(holder_handlers) / sizeof(holder_handlers[0]), NULL);
	return 0;
}

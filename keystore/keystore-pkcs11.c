/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 keys named by RFC 7512 URIs. The daemon never loads vendor code:
 * each module runs in a zsign-pkcs11-helper process reached over a few
 * socketpairs (one request at a time each, so signs run concurrently). A
 * helper that dies or hangs is killed, reported and started again; the
 * requests it held fail with ZS_ERR_UNAVAILABLE.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/uri.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/keystore.h"
#include "keystore/p11-proto.h"

/* Channels (and helper threads) per module: signs one module runs at once. */
#define P11_CHANNELS		4
/* Longest a helper may take for one request before it is presumed hung. */
#define P11_TIMEOUT_MS		30000
/*
 * zs_key_available() is asked before every sign and by health checks on the
 * event loop: it answers from the last outcome if younger than this, and
 * asks the helper at most that often, without waiting for a busy channel.
 */
#define P11_STATUS_TTL_MS	1000
/* Longest a status question may take (a helper slower than that is hung). */
#define P11_STATUS_TIMEOUT_MS	5000
/* Overrides P11_TIMEOUT_MS (milliseconds, at most P11_TIMEOUT_MAX_MS). */
#define P11_TIMEOUT_ENV		"ZSIGN_PKCS11_TIMEOUT_MS"
#define P11_TIMEOUT_MAX_MS	600000
/* Least time between two starts of one module's helper (no fork loop). */
#define P11_RESTART_MIN_MS	250
/* How long a helper gets to exit by itself once its channels close. */
#define P11_EXIT_GRACE_MS	2000
/* Overrides the helper's path (tests run it from the build tree). */
#define P11_HELPER_ENV		"ZSIGN_PKCS11_HELPER"
#define P11_HELPER_NAME		"zsign-pkcs11-helper"
/* First fd above the helper's channels. */
#define P11_FD_END		(P11_FD_BASE + P11_CHANNELS)
/* Highest fd closed in the helper where close_range() is missing. */
#define P11_FD_SCAN_MAX		4096
/* Largest PIN file read (the PIN is its first line). */
#define P11_PINFILE_MAX		4096

struct p11_chan {
	int		 fd;
	unsigned	 gen;		/* helper start the fd belongs to */
	int		 busy;
	int		 idx;
};

struct p11_helper {
	struct p11_helper	*next;
	char			*module;
	int			 refs;		/* under p11_helpers_lock */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pid_t			 pid;		/* -1: not running */
	int			 timeout_ms;
	unsigned		 gen;
	struct timespec		 started;
	uint32_t		 nextid;
	struct p11_chan		 chans[P11_CHANNELS];
};

struct p11_key {
	struct p11_helper	*h;
	uint32_t		 id;
	char			*uri;
	char			*where;		/* uri without its query */
	uint8_t			 pin[P11_PIN_MAX];
	size_t			 pinlen;
	enum zs_keytype		 type;
	uint8_t			*spki;		/* to know it after restarts */
	size_t			 spkilen;
	atomic_uint		 loaded_gen;	/* helper start it is in */
	atomic_int		 avail;		/* last request's outcome */
	atomic_llong		 checked_ms;	/* when it came, p11_now_ms() */
};

static pthread_mutex_t p11_helpers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_helper *p11_helpers;

static int
p11_match(const char *spec)
{
	return strncmp(spec, "pkcs11:", 7) == 0;
}

static long long
p11_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static long long
p11_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Describe a wait status for the log. */
static void
p11_status_text(int status, char *out, size_t outlen)
{
	if (WIFSIGNALED(status))
		snprintf(out, outlen, "killed by signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(out, outlen, "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(out, outlen, "stopped");
}

/* Close the channels no thread holds; held ones are closed on release. */
static void
p11_helper_close_idle(struct p11_helper *h)
{
	int i;

	for (i = 0; i < P11_CHANNELS; i++) {
		if (!h->chans[i].busy && h->chans[i].fd >= 0)
			close(h->chans[i].fd);
		h->chans[i].fd = -1;
		h->chans[i].busy = 0;
	}
}

/*
 * Where the helper is: $ZSIGN_PKCS11_HELPER, else the installed one, else
 * the one beside the running program (a build tree).
 */
static void
p11_helper_path(char *path, size_t len)
{
	const char *env = getenv(P11_HELPER_ENV);
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(path, len, "%s", env);
		return;
	}
	snprintf(path, len, "%s/%s", ZS_LIBEXECDIR, P11_HELPER_NAME);
	if (access(path, X_OK) == 0)
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(path, len, "%s/%s", self, P11_HELPER_NAME);
	if (access(path, X_OK) != 0)
		snprintf(path, len, "%s/%s", ZS_LIBEXECDIR, P11_HELPER_NAME);
}

/* Start the helper for h->module (h->lock held). */
static int
p11_helper_spawn(struct p11_helper *h, struct zs_errbuf *eb)
{
	int sp[P11_CHANNELS][2], hi[P11_CHANNELS], i, n = 0, err, null;
	struct timespec pause;
	long long since;
	char path[PATH_MAX + sizeof(P11_HELPER_NAME) + 1];
	char nchan[16];
	char *argv[4];
	pid_t pid;

	p11_helper_path(path, sizeof(path));
	if (access(path, X_OK) != 0)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot run the PKCS#11 "
		    "helper %s: %s (is it installed? %s overrides the path)",
		    path, strerror(errno), P11_HELPER_ENV);
	/*
	 * Pace restarts (no fork loop) by waiting out the rest of the
	 * interval: failing instead would refuse a sign that a new helper
	 * can serve a moment later.
	 */
	if (h->started.tv_sec != 0 &&
	    (since = p11_ms_since(&h->started)) < P11_RESTART_MIN_MS) {
		pause.tv_sec = 0;
		pause.tv_nsec = (long)(P11_RESTART_MIN_MS - since) * 1000000L;
		while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &h->started);
	for (n = 0; n < P11_CHANNELS; n++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp[n]) != 0)
			goto fail;
	}
	snprintf(nchan, sizeof(nchan), "%d", P11_CHANNELS);
	argv[0] = (char *)P11_HELPER_NAME;
	argv[1] = h->module;
	argv[2] = nchan;
	argv[3] = NULL;
	/* The helper logs to stderr; it has no business with stdin/stdout. */
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		goto fail;
	if ((pid = fork()) == -1) {
		err = errno;
		close(null);
		errno = err;
		goto fail;
	}
	if (pid == 0) {
		/*
		 * Only async-signal-safe calls from here on. Move the fds
		 * above the target range first so no dup2 clobbers one (a
		 * daemon without stdin may have got fd 0 for a channel).
		 */
		for (i = 0; i < P11_CHANNELS; i++)
			if ((hi[i] = fcntl(sp[i][1], F_DUPFD_CLOEXEC,
			    P11_FD_END)) == -1)
				_exit(127);
		if ((null = fcntl(null, F_DUPFD_CLOEXEC, P11_FD_END)) == -1 ||
		    dup2(null, 0) == -1 || dup2(null, 1) == -1)
			_exit(127);
		for (i = 0; i < P11_CHANNELS; i++)
			if (dup2(hi[i], P11_FD_BASE + i) == -1)
				_exit(127);
		/* Nothing else of the daemon's (listeners, keys) leaks in. */
		if (close_range(P11_FD_END, ~0U, 0) != 0)
			for (i = P11_FD_END; i < P11_FD_SCAN_MAX; i++)
				(void)close(i);
		execv(path, argv);
		(void)!write(2, "zsign: cannot execute the PKCS#11 helper\n",
		    41);
		_exit(127);
	}
	close(null);
	p11_helper_close_idle(h);
	h->gen++;
	for (i = 0; i < P11_CHANNELS; i++) {
		close(sp[i][1]);
		h->chans[i].fd = sp[i][0];
		h->chans[i].gen = h->gen;
		h->chans[i].busy = 0;
		h->chans[i].idx = i;
	}
	h->pid = pid;
	log_debug("started PKCS#11 helper %s for %s (pid %d)", path,
	    h->module, (int)pid);
	return 0;
 fail:
	err = errno;
	for (i = 0; i < n; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot start the PKCS#11 "
	    "helper for %s: %s", h->module, strerror(err));
}

/* Reap a helper that exited by itself (h->lock held). */
static void
p11_helper_reap(struct p11_helper *h)
{
	char what[64];
	int status;
	pid_t r;

	if (h->pid <= 0)
		return;
	r = waitpid(h->pid, &status, WNOHANG);
	/* Not our child (the daemon forked since): alive while signalable. */
	if (r == 0 || (r == -1 && errno == ECHILD && kill(h->pid, 0) == 0))
		return;
	if (r == h->pid)
		p11_status_text(status, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "gone");
	log_warnx("PKCS#11 helper for %s (pid %d) %s; restarting it",
	    h->module, (int)h->pid, what);
	h->pid = -1;
	p11_helper_close_idle(h);
}

/* Kill the helper behind a channel that failed, report it, restart it. */
static void
p11_helper_fail(struct p11_helper *h, const struct p11_chan *ch,
    const char *why)
{
	struct zs_errbuf eb;
	char what[64];
	int status;

	pthread_mutex_lock(&h->lock);
	if (ch->gen == h->gen && h->pid > 0) {
		(void)kill(h->pid, SIGKILL);
		if (waitpid(h->pid, &status, 0) == h->pid)
			p11_status_text(status, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "gone");
		log_warnx("PKCS#11 helper for %s (pid %d) failed (%s; %s); "
		    "restarting it", h->module, (int)h->pid, why, what);
		h->pid = -1;
		p11_helper_close_idle(h);
		if (p11_helper_spawn(h, &eb) != 0)
			log_warnx("%s", eb.msg);
	}
	pthread_mutex_unlock(&h->lock);
}

/*
 * Take a free channel to a running helper, starting it if need be; when
 * all are busy, wait for one, or fail with ZS_ERR_LIMIT if !wait.
 */
static int
p11_chan_acquire(struct p11_helper *h, struct p11_chan *chp, int wait,
    struct zs_errbuf *eb)
{
	int i, r = 0;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		p11_helper_reap(h);
		if (h->pid <= 0 && (r = p11_helper_spawn(h, eb)) != 0)
			break;
		for (i = 0; i < P11_CHANNELS; i++) {
			if (!h->chans[i].busy && h->chans[i].fd >= 0) {
				h->chans[i].busy = 1;
				*chp = h->chans[i];
				goto out;
			}
		}
		if (!wait) {
			r = zs_errf(eb, ZS_ERR_LIMIT, "helper channels busy");
			break;
		}
		pthread_cond_wait(&h->cond, &h->lock);
	}
 out:
	pthread_mutex_unlock(&h->lock);
	return r;
}

static void
p11_chan_release(struct p11_helper *h, const struct p11_chan *ch)
{
	pthread_mutex_lock(&h->lock);
	if (ch->gen == h->gen && h->chans[ch->idx].fd == ch->fd)
		h->chans[ch->idx].busy = 0;
	else
		close(ch->fd);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/*
 * Send req on ch and wait for the reply. An OK reply's data is copied to
 * out (at most outmax bytes); an error reply becomes the return value.
 */
static int
p11_call(struct p11_helper *h, const struct p11_chan *ch,
    const struct p11_msg *req, uint8_t *out, size_t outmax, size_t *outlenp,
    int timeout_ms, struct zs_errbuf *eb)
{
	struct buf *frame = buf_new(P11_FRAME_MAX + 4);
	struct p11_msg rep;
	struct zs_errbuf deb;
	int r;

	if ((r = p11_msg_encode(req, frame)) != 0) {
		zs_errf(eb, r, "request too large for the PKCS#11 helper");
		goto out;
	}
	if (p11_frame_write(ch->fd, frame, timeout_ms) != 0) {
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "PKCS#11 helper for %s "
		    "is gone (%s); it is being restarted", h->module,
		    strerror(errno));
		p11_helper_fail(h, ch, "write failed");
		goto out;
	}
	if (p11_frame_read(ch->fd, timeout_ms, frame, &deb) != 0 ||
	    p11_msg_decode(buf_ptr(frame), buf_len(frame), &rep, &deb) != 0 ||
	    (rep.type != P11_MSG_OK && rep.type != P11_MSG_ERR)) {
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "PKCS#11 helper for %s "
		    "failed during the request (%s); it is being restarted",
		    h->module, deb.msg);
		p11_helper_fail(h, ch, deb.msg);
		goto out;
	}
	if (rep.type == P11_MSG_ERR) {
		r = zs_errf(eb, rep.code, "%.*s", (int)rep.textlen, rep.text);
		goto out;
	}
	if (rep.datalen > outmax) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "PKCS#11 helper reply too "
		    "large");
		goto out;
	}
	if (rep.datalen > 0)
		memcpy(out, rep.data, rep.datalen);
	*outlenp = rep.datalen;
	r = 0;
 out:
	buf_free(frame);
	return r;
}

/* Make sure the helper behind ch knows k (after a start or restart). */
static int
p11_key_bind(struct p11_key *k, const struct p11_chan *ch,
    struct zs_errbuf *eb)
{
	struct p11_msg req;
	uint8_t spki[P11_SPKI_MAX];
	size_t spkilen = 0;
	int r;

	if (atomic_load(&k->loaded_gen) == ch->gen)
		return 0;
	memset(&req, 0, sizeof(req));
	req.type = P11_MSG_LOAD;
	req.keyid = k->id;
	req.uri = k->uri;
	req.urilen = strlen(k->uri);
	req.pin = k->pin;
	req.pinlen = k->pinlen;
	r = p11_call(k->h, ch, &req, spki, sizeof(spki), &spkilen,
	    k->h->timeout_ms, eb);
	if (r != 0)
		goto out;
	if (k->spki == NULL) {
		k->spki = xmalloc(spkilen);
		memcpy(k->spki, spki, spkilen);
		k->spkilen = spkilen;
	} else if (spkilen != k->spkilen ||
	    memcmp(spki, k->spki, spkilen) != 0) {
		r = zs_errf(eb, ZS_ERR_KEY, "%s: the token now holds a "
		    "different key than at start", k->uri);
		goto out;
	}
	atomic_store(&k->loaded_gen, ch->gen);
 out:
	OPENSSL_cleanse(spki, sizeof(spki));
	return r;
}

/*
 * One request about key k on a free channel (see p11_chan_acquire for
 * wait); its outcome is remembered for p11_available.
 */
static int
p11_key_request(struct p11_key *k, const struct p11_msg *req, uint8_t *out,
    size_t outmax, size_t *outlenp, int wait, int timeout_ms,
    struct zs_errbuf *eb)
{
	struct p11_chan ch;
	int r;

	if ((r = p11_chan_acquire(k->h, &ch, wait, eb)) != 0)
		goto out;
	if ((r = p11_key_bind(k, &ch, eb)) == 0 && req != NULL)
		r = p11_call(k->h, &ch, req, out, outmax, outlenp, timeout_ms,
		    eb);
	p11_chan_release(k->h, &ch);
 out:
	/* Only the token's state counts: a bad request says nothing. */
	if (r == 0 || r == ZS_ERR_UNAVAILABLE) {
		atomic_store(&k->avail, r == 0);
		atomic_store(&k->checked_ms, p11_now_ms());
	}
	return r;
}

/* The helper for module, shared by its keys; started on first use. */
static struct p11_helper *
p11_helper_get(const char *module)
{
	struct p11_helper *h;
	unsigned long long ms;
	const char *env;
	int i;

	pthread_mutex_lock(&p11_helpers_lock);
	for (h = p11_helpers; h != NULL; h = h->next)
		if (strcmp(h->module, module) == 0)
			break;
	if (h == NULL) {
		h = xcalloc(1, sizeof(*h));
		h->module = xstrdup(module);
		h->pid = -1;
		h->timeout_ms = P11_TIMEOUT_MS;
		if ((env = getenv(P11_TIMEOUT_ENV)) != NULL &&
		    zs_parse_uint(env, P11_TIMEOUT_MAX_MS, &ms) == 0 && ms > 0)
			h->timeout_ms = (int)ms;
		for (i = 0; i < P11_CHANNELS; i++)
			h->chans[i].fd = -1;
		pthread_mutex_init(&h->lock, NULL);
		pthread_cond_init(&h->cond, NULL);
		h->next = p11_helpers;
		p11_helpers = h;
	}
	h->refs++;
	pthread_mutex_unlock(&p11_helpers_lock);
	return h;
}

/* Drop a key's hold on its helper; the last one stops the helper. */
static void
p11_helper_put(struct p11_helper *h)
{
	struct p11_helper **hp;
	struct timespec t0;
	int status, i;

	pthread_mutex_lock(&p11_helpers_lock);
	if (--h->refs > 0) {
		pthread_mutex_unlock(&p11_helpers_lock);
		return;
	}
	for (hp = &p11_helpers; *hp != NULL; hp = &(*hp)->next) {
		if (*hp == h) {
			*hp = h->next;
			break;
		}
	}
	pthread_mutex_unlock(&p11_helpers_lock);
	/* No key is left, so no channel is held: closing them ends it. */
	for (i = 0; i < P11_CHANNELS; i++)
		if (h->chans[i].fd >= 0)
			close(h->chans[i].fd);
	if (h->pid > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (waitpid(h->pid, &status, WNOHANG) == 0) {
			if (p11_ms_since(&t0) > P11_EXIT_GRACE_MS) {
				(void)kill(h->pid, SIGKILL);
				(void)waitpid(h->pid, &status, 0);
				break;
			}
			usleep(10000);
		}
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h->module);
	free(h);
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
	req.keyid = k->id;
	req.alg = (uint8_t)alg;
	req.data = tbs;
	req.datalen = tbslen;
	if ((r = p11_key_request(k, &req, raw, sizeof(raw), &rawlen, 1,
	    k->h->timeout_ms, eb)) != 0)
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
	if (k->h != NULL)
		p11_helper_put(k->h);
	free(k->spki);
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
	k->h = p11_helper_get(module);
	pthread_mutex_lock(&k->h->lock);
	k->id = ++k->h->nextid;
	pthread_mutex_unlock(&k->h->lock);
	if ((r = p11_key_request(k, NULL, NULL, 0, NULL, 1, k->h->timeout_ms,
	    eb)) != 0)
		goto out;
	p = k->spki;
	if ((pub = d2i_PUBKEY(NULL, &p, (long)k->spkilen)) == NULL ||
	    p != k->spki + k->spkilen) {
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
	struct p11_msg req;
	struct zs_errbuf eb;
	size_t n;

	int r;

	if (p11_now_ms() - atomic_load(&k->checked_ms) < P11_STATUS_TTL_MS)
		return atomic_load(&k->avail);
	memset(&req, 0, sizeof(req));
	req.type = P11_MSG_STATUS;
	req.keyid = k->id;
	r = p11_key_request(k, &req, NULL, 0, &n, 0, P11_STATUS_TIMEOUT_MS,
	    &eb);
	if (r == ZS_ERR_LIMIT)
		return atomic_load(&k->avail);	/* busy signing: fine */
	if (r != 0) {
		/* Whatever the cause, the key cannot sign now. */
		atomic_store(&k->avail, 0);
		atomic_store(&k->checked_ms, p11_now_ms());
		log_debug("%s: unavailable: %s", k->uri, eb.msg);
		return 0;
	}
	return 1;
}

static const char *
p11_location(void *priv)
{
	return ((struct p11_key *)priv)->where;
}

const struct keystore_ops keystore_pkcs11_ops = {
	.name = "pkcs11",
	.match = p11_match,
	.load = p11_load,
	.sign = p11_sign,
	.available = p11_available,
	.location = p11_location,
	.free = p11_free,
};

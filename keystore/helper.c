/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Both ends of the keystore protocol's child processes. The parent starts
 * a child per (program, argument), reaches it over a few socketpairs (one
 * request at a time each, so requests run concurrently), and kills,
 * reports and restarts a child that dies or hangs. A request that finds
 * its child dead is sent once more to the new one; one with a hung child
 * fails with ZS_ERR_UNAVAILABLE. The child serves each channel from a
 * thread.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/helper.h"
#include "keystore/p11-proto.h"

/* Longest a child may take for one request before it is presumed hung. */
#define HELPER_TIMEOUT_MS	30000
/* Overrides HELPER_TIMEOUT_MS (milliseconds, at most HELPER_TIMEOUT_MAX_MS). */
#define HELPER_TIMEOUT_ENV	"ZSIGN_PKCS11_TIMEOUT_MS"
#define HELPER_TIMEOUT_MAX_MS	600000
/* What a nesting child (struct helper_prog) gets beyond twice the time. */
#define HELPER_NEST_GRACE_MS	5000
/* Least time between two starts of one child (no fork loop). */
#define HELPER_RESTART_MIN_MS	250
/*
 * Tries of one request whose child turns out dead (its channel closed,
 * not silent): it died between requests, unnoticed until this one was
 * sent, so the restarted child gets the request once more rather than
 * the client a 503. Not more: a request that kills its child kills only
 * two. A child that hangs is not tried again (that doubles the wait).
 */
#define HELPER_GONE_TRIES	2
/* How long a child gets to exit by itself once its channels close. */
#define HELPER_EXIT_GRACE_MS	2000
/* First fd above the channels of the largest child. */
#define HELPER_FD_END		(P11_FD_BASE + HELPER_CHANNELS_MAX)
/* Highest fd closed in the child where close_range() is missing. */
#define HELPER_FD_SCAN_MAX	4096

struct helper {
	struct helper		*next;
	const struct helper_prog *prog;
	char			*arg;		/* NULL: none */
	int			 refs;		/* under helpers_lock */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pid_t			 pid;		/* -1: not running */
	int			 timeout_ms;
	unsigned		 gen;
	struct timespec		 started;
	uint32_t		 nextid;
	struct helper_chan	 chans[HELPER_CHANNELS_MAX];
	/* helper_key_status(): keys to ask about, off the caller's thread. */
	pthread_cond_t		 stat_cond;
	pthread_t		 stat_thread;
	int			 stat_running;	/* the thread was started */
	int			 stat_stop;
	struct helper_key	*stat_head;	/* queued */
	struct helper_key	*stat_cur;	/* being asked about */
};

static pthread_mutex_t helpers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct helper *helpers;

static long long
helper_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Describe a wait status for the log. */
static void
helper_status_text(int status, char *out, size_t outlen)
{
	if (WIFSIGNALED(status))
		snprintf(out, outlen, "killed by signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(out, outlen, "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(out, outlen, "stopped");
}

/* "key holder" or "PKCS#11 helper for MODULE", for messages. */
static const char *
helper_name(const struct helper *h, char *out, size_t outlen)
{
	if (h->arg == NULL)
		snprintf(out, outlen, "%s", h->prog->what);
	else
		snprintf(out, outlen, "%s for %s", h->prog->what, h->arg);
	return out;
}

/* Close the channels no thread holds; held ones are closed on release. */
static void
helper_close_idle(struct helper *h)
{
	int i;

	for (i = 0; i < h->prog->nchan; i++) {
		if (!h->chans[i].busy && h->chans[i].fd >= 0)
			close(h->chans[i].fd);
		h->chans[i].fd = -1;
		h->chans[i].busy = 0;
	}
}

/*
 * Where the program is: its environment override, else the installed
 * one, else the one beside the running program (a build tree).
 */
void
helper_path(const struct helper_prog *prog, char *path, size_t len)
{
	const char *env = getenv(prog->env);
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(path, len, "%s", env);
		return;
	}
	snprintf(path, len, "%s/%s", ZS_LIBEXECDIR, prog->name);
	if (access(path, X_OK) == 0)
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(path, len, "%s/%s", self, prog->name);
	if (access(path, X_OK) != 0)
		snprintf(path, len, "%s/%s", ZS_LIBEXECDIR, prog->name);
}

/* Start the child (h->lock held). */
static int
helper_spawn(struct helper *h, struct zs_errbuf *eb)
{
	int sp[HELPER_CHANNELS_MAX][2], hi[HELPER_CHANNELS_MAX];
	int i, n = 0, err, null, nchan = h->prog->nchan;
	struct timespec pause;
	long long since;
	char path[PATH_MAX * 2], nbuf[16], name[PATH_MAX];
	char *argv[4];
	pid_t pid;

	helper_path(h->prog, path, sizeof(path));
	if (access(path, X_OK) != 0)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot run the %s %s: "
		    "%s (is it installed? %s overrides the path)",
		    h->prog->what, path, strerror(errno), h->prog->env);
	/*
	 * Pace restarts (no fork loop) by waiting out the rest of the
	 * interval: failing instead would refuse a request that a new
	 * child can serve a moment later.
	 */
	if (h->started.tv_sec != 0 &&
	    (since = helper_ms_since(&h->started)) < HELPER_RESTART_MIN_MS) {
		pause.tv_sec = 0;
		pause.tv_nsec = (long)(HELPER_RESTART_MIN_MS - since) *
		    1000000L;
		while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
			;
	}
	clock_gettime(CLOCK_MONOTONIC, &h->started);
	for (n = 0; n < nchan; n++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp[n]) != 0)
			goto fail;
	}
	snprintf(nbuf, sizeof(nbuf), "%d", nchan);
	i = 0;
	argv[i++] = (char *)h->prog->name;
	if (h->arg != NULL)
		argv[i++] = h->arg;
	argv[i++] = nbuf;
	argv[i] = NULL;
	/* The child logs to stderr; it has no business with stdin/stdout. */
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
		for (i = 0; i < nchan; i++)
			if ((hi[i] = fcntl(sp[i][1], F_DUPFD_CLOEXEC,
			    HELPER_FD_END)) == -1)
				_exit(127);
		if ((null = fcntl(null, F_DUPFD_CLOEXEC, HELPER_FD_END)) ==
		    -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1)
			_exit(127);
		for (i = 0; i < nchan; i++)
			if (dup2(hi[i], P11_FD_BASE + i) == -1)
				_exit(127);
		/* Nothing else of the parent's (listeners, keys) leaks in. */
		if (close_range(P11_FD_BASE + nchan, ~0U, 0) != 0)
			for (i = P11_FD_BASE + nchan; i < HELPER_FD_SCAN_MAX;
			    i++)
				(void)close(i);
		execv(path, argv);
		(void)!write(2, "zsign: cannot execute a helper program\n",
		    39);
		_exit(127);
	}
	close(null);
	helper_close_idle(h);
	h->gen++;
	for (i = 0; i < nchan; i++) {
		close(sp[i][1]);
		h->chans[i].fd = sp[i][0];
		h->chans[i].gen = h->gen;
		h->chans[i].busy = 0;
		h->chans[i].idx = i;
	}
	h->pid = pid;
	log_debug("started the %s (%s, pid %d)", helper_name(h, name,
	    sizeof(name)), path, (int)pid);
	return 0;
 fail:
	err = errno;
	for (i = 0; i < n; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot start the %s: %s",
	    helper_name(h, name, sizeof(name)), strerror(err));
}

/* Reap a child that exited by itself (h->lock held). */
static void
helper_reap(struct helper *h)
{
	char what[64], name[PATH_MAX];
	int status;
	pid_t r;

	if (h->pid <= 0)
		return;
	r = waitpid(h->pid, &status, WNOHANG);
	/* Not our child (the parent forked since): alive while signalable. */
	if (r == 0 || (r == -1 && errno == ECHILD && kill(h->pid, 0) == 0))
		return;
	if (r == h->pid)
		helper_status_text(status, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "gone");
	log_warnx("%s (pid %d) %s; restarting it", helper_name(h, name,
	    sizeof(name)), (int)h->pid, what);
	h->pid = -1;
	helper_close_idle(h);
}

/* Kill the child behind a channel that failed, report it, restart it. */
static void
helper_fail(struct helper *h, const struct helper_chan *ch, const char *why)
{
	struct zs_errbuf eb;
	char what[64], name[PATH_MAX];
	int status;

	pthread_mutex_lock(&h->lock);
	if (ch->gen == h->gen && h->pid > 0) {
		(void)kill(h->pid, SIGKILL);
		if (waitpid(h->pid, &status, 0) == h->pid)
			helper_status_text(status, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "gone");
		log_warnx("%s (pid %d) failed (%s; %s); restarting it",
		    helper_name(h, name, sizeof(name)), (int)h->pid, why,
		    what);
		h->pid = -1;
		helper_close_idle(h);
		if (helper_spawn(h, &eb) != 0)
			log_warnx("%s", eb.msg);
	}
	pthread_mutex_unlock(&h->lock);
}

int
helper_acquire(struct helper *h, struct helper_chan *chp, int wait,
    struct zs_errbuf *eb)
{
	int i, r = 0;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		helper_reap(h);
		if (h->pid <= 0 && (r = helper_spawn(h, eb)) != 0)
			break;
		for (i = 0; i < h->prog->nchan; i++) {
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

void
helper_release(struct helper *h, const struct helper_chan *ch)
{
	pthread_mutex_lock(&h->lock);
	if (ch->gen == h->gen && h->chans[ch->idx].fd == ch->fd)
		h->chans[ch->idx].busy = 0;
	else
		close(ch->fd);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/* The channel broke because the child is gone (not slow): errno says. */
static int
helper_errno_gone(void)
{
	return errno == EPIPE || errno == ECONNRESET;
}

/* helper_call(); *gonep (if not NULL) says if the child was gone. */
static int
helper_call_gone(struct helper *h, const struct helper_chan *ch,
    const struct p11_msg *req, uint8_t *out, size_t outmax, size_t *outlenp,
    int timeout_ms, int *gonep, struct zs_errbuf *eb)
{
	struct buf *frame = buf_new(P11_FRAME_MAX + 4);
	struct p11_msg rep;
	struct zs_errbuf deb;
	char name[PATH_MAX];
	int r, rr, gone = 0;

	if ((r = p11_msg_encode(req, frame)) != 0) {
		zs_errf(eb, r, "request too large for the %s",
		    helper_name(h, name, sizeof(name)));
		goto out;
	}
	if (p11_frame_write(ch->fd, frame, timeout_ms) != 0) {
		gone = helper_errno_gone();
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "%s is gone (%s); it is "
		    "being restarted", helper_name(h, name, sizeof(name)),
		    strerror(errno));
		helper_fail(h, ch, "write failed");
		goto out;
	}
	if ((rr = p11_frame_read(ch->fd, timeout_ms, frame, &deb)) != 0 ||
	    p11_msg_decode(buf_ptr(frame), buf_len(frame), &rep, &deb) != 0 ||
	    (rep.type != P11_MSG_OK && rep.type != P11_MSG_ERR)) {
		gone = rr != 0 && helper_errno_gone();
		r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "%s failed during the "
		    "request (%s); it is being restarted", helper_name(h, name,
		    sizeof(name)), deb.msg);
		helper_fail(h, ch, deb.msg);
		goto out;
	}
	if (rep.type == P11_MSG_ERR) {
		r = zs_errf(eb, rep.code, "%.*s", (int)rep.textlen, rep.text);
		goto out;
	}
	if (rep.datalen > outmax) {
		r = zs_errf(eb, ZS_ERR_PROTOCOL, "%s reply too large",
		    helper_name(h, name, sizeof(name)));
		goto out;
	}
	if (rep.datalen > 0)
		memcpy(out, rep.data, rep.datalen);
	*outlenp = rep.datalen;
	r = 0;
 out:
	if (gonep != NULL)
		*gonep = gone;
	buf_free(frame);
	return r;
}

int
helper_call(struct helper *h, const struct helper_chan *ch,
    const struct p11_msg *req, uint8_t *out, size_t outmax, size_t *outlenp,
    int timeout_ms, struct zs_errbuf *eb)
{
	return helper_call_gone(h, ch, req, out, outmax, outlenp, timeout_ms,
	    NULL, eb);
}

static int
helper_same(const struct helper *h, const struct helper_prog *prog,
    const char *arg)
{
	if (h->prog != prog)
		return 0;
	if (h->arg == NULL || arg == NULL)
		return h->arg == arg;
	return strcmp(h->arg, arg) == 0;
}

struct helper *
helper_get(const struct helper_prog *prog, const char *arg)
{
	struct helper *h;
	unsigned long long ms;
	const char *env;
	int i;

	if (prog->nchan < 1 || prog->nchan > HELPER_CHANNELS_MAX)
		fatalx("%s: %d channels for %s", __func__, prog->nchan,
		    prog->name);
	pthread_mutex_lock(&helpers_lock);
	for (h = helpers; h != NULL; h = h->next)
		if (helper_same(h, prog, arg))
			break;
	if (h == NULL) {
		h = xcalloc(1, sizeof(*h));
		h->prog = prog;
		h->arg = arg != NULL ? xstrdup(arg) : NULL;
		h->pid = -1;
		h->timeout_ms = HELPER_TIMEOUT_MS;
		if ((env = getenv(HELPER_TIMEOUT_ENV)) != NULL &&
		    zs_parse_uint(env, HELPER_TIMEOUT_MAX_MS, &ms) == 0 &&
		    ms > 0)
			h->timeout_ms = (int)ms;
		if (prog->nests)
			h->timeout_ms = 2 * h->timeout_ms + HELPER_NEST_GRACE_MS;
		for (i = 0; i < HELPER_CHANNELS_MAX; i++)
			h->chans[i].fd = -1;
		pthread_mutex_init(&h->lock, NULL);
		pthread_cond_init(&h->cond, NULL);
		pthread_cond_init(&h->stat_cond, NULL);
		h->next = helpers;
		helpers = h;
	}
	h->refs++;
	pthread_mutex_unlock(&helpers_lock);
	return h;
}

void
helper_put(struct helper *h)
{
	struct helper **hp;
	struct timespec t0;
	int status, i;

	if (h == NULL)
		return;
	pthread_mutex_lock(&helpers_lock);
	if (--h->refs > 0) {
		pthread_mutex_unlock(&helpers_lock);
		return;
	}
	for (hp = &helpers; *hp != NULL; hp = &(*hp)->next) {
		if (*hp == h) {
			*hp = h->next;
			break;
		}
	}
	pthread_mutex_unlock(&helpers_lock);
	/* Every key is gone, so its status thread is idle: end it. */
	pthread_mutex_lock(&h->lock);
	h->stat_stop = 1;
	pthread_cond_broadcast(&h->stat_cond);
	pthread_mutex_unlock(&h->lock);
	if (h->stat_running)
		pthread_join(h->stat_thread, NULL);
	/* No holder is left, so no channel is held: closing them ends it. */
	for (i = 0; i < h->prog->nchan; i++)
		if (h->chans[i].fd >= 0)
			close(h->chans[i].fd);
	if (h->pid > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (waitpid(h->pid, &status, WNOHANG) == 0) {
			if (helper_ms_since(&t0) > HELPER_EXIT_GRACE_MS) {
				(void)kill(h->pid, SIGKILL);
				(void)waitpid(h->pid, &status, 0);
				break;
			}
			usleep(10000);
		}
	}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	pthread_cond_destroy(&h->stat_cond);
	free(h->arg);
	free(h);
}

uint32_t
helper_next_id(struct helper *h)
{
	uint32_t id;

	pthread_mutex_lock(&h->lock);
	id = ++h->nextid;
	pthread_mutex_unlock(&h->lock);
	return id;
}

int
helper_timeout_ms(const struct helper *h)
{
	return h->timeout_ms;
}

static long long
helper_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Make sure the child behind ch has k open (after a start or restart). */
static int
helper_key_open(struct helper_key *k, const struct helper_chan *ch,
    int *gonep, struct zs_errbuf *eb)
{
	struct p11_msg req;
	uint8_t spki[P11_SPKI_MAX];
	size_t spkilen = 0;
	int r;

	if (atomic_load(&k->opened_gen) == ch->gen)
		return 0;
	memset(&req, 0, sizeof(req));
	k->open_req(k->arg, &req);
	req.keyid = k->id;
	r = helper_call_gone(k->h, ch, &req, spki, sizeof(spki), &spkilen,
	    k->h->timeout_ms, gonep, eb);
	/* The open request may carry a PIN. */
	OPENSSL_cleanse(&req, sizeof(req));
	if (r != 0)
		return r;
	if (k->spki == NULL) {
		k->spki = xmalloc(spkilen);
		memcpy(k->spki, spki, spkilen);
		k->spkilen = spkilen;
	} else if (spkilen != k->spkilen ||
	    memcmp(spki, k->spki, spkilen) != 0)
		return zs_errf(eb, ZS_ERR_KEY, "%s: now holds a different key "
		    "than at start", k->name);
	atomic_store(&k->opened_gen, ch->gen);
	return 0;
}

int
helper_key_request(struct helper_key *k, struct p11_msg *req, uint8_t *out,
    size_t outmax, size_t *outlenp, int wait, int timeout_ms,
    struct zs_errbuf *eb)
{
	struct helper_chan ch;
	int r, gone = 1, tries;

	ch.gen = 0;
	for (tries = 0; gone && tries < HELPER_GONE_TRIES; tries++) {
		gone = 0;
		if ((r = helper_acquire(k->h, &ch, wait, eb)) != 0)
			goto out;
		if ((r = helper_key_open(k, &ch, &gone, eb)) == 0 &&
		    req != NULL) {
			req->keyid = k->id;
			r = helper_call_gone(k->h, &ch, req, out, outmax,
			    outlenp, timeout_ms, &gone, eb);
		}
		helper_release(k->h, &ch);
	}
 out:
	/* Only the key's state counts: a bad request says nothing. */
	if (r == 0 || r == ZS_ERR_UNAVAILABLE) {
		atomic_store(&k->avail, r == 0);
		atomic_store(&k->checked_gen, ch.gen);
		atomic_store(&k->checked_ms, helper_now_ms());
	}
	return r;
}

int
helper_key_init(struct helper_key *k, const struct helper_prog *prog,
    const char *arg, struct zs_errbuf *eb)
{
	k->h = helper_get(prog, arg);
	k->id = helper_next_id(k->h);
	return helper_key_request(k, NULL, NULL, 0, NULL, 1, k->h->timeout_ms,
	    eb);
}

/*
 * Take k off its child's status queue, and wait until the status thread
 * is done with it, if it is asking about k now (at most its timeout).
 */
static void
helper_key_unqueue(struct helper_key *k)
{
	struct helper *h = k->h;
	struct helper_key **kp;

	pthread_mutex_lock(&h->lock);
	if (k->stat_queued) {
		for (kp = &h->stat_head; *kp != NULL; kp = &(*kp)->stat_next)
			if (*kp == k) {
				*kp = k->stat_next;
				break;
			}
		k->stat_queued = 0;
	}
	while (h->stat_cur == k)
		pthread_cond_wait(&h->stat_cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

void
helper_key_fini(struct helper_key *k, uint8_t close_type)
{
	struct helper_chan ch;
	struct zs_errbuf eb;
	struct p11_msg req;
	size_t n;

	if (k->h == NULL)
		return;
	helper_key_unqueue(k);
	if (close_type != 0 && helper_acquire(k->h, &ch, 1, &eb) == 0) {
		if (atomic_load(&k->opened_gen) == ch.gen) {
			memset(&req, 0, sizeof(req));
			req.type = close_type;
			req.keyid = k->id;
			if (helper_call(k->h, &ch, &req, NULL, 0, &n,
			    k->h->timeout_ms, &eb) != 0)
				log_debug("%s: %s", k->name, eb.msg);
		}
		helper_release(k->h, &ch);
	}
	helper_put(k->h);
	k->h = NULL;
	free(k->spki);
	k->spki = NULL;
}

/*
 * Does k's last outcome still answer at now (younger than ttl_ms)? A
 * failure seen in a child since replaced (gen is the current start) says
 * nothing now.
 */
static int
helper_key_fresh(struct helper_key *k, long long now, int ttl_ms,
    unsigned gen)
{
	return now - atomic_load(&k->checked_ms) < ttl_ms &&
	    (atomic_load(&k->avail) || atomic_load(&k->checked_gen) == gen);
}

int
helper_key_available(struct helper_key *k, uint8_t status_type, int ttl_ms,
    int timeout_ms)
{
	struct p11_msg req;
	struct zs_errbuf eb;
	unsigned gen;
	size_t n;
	int r;

	pthread_mutex_lock(&k->h->lock);
	gen = k->h->gen;
	pthread_mutex_unlock(&k->h->lock);
	if (helper_key_fresh(k, helper_now_ms(), ttl_ms, gen))
		return atomic_load(&k->avail);
	memset(&req, 0, sizeof(req));
	req.type = status_type;
	r = helper_key_request(k, &req, NULL, 0, &n, 0, timeout_ms, &eb);
	if (r == ZS_ERR_LIMIT)
		return atomic_load(&k->avail);	/* busy: fine */
	if (r != 0) {
		/* Whatever the cause, the key cannot sign now. */
		atomic_store(&k->avail, 0);
		atomic_store(&k->checked_ms, helper_now_ms());
		log_debug("%s: unavailable: %s", k->name, eb.msg);
		return 0;
	}
	return 1;
}

/* A child's status thread: ask about each queued key in turn. */
static void *
helper_stat_run(void *arg)
{
	struct helper *h = arg;
	struct helper_key *k;
	sigset_t all;

	/* The daemon's signals are the event loop's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->stat_stop && h->stat_head == NULL)
			pthread_cond_wait(&h->stat_cond, &h->lock);
		if (h->stat_stop)
			break;
		k = h->stat_head;
		h->stat_head = k->stat_next;
		k->stat_queued = 0;
		h->stat_cur = k;
		pthread_mutex_unlock(&h->lock);
		/* Time to live 0: ask, whatever is known. */
		(void)helper_key_available(k, k->stat_type, 0,
		    k->stat_timeout_ms);
		pthread_mutex_lock(&h->lock);
		h->stat_cur = NULL;
		pthread_cond_broadcast(&h->stat_cond);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

int
helper_key_status(struct helper_key *k, uint8_t status_type, int ttl_ms,
    int timeout_ms)
{
	struct helper *h = k->h;
	long long now = helper_now_ms(), checked;
	int avail, fresh, silent, e;

	pthread_mutex_lock(&h->lock);
	fresh = helper_key_fresh(k, now, ttl_ms, h->gen);
	checked = atomic_load(&k->checked_ms);
	avail = atomic_load(&k->avail);
	/* No question unanswered: this one starts the grace. */
	if (!fresh && k->stat_asked_ms <= checked)
		k->stat_asked_ms = now;
	silent = !fresh && now - k->stat_asked_ms >= HELPER_STATUS_GRACE_MS;
	if (!fresh && !k->stat_queued && h->stat_cur != k && !h->stat_stop) {
		k->stat_type = status_type;
		k->stat_timeout_ms = timeout_ms;
		k->stat_queued = 1;
		k->stat_next = h->stat_head;
		h->stat_head = k;
		if (!h->stat_running) {
			if ((e = pthread_create(&h->stat_thread, NULL,
			    helper_stat_run, h)) != 0)
				fatalx("%s: pthread_create: error %d",
				    __func__, e);
			h->stat_running = 1;
		}
		pthread_cond_broadcast(&h->stat_cond);
	}
	pthread_mutex_unlock(&h->lock);
	/* Asked and silent past the grace: hung (or stopped); down. */
	return avail && !silent;
}

/* Answer m on fd; the reply frame is zeroized on free. */
static int
helper_reply(int fd, const struct p11_msg *m)
{
	struct buf *out = buf_new(P11_FRAME_MAX + 4);
	int r;

	if ((r = p11_msg_encode(m, out)) == 0)
		r = p11_frame_write(fd, out, -1);
	buf_free(out);
	return r;
}

int
helper_reply_ok(int fd, const uint8_t *data, size_t len)
{
	struct p11_msg m;

	memset(&m, 0, sizeof(m));
	m.type = P11_MSG_OK;
	m.data = data;
	m.datalen = len;
	return helper_reply(fd, &m);
}

int
helper_reply_err(int fd, const struct zs_errbuf *eb, int code)
{
	struct p11_msg m;

	memset(&m, 0, sizeof(m));
	m.type = P11_MSG_ERR;
	m.code = code < 0 && code > -ZS_ERR_COUNT ? code : ZS_ERR_INTERNAL;
	m.text = eb->msg;
	m.textlen = strnlen(eb->msg, P11_TEXT_MAX);
	return helper_reply(fd, &m);
}

struct helper_server {
	int				 fd;
	pthread_t			 thread;
	const struct helper_handler	*handlers;
	size_t				 nhandlers;
	const struct zs_errbuf		*refuse;
};

/* Serve one channel until the parent closes it or breaks the protocol. */
static void *
helper_serve_chan(void *arg)
{
	struct helper_server *ch = arg;
	struct buf *body = buf_new(P11_FRAME_MAX);
	struct zs_errbuf eb;
	struct p11_msg req;
	size_t i;
	int r;

	for (;;) {
		zs_errclear(&eb);
		if (p11_frame_read(ch->fd, -1, body, &eb) != 0)
			break;
		if (p11_msg_decode(buf_ptr(body), buf_len(body), &req,
		    &eb) != 0) {
			log_warnx("closing channel: %s", eb.msg);
			break;
		}
		for (i = 0; i < ch->nhandlers &&
		    ch->handlers[i].type != req.type; i++)
			;
		if (i == ch->nhandlers) {
			log_warnx("closing channel: unexpected message %u",
			    req.type);
			break;
		}
		if (ch->refuse != NULL)
			r = helper_reply_err(ch->fd, ch->refuse,
			    ch->refuse->code);
		else
			r = ch->handlers[i].handler(ch->fd, &req, &eb);
		buf_reset(body);
		if (r != 0)
			break;
	}
	/* The body may have held a PIN or a message: buf_free zeroizes. */
	buf_free(body);
	close(ch->fd);
	return NULL;
}

void
helper_serve(int nchan, const struct helper_handler *handlers,
    size_t nhandlers, const struct zs_errbuf *refuse)
{
	struct helper_server chans[HELPER_CHANNELS_MAX];
	int i;

	if (nchan < 1 || nchan > HELPER_CHANNELS_MAX)
		fatalx("%s: %d channels", __func__, nchan);
	/* The parent going away shows as EOF, not as a signal. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nchan; i++) {
		chans[i].fd = P11_FD_BASE + i;
		chans[i].handlers = handlers;
		chans[i].nhandlers = nhandlers;
		chans[i].refuse = refuse;
		if (pthread_create(&chans[i].thread, NULL, helper_serve_chan,
		    &chans[i]) != 0)
			fatalx("cannot start channel thread");
	}
	for (i = 0; i < nchan; i++)
		pthread_join(chans[i].thread, NULL);
}

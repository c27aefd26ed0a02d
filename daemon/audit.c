/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hash-chained audit log: writing (one fsync'd JSON line per request,
 * fail closed) and checking (zsignd --verify-audit). A line's hash is the
 * SHA-256 of its exact bytes without the newline, so the checker never
 * needs to re-serialize JSON.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/audit.h"
#include "keystore/keystore.h"

struct audit {
	pthread_mutex_t		 mtx;
	char			*path;
	int			 fd;
	dev_t			 dev;		/* of the file fd is open on */
	ino_t			 ino;
	int			 broken;	/* latched after an unrecoverable write */
	char			 brokenmsg[ZS_ERRMSG_MAX];
	char			 lasterr[ZS_ERRMSG_MAX]; /* last append, "" if ok */
	unsigned long long	 seq;		/* seq of the last line */
	char			 head[65];	/* hash of the last line */
	unsigned long long	 state;		/* highest "state" written */
	struct zs_key		*key;		/* signs checkpoints, or NULL */
	unsigned long long	 since_cp;	/* lines since the last one */
};

static const char *const audit_result_names[] = {
	[AUDIT_OK] = "ok",
	[AUDIT_REFUSED] = "refused",
	[AUDIT_FAILED] = "failed",
	[AUDIT_HELD] = "held",
	[AUDIT_APPROVED] = "approved",
	[AUDIT_REJECTED] = "rejected",
	[AUDIT_EXPIRED] = "expired",
};

static void	audit_now(char out[48]);

/*
 * Find the last line of the open file fd (size bytes) and take seq and
 * hash from it; the file must end with a newline.
 */
static int
audit_read_head(int fd, off_t size, unsigned long long *seqp, char head[65],
    unsigned long long *statep, struct zs_errbuf *eb)
{
	json_t *root = NULL, *seq, *state;
	char *tail = NULL, *line;
	size_t want, n, i;
	off_t start;
	ssize_t got;
	int r = ZS_ERR_INTERNAL;

	want = size > (off_t)AUDIT_LINE_MAX + 1 ? AUDIT_LINE_MAX + 1 :
	    (size_t)size;
	start = size - (off_t)want;
	tail = xmalloc(want + 1);
	for (n = 0; n < want; n += (size_t)got) {
		got = pread(fd, tail + n, want - n, start + (off_t)n);
		if (got == -1 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0) {
			r = zs_errf(eb, ZS_ERR_IO, "read: %s",
			    got == 0 ? "file shrank" : strerror(errno));
			goto out;
		}
	}
	tail[want] = '\0';
	if (tail[want - 1] != '\n') {
		r = zs_errf(eb, ZS_ERR_FORMAT, "last line is incomplete "
		    "(no newline); check it with --verify-audit");
		goto out;
	}
	for (i = want - 1; i > 0 && tail[i - 1] != '\n'; i--)
		;
	if (i == 0 && start != 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "last line longer than %u bytes",
		    AUDIT_LINE_MAX);
		goto out;
	}
	line = tail + i;
	n = want - 1 - i;
	if ((root = json_loadb(line, n, 0, NULL)) == NULL ||
	    !json_is_object(root) ||
	    !json_is_integer(seq = json_object_get(root, "seq")) ||
	    json_integer_value(seq) < 1 ||
	    !json_is_string(json_object_get(root, "prev"))) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "last line is not an audit "
		    "record; check it with --verify-audit");
		goto out;
	}
	*seqp = (unsigned long long)json_integer_value(seq);
	state = json_object_get(root, "state");
	*statep = json_is_integer(state) && json_integer_value(state) > 0 ?
	    (unsigned long long)json_integer_value(state) : 0;
	zs_sha256_hex((const uint8_t *)line, n, head);
	r = 0;
 out:
	json_decref(root);
	free(tail);
	return r;
}

static int
audit_open_fd(const char *path, int *fdp, struct stat *stp,
    unsigned long long *seqp, char head[65], unsigned long long *statep,
    struct zs_errbuf *eb)
{
	struct zs_errbuf sub;
	struct stat st;
	int fd, r = ZS_ERR_INTERNAL;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return zs_errf(eb, ZS_ERR_IO, "audit log %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((r = audit_read_head(fd, st.st_size, seqp, head, statep,
		    &sub)) != 0) {
			zs_errf(eb, r, "audit log %s: %s", path, sub.msg);
			goto out;
		}
	} else {
		*seqp = 0;
		*statep = 0;
		memcpy(head, AUDIT_GENESIS, 65);
	}
	*stp = st;
	*fdp = fd;
	fd = -1;
	r = 0;
 out:
	if (fd != -1)
		close(fd);
	return r;
}

int
audit_open(const char *path, struct audit **ap, struct zs_errbuf *eb)
{
	struct audit *a;
	struct stat st;
	int r;

	a = xcalloc(1, sizeof(*a));
	a->fd = -1;
	if ((r = audit_open_fd(path, &a->fd, &st, &a->seq, a->head, &a->state,
	    eb)) != 0) {
		free(a);
		return r;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->path = xstrdup(path);
	pthread_mutex_init(&a->mtx, NULL);
	*ap = a;
	return 0;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	zs_key_free(a->key);
	if (a->fd != -1)
		close(a->fd);
	pthread_mutex_destroy(&a->mtx);
	free(a->path);
	free(a);
}

const char *
audit_path(const struct audit *a)
{
	return a->path;
}

unsigned long long
audit_state(const struct audit *a)
{
	return a->state;
}

unsigned long long
audit_count(const struct audit *a)
{
	return a->seq;
}

void
audit_head(struct audit *a, char out[65])
{
	pthread_mutex_lock(&a->mtx);
	memcpy(out, a->head, 65);
	pthread_mutex_unlock(&a->mtx);
}

/*
 * Append the record o (taken over) as line seq + 1 after seq and sync it,
 * to fd (a's file, or its successor's); with the lock held. A partial line
 * is cut off again or, failing that, latches the log broken, as does a
 * failed sync.
 */
static int
audit_put(struct audit *a, int fd, json_t *o, unsigned long long seq,
    struct zs_errbuf *eb)
{
	struct stat st;
	char *line = NULL;
	size_t len, off;
	ssize_t n;
	int r = ZS_ERR_INTERNAL, saved;

	if (o == NULL || (line = json_dumps(o, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "audit record not encodable");
		goto out;
	}
	len = strlen(line);
	if (len > AUDIT_LINE_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "audit record of %zu bytes "
		    "exceeds %u", len, AUDIT_LINE_MAX);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s: %s", a->path,
		    strerror(errno));
		goto out;
	}
	line[len] = '\n';	/* json_dumps' NUL: the string is not used as such again */
	for (off = 0; off < len + 1; off += (size_t)n) {
		n = write(fd, line + off, len + 1 - off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			saved = n == 0 ? ENOSPC : errno;
			/*
			 * A cut-off line would break the chain for every
			 * later record: take it back, or stop logging.
			 */
			if (off > 0 && (!S_ISREG(st.st_mode) ||
			    ftruncate(fd, st.st_size) == -1)) {
				a->broken = 1;
				snprintf(a->brokenmsg, sizeof(a->brokenmsg),
				    "partial line left: %s", strerror(saved));
			}
			r = zs_errf(eb, ZS_ERR_IO, "audit log %s: write: %s; "
			    "refusing to sign", a->path, strerror(saved));
			goto out;
		}
	}
	if (fdatasync(fd) == -1 && errno != EINVAL) {
		/* After a failed sync the page cache state is unknown. */
		saved = errno;
		a->broken = 1;
		snprintf(a->brokenmsg, sizeof(a->brokenmsg), "fsync: %s",
		    strerror(saved));
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s: fsync: %s; refusing "
		    "to sign", a->path, strerror(saved));
		goto out;
	}
	a->seq = seq + 1;
	zs_sha256_hex((const uint8_t *)line, len, a->head);
	a->since_cp = json_is_string(json_object_get(o, "signature")) ? 0 :
	    a->since_cp + 1;
	r = 0;
 out:
	json_decref(o);
	free(line);
	return r;
}

/* The bytes a checkpoint's signature covers: its seq, time and prev. */
static char *
audit_cp_message(unsigned long long seq, const char *time, const char *prev)
{
	return xasprintf("%s\nseq=%llu\ntime=%s\nprev=%s\n", AUDIT_CP_CONTEXT,
	    seq, time, prev);
}

/*
 * The checkpoint signature scheme of a key type: Ed25519 over the
 * message; ECDSA and RSA (PKCS#1 v1.5) over its SHA-256. -1: none.
 */
static int
audit_cp_alg(enum zs_keytype type)
{
	switch (type) {
	case ZS_KEY_ED25519:
		return ZS_SIG_ED25519;
	case ZS_KEY_EC_P256:
	case ZS_KEY_EC_P384:
		return ZS_SIG_ECDSA_SHA256;
	case ZS_KEY_RSA:
		return ZS_SIG_RSA_PKCS1_SHA256;
	default:
		return -1;
	}
}

/* Does sig verify msg under pub (the schemes of audit_cp_alg)? */
static int
audit_cp_verify(EVP_PKEY *pub, const char *msg, const uint8_t *sig,
    size_t siglen)
{
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	int ok;

	md = EVP_PKEY_is_a(pub, "ED25519") ? NULL : EVP_sha256();
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, (const uint8_t *)msg,
	    strlen(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * Append a checkpoint: a record signed with the audit key over its seq,
 * time and prev (the hash of everything before it, through the chain).
 * With the lock held; nothing to do without a key or new records.
 */
static int
audit_checkpoint_locked(struct audit *a, struct zs_errbuf *eb)
{
	uint8_t digest[32], *sig = NULL;
	size_t siglen;
	char now[48], *msg, *b64;
	json_t *o;
	int alg, r;

	if (a->key == NULL || a->since_cp == 0 || a->broken)
		return 0;
	alg = audit_cp_alg(zs_key_type(a->key));
	audit_now(now);
	msg = audit_cp_message(a->seq + 1, now, a->head);
	if (alg == ZS_SIG_ED25519)
		r = zs_key_sign(a->key, alg, (const uint8_t *)msg, strlen(msg),
		    &sig, &siglen, eb);
	else {
		SHA256((const uint8_t *)msg, strlen(msg), digest);
		r = zs_key_sign(a->key, (enum zs_sigalg)alg, digest,
		    sizeof(digest), &sig, &siglen, eb);
	}
	free(msg);
	if (r != 0)
		return r;
	b64 = zs_b64_encode(sig, siglen);
	free(sig);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "seq",
	    (json_int_t)(a->seq + 1), "time", now, "event", AUDIT_EVENT_CP,
	    "key_fingerprint", zs_key_fingerprint(a->key), "signature", b64,
	    "prev", a->head);
	free(b64);
	return audit_put(a, a->fd, o, a->seq, eb);
}

/*
 * The first line of a file that replaces a removed one: it carries on the
 * old chain (seq and prev), so that nothing between the two files can be
 * dropped unseen. Called with the lock held; 0 or ZS_ERR_* with eb.
 */
static int
audit_link(struct audit *a, int fd, unsigned long long seq,
    const char *head, struct zs_errbuf *eb)
{
	char now[48];
	json_t *o;

	audit_now(now);
	o = json_pack("{s:I,s:s,s:s,s:s,s:s}", "seq", (json_int_t)(seq + 1),
	    "time", now, "event", AUDIT_EVENT_CONTINUED, "message",
	    "the previous audit file was removed or replaced; this one "
	    "continues its chain", "prev", head);
	/* What the state store must hold at least, as on any last line. */
	if (o != NULL && a->state != 0)
		json_object_set_new(o, "state", json_integer((json_int_t)
		    a->state));
	return audit_put(a, fd, o, seq, eb);
}

int
audit_set_key(struct audit *a, struct zs_key *key, struct zs_errbuf *eb)
{
	if (audit_cp_alg(zs_key_type(key)) == -1)
		return zs_errf(eb, ZS_ERR_KEY, "audit key %s: a %s key cannot "
		    "sign", zs_key_name(key), zs_key_type_name(key));
	pthread_mutex_lock(&a->mtx);
	zs_key_free(a->key);
	a->key = zs_key_ref(key);
	/* The lines found at open are covered by the first checkpoint. */
	a->since_cp = a->seq > 0 ? 1 : 0;
	pthread_mutex_unlock(&a->mtx);
	return 0;
}

int
audit_checkpoint(struct audit *a, struct zs_errbuf *eb)
{
	int r;

	pthread_mutex_lock(&a->mtx);
	r = audit_checkpoint_locked(a, eb);
	pthread_mutex_unlock(&a->mtx);
	return r;
}

int
audit_reopen(struct audit *a, struct zs_errbuf *eb)
{
	unsigned long long seq, oldseq, state;
	struct stat st;
	char head[65], oldhead[65];
	int fd, r;

	if ((r = audit_open_fd(a->path, &fd, &st, &seq, head, &state,
	    eb)) != 0)
		return r;
	pthread_mutex_lock(&a->mtx);
	oldseq = a->seq;
	memcpy(oldhead, a->head, sizeof(oldhead));
	a->seq = seq;
	if (state > a->state)
		a->state = state;
	memcpy(a->head, head, sizeof(a->head));
	/* A new, empty file where ours was: it carries on our chain. */
	if (seq == 0 && oldseq > 0 && (r = audit_link(a, fd, oldseq, oldhead,
	    eb)) != 0) {
		a->seq = oldseq;
		memcpy(a->head, oldhead, sizeof(a->head));
		pthread_mutex_unlock(&a->mtx);
		close(fd);
		return r;
	}
	close(a->fd);
	a->fd = fd;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->broken = 0;
	a->lasterr[0] = '\0';
	pthread_mutex_unlock(&a->mtx);
	return 0;
}

/*
 * s escaped (zs_escape: printable ASCII, \xHH for the rest), at most
 * AUDIT_FIELD_MAX bytes: client-chosen names and certificate subjects must
 * neither break the JSON encoder (invalid UTF-8) nor smuggle control or
 * bidirectional characters into a terminal, and two different ones never
 * read the same.
 */
static json_t *
audit_str(const char *s)
{
	char tmp[AUDIT_FIELD_MAX + 1];

	zs_escape(tmp, sizeof(tmp), s);
	return json_string(tmp);
}

static void
audit_set_str(json_t *o, const char *name, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, name, audit_str(s));
}

/*
 * Map each file of fs to its SHA-256, under its escaped name: whole, never
 * cut short, so that every input keeps its own entry.
 */
static json_t *
audit_hashes(const struct fileset *fs)
{
	json_t *o = json_object();
	const uint8_t *data;
	const char *n;
	char hex[65], name[ZS_FILESET_NAME_MAX * ZS_ESCAPE_RATIO + 1];
	size_t i, len, hoff, hlen;

	for (i = 0; i < fileset_count(fs); i++) {
		/* An engine's note was hashed over these very bytes. */
		if (fileset_at_unfilled(fs, i, &n, &data, &len, &hoff,
		    &hlen) != 0 ||
		    fileset_sha256_hex(fs, i, hex) != 0)
			continue;
		zs_escape(name, sizeof(name), n);
		json_object_set_new(o, name, json_string(hex));
	}
	return o;
}

static void
audit_now(char out[48])
{
	struct timespec ts;
	struct tm tm;
	char tmp[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 48, "%s.%03dZ", tmp, (int)(ts.tv_nsec / 1000000));
}

/* The fields of rec, after "seq" when seq is not 0. */
static json_t *
audit_fields(const struct audit_record *rec, unsigned long long seq)
{
	json_t *o = json_object();
	char now[48];

	audit_now(now);
	if (seq != 0)
		json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "time", json_string(now));
	json_object_set_new(o, "result",
	    json_string(audit_result_names[rec->result]));
	if (rec->error != 0)
		json_object_set_new(o, "error",
		    json_string(zs_errname(rec->error)));
	audit_set_str(o, "identity", rec->identity);
	audit_set_str(o, "auth", rec->auth);
	audit_set_str(o, "peer", rec->peer);
	audit_set_str(o, "jti", rec->jti);
	audit_set_str(o, "request", rec->request);
	audit_set_str(o, "key", rec->key);
	audit_set_str(o, "key_fingerprint", rec->key_fingerprint);
	audit_set_str(o, "tool", rec->tool);
	if (rec->inputs != NULL)
		json_object_set_new(o, "inputs", audit_hashes(rec->inputs));
	if (rec->outputs != NULL)
		json_object_set_new(o, "outputs", audit_hashes(rec->outputs));
	audit_set_str(o, "version", rec->version);
	audit_set_str(o, "node", rec->node);
	if (rec->state != 0)
		json_object_set_new(o, "state", json_integer((json_int_t)
		    rec->state));
	audit_set_str(o, "digest", rec->digest);
	audit_set_str(o, "message", rec->message);
	if (rec->ms >= 0)
		json_object_set_new(o, "ms", json_integer(rec->ms));
	if (rec->count > 0) {
		json_object_set_new(o, "count",
		    json_integer((json_int_t)rec->count));
		audit_set_str(o, "since", rec->since);
	}
	return o;
}

/* The record for rec as the successor of seq/head. */
static json_t *
audit_format(const struct audit_record *rec, unsigned long long seq,
    const char *head)
{
	json_t *o = audit_fields(rec, seq);

	json_object_set_new(o, "prev", json_string(head));
	return o;
}

char *
audit_record_json(const struct audit_record *rec)
{
	json_t *o = audit_fields(rec, 0);
	char *text;

	if ((text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(o);
	return text;
}

int
audit_append(struct audit *a, const struct audit_record *rec,
    struct zs_errbuf *eb)
{
	struct stat st;
	struct zs_errbuf cpeb;
	int r = ZS_ERR_INTERNAL;

	pthread_mutex_lock(&a->mtx);
	if (!a->broken && (stat(a->path, &st) == -1 || st.st_dev != a->dev ||
	    st.st_ino != a->ino)) {
		/* Records would go to an unlinked inode nobody will read. */
		a->broken = 1;
		snprintf(a->brokenmsg, sizeof(a->brokenmsg), "the file was "
		    "removed or replaced; SIGHUP continues the chain in a new "
		    "one");
	}
	if (a->broken) {
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s unusable since an "
		    "earlier failure (%s); refusing to sign", a->path,
		    a->brokenmsg);
		goto out;
	}
	if ((r = audit_put(a, a->fd, audit_format(rec, a->seq + 1, a->head),
	    a->seq, eb)) != 0)
		goto out;
	if (rec->state > a->state)
		a->state = rec->state;
	/* The record is on disk; a failed checkpoint is tried again next. */
	if (a->since_cp >= AUDIT_CHECKPOINT_EVERY)
		(void)audit_checkpoint_locked(a, &cpeb);
 out:
	/* Only the file's failures: a record too large is the request's. */
	if (r == 0)
		a->lasterr[0] = '\0';
	else if (r == ZS_ERR_IO)
		snprintf(a->lasterr, sizeof(a->lasterr), "%s", eb->msg);
	pthread_mutex_unlock(&a->mtx);
	return r;
}

/* Check checkpoint cp (line seq, its prev already matched) with v->pub. */
static int
audit_cp_check(struct audit_verifier *v, json_t *cp, unsigned long long seq,
    struct zs_errbuf *eb)
{
	json_t *time = json_object_get(cp, "time");
	json_t *sig = json_object_get(cp, "signature");
	uint8_t *raw = NULL;
	size_t rawlen;
	char *msg;
	int ok;

	if (!json_is_string(time) || !json_is_string(sig) ||
	    zs_b64_decode(json_string_value(sig), json_string_length(sig),
	    &raw, &rawlen) != 0)
		return zs_errf(eb, ZS_ERR_VERIFY, "line %llu: checkpoint "
		    "without a time or signature", seq);
	msg = audit_cp_message(seq, json_string_value(time), v->head);
	ok = audit_cp_verify(v->pub, msg, raw, rawlen);
	free(msg);
	free(raw);
	if (!ok)
		return zs_errf(eb, ZS_ERR_VERIFY, "line %llu: checkpoint "
		    "signature does not verify with the audit key (forged, "
		    "or lines before it changed)", seq);
	v->signed_upto = seq;
	return 0;
}

void
audit_verifier_init(struct audit_verifier *v)
{
	v->lines = 0;
	v->from = 0;
	v->pub = NULL;
	v->signed_upto = 0;
	v->checkpoints = 0;
	memcpy(v->head, AUDIT_GENESIS, sizeof(v->head));
	memcpy(v->from_head, AUDIT_GENESIS, sizeof(v->from_head));
}

int
audit_verifier_line(struct audit_verifier *v, const char *line, size_t len,
    struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *root, *seq, *prev, *event;
	unsigned long long want = v->lines + 1;
	int r = ZS_ERR_VERIFY;

	if (len > AUDIT_LINE_MAX)
		return zs_errf(eb, ZS_ERR_VERIFY, "line %llu: longer than %u "
		    "bytes", want, AUDIT_LINE_MAX);
	if ((root = json_loadb(line, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return zs_errf(eb, ZS_ERR_VERIFY, "line %llu: not JSON: %s",
		    want, jerr.text);
	if (!json_is_object(root)) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: not a JSON object",
		    want);
		goto out;
	}
	seq = json_object_get(root, "seq");
	prev = json_object_get(root, "prev");
	event = json_object_get(root, "event");
	/* A file that replaced a removed one starts where that one ended. */
	if (v->lines == 0 && json_is_string(event) &&
	    strcmp(json_string_value(event), AUDIT_EVENT_CONTINUED) == 0 &&
	    json_is_integer(seq) && json_integer_value(seq) > 1 &&
	    json_is_string(prev) && strlen(json_string_value(prev)) == 64) {
		want = (unsigned long long)json_integer_value(seq);
		v->from = want - 1;
		memcpy(v->from_head, json_string_value(prev), 65);
		memcpy(v->head, v->from_head, sizeof(v->head));
	}
	if (!json_is_integer(seq) ||
	    json_integer_value(seq) != (json_int_t)want) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: sequence number "
		    "is not %llu (line removed or inserted)", want, want);
		goto out;
	}
	if (!json_is_string(prev) ||
	    strcmp(json_string_value(prev), v->head) != 0) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: hash chain broken "
		    "(previous line altered, or this one)", want);
		goto out;
	}
	if (json_is_string(event) &&
	    strcmp(json_string_value(event), AUDIT_EVENT_CP) == 0) {
		v->checkpoints++;
		if (v->pub != NULL && (r = audit_cp_check(v, root, want,
		    eb)) != 0)
			goto out;
	}
	zs_sha256_hex((const uint8_t *)line, len, v->head);
	v->lines = want;
	r = 0;
 out:
	json_decref(root);
	return r;
}

int
audit_verify_buf(const uint8_t *data, size_t len, unsigned long long *linesp,
    struct zs_errbuf *eb)
{
	struct audit_verifier v;
	const uint8_t *nl;
	size_t off = 0;
	int r = 0;

	audit_verifier_init(&v);
	while (off < len) {
		if ((nl = memchr(data + off, '\n', len - off)) == NULL) {
			r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: incomplete "
			    "(no newline)", v.lines + 1);
			break;
		}
		if ((r = audit_verifier_line(&v, (const char *)data + off,
		    (size_t)(nl - (data + off)), eb)) != 0)
			break;
		off = (size_t)(nl - data) + 1;
	}
	*linesp = v.lines;
	return r;
}

int
audit_verify_file(const char *path, EVP_PKEY *pub, FILE *out,
    struct zs_errbuf *eb)
{
	struct audit_verifier v;
	struct zs_errbuf local;
	FILE *f;
	char *line;
	size_t len = 0;
	int c, r = 0;

	if (eb == NULL)
		eb = &local;
	if ((f = fopen(path, "re")) == NULL) {
		r = zs_errf(eb, ZS_ERR_IO, "%s: %s", path, strerror(errno));
		fprintf(out, "%s: FAILED: %s\n", path, eb->msg);
		return r;
	}
	line = xmalloc(AUDIT_LINE_MAX + 1);
	audit_verifier_init(&v);
	v.pub = pub;
	for (;;) {
		c = getc(f);
		if (c == EOF)
			break;
		if (c != '\n') {
			/* Keep counting past the cap so the error names it. */
			if (len <= AUDIT_LINE_MAX)
				line[len] = (char)c;
			len++;
			continue;
		}
		if ((r = audit_verifier_line(&v, line, len, eb)) != 0)
			break;
		len = 0;
	}
	if (r == 0 && ferror(f))
		r = zs_errf(eb, ZS_ERR_IO, "%s: read error", path);
	else if (r == 0 && len > 0)
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: incomplete (no "
		    "newline)", v.lines + 1);
	/* With the key, every line must be under a good signature. */
	else if (r == 0 && pub != NULL && v.signed_upto != v.lines)
		r = zs_errf(eb, ZS_ERR_VERIFY, "lines %llu to %llu follow the "
		    "last signed checkpoint: not covered by the audit key "
		    "(appended or changed since, or the daemon still running)",
		    v.signed_upto + 1, v.lines);
	fclose(f);
	free(line);
	if (r == 0 && v.from > 0)
		fprintf(out, "%s: ok, %llu lines, head %s, continuing a chain "
		    "after seq %llu, head %s%s\n", path, v.lines - v.from, v.head,
		    v.from, v.from_head, pub != NULL ? ", signed" : "");
	else if (r == 0)
		fprintf(out, "%s: ok, %llu lines, head %s%s\n", path, v.lines,
		    v.head, pub != NULL ? ", all signed" : "");
	else
		fprintf(out, "%s: FAILED after %llu good lines: %s\n", path,
		    v.lines, eb->msg);
	return r;
}

int
audit_broken(struct audit *a)
{
	int broken;

	pthread_mutex_lock(&a->mtx);
	broken = a->broken;
	pthread_mutex_unlock(&a->mtx);
	return broken;
}

int
audit_failing(struct audit *a, char *err, size_t errlen)
{
	int failing;

	pthread_mutex_lock(&a->mtx);
	failing = a->broken || a->lasterr[0] != '\0';
	if (err != NULL)
		snprintf(err, errlen, "%s", a->broken ? a->brokenmsg :
		    a->lasterr);
	pthread_mutex_unlock(&a->mtx);
	return failing;
}

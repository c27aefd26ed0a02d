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

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/audit.h"

struct audit {
	pthread_mutex_t		 mtx;
	char			*path;
	int			 fd;
	int			 broken;	/* latched after an unrecoverable write */
	char			 brokenmsg[ZS_ERRMSG_MAX];
	unsigned long long	 seq;		/* seq of the last line */
	char			 head[65];	/* hash of the last line */
	unsigned long long	 state;		/* highest "state" written */
};

static const char *const audit_result_names[] = {
	[AUDIT_OK] = "ok",
	[AUDIT_REFUSED] = "refused",
	[AUDIT_FAILED] = "failed",
};

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
audit_open_fd(const char *path, int *fdp, unsigned long long *seqp,
    char head[65], unsigned long long *statep, struct zs_errbuf *eb)
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
	int r;

	a = xcalloc(1, sizeof(*a));
	a->fd = -1;
	if ((r = audit_open_fd(path, &a->fd, &a->seq, a->head, &a->state,
	    eb)) != 0) {
		free(a);
		return r;
	}
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

int
audit_reopen(struct audit *a, struct zs_errbuf *eb)
{
	unsigned long long seq, state;
	char head[65];
	int fd, r;

	if ((r = audit_open_fd(a->path, &fd, &seq, head, &state, eb)) != 0)
		return r;
	pthread_mutex_lock(&a->mtx);
	close(a->fd);
	a->fd = fd;
	a->seq = seq;
	if (state > a->state)
		a->state = state;
	memcpy(a->head, head, sizeof(a->head));
	a->broken = 0;
	pthread_mutex_unlock(&a->mtx);
	return 0;
}

/*
 * Copy at most AUDIT_FIELD_MAX bytes of s as printable ASCII: client-chosen
 * names and certificate subjects must neither break the JSON encoder
 * (invalid UTF-8) nor smuggle control characters into a terminal.
 */
static json_t *
audit_str(const char *s)
{
	char tmp[AUDIT_FIELD_MAX + 1];
	size_t i;

	for (i = 0; s[i] != '\0' && i < AUDIT_FIELD_MAX; i++)
		tmp[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	tmp[i] = '\0';
	return json_string(tmp);
}

static void
audit_set_str(json_t *o, const char *name, const char *s)
{
	if (s != NULL)
		json_object_set_new(o, name, audit_str(s));
}

/* Map each file of fs to its SHA-256, under its sanitized name. */
static json_t *
audit_hashes(const struct fileset *fs)
{
	json_t *o = json_object(), *name;
	const uint8_t *data;
	const char *n;
	char hex[65];
	size_t i, len;

	for (i = 0; i < fileset_count(fs); i++) {
		if (fileset_at(fs, i, &n, &data, &len) != 0)
			continue;
		zs_sha256_hex(data, len, hex);
		name = audit_str(n);
		json_object_set_new(o, json_string_value(name),
		    json_string(hex));
		json_decref(name);
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
	return o;
}

/* Build the line for rec as the successor of seq/head (malloc'd, no newline). */
static char *
audit_format(const struct audit_record *rec, unsigned long long seq,
    const char *head)
{
	json_t *o = audit_fields(rec, seq);
	char *line;

	json_object_set_new(o, "prev", json_string(head));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return line;
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
	char *line = NULL;
	size_t len, off;
	ssize_t n;
	int r = ZS_ERR_INTERNAL, saved;

	pthread_mutex_lock(&a->mtx);
	if (a->broken) {
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s unusable since an "
		    "earlier failure (%s); refusing to sign", a->path,
		    a->brokenmsg);
		goto out;
	}
	if ((line = audit_format(rec, a->seq + 1, a->head)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "audit record not encodable");
		goto out;
	}
	len = strlen(line);
	if (len > AUDIT_LINE_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "audit record of %zu bytes "
		    "exceeds %u", len, AUDIT_LINE_MAX);
		goto out;
	}
	if (fstat(a->fd, &st) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s: %s", a->path,
		    strerror(errno));
		goto out;
	}
	line[len] = '\n';	/* json_dumps' NUL: the string is not used as such again */
	for (off = 0; off < len + 1; off += (size_t)n) {
		n = write(a->fd, line + off, len + 1 - off);
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
			    ftruncate(a->fd, st.st_size) == -1)) {
				a->broken = 1;
				snprintf(a->brokenmsg, sizeof(a->brokenmsg),
				    "partial line left: %s", strerror(saved));
			}
			r = zs_errf(eb, ZS_ERR_IO, "audit log %s: write: %s; "
			    "refusing to sign", a->path, strerror(saved));
			goto out;
		}
	}
	if (fdatasync(a->fd) == -1 && errno != EINVAL) {
		/* After a failed sync the page cache state is unknown. */
		saved = errno;
		a->broken = 1;
		snprintf(a->brokenmsg, sizeof(a->brokenmsg), "fsync: %s",
		    strerror(saved));
		r = zs_errf(eb, ZS_ERR_IO, "audit log %s: fsync: %s; refusing "
		    "to sign", a->path, strerror(saved));
		goto out;
	}
	a->seq++;
	if (rec->state > a->state)
		a->state = rec->state;
	zs_sha256_hex((const uint8_t *)line, len, a->head);
	r = 0;
 out:
	pthread_mutex_unlock(&a->mtx);
	free(line);
	return r;
}

void
audit_verifier_init(struct audit_verifier *v)
{
	v->lines = 0;
	memcpy(v->head, AUDIT_GENESIS, sizeof(v->head));
}

int
audit_verifier_line(struct audit_verifier *v, const char *line, size_t len,
    struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *root, *seq, *prev;
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
	if (!json_is_integer(seq) ||
	    json_integer_value(seq) != (json_int_t)want) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: sequence number "
		    "is not %llu (line removed or inserted)", want, want);
		goto out;
	}
	prev = json_object_get(root, "prev");
	if (!json_is_string(prev) ||
	    strcmp(json_string_value(prev), v->head) != 0) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "line %llu: hash chain broken "
		    "(previous line altered, or this one)", want);
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
audit_verify_file(const char *path, FILE *out, struct zs_errbuf *eb)
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
	fclose(f);
	free(line);
	if (r == 0)
		fprintf(out, "%s: ok, %llu lines, head %s\n", path, v.lines,
		    v.head);
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

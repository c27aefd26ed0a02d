/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded store: one SQLite database file in WAL mode, written with
 * synchronous=FULL so that a commit is on disk before the image it admits
 * is returned. BEGIN IMMEDIATE takes the write lock before the rules are
 * read, so concurrent requests (threads, or processes sharing the file)
 * are decided one after the other; requests that queue up while a commit
 * is being synced share the next one. The statements of an admission are
 * prepared once, at open, and max_per_hour looks up one row by its number
 * instead of counting an hour of signatures.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "common/xmalloc.h"
#include "state/store-int.h"

/* How long a writer waits for another process holding the file, in ms. */
#define SQLITE_BUSY_MS		10000
/*
 * The schema this build writes; a store of version 1 (signatures not
 * numbered) is upgraded in place at open, any other is refused.
 */
#define SQLITE_SCHEMA_VERSION	2

/* The statements of an admission, prepared at open (sqlite_sql[]). */
enum sqlite_stmt {
	SQ_BEGIN,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_SAVEPOINT,
	SQ_ROLLBACK_TO,
	SQ_RELEASE,
	SQ_MARK_GET,
	SQ_MARK_PUT,
	SQ_SIG_LAST,
	SQ_SIG_AT,
	SQ_SIG_PUT,
	SQ_NSTMT
};

static const char *const sqlite_sql[SQ_NSTMT] = {
	/* The write lock first: nobody else reads the marks until COMMIT. */
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_SAVEPOINT] = "SAVEPOINT admit",
	[SQ_ROLLBACK_TO] = "ROLLBACK TO admit",
	[SQ_RELEASE] = "RELEASE admit",
	[SQ_MARK_GET] = "SELECT version, version_text, counter FROM zs_marks "
	    "WHERE key = ?1 AND class = ?2",
	[SQ_MARK_PUT] = "INSERT INTO zs_marks VALUES(?1, ?2, ?3, ?4, ?5) "
	    "ON CONFLICT(key, class) DO UPDATE SET "
	    "version = coalesce(excluded.version, version), "
	    "version_text = coalesce(excluded.version_text, version_text), "
	    "counter = coalesce(excluded.counter, counter)",
	/* Both walk zs_signatures_nth down to one row. */
	[SQ_SIG_LAST] = "SELECT nth FROM zs_signatures WHERE key = ?1 AND "
	    "identity = ?2 ORDER BY nth DESC LIMIT 1",
	[SQ_SIG_AT] = "SELECT at FROM zs_signatures WHERE key = ?1 AND "
	    "identity = ?2 AND nth = ?3",
	[SQ_SIG_PUT] = "INSERT INTO zs_signatures(at, node, identity, key, "
	    "record, nth) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
};

/* An admission waiting for its batch (sqlite_admit). */
struct sqlite_job {
	const struct store_admit	*a;
	uint64_t			 seq;
	int				 r;
	int				 done;
	int				 lead;	/* runs the next batch */
	pthread_cond_t			 cv;	/* done or lead was set */
	struct zs_errbuf		 eb;
	struct sqlite_job		*next;
};

struct sqlite_store {
	sqlite3			*db;
	sqlite3_stmt		*st[SQ_NSTMT];
	char			*path;
	char			*node;
	pthread_mutex_t		 mtx;	/* one transaction at a time on db */
	pthread_mutex_t		 qmtx;	/* guards what follows */
	struct sqlite_job	*queue;	/* admissions for the next batch */
	struct sqlite_job	**qtail;
	int			 leader; /* a batch is running */
};

/*
 * nth numbers the signatures of one key and identity (1, 2, ...): the
 * max_per_hour-th latest of them is one index lookup, where counting the
 * last hour's rows costs as many steps as signatures were returned in it.
 */
static const char sqlite_schema[] =
    "CREATE TABLE zs_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE zs_marks(key TEXT NOT NULL, class TEXT NOT NULL,"
    " version INTEGER, version_text TEXT, counter INTEGER,"
    " PRIMARY KEY(key, class));"
    "CREATE TABLE zs_signatures(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL, node TEXT, identity TEXT NOT NULL,"
    " key TEXT NOT NULL, record TEXT, nth INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX zs_signatures_nth ON zs_signatures(key, identity,"
    " nth);"
    "CREATE TABLE zs_kv(ns TEXT NOT NULL, name TEXT NOT NULL,"
    " value TEXT NOT NULL, PRIMARY KEY(ns, name));";

/* From schema 1: number the signatures in the order they were recorded. */
static const char sqlite_upgrade_1[] =
    "ALTER TABLE zs_signatures ADD COLUMN nth INTEGER NOT NULL DEFAULT 0;"
    "UPDATE zs_signatures SET nth = o.n FROM (SELECT id, row_number() OVER"
    " (PARTITION BY key, identity ORDER BY id) AS n FROM zs_signatures)"
    " AS o WHERE zs_signatures.id = o.id;"
    "DROP INDEX zs_signatures_rate;"
    "CREATE UNIQUE INDEX zs_signatures_nth ON zs_signatures(key, identity,"
    " nth);"
    "UPDATE zs_meta SET value = '2' WHERE name = 'schema';";

static int
sqlite_fail(struct sqlite_store *s, int code, const char *what,
    struct zs_errbuf *eb)
{
	return zs_errf(eb, code, "state %s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

static int
sqlite_exec(struct sqlite_store *s, const char *sql, struct zs_errbuf *eb)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s, ZS_ERR_IO, sql, eb);
	return 0;
}

static int
sqlite_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stp,
    struct zs_errbuf *eb)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, stp, NULL) != SQLITE_OK)
		return sqlite_fail(s, ZS_ERR_IO, "prepare", eb);
	return 0;
}

/* The value of a meta row, or NULL (malloc'd). */
static char *
sqlite_meta(struct sqlite_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM zs_meta WHERE "
	    "name = ?", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int
sqlite_count_tables(struct sqlite_store *s, long long *np,
    struct zs_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* The first read: a file of something else fails here. */
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1,
	    &st, NULL) != SQLITE_OK)
		return sqlite_fail(s, ZS_ERR_FORMAT, "not a readable SQLite "
		    "database", eb);
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = sqlite_fail(s, ZS_ERR_FORMAT, "not a readable SQLite "
		    "database", eb);
		sqlite3_finalize(st);
		return r;
	}
	*np = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Run a script of statements in one transaction (schema, upgrade). */
static int
sqlite_script(struct sqlite_store *s, const char *script, const char *what,
    struct zs_errbuf *eb)
{
	int r;

	if ((r = sqlite_exec(s, "BEGIN IMMEDIATE", eb)) != 0)
		return r;
	if (sqlite3_exec(s->db, script, NULL, NULL, NULL) != SQLITE_OK) {
		r = sqlite_fail(s, ZS_ERR_IO, what, eb);
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r;
	}
	return sqlite_exec(s, "COMMIT", eb);
}

/* Create the schema in an empty database, in one transaction. */
static int
sqlite_create(struct sqlite_store *s, struct zs_errbuf *eb)
{
	char *script;
	int r;

	script = xasprintf("%sINSERT INTO zs_meta VALUES('magic', '%s'),"
	    "('schema', '%d');", sqlite_schema, STORE_MAGIC,
	    SQLITE_SCHEMA_VERSION);
	r = sqlite_script(s, script, "creating the schema", eb);
	free(script);
	return r;
}

/* Is this a zsign store of our schema (upgraded if older), and intact? */
static int
sqlite_check(struct sqlite_store *s, uint64_t *seqp, struct zs_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char *magic, *schema;
	int r = ZS_ERR_INTERNAL;

	magic = sqlite_meta(s, "magic");
	schema = sqlite_meta(s, "schema");
	if (magic == NULL || strcmp(magic, STORE_MAGIC) != 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state %s: a SQLite database, "
		    "but not a zsign state store", s->path);
		goto out;
	}
	if (schema == NULL || (strcmp(schema, "1") != 0 &&
	    atoi(schema) != SQLITE_SCHEMA_VERSION)) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state %s: schema version %s, "
		    "this zsignd reads %d", s->path, schema ? schema : "(none)",
		    SQLITE_SCHEMA_VERSION);
		goto out;
	}
	/* Pages cut off or overwritten show up here, not at the first sign. */
	if ((r = sqlite_prepare(s, "PRAGMA quick_check", &st, eb)) != 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_text(st, 0) ==
	    NULL || strcmp((const char *)sqlite3_column_text(st, 0), "ok")
	    != 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state %s: damaged (%s)",
		    s->path, sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) :
		    sqlite3_errmsg(s->db));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Only an intact store is upgraded. */
	if (strcmp(schema, "1") == 0 && (r = sqlite_script(s,
	    sqlite_upgrade_1, "upgrading schema 1 to 2", eb)) != 0)
		goto out;
	if ((r = sqlite_prepare(s, "SELECT coalesce(max(id), 0) FROM "
	    "zs_signatures", &st, eb)) != 0)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = sqlite_fail(s, ZS_ERR_FORMAT, "reading", eb);
		goto out;
	}
	*seqp = (uint64_t)sqlite3_column_int64(st, 0);
	r = 0;
 out:
	sqlite3_finalize(st);
	free(magic);
	free(schema);
	return r;
}

static void
sqlite_close(void *h)
{
	struct sqlite_store *s = h;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < SQ_NSTMT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s->node);
	pthread_mutex_destroy(&s->mtx);
	pthread_mutex_destroy(&s->qmtx);
	free(s);
}

static int
sqlite_open(const char *path, const struct store_opts *opts, void **hp,
    uint64_t *seqp, struct zs_errbuf *eb)
{
	struct sqlite_store *s;
	struct stat sb;
	long long ntables = 0;
	size_t i;
	int r = ZS_ERR_INTERNAL, flags = SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	pthread_mutex_init(&s->qmtx, NULL);
	s->qtail = &s->queue;
	s->path = xstrdup(path);
	s->node = xstrdup(opts->node ? opts->node : "-");
	if (stat(path, &sb) == -1) {
		if (errno != ENOENT || !opts->create) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "state %s: %s", path,
			    strerror(errno));
			goto out;
		}
		flags |= SQLITE_OPEN_CREATE;
	} else if (!S_ISREG(sb.st_mode)) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state %s: not a file", path);
		goto out;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		r = sqlite_fail(s, ZS_ERR_IO, "open", eb);
		goto out;
	}
	sqlite3_busy_timeout(s->db, SQLITE_BUSY_MS);
	if ((r = sqlite_count_tables(s, &ntables, eb)) != 0)
		goto out;
	/* An existing file without tables was truncated or is not ours. */
	if (ntables == 0 && !(flags & SQLITE_OPEN_CREATE)) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state %s: empty database (no "
		    "zsign tables)", path);
		goto out;
	}
	/*
	 * WAL: readers never wait for the writer; FULL syncs the log at each
	 * commit, so an admitted mark survives a power cut.
	 */
	if ((r = sqlite_exec(s, "PRAGMA journal_mode=WAL", eb)) != 0 ||
	    (r = sqlite_exec(s, "PRAGMA synchronous=FULL", eb)) != 0 ||
	    (ntables == 0 && (r = sqlite_create(s, eb)) != 0) ||
	    (r = sqlite_check(s, seqp, eb)) != 0)
		goto out;
	for (i = 0; i < SQ_NSTMT; i++)
		if (sqlite3_prepare_v3(s->db, sqlite_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			r = sqlite_fail(s, ZS_ERR_IO, sqlite_sql[i], eb);
			goto out;
		}
	(void)chmod(path, 0600);
	*hp = s;
	s = NULL;
	r = 0;
 out:
	sqlite_close(s);
	return r;
}

/*
 * The prepared statement id, reset and unbound: a statement left
 * stepped would hold its read transaction open.
 */
static sqlite3_stmt *
sqlite_stmt(struct sqlite_store *s, enum sqlite_stmt id)
{
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

/*
 * Run the statement id, which returns no rows, to its end with what the
 * caller bound (statements are reset after each use).
 */
static int
sqlite_run(struct sqlite_store *s, enum sqlite_stmt id, struct zs_errbuf *eb)
{
	int rc;

	rc = sqlite3_step(s->st[id]);
	sqlite3_reset(s->st[id]);
	return rc == SQLITE_DONE ? 0 : sqlite_fail(s, ZS_ERR_IO,
	    sqlite_sql[id], eb);
}

/* The mark row of (key, class): *has is 0 when there is none. */
static int
sqlite_mark(struct sqlite_store *s, const struct store_admit *a,
    int *has_ver, uint64_t *ver, char *vtext, size_t vtextlen,
    int *has_cnt, uint64_t *cnt, struct zs_errbuf *eb)
{
	sqlite3_stmt *st = sqlite_stmt(s, SQ_MARK_GET);
	int r = 0, rc;

	*has_ver = *has_cnt = 0;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->image_class, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			*has_ver = 1;
			*ver = store_i2u(sqlite3_column_int64(st, 0));
			snprintf(vtext, vtextlen, "%s",
			    sqlite3_column_text(st, 1) ?
			    (const char *)sqlite3_column_text(st, 1) : "?");
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			*has_cnt = 1;
			*cnt = store_i2u(sqlite3_column_int64(st, 2));
		}
	} else if (rc != SQLITE_DONE)
		r = sqlite_fail(s, ZS_ERR_IO, "reading marks", eb);
	sqlite3_reset(st);
	return r;
}

/*
 * One integer column of the statement id's first row into *vp, after
 * the caller bound it; *has is 0 when there is no row.
 */
static int
sqlite_int(struct sqlite_store *s, enum sqlite_stmt id, int *has,
    long long *vp, struct zs_errbuf *eb)
{
	sqlite3_stmt *st = s->st[id];
	int r = 0, rc;

	*has = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*has = 1;
		*vp = sqlite3_column_int64(st, 0);
	} else if (rc != SQLITE_DONE)
		r = sqlite_fail(s, ZS_ERR_IO, "reading signatures", eb);
	sqlite3_reset(st);
	return r;
}

/*
 * How many signatures of a's key and identity were recorded (*nthp, the
 * number of the last one), and whether max_per_hour of them fall in the
 * last hour (*full): that is when the max_per_hour-th latest is younger
 * than an hour, found by its number.
 */
static int
sqlite_rate(struct sqlite_store *s, const struct store_admit *a,
    long long now, long long *nthp, int *full, struct zs_errbuf *eb)
{
	sqlite3_stmt *st;
	long long nth = 0, at = 0;
	int r, has;

	*full = 0;
	st = sqlite_stmt(s, SQ_SIG_LAST);
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->identity, -1, SQLITE_STATIC);
	if ((r = sqlite_int(s, SQ_SIG_LAST, &has, &nth, eb)) != 0)
		return r;
	if (a->max_per_hour != 0 && nth >= (long long)a->max_per_hour) {
		st = sqlite_stmt(s, SQ_SIG_AT);
		sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->identity, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, nth - (long long)a->max_per_hour + 1);
		if ((r = sqlite_int(s, SQ_SIG_AT, &has, &at, eb)) != 0)
			return r;
		/* A row deleted by hand was older than the window. */
		*full = has && at > now - STORE_RATE_WINDOW;
	}
	*nthp = nth;
	return 0;
}

static int
sqlite_update(struct sqlite_store *s, const struct store_admit *a,
    long long now, long long nth, uint64_t *seqp, struct zs_errbuf *eb)
{
	sqlite3_stmt *st;
	int r;

	if (a->check_version || a->check_counter) {
		st = sqlite_stmt(s, SQ_MARK_PUT);
		sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->image_class, -1, SQLITE_STATIC);
		if (a->check_version) {
			sqlite3_bind_int64(st, 3, store_u2i(a->version));
			sqlite3_bind_text(st, 4, a->version_text ?
			    a->version_text : "?", -1, SQLITE_STATIC);
		}
		if (a->check_counter)
			sqlite3_bind_int64(st, 5, store_u2i(a->counter));
		if ((r = sqlite_run(s, SQ_MARK_PUT, eb)) != 0)
			return r;
	}
	st = sqlite_stmt(s, SQ_SIG_PUT);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, s->node, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->identity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->key, -1, SQLITE_STATIC);
	if (a->record != NULL)
		sqlite3_bind_text(st, 5, a->record, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, nth + 1);
	if ((r = sqlite_run(s, SQ_SIG_PUT, eb)) != 0)
		return r;
	*seqp = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

/*
 * One admission inside the open transaction, under a savepoint so that a
 * failure takes back only its own writes; *seqp gets its change number.
 */
static int
sqlite_admit_one(struct sqlite_store *s, const struct store_admit *a,
    uint64_t *seqp, struct zs_errbuf *eb)
{
	struct zs_errbuf sub;
	char vtext[64];
	long long now = (long long)time(NULL), nth = 0;
	uint64_t ver = 0, cnt = 0;
	int r, has_ver, has_cnt, full = 0;

	if ((r = sqlite_run(s, SQ_SAVEPOINT, eb)) != 0)
		return r;
	if ((a->check_version || a->check_counter) &&
	    (r = sqlite_mark(s, a, &has_ver, &ver, vtext, sizeof(vtext),
	    &has_cnt, &cnt, eb)) != 0)
		goto out;
	if (a->check_version && has_ver && a->version < ver) {
		r = zs_errf(eb, ZS_ERR_DENIED, "anti-rollback: version %s is "
		    "lower than %s, already signed with key \"%s\"%s%s",
		    a->version_text ? a->version_text : "?", vtext, a->key,
		    a->image_class[0] ? " for image class " : "",
		    a->image_class);
		goto out;
	}
	if (a->check_counter && has_cnt && a->counter < cnt) {
		r = zs_errf(eb, ZS_ERR_DENIED, "security counter %llu is lower "
		    "than %llu, already signed with key \"%s\"",
		    (unsigned long long)a->counter, (unsigned long long)cnt,
		    a->key);
		goto out;
	}
	if ((a->max_per_hour != 0 || a->update) &&
	    (r = sqlite_rate(s, a, now, &nth, &full, eb)) != 0)
		goto out;
	if (a->max_per_hour != 0 && full) {
		r = zs_errf(eb, ZS_ERR_LIMIT, "%s reached %u signatures per "
		    "hour with key \"%s\"", a->identity, a->max_per_hour,
		    a->key);
		goto out;
	}
	if (a->update)
		r = sqlite_update(s, a, now, nth, seqp, eb);
 out:
	if (r != 0)
		(void)sqlite_run(s, SQ_ROLLBACK_TO, &sub);
	(void)sqlite_run(s, SQ_RELEASE, &sub);
	return r;
}

/*
 * Decide a batch of queued admissions in one transaction: they are still
 * checked one after the other, but share one commit, so one sync of the
 * log serves all of them (group commit).
 */
static void
sqlite_run_batch(struct sqlite_store *s, struct sqlite_job *batch)
{
	struct sqlite_job *j;
	struct zs_errbuf eb;
	int r, writes = 0;

	pthread_mutex_lock(&s->mtx);
	if ((r = sqlite_run(s, SQ_BEGIN, &eb)) != 0) {
		for (j = batch; j != NULL; j = j->next) {
			j->r = r;
			j->eb = eb;
		}
		goto out;
	}
	for (j = batch; j != NULL; j = j->next) {
		j->r = sqlite_admit_one(s, j->a, &j->seq, &j->eb);
		writes |= j->r == 0 && j->a->update;
	}
	if (!writes) {
		(void)sqlite_run(s, SQ_ROLLBACK, &eb);
		goto out;
	}
	if ((r = sqlite_run(s, SQ_COMMIT, &eb)) != 0) {
		(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		for (j = batch; j != NULL; j = j->next)
			if (j->r == 0) {
				j->r = r;
				j->eb = eb;
			}
	}
 out:
	pthread_mutex_unlock(&s->mtx);
}

static int
sqlite_admit(void *h, const struct store_admit *a, uint64_t *seqp,
    struct zs_errbuf *eb)
{
	struct sqlite_store *s = h;
	struct sqlite_job job, *batch, *j, *next;

	memset(&job, 0, sizeof(job));
	job.a = a;
	pthread_cond_init(&job.cv, NULL);
	pthread_mutex_lock(&s->qmtx);
	*s->qtail = &job;
	s->qtail = &job.next;
	/*
	 * The first to find no batch running runs the whole queue; the rest
	 * sleep until their batch is done, or until they are handed the next.
	 * Each is woken once, by name: no herd at every commit.
	 */
	if (!s->leader)
		s->leader = job.lead = 1;
	while (!job.done && !job.lead)
		pthread_cond_wait(&job.cv, &s->qmtx);
	if (!job.done) {
		batch = s->queue;
		s->queue = NULL;
		s->qtail = &s->queue;
		pthread_mutex_unlock(&s->qmtx);
		sqlite_run_batch(s, batch);
		pthread_mutex_lock(&s->qmtx);
		for (j = batch; j != NULL; j = next) {
			next = j->next;
			j->done = 1;
			if (j != &job)
				pthread_cond_signal(&j->cv);
		}
		/* Those that queued meanwhile go next, in one batch. */
		if (s->queue != NULL) {
			s->queue->lead = 1;
			pthread_cond_signal(&s->queue->cv);
		} else
			s->leader = 0;
	}
	pthread_mutex_unlock(&s->qmtx);
	pthread_cond_destroy(&job.cv);
	if (job.r != 0) {
		*eb = job.eb;
		return job.r;
	}
	*seqp = job.seq;
	return 0;
}

static int
sqlite_health(void *h, struct zs_errbuf *eb)
{
	return 0;
}

static int
sqlite_kv_put(void *h, const char *ns, const char *name, const char *value,
    struct zs_errbuf *eb)
{
	struct sqlite_store *s = h;
	sqlite3_stmt *st = NULL;
	int r;

	pthread_mutex_lock(&s->mtx);
	if ((r = sqlite_prepare(s, "INSERT OR REPLACE INTO zs_kv VALUES(?, ?, "
	    "?)", &st, eb)) == 0) {
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = sqlite_fail(s, ZS_ERR_IO, "writing a record", eb);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mtx);
	return r;
}

static int
sqlite_kv_get(void *h, const char *ns, const char *name, char **valuep,
    struct zs_errbuf *eb)
{
	struct sqlite_store *s = h;
	sqlite3_stmt *st = NULL;
	int r, rc;

	pthread_mutex_lock(&s->mtx);
	if ((r = sqlite_prepare(s, "SELECT value FROM zs_kv WHERE ns = ? AND "
	    "name = ?", &st, eb)) == 0) {
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			*valuep = xstrdup((const char *)
			    sqlite3_column_text(st, 0));
		else if (rc == SQLITE_DONE)
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no record %s/%s",
			    ns, name);
		else
			r = sqlite_fail(s, ZS_ERR_IO, "reading a record", eb);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mtx);
	return r;
}

static int
sqlite_kv_del(void *h, const char *ns, const char *name,
    struct zs_errbuf *eb)
{
	struct sqlite_store *s = h;
	sqlite3_stmt *st = NULL;
	int r;

	pthread_mutex_lock(&s->mtx);
	if ((r = sqlite_prepare(s, "DELETE FROM zs_kv WHERE ns = ? AND "
	    "name = ?", &st, eb)) == 0) {
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = sqlite_fail(s, ZS_ERR_IO, "removing a record", eb);
		else if (sqlite3_changes(s->db) == 0)
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no record %s/%s",
			    ns, name);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mtx);
	return r;
}

static int
sqlite_kv_list(void *h, const char *ns,
    int (*cb)(void *, const char *, const char *), void *arg,
    struct zs_errbuf *eb)
{
	struct sqlite_store *s = h;
	sqlite3_stmt *st = NULL;
	int r, rc;

	pthread_mutex_lock(&s->mtx);
	if ((r = sqlite_prepare(s, "SELECT name, value FROM zs_kv WHERE "
	    "ns = ? ORDER BY name LIMIT ?", &st, eb)) == 0) {
		sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, STORE_KV_LIST_MAX);
		while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
			r = cb(arg, (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1));
		if (r == 0 && rc != SQLITE_DONE)
			r = sqlite_fail(s, ZS_ERR_IO, "listing records", eb);
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->mtx);
	return r;
}

const struct store_backend store_sqlite = {
	.name = "sqlite",
	.prefix = "sqlite:",
	.open = sqlite_open,
	.close = sqlite_close,
	.admit = sqlite_admit,
	.record = NULL,
	.health = sqlite_health,
	.kv_put = sqlite_kv_put,
	.kv_get = sqlite_kv_get,
	.kv_del = sqlite_kv_del,
	.kv_list = sqlite_kv_list,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for state/store.c on the SQLite backend: the rules (marks per
 * key and image class, security counters, signatures per hour), records,
 * refusing damaged or foreign files, upgrading a store of schema 1, racing
 * threads, group commits durable before they return (a VFS keeping what a
 * power cut would leave), and a store holding 100,000 images that still
 * opens.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "common/xmalloc.h"
#include "state/store.h"
#include "tests/zstest.h"

/* Threads racing in test_race_*. */
#define RACE_THREADS	8
/* Admissions each racing thread tries. */
#define RACE_TRIES	12
/* Images recorded by test_many_images. */
#define MANY_IMAGES	100000

static char dir[64];

static char *
db_path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static char *
db_url(const char *name)
{
	return xasprintf("sqlite:%s/%s", dir, name);
}

static struct store *
open_new(const char *name)
{
	struct store_opts o = { .node = "unit", .create = 1 };
	struct zs_errbuf eb;
	struct store *st = NULL;
	char *url = db_url(name);

	if (store_open(url, &o, &st, &eb) != 0)
		fail_msg("%s", eb.msg);
	free(url);
	return st;
}

static int
admit_ver(struct store *st, const char *cls, uint64_t v, int update,
    uint64_t *seqp)
{
	struct store_admit a = { .key = "k", .image_class = cls,
	    .identity = "uid:1", .check_version = 1, .version = v,
	    .version_text = "v", .update = update };
	struct zs_errbuf eb;
	uint64_t seq = 0;
	int r = store_admit(st, &a, &seq, &eb);

	if (seqp != NULL)
		*seqp = seq;
	return r;
}

static void
test_marks(void **state)
{
	struct store *st = open_new("marks.db");
	uint64_t s1, s2;

	assert_string_equal(store_backend(st), "sqlite");
	assert_int_equal(store_seq(st), 0);
	assert_int_equal(admit_ver(st, "", 20, 1, &s1), 0);
	assert_true(s1 > 0);
	assert_int_equal(store_seq(st), s1);
	/* Lower is refused, equal and higher pass. */
	assert_int_equal(admit_ver(st, "", 10, 1, NULL), ZS_ERR_DENIED);
	assert_int_equal(admit_ver(st, "", 20, 1, NULL), 0);
	/* Another class has its own mark. */
	assert_int_equal(admit_ver(st, "cid-a", 5, 1, NULL), 0);
	assert_int_equal(admit_ver(st, "cid-a", 4, 1, NULL), ZS_ERR_DENIED);
	/* Without update (no image returned) the mark stays. */
	assert_int_equal(admit_ver(st, "", 30, 0, NULL), 0);
	assert_int_equal(admit_ver(st, "", 25, 1, &s2), 0);
	assert_true(s2 > s1);
	/* The top bit of a version (major >= 128) orders too. */
	assert_int_equal(admit_ver(st, "hi", UINT64_C(0x8100000000000000), 1,
	    NULL), 0);
	assert_int_equal(admit_ver(st, "hi", UINT64_C(0x7f00000000000000), 1,
	    NULL), ZS_ERR_DENIED);
	store_close(st);
	/* Marks survive a reopen. */
	st = open_new("marks.db");
	assert_int_equal(store_seq(st), s2 + 1);
	assert_int_equal(admit_ver(st, "", 24, 1, NULL), ZS_ERR_DENIED);
	store_close(st);
}

static void
test_counter_and_rate(void **state)
{
	struct store *st = open_new("rate.db");
	struct store_admit a = { .key = "k", .image_class = "",
	    .identity = "uid:1", .check_counter = 1, .counter = 7,
	    .max_per_hour = 3, .update = 1 };
	struct zs_errbuf eb;
	uint64_t seq;
	int i;

	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	a.counter = 6;
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_DENIED);
	assert_non_null(strstr(eb.msg, "security counter 6"));
	/* A refusal did not count: two more fit in the hour. */
	a.counter = 8;
	for (i = 0; i < 2; i++)
		assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_LIMIT);
	/* Another identity has its own count; without update none is used. */
	a.identity = "uid:2";
	a.update = 0;
	for (i = 0; i < 5; i++)
		assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	store_close(st);
}

/* Run sql on the store file name, beside the store's own connection. */
static void
db_exec(const char *name, const char *sql)
{
	sqlite3 *db;
	char *p = db_path(name);

	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	free(p);
}

/* The integer sql returns on the store file name. */
static long long
db_int(const char *name, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *p = db_path(name);
	long long v;

	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(p);
	return v;
}

/* max_per_hour looks at the signatures of the last hour only. */
static void
test_rate_window(void **state)
{
	struct store *st = open_new("window.db");
	struct store_admit a = { .key = "k", .image_class = "",
	    .identity = "uid:1", .max_per_hour = 2, .update = 1 };
	struct zs_errbuf eb;
	uint64_t seq;

	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_LIMIT);
	/* The first one an hour old: one more fits, then the hour is full. */
	db_exec("window.db", "UPDATE zs_signatures SET at = at - 3600 WHERE "
	    "nth = 1");
	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_LIMIT);
	/* Rows an operator pruned count as old ones. */
	db_exec("window.db", "DELETE FROM zs_signatures WHERE nth = 2");
	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_LIMIT);
	assert_int_equal(db_int("window.db", "SELECT max(nth) FROM "
	    "zs_signatures"), 4);
	store_close(st);
}

/*
 * A store of schema 1 (signatures not numbered) is upgraded at open: its
 * signatures numbered per key and identity in the order they came, the
 * marks and the last hour's count kept.
 */
static void
test_upgrade(void **state)
{
	struct store *st;
	struct store_admit a = { .key = "k", .image_class = "",
	    .identity = "uid:1", .max_per_hour = 3, .update = 1 };
	struct zs_errbuf eb;
	uint64_t seq;

	db_exec("v1.db", "PRAGMA journal_mode=WAL;"
	    "CREATE TABLE zs_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "CREATE TABLE zs_marks(key TEXT NOT NULL, class TEXT NOT NULL,"
	    " version INTEGER, version_text TEXT, counter INTEGER,"
	    " PRIMARY KEY(key, class));"
	    "CREATE TABLE zs_signatures(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " at INTEGER NOT NULL, node TEXT, identity TEXT NOT NULL,"
	    " key TEXT NOT NULL, record TEXT);"
	    "CREATE INDEX zs_signatures_rate ON zs_signatures(key, identity,"
	    " at);"
	    "CREATE TABLE zs_kv(ns TEXT NOT NULL, name TEXT NOT NULL,"
	    " value TEXT NOT NULL, PRIMARY KEY(ns, name));"
	    "INSERT INTO zs_meta VALUES('magic', 'zsign-state'),"
	    " ('schema', '1');"
	    "INSERT INTO zs_marks VALUES('k', 'cid-a', -9223372036854775708,"
	    " '1.0.0', NULL);"
	    "INSERT INTO zs_signatures(at, identity, key) VALUES"
	    " (unixepoch() - 7200, 'uid:1', 'k'), (unixepoch(), 'uid:2', 'k'),"
	    " (unixepoch() - 10, 'uid:1', 'k'), (unixepoch() - 5, 'uid:1', 'k');");
	st = open_new("v1.db");
	assert_int_equal(store_seq(st), 4);
	assert_int_equal(db_int("v1.db", "SELECT value FROM zs_meta WHERE "
	    "name = 'schema'"), 2);
	assert_int_equal(db_int("v1.db", "SELECT group_concat(nth, ' ') = "
	    "'1 1 2 3' FROM (SELECT nth FROM zs_signatures ORDER BY id)"), 1);
	/* Two of uid:1's three are in the hour: one more fits. */
	assert_int_equal(store_admit(st, &a, &seq, &eb), 0);
	assert_int_equal(seq, 5);
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_LIMIT);
	/* The mark held (100 in store_u2i's mapping). */
	assert_int_equal(admit_ver(st, "cid-a", 99, 1, NULL), ZS_ERR_DENIED);
	assert_int_equal(admit_ver(st, "cid-a", 100, 1, NULL), 0);
	store_close(st);
}

static void
test_bad_args(void **state)
{
	struct store_opts o = { .create = 1 };
	struct store *st = open_new("args.db");
	struct store_admit a = { .key = "k", .image_class = NULL,
	    .identity = "i" };
	struct zs_errbuf eb;
	char *big = xmalloc(300);
	uint64_t seq;

	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_INVALID);
	memset(big, 'x', 299);
	big[299] = '\0';
	a.image_class = big;
	assert_int_equal(store_admit(st, &a, &seq, &eb), ZS_ERR_INVALID);
	assert_int_equal(store_kv_put(st, "", "n", "v", &eb), ZS_ERR_INVALID);
	store_close(st);
	free(big);
	assert_int_equal(store_open("mysql://x", &o, &st, &eb),
	    ZS_ERR_INVALID);
	assert_int_equal(store_open("sqlite:", &o, &st, &eb), ZS_ERR_INVALID);
	/* A password never travels in the URL (it would show in ps). */
	assert_int_equal(store_open("postgresql://u:secret@/db?host=/nonexist",
	    &o, &st, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "password file"));
	assert_int_equal(store_open("postgresql:dbname=x password=s", &o, &st,
	    &eb), ZS_ERR_INVALID);
	/* A database that cannot be reached says so. */
	assert_int_equal(store_open("postgresql:///x?host=/nonexistent", &o,
	    &st, &eb), ZS_ERR_UNAVAILABLE);
}

static int
kv_collect(void *arg, const char *name, const char *value)
{
	char *s = arg;

	strcat(s, name);
	strcat(s, "=");
	strcat(s, value);
	strcat(s, ";");
	return 0;
}

static void
test_kv(void **state)
{
	struct store *st = open_new("kv.db");
	struct zs_errbuf eb;
	char *v = NULL, list[256] = "";

	assert_int_equal(store_kv_get(st, "pending", "a", &v, &eb),
	    ZS_ERR_NOT_FOUND);
	assert_int_equal(store_kv_put(st, "pending", "b", "2", &eb), 0);
	assert_int_equal(store_kv_put(st, "pending", "a", "0", &eb), 0);
	assert_int_equal(store_kv_put(st, "pending", "a", "1", &eb), 0);
	assert_int_equal(store_kv_put(st, "other", "c", "3", &eb), 0);
	assert_int_equal(store_kv_get(st, "pending", "a", &v, &eb), 0);
	assert_string_equal(v, "1");
	free(v);
	assert_int_equal(store_kv_list(st, "pending", kv_collect, list, &eb),
	    0);
	assert_string_equal(list, "a=1;b=2;");
	assert_int_equal(store_kv_del(st, "pending", "a", &eb), 0);
	assert_int_equal(store_kv_del(st, "pending", "a", &eb),
	    ZS_ERR_NOT_FOUND);
	store_close(st);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void
test_refused_files(void **state)
{
	struct store_opts o = { .create = 1 }, noc = { .create = 0 };
	struct store *st = NULL;
	struct zs_errbuf eb;
	sqlite3 *db;
	char *p, *u;

	/* Not a database at all. */
	p = db_path("garbage.db");
	u = db_url("garbage.db");
	write_file(p, "{\"ar\":\"garbage\"}", 16);
	assert_int_equal(store_open(u, &o, &st, &eb), ZS_ERR_FORMAT);
	free(p);
	free(u);
	/* Truncated to nothing: not silently a new, empty store. */
	p = db_path("empty.db");
	u = db_url("empty.db");
	write_file(p, "", 0);
	assert_int_equal(store_open(u, &o, &st, &eb), ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "empty"));
	free(p);
	free(u);
	/* Someone else's SQLite database. */
	p = db_path("foreign.db");
	u = db_url("foreign.db");
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(u, &o, &st, &eb), ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "not a zsign state store"));
	free(p);
	free(u);
	/* A schema from a later zsignd. */
	st = open_new("newer.db");
	store_close(st);
	p = db_path("newer.db");
	u = db_url("newer.db");
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE zs_meta SET value = '99' "
	    "WHERE name = 'schema'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(u, &o, &st, &eb), ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "schema version 99"));
	free(p);
	free(u);
	/* Missing, and not to be created. */
	u = db_url("missing.db");
	assert_int_equal(store_open(u, &noc, &st, &eb), ZS_ERR_NOT_FOUND);
	free(u);
}

struct race {
	struct store	*st;
	int		 id;
	unsigned	 max_per_hour;
	uint64_t	 ver[RACE_TRIES];
	uint64_t	 seq[RACE_TRIES];
	int		 ok[RACE_TRIES];
};

static void *
race_run(void *arg)
{
	struct race *rc = arg;
	struct store_admit a = { .key = "k", .image_class = "",
	    .identity = "uid:1", .update = 1, .version_text = "v" };
	struct zs_errbuf eb;
	int i;

	a.max_per_hour = rc->max_per_hour;
	a.check_version = rc->max_per_hour == 0;
	for (i = 0; i < RACE_TRIES; i++) {
		/* Versions go up and down across threads. */
		a.version = rc->ver[i] = (uint64_t)((rc->id * 7 + i * 13) % 29);
		rc->ok[i] = store_admit(rc->st, &a, &rc->seq[i], &eb) == 0;
	}
	return NULL;
}

static void
race(struct store *st, unsigned max_per_hour, struct race *rc)
{
	pthread_t t[RACE_THREADS];
	int i;

	for (i = 0; i < RACE_THREADS; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].st = st;
		rc[i].id = i;
		rc[i].max_per_hour = max_per_hour;
		assert_int_equal(pthread_create(&t[i], NULL, race_run, &rc[i]),
		    0);
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
}

/*
 * A VFS over the default one that keeps, beside the store's database and
 * WAL, the copy a power cut would leave ("NAME.disk"): a write reaches it
 * only when its file is synced. A WAL sync can be held (dur_hold) to let
 * admissions queue up behind a commit.
 */
struct dur_op {
	struct dur_op	*next;
	sqlite3_int64	 off;
	int		 len;		/* -1: truncate to off */
	unsigned char	 data[];
};

struct dur_file {
	const sqlite3_io_methods *methods;	/* first, as sqlite3_file */
	sqlite3_file	*real;
	int		 disk;		/* fd of the copy, or -1 */
	int		 wal;
	struct dur_op	*ops, **tail;	/* written since the last sync */
};

static sqlite3_vfs *dur_real;
static sqlite3_vfs dur_vfs;
static pthread_mutex_t dur_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dur_cv = PTHREAD_COND_INITIALIZER;
static int dur_hold;		/* hold the next WAL sync until all entered */
static int dur_entered;		/* threads that called store_admit */
static int dur_wal_syncs;

static int
dur_close(sqlite3_file *f)
{
	struct dur_file *d = (struct dur_file *)f;
	struct dur_op *op;
	int rc = d->real->pMethods->xClose(d->real);

	while ((op = d->ops) != NULL) {
		d->ops = op->next;
		free(op);
	}
	if (d->disk != -1)
		close(d->disk);
	return rc;
}

static int
dur_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xRead(d->real, buf, n, off);
}

static void
dur_queue(struct dur_file *d, const void *buf, int n, sqlite3_int64 off)
{
	struct dur_op *op = xmalloc(sizeof(*op) + (n > 0 ? (size_t)n : 0));

	op->next = NULL;
	op->off = off;
	op->len = n;
	if (n > 0)
		memcpy(op->data, buf, (size_t)n);
	*d->tail = op;
	d->tail = &op->next;
}

static int
dur_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	struct dur_file *d = (struct dur_file *)f;
	int rc = d->real->pMethods->xWrite(d->real, buf, n, off);

	if (rc == SQLITE_OK && d->disk != -1)
		dur_queue(d, buf, n, off);
	return rc;
}

static int
dur_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct dur_file *d = (struct dur_file *)f;
	int rc = d->real->pMethods->xTruncate(d->real, size);

	if (rc == SQLITE_OK && d->disk != -1)
		dur_queue(d, NULL, -1, size);
	return rc;
}

static int
dur_sync(sqlite3_file *f, int flags)
{
	struct dur_file *d = (struct dur_file *)f;
	struct dur_op *op;
	int rc = d->real->pMethods->xSync(d->real, flags);

	if (rc != SQLITE_OK || d->disk == -1)
		return rc;
	pthread_mutex_lock(&dur_mtx);
	while ((op = d->ops) != NULL) {
		d->ops = op->next;
		/* A failure here shows as a lost write in dur_survives(). */
		if (op->len == -1)
			(void)!ftruncate(d->disk, op->off);
		else
			(void)!pwrite(d->disk, op->data, (size_t)op->len,
			    op->off);
		free(op);
	}
	d->tail = &d->ops;
	if (d->wal) {
		dur_wal_syncs++;
		if (dur_hold) {
			dur_hold = 0;
			while (dur_entered < RACE_THREADS)
				pthread_cond_wait(&dur_cv, &dur_mtx);
			pthread_mutex_unlock(&dur_mtx);
			/* Entered, and now surely queued behind this commit. */
			usleep(100 * 1000);
			return rc;
		}
	}
	pthread_mutex_unlock(&dur_mtx);
	return rc;
}

static int
dur_size(sqlite3_file *f, sqlite3_int64 *sizep)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xFileSize(d->real, sizep);
}

static int
dur_lock(sqlite3_file *f, int l)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xLock(d->real, l);
}

static int
dur_unlock(sqlite3_file *f, int l)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xUnlock(d->real, l);
}

static int
dur_reserved(sqlite3_file *f, int *outp)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xCheckReservedLock(d->real, outp);
}

static int
dur_control(sqlite3_file *f, int op, void *arg)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xFileControl(d->real, op, arg);
}

static int
dur_sector(sqlite3_file *f)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xSectorSize(d->real);
}

static int
dur_chars(sqlite3_file *f)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xDeviceCharacteristics(d->real);
}

static int
dur_shm_map(sqlite3_file *f, int pg, int pgsz, int extend,
    void volatile **pp)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xShmMap(d->real, pg, pgsz, extend, pp);
}

static int
dur_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xShmLock(d->real, off, n, flags);
}

static void
dur_shm_barrier(sqlite3_file *f)
{
	struct dur_file *d = (struct dur_file *)f;

	d->real->pMethods->xShmBarrier(d->real);
}

static int
dur_shm_unmap(sqlite3_file *f, int del)
{
	struct dur_file *d = (struct dur_file *)f;

	return d->real->pMethods->xShmUnmap(d->real, del);
}

/* Version 2: no memory-mapped reads, so every write goes by dur_write. */
static const sqlite3_io_methods dur_io = {
	.iVersion = 2,
	.xClose = dur_close,
	.xRead = dur_read,
	.xWrite = dur_write,
	.xTruncate = dur_truncate,
	.xSync = dur_sync,
	.xFileSize = dur_size,
	.xLock = dur_lock,
	.xUnlock = dur_unlock,
	.xCheckReservedLock = dur_reserved,
	.xFileControl = dur_control,
	.xSectorSize = dur_sector,
	.xDeviceCharacteristics = dur_chars,
	.xShmMap = dur_shm_map,
	.xShmLock = dur_shm_lock,
	.xShmBarrier = dur_shm_barrier,
	.xShmUnmap = dur_shm_unmap,
};

static int
dur_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *outflags)
{
	struct dur_file *d = (struct dur_file *)f;
	char *disk;
	int rc;

	d->real = (sqlite3_file *)(d + 1);
	if ((rc = dur_real->xOpen(dur_real, name, d->real, flags,
	    outflags)) != SQLITE_OK) {
		d->methods = NULL;
		return rc;
	}
	d->methods = &dur_io;
	d->disk = -1;
	d->wal = (flags & SQLITE_OPEN_WAL) != 0;
	d->ops = NULL;
	d->tail = &d->ops;
	/* New files only: what a fresh store writes is all there is. */
	if (name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
		disk = xasprintf("%s.disk", name);
		d->disk = open(disk, O_RDWR | O_CREAT | O_TRUNC, 0600);
		free(disk);
		if (d->disk == -1) {
			d->real->pMethods->xClose(d->real);
			d->methods = NULL;
			return SQLITE_CANTOPEN;
		}
	}
	return SQLITE_OK;
}

/*
 * Copy file from to to (absent: nothing); 0 on failure. No cmocka
 * assertions here: it runs in the racing threads.
 */
static int
dur_copy(const char *from, const char *to)
{
	FILE *in, *out;
	char buf[8192];
	size_t n;
	int ok = 1;

	unlink(to);
	if ((in = fopen(from, "rb")) == NULL)
		return 1;
	if ((out = fopen(to, "wb")) == NULL) {
		fclose(in);
		return 0;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	fclose(in);
	return fclose(out) == 0 && ok;
}

/*
 * Would the signature seq and the mark of version ver survive a power cut
 * now? Opens what the synced writes left, with the plain VFS.
 */
static int
dur_survives(int id, uint64_t seq, uint64_t ver)
{
	char *db = db_path("durable.db"), *wal = db_path("durable.db-wal");
	char *from, *to, *to_wal, *shm;
	sqlite3 *chk = NULL;
	sqlite3_stmt *st = NULL;
	int n = 0, ok;

	to = xasprintf("%s/crash-%d.db", dir, id);
	to_wal = xasprintf("%s-wal", to);
	shm = xasprintf("%s-shm", to);
	pthread_mutex_lock(&dur_mtx);
	from = xasprintf("%s.disk", db);
	ok = dur_copy(from, to);
	free(from);
	from = xasprintf("%s.disk", wal);
	ok &= dur_copy(from, to_wal);
	free(from);
	pthread_mutex_unlock(&dur_mtx);
	unlink(shm);
	/* Opening the copies replays the synced WAL, as after a reboot. */
	if (ok && sqlite3_open_v2(to, &chk, SQLITE_OPEN_READWRITE, "unix") ==
	    SQLITE_OK && sqlite3_prepare_v2(chk, "SELECT count(*) FROM "
	    "zs_signatures, zs_marks WHERE id = ? AND zs_marks.key = 'k' AND "
	    "class = '' AND version >= ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		sqlite3_bind_int64(st, 2,
		    (sqlite3_int64)(ver ^ (UINT64_C(1) << 63)));
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(chk);
	unlink(to);
	unlink(to_wal);
	unlink(shm);
	free(to);
	free(to_wal);
	free(shm);
	free(db);
	free(wal);
	return n == 1;
}

static void *
dur_run(void *arg)
{
	struct race *rc = arg;
	struct store_admit a = { .key = "k", .image_class = "",
	    .identity = "uid:1", .update = 1, .check_version = 1,
	    .version = 5, .version_text = "v" };
	struct zs_errbuf eb;

	pthread_mutex_lock(&dur_mtx);
	dur_entered++;
	pthread_cond_broadcast(&dur_cv);
	pthread_mutex_unlock(&dur_mtx);
	rc->ok[0] = store_admit(rc->st, &a, &rc->seq[0], &eb) == 0;
	/* The moment the image would be returned. */
	rc->ok[1] = rc->ok[0] && dur_survives(rc->id, rc->seq[0], a.version);
	return NULL;
}

/*
 * Admissions that queue up behind a commit share the next one, and each
 * is on disk (synced) before store_admit returns: what a power cut at
 * that moment leaves holds its signature and its mark.
 */
static void
test_durable_batches(void **state)
{
	struct race rc[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	struct store *st;
	int i, syncs;

	dur_real = sqlite3_vfs_find(NULL);
	dur_vfs = *dur_real;
	dur_vfs.zName = "zs-durable";
	dur_vfs.szOsFile = (int)sizeof(struct dur_file) + dur_real->szOsFile;
	dur_vfs.xOpen = dur_open;
	assert_int_equal(sqlite3_vfs_register(&dur_vfs, 1), SQLITE_OK);
	st = open_new("durable.db");
	pthread_mutex_lock(&dur_mtx);
	dur_hold = 1;
	dur_entered = 0;
	dur_wal_syncs = 0;
	pthread_mutex_unlock(&dur_mtx);
	for (i = 0; i < RACE_THREADS; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].st = st;
		rc[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, dur_run, &rc[i]),
		    0);
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
	syncs = dur_wal_syncs;
	store_close(st);
	assert_int_equal(sqlite3_vfs_register(dur_real, 1), SQLITE_OK);
	assert_int_equal(sqlite3_vfs_unregister(&dur_vfs), SQLITE_OK);
	for (i = 0; i < RACE_THREADS; i++) {
		assert_true(rc[i].ok[0]);
		assert_true(rc[i].ok[1]);
	}
	/* The first commit held the others back: they went in one or two. */
	assert_true(syncs >= 2 && syncs < RACE_THREADS);
}

/* No version below one granted earlier (in commit order) is ever granted. */
static void
test_race_rollback(void **state)
{
	struct race rc[RACE_THREADS];
	struct store *st = open_new("race.db");
	uint64_t grants[RACE_THREADS * RACE_TRIES + 1] = { 0 }, high = 0;
	uint64_t seq;
	int i, j, n = 0;

	race(st, 0, rc);
	for (i = 0; i < RACE_THREADS; i++)
		for (j = 0; j < RACE_TRIES; j++)
			if (rc[i].ok[j]) {
				seq = rc[i].seq[j];
				assert_true(seq >= 1 && seq <=
				    RACE_THREADS * RACE_TRIES);
				assert_int_equal(grants[seq], 0);
				grants[seq] = rc[i].ver[j] + 1;
				n++;
			}
	assert_true(n > 0);
	for (seq = 1; seq <= RACE_THREADS * RACE_TRIES; seq++) {
		if (grants[seq] == 0)
			continue;
		assert_true(grants[seq] >= high);
		high = grants[seq];
	}
	/* And every refusal was below the mark at its time: the top won. */
	assert_int_equal(high, 28 + 1);
	store_close(st);
}

/* max_per_hour 10 under 96 racing requests: exactly 10 granted. */
static void
test_race_rate(void **state)
{
	struct race rc[RACE_THREADS];
	struct store *st = open_new("racerate.db");
	int i, j, n = 0;

	race(st, 10, rc);
	for (i = 0; i < RACE_THREADS; i++)
		for (j = 0; j < RACE_TRIES; j++)
			n += rc[i].ok[j];
	assert_int_equal(n, 10);
	store_close(st);
}

/* A store with 100,000 images opens, and its rules still hold. */
static void
test_many_images(void **state)
{
	struct store *st = open_new("many.db");
	sqlite3 *db;
	sqlite3_stmt *ins;
	char *p = db_path("many.db"), cls[32];
	int i;

	store_close(st);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO zs_marks VALUES("
	    "'k', ?, ?, 'v', NULL)", -1, &ins, NULL), SQLITE_OK);
	for (i = 0; i < MANY_IMAGES; i++) {
		snprintf(cls, sizeof(cls), "class-%d", i);
		sqlite3_bind_text(ins, 1, cls, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 2, (sqlite3_int64)(INT64_MIN + 100));
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO zs_signatures(at, "
	    "identity, key, nth) SELECT 0, 'uid:1', 'k', rowid FROM zs_marks",
	    NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	st = open_new("many.db");
	assert_int_equal(store_seq(st), MANY_IMAGES);
	assert_int_equal(admit_ver(st, "class-99999", 99, 1, NULL),
	    ZS_ERR_DENIED);
	assert_int_equal(admit_ver(st, "class-99999", 100, 1, NULL), 0);
	assert_int_equal(store_seq(st), MANY_IMAGES + 1);
	store_close(st);
	free(p);
}

static int
setup(void **state)
{
	assert_int_equal(zstest_mkdtemp(dir, sizeof(dir), "test-store"), 0);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	free(cmd);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_counter_and_rate),
		cmocka_unit_test(test_rate_window),
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_kv),
		cmocka_unit_test(test_refused_files),
		cmocka_unit_test(test_race_rollback),
		cmocka_unit_test(test_race_rate),
		cmocka_unit_test(test_durable_batches),
		cmocka_unit_test(test_many_images),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

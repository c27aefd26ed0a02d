/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared store for replicas: PostgreSQL through libpq. A rule check
 * locks the rows it reads (an upsert that takes the row lock, the
 * equivalent of SELECT ... FOR UPDATE on a row that may not exist yet),
 * so two replicas deciding on the same key wait for each other; the audit
 * record is inserted in the same transaction. A lost connection makes
 * the request fail with ZS_ERR_UNAVAILABLE and is reopened by the next
 * one, so the replica recovers by itself.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/xmalloc.h"
#include "state/store-int.h"

/*
 * The schema version this build writes and reads; a database with another
 * one is refused (docs/deploy-replicas.md says how to migrate). Each
 * backend numbers its own schema.
 */
#define PG_SCHEMA_VERSION	1
/* Connections kept open to the database (one per busy worker at most). */
#define PG_CONNS_MAX		16
/* Seconds a connection attempt may take (libpq connect_timeout). */
#define PG_CONNECT_TIMEOUT	"3"
/* Name of the systemd credential holding a libpq password file. */
#define PG_CREDENTIAL		"pgpass"
/* Longest path of that credential. */
#define PG_PATH_MAX		4096

static const char pg_schema[] =
    "CREATE TABLE zs_meta(name text PRIMARY KEY, value text NOT NULL);"
    "CREATE TABLE zs_marks(key text NOT NULL, class text NOT NULL,"
    " version bigint, version_text text, counter bigint,"
    " PRIMARY KEY(key, class));"
    "CREATE TABLE zs_rate(key text NOT NULL, identity text NOT NULL,"
    " PRIMARY KEY(key, identity));"
    "CREATE TABLE zs_audit(id bigserial PRIMARY KEY,"
    " at timestamptz NOT NULL DEFAULT now(), node text NOT NULL,"
    " identity text NOT NULL, key text, result text NOT NULL, record text);"
    "CREATE INDEX zs_audit_rate ON zs_audit(key, identity, at)"
    " WHERE result = 'ok';"
    "CREATE TABLE zs_kv(ns text NOT NULL, name text NOT NULL,"
    " value text NOT NULL, PRIMARY KEY(ns, name));";

struct pg_store {
	char		*url;
	char		*node;
	char		 passfile[PG_PATH_MAX];	/* from systemd, or "" */
	pthread_mutex_t	 mtx;			/* guards conns[] */
	pthread_cond_t	 cv;
	PGconn		*conns[PG_CONNS_MAX];
	int		 busy[PG_CONNS_MAX];
};

/* A connection taken from the pool for one transaction. */
struct pg_conn {
	struct pg_store	*s;
	int		 slot;
	PGconn		*c;
	int		 reused;	/* opened by an earlier request */
};

/* libpq's message is multi-line; the first line says it. */
static int
pg_fail(PGconn *c, const char *what, struct zs_errbuf *eb)
{
	char msg[ZS_ERRMSG_MAX];
	int down = c == NULL || PQstatus(c) != CONNECTION_OK;

	snprintf(msg, sizeof(msg), "%s", c ? PQerrorMessage(c) : "no memory");
	msg[strcspn(msg, "\n")] = '\0';
	return zs_errf(eb, down ? ZS_ERR_UNAVAILABLE : ZS_ERR_IO,
	    "state database %s: %s: %s", down ? "unreachable" : "error",
	    what, msg);
}

static PGconn *
pg_connect(struct pg_store *s)
{
	const char *kw[5], *val[5];
	int n = 0;

	/* Ours first: what the URL says wins over them. */
	kw[n] = "connect_timeout";
	val[n++] = PG_CONNECT_TIMEOUT;
	kw[n] = "fallback_application_name";
	val[n++] = "zsignd";
	if (s->passfile[0] != '\0') {
		kw[n] = "passfile";
		val[n++] = s->passfile;
	}
	kw[n] = "dbname";
	val[n++] = s->url;
	kw[n] = NULL;
	val[n] = NULL;
	return PQconnectdbParams(kw, val, 1);
}

static int
pg_get(struct pg_store *s, struct pg_conn *pc, struct zs_errbuf *eb)
{
	int i, slot = -1;

	pthread_mutex_lock(&s->mtx);
	for (;;) {
		for (i = 0; i < PG_CONNS_MAX && slot < 0; i++)
			if (!s->busy[i] && s->conns[i] != NULL)
				slot = i;
		for (i = 0; i < PG_CONNS_MAX && slot < 0; i++)
			if (!s->busy[i])
				slot = i;
		if (slot >= 0)
			break;
		pthread_cond_wait(&s->cv, &s->mtx);
	}
	s->busy[slot] = 1;
	pc->c = s->conns[slot];
	s->conns[slot] = NULL;
	pthread_mutex_unlock(&s->mtx);
	pc->s = s;
	pc->slot = slot;
	pc->reused = pc->c != NULL;
	if (pc->c != NULL && PQstatus(pc->c) != CONNECTION_OK) {
		PQfinish(pc->c);
		pc->c = NULL;
	}
	if (pc->c == NULL) {
		pc->reused = 0;
		pc->c = pg_connect(s);
		if (PQstatus(pc->c) != CONNECTION_OK) {
			pg_fail(pc->c, "connect", eb);
			PQfinish(pc->c);
			pc->c = NULL;
			pthread_mutex_lock(&s->mtx);
			s->busy[slot] = 0;
			pthread_cond_signal(&s->cv);
			pthread_mutex_unlock(&s->mtx);
			return ZS_ERR_UNAVAILABLE;
		}
	}
	return 0;
}

/* Give the connection back; a broken one is closed, to be reopened. */
static void
pg_put(struct pg_conn *pc)
{
	struct pg_store *s = pc->s;

	if (pc->c != NULL && (PQstatus(pc->c) != CONNECTION_OK ||
	    PQtransactionStatus(pc->c) != PQTRANS_IDLE)) {
		PQfinish(pc->c);
		pc->c = NULL;
	}
	pthread_mutex_lock(&s->mtx);
	s->conns[pc->slot] = pc->c;
	s->busy[pc->slot] = 0;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mtx);
	pc->c = NULL;
}

/*
 * Run sql with n text parameters; *resp (when not NULL) gets the result
 * of a statement that returns rows.
 */
static int
pg_exec(PGconn *c, const char *sql, int n, const char *const *params,
    PGresult **resp, struct zs_errbuf *eb)
{
	PGresult *res;
	ExecStatusType st;

	res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		PQclear(res);
		return pg_fail(c, sql, eb);
	}
	if (resp != NULL)
		*resp = res;
	else
		PQclear(res);
	return 0;
}

/* Run several statements without parameters (the schema). */
static int
pg_exec_script(PGconn *c, const char *sql, struct zs_errbuf *eb)
{
	PGresult *res = PQexec(c, sql);
	int r = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(c, "creating the schema", eb);
	PQclear(res);
	return r;
}

/*
 * The first statement on a pooled connection: an idle connection the
 * server dropped (a restart) is only noticed now, before anything ran,
 * so it is reopened and the statement tried once more.
 */
static int
pg_first(struct pg_conn *pc, const char *sql, int n,
    const char *const *params, PGresult **resp, struct zs_errbuf *eb)
{
	int r;

	if ((r = pg_exec(pc->c, sql, n, params, resp, eb)) == 0 ||
	    !pc->reused || PQstatus(pc->c) == CONNECTION_OK)
		return r;
	PQfinish(pc->c);
	pc->reused = 0;
	pc->c = pg_connect(pc->s);
	if (PQstatus(pc->c) != CONNECTION_OK)
		return pg_fail(pc->c, "connect", eb);
	return pg_exec(pc->c, sql, n, params, resp, eb);
}

static void
pg_rollback(PGconn *c)
{
	if (PQstatus(c) == CONNECTION_OK &&
	    PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
}

/* Check (creating it if asked) the schema, and read the last change's id. */
static int
pg_schema_check(struct pg_store *s, PGconn *c, int create, uint64_t *seqp,
    struct zs_errbuf *eb)
{
	char schema[16];
	const char *p[2];
	PGresult *res = NULL;
	int r;

	if ((r = pg_exec(c, "BEGIN", 0, NULL, NULL, eb)) != 0)
		return r;
	/* Replicas starting together: one of them creates the tables. */
	if ((r = pg_exec(c, "SELECT pg_advisory_xact_lock(7262361)", 0, NULL,
	    NULL, eb)) != 0 ||
	    (r = pg_exec(c, "SELECT to_regclass('zs_meta') IS NULL", 0, NULL,
	    &res, eb)) != 0)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		if (!create) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "state database has "
			    "no zsign tables (zsignd --init-state URL)");
			goto out;
		}
		snprintf(schema, sizeof(schema), "%d", PG_SCHEMA_VERSION);
		p[0] = STORE_MAGIC;
		p[1] = schema;
		if ((r = pg_exec_script(c, pg_schema, eb)) != 0 ||
		    (r = pg_exec(c, "INSERT INTO zs_meta VALUES('magic', $1), "
		    "('schema', $2)", 2, p, NULL, eb)) != 0)
			goto out;
	}
	PQclear(res);
	res = NULL;
	if ((r = pg_exec(c, "SELECT (SELECT value FROM zs_meta WHERE name = "
	    "'magic'), (SELECT value FROM zs_meta WHERE name = 'schema')",
	    0, NULL, &res, eb)) != 0)
		goto out;
	if (PQgetisnull(res, 0, 0) ||
	    strcmp(PQgetvalue(res, 0, 0), STORE_MAGIC) != 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state database: zs_meta is not "
		    "a zsign state store's");
		goto out;
	}
	if (PQgetisnull(res, 0, 1) ||
	    atoi(PQgetvalue(res, 0, 1)) != PG_SCHEMA_VERSION) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "state database: schema version "
		    "%s, this zsignd reads %d", PQgetisnull(res, 0, 1) ?
		    "(none)" : PQgetvalue(res, 0, 1), PG_SCHEMA_VERSION);
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((r = pg_exec(c, "SELECT coalesce(max(id), 0) FROM zs_audit", 0,
	    NULL, &res, eb)) != 0)
		goto out;
	*seqp = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	r = pg_exec(c, "COMMIT", 0, NULL, NULL, eb);
 out:
	PQclear(res);
	if (r != 0)
		pg_rollback(c);
	return r;
}

static void
pg_close(void *h)
{
	struct pg_store *s = h;
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < PG_CONNS_MAX; i++)
		if (s->conns[i] != NULL)
			PQfinish(s->conns[i]);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cv);
	free(s->url);
	free(s->node);
	free(s);
}

/* A password in the URL would sit in ps(1) and in the unit file. */
static int
pg_url_check(const char *url, struct zs_errbuf *eb)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;
	int r = 0;

	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		r = zs_errf(eb, ZS_ERR_INVALID, "state URL: %s",
		    err ? err : "out of memory");
		PQfreemem(err);
		return r;
	}
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			r = zs_errf(eb, ZS_ERR_INVALID, "state URL carries a "
			    "password: put it in a password file (passfile=, "
			    "PGPASSFILE or the systemd credential \"%s\")",
			    PG_CREDENTIAL);
	PQconninfoFree(opts);
	return r;
}

static int
pg_open(const char *url, const struct store_opts *opts, void **hp,
    uint64_t *seqp, struct zs_errbuf *eb)
{
	struct pg_store *s;
	struct pg_conn pc;
	struct stat sb;
	const char *dir;
	int r;

	/* postgresql://... is a URI; postgresql:k=v ... a conninfo string. */
	if (strncmp(url, "postgresql://", 13) != 0)
		url += strlen("postgresql:");
	if ((r = pg_url_check(url, eb)) != 0)
		return r;
	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->url = xstrdup(url);
	s->node = xstrdup(opts->node ? opts->node : "-");
	/* LoadCredential=pgpass:/etc/zsign/pgpass in the unit. */
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) != NULL) {
		snprintf(s->passfile, sizeof(s->passfile), "%s/%s", dir,
		    PG_CREDENTIAL);
		if (stat(s->passfile, &sb) == -1)
			s->passfile[0] = '\0';
	}
	if ((r = pg_get(s, &pc, eb)) != 0)
		goto out;
	r = pg_schema_check(s, pc.c, opts->create, seqp, eb);
	pg_put(&pc);
	if (r != 0)
		goto out;
	*hp = s;
	s = NULL;
 out:
	pg_close(s);
	return r;
}

/* Run one statement on a pooled connection. */
static int
pg_run(struct pg_store *s, const char *sql, int n, const char *const *p,
    PGresult **resp, struct zs_errbuf *eb)
{
	struct pg_conn pc;
	int r;

	if ((r = pg_get(s, &pc, eb)) != 0)
		return r;
	r = pg_first(&pc, sql, n, p, resp, eb);
	pg_put(&pc);
	return r;
}

static int
pg_admit_tx(struct pg_store *s, struct pg_conn *pc,
    const struct store_admit *a, uint64_t *seqp, struct zs_errbuf *eb)
{
	char ver[24], cnt[24], max[16];
	const char *p[5];
	PGresult *res = NULL;
	PGconn *c;
	uint64_t have;
	int r;

	if ((r = pg_first(pc, "BEGIN", 0, NULL, NULL, eb)) != 0)
		return r;
	c = pc->c;
	p[0] = a->key;
	p[1] = a->image_class;
	if (a->check_version || a->check_counter) {
		/* The upsert locks the row, new or old, until COMMIT. */
		if ((r = pg_exec(c, "INSERT INTO zs_marks(key, class) "
		    "VALUES($1, $2) ON CONFLICT(key, class) DO UPDATE SET "
		    "key = excluded.key RETURNING version, version_text, "
		    "counter", 2, p, &res, eb)) != 0)
			goto out;
		if (a->check_version && !PQgetisnull(res, 0, 0)) {
			have = store_i2u(strtoll(PQgetvalue(res, 0, 0), NULL,
			    10));
			if (a->version < have) {
				r = zs_errf(eb, ZS_ERR_DENIED, "anti-rollback: "
				    "version %s is lower than %s, already "
				    "signed with key \"%s\"%s%s",
				    a->version_text ? a->version_text : "?",
				    PQgetvalue(res, 0, 1), a->key,
				    a->image_class[0] ? " for image class " :
				    "", a->image_class);
				goto out;
			}
		}
		if (a->check_counter && !PQgetisnull(res, 0, 2)) {
			have = store_i2u(strtoll(PQgetvalue(res, 0, 2), NULL,
			    10));
			if (a->counter < have) {
				r = zs_errf(eb, ZS_ERR_DENIED, "security "
				    "counter %llu is lower than %llu, already "
				    "signed with key \"%s\"",
				    (unsigned long long)a->counter,
				    (unsigned long long)have, a->key);
				goto out;
			}
		}
		PQclear(res);
		res = NULL;
	}
	if (a->max_per_hour != 0) {
		snprintf(max, sizeof(max), "%u", a->max_per_hour);
		p[1] = a->identity;
		p[2] = max;
		/* One lock per (key, identity): counting is then exact. */
		if ((r = pg_exec(c, "INSERT INTO zs_rate VALUES($1, $2) ON "
		    "CONFLICT(key, identity) DO UPDATE SET key = excluded.key",
		    2, p, NULL, eb)) != 0 ||
		    (r = pg_exec(c, "SELECT count(*) FROM (SELECT 1 FROM "
		    "zs_audit WHERE key = $1 AND identity = $2 AND "
		    "result = 'ok' AND at > now() - interval '1 hour' "
		    "LIMIT $3::bigint) AS recent", 3, p, &res, eb)) != 0)
			goto out;
		if (strtoull(PQgetvalue(res, 0, 0), NULL, 10) >=
		    a->max_per_hour) {
			r = zs_errf(eb, ZS_ERR_LIMIT, "%s reached %u "
			    "signatures per hour with key \"%s\"",
			    a->identity, a->max_per_hour, a->key);
			goto out;
		}
		PQclear(res);
		res = NULL;
	}
	if (!a->update) {
		r = pg_exec(c, "ROLLBACK", 0, NULL, NULL, eb);
		goto out;
	}
	if (a->check_version || a->check_counter) {
		snprintf(ver, sizeof(ver), "%" PRId64, store_u2i(a->version));
		snprintf(cnt, sizeof(cnt), "%" PRId64, store_u2i(a->counter));
		p[0] = a->key;
		p[1] = a->image_class;
		p[2] = a->check_version ? ver : NULL;
		p[3] = a->check_version ? (a->version_text ?
		    a->version_text : "?") : NULL;
		p[4] = a->check_counter ? cnt : NULL;
		if ((r = pg_exec(c, "UPDATE zs_marks SET version = "
		    "coalesce($3::bigint, version), version_text = "
		    "coalesce($4, version_text), counter = "
		    "coalesce($5::bigint, counter) WHERE key = $1 AND "
		    "class = $2", 5, p, NULL, eb)) != 0)
			goto out;
	}
	p[0] = s->node;
	p[1] = a->identity;
	p[2] = a->key;
	p[3] = a->record;
	if ((r = pg_exec(c, "INSERT INTO zs_audit(node, identity, key, "
	    "result, record) VALUES($1, $2, $3, 'ok', $4) RETURNING id", 4, p,
	    &res, eb)) != 0)
		goto out;
	*seqp = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
	r = pg_exec(c, "COMMIT", 0, NULL, NULL, eb);
 out:
	PQclear(res);
	if (r != 0)
		pg_rollback(c);
	return r;
}

static int
pg_admit(void *h, const struct store_admit *a, uint64_t *seqp,
    struct zs_errbuf *eb)
{
	struct pg_store *s = h;
	struct pg_conn pc;
	int r;

	if ((r = pg_get(s, &pc, eb)) != 0)
		return r;
	r = pg_admit_tx(s, &pc, a, seqp, eb);
	pg_put(&pc);
	return r;
}

static int
pg_record(void *h, const char *identity, const char *key,
    const char *result, const char *record, struct zs_errbuf *eb)
{
	struct pg_store *s = h;
	const char *p[5] = { s->node, identity, key, result, record };

	return pg_run(s, "INSERT INTO zs_audit(node, identity, key, result, "
	    "record) VALUES($1, $2, $3, $4, $5)", 5, p, NULL, eb);
}

static int
pg_health(void *h, struct zs_errbuf *eb)
{
	return pg_run(h, "SELECT 1", 0, NULL, NULL, eb);
}

static int
pg_kv_put(void *h, const char *ns, const char *name, const char *value,
    struct zs_errbuf *eb)
{
	const char *p[3] = { ns, name, value };

	return pg_run(h, "INSERT INTO zs_kv VALUES($1, $2, $3) ON CONFLICT(ns, "
	    "name) DO UPDATE SET value = excluded.value", 3, p, NULL, eb);
}

static int
pg_kv_get(void *h, const char *ns, const char *name, char **valuep,
    struct zs_errbuf *eb)
{
	const char *p[2] = { ns, name };
	PGresult *res = NULL;
	int r;

	if ((r = pg_run(h, "SELECT value FROM zs_kv WHERE ns = $1 AND "
	    "name = $2", 2, p, &res, eb)) != 0)
		return r;
	if (PQntuples(res) == 0)
		r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no record %s/%s", ns, name);
	else
		*valuep = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return r;
}

static int
pg_kv_del(void *h, const char *ns, const char *name, struct zs_errbuf *eb)
{
	const char *p[2] = { ns, name };
	PGresult *res = NULL;
	int r;

	if ((r = pg_run(h, "DELETE FROM zs_kv WHERE ns = $1 AND name = $2 "
	    "RETURNING 1", 2, p, &res, eb)) != 0)
		return r;
	if (PQntuples(res) == 0)
		r = zs_errf(eb, ZS_ERR_NOT_FOUND, "no record %s/%s", ns, name);
	PQclear(res);
	return r;
}

static int
pg_kv_list(void *h, const char *ns,
    int (*cb)(void *, const char *, const char *), void *arg,
    struct zs_errbuf *eb)
{
	char lim[16];
	const char *p[2] = { ns, lim };
	PGresult *res = NULL;
	int i, r;

	snprintf(lim, sizeof(lim), "%d", STORE_KV_LIST_MAX);
	if ((r = pg_run(h, "SELECT name, value FROM zs_kv WHERE ns = $1 "
	    "ORDER BY name LIMIT $2::int", 2, p, &res, eb)) != 0)
		return r;
	for (i = 0; r == 0 && i < PQntuples(res); i++)
		r = cb(arg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	return r;
}

const struct store_backend store_postgresql = {
	.name = "postgresql",
	.prefix = "postgresql:",
	.keep_prefix = 1,
	.open = pg_open,
	.close = pg_close,
	.admit = pg_admit,
	.record = pg_record,
	.health = pg_health,
	.kv_put = pg_kv_put,
	.kv_get = pg_kv_get,
	.kv_del = pg_kv_del,
	.kv_list = pg_kv_list,
};

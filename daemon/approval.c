/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Held sign requests: records in the state store, bodies in a spool
 * directory (mode 0700, files 0600, written atomically). The vote rules
 * live in approvals_vote() alone, so that the server and the tests apply
 * the same ones.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "daemon/approval.h"
#include "state/store.h"

/* The store namespace of held requests. */
#define APPROVAL_NS		"approval"
/* Longest spool directory path. */
#define APPROVAL_DIR_MAX	512
/* Largest spooled body read back (the request body cap's limit). */
#define APPROVAL_BODY_MAX	(128u * 1024 * 1024)

struct approvals {
	struct store	*st;		/* the daemon's (borrowed) */
	char		 dir[APPROVAL_DIR_MAX];
	pthread_mutex_t	 mtx;		/* read-modify-write of records */
};

int
approvals_id_valid(const char *s)
{
	size_t n = strlen(s);

	return n == APPROVAL_ID_LEN - 1 &&
	    strspn(s, "0123456789abcdef") == n;
}

int
approvals_open(const char *dir, struct store *st, struct approvals **ap,
    struct zs_errbuf *eb)
{
	struct approvals *a;

	*ap = NULL;
	if (dir[0] != '/' || strlen(dir) >= APPROVAL_DIR_MAX - 64)
		return zs_errf(eb, ZS_ERR_INVALID, "approvals.spool_dir must "
		    "be an absolute path under %d bytes", APPROVAL_DIR_MAX - 64);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return zs_errf(eb, ZS_ERR_IO, "approvals.spool_dir %s: %s",
		    dir, strerror(errno));
	a = xcalloc(1, sizeof(*a));
	pthread_mutex_init(&a->mtx, NULL);
	memcpy(a->dir, dir, strlen(dir) + 1);
	a->st = st;
	*ap = a;
	return 0;
}

void
approvals_close(struct approvals *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->mtx);
	free(a);
}

static void
approvals_spool_path(const struct approvals *a, const char *id, char *path,
    size_t len)
{
	/* a->dir is under APPROVAL_DIR_MAX - 64 bytes: this fits. */
	if (snprintf(path, len, "%s/%.32s.req", a->dir, id) >= (int)len)
		path[0] = '\0';
}

static int
approvals_put(struct approvals *a, const json_t *rec, struct zs_errbuf *eb)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	char *text;
	int r;

	if (id == NULL || !approvals_id_valid(id))
		return zs_errf(eb, ZS_ERR_INTERNAL, "approval record without "
		    "an id");
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
	r = store_kv_put(a->st, APPROVAL_NS, id, text, eb);
	free(text);
	return r;
}

/* Make a pending rec "expired" when its time has passed: 1 if it did. */
static int
approvals_expire(struct approvals *a, json_t *rec, time_t now,
    struct zs_errbuf *eb)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	json_int_t exp = json_integer_value(json_object_get(rec, "expires"));

	if (state == NULL || strcmp(state, "pending") != 0 ||
	    (json_int_t)now < exp)
		return 0;
	json_object_set_new(rec, "state", json_string("expired"));
	if (approvals_put(a, rec, eb) != 0)
		return -1;
	approvals_forget_body(a, json_string_value(json_object_get(rec,
	    "id")));
	return 1;
}

static int
approvals_count_cb(void *arg, const char *name, const char *value)
{
	(void)name;
	(void)value;
	++*(size_t *)arg;
	return 0;
}

int
approvals_create(struct approvals *a, json_t *rec, time_t now,
    unsigned timeout_s, const uint8_t *body, size_t len,
    char id[APPROVAL_ID_LEN], struct zs_errbuf *eb)
{
	uint8_t rnd[(APPROVAL_ID_LEN - 1) / 2];
	char path[APPROVAL_DIR_MAX], newid[APPROVAL_ID_LEN];
	size_t n = 0;
	int r;

	if ((r = store_kv_list(a->st, APPROVAL_NS, approvals_count_cb, &n,
	    eb)) != 0)
		return r;
	if (n >= APPROVAL_HELD_MAX)
		return zs_errf(eb, ZS_ERR_LIMIT, "%d requests are held already",
		    APPROVAL_HELD_MAX);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return zs_errf(eb, ZS_ERR_CRYPTO, "no random bytes for an id");
	zs_hex_encode(rnd, sizeof(rnd), newid);
	approvals_spool_path(a, newid, path, sizeof(path));
	/* The body is on disk before the record that points at it. */
	if (zs_file_write_atomic(path, body, len, 0600) != 0)
		return zs_errf(eb, ZS_ERR_IO, "spooling the request to %s: %s",
		    path, strerror(errno));
	json_object_set_new(rec, "id", json_string(newid));
	json_object_set_new(rec, "state", json_string("pending"));
	json_object_set_new(rec, "created", json_integer((json_int_t)now));
	json_object_set_new(rec, "expires", json_integer((json_int_t)now +
	    (json_int_t)timeout_s));
	json_object_set_new(rec, "approved_by", json_array());
	pthread_mutex_lock(&a->mtx);
	r = approvals_put(a, rec, eb);
	pthread_mutex_unlock(&a->mtx);
	if (r != 0) {
		(void)unlink(path);
		return r;
	}
	memcpy(id, newid, APPROVAL_ID_LEN);
	return 0;
}

int
approvals_get(struct approvals *a, const char *id, time_t now,
    json_t **recp, int *expiredp, struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *rec;
	char *text = NULL;
	int r;

	*expiredp = 0;
	if (!approvals_id_valid(id))
		return zs_errf(eb, ZS_ERR_INVALID, "not a request id");
	pthread_mutex_lock(&a->mtx);
	if ((r = store_kv_get(a->st, APPROVAL_NS, id, &text, eb)) != 0) {
		if (r == ZS_ERR_NOT_FOUND)
			zs_errf(eb, r, "no held request %s", id);
		goto out;
	}
	if ((rec = json_loads(text, 0, &jerr)) == NULL ||
	    !json_is_object(rec)) {
		json_decref(rec);
		r = zs_errf(eb, ZS_ERR_FORMAT, "approval record %s is broken",
		    id);
		goto out;
	}
	if ((r = approvals_expire(a, rec, now, eb)) < 0) {
		json_decref(rec);
		r = ZS_ERR_IO;
		goto out;
	}
	*expiredp = r;
	*recp = rec;
	r = 0;
 out:
	pthread_mutex_unlock(&a->mtx);
	free(text);
	return r;
}

int
approvals_update(struct approvals *a, const json_t *rec,
    struct zs_errbuf *eb)
{
	int r;

	pthread_mutex_lock(&a->mtx);
	r = approvals_put(a, rec, eb);
	pthread_mutex_unlock(&a->mtx);
	return r;
}

static int
approvals_list_cb(void *arg, const char *name, const char *value)
{
	json_t *rec = json_loads(value, 0, NULL);

	(void)name;
	if (json_is_object(rec))
		json_array_append(arg, rec);
	json_decref(rec);
	return 0;
}

int
approvals_list(struct approvals *a, time_t now, json_t **arrp,
    json_t **expiredp, struct zs_errbuf *eb)
{
	json_t *arr = json_array(), *expired = json_array(), *rec;
	size_t i;
	int r;

	pthread_mutex_lock(&a->mtx);
	r = store_kv_list(a->st, APPROVAL_NS, approvals_list_cb, arr, eb);
	json_array_foreach(arr, i, rec) {
		if (r != 0)
			break;
		if ((r = approvals_expire(a, rec, now, eb)) < 0)
			r = ZS_ERR_IO;
		else if (r == 1) {
			json_array_append(expired, rec);
			r = 0;
		}
	}
	pthread_mutex_unlock(&a->mtx);
	if (r != 0) {
		json_decref(arr);
		json_decref(expired);
		return r;
	}
	*arrp = arr;
	*expiredp = expired;
	return 0;
}

int
approvals_body(struct approvals *a, const char *id, uint8_t **bodyp,
    size_t *lenp, struct zs_errbuf *eb)
{
	char path[APPROVAL_DIR_MAX];
	int r;

	if (!approvals_id_valid(id))
		return zs_errf(eb, ZS_ERR_INVALID, "not a request id");
	approvals_spool_path(a, id, path, sizeof(path));
	if ((r = zs_file_read(path, APPROVAL_BODY_MAX, bodyp, lenp)) != 0)
		return zs_errf(eb, r == ZS_ERR_NOT_FOUND ? ZS_ERR_NOT_FOUND :
		    ZS_ERR_IO, "the held request %s is gone from the spool",
		    id);
	return 0;
}

void
approvals_forget_body(struct approvals *a, const char *id)
{
	char path[APPROVAL_DIR_MAX];

	if (id == NULL || !approvals_id_valid(id))
		return;
	approvals_spool_path(a, id, path, sizeof(path));
	(void)unlink(path);
}

int
approvals_vote(json_t *rec, const char *who, int approve,
    struct zs_errbuf *eb)
{
	const char *state = json_string_value(json_object_get(rec, "state"));
	const char *requester = json_string_value(json_object_get(rec,
	    "requester"));
	json_t *by = json_object_get(rec, "approved_by"), *v;
	json_int_t required = json_integer_value(json_object_get(rec,
	    "required"));
	size_t i;

	if (state == NULL || strcmp(state, "pending") != 0)
		return zs_errf(eb, ZS_ERR_CONFLICT, "the request is %s, not "
		    "pending", state != NULL ? state : "broken");
	if (requester == NULL || strcmp(requester, who) == 0)
		return zs_errf(eb, ZS_ERR_DENIED, "%s requested this signature "
		    "and cannot %s it", who, approve ? "approve" : "reject");
	if (!json_is_array(by))
		return zs_errf(eb, ZS_ERR_FORMAT, "approval record is broken");
	json_array_foreach(by, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), who) == 0)
			return zs_errf(eb, ZS_ERR_CONFLICT, "%s has approved "
			    "this request already", who);
	if (!approve) {
		json_object_set_new(rec, "state", json_string("rejected"));
		json_object_set_new(rec, "rejected_by", json_string(who));
		return 0;
	}
	json_array_append_new(by, json_string(who));
	if ((json_int_t)json_array_size(by) >= required)
		json_object_set_new(rec, "state", json_string("approved"));
	return 0;
}

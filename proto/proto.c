/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The only validator of sign requests: JSON text, or the binary form (a
 * JSON head and the files' bytes), to struct proto_sign_req, strictly
 * (unknown members, wrong types, bad base64, stray bytes and every cap are
 * errors), plus the error-code to HTTP-status table of docs/PROTOCOL.md.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/digit.h"
#include "common/fileset.h"
#include "common/jsonlift.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "proto/proto.h"

/* What a member must be. */
enum member_type {
	MT_STRING,
	MT_ARRAY,
	MT_OBJECT,
	MT_BOOL,
	MT_FILE,	/* base64 string; in the binary form, a length */
};

/* The binary form's data section, consumed file by file (PROTOCOL.md). */
struct bindata {
	const uint8_t	*p;
	size_t		 len;
	size_t		 used;
};

struct member {
	const char		*name;
	enum member_type	 type;
	int			 required;
};

static const struct member sign_members[] = {
	{ "tool",		MT_STRING,	1 },
	{ "key",		MT_STRING,	0 },
	{ "key_fingerprint",	MT_STRING,	0 },
	{ "args",		MT_ARRAY,	1 },
	{ "files",		MT_OBJECT,	1 },
	{ "west",		MT_OBJECT,	0 },
	{ "date",		MT_STRING,	0 },
	{ "from_private",	MT_ARRAY,	0 },
	{ NULL,			0,		0 }
};

static const struct member raw_members[] = {
	{ "key",		MT_STRING,	0 },
	{ "key_fingerprint",	MT_STRING,	0 },
	{ "data",		MT_STRING,	0 },
	{ "digest",		MT_STRING,	0 },
	{ NULL,			0,		0 }
};

static const struct member west_members[] = {
	{ "config",		MT_STRING,	1 },
	{ "dtb",		MT_FILE,	1 },
	{ "build_dir",		MT_STRING,	1 },
	{ "inputs",		MT_OBJECT,	1 },
	{ "force",		MT_BOOL,	0 },
	{ NULL,			0,		0 }
};

static const struct member inputs_members[] = {
	{ "bin",		MT_STRING,	0 },
	{ "hex",		MT_STRING,	0 },
	{ NULL,			0,		0 }
};

/* HTTP status of each error code; codes not listed are server faults. */
static const struct {
	int	code;
	int	status;
} statuses[] = {
	{ ZS_ERR_INVALID,	400 },
	{ ZS_ERR_USAGE,		400 },
	{ ZS_ERR_FORMAT,	400 },
	{ ZS_ERR_BUILD,		400 },
	{ ZS_ERR_KEY,		400 },
	{ ZS_ERR_PROTOCOL,	400 },
	{ ZS_ERR_UNAUTH,	401 },
	{ ZS_ERR_DENIED,	403 },
	{ ZS_ERR_NOT_FOUND,	404 },
	{ ZS_ERR_CONFLICT,	409 },
	{ ZS_ERR_TOO_LARGE,	413 },
	{ ZS_ERR_LIMIT,		429 },
	{ ZS_ERR_UNAVAILABLE,	503 },
};

static const char *
type_name(enum member_type t, const struct bindata *bd)
{
	switch (t) {
	case MT_FILE:
		return bd != NULL ? "a length in bytes" : "a string";
	case MT_STRING:
		return "a string";
	case MT_ARRAY:
		return "an array";
	case MT_OBJECT:
		return "an object";
	case MT_BOOL:
		return "a boolean";
	}
	return "?";
}

static int
type_ok(const json_t *v, enum member_type t, const struct bindata *bd)
{
	switch (t) {
	case MT_FILE:
		return bd != NULL ? json_is_integer(v) : json_is_string(v);
	case MT_STRING:
		return json_is_string(v);
	case MT_ARRAY:
		return json_is_array(v);
	case MT_OBJECT:
		return json_is_object(v);
	case MT_BOOL:
		return json_is_boolean(v);
	}
	return 0;
}

/* Check obj against a member table: no unknown members, types, required. */
static int
members_check(json_t *obj, const struct member *tab, const char *where,
    const struct bindata *bd, struct zs_errbuf *eb)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; tab[i].name != NULL; i++)
			if (strcmp(tab[i].name, k) == 0)
				break;
		if (tab[i].name == NULL)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: unknown member \"%.64s\"", where, k);
		if (!type_ok(v, tab[i].type, bd))
			return zs_errf(eb, ZS_ERR_INVALID, "%s.%s: must be %s",
			    where, tab[i].name, type_name(tab[i].type, bd));
	}
	for (i = 0; tab[i].name != NULL; i++)
		if (tab[i].required &&
		    json_object_get(obj, tab[i].name) == NULL)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: missing member \"%s\"", where, tab[i].name);
	return 0;
}

/* A string of at most max bytes without NUL; lenp may be NULL. */
static int
str_get(json_t *v, size_t max, const char *what, const char **sp,
    size_t *lenp, struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	if (len > max)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "%s: longer than %zu bytes", what, max);
	if (strlen(s) != len)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: contains NUL", what);
	*sp = s;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

/* Names and paths end up in messages and logs: no control characters. */
static int
text_check(const char *s, const char *what, struct zs_errbuf *eb)
{
	const unsigned char *p;

	if (*s == '\0')
		return zs_errf(eb, ZS_ERR_INVALID, "%s: must not be empty",
		    what);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: contains a control character", what);
	return 0;
}

int
proto_keyname_valid(const char *name)
{
	size_t n, at = 0;

	for (n = 0; name[n] != '\0'; n++) {
		if (n >= ZS_KEYNAME_MAX - 1)
			return 0;
		/* One "@" between a name and a version: NAME@VERSION. */
		if (name[n] == '@' && at == 0 && n > 0) {
			at = n;
			continue;
		}
		if (!((name[n] >= 'a' && name[n] <= 'z') ||
		    (name[n] >= 'A' && name[n] <= 'Z') ||
		    (name[n] >= '0' && name[n] <= '9') ||
		    name[n] == '.' || name[n] == '_' || name[n] == '-'))
			return 0;
	}
	return n > 0 && (at == 0 || at + 1 < n);
}

/* Normalise "SHA256:<64 hex>" (any case) into lower case. */
static int
fp_parse(const char *s, char out[PROTO_FP_LEN + 1], struct zs_errbuf *eb)
{
	size_t i;
	char c;

	if (strlen(s) != PROTO_FP_LEN || strncmp(s, "SHA256:", 7) != 0)
		goto bad;
	memcpy(out, "SHA256:", 7);
	for (i = 7; i < PROTO_FP_LEN; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			goto bad;
		out[i] = c;
	}
	out[PROTO_FP_LEN] = '\0';
	return 0;
 bad:
	return zs_errf(eb, ZS_ERR_INVALID,
	    "key_fingerprint: must be \"SHA256:\" and 64 hex digits");
}

/* A calendar date "YYYY-MM-DD" (proleptic Gregorian, year 1970-9999). */
static int
date_check(const char *s, struct zs_errbuf *eb)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int y, m, d, i, leap;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			goto bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		goto bad;
	return 0;
 bad:
	return zs_errf(eb, ZS_ERR_INVALID,
	    "date: must be a valid date YYYY-MM-DD");
}

/*
 * Decode one base64 member of at most room bytes; max is the cap named in
 * the message.
 */
static int
b64_get(json_t *v, const char *what, size_t room, size_t max,
    uint8_t **datap, size_t *lenp, struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	size_t slen = json_string_length(v), len;
	uint8_t *data;

	/* Check the cap before decoding: 4 characters carry 3 bytes. */
	if (slen / 4 * 3 > room + 2)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "%s: more than %zu bytes", what, max);
	if (zs_b64_decode(s, slen, &data, &len) != 0)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: not valid base64",
		    what);
	if (len > room) {
		free(data);
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "%s: more than %zu bytes", what, max);
	}
	*datap = data;
	*lenp = len;
	return 0;
}

/*
 * Take the next len bytes of the binary form's data section for one file
 * (v is its length) of at most room bytes; max is the cap named in the
 * message. The bytes stay in the request body.
 */
static int
bin_get(json_t *v, const char *what, size_t room, size_t max,
    struct bindata *bd, const uint8_t **datap, size_t *lenp,
    struct zs_errbuf *eb)
{
	json_int_t n;

	if (!json_is_integer(v) || (n = json_integer_value(v)) < 0)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: must be a length in "
		    "bytes", what);
	if ((uint64_t)n > room)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "%s: more than %zu bytes", what, max);
	if ((uint64_t)n > bd->len - bd->used)
		return zs_errf(eb, ZS_ERR_INVALID, "%s: %lld bytes, but the "
		    "body holds %zu more", what, (long long)n,
		    bd->len - bd->used);
	*datap = bd->p + bd->used;
	*lenp = (size_t)n;
	bd->used += (size_t)n;
	return 0;
}

static int
parse_args(struct proto_sign_req *req, json_t *args, struct zs_errbuf *eb)
{
	char what[32];
	const char *s;
	json_t *v;
	size_t i, n = json_array_size(args);
	int r;

	if (n > PROTO_ARGS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "args: more than %d arguments", PROTO_ARGS_MAX);
	req->argv = xcalloc(n + 1, sizeof(char *));
	json_array_foreach(args, i, v) {
		snprintf(what, sizeof(what), "args[%zu]", i);
		if (!json_is_string(v))
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: must be a string", what);
		if ((r = str_get(v, PROTO_ARG_MAX, what, &s, NULL, eb)) != 0)
			return r;
		/* The engines take char *const argv[]; never written. */
		req->argv[i] = (char *)(uintptr_t)s;
	}
	req->argc = (int)n;
	return 0;
}

/*
 * from_private: the files that are public keys the client derived from a
 * private key file, so imgtool's lines can say what imgtool says of one
 * (PROTOCOL.md 5.1). Only a claim: the engine still refuses private keys.
 */
static int
parse_from_private(struct proto_sign_req *req, json_t *names,
    struct zs_errbuf *eb)
{
	const char *name;
	json_t *v;
	size_t i;

	if (json_array_size(names) > PROTO_FILES_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "from_private: more than "
		    "%d names", PROTO_FILES_MAX);
	json_array_foreach(names, i, v) {
		if ((name = json_string_value(v)) == NULL)
			return zs_errf(eb, ZS_ERR_INVALID, "from_private: "
			    "must be an array of strings");
		if (fileset_set_flags(req->files, name,
		    FILESET_F_FROM_PRIVATE) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "from_private: "
			    "\"%.64s\" is not in files", name);
	}
	return 0;
}

static int
parse_files(struct proto_sign_req *req, json_t *files, size_t max,
    size_t *total, struct bindata *bd, struct zs_errbuf *eb)
{
	char what[PROTO_NAME_MAX + 16];
	const char *name;
	const uint8_t *slice;
	uint8_t *data;
	json_t *v;
	size_t len;
	int r;

	if (json_object_size(files) > PROTO_FILES_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "files: more than %d files", PROTO_FILES_MAX);
	req->files = fileset_new();
	json_object_foreach(files, name, v) {
		snprintf(what, sizeof(what), "files.%.*s", PROTO_NAME_MAX,
		    name);
		if (strlen(name) > PROTO_NAME_MAX)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "files: name longer than %d bytes", PROTO_NAME_MAX);
		if ((r = text_check(name, "files: name", eb)) != 0)
			return r;
		if (bd != NULL) {
			if ((r = bin_get(v, what, max - *total, max, bd,
			    &slice, &len, eb)) != 0)
				return r;
			*total += len;
			if ((r = fileset_add_ref(req->files, name, slice,
			    len)) != 0)
				return zs_errf(eb, r, "%s: cannot be stored",
				    what);
			continue;
		}
		if (!json_is_string(v))
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: must be a base64 string", what);
		if ((r = b64_get(v, what, max - *total, max, &data, &len,
		    eb)) != 0)
			return r;
		*total += len;
		if ((r = fileset_add_owned(req->files, name, data, len)) != 0)
			return zs_errf(eb, r, "%s: cannot be stored", what);
	}
	return 0;
}

static int
parse_west(struct proto_sign_req *req, json_t *west, size_t max,
    size_t *total, struct bindata *bd, struct zs_errbuf *eb)
{
	struct proto_west *w = &req->west;
	static const char *const fmts[] = { "bin", "hex" };
	const char **slots[] = { &w->in_bin, &w->in_hex };
	const uint8_t *d;
	json_t *inputs, *v;
	size_t i, dl, room;
	char what[32], names[ENGINE_NAMES_MAX];
	int r;

	if ((req->engine->flags & ENGINE_F_WEST) == 0)
		return zs_errf(eb, ZS_ERR_INVALID, "west: only valid with "
		    "tool %s", engine_names(ENGINE_F_WEST, names,
		    sizeof(names)));
	if ((r = members_check(west, west_members, "west", bd, eb)) != 0)
		return r;
	if ((r = str_get(json_object_get(west, "config"), PROTO_CONFIG_MAX,
	    "west.config", &w->config, &w->config_len, eb)) != 0)
		return r;
	if ((r = str_get(json_object_get(west, "build_dir"),
	    PROTO_BUILD_DIR_MAX, "west.build_dir", &w->build_dir, NULL,
	    eb)) != 0 || (r = text_check(w->build_dir, "west.build_dir",
	    eb)) != 0)
		return r;
	room = PROTO_DTB_MAX < max - *total ? PROTO_DTB_MAX : max - *total;
	if (bd != NULL) {
		/* Copied: small, and west.dtb is owned in both forms. */
		if ((r = bin_get(json_object_get(west, "dtb"), "west.dtb",
		    room, PROTO_DTB_MAX, bd, &d, &dl, eb)) != 0)
			return r;
		w->dtb = xmalloc(dl + 1);
		memcpy(w->dtb, d, dl);
		w->dtb_len = dl;
	} else if ((r = b64_get(json_object_get(west, "dtb"), "west.dtb",
	    room, PROTO_DTB_MAX, &w->dtb, &w->dtb_len, eb)) != 0)
		return r;
	*total += w->dtb_len;
	if ((v = json_object_get(west, "force")) != NULL)
		w->force = json_is_true(v);
	inputs = json_object_get(west, "inputs");
	if ((r = members_check(inputs, inputs_members, "west.inputs", NULL,
	    eb)) != 0)
		return r;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if ((v = json_object_get(inputs, fmts[i])) == NULL)
			continue;
		snprintf(what, sizeof(what), "west.inputs.%s", fmts[i]);
		if ((r = str_get(v, PROTO_NAME_MAX, what, slots[i], NULL,
		    eb)) != 0)
			return r;
		if (fileset_get(req->files, *slots[i], &d, &dl) != 0)
			return zs_errf(eb, ZS_ERR_INVALID,
			    "%s: \"%.64s\" is not in files", what, *slots[i]);
	}
	if (w->in_bin == NULL && w->in_hex == NULL)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "west.inputs: needs \"bin\" or \"hex\"");
	req->has_west = 1;
	return 0;
}

/* "key" or "key_fingerprint" (at most one) of root, borrowed from it. */
static int
parse_key(json_t *root, const char **keyp, const char **fpp,
    char fpbuf[PROTO_FP_LEN + 1], struct zs_errbuf *eb)
{
	json_t *k = json_object_get(root, "key");
	json_t *f = json_object_get(root, "key_fingerprint");
	const char *s;
	int r;

	if (k != NULL && f != NULL)
		return zs_errf(eb, ZS_ERR_INVALID,
		    "key and key_fingerprint: give at most one");
	if (k != NULL) {
		if ((r = str_get(k, ZS_KEYNAME_MAX, "key", &s, NULL, eb)) != 0)
			return r;
		if (!proto_keyname_valid(s))
			return zs_errf(eb, ZS_ERR_INVALID,
			    "key: must be 1-%d of A-Z a-z 0-9 . _ - (and "
			    "@VERSION)",
			    ZS_KEYNAME_MAX - 1);
		*keyp = s;
	}
	if (f != NULL) {
		if ((r = fp_parse(json_string_value(f), fpbuf, eb)) != 0)
			return r;
		*fpp = fpbuf;
	}
	return 0;
}

/* Strip jansson's quote of the offending token: it may be file bytes. */
static int
json_error(const json_error_t *jerr, struct zs_errbuf *eb)
{
	char text[JSON_ERROR_TEXT_LENGTH], *near;

	/*
	 * jansson quotes the offending token ("near '...'"): up to 160
	 * bytes of what may be file contents, which must not reach the
	 * log. Line and column say where.
	 */
	snprintf(text, sizeof(text), "%s", jerr->text);
	if ((near = strstr(text, " near '")) != NULL)
		*near = '\0';
	return zs_errf(eb, ZS_ERR_INVALID, "malformed JSON at line %d "
	    "column %d: %s", jerr->line, jerr->column, text);
}

/* The JSON object of a request body; jansson's text never quotes files. */
static int
body_load(const void *body, size_t len, json_t **rootp, struct zs_errbuf *eb)
{
	json_error_t jerr;
	json_t *root;

	/* json_loadb() exactly, with the base64 files kept from its lexer. */
	if ((root = jsonlift_loadb(body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return json_error(&jerr, eb);
	if (!json_is_object(root)) {
		json_decref(root);
		return zs_errf(eb, ZS_ERR_INVALID, "request: must be an object");
	}
	*rootp = root;
	return 0;
}

/* Validate req->root; bd is the binary form's data, or NULL for JSON. */
static int
parse_root(struct proto_sign_req *req, size_t max, struct bindata *bd,
    struct zs_errbuf *eb)
{
	const char *tool;
	char names[ENGINE_NAMES_MAX];
	json_t *v;
	size_t total = 0;
	int r;

	if (!json_is_object(req->root))
		return zs_errf(eb, ZS_ERR_INVALID, "request: must be an object");
	if ((r = members_check(req->root, sign_members, "request", bd,
	    eb)) != 0)
		return r;
	tool = json_string_value(json_object_get(req->root, "tool"));
	if ((req->engine = engine_find(tool)) == NULL)
		return zs_errf(eb, ZS_ERR_INVALID, "tool: must be %s",
		    engine_names(0, names, sizeof(names)));
	req->tool_name = req->engine->name;
	if ((r = parse_key(req->root, &req->key, &req->key_fp, req->fpbuf,
	    eb)) != 0 ||
	    (r = parse_args(req, json_object_get(req->root, "args"),
	    eb)) != 0 ||
	    (r = parse_files(req, json_object_get(req->root, "files"), max,
	    &total, bd, eb)) != 0)
		return r;
	if ((v = json_object_get(req->root, "from_private")) != NULL &&
	    (r = parse_from_private(req, v, eb)) != 0)
		return r;
	if ((v = json_object_get(req->root, "west")) != NULL &&
	    (r = parse_west(req, v, max, &total, bd, eb)) != 0)
		return r;
	if ((v = json_object_get(req->root, "date")) != NULL) {
		if ((req->engine->flags & ENGINE_F_DATE) == 0)
			return zs_errf(eb, ZS_ERR_INVALID, "date: only valid "
			    "with tool %s", engine_names(ENGINE_F_DATE, names,
			    sizeof(names)));
		req->date = json_string_value(v);
		if ((r = date_check(req->date, eb)) != 0)
			return r;
	}
	if (bd != NULL && bd->used != bd->len)
		return zs_errf(eb, ZS_ERR_INVALID, "body: %zu bytes after the "
		    "files", bd->len - bd->used);
	return 0;
}

int
proto_sign_parse(const void *body, size_t len, size_t max,
    struct proto_sign_req **reqp, struct zs_errbuf *eb)
{
	struct proto_sign_req *req;
	int r = ZS_ERR_INTERNAL;

	req = xcalloc(1, sizeof(*req));
	if ((r = body_load(body, len, &req->root, eb)) != 0 ||
	    (r = parse_root(req, max, NULL, eb)) != 0)
		goto out;
	*reqp = req;
	req = NULL;
	r = 0;
 out:
	proto_sign_free(req);
	return r;
}

int
proto_sign_parse_bin(const void *body, size_t len, size_t max,
    struct proto_sign_req **reqp, struct zs_errbuf *eb)
{
	const uint8_t *b = body;
	struct proto_sign_req *req;
	struct bindata bd;
	json_error_t jerr;
	size_t hlen;
	int r = ZS_ERR_INTERNAL;

	req = xcalloc(1, sizeof(*req));
	/* The head ends with its object: jansson reads no further. */
	req->root = json_loadb(body, len < PROTO_HEAD_MAX ? len :
	    PROTO_HEAD_MAX, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK,
	    &jerr);
	if (req->root == NULL) {
		r = json_error(&jerr, eb);
		goto out;
	}
	hlen = (size_t)jerr.position;
	if (hlen >= len || b[hlen] != '\n') {
		r = zs_errf(eb, ZS_ERR_INVALID, "body: the JSON head must be "
		    "followed by a newline");
		goto out;
	}
	bd.p = b + hlen + 1;
	bd.len = len - hlen - 1;
	bd.used = 0;
	if ((r = parse_root(req, max, &bd, eb)) != 0)
		goto out;
	*reqp = req;
	req = NULL;
	r = 0;
 out:
	proto_sign_free(req);
	return r;
}

void
proto_sign_free(struct proto_sign_req *req)
{
	if (req == NULL)
		return;
	fileset_free(req->files);
	free(req->west.dtb);
	free(req->argv);
	json_decref(req->root);
	free(req);
}

/* Decode "digest": an even number of hex digits, 32 or 48 bytes. */
static int
parse_digest(struct proto_raw_req *req, json_t *v, struct zs_errbuf *eb)
{
	const char *s = json_string_value(v);
	size_t i, n = json_string_length(v);
	int hi, lo;

	if (n != 2 * PROTO_DIGEST_SHA256 && n != 2 * PROTO_DIGEST_SHA384)
		return zs_errf(eb, ZS_ERR_INVALID, "digest: must be %d or %d "
		    "hex digits (SHA-256 or SHA-384)", 2 * PROTO_DIGEST_SHA256,
		    2 * PROTO_DIGEST_SHA384);
	for (i = 0; i < n; i += 2) {
		if ((hi = zs_digit_value(s[i], 16)) < 0 ||
		    (lo = zs_digit_value(s[i + 1], 16)) < 0)
			return zs_errf(eb, ZS_ERR_INVALID, "digest: not hex");
		req->digest[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	req->digest_len = n / 2;
	return 0;
}

int
proto_raw_parse(const void *body, size_t len, size_t max,
    struct proto_raw_req **reqp, struct zs_errbuf *eb)
{
	struct proto_raw_req *req;
	json_t *data, *digest;
	int r = ZS_ERR_INTERNAL;

	req = xcalloc(1, sizeof(*req));
	if ((r = body_load(body, len, &req->root, eb)) != 0 ||
	    (r = members_check(req->root, raw_members, "request", NULL,
	    eb)) != 0 ||
	    (r = parse_key(req->root, &req->key, &req->key_fp, req->fpbuf,
	    eb)) != 0)
		goto out;
	data = json_object_get(req->root, "data");
	digest = json_object_get(req->root, "digest");
	if ((data == NULL) == (digest == NULL)) {
		r = zs_errf(eb, ZS_ERR_INVALID, "request: give exactly one of "
		    "\"data\" and \"digest\"");
		goto out;
	}
	if (data != NULL && (r = b64_get(data, "data", max, max, &req->data,
	    &req->data_len, eb)) != 0)
		goto out;
	if (digest != NULL && (r = parse_digest(req, digest, eb)) != 0)
		goto out;
	*reqp = req;
	req = NULL;
	r = 0;
 out:
	proto_raw_free(req);
	return r;
}

void
proto_raw_free(struct proto_raw_req *req)
{
	if (req == NULL)
		return;
	free(req->data);
	json_decref(req->root);
	free(req);
}

int
proto_http_status(int code)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			return statuses[i].status;
	return 500;
}

char *
proto_error_body(int code, const char *message)
{
	char *msg, *s, *p;
	json_t *o;

	/*
	 * Messages may quote client bytes (cut anywhere): keep them one
	 * printable ASCII line so that they are always valid JSON strings.
	 */
	msg = xstrdup(message);
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	o = json_pack("{s:{s:s,s:s}}", "error", "code", zs_errname(code),
	    "message", msg);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(o);
	free(msg);
	return s;
}

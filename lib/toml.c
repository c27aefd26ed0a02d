/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict TOML subset parser for rimage configurations (see toml.h). No C
 * TOML library is packaged in Debian, so we parse the subset ourselves and
 * refuse everything else (floats, dates, multi-line strings, inline
 * tables) with a clear error rather than guessing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digit.h"
#include "common/xmalloc.h"
#include "lib/toml.h"

struct toml_node {
	enum toml_kind		 kind;
	char			*key;
	unsigned		 line;
	uint8_t			 used;
	uint8_t			 header;	/* defined by [table] */
	uint8_t			 dotted;	/* created by a dotted key */
	uint8_t			 aot;		/* array made by [[...]] */
	char			*str;
	int64_t			 ival;
	struct toml_node	**kids;
	size_t			 nkids;
	size_t			 cap;
};

struct parser {
	const char		*p;
	const char		*end;
	unsigned		 line;
	size_t			 nodes;
	struct toml_node	*root;
	struct toml_node	*cur;
	struct zs_errbuf	*eb;
};

static int
perr(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct parser *ps, const char *fmt, ...)
{
	char msg[ZS_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return zs_errf(ps->eb, ZS_ERR_FORMAT, "TOML line %u: %s", ps->line,
	    msg);
}

static struct toml_node *
node_new(struct parser *ps, enum toml_kind kind, const char *key)
{
	struct toml_node *n;

	if (ps->nodes >= TOML_NODES_MAX)
		return NULL;
	ps->nodes++;
	n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->key = xstrdup(key != NULL ? key : "");
	n->line = ps->line;
	return n;
}

static void
node_append(struct toml_node *parent, struct toml_node *kid)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap ? parent->cap * 2 : 8;
		parent->kids = xreallocarray(parent->kids, parent->cap,
		    sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
}

static struct toml_node *
table_find(const struct toml_node *tbl, const char *key)
{
	size_t i;

	for (i = 0; i < tbl->nkids; i++)
		if (strcmp(tbl->kids[i]->key, key) == 0)
			return tbl->kids[i];
	return NULL;
}

void
toml_free(struct toml_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		toml_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->str);
	free(n);
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void
skip_comment(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '\r')
			ps->p++;
}

/* Consume one newline; 1 if there was one, -1 on a lone CR. */
static int
eat_newline(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '\n') {
		ps->p++;
		ps->line++;
		return 1;
	}
	if (ps->p < ps->end && *ps->p == '\r') {
		if (ps->p + 1 < ps->end && ps->p[1] == '\n') {
			ps->p += 2;
			ps->line++;
			return 1;
		}
		return -1;
	}
	return 0;
}

/* Skip whitespace, comments and newlines (inside arrays). */
static int
skip_space_nl(struct parser *ps)
{
	int r;

	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		r = eat_newline(ps);
		if (r < 0)
			return perr(ps, "carriage return without line feed");
		if (r == 0)
			return 0;
	}
}

static void
put_utf8(char *out, size_t *olen, unsigned long cp)
{
	if (cp < 0x80)
		out[(*olen)++] = (char)cp;
	else if (cp < 0x800) {
		out[(*olen)++] = (char)(0xC0 | (cp >> 6));
		out[(*olen)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*olen)++] = (char)(0xE0 | (cp >> 12));
		out[(*olen)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*olen)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*olen)++] = (char)(0xF0 | (cp >> 18));
		out[(*olen)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*olen)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*olen)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int
parse_escape(struct parser *ps, char *out, size_t *olen)
{
	static const char from[] = "btnfr\"\\";
	static const char to[] = "\b\t\n\f\r\"\\";
	const char *hit;
	unsigned long cp = 0;
	int ndig, i, c, d;

	if (ps->p >= ps->end)
		return perr(ps, "unterminated escape");
	c = (unsigned char)*ps->p++;
	if (c != 0 && (hit = strchr(from, c)) != NULL) {
		out[(*olen)++] = to[hit - from];
		return 0;
	}
	if (c != 'u' && c != 'U')
		return perr(ps, "invalid escape \\%c", c);
	ndig = c == 'u' ? 4 : 8;
	if (ps->end - ps->p < ndig)
		return perr(ps, "truncated \\%c escape", c);
	for (i = 0; i < ndig; i++) {
		if ((d = zs_digit_value((unsigned char)*ps->p++, 16)) < 0)
			return perr(ps, "bad hex digit in escape");
		cp = cp << 4 | (unsigned long)d;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return perr(ps, "escape is not a Unicode scalar value");
	put_utf8(out, olen, cp);
	return 0;
}

/* Parse a basic ("...") or literal ('...') one-line string. */
static int
parse_string(struct parser *ps, char **outp)
{
	char quote = *ps->p;
	char *out;
	size_t olen = 0;
	int c, r;

	if (ps->end - ps->p >= 3 && ps->p[1] == quote && ps->p[2] == quote)
		return perr(ps, "multi-line strings are not supported");
	ps->p++;
	/* Room for the worst case: an escape expands to 4 bytes. */
	out = xmalloc(TOML_STR_MAX + 8);
	for (;;) {
		if (ps->p >= ps->end) {
			r = perr(ps, "unterminated string");
			goto fail;
		}
		c = (unsigned char)*ps->p;
		if (c == quote) {
			ps->p++;
			break;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7F) {
			r = perr(ps, "control character in string");
			goto fail;
		}
		if (olen >= TOML_STR_MAX) {
			r = perr(ps, "string longer than %u bytes",
			    TOML_STR_MAX);
			goto fail;
		}
		ps->p++;
		if (c == '\\' && quote == '"') {
			if ((r = parse_escape(ps, out, &olen)) != 0)
				goto fail;
		} else
			out[olen++] = (char)c;
	}
	out[olen] = '\0';
	*outp = out;
	return 0;
fail:
	free(out);
	return r;
}

static int
is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Parse a dotted key into parts (each malloc'd). */
static int
parse_key(struct parser *ps, char **parts, size_t *nparts)
{
	const char *s;
	char *k;
	size_t n = 0;
	int r;

	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end)
			return perr(ps, "missing key");
		if (*ps->p == '"' || *ps->p == '\'') {
			if ((r = parse_string(ps, &k)) != 0)
				return r;
		} else {
			s = ps->p;
			while (ps->p < ps->end && is_bare(*ps->p))
				ps->p++;
			if (ps->p == s)
				return perr(ps, "invalid key");
			if ((size_t)(ps->p - s) > TOML_STR_MAX)
				return perr(ps, "key too long");
			k = xmalloc((size_t)(ps->p - s) + 1);
			memcpy(k, s, (size_t)(ps->p - s));
			k[ps->p - s] = '\0';
		}
		if (n == TOML_DEPTH_MAX) {
			free(k);
			return perr(ps, "key has too many parts");
		}
		parts[n++] = k;
		*nparts = n;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == '.') {
			ps->p++;
			continue;
		}
		return 0;
	}
}

static void
free_parts(char **parts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(parts[i]);
}

/* Parse an integer token of length len strictly, as TOML 1.0 defines it. */
static int
parse_int_token(struct parser *ps, const char *s, size_t len, int64_t *out)
{
	const char *e = s + len;
	uint64_t v = 0, lim;
	int base = 10, neg = 0, d, prev_digit = 0;

	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
		if (e - s >= 2 && s[0] == '0' && s[1] != '_' &&
		    zs_digit_value(s[1], 10) < 0)
			return perr(ps, "sign before a prefixed integer");
	}
	if (e - s >= 2 && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		s += 2;
	} else if (e - s >= 2 && s[0] == '0')
		return perr(ps, "leading zero in integer");
	if (s == e)
		return perr(ps, "invalid value");
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < e; s++) {
		if (*s == '_') {
			if (!prev_digit || s + 1 == e)
				return perr(ps, "misplaced underscore");
			prev_digit = 0;
			continue;
		}
		if ((d = zs_digit_value((unsigned char)*s, base)) < 0)
			return perr(ps, "invalid value (floats, dates and "
			    "bare words are not supported)");
		if (zs_digit_push(&v, base, d, lim) != 0)
			return perr(ps, "integer out of range");
		prev_digit = 1;
	}
	if (!prev_digit)
		return perr(ps, "invalid integer");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int parse_value(struct parser *ps, struct toml_node *n, int depth);

static int
parse_array(struct parser *ps, struct toml_node *arr, int depth)
{
	struct toml_node *el;
	int r;

	ps->p++;	/* '[' */
	for (;;) {
		if ((r = skip_space_nl(ps)) != 0)
			return r;
		if (ps->p >= ps->end)
			return perr(ps, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if ((el = node_new(ps, TOML_INT, NULL)) == NULL)
			return perr(ps, "too many nodes");
		node_append(arr, el);
		if ((r = parse_value(ps, el, depth + 1)) != 0)
			return r;
		if ((r = skip_space_nl(ps)) != 0)
			return r;
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		return perr(ps, "expected ',' or ']' in array");
	}
}

/* Parse the value at ps->p into n (whose kind is set here). */
static int
parse_value(struct parser *ps, struct toml_node *n, int depth)
{
	const char *s;
	int r;

	if (depth > TOML_DEPTH_MAX)
		return perr(ps, "arrays nested too deeply");
	if (ps->p >= ps->end)
		return perr(ps, "missing value");
	n->line = ps->line;
	switch (*ps->p) {
	case '"':
	case '\'':
		n->kind = TOML_STRING;
		return parse_string(ps, &n->str);
	case '[':
		n->kind = TOML_ARRAY;
		return parse_array(ps, n, depth);
	case '{':
		return perr(ps, "inline tables are not supported");
	default:
		break;
	}
	s = ps->p;
	while (ps->p < ps->end && (is_bare(*ps->p) || *ps->p == '+' ||
	    *ps->p == '.' || *ps->p == ':'))
		ps->p++;
	if ((size_t)(ps->p - s) == 4 && memcmp(s, "true", 4) == 0) {
		n->kind = TOML_BOOL;
		n->ival = 1;
		return 0;
	}
	if ((size_t)(ps->p - s) == 5 && memcmp(s, "false", 5) == 0) {
		n->kind = TOML_BOOL;
		return 0;
	}
	n->kind = TOML_INT;
	r = parse_int_token(ps, s, (size_t)(ps->p - s), &n->ival);
	return r;
}

/* Walk (creating) the intermediate tables of a header's key path. */
static int
walk_parts(struct parser *ps, char **parts, size_t n, struct toml_node **tp)
{
	struct toml_node *t = ps->root, *k;
	size_t i;

	for (i = 0; i < n; i++) {
		k = table_find(t, parts[i]);
		if (k == NULL) {
			if ((k = node_new(ps, TOML_TABLE, parts[i])) == NULL)
				return perr(ps, "too many nodes");
			node_append(t, k);
		} else if (k->kind == TOML_ARRAY && k->aot) {
			k = k->kids[k->nkids - 1];
		} else if (k->kind != TOML_TABLE) {
			return perr(ps, "'%s' is not a table", parts[i]);
		}
		t = k;
	}
	*tp = t;
	return 0;
}

static int
parse_header(struct parser *ps)
{
	char *parts[TOML_DEPTH_MAX];
	struct toml_node *parent = NULL, *t, *arr;
	size_t n = 0;
	int aot, r;

	aot = ps->end - ps->p >= 2 && ps->p[1] == '[';
	ps->p += aot ? 2 : 1;
	if ((r = parse_key(ps, parts, &n)) != 0)
		goto out;
	if (ps->end - ps->p < (aot ? 2 : 1) || ps->p[0] != ']' ||
	    (aot && ps->p[1] != ']')) {
		r = perr(ps, "unterminated table header");
		goto out;
	}
	ps->p += aot ? 2 : 1;
	if ((r = walk_parts(ps, parts, n - 1, &parent)) != 0)
		goto out;
	t = table_find(parent, parts[n - 1]);
	if (!aot) {
		if (t == NULL) {
			if ((t = node_new(ps, TOML_TABLE, parts[n - 1])) ==
			    NULL) {
				r = perr(ps, "too many nodes");
				goto out;
			}
			node_append(parent, t);
		} else if (t->kind != TOML_TABLE || t->header || t->dotted) {
			r = perr(ps, "table '%s' defined twice", parts[n - 1]);
			goto out;
		}
		t->header = 1;
		t->line = ps->line;
		ps->cur = t;
		goto out;
	}
	arr = t;
	if (arr == NULL) {
		if ((arr = node_new(ps, TOML_ARRAY, parts[n - 1])) == NULL) {
			r = perr(ps, "too many nodes");
			goto out;
		}
		arr->aot = 1;
		node_append(parent, arr);
	} else if (arr->kind != TOML_ARRAY || !arr->aot) {
		r = perr(ps, "'%s' is not an array of tables", parts[n - 1]);
		goto out;
	}
	if ((t = node_new(ps, TOML_TABLE, NULL)) == NULL) {
		r = perr(ps, "too many nodes");
		goto out;
	}
	t->header = 1;
	node_append(arr, t);
	ps->cur = t;
out:
	free_parts(parts, n);
	return r;
}

static int
parse_keyval(struct parser *ps)
{
	char *parts[TOML_DEPTH_MAX];
	struct toml_node *t = ps->cur, *k;
	size_t n = 0, i;
	int r;

	if ((r = parse_key(ps, parts, &n)) != 0)
		goto out;
	for (i = 0; i + 1 < n; i++) {
		k = table_find(t, parts[i]);
		if (k == NULL) {
			if ((k = node_new(ps, TOML_TABLE, parts[i])) == NULL) {
				r = perr(ps, "too many nodes");
				goto out;
			}
			k->dotted = 1;
			node_append(t, k);
		} else if (k->kind != TOML_TABLE || !k->dotted) {
			r = perr(ps, "cannot extend '%s' with a dotted key",
			    parts[i]);
			goto out;
		}
		t = k;
	}
	if (table_find(t, parts[n - 1]) != NULL) {
		r = perr(ps, "duplicate key '%s'", parts[n - 1]);
		goto out;
	}
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != '=') {
		r = perr(ps, "expected '=' after key");
		goto out;
	}
	ps->p++;
	skip_ws(ps);
	if ((k = node_new(ps, TOML_INT, parts[n - 1])) == NULL) {
		r = perr(ps, "too many nodes");
		goto out;
	}
	node_append(t, k);
	r = parse_value(ps, k, 0);
out:
	free_parts(parts, n);
	return r;
}

int
toml_parse(const char *text, size_t len, struct toml_node **rootp,
    struct zs_errbuf *eb)
{
	struct parser ps;
	int r;

	if (len > TOML_TEXT_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "TOML document larger than %u bytes", TOML_TEXT_MAX);
	if (memchr(text, '\0', len) != NULL)
		return zs_errf(eb, ZS_ERR_FORMAT, "TOML text contains NUL");
	memset(&ps, 0, sizeof(ps));
	ps.p = text;
	ps.end = text + len;
	ps.line = 1;
	ps.eb = eb;
	ps.root = node_new(&ps, TOML_TABLE, NULL);
	ps.root->used = 1;
	ps.cur = ps.root;
	while (ps.p < ps.end) {
		skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == '[')
			r = parse_header(&ps);
		else if (ps.p < ps.end && *ps.p != '#' && *ps.p != '\n' &&
		    *ps.p != '\r')
			r = parse_keyval(&ps);
		else
			r = 0;
		if (r != 0)
			goto fail;
		skip_ws(&ps);
		skip_comment(&ps);
		if (ps.p >= ps.end)
			break;
		if ((r = eat_newline(&ps)) <= 0) {
			r = perr(&ps, r < 0 ? "carriage return without "
			    "line feed" : "unexpected text after value");
			goto fail;
		}
	}
	*rootp = ps.root;
	return 0;
fail:
	toml_free(ps.root);
	return r;
}

enum toml_kind
toml_kind(const struct toml_node *n)
{
	return n->kind;
}

unsigned
toml_line(const struct toml_node *n)
{
	return n->line;
}

const char *
toml_key(const struct toml_node *n)
{
	return n->key;
}

struct toml_node *
toml_table_get(struct toml_node *tbl, const char *key)
{
	struct toml_node *n;

	if (tbl == NULL || tbl->kind != TOML_TABLE)
		return NULL;
	if ((n = table_find(tbl, key)) != NULL)
		n->used = 1;
	return n;
}

size_t
toml_len(const struct toml_node *n)
{
	return n->kind == TOML_ARRAY || n->kind == TOML_TABLE ? n->nkids : 0;
}

struct toml_node *
toml_at(struct toml_node *n, size_t i)
{
	if (i >= toml_len(n))
		return NULL;
	n->kids[i]->used = 1;
	return n->kids[i];
}

const char *
toml_string(const struct toml_node *n)
{
	return n->kind == TOML_STRING ? n->str : "";
}

int64_t
toml_int(const struct toml_node *n)
{
	return n->kind == TOML_INT || n->kind == TOML_BOOL ? n->ival : 0;
}

int
toml_bool(const struct toml_node *n)
{
	return n->kind == TOML_BOOL && n->ival != 0;
}

static int
find_unused(const struct toml_node *n, char *path, size_t pathlen,
    size_t plen)
{
	size_t i, l;
	int w;

	if (!n->used) {
		path[plen] = '\0';
		return 1;
	}
	for (i = 0; i < n->nkids; i++) {
		if (n->kind == TOML_TABLE)
			w = snprintf(path + plen, pathlen - plen, "%s%s",
			    plen ? "." : "", n->kids[i]->key);
		else
			w = snprintf(path + plen, pathlen - plen, "[%zu]", i);
		l = w < 0 ? 0 : (size_t)w;
		if (plen + l >= pathlen)
			l = pathlen - plen - 1;
		if (find_unused(n->kids[i], path, pathlen, plen + l))
			return 1;
	}
	path[plen] = '\0';
	return 0;
}

int
toml_find_unused(const struct toml_node *root, char *path, size_t pathlen)
{
	if (pathlen == 0)
		return find_unused(root, (char[1]){ 0 }, 1, 0);
	path[0] = '\0';
	return find_unused(root, path, pathlen, 0);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parse zsign requests and replies without handing their large base64
 * files to jansson, whose string lexer takes a character at a time
 * (milliseconds per 256 KiB image): the "files" values are cut out of
 * the text, the small rest is parsed, and the values are put back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/jsonlift.h"
#include "common/xmalloc.h"

/* Most files lifted from one document (a fileset holds 64). */
#define JSONLIFT_MAX	64

/* A string value cut out of the reply text before jansson sees it. */
struct jsonlift_span {
	const char	*key, *val;
	size_t		 keylen, vallen;
};

/*
 * Whether p[0..n) is all printable ASCII (0x20 to 0x7e), eight bytes at a
 * time: a byte below 0x20 or above 0x7e sets its high bit in one of the
 * two tests (Hacker's Delight, "hasless"/"hasmore"); the tail and any
 * word that looks bad are checked byte by byte.
 */
static int
jsonlift_printable(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	uint64_t w;
	size_t i = 0, k;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		if ((((w - ones * 0x20) & ~w) | ((w + ones * (0x7f - 0x7e)) | w))
		    & highs)
			break;
	}
	for (k = i; k < n; k++)
		if (p[k] < 0x20 || p[k] > 0x7e)
			return 0;
	return 1;
}

/* Skip JSON whitespace. */
static const char *
jsonlift_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * p is at a '"': return its closing quote, escapes skipped, or NULL when
 * unterminated; *plainp says whether the string has no escape at all.
 */
static const char *
jsonlift_string_end(const char *p, const char *end, int *plainp)
{
	const char *q = p + 1, *b;

	for (;;) {
		if (q >= end || (q = memchr(q, '"', (size_t)(end - q))) == NULL)
			return NULL;
		/* An odd run of backslashes before it escapes the quote. */
		for (b = q; b > p + 1 && b[-1] == '\\'; b--)
			;
		if ((q - b) % 2 == 0)
			break;
		q++;
	}
	*plainp = memchr(p + 1, '\\', (size_t)(q - p - 1)) == NULL;
	return q;
}

/* Like jsonlift_string_end(), but NULL unless the string has no escape. */
static const char *
jsonlift_plain_string(const char *p, const char *end)
{
	const char *q;
	int plain;

	if (p >= end || *p != '"' ||
	    (q = jsonlift_string_end(p, end, &plain)) == NULL || !plain)
		return NULL;
	return q;
}

/*
 * Copy text into out with the string values of its top-level "files"
 * object emptied and their spans in lifts. Returns the number lifted, or
 * -1 when the text is not in that shape (then it is parsed as it is).
 */
static int
jsonlift_files(const char *text, size_t len, struct buf *out,
    struct jsonlift_span *lifts)
{
	const char *p = text, *end = text + len, *q, *start;
	int depth = 0, i, n = 0, plain;

	/* Find "files" as a member of the top-level object. */
	for (start = NULL; p < end && start == NULL; p++) {
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (*p == '"') {
			/* Strings with escapes (info lines, .config) are skipped. */
			if ((q = jsonlift_string_end(p, end, &plain)) == NULL)
				return -1;
			if (depth == 1 && q - p == 6 &&
			    memcmp(p, "\"files\"", 7) == 0 &&
			    (q = jsonlift_ws(q + 1, end)) < end && *q == ':' &&
			    (q = jsonlift_ws(q + 1, end)) < end && *q == '{')
				start = q + 1;
			else if (depth == 1 && q - p == 6 &&
			    memcmp(p, "\"files\"", 7) == 0)
				return -1;
			else
				p = q;
		}
	}
	if (start == NULL)
		return -1;
	for (p = jsonlift_ws(start, end); p < end && *p != '}';) {
		if (n == JSONLIFT_MAX ||
		    (q = jsonlift_plain_string(p, end)) == NULL)
			return -1;
		lifts[n].key = p + 1;
		lifts[n].keylen = (size_t)(q - p - 1);
		if ((p = jsonlift_ws(q + 1, end)) >= end || *p != ':' ||
		    (q = jsonlift_plain_string(p = jsonlift_ws(p + 1, end),
		    end)) == NULL)
			return -1;
		lifts[n].val = p + 1;
		lifts[n].vallen = (size_t)(q - p - 1);
		/* Only text jansson would take as it is: printable ASCII. */
		if (!jsonlift_printable(p + 1, (size_t)(q - p - 1)))
			return -1;
		n++;
		p = jsonlift_ws(q + 1, end);
		if (p < end && *p == ',')
			p = jsonlift_ws(p + 1, end);
	}
	if (p >= end)
		return -1;
	/* The text with each lifted value emptied, for jansson. */
	for (p = text, i = 0; i < n; i++) {
		if (buf_put(out, p, (size_t)(lifts[i].val - p)) != 0)
			return -1;
		p = lifts[i].val + lifts[i].vallen;
	}
	return buf_put(out, p, (size_t)(end - p)) == 0 ? n : -1;
}

json_t *
jsonlift_loadb(const char *text, size_t len, size_t flags, json_error_t *err)
{
	struct jsonlift_span lifts[JSONLIFT_MAX];
	struct buf *small;
	json_t *root = NULL, *files;
	char *key;
	int i, n;

	small = buf_new_plain(len);
	if ((n = jsonlift_files(text, len, small, lifts)) < 0) {
		buf_free(small);
		return json_loadb(text, len, flags, err);
	}
	/*
	 * Duplicate keys would make the emptied values land elsewhere than
	 * jansson's last-wins rule puts them: parse those the plain way,
	 * which also gives the caller jansson's own error.
	 */
	root = json_loadb((const char *)buf_ptr(small), buf_len(small),
	    flags | JSON_REJECT_DUPLICATES, err);
	buf_free(small);
	if (root == NULL)
		return json_loadb(text, len, flags, err);
	files = json_object_get(root, "files");
	for (i = 0; i < n && json_is_object(files); i++) {
		key = xmalloc(lifts[i].keylen + 1);
		memcpy(key, lifts[i].key, lifts[i].keylen);
		key[lifts[i].keylen] = '\0';
		/* Printable ASCII without '"' or '\\': valid as it is. */
		json_object_set_new(files, key,
		    json_stringn_nocheck(lifts[i].val, lifts[i].vallen));
		free(key);
	}
	return root;
}

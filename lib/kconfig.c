/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Zephyr .config reader with the rules of west's BuildConfiguration: quoted
 * values lose their quotes, "y" is true, Python int() literals are ints,
 * "# CONFIG_X is not set" is false, the last assignment wins.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/digit.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/zephyr.h"

/*
 * Python 3.11 refuses to convert decimal strings longer than this
 * (sys.int_info.default_max_str_digits), so such a value stays a string.
 */
#define KCONFIG_PY_MAX_DIGITS	4300

struct kconfig_entry {
	const char		*name;
	const char		*value;	/* without quotes; "" for false */
	enum kconfig_kind	 kind;
	int			 int_ok;	/* ival holds the value */
	long long		 ival;
};

struct kconfig {
	char			*text;	/* private copy, split in place */
	struct kconfig_entry	*ents;
	size_t			 nents;
};

/* Python's str.isspace() for the ASCII range. */
static int
kconfig_isspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') ||
	    (c >= '\x1c' && c <= '\x1f');
}

/*
 * Parse s as Python's int(s, base) does for ASCII text (sign, "0x" prefix
 * for base 16, single underscores between digits). Returns 1 if Python
 * would accept it; *okp says whether the value fits a long long.
 */
static int
kconfig_pyint(const char *s, int base, long long *vp, int *okp)
{
	uint64_t mag = 0, lim;
	int neg = 0, ok = 1, d, prev_digit;
	size_t ndigits = 0;

	while (kconfig_isspace(*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		/* Python allows one underscore right after the prefix. */
		if (*s == '_')
			s++;
	}
	lim = neg ? (uint64_t)LLONG_MAX + 1 : LLONG_MAX;
	prev_digit = 0;
	for (; *s != '\0'; s++) {
		if (*s == '_') {
			if (!prev_digit || zs_digit_value(s[1], base) < 0)
				return 0;
			prev_digit = 0;
			continue;
		}
		if ((d = zs_digit_value(*s, base)) < 0)
			break;
		prev_digit = 1;
		ndigits++;
		if (zs_digit_push(&mag, base, d, lim) != 0)
			ok = 0;
	}
	while (kconfig_isspace(*s))
		s++;
	if (*s != '\0' || ndigits == 0)
		return 0;
	if (base == 10 && ndigits > KCONFIG_PY_MAX_DIGITS)
		return 0;
	*okp = ok;
	if (ok)
		*vp = neg ? (long long)(0 - mag) : (long long)mag;
	return 1;
}

static int
kconfig_is_name(const char *s, size_t n)
{
	size_t i;

	if (n <= 7 || strncmp(s, "CONFIG_", 7) != 0)
		return 0;
	for (i = 7; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z')))
			return 0;
	return 1;
}

/* Classify one line (NUL-terminated, no line end) into e; 0 if no entry. */
static int
kconfig_parse_line(char *line, struct kconfig_entry *e)
{
	static const char notset[] = " is not set";
	size_t n, vlen;
	char *eq, *v;
	int base;

	memset(e, 0, sizeof(*e));
	n = strlen(line);
	if (line[0] == '#') {
		/* "# CONFIG_X is not set", exactly. */
		if (n < 2 + sizeof(notset) - 1 || line[1] != ' ' ||
		    strcmp(line + n - (sizeof(notset) - 1), notset) != 0)
			return 0;
		if (!kconfig_is_name(line + 2, n - 2 - (sizeof(notset) - 1)))
			return 0;
		line[n - (sizeof(notset) - 1)] = '\0';
		e->name = line + 2;
		e->value = "";
		e->kind = KCONFIG_FALSE;
		return 1;
	}
	if ((eq = strchr(line, '=')) == NULL ||
	    !kconfig_is_name(line, (size_t)(eq - line)))
		return 0;
	*eq = '\0';
	e->name = line;
	v = eq + 1;
	vlen = strlen(v);
	while (vlen > 0 && kconfig_isspace(v[vlen - 1]))
		v[--vlen] = '\0';
	/* A lone '"' both starts and ends with a quote: Python gives "". */
	if (vlen >= 1 && v[0] == '"' && v[vlen - 1] == '"') {
		v[vlen > 1 ? vlen - 1 : 0] = '\0';
		e->value = vlen > 1 ? v + 1 : v;
		e->kind = KCONFIG_STRING;
		return 1;
	}
	e->value = v;
	if (strcmp(v, "y") == 0) {
		e->kind = KCONFIG_TRUE;
		return 1;
	}
	base = strncmp(v, "0x", 2) == 0 ? 16 : 10;
	e->kind = kconfig_pyint(v, base, &e->ival, &e->int_ok) ?
	    KCONFIG_INT : KCONFIG_STRING;
	return 1;
}

int
kconfig_parse(const char *text, size_t len, struct kconfig **kcp,
    struct zs_errbuf *eb)
{
	struct kconfig *kc = NULL;
	struct kconfig_entry e;
	size_t i, nlines;
	char *p, *q, *end, *line;
	int r = ZS_ERR_INTERNAL, crlf;

	if (len > ZEPHYR_CONFIG_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "build .config is larger "
		    "than %u bytes", ZEPHYR_CONFIG_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "build .config contains a NUL "
		    "byte");
		goto out;
	}
	kc = xcalloc(1, sizeof(*kc));
	kc->text = xmalloc(len + 1);
	memcpy(kc->text, text, len);
	kc->text[len] = '\0';
	nlines = 1;
	for (i = 0; i < len; i++)
		if (text[i] == '\n' || text[i] == '\r')
			nlines++;
	kc->ents = xcalloc(nlines, sizeof(*kc->ents));
	/* Python text files split lines at "\n", "\r\n" and "\r". */
	end = kc->text + len;
	for (p = kc->text; p < end; p = q) {
		line = p;
		q = p + strcspn(p, "\r\n");
		if (q < end) {
			crlf = q[0] == '\r' && q[1] == '\n';
			*q++ = '\0';
			q += crlf;
		}
		if (kconfig_parse_line(line, &e))
			kc->ents[kc->nents++] = e;
	}
	*kcp = kc;
	kc = NULL;
	r = 0;
out:
	kconfig_free(kc);
	return r;
}

void
kconfig_free(struct kconfig *kc)
{
	if (kc == NULL)
		return;
	free(kc->text);
	free(kc->ents);
	free(kc);
}

/* The last assignment of name wins, as in a Python dict. */
static const struct kconfig_entry *
kconfig_find(const struct kconfig *kc, const char *name)
{
	size_t i;

	for (i = kc->nents; i > 0; i--)
		if (strcmp(kc->ents[i - 1].name, name) == 0)
			return &kc->ents[i - 1];
	return NULL;
}

enum kconfig_kind
kconfig_kind(const struct kconfig *kc, const char *name)
{
	const struct kconfig_entry *e = kconfig_find(kc, name);

	return e == NULL ? KCONFIG_ABSENT : e->kind;
}

int
kconfig_bool(const struct kconfig *kc, const char *name)
{
	return kconfig_kind(kc, name) == KCONFIG_TRUE;
}

int
kconfig_int(const struct kconfig *kc, const char *name, long long *vp)
{
	const struct kconfig_entry *e = kconfig_find(kc, name);

	if (e == NULL || e->kind != KCONFIG_INT)
		return ZS_ERR_NOT_FOUND;
	if (!e->int_ok)
		return ZS_ERR_TOO_LARGE;
	*vp = e->ival;
	return 0;
}

const char *
kconfig_str(const struct kconfig *kc, const char *name)
{
	const struct kconfig_entry *e = kconfig_find(kc, name);

	if (e == NULL || e->kind == KCONFIG_FALSE)
		return NULL;
	return e->value;
}

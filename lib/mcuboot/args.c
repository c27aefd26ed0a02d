/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The argument list of `imgtool sign`, parsed the way click parses it:
 * long and short forms, --opt=VALUE, -oVALUE, choice lists, integer
 * literals and imgtool's own callbacks (version, security counter,
 * dependencies, header size), with the messages click prints.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

/* imgtool's and click's wording. */
#define VERSION_MSG	"Invalid version number, should be " \
			"maj.min.rev+build with later parts optional"
#define BASED_INT_MSG	"is not a valid integer. Please use code literals " \
			"prefixed with 0b/0B, 0o/0O, or 0x/0X as necessary."

struct choice {
	const char	*s;
	int		 v;
};

enum optkind {
	OPT_FLAG,	/* sets an int to 1 */
	OPT_STRING,	/* keeps the value (a file name when role >= 0) */
	OPT_BASED,	/* Python int(value, 0) */
	OPT_CHOICE,	/* click.Choice */
	OPT_SPECIAL,	/* imgtool callback: version, -s, -d, -M */
	OPT_PAIR,	/* nargs=2, multiple=True */
};

struct opt;
typedef int (*special_fn)(struct mcuboot_args *, const struct opt *,
    const char *, struct zs_errbuf *);

struct opt {
	const char		*sname;		/* "-k" or NULL */
	const char		*lname;		/* "--key" */
	enum optkind		 kind;
	size_t			 off;		/* field in mcuboot_args */
	int			 role;		/* file role, -1 for none */
	const struct choice	*choices;
	special_fn		 special;
};

static const struct choice align_choices[] = {
	{ "1", 1 }, { "2", 2 }, { "4", 4 }, { "8", 8 }, { "16", 16 },
	{ "32", 32 }, { NULL, 0 } };
static const struct choice max_align_choices[] = {
	{ "8", 8 }, { "16", 16 }, { "32", 32 }, { NULL, 0 } };
static const struct choice sha_choices[] = {
	{ "auto", SHA_AUTO }, { "256", SHA_256 }, { "384", SHA_384 },
	{ "512", SHA_512 }, { NULL, 0 } };
static const struct choice hmac_choices[] = {
	{ "auto", SHA_AUTO }, { "256", SHA_256 }, { "512", SHA_512 },
	{ NULL, 0 } };
static const struct choice keylen_choices[] = {
	{ "128", 128 }, { "256", 256 }, { NULL, 0 } };
static const struct choice erased_choices[] = {
	{ "0", 0 }, { "0xff", 0xff }, { NULL, 0 } };
static const struct choice pkfmt_choices[] = {
	{ "hash", 0 }, { "full", 1 }, { NULL, 0 } };
static const struct choice vector_choices[] = {
	{ "payload", VEC_PAYLOAD }, { "digest", VEC_DIGEST }, { NULL, 0 } };
static const struct choice comp_choices[] = {
	{ "disabled", COMP_NONE }, { "lzma2", COMP_LZMA2 },
	{ "lzma2armthumb", COMP_LZMA2_ARMTHUMB }, { NULL, 0 } };
static const struct choice endian_choices[] = {
	{ "little", 0 }, { "big", 1 }, { NULL, 0 } };

static int	opt_version(struct mcuboot_args *, const struct opt *,
		    const char *, struct zs_errbuf *);
static int	opt_seccnt(struct mcuboot_args *, const struct opt *,
		    const char *, struct zs_errbuf *);
static int	opt_deps(struct mcuboot_args *, const struct opt *,
		    const char *, struct zs_errbuf *);
static int	opt_max_sectors(struct mcuboot_args *, const struct opt *,
		    const char *, struct zs_errbuf *);

/* Offset of a field the table fills. */
#define F(x)	offsetof(struct mcuboot_args, x)
/* imgtool 2.4 `sign` options, in the order click declares them. */
static const struct opt opts[] = {
	{ "-k", "--key", OPT_STRING, F(key), MCUBOOT_IN_KEY, NULL, NULL },
	{ NULL, "--public-key-format", OPT_CHOICE, F(pubkey_full), -1,
	    pkfmt_choices, NULL },
	{ NULL, "--align", OPT_CHOICE, F(align), -1, align_choices, NULL },
	{ NULL, "--max-align", OPT_CHOICE, F(max_align), -1,
	    max_align_choices, NULL },
	{ "-v", "--version", OPT_SPECIAL, 0, -1, NULL, opt_version },
	{ "-s", "--security-counter", OPT_SPECIAL, 0, -1, NULL, opt_seccnt },
	{ "-d", "--dependencies", OPT_SPECIAL, 0, -1, NULL, opt_deps },
	{ NULL, "--pad-sig", OPT_FLAG, F(pad_sig), -1, NULL, NULL },
	{ "-H", "--header-size", OPT_BASED, F(hdr_size), -1, NULL, NULL },
	{ NULL, "--pad-header", OPT_FLAG, F(pad_header), -1, NULL, NULL },
	{ "-S", "--slot-size", OPT_BASED, F(slot_size), -1, NULL, NULL },
	{ NULL, "--pad", OPT_FLAG, F(pad), -1, NULL, NULL },
	{ NULL, "--confirm", OPT_FLAG, F(confirm), -1, NULL, NULL },
	{ NULL, "--test", OPT_FLAG, F(test), -1, NULL, NULL },
	{ "-M", "--max-sectors", OPT_SPECIAL, 0, -1, NULL, opt_max_sectors },
	{ NULL, "--save-enctlv", OPT_FLAG, F(save_enctlv), -1, NULL, NULL },
	{ "-E", "--encrypt", OPT_STRING, F(enc), MCUBOOT_IN_ENCKEY, NULL,
	    NULL },
	{ NULL, "--encrypt-keylen", OPT_CHOICE, F(keylen), -1,
	    keylen_choices, NULL },
	{ NULL, "--compression", OPT_CHOICE, F(comp), -1, comp_choices,
	    NULL },
	{ "-c", "--clear", OPT_FLAG, F(clear), -1, NULL, NULL },
	{ "-e", "--endian", OPT_CHOICE, F(big_endian), -1, endian_choices,
	    NULL },
	{ NULL, "--overwrite-only", OPT_FLAG, F(overwrite_only), -1, NULL,
	    NULL },
	{ NULL, "--boot-record", OPT_STRING, F(boot_record), -1, NULL, NULL },
	{ "-R", "--erased-val", OPT_CHOICE, F(erased_val), -1,
	    erased_choices, NULL },
	{ "-x", "--hex-addr", OPT_BASED, F(hex_addr), -1, NULL, NULL },
	{ "-L", "--load-addr", OPT_BASED, F(load_addr), -1, NULL, NULL },
	{ "-F", "--rom-fixed", OPT_BASED, F(rom_fixed), -1, NULL, NULL },
	{ NULL, "--custom-tlv", OPT_PAIR, 0, -1, NULL, NULL },
	{ NULL, "--custom-tlv-file", OPT_PAIR, 0, MCUBOOT_IN_CUSTOM_TLV,
	    NULL, NULL },
	{ NULL, "--non-bootable", OPT_FLAG, F(non_bootable), -1, NULL, NULL },
	{ NULL, "--sig-out", OPT_STRING, F(sig_out), MCUBOOT_OUT_SIG, NULL,
	    NULL },
	{ NULL, "--sha", OPT_CHOICE, F(sha), -1, sha_choices, NULL },
	{ NULL, "--hmac-sha", OPT_CHOICE, F(hmac_sha), -1, hmac_choices,
	    NULL },
	{ NULL, "--vector-to-sign", OPT_CHOICE, F(vector), -1,
	    vector_choices, NULL },
	{ NULL, "--fix-sig", OPT_STRING, F(fix_sig), MCUBOOT_IN_FIX_SIG, NULL,
	    NULL },
	{ NULL, "--fix-sig-pubkey", OPT_STRING, F(fix_sig_pubkey),
	    MCUBOOT_IN_FIX_SIG_PUBKEY, NULL, NULL },
	{ NULL, "--pure", OPT_FLAG, F(pure), -1, NULL, NULL },
	{ NULL, "--vid", OPT_STRING, F(vid), -1, NULL, NULL },
	{ NULL, "--cid", OPT_STRING, F(cid), -1, NULL, NULL },
};
#undef F

/* click's "'-k' / '--key'" rendering of an option's names. */
static const char *
opt_display(const struct opt *o, char *buf, size_t len)
{
	if (o->sname != NULL)
		snprintf(buf, len, "'%s' / '%s'", o->sname, o->lname);
	else
		snprintf(buf, len, "'%s'", o->lname);
	return buf;
}

static int
bad_value(const struct opt *o, struct zs_errbuf *eb, const char *msg)
{
	char d[64];

	return zs_errf(eb, ZS_ERR_USAGE, "Invalid value for %s: %s",
	    opt_display(o, d, sizeof(d)), msg);
}

/* Match "[1-9][0-9]*|0" at *pp; store the value (saturating). */
static int
version_number(const char **pp, unsigned long long *v)
{
	const char *p = *pp;
	unsigned long long n = 0;

	if (*p == '0') {
		*v = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		n = n > (ULLONG_MAX - 9) / 10 ? ULLONG_MAX :
		    n * 10 + (unsigned)(*p - '0');
	*v = n;
	*pp = p;
	return 0;
}

int
mcuboot_version_parse(const char *s, struct mcuboot_version *v)
{
	struct mcuboot_version r = { 0, 0, 0, 0 };
	const char *p = s;

	if (version_number(&p, &r.major) != 0)
		return ZS_ERR_INVALID;
	if (*p == '.') {
		p++;
		if (version_number(&p, &r.minor) != 0)
			return ZS_ERR_INVALID;
		if (*p == '.') {
			p++;
			if (version_number(&p, &r.revision) != 0)
				return ZS_ERR_INVALID;
			if (*p == '+') {
				p++;
				if (version_number(&p, &r.build) != 0)
					return ZS_ERR_INVALID;
			}
		}
	}
	/* Python's "$" also matches before one final newline. */
	if (*p == '\n')
		p++;
	if (*p != '\0')
		return ZS_ERR_INVALID;
	*v = r;
	return 0;
}

int
mcuboot_deps_parse(const char *s, struct mcuboot_dep *deps, size_t max,
    size_t *np, struct zs_errbuf *eb)
{
	const char *p, *q, *e;
	char vbuf[128];
	size_t nimg = 0, nver = 0, len;

	/* re.findall(r"\((\d+)", value) */
	for (p = s; (p = strchr(p, '(')) != NULL; p++) {
		if (!isdigit((unsigned char)p[1]))
			continue;
		if (nimg == max)
			return zs_errf(eb, ZS_ERR_TOO_LARGE,
			    "more than %zu dependencies", max);
		deps[nimg].id = 0;
		for (q = p + 1; isdigit((unsigned char)*q); q++)
			deps[nimg].id = deps[nimg].id > ULLONG_MAX / 10 - 1 ?
			    ULLONG_MAX : deps[nimg].id * 10 +
			    (unsigned)(*q - '0');
		nimg++;
		p = q - 1;
	}
	if (nimg == 0)
		return zs_errf(eb, ZS_ERR_USAGE, "Invalid value for '-d' / "
		    "'--dependencies': Image dependency format is invalid: %s",
		    s);
	/* re.findall(r",\s*([0-9.+]+)\)", value) */
	for (p = s; (p = strchr(p, ',')) != NULL; p++) {
		for (q = p + 1; *q == ' ' || (*q >= '\t' && *q <= '\r'); q++)
			;
		for (e = q; isdigit((unsigned char)*e) || *e == '.' ||
		    *e == '+'; e++)
			;
		if (e == q || *e != ')')
			continue;
		len = (size_t)(e - q);
		if (nver < nimg) {
			if (len >= sizeof(vbuf))
				goto badver;
			memcpy(vbuf, q, len);
			vbuf[len] = '\0';
			if (mcuboot_version_parse(vbuf, &deps[nver].ver) != 0)
				goto badver;
		}
		nver++;
		p = e;
	}
	if (nver != nimg)
		return zs_errf(eb, ZS_ERR_USAGE, "Invalid value for '-d' / "
		    "'--dependencies': There's a mismatch between the number "
		    "of dependency images and versions in: %s", s);
	*np = nimg;
	return 0;
 badver:
	return zs_errf(eb, ZS_ERR_USAGE, "Invalid value for '-d' / "
	    "'--dependencies': " VERSION_MSG);
}

int
mcuboot_parse_pyint(const char *s, unsigned long long *v)
{
	char buf[128];
	const char *p = s, *e;
	size_t len;
	int r;

	while (isspace((unsigned char)*p))
		p++;
	e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (e > p && *p == '+')
		p++;
	len = (size_t)(e - p);
	if (len == 0 || len >= sizeof(buf))
		return ZS_ERR_INVALID;
	memcpy(buf, p, len);
	buf[len] = '\0';
	r = zs_parse_uint(buf, ULLONG_MAX, v);
	if (r == ZS_ERR_TOO_LARGE)
		*v = ULLONG_MAX;	/* valid, but fits no field */
	return r == ZS_ERR_TOO_LARGE ? 0 : r;
}

static int
opt_version(struct mcuboot_args *a, const struct opt *o, const char *v,
    struct zs_errbuf *eb)
{
	if (mcuboot_version_parse(v, &a->ver) != 0)
		return bad_value(o, eb, VERSION_MSG);
	a->has_version = 1;
	return 0;
}

static int
opt_seccnt(struct mcuboot_args *a, const struct opt *o, const char *v,
    struct zs_errbuf *eb)
{
	char msg[256];

	if (strcasecmp(v, "auto") == 0) {
		a->seccnt_mode = 2;
		return 0;
	}
	if (mcuboot_parse_pyint(v, &a->seccnt) != 0) {
		snprintf(msg, sizeof(msg), "%.100s " BASED_INT_MSG, v);
		return bad_value(o, eb, msg);
	}
	a->seccnt_mode = 1;
	return 0;
}

static int
opt_deps(struct mcuboot_args *a, const struct opt *o, const char *v,
    struct zs_errbuf *eb)
{
	int r;

	if ((r = mcuboot_deps_parse(v, a->deps, MCUBOOT_DEPS_MAX, &a->ndeps,
	    eb)) != 0)
		return r;
	a->has_deps = 1;
	return 0;
}

/* click's INT type: a plain decimal. */
static int
opt_max_sectors(struct mcuboot_args *a, const struct opt *o,
    const char *v, struct zs_errbuf *eb)
{
	char msg[160];
	const char *p = v;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	/* int("08") is 8: leading zeros are fine in base 10. */
	while (*p == '0' && isdigit((unsigned char)p[1]))
		p++;
	if (!isdigit((unsigned char)*p) ||
	    p[strspn(p, "0123456789_")] != '\0' ||
	    zs_parse_uint(p, UINT32_MAX, &a->max_sectors) != 0) {
		snprintf(msg, sizeof(msg), "'%.100s' is not a valid integer.",
		    v);
		return bad_value(o, eb, msg);
	}
	a->has_max_sectors = 1;
	return 0;
}

static int
set_choice(struct mcuboot_args *a, const struct opt *o, const char *v,
    struct zs_errbuf *eb)
{
	char msg[256];
	size_t i, n;

	for (i = 0; o->choices[i].s != NULL; i++)
		if (strcmp(o->choices[i].s, v) == 0) {
			*(int *)(void *)((char *)a + o->off) = o->choices[i].v;
			return 0;
		}
	n = (size_t)snprintf(msg, sizeof(msg), "'%.60s' is not one of ", v);
	for (i = 0; o->choices[i].s != NULL && n < sizeof(msg); i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s'%s'",
		    i ? ", " : "", o->choices[i].s);
	if (n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ".");
	return bad_value(o, eb, msg);
}

static int
add_ref(struct mcuboot_args *a, enum mcuboot_file_role role,
    const char *name, int argi, struct zs_errbuf *eb)
{
	size_t i;

	/* A repeated single-valued option replaces the earlier file. */
	if (role != MCUBOOT_IN_CUSTOM_TLV)
		for (i = 0; i < a->nrefs; i++)
			if (a->refs[i].role == role) {
				a->refs[i].name = name;
				a->refs[i].argi = argi;
				return 0;
			}
	if (a->nrefs == MCUBOOT_FILEREFS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "more than %d file arguments", MCUBOOT_FILEREFS_MAX);
	a->refs[a->nrefs].role = role;
	a->refs[a->nrefs].name = name;
	a->refs[a->nrefs].argi = argi;
	a->nrefs++;
	return 0;
}

/* Store one option occurrence; v2 is the second value of a pair. */
static int
apply_opt(struct mcuboot_args *a, const struct opt *o, const char *v,
    int vargi, const char *v2, struct zs_errbuf *eb)
{
	char msg[256];
	struct mcuboot_custom *c;

	switch (o->kind) {
	case OPT_FLAG:
		*(int *)(void *)((char *)a + o->off) = 1;
		return 0;
	case OPT_STRING:
		*(const char **)(void *)((char *)a + o->off) = v;
		if (o->role >= 0)
			return add_ref(a, (enum mcuboot_file_role)o->role, v,
			    vargi, eb);
		return 0;
	case OPT_BASED:
		if (mcuboot_parse_pyint(v, (unsigned long long *)(void *)
		    ((char *)a + o->off)) != 0) {
			snprintf(msg, sizeof(msg), "%.100s " BASED_INT_MSG, v);
			return bad_value(o, eb, msg);
		}
		if (o->off == offsetof(struct mcuboot_args, hex_addr))
			a->has_hex_addr = 1;
		if (o->off == offsetof(struct mcuboot_args, slot_size))
			a->has_slot = 1;
		if (o->off == offsetof(struct mcuboot_args, hdr_size))
			a->has_hdr = 1;
		if (o->off == offsetof(struct mcuboot_args, hdr_size) &&
		    a->hdr_size < MCUBOOT_HDR_MIN)
			return bad_value(o, eb, "Minimum value for "
			    "-H/--header-size is 32");
		return 0;
	case OPT_CHOICE:
		return set_choice(a, o, v, eb);
	case OPT_SPECIAL:
		return o->special(a, o, v, eb);
	case OPT_PAIR:
		if (a->ncustom == MCUBOOT_CUSTOM_TLVS_MAX)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "more than %d "
			    "custom TLVs", MCUBOOT_CUSTOM_TLVS_MAX);
		/* The tag is checked when signing, as imgtool does. */
		c = &a->custom[a->ncustom++];
		c->is_file = o->role == MCUBOOT_IN_CUSTOM_TLV;
		c->tagstr = v;
		c->value = v2;
		if (c->is_file)
			return add_ref(a, MCUBOOT_IN_CUSTOM_TLV, v2, vargi, eb);
		return 0;
	}
	return zs_errf(eb, ZS_ERR_INTERNAL, "unknown option kind");
}

/* Longest option name given suggestions (longer ones match none). */
#define SUGGEST_LEN_MAX	64
/* click offers at most this many (difflib.get_close_matches' n). */
#define SUGGEST_MAX	3

/*
 * difflib.SequenceMatcher(None, a, b).ratio(): 2 * matches / total, the
 * matches found as difflib finds them (the longest common block, earliest
 * in a then in b, then the same on each side of it).
 */
static double
seq_ratio(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), m = 0, n = 0, i, j;
	size_t stack[2 * SUGGEST_LEN_MAX][4], len[SUGGEST_LEN_MAX + 1];
	size_t prev[SUGGEST_LEN_MAX + 1], alo, ahi, blo, bhi, bi, bj, bk;

	if (la > SUGGEST_LEN_MAX || lb > SUGGEST_LEN_MAX || la + lb == 0)
		return 0;
	stack[n][0] = 0;
	stack[n][1] = la;
	stack[n][2] = 0;
	stack[n++][3] = lb;
	while (n > 0) {
		n--;
		alo = stack[n][0];
		ahi = stack[n][1];
		blo = stack[n][2];
		bhi = stack[n][3];
		bi = alo;
		bj = blo;
		bk = 0;
		memset(prev, 0, sizeof(prev));
		for (i = alo; i < ahi; i++) {
			for (j = blo; j < bhi; j++) {
				len[j + 1] = a[i] == b[j] ? prev[j] + 1 : 0;
				if (len[j + 1] > bk) {
					bi = i + 1 - len[j + 1];
					bj = j + 1 - len[j + 1];
					bk = len[j + 1];
				}
			}
			memcpy(prev + blo + 1, len + blo + 1,
			    (bhi - blo) * sizeof(len[0]));
		}
		if (bk == 0)
			continue;
		m += bk;
		if (alo < bi && blo < bj) {
			stack[n][0] = alo;
			stack[n][1] = bi;
			stack[n][2] = blo;
			stack[n++][3] = bj;
		}
		if (bi + bk < ahi && bj + bk < bhi) {
			stack[n][0] = bi + bk;
			stack[n][1] = ahi;
			stack[n][2] = bj + bk;
			stack[n++][3] = bhi;
		}
	}
	return 2.0 * (double)m / (double)(la + lb);
}

int
mcuboot_no_such_option(const char *opt, const char *const *longs, size_t n,
    struct zs_errbuf *eb)
{
	const char *best[SUGGEST_MAX], *t;
	double score[SUGGEST_MAX], sc, ts;
	size_t nb = 0, i, k;

	/* get_close_matches(opt, longs): cutoff 0.6, the 3 best (score, x). */
	for (i = 0; opt[0] == '-' && opt[1] == '-' && i < n; i++) {
		if ((sc = seq_ratio(longs[i], opt)) < 0.6)
			continue;
		for (k = 0; k < nb && (score[k] > sc || (score[k] == sc &&
		    strcmp(best[k], longs[i]) > 0)); k++)
			;
		if (k == SUGGEST_MAX)
			continue;
		if (nb < SUGGEST_MAX)
			nb++;
		memmove(best + k + 1, best + k, (nb - 1 - k) * sizeof(best[0]));
		memmove(score + k + 1, score + k, (nb - 1 - k) *
		    sizeof(score[0]));
		best[k] = longs[i];
		score[k] = sc;
	}
	/* click lists them sorted. */
	for (i = 1; i < nb; i++)
		for (k = i; k > 0 && strcmp(best[k - 1], best[k]) > 0; k--) {
			t = best[k];
			best[k] = best[k - 1];
			best[k - 1] = t;
			ts = score[k];
			score[k] = score[k - 1];
			score[k - 1] = ts;
		}
	if (nb == 0)
		return zs_errf(eb, ZS_ERR_USAGE, "No such option: %.64s", opt);
	if (nb == 1)
		return zs_errf(eb, ZS_ERR_USAGE, "No such option: %.64s Did you "
		    "mean %s?", opt, best[0]);
	return zs_errf(eb, ZS_ERR_USAGE, "No such option: %.64s (Possible "
	    "options: %s, %s%s%s)", opt, best[0], best[1], nb > 2 ? ", " : "",
	    nb > 2 ? best[2] : "");
}

static const struct opt *
find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strlen(opts[i].lname) == len &&
		    strncmp(opts[i].lname, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct opt *
find_short(char c)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].sname != NULL && opts[i].sname[1] == c)
			return &opts[i];
	return NULL;
}

/* Take the values of o from argv after *ip (or from inline). */
static int
take_values(struct mcuboot_args *a, const struct opt *o, const char *shown,
    const char *inl, int argc, char *const argv[], int *ip,
    struct zs_errbuf *eb)
{
	const char *v1, *v2;

	if (o->kind == OPT_FLAG) {
		if (inl != NULL)
			return zs_errf(eb, ZS_ERR_USAGE,
			    "Option '%s' does not take a value.", shown);
		return apply_opt(a, o, NULL, -1, NULL, eb);
	}
	if (o->kind == OPT_PAIR) {
		if (inl != NULL)
			v1 = inl;
		else if (*ip + 1 < argc)
			v1 = argv[++*ip];
		else
			goto missing;
		if (*ip + 1 >= argc)
			goto missing;
		v2 = argv[++*ip];
		return apply_opt(a, o, v1, *ip, v2, eb);
	}
	if (inl != NULL)
		return apply_opt(a, o, inl, *ip, NULL, eb);
	if (*ip + 1 >= argc)
		goto missing;
	++*ip;
	return apply_opt(a, o, argv[*ip], *ip, NULL, eb);
 missing:
	if (o->kind == OPT_PAIR)
		return zs_errf(eb, ZS_ERR_USAGE,
		    "Option '%s' requires 2 arguments.", shown);
	return zs_errf(eb, ZS_ERR_USAGE, "Option '%s' requires an argument.",
	    shown);
}

static int
parse_short(struct mcuboot_args *a, int argc, char *const argv[], int *ip,
    struct zs_errbuf *eb)
{
	const char *arg = argv[*ip], *p;
	const struct opt *o;
	char shown[3];
	int r;

	for (p = arg + 1; *p != '\0'; p++) {
		shown[0] = '-';
		shown[1] = *p;
		shown[2] = '\0';
		if ((o = find_short(*p)) == NULL)
			return zs_errf(eb, ZS_ERR_USAGE, "No such option: %s",
			    shown);
		if (o->kind == OPT_FLAG) {
			if ((r = take_values(a, o, shown, NULL, argc, argv, ip,
			    eb)) != 0)
				return r;
			continue;
		}
		/* -kFILE: the rest of the word is the value. */
		return take_values(a, o, shown, p[1] != '\0' ? p + 1 : NULL,
		    argc, argv, ip, eb);
	}
	return 0;
}

static int
parse_long(struct mcuboot_args *a, int argc, char *const argv[], int *ip,
    struct zs_errbuf *eb)
{
	const char *arg = argv[*ip], *eq;
	const struct opt *o;
	char shown[64];
	size_t len;

	eq = strchr(arg, '=');
	len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	snprintf(shown, sizeof(shown), "%.*s", (int)(len > 60 ? 60 : len),
	    arg);
	if ((o = find_long(arg, len)) == NULL) {
		const char *longs[sizeof(opts) / sizeof(opts[0]) + 1];
		size_t i;

		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			longs[i] = opts[i].lname;
		longs[i++] = "--help";
		return mcuboot_no_such_option(shown, longs, i, eb);
	}
	return take_values(a, o, shown, eq != NULL ? eq + 1 : NULL, argc, argv,
	    ip, eb);
}

int
mcuboot_args_help(int argc, char *const argv[])
{
	const struct opt *o;
	const char *a, *p;
	int i;

	for (i = 0; i < argc && argv[i] != NULL; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return 0;
		if (strcmp(a, "--help") == 0)
			return 1;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			/* Skip the values an option takes from argv. */
			p = strchr(a, '=');
			o = find_long(a, p != NULL ? (size_t)(p - a) :
			    strlen(a));
			if (o != NULL && p == NULL && o->kind != OPT_FLAG)
				i += o->kind == OPT_PAIR ? 2 : 1;
			continue;
		}
		for (p = a + 1; *p != '\0'; p++) {
			if (*p == 'h')
				return 1;
			if ((o = find_short(*p)) == NULL)
				break;
			if (o->kind != OPT_FLAG) {
				if (p[1] == '\0')
					i += o->kind == OPT_PAIR ? 2 : 1;
				break;
			}
		}
	}
	return 0;
}

static int
cmp_ref(const void *x, const void *y)
{
	const struct mcuboot_fileref *p = x, *q = y;

	return (p->argi > q->argi) - (p->argi < q->argi);
}

int
mcuboot_args_parse(int argc, char *const argv[], struct mcuboot_args **argsp,
    struct zs_errbuf *eb)
{
	struct mcuboot_args *a;
	const char *pos[2];
	int posi[2], npos = 0, i, r, only_pos = 0;

	if (argc < 0 || argc > MCUBOOT_ARGS_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "more than %d arguments", MCUBOOT_ARGS_MAX);
	a = xcalloc(1, sizeof(*a));
	a->align = 1;
	a->erased_val = 0xff;
	a->keylen = 128;
	a->sha = SHA_AUTO;
	a->hmac_sha = SHA_AUTO;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (arg == NULL) {
			r = zs_errf(eb, ZS_ERR_INVALID, "NULL argument");
			goto out;
		}
		if (!only_pos && strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (npos == 2) {
				r = zs_errf(eb, ZS_ERR_USAGE,
				    "Got unexpected extra argument (%.200s)",
				    arg);
				goto out;
			}
			posi[npos] = i;
			pos[npos++] = arg;
			continue;
		}
		r = arg[1] == '-' ? parse_long(a, argc, argv, &i, eb) :
		    parse_short(a, argc, argv, &i, eb);
		if (r != 0)
			goto out;
	}
	/* click checks the positional arguments, then required options. */
	if (npos < 1) {
		r = zs_errf(eb, ZS_ERR_USAGE, "Missing argument 'INFILE'.");
		goto out;
	}
	if (npos < 2) {
		r = zs_errf(eb, ZS_ERR_USAGE, "Missing argument 'OUTFILE'.");
		goto out;
	}
	if (!a->has_version || !a->has_hdr || !a->has_slot) {
		r = zs_errf(eb, ZS_ERR_USAGE, "Missing option %s.",
		    !a->has_version ? "'-v' / '--version'" : !a->has_hdr ?
		    "'-H' / '--header-size'" : "'-S' / '--slot-size'");
		goto out;
	}
	a->infile = pos[0];
	a->outfile = pos[1];
	if ((r = add_ref(a, MCUBOOT_IN_IMAGE, pos[0], posi[0], eb)) != 0 ||
	    (r = add_ref(a, MCUBOOT_OUT_IMAGE, pos[1], posi[1], eb)) != 0)
		goto out;
	qsort(a->refs, a->nrefs, sizeof(a->refs[0]), cmp_ref);
	*argsp = a;
	a = NULL;
	r = 0;
 out:
	free(a);
	return r;
}

void
mcuboot_args_free(struct mcuboot_args *args)
{
	free(args);
}

size_t
mcuboot_args_files(const struct mcuboot_args *args,
    const struct mcuboot_fileref **refsp)
{
	*refsp = args->refs;
	return args->nrefs;
}

/* Python's os.path.splitext(path)[1][1:].lower() == "hex". */
int
mcuboot_is_hex_name(const char *name)
{
	const char *b = strrchr(name, '/'), *dot;

	b = b != NULL ? b + 1 : name;
	while (*b == '.')
		b++;
	dot = strrchr(b, '.');
	return dot != NULL && strcasecmp(dot + 1, "hex") == 0;
}

int
mcuboot_args_input_place(const struct mcuboot_args *args,
    unsigned long long *posp, unsigned long long *offp)
{
	/* Encrypted, compressed, HEX or a vector: not the input's bytes. */
	if (args->enc != NULL || args->comp != COMP_NONE ||
	    args->vector != VEC_NONE || mcuboot_is_hex_name(args->infile) ||
	    mcuboot_is_hex_name(args->outfile))
		return -1;
	/* imgtool pads the header before the input, or overwrites its zeros. */
	*posp = args->hdr_size;
	*offp = args->pad_header ? 0 : args->hdr_size;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client imgtool ...`: every command of imgtool 2.4.0 with its
 * options, messages and exit codes. sign (and its alias create) uploads
 * the inputs its arguments name and writes back the outputs; the others
 * run locally: getpub, getpubhash, verify and keyinfo take a key file or a
 * server key (zsign:NAME), getpriv and keygen local files only.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ui.h>

#include "client/cli.h"
#include "client/imgtool-help.h"
#include "client/zsclient.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/mcuboot/mcuboot.h"

/* An imgtool sign run writes the image and at most one --sig-out file. */
#define IMGTOOL_OUTPUTS_MAX	2
/* Largest output of getpub/dumpinfo kept in memory. */
#define IMGTOOL_TEXT_MAX	(64u * 1024 * 1024)
/* The imgtool release whose behaviour this mirrors (`imgtool version`). */
#define IMGTOOL_VERSION		"2.4.0"
/* Longest passphrase read for a key file. */
#define IMGTOOL_PASS_MAX	1024
/* Longest answer read at keygen's "Type: " prompt. */
#define IMGTOOL_PROMPT_MAX	64
/* Options one local command has, at most. */
#define IMGTOOL_OPTS_MAX	8

/*
 * Where the signed image will repeat the input (args says, unless it is
 * encrypted, compressed or HEX), for an input of CLI_PREFILL_MIN or more
 * sent from its file; -1 when there is nothing to start early.
 */
static int
imgtool_prefill(const struct mcuboot_args *args, const json_t *files,
    struct cli_prefill *pf)
{
	const struct mcuboot_fileref *refs;
	const char *in = NULL, *out = NULL;
	unsigned long long pos, off;
	size_t i, n;

	n = mcuboot_args_files(args, &refs);
	for (i = 0; i < n; i++)
		if (refs[i].role == MCUBOOT_IN_IMAGE)
			in = refs[i].name;
		else if (refs[i].role == MCUBOOT_OUT_IMAGE)
			out = refs[i].name;
	if (in == NULL || out == NULL ||
	    mcuboot_args_input_place(args, &pos, &off) != 0 ||
	    zsclient_files_src(files, in, &pf->src) != 0 ||
	    pf->src.p != NULL || pf->src.len < CLI_PREFILL_MIN ||
	    off >= pf->src.len)
		return -1;
	pf->name = pf->path = out;
	pf->src.off = (off_t)off;
	pf->src.len -= (size_t)off;
	pf->pos = (size_t)pos;
	return 0;
}

/* Build and send the sign request for imgtool arguments argv[0..argc). */
static int
imgtool_sign(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	struct mcuboot_args *args = NULL;
	const struct mcuboot_fileref *refs;
	const char *outs[IMGTOOL_OUTPUTS_MAX];
	struct cli_prefill pf;
	struct zsclient *cl;
	json_t *req = NULL, *files, *reply = NULL;
	size_t i, n, nout = 0;
	int r;

	memset(&pf, 0, sizeof(pf));
	if ((r = mcuboot_args_parse(argc, argv, &args, eb)) != 0)
		return r;
	if ((r = cli_request_new("imgtool", argc, argv, &req, &files,
	    eb)) != 0)
		goto out;
	n = mcuboot_args_files(args, &refs);
	for (i = 0; i < n; i++) {
		switch (refs[i].role) {
		case MCUBOOT_IN_KEY:
			r = cli_key_resolve(refs[i].name, req, eb);
			break;
		case MCUBOOT_IN_IMAGE:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    MCUBOOT_IMAGE_MAX, eb);
			break;
		case MCUBOOT_IN_ENCKEY:
		case MCUBOOT_IN_FIX_SIG_PUBKEY:
			/* Public keys: a private one never leaves. */
			r = cli_pubkey_upload(req, files, refs[i].name,
			    refs[i].name, eb);
			break;
		case MCUBOOT_IN_CUSTOM_TLV:
		case MCUBOOT_IN_FIX_SIG:
			r = cli_file_upload(files, refs[i].name, refs[i].name,
			    CLI_SIDEFILE_MAX, eb);
			break;
		case MCUBOOT_OUT_IMAGE:
		case MCUBOOT_OUT_SIG:
			if (nout == IMGTOOL_OUTPUTS_MAX) {
				r = zs_errf(eb, ZS_ERR_USAGE, "too many "
				    "output files");
				break;
			}
			outs[nout++] = refs[i].name;
			r = 0;
			break;
		default:
			r = zs_errf(eb, ZS_ERR_INTERNAL, "unknown file role");
			break;
		}
		if (r != 0)
			goto out;
	}
	if ((r = cli_client(c, &cl, eb)) != 0)
		goto out;
	/* A large image: its output is started while the server signs. */
	if (imgtool_prefill(args, files, &pf) == 0)
		zsclient_set_sent(cl, cli_prefill_run, &pf);
	r = zsclient_sign(cl, req, &reply, eb);
	zsclient_set_sent(cl, NULL, NULL);
	if (r != 0) {
		/* A late error of imgtool's: after its lines. */
		cli_print_stdout(zsclient_error_stdout(cl));
		goto out;
	}
	/* imgtool prints while it builds the image, before it saves it. */
	cli_print_stdout(json_object_get(reply, "stdout"));
	r = cli_files_write(reply, outs, outs, nout, &pf, eb);
 out:
	cli_prefill_free(&pf);
	json_decref(reply);
	json_decref(req);
	mcuboot_args_free(args);
	return r;
}

/* The values of a local command's options, as click hands them over. */
struct iargs {
	const char	*key, *encoding, *lang, *output, *suffix, *format;
	const char	*type, *require, *image;
	int		 minimal, password, silent, help;
	int		 click;		/* the error is click's (usage_err) */
};

/* One click option of a local command. */
struct iopt {
	const char		*sname;		/* "-k" or NULL */
	const char		*lname;		/* "--key" */
	int			 flag;		/* is_flag: takes no value */
	int			 required;
	const char *const	*choices;	/* click.Choice, NULL-ended */
	size_t			 off;		/* field in struct iargs */
};

struct icmd;
typedef int (*icmd_fn)(struct cli *, const struct icmd *, struct iargs *,
    struct zs_errbuf *);

/* A local imgtool command: its options in click's declaration order. */
struct icmd {
	const char	*name;
	const char	*argname;	/* the positional argument, or NULL */
	icmd_fn		 run;
	struct iopt	 opts[IMGTOOL_OPTS_MAX];
};

/* An error click reports as "Error: ..." after the usage, exit 2. */
#define usage_err(a, eb, ...) \
	((a)->click = 1, zs_errf((eb), ZS_ERR_USAGE, __VA_ARGS__))

/* click's "'-k' / '--key'" rendering of an option's names. */
static void
opt_names(const struct iopt *o, char *buf, size_t len)
{
	if (o->sname != NULL)
		snprintf(buf, len, "'%s' / '%s'", o->sname, o->lname);
	else
		snprintf(buf, len, "'%s'", o->lname);
}

/* Set the option's value (NULL for a flag). */
static int
opt_set(const struct iopt *o, const char *shown, const char *inl,
    int argc, char **argv, int *ip, struct iargs *a, struct zs_errbuf *eb)
{
	if (o->flag) {
		if (inl != NULL)
			return usage_err(a, eb, "Option '%s' does not take a "
			    "value.", shown);
		*(int *)((char *)a + o->off) = 1;
		return 0;
	}
	if (inl == NULL) {
		if (*ip + 1 >= argc)
			return usage_err(a, eb, "Option '%s' requires an "
			    "argument.", shown);
		inl = argv[++*ip];
	}
	*(const char **)((char *)a + o->off) = inl;
	return 0;
}

/* The value of a non-flag option, or NULL. */
static const char *
opt_value(const struct iopt *o, const struct iargs *a)
{
	if (o->flag)
		return NULL;
	return *(const char *const *)((const char *)a + o->off);
}

static const struct iopt help_opt = { "-h", "--help", 1, 0, NULL,
    offsetof(struct iargs, help) };

static const struct iopt *
opt_long(const struct icmd *cmd, const char *name, size_t len)
{
	size_t i;

	if (strlen(help_opt.lname) == len && strncmp(name, help_opt.lname,
	    len) == 0)
		return &help_opt;
	for (i = 0; i < IMGTOOL_OPTS_MAX && cmd->opts[i].lname != NULL; i++)
		if (strlen(cmd->opts[i].lname) == len &&
		    strncmp(cmd->opts[i].lname, name, len) == 0)
			return &cmd->opts[i];
	return NULL;
}

static const struct iopt *
opt_short(const struct icmd *cmd, char ch)
{
	size_t i;

	if (ch == 'h')
		return &help_opt;
	for (i = 0; i < IMGTOOL_OPTS_MAX && cmd->opts[i].lname != NULL; i++)
		if (cmd->opts[i].sname != NULL && cmd->opts[i].sname[1] == ch)
			return &cmd->opts[i];
	return NULL;
}

/* "No such option: --x", with click's suggestions among cmd's options. */
static int
no_such_long(const struct icmd *cmd, const char *opt, struct zs_errbuf *eb)
{
	const char *longs[IMGTOOL_OPTS_MAX + 1];
	size_t n;

	for (n = 0; n < IMGTOOL_OPTS_MAX && cmd->opts[n].lname != NULL; n++)
		longs[n] = cmd->opts[n].lname;
	longs[n++] = help_opt.lname;
	return mcuboot_no_such_option(opt, longs, n, eb);
}

/* Check a value against an option's choices, as click.Choice does. */
static int
opt_check(const struct iopt *o, const char *v, struct zs_errbuf *eb)
{
	char names[64], list[160];
	size_t i, n = 0;

	if (v == NULL || o->choices == NULL)
		return 0;
	for (i = 0; o->choices[i] != NULL; i++)
		if (strcmp(o->choices[i], v) == 0)
			return 0;
	for (i = 0; o->choices[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s'%s'",
		    i ? ", " : "", o->choices[i]);
	opt_names(o, names, sizeof(names));
	return zs_errf(eb, ZS_ERR_USAGE, "Invalid value for %s: '%.100s' is "
	    "not one of %s.", names, v, list);
}

/*
 * Parse argv[1..argc) the way click does: options in any order, --opt=v,
 * -kVALUE and clustered flags, "--" ending them; -h/--help wins over every
 * error but a syntax error. Values are checked in the order the options
 * were given, then the others in declaration order.
 */
static int
iparse(const struct icmd *cmd, int argc, char **argv, struct iargs *a,
    struct zs_errbuf *eb)
{
	const struct iopt *o, *seen[IMGTOOL_OPTS_MAX];
	const char *arg, *eq, *p, *extra = NULL;
	char shown[64], names[64];
	size_t nseen = 0, i, j, len;
	int ai, only_pos = 0, r, nextra = 0;

	for (ai = 1; ai < argc; ai++) {
		arg = argv[ai];
		if (!only_pos && strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (cmd->argname != NULL && a->image == NULL)
				a->image = arg;
			else if (nextra++ == 0)
				extra = arg;
			continue;
		}
		if (arg[1] == '-') {
			eq = strchr(arg, '=');
			len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
			snprintf(shown, sizeof(shown), "%.*s",
			    (int)(len < 60 ? len : 60), arg);
			if ((o = opt_long(cmd, arg, len)) == NULL) {
				a->click = 1;
				return no_such_long(cmd, shown, eb);
			}
			if ((r = opt_set(o, shown, eq != NULL ? eq + 1 : NULL,
			    argc, argv, &ai, a, eb)) != 0)
				return r;
		} else {
			for (p = arg + 1; *p != '\0'; p++) {
				snprintf(shown, sizeof(shown), "-%c", *p);
				if ((o = opt_short(cmd, *p)) == NULL)
					return usage_err(a, eb, "No such option: "
					    "%s", shown);
				if ((r = opt_set(o, shown, o->flag ||
				    p[1] == '\0' ? NULL : p + 1, argc, argv,
				    &ai, a, eb)) != 0)
					return r;
				if (!o->flag)
					break;
			}
		}
		for (i = 0; i < nseen && seen[i] != o; i++)
			;
		if (i == nseen && o != &help_opt && nseen < IMGTOOL_OPTS_MAX)
			seen[nseen++] = o;
	}
	if (a->help)
		return 0;
	for (j = 0; j < 2; j++)
		for (i = 0; i < (j == 0 ? nseen : IMGTOOL_OPTS_MAX); i++) {
			o = j == 0 ? seen[i] : &cmd->opts[i];
			if (o->lname == NULL)
				break;
			if ((r = opt_check(o, opt_value(o, a), eb)) != 0) {
				a->click = 1;
				return r;
			}
			if (o->required && opt_value(o, a) == NULL) {
				opt_names(o, names, sizeof(names));
				return usage_err(a, eb, "Missing option %s.",
				    names);
			}
		}
	if (cmd->argname != NULL && a->image == NULL)
		return usage_err(a, eb, "Missing argument '%s'.", cmd->argname);
	if (nextra == 1)
		return usage_err(a, eb, "Got unexpected extra argument (%.200s)",
		    extra);
	if (nextra > 1)
		return usage_err(a, eb, "Got unexpected extra arguments (%.200s "
		    "...)", extra);
	return 0;
}

/* OpenSSL's passphrase callback: imgtool's getpass() prompt. */
static int
pass_cb(char *buf, int size, int rwflag, void *u)
{
	char *pw;
	int n;

	(void)rwflag;
	if (u != NULL)
		return -1;	/* keyinfo never prompts */
	pw = xmalloc(IMGTOOL_PASS_MAX);
	if (EVP_read_pw_string(pw, IMGTOOL_PASS_MAX, "Enter key passphrase: ",
	    0) != 0) {
		freezero(pw, IMGTOOL_PASS_MAX);
		return -1;
	}
	n = (int)strlen(pw);
	if (n > size)
		n = size;
	memcpy(buf, pw, (size_t)n);
	freezero(pw, IMGTOOL_PASS_MAX);
	return n;
}

/*
 * Load a PEM key file as imgtool's keys.load() does: a private key
 * (prompting for a passphrase unless noprompt), else a public one.
 * *privatep tells which.
 */
static int
key_file(const char *path, int noprompt, EVP_PKEY **pkeyp, int *privatep,
    struct zs_errbuf *eb)
{
	uint8_t *pem = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	EVP_PKEY *pk;
	int r;

	if ((r = zs_file_read(path, CLI_KEYFILE_MAX, &pem, &len)) != 0)
		return zs_errf(eb, r, "key file %s: %s", path,
		    r == ZS_ERR_NOT_FOUND ? "does not exist" : zs_strerror(r));
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	*privatep = 1;
	pk = PEM_read_bio_PrivateKey(bio, NULL, pass_cb,
	    noprompt ? (void *)"" : NULL);
	if (pk == NULL && memmem(pem, len, "ENCRYPTED", 9) != NULL) {
		r = zs_errf(eb, ZS_ERR_DENIED, "key file %s: %s", path,
		    noprompt ? "password-protected" : "wrong passphrase");
		goto out;
	}
	if (pk == NULL) {
		*privatep = 0;
		(void)BIO_reset(bio);
		pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	if (pk == NULL) {
		r = zs_errf(eb, ZS_ERR_KEY, "key file %s: not a PEM key", path);
		goto out;
	}
	*pkeyp = pk;
	r = 0;
 out:
	ERR_clear_error();
	BIO_free(bio);
	freezero(pem, len);
	return r;
}

/* The key of a -k value: its public half for a server key. */
static int
key_load(struct cli *c, const char *val, int local_only, int noprompt,
    EVP_PKEY **pkeyp, int *privatep, struct zs_errbuf *eb)
{
	if (!cli_key_is_server(val))
		return key_file(val, noprompt, pkeyp, privatep, eb);
	if (local_only)
		return zs_errf(eb, ZS_ERR_USAGE, "%s: this command works on "
		    "local key files only; a server key's private half never "
		    "leaves zsignd", val);
	*privatep = 0;
	return cli_key_public(c, val, pkeyp, eb);
}

/* Print text to stdout, or write it atomically to path. */
static int
text_emit(const struct buf *text, const char *path, struct zs_errbuf *eb)
{
	if (path == NULL) {
		if (fwrite(buf_ptr(text), 1, buf_len(text), stdout) !=
		    buf_len(text) || fflush(stdout) != 0)
			return zs_errf(eb, ZS_ERR_IO, "cannot write stdout");
		return 0;
	}
	if (zs_file_write_output(path, buf_ptr(text), buf_len(text), 0644) != 0)
		return zs_errf(eb, ZS_ERR_IO, "cannot write %s", path);
	return 0;
}

static int
run_verify(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	struct mcuboot_info info;
	EVP_PKEY *key = NULL;
	uint8_t *img = NULL;
	size_t len = 0;
	int private = 0, r;

	(void)cmd;
	if (a->key != NULL && (r = key_load(c, a->key, 0, 0, &key, &private,
	    eb)) != 0)
		return r;
	if (access(a->image, F_OK) != 0 && errno == ENOENT) {
		r = usage_err(a, eb, "Image file %.200s not found", a->image);
		goto out;
	}
	if ((r = cli_image_read(a->image, &img, &len, eb)) != 0 ||
	    (r = mcuboot_verify(img, len, key, private, &info, eb)) != 0)
		goto out;
	if (info.verdict != MCUBOOT_VERIFY_OK) {
		/* imgtool prints the verdict on stdout and exits 1. */
		printf("%s\n", mcuboot_verdict_str(info.verdict));
		r = ZS_ERR_VERIFY;
		goto out;
	}
	printf("Image was correctly validated\nImage version: %u.%u.%u+%u\n",
	    info.ver_major, info.ver_minor, info.ver_rev, info.ver_build);
	if (info.digest_hex[0] != '\0')
		printf("Image digest: %s\n", info.digest_hex);
	else if (info.sig_hex[0] != '\0')
		printf("Image signature over image: %s\n", info.sig_hex);
 out:
	free(img);
	EVP_PKEY_free(key);
	return r;
}

static int
run_dumpinfo(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	enum mcuboot_dump_format fmt;
	struct buf *text = NULL;
	const char *name;
	uint8_t *img = NULL;
	size_t len = 0;
	int warn = 0, r;

	(void)c;
	(void)cmd;
	/* -s is accepted and ignored, as in imgtool 2.4.0. */
	if (a->format == NULL)
		fmt = a->output == NULL ? MCUBOOT_DUMP_HUMAN : MCUBOOT_DUMP_YAML;
	else
		fmt = strcmp(a->format, "json") == 0 ? MCUBOOT_DUMP_JSON :
		    strcmp(a->format, "yaml") == 0 ? MCUBOOT_DUMP_YAML :
		    MCUBOOT_DUMP_HUMAN;
	if (access(a->image, F_OK) != 0 && errno == ENOENT)
		return usage_err(a, eb, "Image file not found (%.200s)",
		    a->image);
	if ((r = cli_image_read(a->image, &img, &len, eb)) != 0)
		return r;
	name = strrchr(a->image, '/') != NULL ? strrchr(a->image, '/') + 1 :
	    a->image;
	text = buf_new_plain(IMGTOOL_TEXT_MAX);
	if ((r = mcuboot_dumpinfo(img, len, name, fmt, text, &warn, eb)) != 0)
		goto out;
	if (warn)
		printf("Warning: the trailer magic value is invalid!\n");
	/* json.dump() to stdout is followed by a newline; to a file not. */
	if (fmt == MCUBOOT_DUMP_JSON && a->output == NULL &&
	    (r = buf_put_str(text, "\n")) != 0) {
		zs_errf(eb, r, "dump too large");
		goto out;
	}
	r = text_emit(text, a->output, eb);
 out:
	buf_free(text);
	free(img);
	return r;
}

/* imgtool's _validate_name_suffix(): [A-Za-z0-9_]* */
static int
suffix_check(struct iargs *a, const char *s, struct zs_errbuf *eb)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_";

	if (s == NULL || s[strspn(s, ok)] == '\0')
		return 0;
	return usage_err(a, eb, "Invalid value for '--name-suffix': '%.100s' "
	    "must contain only [A-Za-z0-9_]; it is appended directly to a "
	    "C/Rust identifier.", s);
}

static enum mcuboot_key_encoding
encoding_of(const char *s)
{
	if (strcmp(s, "lang-rust") == 0 || strcmp(s, "rust") == 0)
		return MCUBOOT_ENC_LANG_RUST;
	if (strcmp(s, "pem") == 0)
		return MCUBOOT_ENC_PEM;
	if (strcmp(s, "raw") == 0)
		return MCUBOOT_ENC_RAW;
	return MCUBOOT_ENC_LANG_C;
}

static int
run_getpub(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	int hash = strcmp(cmd->name, "getpubhash") == 0, private, r;
	const char *suffix = a->suffix != NULL ? a->suffix : "";
	enum mcuboot_key_encoding enc;
	struct buf *text;
	EVP_PKEY *key = NULL;

	if ((r = suffix_check(a, a->suffix, eb)) != 0)
		return r;
	if (a->encoding != NULL && a->lang != NULL)
		return usage_err(a, eb, "Please use only one of `--encoding/-e` "
		    "or `--lang/-l`");
	enc = encoding_of(a->encoding != NULL ? a->encoding : a->lang !=
	    NULL ? a->lang : "lang-c");
	if (*suffix != '\0' && (enc == MCUBOOT_ENC_PEM ||
	    enc == MCUBOOT_ENC_RAW))
		return usage_err(a, eb, "`--name-suffix` is only meaningful for "
		    "%s", hash ? "the lang-c encoding" :
		    "lang-c / lang-rust encodings");
	if ((r = key_load(c, a->key, 0, 0, &key, &private, eb)) != 0)
		return r;
	text = buf_new_plain(IMGTOOL_TEXT_MAX);
	r = hash ? mcuboot_getpubhash(key, enc, suffix, text, eb) :
	    mcuboot_getpub(key, enc, suffix, text, eb);
	if (r == 0)
		r = text_emit(text, a->output, eb);
	buf_free(text);
	EVP_PKEY_free(key);
	return r;
}

static int
run_getpriv(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	struct buf *text;
	EVP_PKEY *key = NULL;
	int private, r;

	(void)cmd;
	if ((r = key_load(c, a->key, 1, 0, &key, &private, eb)) != 0)
		return r;
	text = buf_new(IMGTOOL_TEXT_MAX);	/* zeroized: key material */
	if (!private)
		r = usage_err(a, eb, "Operation get_private_bytes requires private "
		    "key");
	else if ((r = mcuboot_getpriv(key, a->format, a->minimal, text,
	    eb)) == ZS_ERR_USAGE)
		a->click = 1;	/* imgtool's UsageError of the key class */
	if (r == 0)
		r = text_emit(text, NULL, eb);
	buf_free(text);
	EVP_PKEY_free(key);
	return r;
}

static int
run_keyinfo(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	const char *kind;
	EVP_PKEY *key = NULL;
	int private, r;

	(void)cmd;
	/* keyinfo never prompts: a protected key is "unreadable". */
	if ((r = key_load(c, a->key, 0, 1, &key, &private, eb)) != 0) {
		if (r != ZS_ERR_DENIED)
			return r;
		return usage_err(a, eb, "Cannot inspect %.200s: key is "
		    "password-protected or unreadable. keyinfo runs "
		    "non-interactively and does not prompt for a passphrase.",
		    a->key);
	}
	EVP_PKEY_free(key);
	kind = private ? "private" : "public";
	printf("%s\n", kind);
	if (a->require != NULL && strcmp(a->require, kind) != 0)
		return usage_err(a, eb, "Key %.200s is %s, but %s was "
		    "required.", a->key, kind, a->require);
	return 0;
}

static const char *const keygen_types[] = { "rsa-2048", "rsa-3072",
    "ecdsa-p256", "ecdsa-p384", "ed25519", "x25519", NULL };

/* click's prompt for the missing -t: "Type: " until a valid choice. */
static int
keygen_prompt(char *buf, size_t len, struct zs_errbuf *eb)
{
	static const struct iopt t = { "-t", "--type", 0, 1, keygen_types, 0 };
	struct zs_errbuf peb;

	for (;;) {
		fputs("Type: ", stdout);
		fflush(stdout);
		if (fgets(buf, (int)len, stdin) == NULL) {
			fputs("Aborted!\n", stderr);
			return zs_errf(eb, ZS_ERR_USAGE, "%s", "");
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		if (opt_check(&t, buf, &peb) == 0)
			return 0;
		printf("Error: '%s' is not one of 'rsa-2048', 'rsa-3072', "
		    "'ecdsa-p256', 'ecdsa-p384', 'ed25519', 'x25519'.\n", buf);
	}
}

/* Ask twice for keygen -p's passphrase, as imgtool's get_password(). */
static int
keygen_password(char *pw, char *again, int len)
{
	for (;;) {
		if (EVP_read_pw_string(pw, len, "Enter key passphrase: ", 0) !=
		    0 || EVP_read_pw_string(again, len, "Reenter passphrase: ",
		    0) != 0)
			return -1;
		if (strcmp(pw, again) == 0)
			return 0;
		printf("Passwords do not match, try again\n");
	}
}

static int
run_keygen(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	static const struct {
		const char	*type, *alg;
		int		 bits;
		const char	*curve;
	} gens[] = {
		{ "rsa-2048", "RSA", 2048, NULL },
		{ "rsa-3072", "RSA", 3072, NULL },
		{ "ecdsa-p256", "EC", 0, "P-256" },
		{ "ecdsa-p384", "EC", 0, "P-384" },
		{ "ed25519", "ED25519", 0, NULL },
		{ "x25519", "X25519", 0, NULL },
	};
	char type[IMGTOOL_PROMPT_MAX], *pw = NULL, *again = NULL, *pem;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	long pemlen;
	size_t i;
	int r;

	(void)c;
	(void)cmd;
	if (strncmp(a->key, "zsign:", 6) == 0)
		return zs_errf(eb, ZS_ERR_USAGE, "%s: keygen writes a local "
		    "key file; server keys are made with zsignd "
		    "--generate-key", a->key);
	if (a->type == NULL && (r = keygen_prompt(type, sizeof(type),
	    eb)) != 0)
		return r;
	if (a->type != NULL)
		snprintf(type, sizeof(type), "%s", a->type);
	for (i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (strcmp(gens[i].type, type) == 0)
			break;
	if (i == sizeof(gens) / sizeof(gens[0]))
		return zs_errf(eb, ZS_ERR_USAGE, "unknown key type %s", type);
	if (a->password) {
		pw = xmalloc(IMGTOOL_PASS_MAX);
		again = xmalloc(IMGTOOL_PASS_MAX);
		if (keygen_password(pw, again, IMGTOOL_PASS_MAX) != 0) {
			r = zs_errf(eb, ZS_ERR_USAGE, "no passphrase read");
			goto out;
		}
	}
	key = gens[i].bits ? EVP_PKEY_Q_keygen(NULL, NULL, gens[i].alg,
	    (size_t)gens[i].bits) : gens[i].curve ? EVP_PKEY_Q_keygen(NULL,
	    NULL, gens[i].alg, gens[i].curve) : EVP_PKEY_Q_keygen(NULL, NULL,
	    gens[i].alg);
	/* PKCS#8 PEM, AES-256-CBC when protected, as imgtool writes. */
	if (key == NULL || (bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PKCS8PrivateKey(bio, key, pw != NULL ?
	    EVP_aes_256_cbc() : NULL, NULL, 0, NULL, pw) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "cannot generate a %s key",
		    type);
		goto out;
	}
	if (zs_file_write_output(a->key, (const uint8_t *)pem, (size_t)pemlen,
	    0600) != 0)
		r = zs_errf(eb, ZS_ERR_IO, "cannot write %s", a->key);
	else
		r = 0;
 out:
	ERR_clear_error();
	BIO_free(bio);
	EVP_PKEY_free(key);
	if (pw != NULL)
		freezero(pw, IMGTOOL_PASS_MAX);
	if (again != NULL)
		freezero(again, IMGTOOL_PASS_MAX);
	return r;
}

static int
run_version(struct cli *c, const struct icmd *cmd, struct iargs *a,
    struct zs_errbuf *eb)
{
	(void)c;
	(void)cmd;
	(void)a;
	(void)eb;
	printf("%s\n", IMGTOOL_VERSION);
	return 0;
}

#define A(x)	offsetof(struct iargs, x)

static const char *const enc_choices[] = { "lang-c", "lang-rust", "pem",
    "raw", NULL };
static const char *const lang_choices[] = { "c", "rust", NULL };
static const char *const hash_choices[] = { "lang-c", "raw", NULL };
static const char *const priv_choices[] = { "openssl", "pkcs8", NULL };
static const char *const require_choices[] = { "private", "public", NULL };
static const char *const format_choices[] = { "human", "yaml", "json",
    NULL };

/* imgtool's commands but sign, each option as main.py declares it. */
static const struct icmd icmds[] = {
	{ "verify", "IMGFILE", run_verify, {
		{ "-k", "--key", 0, 0, NULL, A(key) } } },
	{ "dumpinfo", "IMGFILE", run_dumpinfo, {
		{ "-s", "--silent", 1, 0, NULL, A(silent) },
		{ "-f", "--format", 0, 0, format_choices, A(format) },
		{ "-o", "--outfile", 0, 0, NULL, A(output) } } },
	{ "getpub", NULL, run_getpub, {
		{ "-o", "--output", 0, 0, NULL, A(output) },
		{ "-k", "--key", 0, 1, NULL, A(key) },
		{ NULL, "--name-suffix", 0, 0, NULL, A(suffix) },
		{ "-e", "--encoding", 0, 0, enc_choices, A(encoding) },
		{ "-l", "--lang", 0, 0, lang_choices, A(lang) } } },
	{ "getpubhash", NULL, run_getpub, {
		{ "-o", "--output", 0, 0, NULL, A(output) },
		{ "-k", "--key", 0, 1, NULL, A(key) },
		{ NULL, "--name-suffix", 0, 0, NULL, A(suffix) },
		{ "-e", "--encoding", 0, 0, hash_choices, A(encoding) } } },
	{ "getpriv", NULL, run_getpriv, {
		{ "-f", "--format", 0, 0, priv_choices, A(format) },
		{ "-k", "--key", 0, 1, NULL, A(key) },
		{ NULL, "--minimal", 1, 0, NULL, A(minimal) } } },
	{ "keygen", NULL, run_keygen, {
		{ "-k", "--key", 0, 1, NULL, A(key) },
		{ "-t", "--type", 0, 0, keygen_types, A(type) },
		{ "-p", "--password", 1, 0, NULL, A(password) } } },
	{ "keyinfo", NULL, run_keyinfo, {
		{ "-k", "--key", 0, 1, NULL, A(key) },
		{ NULL, "--require", 0, 0, require_choices, A(require) } } },
	{ "version", NULL, run_version, { { NULL, NULL, 0, 0, NULL, 0 } } },
};

#undef A

/* "Usage: zsign-client imgtool CMD [OPTIONS]..." */
static void
print_usage(FILE *f, const struct cli *c, const char *cmd)
{
	if (cmd == NULL)
		fprintf(f, "Usage: %s imgtool [OPTIONS] COMMAND [ARGS]...\n",
		    c->progname);
	else if (strcmp(cmd, "sign") == 0 || strcmp(cmd, "create") == 0)
		fprintf(f, "Usage: %s imgtool %s [OPTIONS] INFILE OUTFILE\n",
		    c->progname, cmd);
	else if (strcmp(cmd, "verify") == 0 || strcmp(cmd, "dumpinfo") == 0)
		fprintf(f, "Usage: %s imgtool %s [OPTIONS] IMGFILE\n",
		    c->progname, cmd);
	else
		fprintf(f, "Usage: %s imgtool %s [OPTIONS]\n", c->progname, cmd);
}

/* The help of cmd (NULL: the command list) on stdout; exit 0. */
static int
print_help(const struct cli *c, const char *cmd)
{
	print_usage(stdout, c, cmd);
	fputs(imgtool_help(cmd == NULL ? "" : strcmp(cmd, "create") == 0 ?
	    "sign" : cmd), stdout);
	return CLI_EXIT_OK;
}

/* Does s end with tail? */
static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* click's report of a usage error: usage, hint, "Error: ..."; exit 2. */
static int
usage_fail(const struct cli *c, const char *cmd, const char *msg)
{
	fflush(stdout);
	/* The parser's BadOptionUsage comes without the usage lines. */
	if (strncmp(msg, "Option '", 8) == 0 && (ends_with(msg,
	    "requires an argument.") || ends_with(msg, "does not take a "
	    "value.") || ends_with(msg, "requires 2 arguments."))) {
		fprintf(stderr, "Error: %s\n", msg);
		return CLI_EXIT_USAGE;
	}
	print_usage(stderr, c, cmd);
	fprintf(stderr, "Try '%s imgtool%s%s -h' for help.\n\nError: %s\n",
	    c->progname, cmd != NULL ? " " : "", cmd != NULL ? cmd : "", msg);
	return CLI_EXIT_USAGE;
}

int
cmd_imgtool(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct iargs a;
	const char *cmd;
	size_t i;
	int r;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)
		return print_help(c, NULL);
	cmd = argv[1];
	if (cmd[0] == '-' && cmd[1] != '\0') {
		/* The group has -h only; click names the option as given. */
		snprintf(eb.msg, sizeof(eb.msg), "No such option: %.*s",
		    cmd[1] == '-' ? (int)strcspn(cmd, "=") : 2, cmd);
		return usage_fail(c, NULL, eb.msg);
	}
	if (strcmp(cmd, "sign") == 0 || strcmp(cmd, "create") == 0) {
		if (mcuboot_args_help(argc - 2, argv + 2))
			return print_help(c, cmd);
		r = imgtool_sign(c, argc - 2, argv + 2, &eb);
		if (r == 0)
			return CLI_EXIT_OK;
		/* One line; imgtool dies on other bad input with exit 1. */
		(void)cli_fail(c, r, eb.msg);
		return r == ZS_ERR_USAGE ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	for (i = 0; i < sizeof(icmds) / sizeof(icmds[0]); i++)
		if (strcmp(cmd, icmds[i].name) == 0)
			break;
	if (i == sizeof(icmds) / sizeof(icmds[0])) {
		snprintf(eb.msg, sizeof(eb.msg), "No such command '%.100s'.",
		    cmd);
		return usage_fail(c, NULL, eb.msg);
	}
	memset(&a, 0, sizeof(a));
	if ((r = iparse(&icmds[i], argc - 1, argv + 1, &a, &eb)) == 0 &&
	    a.help)
		return print_help(c, cmd);
	if (r == 0)
		r = icmds[i].run(c, &icmds[i], &a, &eb);
	if (r == 0)
		return CLI_EXIT_OK;
	if (r == ZS_ERR_VERIFY)	/* verdict already printed */
		return CLI_EXIT_FAIL;
	if (r == ZS_ERR_USAGE && eb.msg[0] == '\0')	/* "Aborted!" */
		return CLI_EXIT_FAIL;
	if (a.click)
		return usage_fail(c, cmd, eb.msg);
	return cli_fail(c, r, eb.msg);
}

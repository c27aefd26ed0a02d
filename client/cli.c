/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers the zsign-client commands share: the server connection, -k
 * resolution (no private key byte ever leaves the machine) and atomic
 * writing of the files a reply carries.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/ihex.h"

int
cli_client(struct cli *c, struct zsclient **clp, struct zs_errbuf *eb)
{
	int r;

	if (c->cl == NULL) {
		if ((r = tlsopts_load(&c->tls, eb)) != 0 ||
		    (r = zsclient_open(c->server, &c->cl, eb)) != 0)
			return r;
		zsclient_set_tls(c->cl, &c->tls);
		zsclient_set_no_wait(c->cl, c->no_wait);
	}
	*clp = c->cl;
	return 0;
}

int
cli_exit_code(int r)
{
	if (r == 0)
		return CLI_EXIT_OK;
	if (r == ZS_ERR_USAGE || r == ZS_ERR_INVALID)
		return CLI_EXIT_USAGE;
	return CLI_EXIT_FAIL;
}

/* Length of the UTF-8 sequence at p that prints as text, 0 if none. */
static size_t
cli_term_seq(const unsigned char *p)
{
	uint32_t cp;
	size_t n, i;

	if (*p >= 0x20 && *p < 0x7f)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, cp = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, cp = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, cp = *p & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong, surrogates, past U+10FFFF: not text. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	/* C1 controls; bidirectional overrides and isolates. */
	if (cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

void
cli_print_stdout(const json_t *lines)
{
	const char *s;
	char *safe;
	json_t *v;
	size_t i;

	json_array_foreach(lines, i, v) {
		if ((s = json_string_value(v)) == NULL)
			continue;
		safe = cli_term(s);
		printf("%s\n", safe);
		free(safe);
	}
	fflush(stdout);
}

char *
cli_term(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	size_t n;

	/* Each byte becomes at most four ("\xHH"). */
	out = o = xmalloc(strlen(s) * 4 + 1);
	while (*p != '\0') {
		if (*p == '\n' || (n = cli_term_seq(p)) > 0) {
			n = *p == '\n' ? 1 : n;
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		*o++ = '\\';
		*o++ = 'x';
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 0xf];
		p++;
	}
	*o = '\0';
	return out;
}

int
cli_fail(const struct cli *c, int code, const char *msg)
{
	char *safe = cli_term(msg[0] != '\0' ? msg : zs_strerror(code));

	fprintf(stderr, "%s: %s\n", c->progname, safe);
	free(safe);
	return cli_exit_code(code);
}

/* Does the -k value look like a file name rather than a key name? */
static int
cli_key_is_path(const char *val)
{
	size_t n = strlen(val);

	return strchr(val, '/') != NULL ||
	    (n > 4 && (strcmp(val + n - 4, ".pem") == 0 ||
	    strcmp(val + n - 4, ".der") == 0));
}

int
cli_key_is_server(const char *val)
{
	struct stat st;

	if (strncmp(val, "zsign:", 6) == 0)
		return 1;
	return (stat(val, &st) == -1 || S_ISDIR(st.st_mode)) &&
	    !cli_key_is_path(val);
}

/* Read a local key file and return its public key; reports public-only. */
static int
cli_key_file(const char *path, EVP_PKEY **pkeyp, int *privatep,
    struct zs_errbuf *eb)
{
	struct zs_errbuf keb = { 0 };
	uint8_t *pem = NULL;
	size_t len = 0;
	int r;

	if ((r = zs_file_read(path, CLI_KEYFILE_MAX, &pem, &len)) != 0)
		return zs_errf(eb, r == ZS_ERR_NOT_FOUND || r == ZS_ERR_INVALID ?
		    ZS_ERR_USAGE : r, "key file %s: %s", path,
		    r == ZS_ERR_NOT_FOUND ? "does not exist (a server key is "
		    "named zsign:NAME)" : r == ZS_ERR_INVALID ? "not a regular "
		    "file (a server key is named zsign:NAME)" : zs_strerror(r));
	/* A PEM "... PRIVATE KEY" block; DER and "PUBLIC KEY" are public. */
	*privatep = memmem(pem, len, "PRIVATE KEY-----", 16) != NULL;
	if ((r = zs_pkey_from_pem(pem, len, pkeyp, &keb)) != 0)
		zs_errf(eb, r, "key file %s: %s", path, keb.msg);
	freezero(pem, len);
	return r;
}

int
cli_key_resolve(const char *val, json_t *req, struct zs_errbuf *eb)
{
	const char *ok = getenv(CLI_PUBKEY_OK_ENV);

	return cli_key_select(val, req, ok != NULL && strcmp(ok, "1") == 0,
	    eb);
}

int
cli_key_select(const char *val, json_t *req, int public_ok,
    struct zs_errbuf *eb)
{
	EVP_PKEY *pkey = NULL;
	char fp[ZS_FP_LEN];
	int private = 0, r;

	if (cli_key_is_server(val)) {
		if (strncmp(val, "zsign:", 6) == 0)
			val += 6;
		if (*val == '\0' || strlen(val) >= ZS_KEYNAME_MAX)
			return zs_errf(eb, ZS_ERR_USAGE, "invalid key name "
			    "'%s'", val);
		json_object_del(req, "key_fingerprint");
		return json_object_set_new(req, "key", json_string(val)) == 0 ?
		    0 : zs_errf(eb, ZS_ERR_USAGE, "key name '%s' is not "
		    "valid UTF-8", val);
	}
	if ((r = cli_key_file(val, &pkey, &private, eb)) != 0)
		return r;
	if (!private && !public_ok) {
		/* imgtool's rule; zsign:NAME names the server key instead. */
		r = zs_errf(eb, ZS_ERR_USAGE, "Cannot sign with a public-only "
		    "PEM; signing requires the private key (name the server "
		    "key as zsign:NAME, or set %s=1)", CLI_PUBKEY_OK_ENV);
		goto out;
	}
	if ((r = zs_pkey_fingerprint(pkey, fp)) != 0) {
		zs_errf(eb, r, "key file %s: cannot encode its public key",
		    val);
		goto out;
	}
	json_object_del(req, "key");
	if (json_object_set_new(req, "key_fingerprint", json_string(fp)) != 0)
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
 out:
	EVP_PKEY_free(pkey);
	return r;
}

int
cli_key_public(struct cli *c, const char *val, EVP_PKEY **pkeyp,
    struct zs_errbuf *eb)
{
	struct zsclient *cl;
	int private, r;

	if (!cli_key_is_server(val))
		return cli_key_file(val, pkeyp, &private, eb);
	if (strncmp(val, "zsign:", 6) == 0)
		val += 6;
	if ((r = cli_client(c, &cl, eb)) != 0)
		return r;
	return zsclient_key_public(cl, val, pkeyp, eb);
}

int
cli_request_new(const char *tool, int argc, char *const argv[],
    json_t **reqp, json_t **filesp, struct zs_errbuf *eb)
{
	json_t *req, *jargs, *files;
	int i, r = ZS_ERR_NOMEM;

	req = json_object();
	jargs = json_array();
	files = json_object();
	if (req == NULL || jargs == NULL || files == NULL ||
	    json_object_set_new(req, "tool", json_string(tool)) != 0 ||
	    json_object_set(req, "args", jargs) != 0 ||
	    json_object_set(req, "files", files) != 0) {
		zs_errf(eb, r, "out of memory");
		goto out;
	}
	for (i = 0; i < argc; i++)
		if (json_array_append_new(jargs, json_string(argv[i])) != 0) {
			r = zs_errf(eb, ZS_ERR_USAGE, "argument '%s' is not "
			    "valid UTF-8", argv[i]);
			goto out;
		}
	*reqp = req;
	req = NULL;
	*filesp = files;	/* borrowed from *reqp */
	r = 0;
 out:
	json_decref(files);
	json_decref(jargs);
	json_decref(req);
	return r;
}

/* Why an input file cannot be uploaded; imgtool's words when it is missing. */
static int
upload_error(const char *path, int r, struct zs_errbuf *eb)
{
	if (r == ZS_ERR_NOT_FOUND)
		return zs_errf(eb, ZS_ERR_USAGE, "Input file not found: %s",
		    path);
	return zs_errf(eb, r, "%s: %s", path, r == ZS_ERR_IO ?
	    strerror(errno) : zs_strerror(r));
}

int
cli_file_upload(json_t *files, const char *name, const char *path,
    size_t max, struct zs_errbuf *eb)
{
	struct stat st;
	int fd, r;

	/* Not read in: sent from the file and copied from it to outputs. */
	if ((r = zs_file_open_read(path, max, &fd, &st)) != 0)
		return upload_error(path, r, eb);
	if (zsclient_files_add_fd(files, name, fd, &st, path) != 0)
		r = zs_errf(eb, ZS_ERR_USAGE, "file name '%s' is not valid "
		    "UTF-8", name);
	return r;
}

/* The public key of a private PEM key, as a PEM SubjectPublicKeyInfo. */
static int
pubkey_derive(const uint8_t *pem, size_t len, const char *path,
    uint8_t **pubp, size_t *publenp, struct zs_errbuf *eb)
{
	BIO *in = NULL, *out = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t *pub;
	char *p;
	long n;
	int r;

	if ((in = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (out = BIO_new(BIO_s_mem())) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* No prompt: a protected key is refused, never sent. */
	if ((pk = PEM_read_bio_PrivateKey(in, NULL, NULL, (void *)"")) ==
	    NULL) {
		r = zs_errf(eb, ZS_ERR_KEY, "%s: a private key this client "
		    "cannot read%s; it is not sent: give its public key "
		    "(openssl pkey -pubout)", path, memmem(pem, len,
		    "ENCRYPTED", 9) != NULL ? " (password-protected)" : "");
		goto out;
	}
	if (PEM_write_bio_PUBKEY(out, pk) != 1 ||
	    (n = BIO_get_mem_data(out, &p)) <= 0) {
		r = zs_errf(eb, ZS_ERR_CRYPTO, "%s: cannot derive its public "
		    "key", path);
		goto out;
	}
	pub = xmalloc((size_t)n);
	memcpy(pub, p, (size_t)n);
	*pubp = pub;
	*publenp = (size_t)n;
	r = 0;
 out:
	ERR_clear_error();
	EVP_PKEY_free(pk);
	BIO_free(out);
	BIO_free(in);
	return r;
}

int
cli_pubkey_upload(json_t *req, json_t *files, const char *name,
    const char *path, struct zs_errbuf *eb)
{
	const unsigned char *p;
	uint8_t *data = NULL, *pub = NULL;
	size_t len = 0, publen = 0;
	json_t *fp;
	EVP_PKEY *der;
	int r;

	if ((r = zs_file_read(path, CLI_SIDEFILE_MAX, &data, &len)) != 0)
		return upload_error(path, r, eb);
	/* The marker imgtool's keys.load() goes by; any PEM private key. */
	if (memmem(data, len, "PRIVATE KEY-----", 16) == NULL) {
		p = data;
		if ((der = d2i_AutoPrivateKey(NULL, &p, (long)len)) != NULL) {
			EVP_PKEY_free(der);
			r = zs_errf(eb, ZS_ERR_KEY, "%s: a DER private key; it "
			    "is not sent: give its public key (openssl pkey "
			    "-pubout)", path);
			goto out;
		}
		ERR_clear_error();
		if (zsclient_files_add_owned(files, name, data, len) != 0)
			r = zs_errf(eb, ZS_ERR_USAGE, "file name '%s' is not "
			    "valid UTF-8", name);
		data = NULL;
		goto out;
	}
	if ((r = pubkey_derive(data, len, path, &pub, &publen, eb)) != 0)
		goto out;
	if ((fp = json_object_get(req, "from_private")) == NULL) {
		fp = json_array();
		if (json_object_set_new(req, "from_private", fp) != 0)
			fp = NULL;
	}
	if (fp == NULL || json_array_append_new(fp, json_string(name)) != 0) {
		r = zs_errf(eb, ZS_ERR_USAGE, "file name '%s' is not valid "
		    "UTF-8", name);
		goto out;
	}
	if (zsclient_files_add_owned(files, name, pub, publen) != 0)
		r = zs_errf(eb, ZS_ERR_USAGE, "file name '%s' is not valid "
		    "UTF-8", name);
	pub = NULL;
 out:
	free(pub);
	freezero(data, len);
	return r;
}

/* Mode of a created output: 0666 less the umask, as imgtool's would be. */
static int
cli_out_mode(void)
{
	mode_t mask = umask(022);

	umask(mask);
	return (int)(0666 & ~mask);
}

void
cli_prefill_run(void *arg)
{
	struct cli_prefill *pf = arg;

	/* Errors are left to the writing after the reply to report. */
	if (zs_outfile_open(pf->path, pf->pos + pf->src.len, cli_out_mode(),
	    &pf->of) != 0)
		return;
	if (zs_outfile_seek(pf->of, pf->pos) != 0 ||
	    zs_outfile_write(pf->of, &pf->src, 1) != 0) {
		zs_outfile_abort(pf->of);
		pf->of = NULL;
	}
}

void
cli_prefill_free(struct cli_prefill *pf)
{
	if (pf == NULL)
		return;
	zs_outfile_abort(pf->of);
	pf->of = NULL;
}

/* Whether piece pc, at offset at of the output, is what pre copied there. */
static int
cli_prefilled(const struct cli_prefill *pre, const struct zs_filepiece *pc,
    size_t at)
{
	size_t d;

	if (pc->p != NULL || pc->fd != pre->src.fd || at < pre->pos)
		return 0;
	d = at - pre->pos;
	return pc->off >= pre->src.off &&
	    (size_t)(pc->off - pre->src.off) == d && d <= pre->src.len &&
	    pc->len <= pre->src.len - d;
}

/* Write the pieces pc[0..n) of an output, keeping those pre has in place. */
static int
cli_pieces_write(struct zs_outfile *of, const struct zs_filepiece *pc,
    size_t n, const struct cli_prefill *pre)
{
	size_t i, at = 0;
	int r = 0;

	for (i = 0; i < n && r == 0; at += pc[i].len, i++)
		r = pre != NULL && cli_prefilled(pre, &pc[i], at) ?
		    zs_outfile_seek(of, at + pc[i].len) :
		    zs_outfile_write(of, &pc[i], 1);
	return r;
}

int
cli_files_write(const json_t *reply, const char *const *names,
    const char *const *paths, size_t n, struct cli_prefill *pre,
    struct zs_errbuf *eb)
{
	struct zs_outfile **of;
	struct zs_filepiece *pc;
	const struct cli_prefill *used;
	size_t i, j, k, np, size;
	int r = 0;

	of = xcalloc(n + 1, sizeof(*of));
	/*
	 * Each under a temporary name first, from the pieces (the input's
	 * ranges copied from its file); all renamed once the inputs they
	 * repeat are known not to have changed meanwhile.
	 */
	for (i = 0; i < n && r == 0; i++) {
		if ((r = zsclient_files_pieces(reply, names[i], &pc, &np,
		    eb)) != 0)
			break;
		for (size = 0, k = 0; k < np; k++)
			size += pc[k].len;
		used = NULL;
		if (pre != NULL && pre->of != NULL &&
		    strcmp(pre->name, names[i]) == 0) {
			/* Started while the server signed. */
			of[i] = pre->of;
			pre->of = NULL;
			used = pre;
			if ((r = zs_outfile_reserve(of[i], size)) == 0)
				r = zs_outfile_seek(of[i], 0);
		} else
			r = zs_outfile_open(paths[i], size, cli_out_mode(),
			    &of[i]);
		if (r == 0)
			r = cli_pieces_write(of[i], pc, np, used);
		free(pc);
		if (r != 0)
			zs_errf(eb, r, "cannot write %s: %s", paths[i],
			    strerror(errno));
	}
	for (i = 0; i < n && r == 0; i++)
		r = zsclient_files_unchanged(reply, names[i], eb);
	for (i = 0; i < n && r == 0; i++) {
		r = zs_outfile_commit(of[i], 0);
		of[i] = NULL;
		if (r != 0) {
			zs_errf(eb, r, "cannot write %s: %s", paths[i],
			    strerror(errno));
			/* The ones already in place go again. */
			for (j = 0; j < i; j++)
				unlink(paths[j]);
		}
	}
	for (i = 0; i < n; i++)
		zs_outfile_abort(of[i]);
	free(of);
	return r;
}

int
cli_image_read(const char *path, uint8_t **imgp, size_t *lenp,
    struct zs_errbuf *eb)
{
	uint8_t *data = NULL, *img;
	size_t len = 0, n = strlen(path);
	uint32_t base;
	int r;

	if ((r = zs_file_read(path, ZS_FILE_MAX, &data, &len)) != 0)
		return zs_errf(eb, r == ZS_ERR_NOT_FOUND ? ZS_ERR_USAGE : r,
		    "%s: %s", path, r == ZS_ERR_NOT_FOUND ? "no such file" :
		    zs_strerror(r));
	if (n < 4 || strcmp(path + n - 4, ".hex") != 0) {
		*imgp = data;
		*lenp = len;
		return 0;
	}
	/* Holes read as erased flash, as imgtool's intelhex does. */
	r = ihex_read((const char *)data, len, 0xff, &base, &img, &n, eb);
	free(data);
	if (r != 0)
		return r;
	*imgp = img;
	*lenp = n;
	return 0;
}

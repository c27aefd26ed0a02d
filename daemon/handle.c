/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request handlers: health, the key list, and signing (validated request ->
 * key lookup -> engine -> JSON reply). West mode runs west sign's
 * ImgtoolSigner parameter logic (lib/zephyr.h) before imgtool.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/delta.h"
#include "common/fileset.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/handle.h"
#include "keystore/keystore.h"
#include "lib/engine.h"
#include "lib/zephyr.h"
#include "proto/proto.h"

/* Prefix a -k value may carry to say "a key of the server". */
#define KEY_PREFIX		"zsign:"
/* Longest generated argument (a number or the version string). */
#define ARG_LEN_MAX		160
/* Options west mode puts before the extra args. */
#define WEST_FIXED_ARGS		8
/* Most engine runs of one west request: bin and hex. */
#define WEST_RUNS		2
/*
 * Inputs of this many bytes in all are hashed on a thread of their own
 * while the engine builds and hashes the image (below it, a thread costs
 * more than it saves).
 */
#define HASH_ASIDE_MIN		(1024 * 1024)

/*
 * The inputs' SHA-256 for the audit record and the log line, made beside
 * the engine: the thread reads the input bytes (which nobody changes once
 * the engine may run) and writes only md; the digests are noted in the
 * request's fileset after the join.
 */
struct hash_aside {
	pthread_t	 thread;
	int		 running;
	size_t		 n;
	const uint8_t	*data[ZS_FILESET_MAX_FILES];
	size_t		 len[ZS_FILESET_MAX_FILES];
	uint8_t		 md[ZS_FILESET_MAX_FILES][ZS_FILESET_SHA256_LEN];
};

/* Everything one sign request builds up before it is answered. */
struct signctx {
	struct sign_job		*job;
	struct proto_sign_req	*req;
	struct zs_key		*key;
	struct fileset		*out;
	json_t			*info;
	json_t			*warnings;
	json_t			*out_lines;	/* the tool's stdout */
	json_t			*fail_lines;	/* ... before it failed */
	json_t			*params;
	char			 digest[129];
	char			 version[64];	/* of the MCUboot image */
	struct policy_image	 image;		/* what the rules judge */
	int			 has_image;
	int			 authorized;
	int			 unsigned_only;	/* nothing to sign: no default */
	struct hash_aside	 aside;		/* the inputs' digests */
	struct zs_errbuf	 eb;
};

/* key_resolve(): the request is to be held for approvals (not an error). */
#define HANDLE_HELD		1

static void *
hash_aside_run(void *arg)
{
	struct hash_aside *h = arg;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (EVP_Digest(h->data[i], h->len[i], h->md[i], NULL,
		    EVP_sha256(), NULL) != 1)
			h->len[i] = SIZE_MAX;	/* hashed again after the join */
	return NULL;
}

/*
 * Start hashing the request's inputs beside the engine, when the digests
 * will be wanted (an audit log, or the info log line) and the inputs are
 * large; call once the request's files are final. Without a thread the
 * digests are made after the engine, as before.
 */
static void
hash_aside_start(struct signctx *c)
{
	struct hash_aside *h = &c->aside;
	const struct fileset *fs = c->req->files;
	const char *name;
	char err[8];
	size_t i;

	if (h->running || fileset_bytes(fs) < HASH_ASIDE_MIN ||
	    (log_getlevel() < ZS_LOG_INFO && strcmp(security_audit_state(
	    c->job->sec, err, sizeof(err)), "off") == 0))
		return;
	for (h->n = 0; h->n < fileset_count(fs); h->n++)
		if (fileset_at(fs, h->n, &name, &h->data[h->n],
		    &h->len[h->n]) != 0)
			return;
	for (i = 0; i < h->n; i++)
		memset(h->md[i], 0, sizeof(h->md[i]));
	h->running = pthread_create(&h->thread, NULL, hash_aside_run, h) == 0;
}

/* Wait for the inputs' digests and note them in the request's fileset. */
static void
hash_aside_end(struct signctx *c)
{
	struct hash_aside *h = &c->aside;
	const uint8_t *d;
	const char *name;
	size_t i, dl, hoff, hlen;
	int e;

	if (!h->running)
		return;
	if ((e = pthread_join(h->thread, NULL)) != 0)
		fatalx("%s: pthread_join: error %d", __func__, e);
	h->running = 0;
	for (i = 0; i < h->n; i++)
		if (h->len[i] != SIZE_MAX && fileset_at_unfilled(c->req->files,
		    i, &name, &d, &dl, &hoff, &hlen) == 0 && d == h->data[i] &&
		    dl == h->len[i])
			(void)fileset_set_sha256(c->req->files, name, h->md[i]);
}

/* Find the server key for the request: key, key_fingerprint or -k VALUE. */
static int
key_resolve(struct signctx *c, const char *argkey)
{
	const struct keyring *kr = c->job->kr;
	struct proto_sign_req *req = c->req;
	const char *name;
	int r;

	if (c->key != NULL)
		return 0;
	if (req->key != NULL) {
		if ((c->key = keyring_find(kr, req->key)) == NULL)
			return zs_errf(&c->eb, ZS_ERR_NOT_FOUND,
			    "unknown key \"%s\"", req->key);
	} else if (req->key_fp != NULL) {
		if ((c->key = keyring_find_fp(kr, req->key_fp)) == NULL)
			return zs_errf(&c->eb, ZS_ERR_NOT_FOUND,
			    "no key with fingerprint %s", req->key_fp);
	} else if (argkey != NULL) {
		name = argkey;
		if (strncmp(name, KEY_PREFIX, strlen(KEY_PREFIX)) == 0)
			name += strlen(KEY_PREFIX);
		if (!proto_keyname_valid(name) ||
		    (c->key = keyring_find(kr, name)) == NULL)
			return zs_errf(&c->eb, ZS_ERR_NOT_FOUND,
			    "unknown key \"%.64s\"", name);
	}
	/* The key is known (or the default chosen): may they use it? */
	if (!c->authorized && c->key == NULL && c->unsigned_only) {
		/* An image that is never signed takes no default key. */
		if ((r = security_authorize_unsigned(c->job->sec, c->job->id,
		    req->tool_name, &c->eb)) != 0)
			return r;
		c->authorized = 1;
	}
	if (!c->authorized) {
		if ((r = security_authorize(c->job->sec, c->job->id, kr,
		    req->tool_name, &c->key, &c->eb)) != 0)
			return r;
		c->authorized = 1;
	}
	if (c->key != NULL && !zs_key_available(c->key))
		return zs_errf(&c->eb, ZS_ERR_UNAVAILABLE,
		    "key \"%s\" is not available", zs_key_name(c->key));
	/* A key under the two-person rule signs only an approved request. */
	if (c->job->approval == NULL &&
	    security_needs_approval(c->job->sec, c->job->id, c->key))
		return HANDLE_HELD;
	snprintf(c->job->key, sizeof(c->job->key), "%s",
	    c->key != NULL ? zs_key_name(c->key) : "-");
	return 0;
}

/*
 * Inputs named in args must travel in files, and every file must be
 * named: a request says exactly what it signs.
 */
static int
files_check(struct signctx *c, const char *const *names, size_t n,
    const char *const *innames, size_t nin)
{
	const struct fileset *fs = c->req->files;
	const uint8_t *d;
	const char *fname;
	size_t i, j, dl;

	for (i = 0; i < nin; i++)
		if (fileset_get(fs, innames[i], &d, &dl) != 0)
			return zs_errf(&c->eb, ZS_ERR_INVALID, "args: input "
			    "file \"%.64s\" is not in files", innames[i]);
	for (i = 0; i < fileset_count(fs); i++) {
		if (fileset_at(fs, i, &fname, &d, &dl) != 0)
			return zs_errf(&c->eb, ZS_ERR_INTERNAL, "fileset");
		for (j = 0; j < n; j++)
			if (strcmp(names[j], fname) == 0)
				break;
		if (j == n)
			return zs_errf(&c->eb, ZS_ERR_INVALID,
			    "files: \"%.64s\" is not named in args", fname);
	}
	return 0;
}

/*
 * The file arguments of parsed args into files[0..*np): the engines'
 * argument caps keep them within ENGINE_FILES_MAX.
 */
static int
file_list(struct signctx *c, const void *a, struct engine_file *files,
    size_t *np)
{
	size_t n = c->req->engine->files(a, files, ENGINE_FILES_MAX);

	if (n > ENGINE_FILES_MAX)
		return zs_errf(&c->eb, ZS_ERR_INTERNAL, "more file arguments "
		    "than ENGINE_FILES_MAX");
	*np = n;
	return 0;
}

/*
 * Collect the names of files[0..n): all of them into names, the inputs
 * into innames; *argkey gets the key's.
 */
static void
file_names(const struct engine_file *files, size_t n, const char **names,
    size_t *nnames, const char **innames, size_t *nin, const char **argkey)
{
	size_t i;

	for (i = 0; i < n; i++) {
		names[(*nnames)++] = files[i].name;
		if (files[i].kind == ENGINE_FILE_KEY)
			*argkey = files[i].name;
		else if (files[i].kind != ENGINE_FILE_OUT)
			innames[(*nin)++] = files[i].name;
	}
}

static void
json_add_str(json_t *arr, const char *s)
{
	json_array_append_new(arr, json_string(s));
}

/* Append the lines the tool printed on its stdout to arr. */
static void
json_add_stdout(json_t *arr, const struct engine_result *res)
{
	size_t i;

	for (i = 0; i < res->nstdout; i++)
		json_add_str(arr, res->stdout_lines[i]);
}

/* Replace every "{build_dir}" in s by dir (sign.py's message texts). */
static char *
subst_build_dir(const char *s, const char *dir)
{
	static const char tag[] = "{build_dir}";
	const char *p;
	char *out, *o;
	size_t n = 0;

	for (p = s; (p = strstr(p, tag)) != NULL; p += sizeof(tag) - 1)
		n++;
	out = xmalloc(strlen(s) + n * strlen(dir) + 1);
	for (o = out, p = s; *p != '\0';) {
		if (strncmp(p, tag, sizeof(tag) - 1) == 0) {
			memcpy(o, dir, strlen(dir));
			o += strlen(dir);
			p += sizeof(tag) - 1;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* The last path element of name: west's inputs live in build/zephyr/. */
static const char *
base_name(const char *name)
{
	const char *s = strrchr(name, '/');

	return s != NULL ? s + 1 : name;
}

/*
 * Take what the key's rules judge from an engine's result and check the
 * stateless ones; west's two runs (bin, hex) must describe one image.
 * Engines that report no image facts leave nothing to judge.
 */
static int
image_rules(struct signctx *c, const struct engine_result *res)
{
	struct policy_image img;

	if (!res->has_image)
		return 0;
	memset(&img, 0, sizeof(img));
	img.signed_image = res->signed_image;
	snprintf(img.version, sizeof(img.version), "%s", res->version);
	snprintf(img.cid, sizeof(img.cid), "%s", res->cid);
	img.has_counter = res->has_counter;
	img.counter = res->counter;
	img.image_size = res->image_size;
	img.flash_size = res->flash_size;
	if (c->has_image && (strcmp(img.version, c->image.version) != 0 ||
	    strcmp(img.cid, c->image.cid) != 0 ||
	    img.counter != c->image.counter))
		return zs_errf(&c->eb, ZS_ERR_INVALID, "the outputs of one "
		    "request carry different versions or classes");
	c->image = img;
	c->has_image = 1;
	return security_check_image(c->job->sec, c->job->id, c->key, &img,
	    &c->eb);
}

/*
 * Build west sign's argv (ImgtoolSigner: imgtool's fixed options, the
 * extra args, IN OUT): ENGINE_F_WEST engines take imgtool's options.
 */
static char **
west_argv(const struct proto_sign_req *req, char fixed[][ARG_LEN_MAX],
    const char *in, const char *out, int *argcp)
{
	static const char *const opts[WEST_FIXED_ARGS / 2] = { "--version",
	    "--align", "--header-size", "--slot-size" };
	char **argv;
	int i, n = 0;

	argv = xcalloc((size_t)req->argc + WEST_FIXED_ARGS + 3,
	    sizeof(char *));
	for (i = 0; i < WEST_FIXED_ARGS / 2; i++) {
		argv[n++] = (char *)(uintptr_t)opts[i];
		argv[n++] = fixed[i];
	}
	for (i = 0; i < req->argc; i++)
		argv[n++] = req->argv[i];
	argv[n++] = (char *)(uintptr_t)in;
	argv[n++] = (char *)(uintptr_t)out;
	*argcp = n;
	return argv;
}

/*
 * sign.py's info lines; imgtool's stdout follows each run's pair of
 * lines, as sign.py lets it through.
 */
static void
west_info(struct signctx *c, const struct zephyr_imgtool_params *p,
    const char *const *fmts, const char *const *ins,
    const struct engine_result *res, size_t nruns)
{
	const char *dir = c->req->west.build_dir;
	char line[ZEPHYR_LINE_MAX + PROTO_BUILD_DIR_MAX + PROTO_NAME_MAX];
	size_t i;

	json_add_str(c->info, "=== image configuration:");
	snprintf(line, sizeof(line), "partition offset: %llu (0x%llx)",
	    (unsigned long long)p->partition_offset,
	    (unsigned long long)p->partition_offset);
	json_add_str(c->info, line);
	snprintf(line, sizeof(line), "partition size: %llu (0x%llx)",
	    (unsigned long long)p->slot_size, (unsigned long long)p->slot_size);
	json_add_str(c->info, line);
	snprintf(line, sizeof(line), "rom start offset: %u (0x%x)",
	    p->header_size, p->header_size);
	json_add_str(c->info, line);
	json_add_str(c->info, "=== signing binaries");
	for (i = 0; i < nruns; i++) {
		snprintf(line, sizeof(line), "unsigned %s: %s/zephyr/%s",
		    fmts[i], dir, base_name(ins[i]));
		json_add_str(c->info, line);
		snprintf(line, sizeof(line), "signed %s:   %s/zephyr/"
		    "zephyr.signed.%s", fmts[i], dir, fmts[i]);
		json_add_str(c->info, line);
		json_add_stdout(c->info, &res[i]);
	}
}

static int
sign_west(struct signctx *c)
{
	struct proto_sign_req *req = c->req;
	const struct engine_ops *e = req->engine;
	struct proto_west *w = &req->west;
	struct zephyr_imgtool_params p;
	void *a[WEST_RUNS] = { NULL, NULL };
	struct engine_result res[WEST_RUNS];
	struct engine_file files[ENGINE_FILES_MAX];
	struct kconfig *kc = NULL;
	const char *fmts[WEST_RUNS], *ins[WEST_RUNS];
	const char *names[2 * ENGINE_FILES_MAX], *innames[2 * ENGINE_FILES_MAX];
	const char *argkey = NULL;
	char outs[WEST_RUNS][32];
	char fixed[WEST_FIXED_ARGS / 2][ARG_LEN_MAX];
	char **argv = NULL, *s;
	size_t i, nruns = 0, nnames = 0, nin = 0, nfiles = 0;
	int argc, r;

	memset(&p, 0, sizeof(p));
	if ((r = kconfig_parse(w->config, w->config_len, &kc, &c->eb)) != 0 ||
	    (r = zephyr_imgtool_params(kc, w->dtb, w->dtb_len, &p,
	    &c->eb)) != 0)
		goto out;
	if (w->in_bin != NULL) {
		fmts[nruns] = "bin";
		ins[nruns++] = w->in_bin;
	}
	if (w->in_hex != NULL) {
		fmts[nruns] = "hex";
		ins[nruns++] = w->in_hex;
	}
	snprintf(fixed[0], ARG_LEN_MAX, "%s", p.version);
	snprintf(fixed[1], ARG_LEN_MAX, "%u", p.align);
	snprintf(fixed[2], ARG_LEN_MAX, "%u", p.header_size);
	snprintf(fixed[3], ARG_LEN_MAX, "%llu",
	    (unsigned long long)p.slot_size);
	for (i = 0; i < nruns; i++) {
		snprintf(outs[i], sizeof(outs[i]), "zephyr.signed.%s", fmts[i]);
		argv = west_argv(req, fixed, ins[i], outs[i], &argc);
		r = e->parse(argc, argv, &a[i], &c->eb);
		free(argv);
		if (r != 0 || (r = file_list(c, a[i], files, &nfiles)) != 0)
			goto out;
		file_names(files, nfiles, names, &nnames, innames, &nin,
		    &argkey);
	}
	if ((r = files_check(c, names, nnames, innames, nin)) != 0 ||
	    (r = key_resolve(c, argkey)) != 0)
		goto out;
	for (i = 0; i < (size_t)p.nwarnings && i < 4; i++) {
		s = subst_build_dir(p.warnings[i], w->build_dir);
		json_add_str(c->warnings, s);
		free(s);
	}
	hash_aside_start(c);
	for (i = 0; i < nruns; i++) {
		if ((r = e->sign(a[i], req->files, c->key, NULL, c->out,
		    &res[i], &c->eb)) != 0 ||
		    (r = image_rules(c, &res[i])) != 0)
			goto out;
		snprintf(c->version, sizeof(c->version), "%s",
		    res[i].version);
		if (i == 0)
			memcpy(c->digest, res[0].digest_hex,
			    sizeof(c->digest));
	}
	west_info(c, &p, fmts, ins, res, nruns);
	c->params = json_pack("{s:s,s:i,s:i,s:I,s:s,s:I}",
	    "version", p.version, "header_size", (int)p.header_size,
	    "align", (int)p.align, "slot_size", (json_int_t)p.slot_size,
	    "slot_size_source", p.slot_size_source != NULL ?
	    p.slot_size_source : "", "partition_offset",
	    (json_int_t)p.partition_offset);
	r = 0;
 out:
	for (i = 0; i < WEST_RUNS; i++)
		if (a[i] != NULL)
			e->free(a[i]);
	kconfig_free(kc);
	return r;
}

/*
 * Run the request's engine on its args: the files named must be the files
 * sent, the key is resolved (none when the image is never signed), then
 * the engine signs and its image facts meet the key's rules.
 */
static int
sign_args(struct signctx *c)
{
	struct proto_sign_req *req = c->req;
	const struct engine_ops *e = req->engine;
	struct engine_file files[ENGINE_FILES_MAX];
	const char *names[ENGINE_FILES_MAX], *innames[ENGINE_FILES_MAX];
	const char *argkey = NULL, *date = NULL;
	struct engine_result res;
	char today[sizeof("YYYY-MM-DD")];
	size_t n = 0, nnames = 0, nin = 0;
	void *a = NULL;
	struct tm tm;
	time_t now;
	int r, need;

	if ((r = e->parse(req->argc, req->argv, &a, &c->eb)) != 0 ||
	    (r = file_list(c, a, files, &n)) != 0 ||
	    (r = rimconf_resolve_files(c->job->configs, e->name, files, n,
	    req->files, &c->eb)) != 0)
		goto out;
	file_names(files, n, names, &nnames, innames, &nin, &argkey);
	if ((r = files_check(c, names, nnames, innames, nin)) != 0)
		goto out;
	/*
	 * rimage insists on -k even for i.MX, which is never signed; west
	 * sign passes a placeholder there, which names no server key.
	 */
	if ((r = engine_needs_key(e, a, req->files, &need, &c->eb)) != 0)
		goto out;
	c->unsigned_only = !need;
	if ((r = key_resolve(c, need ? argkey : NULL)) != 0)
		goto out;
	if ((e->flags & ENGINE_F_DATE) && (date = req->date) == NULL) {
		/* A build date stamped in: the default is today, UTC. */
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		date = today;
	}
	memset(&res, 0, sizeof(res));
	hash_aside_start(c);
	if ((r = e->sign(a, req->files, c->key, date, c->out, &res,
	    &c->eb)) != 0) {
		/* imgtool prints some lines before its late errors. */
		c->fail_lines = json_array();
		json_add_stdout(c->fail_lines, &res);
		goto out;
	}
	if ((r = image_rules(c, &res)) != 0)
		goto out;
	snprintf(c->digest, sizeof(c->digest), "%s", res.digest_hex);
	snprintf(c->version, sizeof(c->version), "%s", res.version);
	json_add_stdout(c->out_lines, &res);
	r = 0;
 out:
	if (a != NULL)
		e->free(a);
	return r;
}

/*
 * "name:sha256,..." of a fileset, the names escaped (zs_escape) for the
 * quoted value of a log field, cut to the log summary's size. The digests
 * are noted in fs, so the audit record does not hash the files again.
 */
static void
files_summary(struct fileset *fs, char *out, size_t outlen)
{
	const char *name;
	const uint8_t *d;
	char hex[65], qname[HANDLE_LOGNAME_MAX];
	size_t i, dl, hoff, hlen, o = 0;
	int n;

	out[0] = '\0';
	for (i = 0; fs != NULL && i < fileset_count(fs); i++) {
		if (fileset_at_unfilled(fs, i, &name, &d, &dl, &hoff,
		    &hlen) != 0 || fileset_sha256_note(fs, i) != 0 ||
		    fileset_sha256_hex(fs, i, hex) != 0)
			break;
		zs_escape(qname, sizeof(qname), name);
		n = snprintf(out + o, outlen - o, "%s%s:%s", i ? "," : "",
		    qname, hex);
		if (n < 0 || (size_t)n >= outlen - o)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(out, outlen, "-");
}

static char *
reply_dump(json_t *o)
{
	char *s;

	if ((s = json_dumps(o, JSON_COMPACT)) == NULL)
		fatalx("%s: out of memory", __func__);
	json_decref(o);
	return s;
}

/* The 200 reply's members but "files". */
static json_t *
reply_head(struct signctx *c)
{
	json_t *o, *key = json_null();

	if (c->key != NULL)
		key = json_pack("{s:s,s:s,s:s}", "name", zs_key_name(c->key),
		    "fingerprint", zs_key_fingerprint(c->key),
		    "type", zs_key_type_name(c->key));
	o = json_pack("{s:s,s:o,s:O,s:O,s:O}", "tool", c->req->tool_name,
	    "key", key, "info", c->info, "warnings", c->warnings, "stdout",
	    c->out_lines);
	if (o == NULL)
		fatalx("%s: out of memory", __func__);
	/* imgtool reports the image hash; rimage has none to report. */
	if (c->digest[0] != '\0')
		json_object_set_new(o, "digest", json_string(c->digest));
	if (c->params != NULL)
		json_object_set(o, "params", c->params);
	return o;
}

/* Copy the i-th output file's hole in (fileset_at_unfilled). */
static void
out_fill(struct signctx *c, size_t i)
{
	const uint8_t *d;
	const char *name;
	size_t dl;

	(void)fileset_at(c->out, i, &name, &d, &dl);
}

/*
 * The run of the i-th output file d[0..dl) that the engine noted as a
 * copy of an input (fileset_origin), extended as delta_find() would; its
 * input's name, or NULL when none was noted or it is too short to name.
 * A hole [hoff, hoff + hlen) in d is filled unless it lies in the run.
 */
static const char *
reply_origin(struct signctx *c, size_t i, const uint8_t *d, size_t dl,
    size_t hoff, size_t hlen, struct delta_run *runp)
{
	struct delta_run run;
	const char *iname;
	const uint8_t *id;
	size_t il;

	if (fileset_origin(c->out, i, &iname, &run.inoff, &run.outoff,
	    &run.len) != 0 || fileset_get(c->req->files, iname, &id, &il) != 0)
		return NULL;
	/* Within both files, and ending where the input ends. */
	if (run.inoff > il || run.len != il - run.inoff ||
	    run.outoff > dl || run.len > dl - run.outoff)
		return NULL;
	/* Only the bytes outside the run are read and sent. */
	if (hlen > 0 && (hoff < run.outoff || hlen > run.outoff + run.len -
	    hoff))
		out_fill(c, i);
	delta_extend(d, id, &run);
	if (run.len < DELTA_MIN)
		return NULL;
	*runp = run;
	return iname;
}

/*
 * The parts of the i-th output file d[0..dl) in the binary reply: a run of
 * one of the request's files (the engine's note, else the longest found)
 * between the bytes around it. The bytes to send are noted in
 * runs[0..*nrunsp) as (offset, length). d may have a hole [hoff, hoff +
 * hlen) (fileset_at_unfilled): it is filled unless the named run covers it.
 */
static json_t *
reply_parts(struct signctx *c, size_t fi, const uint8_t *d, size_t dl,
    size_t hoff, size_t hlen, size_t runs[2][2], size_t *nrunsp)
{
	struct delta_run best, run;
	const char *iname, *bestname;
	const uint8_t *id;
	json_t *parts;
	size_t i, il;
	int noted;

	memset(&best, 0, sizeof(best));
	/* A noted run spares the search through every input. */
	noted = (bestname = reply_origin(c, fi, d, dl, hoff, hlen, &best)) !=
	    NULL;
	if (!noted && hlen > 0)
		out_fill(c, fi);
	for (i = 0; !noted && i < fileset_count(c->req->files); i++)
		if (fileset_at(c->req->files, i, &iname, &id, &il) == 0 &&
		    delta_find(d, dl, id, il, &run) == 0 && run.len > best.len) {
			best = run;
			bestname = iname;
		}
	if ((parts = json_array()) == NULL)
		fatalx("%s: out of memory", __func__);
	*nrunsp = 0;
	if (bestname == NULL) {
		runs[0][0] = 0;
		runs[0][1] = dl;
		*nrunsp = 1;
		if (json_array_append_new(parts, json_pack("{s:I}", "data",
		    (json_int_t)dl)) != 0)
			fatalx("%s: out of memory", __func__);
		return parts;
	}
	if (best.outoff > 0) {
		runs[*nrunsp][0] = 0;
		runs[*nrunsp][1] = best.outoff;
		(*nrunsp)++;
		if (json_array_append_new(parts, json_pack("{s:I}", "data",
		    (json_int_t)best.outoff)) != 0)
			fatalx("%s: out of memory", __func__);
	}
	if (json_array_append_new(parts, json_pack("{s:s,s:I,s:I}", "input",
	    bestname, "offset", (json_int_t)best.inoff, "length",
	    (json_int_t)best.len)) != 0)
		fatalx("%s: out of memory", __func__);
	if (best.outoff + best.len < dl) {
		runs[*nrunsp][0] = best.outoff + best.len;
		runs[*nrunsp][1] = dl - best.outoff - best.len;
		(*nrunsp)++;
		if (json_array_append_new(parts, json_pack("{s:I}", "data",
		    (json_int_t)runs[*nrunsp - 1][1])) != 0)
			fatalx("%s: out of memory", __func__);
	}
	return parts;
}

/*
 * The 200 reply in the binary form (PROTOCOL.md 5.8): the JSON head, whose
 * "files" give each output file's parts, a newline, then the bytes of its
 * "data" parts: what the client holds already is only named.
 */
static char *
reply_sign_bin(struct signctx *c, size_t *lenp)
{
	size_t i, k, n = fileset_count(c->out), dl, hl, total, hoff, hlen;
	size_t (*runs)[2][2], *nruns;
	json_t *o, *files;
	const uint8_t *d;
	const char *name;
	char *head, *out, *p;

	o = reply_head(c);
	if ((files = json_object()) == NULL ||
	    json_object_set_new(o, "files", files) != 0)
		fatalx("%s: out of memory", __func__);
	runs = xcalloc(n + 1, sizeof(*runs));
	nruns = xcalloc(n + 1, sizeof(*nruns));
	total = 0;
	for (i = 0; i < n; i++) {
		(void)fileset_at_unfilled(c->out, i, &name, &d, &dl, &hoff,
		    &hlen);
		if (json_object_set_new(files, name, reply_parts(c, i, d, dl,
		    hoff, hlen, runs[i], &nruns[i])) != 0) {
			json_decref(o);
			out = NULL;
			goto out;
		}
		for (k = 0; k < nruns[i]; k++)
			total += runs[i][k][1];
	}
	head = reply_dump(o);
	hl = strlen(head);
	out = p = xmalloc(hl + 1 + total);
	memcpy(p, head, hl);
	p += hl;
	*p++ = '\n';
	free(head);
	for (i = 0; i < n; i++) {
		/* The parts sent lie outside any hole left. */
		(void)fileset_at_unfilled(c->out, i, &name, &d, &dl, &hoff,
		    &hlen);
		for (k = 0; k < nruns[i]; k++) {
			memcpy(p, d + runs[i][k][0], runs[i][k][1]);
			p += runs[i][k][1];
		}
	}
	*lenp = (size_t)(p - out);
 out:
	free(runs);
	free(nruns);
	return out;
}

/*
 * The 200 reply. The files are spliced in as text: base64 needs no JSON
 * escaping, and jansson's character-by-character dump of megabytes of it
 * cost more than the signing; they are encoded straight into the reply.
 * NULL if an output name is not valid UTF-8.
 */
static char *
reply_sign(struct signctx *c)
{
	static const char filestag[] = ",\"files\":{";
	size_t i, n = fileset_count(c->out), dl, total, hl, ql;
	json_t *js;
	char *head, **qnames, *out = NULL, *p;
	const char *name;
	const uint8_t *d;

	head = reply_dump(reply_head(c));
	hl = strlen(head) - 1;		/* without the closing brace */
	qnames = xcalloc(n + 1, sizeof(char *));
	total = hl + sizeof(filestag) + 2;
	for (i = 0; i < n; i++) {
		if (fileset_at(c->out, i, &name, &d, &dl) != 0 ||
		    (js = json_string(name)) == NULL)
			goto out;
		qnames[i] = json_dumps(js, JSON_ENCODE_ANY);
		json_decref(js);
		if (qnames[i] == NULL)
			fatalx("%s: out of memory", __func__);
		total += strlen(qnames[i]) + ZS_B64_LEN(dl) + 4;
	}
	out = p = xmalloc(total);
	memcpy(p, head, hl);
	p += hl;
	memcpy(p, filestag, sizeof(filestag) - 1);
	p += sizeof(filestag) - 1;
	for (i = 0; i < n; i++) {
		(void)fileset_at(c->out, i, &name, &d, &dl);
		if (i > 0)
			*p++ = ',';
		ql = strlen(qnames[i]);
		memcpy(p, qnames[i], ql);
		p += ql;
		*p++ = ':';
		*p++ = '"';
		p += zs_b64_encode_to(d, dl, p);
		*p++ = '"';
	}
	memcpy(p, "}}", 3);
 out:
	for (i = 0; i < n; i++)
		free(qnames[i]);
	free(qnames);
	free(head);
	return out;
}

void
handle_answer_len(struct sign_job *job, int r, char **replyp, size_t len,
    const char *type, const char *msg)
{
	job->code = r;
	if (r == 0) {
		job->reply = *replyp;
		job->reply_len = len;
		job->reply_type = type;
		*replyp = NULL;
		job->status = 200;
	} else {
		/* It may quote client bytes (member and file names). */
		zs_escape(job->msg, sizeof(job->msg), msg);
		job->status = proto_http_status(r);
		job->reply = proto_error_body(r, msg);
		job->reply_len = strlen(job->reply);
		job->reply_type = "application/json";
	}
	free(*replyp);
	*replyp = NULL;
}

void
handle_answer(struct sign_job *job, int r, char **replyp, const char *msg)
{
	handle_answer_len(job, r, replyp, r == 0 && *replyp != NULL ?
	    strlen(*replyp) : 0, "application/json", msg);
}

/* Add what the tool printed before it failed to job's error reply. */
static void
error_add_stdout(struct sign_job *job, json_t *lines)
{
	json_t *o;

	if ((o = json_loadb(job->reply, job->reply_len, 0, NULL)) == NULL ||
	    json_object_set(o, "stdout", lines) != 0)
		fatalx("%s: cannot extend the error reply", __func__);
	free(job->reply);
	job->reply = reply_dump(o);
	job->reply_len = strlen(job->reply);
}

/* Write the request's audit line; on failure c->eb says why. */
static int
handle_audit(struct signctx *c, int code, const struct timespec *t0)
{
	struct security_outcome o;
	struct zs_errbuf aeb;
	struct timespec t;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t);
	memset(&o, 0, sizeof(o));
	o.tool = c->req != NULL ? c->req->tool_name : NULL;
	o.key = c->key;
	o.inputs = c->req != NULL ? c->req->files : NULL;
	o.outputs = c->out;
	o.version = c->version[0] != '\0' ? c->version : NULL;
	o.image = c->has_image ? &c->image : NULL;
	o.code = code;
	o.message = code != 0 ? c->eb.msg : NULL;
	o.request = c->job->approval;
	o.ms = (long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
	if ((r = security_audit(c->job->sec, c->job->id, &o, &aeb)) == 0)
		return 0;
	log_warnx("%s", aeb.msg);
	if (code == 0)
		zs_errf(&c->eb, r, "%s", aeb.msg);
	return r;
}

/* The image version an imgtool request asks for, if it names one. */
static const char *
request_version(const struct proto_sign_req *req)
{
	size_t i;

	for (i = 0; req->argc > 0 && i + 1 < (size_t)req->argc; i++)
		if (strcmp(req->argv[i], "--version") == 0 ||
		    strcmp(req->argv[i], "-v") == 0)
			return req->argv[i + 1];
	return NULL;
}

/* Hold the request until its key's approvals are in: a 202 reply. */
static void
handle_hold(struct signctx *c)
{
	struct sign_job *job = c->job;
	char *reply = NULL;
	int r;

	r = security_hold(job->sec, job->id, c->key, c->req->tool_name,
	    c->req->files, request_version(c->req), job->body, job->len,
	    job->bin_in, &reply, &c->eb);
	handle_answer(job, r, &reply, c->eb.msg);
	if (r == 0)
		job->status = 202;
}

void
handle_sign(struct sign_job *job)
{
	struct signctx c;
	struct timespec t0;
	char *reply = NULL;
	const uint8_t *od;
	const char *oname;
	size_t i, olen, hoff, hlen, rlen = 0;
	int r, ar;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&c, 0, sizeof(c));
	c.job = job;
	snprintf(job->key, sizeof(job->key), "-");
	snprintf(job->tool, sizeof(job->tool), "-");
	snprintf(job->in, sizeof(job->in), "-");
	snprintf(job->out, sizeof(job->out), "-");
	c.out = fileset_new();
	/* The outputs are freed before the request, whose inputs fill them. */
	fileset_allow_holes(c.out);
	c.info = json_array();
	c.warnings = json_array();
	c.out_lines = json_array();
	if ((r = (job->bin_in ? proto_sign_parse_bin : proto_sign_parse)(
	    job->body, job->len, job->max, &c.req, &c.eb)) != 0)
		goto out;
	snprintf(job->tool, sizeof(job->tool), "%s", c.req->tool_name);
	/* An explicit key is checked before the tool's arguments. */
	if ((c.req->key != NULL || c.req->key_fp != NULL) &&
	    (r = key_resolve(&c, NULL)) != 0)
		goto out;
	if ((r = (c.req->has_west ? sign_west : sign_args)(&c)) != 0)
		goto out;
	if (job->bin_out)
		reply = reply_sign_bin(&c, &rlen);
	else if ((reply = reply_sign(&c)) != NULL)
		rlen = strlen(reply);
	if (reply == NULL) {
		r = zs_errf(&c.eb, ZS_ERR_INTERNAL, "an output name is not "
		    "valid UTF-8");
		goto out;
	}
	/* Held until written: it must fit the memory budget (audited). */
	if (job->reserve != NULL &&
	    (r = job->reserve(job->reserve_arg, rlen, &c.eb)) != 0)
		goto out;
	job->reserved = job->reserve != NULL ? rlen : 0;
	r = 0;
 out:
	if (r != 0 && r != HANDLE_HELD && c.eb.msg[0] == '\0')
		zs_errf(&c.eb, r, "%s", zs_strerror(r));
	hash_aside_end(&c);
	/* Hashed once for the log line and the audit record (noted). */
	if (c.req != NULL && log_getlevel() >= ZS_LOG_INFO)
		files_summary(c.req->files, job->in, sizeof(job->in));
	if (r == 0 && log_getlevel() >= ZS_LOG_INFO)
		files_summary(c.out, job->out, sizeof(job->out));
	/* Fail closed: no image leaves before its audit line is on disk. */
	if (r != HANDLE_HELD && (ar = handle_audit(&c, r, &t0)) != 0 &&
	    r == 0) {
		r = ar;
		snprintf(job->out, sizeof(job->out), "-");
	}
	if (r == 0)
		for (i = 0; i < fileset_count(c.out); i++)
			if (fileset_at_unfilled(c.out, i, &oname, &od, &olen,
			    &hoff, &hlen) == 0)
				job->out_bytes += olen;
	if (r == HANDLE_HELD)
		handle_hold(&c);
	else if (r == 0 && job->bin_out)
		handle_answer_len(job, r, &reply, rlen, PROTO_BIN_TYPE,
		    c.eb.msg);
	else {
		handle_answer(job, r, &reply, c.eb.msg);
		if (r != 0 && json_array_size(c.fail_lines) > 0)
			error_add_stdout(job, c.fail_lines);
	}
	json_decref(c.fail_lines);
	json_decref(c.params);
	json_decref(c.info);
	json_decref(c.warnings);
	json_decref(c.out_lines);
	fileset_free(c.out);
	proto_sign_free(c.req);
}

char *
handle_health(const struct keyring *kr, const char *audit,
    const char *audit_error, const char *state, const char *state_error,
    unsigned long generation, int *statusp)
{
	size_t i, n = keyring_count(kr), avail = 0;
	struct zs_key *k;
	json_t *down;
	int ok;

	/*
	 * A token that is unplugged makes its key unavailable: say which.
	 * On the event loop: what is known now, never waiting for a helper.
	 */
	down = json_array();
	for (i = 0; i < n; i++) {
		k = keyring_at(kr, i);
		if (zs_key_status(k)) {
			avail++;
			continue;
		}
		json_array_append_new(down, json_pack("{s:s,s:s,s:s?}",
		    "name", zs_key_name(k), "backend", zs_key_backend(k),
		    "location", zs_key_location(k)));
	}
	ok = strcmp(audit, "failing") != 0 && (n == 0 || avail > 0);
	*statusp = ok ? 200 : 503;
	/*
	 * An unreachable state store stays a 200: keys without rules that
	 * keep state still sign, so the replica must stay in service.
	 */
	return reply_dump(json_pack("{s:s,s:s,s:I,s:I,s:o,s:s,s:s*,s:s,s:s*,"
	    "s:I}", "status", ok ? "ok" : "degraded", "version",
	    PACKAGE_VERSION, "keys", (json_int_t)n, "keys_available",
	    (json_int_t)avail, "unavailable", down, "audit", audit,
	    "audit_error", audit_error[0] != '\0' ? audit_error : NULL,
	    "state", state, "state_error", state_error, "config",
	    (json_int_t)generation));
}

/* The public key as PEM text (SubjectPublicKeyInfo); malloc'd. */
static char *
key_public_pem(struct zs_key *key)
{
	BIO *bio;
	char *p, *s;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		fatalx("%s: out of memory", __func__);
	if (PEM_write_bio_PUBKEY(bio, zs_key_public(key)) != 1)
		n = 0;
	else
		n = BIO_get_mem_data(bio, &p);
	s = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(s, p, (size_t)n);
	s[n] = '\0';
	BIO_free(bio);
	return s;
}

char *
handle_keys(const struct keyring *kr)
{
	struct zs_key *k;
	json_t *arr, *o;
	size_t i;
	char *pem;

	arr = json_array();
	for (i = 0; i < keyring_count(kr); i++) {
		k = keyring_at(kr, i);
		pem = key_public_pem(k);
		o = json_pack("{s:s,s:s,s:i,s:s,s:s,s:b,s:s}", "name",
		    zs_key_name(k), "type", zs_key_type_name(k), "bits",
		    zs_key_bits(k), "fingerprint", zs_key_fingerprint(k),
		    "backend", zs_key_backend(k), "available",
		    zs_key_status(k), "public_key_pem", pem);
		/* An earlier version: for verifying only. */
		if (zs_key_successor(k) != NULL)
			json_object_set_new(o, "superseded_by",
			    json_string(zs_key_successor(k)));
		json_array_append_new(arr, o);
		free(pem);
	}
	return reply_dump(json_pack("{s:o}", "keys", arr));
}

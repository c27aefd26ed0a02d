/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client sign`: Zephyr's `west sign -t imgtool` with the signing
 * done by zsignd. The client checks the build directory and picks the
 * outputs as sign.py does, compiles zephyr.dts with dtc and sends .config
 * and the blob; the server derives the imgtool parameters and signs.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/engine.h"
#include "lib/mcuboot/mcuboot.h"
#include "lib/zephyr.h"

/* Longest build directory path handled. */
#define WEST_PATH_MAX		4096
/* Largest CMakeCache.txt read (real ones are ~100 KiB). */
#define WEST_CMAKECACHE_MAX	(16u * 1024 * 1024)
/* Most dtc diagnostics shown when it fails. */
#define WEST_DTC_ERR_MAX	2048
/* Tool arguments after "--", as imgtool accepts at most. */
#define WEST_TOOL_ARGS_MAX	(MCUBOOT_ARGS_MAX - 16)

/* dtc as Zephyr runs it; warnings are not errors. */
static const char *const west_dtc_argv[] = {
	"dtc", "-@", "-I", "dts", "-O", "dtb", "-E", "unit_address_vs_reg",
	"-Wno-unique_unit_address", "-Wunique_unit_address_if_enabled",
};
#define WEST_DTC_NARGS	(sizeof(west_dtc_argv) / sizeof(west_dtc_argv[0]))

/*
 * Messages sign.py raises through check_force() (the rest are die()):
 * they print as ERROR plus the "refusing to proceed" line.
 */
static const char *const west_forceable[] = {
	"build .config is missing a ",
	"no such build directory ",
	"build directory ",
	"--bin given but ",
	"--hex given but ",
};

enum west_optkind { WEST_FLAG, WEST_VALUE, WEST_TOGGLE };

struct west_opts {
	const char	*build_dir;
	const char	*tool;
	const char	*tool_path;
	const char	*tool_data;
	const char	*sbin;
	const char	*shex;
	const char	*key;
	const char	*server;
	int		 quiet;
	int		 force;
	int		 if_tool_available;
	int		 gen_bin;	/* -1 unset, 0 --no-bin, 1 --bin */
	int		 gen_hex;
	char		*tool_args[WEST_TOOL_ARGS_MAX];
	int		 ntool_args;
};

static const struct west_optdef {
	const char		*s, *l, *nl;	/* -x, --long, --no-long */
	enum west_optkind	 kind;
	size_t			 off;
} west_optdefs[] = {
	{ "-d", "--build-dir", NULL, WEST_VALUE,
	    offsetof(struct west_opts, build_dir) },
	{ "-q", "--quiet", NULL, WEST_FLAG, offsetof(struct west_opts, quiet) },
	{ "-f", "--force", NULL, WEST_FLAG, offsetof(struct west_opts, force) },
	{ "-t", "--tool", NULL, WEST_VALUE, offsetof(struct west_opts, tool) },
	{ "-p", "--tool-path", NULL, WEST_VALUE,
	    offsetof(struct west_opts, tool_path) },
	{ "-D", "--tool-data", NULL, WEST_VALUE,
	    offsetof(struct west_opts, tool_data) },
	{ NULL, "--if-tool-available", NULL, WEST_FLAG,
	    offsetof(struct west_opts, if_tool_available) },
	{ NULL, "--bin", "--no-bin", WEST_TOGGLE,
	    offsetof(struct west_opts, gen_bin) },
	{ "-B", "--sbin", NULL, WEST_VALUE, offsetof(struct west_opts, sbin) },
	{ NULL, "--hex", "--no-hex", WEST_TOGGLE,
	    offsetof(struct west_opts, gen_hex) },
	{ "-H", "--shex", NULL, WEST_VALUE, offsetof(struct west_opts, shex) },
	{ "-k", "--key", NULL, WEST_VALUE, offsetof(struct west_opts, key) },
	{ "-s", "--server", NULL, WEST_VALUE,
	    offsetof(struct west_opts, server) },
};
#define WEST_NOPTDEFS	(sizeof(west_optdefs) / sizeof(west_optdefs[0]))

static const char west_usage[] =
"usage: zsign-client sign [-d BUILD_DIR] -t imgtool [-q] [-f] [--bin|--no-bin]\n"
"                         [-B FILE] [--hex|--no-hex] [-H FILE] [-k KEY]\n"
"                         [-s unix:PATH] [-- TOOL_ARGS...]\n"
"       zsign-client sign [-d BUILD_DIR] -t rimage [-q] [-f] [-D CONFIG_DIR]\n"
"                         [--if-tool-available] [-- RIMAGE_ARGS...]\n"
"  -D zsign:NAME: the server's rimage config NAME (-D zsign: the target's)\n";

/* Store one option's value; *aip advances past a separate value. */
static int
west_opt_set(struct west_opts *o, const struct west_optdef *d, int no,
    const char *inl, int argc, char **argv, int *aip, struct zs_errbuf *eb)
{
	void *field = (char *)o + d->off;

	switch (d->kind) {
	case WEST_FLAG:
	case WEST_TOGGLE:
		if (inl != NULL)
			return zs_errf(eb, ZS_ERR_USAGE, "argument %s: ignored "
			    "explicit argument '%s'", d->l, inl);
		*(int *)field = d->kind == WEST_FLAG ? 1 : !no;
		return 0;
	case WEST_VALUE:
		if (inl == NULL) {
			if (*aip + 1 >= argc)
				return zs_errf(eb, ZS_ERR_USAGE, "argument "
				    "%s%s%s: expected one argument",
				    d->s ? d->s : "", d->s ? "/" : "", d->l);
			inl = argv[++*aip];
		}
		*(const char **)field = inl;
		return 0;
	}
	return zs_errf(eb, ZS_ERR_INTERNAL, "bad option table");
}

struct west_state;
static int	west_sign_imgtool(struct cli *, const struct west_opts *,
		    struct west_state *, const int [2]);
static int	west_sign_rimage(struct cli *, const struct west_opts *,
		    struct west_state *, const int [2]);

/*
 * West sign's signers (sign.py), each by the engine it signs with: -t
 * names the engine; a tool without a west signer is no -t choice.
 */
static const struct {
	const struct engine_ops	*engine;
	int			(*sign)(struct cli *, const struct west_opts *,
				    struct west_state *, const int [2]);
} west_signers[] = {
	{ &engine_mcuboot,	west_sign_imgtool },
	{ &engine_rimage,	west_sign_rimage },
};

/* West's argparse message for a -t that names no signer. */
static int
west_tool_check(const char *tool, struct zs_errbuf *eb)
{
	char names[ENGINE_NAMES_MAX];
	size_t i, o = 0;
	int n;

	for (i = 0; i < sizeof(west_signers) / sizeof(west_signers[0]); i++)
		if (strcmp(tool, west_signers[i].engine->name) == 0)
			return 0;
	names[0] = '\0';
	for (i = 0; i < sizeof(west_signers) / sizeof(west_signers[0]); i++) {
		n = snprintf(names + o, sizeof(names) - o, "%s'%s'",
		    i > 0 ? ", " : "", west_signers[i].engine->name);
		if (n < 0 || (size_t)n >= sizeof(names) - o)
			break;
		o += (size_t)n;
	}
	return zs_errf(eb, ZS_ERR_USAGE, "argument -t/--tool: invalid "
	    "choice: '%s' (choose from %s)", tool, names);
}

/* Parse argv (argv[0] = "sign") the way west's argparse parser does. */
static int
west_opts_parse(int argc, char **argv, struct west_opts *o,
    struct zs_errbuf *eb)
{
	const struct west_optdef *d;
	const char *a, *eq, *p;
	size_t i, ll;
	int ai, r, no, all = 0;

	memset(o, 0, sizeof(*o));
	o->gen_bin = o->gen_hex = -1;
	for (ai = 1; ai < argc; ai++) {
		a = argv[ai];
		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0') {
			/* After "--" everything is a tool argument. */
			all = all || strcmp(a, "--") == 0;
			for (ai += strcmp(a, "--") == 0; ai < argc &&
			    (all || argv[ai][0] != '-'); ai++) {
				if (o->ntool_args == WEST_TOOL_ARGS_MAX)
					return zs_errf(eb, ZS_ERR_USAGE,
					    "too many tool arguments");
				o->tool_args[o->ntool_args++] = argv[ai];
			}
			ai--;
			continue;
		}
		if (a[1] == '-') {
			ll = (eq = strchr(a, '=')) ? (size_t)(eq - a) : strlen(a);
			for (i = 0; i < WEST_NOPTDEFS; i++) {
				d = &west_optdefs[i];
				no = d->nl != NULL && strlen(d->nl) == ll &&
				    strncmp(a, d->nl, ll) == 0;
				if (no || (strlen(d->l) == ll &&
				    strncmp(a, d->l, ll) == 0))
					break;
			}
			if (i == WEST_NOPTDEFS)
				return zs_errf(eb, ZS_ERR_USAGE, "unrecognized "
				    "arguments: %s", a);
			if ((r = west_opt_set(o, d, no, eq ? eq + 1 : NULL, argc,
			    argv, &ai, eb)) != 0)
				return r;
			continue;
		}
		/* Short options: "-q", "-qf" (a bundle of flags), "-dDIR". */
		for (p = a + 1; *p != '\0'; p++) {
			for (i = 0; i < WEST_NOPTDEFS; i++)
				if (west_optdefs[i].s != NULL &&
				    west_optdefs[i].s[1] == *p)
					break;
			if (i == WEST_NOPTDEFS)
				return zs_errf(eb, ZS_ERR_USAGE, "unrecognized "
				    "arguments: %s", a);
			d = &west_optdefs[i];
			if (d->kind == WEST_VALUE) {
				r = west_opt_set(o, d, 0, p[1] ? p + 1 : NULL, argc,
				    argv, &ai, eb);
				if (r != 0)
					return r;
				break;
			}
			if ((r = west_opt_set(o, d, 0, NULL, argc, argv, &ai,
			    eb)) != 0)
				return r;
		}
	}
	if (o->tool != NULL)
		return west_tool_check(o->tool, eb);
	return 0;
}

/* Normalise path against the current directory, as os.path.abspath. */
static int
west_abspath(const char *path, char *out, size_t outlen, struct zs_errbuf *eb)
{
	char cwd[WEST_PATH_MAX], *tmp, *p, *save = NULL;
	size_t n = 0;

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return zs_errf(eb, ZS_ERR_IO, "getcwd: %s", strerror(errno));
	tmp = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	out[0] = '\0';
	for (p = strtok_r(tmp, "/", &save); p != NULL;
	    p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			while (n > 0 && out[--n] != '/')
				;
			out[n] = '\0';
			continue;
		}
		if (n + 1 + strlen(p) + 1 > outlen) {
			free(tmp);
			return zs_errf(eb, ZS_ERR_USAGE, "path too long: %s",
			    path);
		}
		n += (size_t)snprintf(out + n, outlen - n, "/%s", p);
	}
	if (n == 0)
		snprintf(out, outlen, "/");
	free(tmp);
	return 0;
}

/* Replace every "{build_dir}" in line with build_dir (malloc'd). */
static char *
west_subst(const char *line, const char *build_dir)
{
	static const char key[] = "{build_dir}";
	struct buf *b = buf_new(0);
	const char *p;
	char *s;
	size_t len;

	while ((p = strstr(line, key)) != NULL) {
		(void)buf_put(b, line, (size_t)(p - line));
		(void)buf_put_str(b, build_dir);
		line = p + sizeof(key) - 1;
	}
	(void)buf_put_str(b, line);
	(void)buf_put_u8(b, 0);
	s = (char *)buf_steal(b, &len);
	buf_free(b);
	return s;
}

/* Print a sign.py error: check_force() ones get the "refusing" line. */
static int
west_error(const struct west_opts *o, int code, const char *msg)
{
	char *safe = cli_term(msg);
	size_t i;

	for (i = 0; i < sizeof(west_forceable) / sizeof(west_forceable[0]);
	    i++)
		if (code == ZS_ERR_BUILD && strncmp(msg, west_forceable[i],
		    strlen(west_forceable[i])) == 0) {
			fprintf(stderr, "ERROR: %s\nFATAL ERROR: refusing to "
			    "proceed without --force due to above error\n",
			    safe);
			free(safe);
			return CLI_EXIT_FAIL;
		}
	fprintf(stderr, "FATAL ERROR: %s\n", safe);
	free(safe);
	return code == ZS_ERR_BUILD ? CLI_EXIT_FAIL : cli_exit_code(code);
}

/* sign.py's check_force(): a fault only --force lets through. */
static int
west_check_force(const struct west_opts *o, int cond, struct zs_errbuf *eb)
{
	if (cond || o->force)
		return 0;
	return ZS_ERR_BUILD;
}

/* Read a file of the build directory; absent is ZS_ERR_NOT_FOUND. */
static int
west_read(const char *dir, const char *rel, size_t max, char **pathp,
    uint8_t **datap, size_t *lenp, struct zs_errbuf *eb)
{
	char *path;
	int r;

	path = xasprintf("%s/%s", dir, rel);
	if ((r = zs_file_read(path, max, datap, lenp)) != 0 &&
	    r != ZS_ERR_NOT_FOUND)
		zs_errf(eb, r, "cannot read %s: %s", path, r == ZS_ERR_IO ?
		    strerror(errno) : zs_strerror(r));
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return r;
}

/* Compile dts with dtc into *dtbp; dtc's diagnostics only on failure. */
static int
west_dtc(const char *dts, uint8_t **dtbp, size_t *lenp, struct zs_errbuf *eb)
{
	const char *argv[WEST_DTC_NARGS + 2];
	struct buf *out;
	FILE *errf;
	char errtext[WEST_DTC_ERR_MAX], chunk[65536], *nl;
	ssize_t n;
	size_t i, elen;
	pid_t pid;
	int pfd[2], status, r = ZS_ERR_BUILD, toobig = 0;

	for (i = 0; i < WEST_DTC_NARGS; i++)
		argv[i] = west_dtc_argv[i];
	argv[i++] = dts;
	argv[i] = NULL;
	if ((errf = tmpfile()) == NULL)
		return zs_errf(eb, ZS_ERR_IO, "tmpfile: %s", strerror(errno));
	if (pipe(pfd) == -1) {
		fclose(errf);
		return zs_errf(eb, ZS_ERR_IO, "pipe: %s", strerror(errno));
	}
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		fclose(errf);
		return zs_errf(eb, ZS_ERR_IO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (dup2(pfd[1], STDOUT_FILENO) == -1 ||
		    dup2(fileno(errf), STDERR_FILENO) == -1)
			_exit(127);
		close(pfd[0]);
		close(pfd[1]);
		execv(ZS_DTC_PATH, (char *const *)argv);
		execvp("dtc", (char *const *)argv);
		fprintf(stderr, "cannot run dtc: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	out = buf_new(ZEPHYR_DTB_MAX);
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		if (!toobig && buf_put(out, chunk, (size_t)n) != 0) {
			toobig = 1;
			kill(pid, SIGTERM);
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (toobig) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "devicetree blob from %s "
		    "exceeds %u bytes", dts, ZEPHYR_DTB_MAX);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    buf_len(out) == 0) {
		rewind(errf);
		elen = fread(errtext, 1, sizeof(errtext) - 1, errf);
		errtext[elen] = '\0';
		while (elen > 0 && errtext[elen - 1] == '\n')
			errtext[--elen] = '\0';
		/* One line on stderr: the first diagnostic. */
		if ((nl = strchr(errtext, '\n')) != NULL)
			*nl = '\0';
		r = zs_errf(eb, ZS_ERR_BUILD, "dtc failed on %s: %s", dts,
		    errtext[0] ? errtext : "no output");
		goto out;
	}
	*dtbp = buf_steal(out, lenp);
	r = 0;
 out:
	buf_free(out);
	fclose(errf);
	return r;
}

/*
 * Which key signs: -k of zsign-client, else -k/--key among the tool
 * arguments. Other input files those arguments name are uploaded, and
 * imgtool's option syntax is checked before anything is sent.
 */
static int
west_tool_args(const struct west_opts *o, json_t *req, json_t *files,
    struct zs_errbuf *eb)
{
	/* Stand-ins for what the server fills in, so the parser sees a
	 * complete imgtool command line; later options override them. */
	static const char *const pre[] = { "--version", "0.0.0",
	    "--header-size", "32", "--slot-size", "0x100000" };
	static const char *const post[] = { "zsign-west-in.bin",
	    "zsign-west-out.bin" };
	char *argv[MCUBOOT_ARGS_MAX];
	struct mcuboot_args *args = NULL;
	const struct mcuboot_fileref *refs;
	size_t npre = sizeof(pre) / sizeof(pre[0]), i, n;
	int argc = 0, r;

	for (i = 0; i < npre; i++)
		argv[argc++] = (char *)pre[i];
	for (i = 0; i < (size_t)o->ntool_args; i++)
		argv[argc++] = o->tool_args[i];
	argv[argc++] = (char *)post[0];
	argv[argc++] = (char *)post[1];
	if ((r = mcuboot_args_parse(argc, argv, &args, eb)) != 0)
		return r;
	n = mcuboot_args_files(args, &refs);
	for (i = 0; i < n && r == 0; i++) {
		if (refs[i].argi < (int)npre ||
		    refs[i].argi >= (int)npre + o->ntool_args)
			continue;
		switch (refs[i].role) {
		case MCUBOOT_IN_KEY:
			if (o->key == NULL)
				r = cli_key_resolve(refs[i].name, req, eb);
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
		default:
			r = zs_errf(eb, ZS_ERR_USAGE, "tool argument %s "
			    "cannot be used with zsign-client sign",
			    refs[i].name);
			break;
		}
	}
	mcuboot_args_free(args);
	if (r == 0 && o->key != NULL)
		r = cli_key_resolve(o->key, req, eb);
	return r;
}

/* What one run works with; freed by west_state_free(). */
struct west_state {
	char		 build_dir[WEST_PATH_MAX];
	uint8_t		*cache;
	size_t		 cachelen;
	uint8_t		*config;
	size_t		 configlen;
	struct kconfig	*kc;
	uint8_t		*dtb;
	size_t		 dtblen;
	int		 fmt_bin, fmt_hex;
	json_t		*req, *files, *west, *inputs, *reply;
};

static void
west_state_free(struct west_state *st)
{
	free(st->cache);
	free(st->config);
	kconfig_free(st->kc);
	free(st->dtb);
	json_decref(st->reply);
	json_decref(st->inputs);
	json_decref(st->west);
	json_decref(st->files);
	json_decref(st->req);
}

/*
 * An input is missing: sign.py reports that only after the .config and
 * devicetree checks and the MCUboot warning, so run those first; when
 * they fail the server reports them (--force does not skip a missing
 * input: sign.py dies on it). Returns 1 when the input error stands
 * (already printed), else 0.
 */
static int
west_missing_input(const struct west_opts *o, struct west_state *st,
    const char *path)
{
	struct zephyr_imgtool_params p;
	struct zs_errbuf eb = { 0 };
	char *line;
	int i;

	if (zephyr_imgtool_params(st->kc, st->dtb, st->dtblen, &p, &eb) != 0)
		return 0;
	for (i = 0; i < p.nwarnings; i++) {
		line = west_subst(p.warnings[i], st->build_dir);
		fprintf(stderr, "WARNING: %s\n", line);
		free(line);
	}
	fprintf(stderr, "FATAL ERROR: no unsigned .%s found at %s\n",
	    strrchr(path, '.') + 1, path);
	return 1;
}

/* Print the reply's warnings and (unless -q) its info lines. */
static void
west_print_reply(const struct west_opts *o, const struct west_state *st)
{
	json_t *v;
	size_t i;
	const char *s;
	char *line, *safe;

	json_array_foreach(json_object_get(st->reply, "warnings"), i, v) {
		if ((s = json_string_value(v)) == NULL)
			continue;
		line = west_subst(s, st->build_dir);
		safe = cli_term(line);
		fprintf(stderr, "WARNING: %s\n", safe);
		free(safe);
		free(line);
	}
	if (o->quiet)
		return;
	json_array_foreach(json_object_get(st->reply, "info"), i, v) {
		if ((s = json_string_value(v)) == NULL)
			continue;
		/* The server cannot know -B/-H: show where files go. */
		if (o->sbin != NULL && strncmp(s, "signed bin:", 11) == 0)
			printf("signed bin:   %s\n", o->sbin);
		else if (o->shex != NULL && strncmp(s, "signed hex:", 11) == 0)
			printf("signed hex:   %s\n", o->shex);
		else {
			line = west_subst(s, st->build_dir);
			safe = cli_term(line);
			printf("%s\n", safe);
			free(safe);
			free(line);
		}
	}
	fflush(stdout);
}

/* West sign's RimageSigner, mostly on the client (cli-west-rimage.c). */
static int
west_sign_rimage(struct cli *c, const struct west_opts *o,
    struct west_state *st, const int fmt[2])
{
	struct west_rimage wr = { st->build_dir, (const char *)st->cache,
	    st->cachelen, st->kc, o->tool_data, o->tool_args, o->ntool_args,
	    o->quiet, o->if_tool_available };

	return west_rimage_sign(c, &wr);
}

static int
west_run(struct cli *c, const struct west_opts *o, struct west_state *st)
{
	struct zs_errbuf eb = { 0 };
	struct stat sb;
	static const char *const ext[2] = { "bin", "hex" };
	size_t i;
	int fmt[2], r;

	if ((r = west_abspath(o->build_dir ? o->build_dir : ".",
	    st->build_dir, sizeof(st->build_dir), &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	if (o->build_dir == NULL && (west_read(st->build_dir,
	    "CMakeCache.txt", WEST_CMAKECACHE_MAX, NULL, &st->cache,
	    &st->cachelen, &eb) != 0 || !zephyr_cmakecache_is_zephyr(
	    (const char *)st->cache, st->cachelen))) {
		/* west's default build directory when "." is not one. */
		free(st->cache);
		st->cache = NULL;
		if ((r = west_abspath("build", st->build_dir,
		    sizeof(st->build_dir), &eb)) != 0)
			return cli_fail(c, r, eb.msg);
	}
	zs_errf(&eb, ZS_ERR_BUILD, "no such build directory %s",
	    st->build_dir);
	if (west_check_force(o, stat(st->build_dir, &sb) == 0 &&
	    S_ISDIR(sb.st_mode), &eb) != 0)
		return west_error(o, ZS_ERR_BUILD, eb.msg);
	if (st->cache == NULL && (r = west_read(st->build_dir,
	    "CMakeCache.txt", WEST_CMAKECACHE_MAX, NULL, &st->cache,
	    &st->cachelen, &eb)) != 0 && r != ZS_ERR_NOT_FOUND)
		return west_error(o, r, eb.msg);
	zs_errf(&eb, ZS_ERR_BUILD, "build directory %s doesn't look like a "
	    "Zephyr build directory", st->build_dir);
	if (west_check_force(o, st->cache != NULL &&
	    zephyr_cmakecache_is_zephyr((const char *)st->cache,
	    st->cachelen), &eb) != 0)
		return west_error(o, ZS_ERR_BUILD, eb.msg);
	if ((r = west_read(st->build_dir, "zephyr/.config", ZEPHYR_CONFIG_MAX,
	    NULL, &st->config, &st->configlen, &eb)) != 0) {
		if (r == ZS_ERR_NOT_FOUND)
			zs_errf(&eb, ZS_ERR_BUILD, "no .config found at "
			    "%s/zephyr/.config", st->build_dir);
		return west_error(o, ZS_ERR_BUILD, eb.msg);
	}
	if ((r = kconfig_parse((const char *)st->config, st->configlen,
	    &st->kc, &eb)) != 0)
		return west_error(o, ZS_ERR_BUILD, eb.msg);

	/* Output formats, from the build's .config unless --[no-]bin/hex. */
	for (i = 0; i < 2; i++) {
		int gen = i == 0 ? o->gen_bin : o->gen_hex;
		int exists = kconfig_bool(st->kc, i == 0 ?
		    "CONFIG_BUILD_OUTPUT_BIN" : "CONFIG_BUILD_OUTPUT_HEX");

		fmt[i] = gen == 1 || (gen == -1 && exists);
		zs_errf(&eb, ZS_ERR_BUILD, "--%s given but CONFIG_BUILD_OUTPUT_"
		    "%s not set in build directory's (%s) .config", ext[i],
		    i == 0 ? "BIN" : "HEX", st->build_dir);
		if (gen == 1 && west_check_force(o, exists, &eb) != 0)
			return west_error(o, ZS_ERR_BUILD, eb.msg);
	}
	for (i = 0; i < sizeof(west_signers) / sizeof(west_signers[0]); i++)
		if (o->tool != NULL &&
		    strcmp(o->tool, west_signers[i].engine->name) == 0)
			return west_signers[i].sign(c, o, st, fmt);
	return west_error(o, ZS_ERR_USAGE, "one --tool is required");
}

/*
 * West sign's ImgtoolSigner: the server derives imgtool's parameters from
 * .config and the devicetree blob (the request's "west") and signs the
 * formats fmt[] (bin, hex) asks for.
 */
static int
west_sign_imgtool(struct cli *c, const struct west_opts *o,
    struct west_state *st, const int fmt[2])
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	struct stat sb;
	const char *kernel, *outnames[2], *outpaths[2];
	char *inpath[2] = { NULL, NULL }, *inname[2] = { NULL, NULL };
	char *dts = NULL, *defout[2] = { NULL, NULL }, *b64;
	json_t *jargs;
	static const char *const ext[2] = { "bin", "hex" };
	size_t nout = 0;
	int i, r, rc = CLI_EXIT_FAIL;

	if (o->if_tool_available)
		return west_error(o, ZS_ERR_USAGE, "imgtool does not support "
		    "--if-tool-available");
	if (!fmt[0] && !fmt[1])
		return CLI_EXIT_OK;	/* as ImgtoolSigner.sign(): nothing */

	dts = xasprintf("%s/zephyr/zephyr.dts", st->build_dir);
	if (stat(dts, &sb) == -1) {
		zs_errf(&eb, ZS_ERR_BUILD, "can't load devicetree; expected to "
		    "find: %s", dts);
		rc = west_error(o, ZS_ERR_BUILD, eb.msg);
		goto out;
	}
	if ((r = west_dtc(dts, &st->dtb, &st->dtblen, &eb)) != 0) {
		rc = west_error(o, r, eb.msg);
		goto out;
	}

	st->req = json_object();
	st->files = json_object();
	st->west = json_object();
	st->inputs = json_object();
	b64 = zs_b64_encode(st->dtb, st->dtblen);
	r = json_object_set_new(st->req, "tool",
	    json_string(engine_mcuboot.name)) |
	    json_object_set(st->req, "files", st->files) |
	    json_object_set(st->req, "west", st->west) |
	    json_object_set_new(st->west, "config",
	    json_stringn((const char *)st->config, st->configlen)) |
	    json_object_set_new(st->west, "dtb", json_string(b64)) |
	    json_object_set_new(st->west, "build_dir",
	    json_string(st->build_dir)) |
	    json_object_set(st->west, "inputs", st->inputs) |
	    json_object_set_new(st->west, "force", json_boolean(o->force));
	free(b64);
	if (r != 0) {
		rc = west_error(o, ZS_ERR_INVALID, ".config or the build "
		    "directory name is not valid UTF-8");
		goto out;
	}
	jargs = json_array();
	for (i = 0; i < o->ntool_args; i++)
		json_array_append_new(jargs, json_string(o->tool_args[i]));
	json_object_set_new(st->req, "args", jargs);
	if (json_array_size(jargs) != (size_t)o->ntool_args) {
		rc = west_error(o, ZS_ERR_USAGE, "a tool argument is not "
		    "valid UTF-8");
		goto out;
	}
	if ((r = west_tool_args(o, st->req, st->files, &eb)) != 0) {
		rc = west_error(o, r, eb.msg);
		goto out;
	}

	kernel = kconfig_str(st->kc, "CONFIG_KERNEL_BIN_NAME");
	if (kernel == NULL || *kernel == '\0')
		kernel = "zephyr";
	for (i = 0; i < 2; i++) {
		if (!fmt[i])
			continue;
		inname[i] = xasprintf("%s.%s", kernel, ext[i]);
		inpath[i] = xasprintf("%s/zephyr/%s", st->build_dir,
		    inname[i]);
		if (stat(inpath[i], &sb) == -1 || !S_ISREG(sb.st_mode)) {
			if (west_missing_input(o, st, inpath[i]))
				goto out;
			continue;	/* the server reports the earlier fault */
		}
		if ((r = cli_file_upload(st->files, inname[i], inpath[i],
		    MCUBOOT_IMAGE_MAX, &eb)) != 0) {
			rc = west_error(o, r, eb.msg);
			goto out;
		}
		json_object_set_new(st->inputs, ext[i], json_string(inname[i]));
		defout[i] = xasprintf("%s/zephyr/zephyr.signed.%s",
		    st->build_dir, ext[i]);
		outnames[nout] = i == 0 ? "zephyr.signed.bin" :
		    "zephyr.signed.hex";
		outpaths[nout++] = i == 0 ? (o->sbin ? o->sbin : defout[i]) :
		    (o->shex ? o->shex : defout[i]);
	}

	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_sign(cl, st->req, &st->reply, &eb)) != 0) {
		rc = west_error(o, r, eb.msg);
		goto out;
	}
	west_print_reply(o, st);
	if ((r = cli_files_write(st->reply, outnames, outpaths, nout, NULL,
	    &eb)) != 0) {
		rc = west_error(o, r, eb.msg);
		goto out;
	}
	rc = CLI_EXIT_OK;
 out:
	for (i = 0; i < 2; i++) {
		free(inpath[i]);
		free(inname[i]);
		free(defout[i]);
	}
	free(dts);
	return rc;
}

int
cmd_sign(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct west_opts o;
	struct west_state st;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		fputs(west_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (west_opts_parse(argc, argv, &o, &eb) != 0) {
		fprintf(stderr, "%s%s sign: error: %s\n", west_usage,
		    c->progname, eb.msg);
		return CLI_EXIT_USAGE;
	}
	if (o.server != NULL)
		c->server = o.server;
	memset(&st, 0, sizeof(st));
	rc = west_run(c, &o, &st);
	west_state_free(&st);
	return rc;
}

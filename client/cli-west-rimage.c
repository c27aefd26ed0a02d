/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client sign -t rimage`: west sign's RimageSigner with zsignd
 * doing what rimage did. The rimage argument list is assembled as sign.py
 * does (target from the CMake cache, rimage.extra-args from west's config
 * files, -k and -c defaults from the SOF tree, -e for SOF builds, .toml.h
 * preprocessed locally), signed through cli_rimage_sign(), and the image
 * is then prefixed with its extended manifest. --tool-data zsign:NAME
 * names a config the server holds instead (zsign: alone: the target's).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/rimage/rimage.h"
#include "lib/zephyr.h"

/* Most words of rimage.extra-args plus the computed arguments. */
#define WR_ARGS_MAX		RIMAGE_ARGS_MAX
/* Largest west configuration file read. */
#define WR_WESTCONF_MAX		(1024u * 1024)
/* Longest path built here. */
#define WR_PATH_MAX		4096
/* The key file sign.py names when RIMAGE_SIGN_KEY is unset. */
#define WR_KEY_PLACEHOLDER	"key placeholder from sign.py"

/* --tool-data prefix naming a config of the server, not a directory. */
#define WR_SERVER_PREFIX	"zsign:"

/* Targets signed from a single zephyr.elf (sign.py's i.MX list). */
static const char *const wr_elf_targets[] = { "imx8", "imx8m", "imx8ulp" };

struct wr_argv {
	char	*v[WR_ARGS_MAX];
	int	 n;
	int	 owned[WR_ARGS_MAX];
};

static int
wr_push(struct wr_argv *a, char *s, int owned, struct zs_errbuf *eb)
{
	if (a->n == WR_ARGS_MAX) {
		if (owned)
			free(s);
		return zs_errf(eb, ZS_ERR_USAGE, "too many rimage arguments");
	}
	a->owned[a->n] = owned;
	a->v[a->n++] = s;
	return 0;
}

static void
wr_argv_free(struct wr_argv *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->owned[i])
			free(a->v[i]);
}

static int
wr_has(char *const *v, int n, const char *opt)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], opt) == 0)
			return 1;
	return 0;
}

/* Split words as Python's shlex.split (quotes and backslashes). */
static int
wr_shlex(const char *s, struct wr_argv *a, struct zs_errbuf *eb)
{
	char *w = xmalloc(strlen(s) + 1);
	size_t n;
	int q, r;

	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		n = 0;
		q = 0;
		while (*s != '\0' && (q || (*s != ' ' && *s != '\t' &&
		    *s != '\n'))) {
			if (q == 0 && (*s == '\'' || *s == '"'))
				q = *s++;
			else if (q != 0 && *s == q) {
				q = 0;
				s++;
			} else if (*s == '\\' && q != '\'' && s[1] != '\0') {
				w[n++] = s[1];
				s += 2;
			} else
				w[n++] = *s++;
		}
		if (q != 0) {
			free(w);
			return zs_errf(eb, ZS_ERR_USAGE, "rimage.extra-args: "
			    "No closing quotation");
		}
		w[n] = '\0';
		if ((r = wr_push(a, xstrdup(w), 1, eb)) != 0) {
			free(w);
			return r;
		}
	}
	free(w);
	return 0;
}

/* rimage.extra-args of one west config file (INI), or NULL. */
static char *
wr_westconf_value(const char *path)
{
	char *text, *line, *save = NULL, *v = NULL, *p, *e;
	uint8_t *d;
	size_t len;
	int in = 0;

	if (path == NULL || zs_file_read(path, WR_WESTCONF_MAX, &d, &len) != 0)
		return NULL;
	text = xmalloc(len + 1);
	memcpy(text, d, len);
	text[len] = '\0';
	free(d);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '[') {
			in = strncmp(line, "[rimage]", 8) == 0;
			continue;
		}
		if (!in || strncmp(line, "extra-args", 10) != 0)
			continue;
		for (p = line + 10; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '=' && *p != ':')
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (e[-1] == ' ' ||
		    e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		free(v);
		v = xmalloc((size_t)(e - p) + 1);
		memcpy(v, p, (size_t)(e - p));
		v[e - p] = '\0';
	}
	free(text);
	return v;
}

/* The local west config: $WEST_CONFIG_LOCAL or .west/config upwards. */
static char *
wr_local_westconf(const char *start)
{
	char dir[WR_PATH_MAX], *slash, *path;
	struct stat sb;

	if (getenv("WEST_CONFIG_LOCAL") != NULL)
		return xstrdup(getenv("WEST_CONFIG_LOCAL"));
	snprintf(dir, sizeof(dir), "%s", start);
	for (;;) {
		path = xasprintf("%s/.west/config", dir);
		if (stat(path, &sb) == 0)
			return path;
		free(path);
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
			return NULL;
		*slash = '\0';
	}
}

/* rimage.extra-args with west's precedence: local, global, system. */
static int
wr_extra_args(const char *cwd, struct wr_argv *a, struct zs_errbuf *eb)
{
	const char *home = getenv("HOME"), *g = getenv("WEST_CONFIG_GLOBAL");
	const char *s = getenv("WEST_CONFIG_SYSTEM");
	char *paths[3], *v = NULL;
	int i, r = 0;

	paths[0] = wr_local_westconf(cwd);
	paths[1] = g != NULL ? xstrdup(g) : home != NULL ?
	    xasprintf("%s/.westconfig", home) : NULL;
	paths[2] = xstrdup(s != NULL ? s : "/etc/westconfig");
	for (i = 0; i < 3 && v == NULL; i++)
		v = wr_westconf_value(paths[i]);
	for (i = 0; i < 3; i++)
		free(paths[i]);
	if (v != NULL)
		r = wr_shlex(v, a, eb);
	free(v);
	return r;
}

/* cc -E -P -DREM= -I SOF/src -imacros autoconf.h, as sign.py runs it. */
static int
wr_preprocess(const char *build_dir, const char *cc, const char *src,
    const char *sof, const char *out, struct zs_errbuf *eb)
{
	char *inc = xasprintf("%s/src", sof);
	char *argv[] = { (char *)cc, "-E", (char *)src, "-P", "-DREM=", "-I",
	    inc, "-imacros", "zephyr/include/generated/autoconf.h", "-o",
	    (char *)out, NULL };
	char *dir, *misc;
	pid_t pid;
	int status, r = 0;

	/* A Zephyr build has zephyr/misc/generated; a bare one may not. */
	misc = xasprintf("%s/zephyr/misc", build_dir);
	dir = xasprintf("%s/generated", misc);
	if ((mkdir(misc, 0777) == -1 && errno != EEXIST) ||
	    (mkdir(dir, 0777) == -1 && errno != EEXIST)) {
		r = zs_errf(eb, ZS_ERR_IO, "mkdir %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		r = zs_errf(eb, ZS_ERR_IO, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (chdir(build_dir) == 0)
			execvp(cc, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			r = zs_errf(eb, ZS_ERR_IO, "waitpid: %s",
			    strerror(errno));
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = zs_errf(eb, ZS_ERR_BUILD, "Command '%s -E %s ...' returned "
		    "non-zero exit status %d", cc, src, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
out:
	free(misc);
	free(dir);
	free(inc);
	return r;
}

/* The cache value key, malloc'd, or NULL (also without a cache). */
static char *
wr_cache(const struct west_rimage *w, const char *key)
{
	if (w->cache == NULL)
		return NULL;
	return zephyr_cmakecache_get(w->cache, w->cachelen, key);
}

/* Add "-c CONFIG" as sign.py chooses it (maybe preprocessing .toml.h). */
static int
wr_config(const struct west_rimage *w, const char *target, const char *sof,
    struct wr_argv *a, struct zs_errbuf *eb)
{
	char *cp = wr_cache(w, "RIMAGE_CONFIG_PATH"), *dir, *toml, *tomlh;
	char *cc = NULL, *out = NULL;
	struct stat sb;
	int r, have, haveh;

	if (w->tool_data != NULL && strncmp(w->tool_data, WR_SERVER_PREFIX,
	    sizeof(WR_SERVER_PREFIX) - 1) == 0) {
		free(cp);
		if ((r = wr_push(a, "-c", 0, eb)) != 0)
			return r;
		return wr_push(a, w->tool_data[sizeof(WR_SERVER_PREFIX) - 1] ==
		    '\0' ? xasprintf("%s%s", WR_SERVER_PREFIX, target) :
		    xstrdup(w->tool_data), 1, eb);
	}
	if (w->tool_data != NULL)
		dir = xstrdup(w->tool_data);
	else if (cp != NULL && *cp != '\0')
		dir = xstrdup(cp);
	else if (sof != NULL)
		dir = xasprintf("%s/tools/rimage/config", sof);
	else {
		free(cp);
		return zs_errf(eb, ZS_ERR_BUILD, "cannot find rimage's config "
		    "directory: give --tool-data, or RIMAGE_CONFIG_PATH or "
		    "ZEPHYR_SOF_MODULE_DIR in CMakeCache.txt");
	}
	free(cp);
	toml = xasprintf("%s/%s.toml", dir, target);
	tomlh = xasprintf("%s.h", toml);
	have = stat(toml, &sb) == 0;
	haveh = stat(tomlh, &sb) == 0;
	if (have && haveh) {
		r = zs_errf(eb, ZS_ERR_BUILD, "Cannot have both %s.toml.h and "
		    "%s.toml in %s", target, target, dir);
	} else if (haveh) {
		cc = wr_cache(w, "CMAKE_C_COMPILER");
		out = xasprintf("%s/zephyr/misc/generated/rimage_config.toml",
		    w->build_dir);
		if (cc == NULL || sof == NULL)
			r = zs_errf(eb, ZS_ERR_BUILD, "%s needs "
			    "CMAKE_C_COMPILER and ZEPHYR_SOF_MODULE_DIR in "
			    "CMakeCache.txt", tomlh);
		else if ((r = wr_preprocess(w->build_dir, cc, tomlh, sof,
		    "zephyr/misc/generated/rimage_config.toml", eb)) == 0 &&
		    (r = wr_push(a, "-c", 0, eb)) == 0) {
			r = wr_push(a, out, 1, eb);
			out = NULL;
		}
	} else if ((r = wr_push(a, "-c", 0, eb)) == 0) {
		r = wr_push(a, toml, 1, eb);
		toml = NULL;
	}
	free(out);
	free(cc);
	free(toml);
	free(tomlh);
	free(dir);
	return r;
}

/* out := xman || out, through a temporary file as sign.py does. */
static int
wr_prefix(const char *out, const char *xman, const char *tmp,
    struct zs_errbuf *eb)
{
	uint8_t *x = NULL, *img = NULL, *cat;
	size_t xl, il;
	int r;

	if ((r = zs_file_read(xman, ZS_FILE_MAX, &x, &xl)) != 0 ||
	    (r = zs_file_read(out, ZS_FILE_MAX, &img, &il)) != 0) {
		free(x);
		return zs_errf(eb, r, "cannot read %s or %s", xman, out);
	}
	cat = xmalloc(xl + il ? xl + il : 1);
	memcpy(cat, x, xl);
	memcpy(cat + xl, img, il);
	if ((r = zs_file_write_output(tmp, cat, xl + il, 0644)) != 0)
		zs_errf(eb, r, "cannot write %s: %s", tmp, strerror(errno));
	else if (rename(tmp, out) == -1)
		r = zs_errf(eb, ZS_ERR_IO, "rename %s: %s", tmp,
		    strerror(errno));
	free(cat);
	free(x);
	free(img);
	return r;
}

static int
wr_fail(int code, const char *msg)
{
	fprintf(stderr, "FATAL ERROR: %s\n", msg);
	return code == ZS_ERR_BUILD ? CLI_EXIT_FAIL : cli_exit_code(code);
}

int
west_rimage_sign(struct cli *c, const struct west_rimage *w)
{
	struct wr_argv a, extra;
	struct zs_errbuf eb;
	const char *kernel;
	char *target = NULL, *sof = NULL, *key = NULL, *path;
	char *out_bin, *out_xman, *out_tmp;
	size_t i;
	int r, rc = CLI_EXIT_FAIL, no_manifest = 0, elf = 0;

	memset(&a, 0, sizeof(a));
	memset(&extra, 0, sizeof(extra));
	zs_errclear(&eb);
	kernel = kconfig_str(w->kc, "CONFIG_KERNEL_BIN_NAME");
	if (kernel == NULL || *kernel == '\0')
		kernel = "zephyr";
	out_bin = xasprintf("%s/zephyr/%s.ri", w->build_dir, kernel);
	out_xman = xasprintf("%s/zephyr/%s.ri.xman", w->build_dir, kernel);
	out_tmp = xasprintf("%s/zephyr/%s.rix", w->build_dir, kernel);
	if ((target = wr_cache(w, "RIMAGE_TARGET")) == NULL ||
	    *target == '\0') {
		if (w->if_tool_available) {
			printf("rimage target not defined in board.cmake\n");
			rc = CLI_EXIT_OK;
		} else
			rc = wr_fail(ZS_ERR_BUILD, "rimage target not defined "
			    "in board.cmake");
		goto out;
	}
	for (i = 0; i < sizeof(wr_elf_targets) / sizeof(wr_elf_targets[0]);
	    i++)
		elf |= strcmp(target, wr_elf_targets[i]) == 0;
	/* Stale outputs go first, as sign.py removes them. */
	unlink(out_bin);
	unlink(out_xman);
	unlink(out_tmp);
	sof = wr_cache(w, "ZEPHYR_SOF_MODULE_DIR");
	if (!w->quiet)
		printf("Signing for SOC target %s\n", target);

	for (i = 0; i < (size_t)w->ntool_args; i++)
		if (strcmp(w->tool_args[i], "--no-manifest") == 0)
			no_manifest = 1;
		else if ((r = wr_push(&extra, w->tool_args[i], 0, &eb)) != 0) {
			rc = wr_fail(r, eb.msg);
			goto out;
		}
	/* Non-SOF builds have no extended manifest data for rimage. */
	if (!kconfig_bool(w->kc, "CONFIG_SOF"))
		no_manifest = 1;

	if ((r = wr_push(&a, "-o", 0, &eb)) != 0 ||
	    (r = wr_push(&a, out_bin, 0, &eb)) != 0 ||
	    (r = wr_extra_args(w->build_dir, &a, &eb)) != 0) {
		rc = wr_fail(r, eb.msg);
		goto out;
	}
	if (!no_manifest && (r = wr_push(&a, "-e", 0, &eb)) != 0) {
		rc = wr_fail(r, eb.msg);
		goto out;
	}
	if (!wr_has(a.v, a.n, "-k") && !wr_has(extra.v, extra.n, "-k")) {
		/* rimage requires a key argument even when it does not sign. */
		path = wr_cache(w, "RIMAGE_SIGN_KEY");
		key = xasprintf("%s/keys/%s", sof != NULL ? sof : ".",
		    path != NULL ? path : WR_KEY_PLACEHOLDER);
		free(path);
		if ((r = wr_push(&a, "-k", 0, &eb)) != 0 ||
		    (r = wr_push(&a, key, 0, &eb)) != 0) {
			rc = wr_fail(r, eb.msg);
			goto out;
		}
	}
	if (w->tool_data != NULL && wr_has(extra.v, extra.n, "-c"))
		fprintf(stderr, "WARNING: --tool-data %s ignored! Overridden "
		    "by: -- -c ... \n", w->tool_data);
	if (!wr_has(a.v, a.n, "-c") && !wr_has(extra.v, extra.n, "-c") &&
	    (r = wr_config(w, target, sof, &a, &eb)) != 0) {
		rc = wr_fail(r, eb.msg);
		goto out;
	}
	/* The last of a repeated option wins: tool args after the rest. */
	for (i = 0; i < (size_t)extra.n; i++)
		if ((r = wr_push(&a, extra.v[i], 0, &eb)) != 0) {
			rc = wr_fail(r, eb.msg);
			goto out;
		}
	if (elf)
		r = wr_push(&a, xasprintf("%s/zephyr/%s.elf", w->build_dir,
		    kernel), 1, &eb);
	else if ((r = wr_push(&a, xasprintf("%s/zephyr/boot.mod",
	    w->build_dir), 1, &eb)) == 0)
		r = wr_push(&a, xasprintf("%s/zephyr/main.mod", w->build_dir),
		    1, &eb);
	if (r != 0) {
		rc = wr_fail(r, eb.msg);
		goto out;
	}
	if ((r = cli_rimage_sign(c, a.n, a.v, &eb)) != 0) {
		rc = wr_fail(r, eb.msg);
		goto out;
	}
	if (!no_manifest) {
		if (!w->quiet)
			printf("Prefixing %s with manifest %s\n", out_bin,
			    out_xman);
		if ((r = wr_prefix(out_bin, out_xman, out_tmp, &eb)) != 0) {
			unlink(out_bin);
			rc = wr_fail(r, eb.msg);
			goto out;
		}
	}
	rc = CLI_EXIT_OK;
out:
	wr_argv_free(&a);
	wr_argv_free(&extra);
	free(key);
	free(sof);
	free(target);
	free(out_bin);
	free(out_xman);
	free(out_tmp);
	return rc;
}

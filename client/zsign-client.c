/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client: sign firmware with a zsignd server as `west sign`,
 * `imgtool` would, and query the server's health and keys. Only the
 * command line lives here; requests are in zsclient.c.
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/clientconf.h"
#include "client/zsclient.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "lib/engine.h"

/*
 * Below this size malloc() takes memory from the heap instead of mapping
 * it: a run holds a few megabyte-sized buffers in turn (file, base64,
 * request, reply, decoded image), and pages the heap reuses are not
 * faulted in and zeroed again (1.5 ms of a 20 ms rimage signing). The
 * process is short-lived, so nothing is given back until it exits.
 */
#define CLIENT_MMAP_THRESHOLD	(256 * 1024 * 1024)

static const char usage_text[] =
"usage: zsign-client [-s|--server unix:PATH|https://HOST:PORT]\n"
"                    [--no-wait] [TLS OPTIONS] COMMAND [ARGS...]\n"
"\n"
"commands:\n"
"  sign [-d BUILD_DIR] -t imgtool [-q] [-f] [--bin|--no-bin] [-B FILE]\n"
"       [--hex|--no-hex] [-H FILE] [-k KEY] [-- TOOL_ARGS...]\n"
"                          sign a Zephyr build as `west sign` does\n"
"  sign [-d BUILD_DIR] -t rimage [-D CONFIG_DIR] [-- RIMAGE_ARGS...]\n"
"  imgtool sign ARGS... IN OUT\n"
"                          `imgtool sign` with the key held by the server\n"
"  imgtool verify [-k KEY] IMAGE\n"
"  imgtool dumpinfo IMAGE\n"
"  imgtool getpub -k KEY [-e pem|c|rust|raw] [-o FILE]\n"
"  raw-sign -k KEY [-o FILE] [--base64] [--digest HEX] [INPUT]\n"
"                          the key's bare signature over INPUT or a digest\n"
"  rimage RIMAGE_ARGS... MODULES...\n"
"                          SOF's `rimage` with the key held by the server\n"
"  approvals               held sign requests one may approve, or one's own\n"
"  approve ID | reject ID  vote on a held request (two-person rule)\n"
"  fetch ID [-o DIR]       collect a held request's signed files\n"
"  keys                    list the server's keys\n"
"  health                  check that the server is up\n"
"\n"
"The server is -s/--server, else $ZSIGN_SERVER, else \"server\" in\n"
"~/.config/zsign/client.conf or " CLIENTCONF_SYSTEM ", else\n"
ZSCLIENT_DEFAULT_SERVER ".\n"
"--no-wait: a request held for approvals prints its id and exits 1\n"
"instead of waiting (then `zsign-client fetch ID`).\n"
"TLS options (https:// servers):\n"
TLSOPTS_USAGE
"Exit status: 0 ok, 1 signing refused or failed, 2 usage.\n";

static int
cmd_health(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	json_t *reply = NULL;
	const char *status = "?", *version = "?";
	char *sstatus, *sversion;
	json_int_t nkeys = -1;
	int r;

	if (argc > 1)
		return cli_fail(c, ZS_ERR_USAGE, "health takes no arguments");
	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_health(cl, &reply, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	(void)json_unpack(reply, "{s?:s, s?:s, s?:I}", "status", &status,
	    "version", &version, "keys", &nkeys);
	sstatus = cli_term(status);
	sversion = cli_term(version);
	printf("%s: %s, zsignd %s, %lld key%s\n", c->server, sstatus,
	    sversion, (long long)nkeys, nkeys == 1 ? "" : "s");
	free(sstatus);
	free(sversion);
	r = strcmp(status, "ok") == 0 ? 0 : ZS_ERR_UNAVAILABLE;
	json_decref(reply);
	return cli_exit_code(r);
}

static int
cmd_keys(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	json_t *reply = NULL, *k;
	const char *name, *type, *fp, *backend, *pem;
	char *line, *safe;
	int available, r;
	size_t i;

	if (argc > 1)
		return cli_fail(c, ZS_ERR_USAGE, "keys takes no arguments");
	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_keys(cl, &reply, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	json_array_foreach(json_object_get(reply, "keys"), i, k) {
		backend = "?";
		available = 1;
		if (json_unpack(k, "{s:s, s:s, s:s, s:s, s?:s, s?:b}",
		    "name", &name, "type", &type, "fingerprint", &fp,
		    "public_key_pem", &pem, "backend", &backend,
		    "available", &available) != 0) {
			json_decref(reply);
			return cli_fail(c, ZS_ERR_PROTOCOL, "malformed key "
			    "entry in the /v1/keys reply");
		}
		/* One string of the server's, escaped as a whole. */
		line = xasprintf("%s%s %s %s %s%s\n%s", i > 0 ? "\n" : "",
		    name, type, fp, backend, available ? "" :
		    " (unavailable)", pem);
		safe = cli_term(line);
		fputs(safe, stdout);
		free(safe);
		free(line);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

static const struct cli_command {
	const char	*name;
	int		(*run)(struct cli *, int, char **);
} cli_commands[] = {
	{ "sign",	cmd_sign },
	{ "imgtool",	cmd_imgtool },
	{ "rimage",	cmd_rimage },
	{ "raw-sign",	cmd_raw_sign },
	{ "approvals",	cmd_approvals },
	{ "approve",	cmd_approve },
	{ "reject",	cmd_reject },
	{ "fetch",	cmd_fetch },
	{ "keys",	cmd_keys },
	{ "health",	cmd_health },
};

int
main(int argc, char **argv)
{
	struct cli c = { .progname = "zsign-client" };
	struct clientconf conf = { { NULL, NULL } };
	struct zs_errbuf eb = { 0 };
	int (*run)(struct cli *, int, char **);
	size_t i;
	int ai, rc;

	(void)mallopt(M_MMAP_THRESHOLD, CLIENT_MMAP_THRESHOLD);
	(void)mallopt(M_TRIM_THRESHOLD, CLIENT_MMAP_THRESHOLD);
	c.server = getenv(ZSCLIENT_SERVER_ENV);
	for (ai = 1; ai < argc && argv[ai][0] == '-'; ai++) {
		if (strcmp(argv[ai], "-h") == 0 ||
		    strcmp(argv[ai], "--help") == 0) {
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[ai], "--version") == 0) {
			printf("zsign-client %s\n", PACKAGE_VERSION);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[ai], "-s") == 0 ||
		    strcmp(argv[ai], "--server") == 0) {
			if (ai + 1 >= argc)
				return cli_fail(&c, ZS_ERR_USAGE, "option "
				    "--server requires an argument");
			c.server = argv[++ai];
		} else if (strncmp(argv[ai], "--server=", 9) == 0) {
			c.server = argv[ai] + 9;
		} else if (strcmp(argv[ai], "--no-wait") == 0) {
			c.no_wait = 1;
		} else if ((rc = tlsopts_parse(&c.tls, argc, argv, &ai,
		    &eb)) != 0) {
			if (rc < 0)
				return cli_fail(&c, rc, eb.msg);
		} else {
			fprintf(stderr, "%s: unknown option %s\n%s",
			    c.progname, argv[ai], usage_text);
			return CLI_EXIT_USAGE;
		}
	}
	tlsopts_from_env(&c.tls);
	if (ai >= argc) {
		fputs(usage_text, stderr);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		if (strcmp(argv[ai], cli_commands[i].name) == 0)
			break;
	/* A tool of the engine table without a command of its own. */
	run = i < sizeof(cli_commands) / sizeof(cli_commands[0]) ?
	    cli_commands[i].run : engine_find(argv[ai]) != NULL ? cmd_engine :
	    NULL;
	if (run == NULL) {
		fprintf(stderr, "%s: unknown command '%s'\n%s", c.progname,
		    argv[ai], usage_text);
		return CLI_EXIT_USAGE;
	}
	if ((rc = clientconf_apply(&conf, &c.server, &c.tls, &eb)) != 0) {
		clientconf_free(&conf);
		return cli_fail(&c, rc, eb.msg);
	}
	if (c.server == NULL || *c.server == '\0')
		c.server = ZSCLIENT_DEFAULT_SERVER;
	rc = run(&c, argc - ai, argv + ai);
	zsclient_close(c.cl);
	tlsopts_clear(&c.tls);
	clientconf_free(&conf);
	return rc;
}

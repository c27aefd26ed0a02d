/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client rimage ARGS...`: SOF's rimage with the image built and
 * signed by zsignd, through the generic engine command (cli-engine.c):
 * ARGS are rimage's own; the config, the modules (or the -q image) are
 * uploaded, -k names the server key, and the image and its side files
 * come back under the -o name. -c zsign:NAME names a config the server
 * holds, which is passed through, not read. This file adds its usage.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "client/cli.h"
#include "common/zserr.h"
#include "lib/engine.h"

static const char rimage_usage[] =
"usage: zsign-client rimage [-v] [-e] [-p] [-f M.m.u] [-b BUILD] [-i IMR]\n"
"                           -o OUT -c CONFIG -k KEY MODULE...\n"
"       zsign-client rimage -q IMAGE -o OUT -c CONFIG -k KEY\n"
"CONFIG: a local TOML file, or zsign:NAME for a config the server holds\n"
"KEY: a local PEM file, a server key name, or zsign:NAME (i.MX configs are\n"
"not signed: KEY is then ignored, as rimage ignores it)\n";

int
cli_rimage_sign(struct cli *c, int argc, char **argv, struct zs_errbuf *eb)
{
	return cli_engine_sign(c, &engine_rimage, argc, argv, eb);
}

int
cmd_rimage(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb;
	int r;

	zs_errclear(&eb);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		fputs(rimage_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if ((r = cli_rimage_sign(c, argc - 1, argv + 1, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	return CLI_EXIT_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client approvals, approve, reject and fetch: the two-person rule
 * from the approvers' side, and collecting a request held with --no-wait.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/zserr.h"

/* Longest output path built for fetch -o DIR. */
#define APPROVE_PATH_MAX	4096

/* One held request as a line or two of text. */
static void
approve_print(const json_t *a)
{
	const json_t *inputs = json_object_get(a, "inputs"), *v;
	const char *name;

	printf("%s %s key=%s tool=%s version=%s requester=%s approvals=%zu/"
	    "%lld\n", json_string_value(json_object_get(a, "id")),
	    json_string_value(json_object_get(a, "state")),
	    json_string_value(json_object_get(a, "key")),
	    json_string_value(json_object_get(a, "tool")),
	    json_is_string(json_object_get(a, "version")) ?
	    json_string_value(json_object_get(a, "version")) : "-",
	    json_string_value(json_object_get(a, "requester")),
	    json_array_size(json_object_get(a, "approved_by")),
	    (long long)json_integer_value(json_object_get(a, "required")));
	json_object_foreach((json_t *)inputs, name, v)
		printf("  %s sha256:%s\n", name, json_string_value(v));
}

int
cmd_approvals(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	json_t *reply = NULL, *a;
	size_t i;
	int r;

	(void)argv;
	if (argc > 1)
		return cli_fail(c, ZS_ERR_USAGE, "approvals takes no "
		    "arguments");
	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_approvals(cl, &reply, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	json_array_foreach(json_object_get(reply, "approvals"), i, a)
		approve_print(a);
	json_decref(reply);
	return CLI_EXIT_OK;
}

static int
approve_vote(struct cli *c, int argc, char **argv, int approve)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	json_t *reply = NULL;
	int r;

	if (argc != 2)
		return cli_fail(c, ZS_ERR_USAGE, approve ? "usage: approve ID" :
		    "usage: reject ID");
	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_approval_vote(cl, argv[1], approve, &reply,
	    &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	approve_print(json_object_get(reply, "approval"));
	json_decref(reply);
	return CLI_EXIT_OK;
}

int
cmd_approve(struct cli *c, int argc, char **argv)
{
	return approve_vote(c, argc, argv, 1);
}

int
cmd_reject(struct cli *c, int argc, char **argv)
{
	return approve_vote(c, argc, argv, 0);
}

int
cmd_fetch(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	json_t *reply = NULL, *v;
	const char *dir = ".", *name, *base, *names[1], *paths[1];
	char path[APPROVE_PATH_MAX];
	int r, pending = 0;

	if (argc == 4 && strcmp(argv[2], "-o") == 0)
		dir = argv[3];
	else if (argc != 2)
		return cli_fail(c, ZS_ERR_USAGE, "usage: fetch ID [-o DIR]");
	if ((r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_fetch(cl, argv[1], &reply, &pending, &eb)) != 0)
		return cli_fail(c, r, eb.msg);
	if (pending) {
		approve_print(json_object_get(reply, "approval"));
		json_decref(reply);
		return cli_fail(c, ZS_ERR_UNAVAILABLE, "the request still "
		    "waits for approvals");
	}
	/* The outputs the server returned, by their file names, into dir. */
	json_object_foreach(json_object_get(reply, "files"), name, v) {
		/* Requests name outputs by their path: keep the last part. */
		base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 :
		    name;
		if (base[0] == '\0' || base[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, base) >=
		    (int)sizeof(path)) {
			json_decref(reply);
			return cli_fail(c, ZS_ERR_PROTOCOL, "the server named an "
			    "output file outside the directory");
		}
		names[0] = name;
		paths[0] = path;
		if ((r = cli_files_write(reply, names, paths, 1, NULL,
		    &eb)) != 0) {
			json_decref(reply);
			return cli_fail(c, r, eb.msg);
		}
		printf("%s\n", path);
	}
	json_decref(reply);
	return CLI_EXIT_OK;
}

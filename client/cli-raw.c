/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zsign-client raw-sign`: a server key's bare signature over a file (or a
 * digest), for tools that put it in place themselves, such as imgtool's
 * --vector-to-sign / --fix-sig. The server signs only with keys configured
 * for it ("raw_signing": true).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cli.h"
#include "client/zsclient.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"

/*
 * Largest input sent: imgtool's payload vector is at most a slot, and the
 * server's default body cap (64 MiB) must hold it in base64.
 */
#define CLI_RAW_INPUT_MAX	(32u * 1024 * 1024)
/* Bytes read from standard input per call. */
#define CLI_RAW_READ_CHUNK	65536

static const char raw_usage[] =
"usage: zsign-client raw-sign -k KEY [-o FILE] [--base64] [INPUT]\n"
"       zsign-client raw-sign -k KEY [-o FILE] [--base64] --digest HEX\n"
"KEY: a server key name, zsign:NAME, or a local PEM file (public or\n"
"private) whose public key names the server key. INPUT (default: standard\n"
"input) is signed as imgtool signs an image with that key; --digest signs\n"
"a SHA-256 or SHA-384 digest (ECDSA, RSA). The signature goes to FILE\n"
"(default: standard output): DER for ECDSA, raw bytes for RSA-PSS and\n"
"Ed25519, or base64 with --base64 (what imgtool --fix-sig reads).\n";

/* Read all of standard input, at most max bytes. */
static int
raw_read_stdin(uint8_t **datap, size_t *lenp, size_t max,
    struct zs_errbuf *eb)
{
	struct buf *b;
	uint8_t chunk[CLI_RAW_READ_CHUNK];
	ssize_t n;
	int r = 0;

	b = buf_new_plain(max);
	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = zs_errf(eb, ZS_ERR_IO, "standard input: %s",
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (buf_put(b, chunk, (size_t)n) != 0) {
			r = zs_errf(eb, ZS_ERR_TOO_LARGE, "standard input: "
			    "more than %zu bytes", max);
			break;
		}
	}
	if (r == 0)
		*datap = buf_steal(b, lenp);
	buf_free(b);
	return r;
}

/* The request body's "data" or "digest" member from the command line. */
static int
raw_payload(json_t *req, const char *input, const char *digest,
    struct zs_errbuf *eb)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *b64;
	int r;

	if (digest != NULL)
		return json_object_set_new(req, "digest",
		    json_string(digest)) == 0 ? 0 : zs_errf(eb, ZS_ERR_USAGE,
		    "--digest: not a hex string");
	if (input == NULL || strcmp(input, "-") == 0)
		r = raw_read_stdin(&data, &len, CLI_RAW_INPUT_MAX, eb);
	else if ((r = zs_file_read(input, CLI_RAW_INPUT_MAX, &data,
	    &len)) != 0)
		return zs_errf(eb, r == ZS_ERR_NOT_FOUND ? ZS_ERR_USAGE : r,
		    "%s: %s", input, r == ZS_ERR_NOT_FOUND ? "no such file" :
		    r == ZS_ERR_IO ? strerror(errno) : zs_strerror(r));
	if (r != 0)
		return r;
	b64 = zs_b64_encode(data, len);
	r = json_object_set_new(req, "data", json_stringn_nocheck(b64,
	    ZS_B64_LEN(len))) == 0 ? 0 : zs_errf(eb, ZS_ERR_NOMEM,
	    "out of memory");
	free(b64);
	free(data);
	return r;
}

/* Write the signature (raw or base64) to path, atomically, or stdout. */
static int
raw_write(const char *path, const uint8_t *sig, size_t siglen, int base64,
    struct zs_errbuf *eb)
{
	const uint8_t *p = sig;
	size_t n = siglen;
	char *b64 = NULL;
	mode_t mask;
	int r = 0;

	if (base64) {
		b64 = zs_b64_encode(sig, siglen);
		p = (const uint8_t *)b64;
		n = strlen(b64);
	}
	if (path != NULL) {
		/* No newline in the file: imgtool's --sig-out has none. */
		mask = umask(022);
		umask(mask);
		if (zs_file_write_output(path, p, n, (int)(0666 & ~mask)) != 0)
			r = zs_errf(eb, ZS_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
	} else if (fwrite(p, 1, n, stdout) != n ||
	    (base64 && putchar('\n') == EOF) || fflush(stdout) != 0)
		r = zs_errf(eb, ZS_ERR_IO, "standard output: %s",
		    strerror(errno));
	free(b64);
	return r;
}

int
cmd_raw_sign(struct cli *c, int argc, char **argv)
{
	struct zs_errbuf eb = { 0 };
	struct zsclient *cl;
	const char *key = NULL, *out = NULL, *digest = NULL, *input = NULL;
	json_t *req = NULL, *reply = NULL;
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int i, base64 = 0, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			fputs(raw_usage, stdout);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--base64") == 0)
			base64 = 1;
		else if ((strcmp(argv[i], "-k") == 0 ||
		    strcmp(argv[i], "--key") == 0) && i + 1 < argc)
			key = argv[++i];
		else if ((strcmp(argv[i], "-o") == 0 ||
		    strcmp(argv[i], "--output") == 0) && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--digest") == 0 && i + 1 < argc)
			digest = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "%s: raw-sign: unknown option or "
			    "missing value: %s\n%s", c->progname, argv[i],
			    raw_usage);
			return CLI_EXIT_USAGE;
		} else if (input == NULL)
			input = argv[i];
		else
			return cli_fail(c, ZS_ERR_USAGE, "raw-sign takes one "
			    "INPUT");
	}
	if (key == NULL)
		return cli_fail(c, ZS_ERR_USAGE, "raw-sign needs -k KEY");
	if (digest != NULL && input != NULL)
		return cli_fail(c, ZS_ERR_USAGE, "raw-sign: give INPUT or "
		    "--digest, not both");
	if ((req = json_object()) == NULL)
		return cli_fail(c, ZS_ERR_NOMEM, "out of memory");
	/* The key is named, not used here: a public-only file is enough. */
	if ((r = cli_key_select(key, req, 1, &eb)) != 0 ||
	    (r = raw_payload(req, input, digest, &eb)) != 0 ||
	    (r = cli_client(c, &cl, &eb)) != 0 ||
	    (r = zsclient_raw_sign(cl, req, &reply, &eb)) != 0)
		goto out;
	if ((r = zs_b64_decode(json_string_value(json_object_get(reply,
	    "signature")), json_string_length(json_object_get(reply,
	    "signature")), &sig, &siglen)) != 0) {
		r = zs_errf(&eb, ZS_ERR_PROTOCOL, "/v1/raw-sign reply: "
		    "signature is not base64");
		goto out;
	}
	r = raw_write(out, sig, siglen, base64, &eb);
 out:
	free(sig);
	json_decref(reply);
	json_decref(req);
	return r != 0 ? cli_fail(c, r, eb.msg) : CLI_EXIT_OK;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the request validators (proto/proto.c proto_sign_parse, its binary
 * form proto_sign_parse_bin, and proto_raw_parse) and the error body they
 * lead to, on arbitrary bytes. Seeds: tests/vectors/proto (bin-*: bodies
 * in the binary form).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "proto/proto.h"

/* Decoded-bytes cap: small, so the caps are reached too. */
#define FUZZ_MAX	(64u * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_sign_req *req = NULL;
	struct proto_raw_req *raw = NULL;
	struct zs_errbuf eb;
	char *body;
	int r;

	zs_errclear(&eb);
	r = proto_sign_parse(data, size, FUZZ_MAX, &req, &eb);
	if (r == 0) {
		if (req == NULL || req->argv == NULL || req->files == NULL ||
		    req->argv[req->argc] != NULL)
			abort();
		proto_sign_free(req);
	} else {
		if (req != NULL || eb.msg[0] == '\0' ||
		    proto_http_status(r) < 400)
			abort();
		body = proto_error_body(r, eb.msg);
		free(body);
	}
	zs_errclear(&eb);
	req = NULL;
	r = proto_sign_parse_bin(data, size, FUZZ_MAX, &req, &eb);
	if (r == 0) {
		/* Every file lies inside the body it was cut from. */
		if (req == NULL || req->files == NULL ||
		    fileset_bytes(req->files) > size)
			abort();
		proto_sign_free(req);
	} else if (req != NULL || eb.msg[0] == '\0' ||
	    proto_http_status(r) < 400)
		abort();
	zs_errclear(&eb);
	if ((r = proto_raw_parse(data, size, FUZZ_MAX, &raw, &eb)) == 0) {
		if (raw == NULL || (raw->data == NULL) ==
		    (raw->digest_len == 0))
			abort();
		proto_raw_free(raw);
	} else if (raw != NULL || eb.msg[0] == '\0' ||
	    proto_http_status(r) < 400)
		abort();
	return 0;
}

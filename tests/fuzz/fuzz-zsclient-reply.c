/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential fuzz target for zsclient_reply_parse() (client/zsclient.c):
 * reply bytes from a server must decode exactly as json_loadb() decodes
 * them, lifted "files" strings or not.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "client/zsclient.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t *want, *got;
	json_error_t jerr;

	want = json_loadb((const char *)data, len, 0, &jerr);
	got = zsclient_reply_parse((const char *)data, len);
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && !json_equal(want, got)))
		abort();
	json_decref(want);
	json_decref(got);
	return 0;
}

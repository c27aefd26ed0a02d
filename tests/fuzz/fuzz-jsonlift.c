/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential fuzz target for jsonlift_loadb() (common/jsonlift.c): bytes
 * must decode exactly as json_loadb() decodes them, lifted "files"
 * strings or not, with the same error.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/jsonlift.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t *want, *got;
	json_error_t jerr, jerr2;

	want = json_loadb((const char *)data, len, 0, &jerr);
	got = jsonlift_loadb((const char *)data, len, 0, &jerr2);
	if ((want == NULL) != (got == NULL) ||
	    (want != NULL && !json_equal(want, got)) ||
	    (want == NULL && strcmp(jerr.text, jerr2.text) != 0))
		abort();
	json_decref(want);
	json_decref(got);
	return 0;
}

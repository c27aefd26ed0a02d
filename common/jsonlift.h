/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A faster json_loadb() for zsign's request and reply bodies, whose
 * top-level "files" object holds whole images in base64.
 */
#ifndef ZS_JSONLIFT_H
#define ZS_JSONLIFT_H

#include <stddef.h>

#include <jansson.h>

/*
 * Parse text exactly as json_loadb(text, len, flags, err) would (same
 * result, same error), but with the plain string values of the top-level
 * "files" object kept away from jansson's lexer.
 */
json_t	*jsonlift_loadb(const char *text, size_t len, size_t flags,
	    json_error_t *err);

#endif /* ZS_JSONLIFT_H */

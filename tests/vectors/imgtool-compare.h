/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Comparison of a signer's output with one imgtool reference case, by the
 * rules of tests/vectors/imgtool/README.md: exact, or structural (piecewise,
 * signatures verified, key wraps unwrapped, encrypted bodies decrypted).
 * Shared by the in-process engine test and the client/daemon tests.
 */
#ifndef ZS_IMGTOOL_COMPARE_H
#define ZS_IMGTOOL_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Longest explanation of a mismatch. */
#define IMGTOOL_CMP_MSG_MAX	512

/* Load cases.json of vecdir: the "cases" array; *rootp to decref. */
json_t	*imgtool_cases_load(const char *vecdir, json_t **rootp);
/* The case named name in cases, or NULL. */
json_t	*imgtool_case_find(json_t *cases, const char *name);
/* Is the case an error case (an "expect" member)? */
int	 imgtool_case_is_error(json_t *c);
/*
 * Compare out (and sig, the --sig-out bytes, when the case has one) with
 * the case's expectations. Returns 0 when they match, -1 with msg set.
 */
int	 imgtool_compare(const char *vecdir, json_t *c, const uint8_t *out,
	    size_t outlen, const uint8_t *sig, size_t siglen, char *msg,
	    size_t msglen);

#endif /* ZS_IMGTOOL_COMPARE_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rimage reference vectors (tests/vectors/rimage): reading cases.json
 * and comparing a run's outputs with expected/ by the README's rules.
 * Shared by the in-process engine test, rimage-compare and the e2e test.
 */
#ifndef ZS_RIMAGE_VECTORS_H
#define ZS_RIMAGE_VECTORS_H

#include <stddef.h>

#include <jansson.h>

#include "common/fileset.h"

/* Longest explanation of a mismatch. */
#define RV_WHY_MAX	512

/* Load <dir>/cases.json; *rootp is a new reference. */
int	rv_load_cases(const char *dir, json_t **rootp);
/* The case named name in root (borrowed), or NULL. */
json_t	*rv_find_case(json_t *root, const char *name);
/*
 * Check one run of case c (directory casedir): rc is the signer's status,
 * out holds the produced files named prefix + basename (e.g. "out/").
 * Returns 0 when the run matches, else -1 with the reason in why.
 */
int	rv_check_case(json_t *c, const char *casedir, int rc,
	    const struct fileset *out, const char *prefix, char *why,
	    size_t whylen);
/* Read the files a case's argv names, relative to casedir, into in. */
int	rv_load_inputs(json_t *c, const char *casedir, struct fileset *in);

/* buf := a "/" b; -1 if it does not fit. */
int	rv_path(char *buf, size_t len, const char *a, const char *b);
/* Append " (msg)" to why, truncating. */
void	rv_append(char *why, size_t len, const char *msg);

#endif /* ZS_RIMAGE_VECTORS_H */

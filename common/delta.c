/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding an input's bytes again in a signed output: memmem() for the
 * input's last DELTA_ANCHOR bytes, then a backward comparison block by
 * block. Every byte of a run found is compared, so a run is always exact.
 */
#include "config.h"

#include <string.h>

#include "common/delta.h"

/* Bytes of the input's tail searched for in the output. */
#define DELTA_ANCHOR	64
/* Bytes compared per memcmp() while a run is extended backwards. */
#define DELTA_BLOCK	4096

/*
 * Move o and i back while out[o-1..] and in[i-1..] agree, a block at a
 * time; *op and *ip end at the first byte of the run.
 */
static void
delta_back(const uint8_t *out, const uint8_t *in, size_t *op, size_t *ip)
{
	size_t o = *op, i = *ip, n;

	while (o > 0 && i > 0) {
		n = DELTA_BLOCK;
		if (n > o)
			n = o;
		if (n > i)
			n = i;
		if (memcmp(out + o - n, in + i - n, n) != 0) {
			while (out[o - 1] == in[i - 1]) {
				o--;
				i--;
			}
			break;
		}
		o -= n;
		i -= n;
	}
	*op = o;
	*ip = i;
}

int
delta_find(const uint8_t *out, size_t outlen, const uint8_t *in,
    size_t inlen, struct delta_run *runp)
{
	const uint8_t *hit;
	size_t o, i;

	if (inlen < DELTA_MIN || outlen < DELTA_MIN)
		return -1;
	hit = memmem(out, outlen, in + inlen - DELTA_ANCHOR, DELTA_ANCHOR);
	if (hit == NULL)
		return -1;
	/* out[o..) and in[i..) agree up to in's end; move both back. */
	o = (size_t)(hit - out);
	i = inlen - DELTA_ANCHOR;
	delta_back(out, in, &o, &i);
	if (inlen - i < DELTA_MIN)
		return -1;
	runp->outoff = o;
	runp->inoff = i;
	runp->len = inlen - i;
	return 0;
}

void
delta_extend(const uint8_t *out, const uint8_t *in, struct delta_run *runp)
{
	size_t o = runp->outoff, i = runp->inoff, end = i + runp->len;

	delta_back(out, in, &o, &i);
	runp->outoff = o;
	runp->inoff = i;
	runp->len = end - i;
}

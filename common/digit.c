/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digits of integer literals: one place for the digit values and the
 * overflow check that every hand-written number parser needs.
 */
#include "config.h"

#include "common/digit.h"
#include "common/zserr.h"

int
zs_digit_value(int c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

int
zs_digit_push(uint64_t *vp, int base, int d, uint64_t lim)
{
	if (*vp > (lim - (uint64_t)d) / (uint64_t)base)
		return ZS_ERR_TOO_LARGE;
	*vp = *vp * (uint64_t)base + (uint64_t)d;
	return 0;
}

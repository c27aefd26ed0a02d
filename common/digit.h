/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digits of integer literals in bases 2 to 16, shared by the hand-written
 * parsers (TOML, Kconfig, Intel HEX, imgtool and rimage options) so that
 * each keeps only its own syntax rules.
 */
#ifndef ZS_DIGIT_H
#define ZS_DIGIT_H

#include <stdint.h>

/* The value of c as a digit of base (2..16, either case), or -1. */
int	 zs_digit_value(int c, int base);
/*
 * Append digit d (0 <= d < base) to *vp unless the result would exceed
 * lim: 0, or ZS_ERR_TOO_LARGE with *vp unchanged.
 */
int	 zs_digit_push(uint64_t *vp, int base, int d, uint64_t lim);

#endif

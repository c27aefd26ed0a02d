/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a signed file repeats its input: the longest run of an input that
 * ends with the input's last bytes and appears whole in the output, so a
 * reply can name it instead of carrying it (PROTOCOL.md 5.8). Format-blind:
 * MCUboot's header, TLVs and padding around the image are what is left.
 */
#ifndef ZS_DELTA_H
#define ZS_DELTA_H

#include <stddef.h>
#include <stdint.h>

/* Shortest run worth a reference (shorter ones travel as bytes). */
#define DELTA_MIN	4096

/* Where in[inoff..inoff+len) equals out[outoff..outoff+len). */
struct delta_run {
	size_t	outoff;
	size_t	inoff;
	size_t	len;
};

/*
 * Find in's tail in out and extend it backwards as far as both agree;
 * 0 and *runp when the run is at least DELTA_MIN bytes, else -1.
 */
int	delta_find(const uint8_t *out, size_t outlen, const uint8_t *in,
	    size_t inlen, struct delta_run *runp);

/*
 * Extend *runp, a run known to be exact and to end with in's last byte
 * (a signer's note of where it copied its input), backwards as far as
 * both agree, as delta_find() would.
 */
void	delta_extend(const uint8_t *out, const uint8_t *in,
	    struct delta_run *runp);

#endif /* ZS_DELTA_H */

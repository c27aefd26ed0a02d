/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel HEX reader and writer. The reader is strict (checksums, record
 * types, overlaps) and flattens to a byte image; the writer emits text
 * exactly as Python's intelhex 2.3 does, which is what imgtool writes.
 */
#ifndef ZS_IHEX_H
#define ZS_IHEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/zserr.h"

/* Largest flattened image the reader produces (gap fill included). */
#define IHEX_IMAGE_MAX		(64u * 1024 * 1024)
/* Longest accepted line of HEX text. */
#define IHEX_LINE_MAX		1024

/* One contiguous run of data at an absolute address. */
struct ihex_segment {
	uint32_t	 addr;
	const uint8_t	*data;	/* borrowed */
	size_t		 len;
};

/*
 * Parse HEX text and flatten it from its lowest to its highest address,
 * holes filled with fill. *basep gets the lowest address, *imgp the
 * malloc'd image, *lenp its length.
 */
int	ihex_read(const char *text, size_t textlen, uint8_t fill,
	    uint32_t *basep, uint8_t **imgp, size_t *lenp,
	    struct zs_errbuf *eb);
/*
 * Append the segments as Intel HEX text to out, in intelhex 2.3's layout:
 * upper-case, 16 data bytes a record from the start of each run, type 04
 * records only when an address exceeds 0xFFFF, no start record, EOF record.
 * Segments must be sorted and must not overlap.
 */
int	ihex_write(const struct ihex_segment *segs, size_t nsegs,
	    struct buf *out, struct zs_errbuf *eb);

#endif /* ZS_IHEX_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz lib/ihex.c: ihex_read() on arbitrary text, then ihex_write() of what
 * it accepted, which must read back to the same image.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/zserr.h"
#include "lib/ihex.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ihex_segment seg;
	struct zs_errbuf eb;
	struct buf *out;
	uint8_t *img, *img2;
	size_t len, len2;
	uint32_t base, base2;

	if (ihex_read((const char *)data, size, 0xFF, &base, &img, &len,
	    &eb) != 0)
		return 0;
	seg.addr = base;
	seg.data = img;
	seg.len = len;
	if ((out = buf_new(0)) == NULL)
		abort();
	if (ihex_write(&seg, 1, out, &eb) != 0)
		abort();
	if (ihex_read((const char *)buf_ptr(out), buf_len(out), 0x00, &base2,
	    &img2, &len2, &eb) != 0)
		abort();
	if (base2 != base || len2 != len || memcmp(img, img2, len) != 0)
		abort();
	free(img2);
	free(img);
	buf_free(out);
	return 0;
}

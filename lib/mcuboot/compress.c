/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --compression: the raw LZMA2 stream Python's lzma module writes for
 * imgtool's filter chain (optionally ARM-Thumb BCJ first), and the 2-byte
 * header MCUboot's decompressor expects before it.
 */
#include "config.h"

#include <lzma.h>
#include <string.h>

#include "lib/mcuboot/mcuboot-int.h"

/* imgtool's comp_default_* settings. */
#define COMP_PRESET	9
#define COMP_DICT_SIZE	(128u * 1024)
#define COMP_LC		3
#define COMP_LP		1
#define COMP_PB		2
/* Output chunk while encoding. */
#define COMP_CHUNK	(64u * 1024)

/* LZMA2 dictionary size for code i (lzma2 spec: 2 or 3 times 2^(i/2+11)). */
static uint32_t
dict_size(unsigned i)
{
	return (2u | (i & 1u)) << (i / 2 + 11);
}

void
mcuboot_lzma_header(uint8_t hdr[2])
{
	unsigned i;

	for (i = 0; i < 40 && COMP_DICT_SIZE > dict_size(i); i++)
		;
	hdr[0] = (uint8_t)i;
	hdr[1] = (COMP_PB * 5 + COMP_LP) * 9 + COMP_LC;
}

int
mcuboot_lzma_compress(enum mcuboot_comp comp, const uint8_t *in, size_t len,
    struct buf *out, struct zs_errbuf *eb)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	lzma_filter f[3];
	lzma_action act = LZMA_RUN;
	lzma_ret lr;
	uint8_t *p;
	size_t n = 0;
	int r;

	if (lzma_lzma_preset(&opt, COMP_PRESET))
		return zs_errf(eb, ZS_ERR_INTERNAL, "lzma preset failed");
	opt.dict_size = COMP_DICT_SIZE;
	opt.lc = COMP_LC;
	opt.lp = COMP_LP;
	opt.pb = COMP_PB;
	if (comp == COMP_LZMA2_ARMTHUMB) {
		f[n].id = LZMA_FILTER_ARMTHUMB;
		f[n++].options = NULL;
	}
	f[n].id = LZMA_FILTER_LZMA2;
	f[n++].options = &opt;
	f[n].id = LZMA_VLI_UNKNOWN;
	f[n].options = NULL;
	if (lzma_raw_encoder(&s, f) != LZMA_OK)
		return zs_errf(eb, ZS_ERR_INTERNAL, "lzma encoder init failed");
	/* Like Python: all input with LZMA_RUN, then LZMA_FINISH. */
	s.next_in = in;
	s.avail_in = len;
	for (;;) {
		if (s.avail_in == 0)
			act = LZMA_FINISH;
		if ((r = buf_reserve(out, COMP_CHUNK, &p)) != 0) {
			zs_errf(eb, r, "compressed image too large");
			goto out;
		}
		s.next_out = p;
		s.avail_out = COMP_CHUNK;
		lr = lzma_code(&s, act);
		buf_truncate(out, buf_len(out) - s.avail_out);
		if (lr == LZMA_STREAM_END)
			break;
		if (lr != LZMA_OK) {
			r = zs_errf(eb, ZS_ERR_INTERNAL, "lzma error %d",
			    (int)lr);
			goto out;
		}
	}
	r = 0;
 out:
	lzma_end(&s);
	return r;
}

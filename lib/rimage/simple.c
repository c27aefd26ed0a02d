/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unsigned "Reef" image of config version 1.0 (i.MX, AMD, MediaTek):
 * a file header, then per module a header and one typed block per text
 * and data section (ELF order), each padded to 4 bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Sizes of the file, module and block headers. */
#define REEF_HDR_LEN	16
#define REEF_MOD_LEN	12
#define REEF_BLK_LEN	12
/* The only ABI rimage writes. */
#define REEF_ABI	1

/* First zone (by index) containing [start, start+size), as rimage tests. */
static int
zone_of(const struct rimage_cfg *c, uint32_t start, uint32_t size)
{
	uint32_t end = start + size, base, zend;
	int i;

	for (i = 0; i < RIMAGE_ZONES; i++) {
		base = c->zones[i].base;
		zend = base + c->zones[i].size;
		if (start < base || start >= zend || end > zend)
			continue;
		return i;
	}
	return -1;
}

static int
simple_blocks(const struct rimage_cfg *c, const struct rimage_module *m,
    enum rimage_sclass cls, struct buf *b, uint32_t *nblk,
    struct zs_errbuf *eb)
{
	const struct rimage_msec *s;
	uint32_t size, pad;
	size_t i;
	int z;

	for (i = 0; i < m->nsecs; i++) {
		s = &m->secs[i];
		if (s->skip || s->cls != cls)
			continue;
		if ((z = zone_of(c, s->lma, s->sh->size)) < 0)
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: section %s "
			    "(0x%x/0x%x) is in no memory zone", m->elf.name,
			    s->sh->name, s->lma, s->sh->size);
		pad = (4 - s->sh->size % 4) % 4;
		size = s->sh->size + pad;
		if (buf_put_u32(b, (uint32_t)z, 0) != 0 ||
		    buf_put_u32(b, size, 0) != 0 ||
		    buf_put_u32(b, s->lma - c->zones[z].base +
		    c->zones[z].host_offset, 0) != 0 ||
		    buf_put(b, rimage_elf_content(&m->elf, s->sh),
		    s->sh->size) != 0 || buf_put_fill(b, 0, pad) != 0)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: image "
			    "too large");
		(*nblk)++;
	}
	return 0;
}

int
rimage_simple_build(const struct rimage_cfg *c, struct rimage_module *mods,
    size_t n, struct rimage_out *o, struct zs_errbuf *eb)
{
	struct buf *b = buf_new_plain(RIMAGE_IMAGE_MAX);
	size_t i, hdr, len;
	uint32_t nblk;
	uint8_t *p;
	int r;

	if (buf_put(b, "Reef", 4) != 0 || buf_put_u32(b, 0, 0) != 0 ||
	    buf_put_u32(b, (uint32_t)n, 0) != 0 ||
	    buf_put_u32(b, REEF_ABI, 0) != 0) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: image too large");
		goto out;
	}
	for (i = 0; i < n; i++) {
		hdr = buf_len(b);
		nblk = 0;
		if (buf_put_fill(b, 0, REEF_MOD_LEN) != 0) {
			r = zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: image too "
			    "large");
			goto out;
		}
		if ((r = simple_blocks(c, &mods[i], RIMAGE_SC_TEXT, b, &nblk,
		    eb)) != 0 ||
		    (r = simple_blocks(c, &mods[i], RIMAGE_SC_DATA, b, &nblk,
		    eb)) != 0)
			goto out;
		p = buf_mutable_ptr(b) + hdr;
		zs_set_u32(p + 4, (uint32_t)(buf_len(b) - hdr - REEF_MOD_LEN),
		    0);
		zs_set_u32(p + 8, nblk, 0);
	}
	/*
	 * rimage counts 12 * num_modules module-header bytes per module; with
	 * one module (every i.MX image) that is simply total - 16.
	 */
	len = buf_len(b) - REEF_HDR_LEN + (n * REEF_MOD_LEN) * n - n *
	    REEF_MOD_LEN;
	zs_set_u32(buf_mutable_ptr(b) + 4, (uint32_t)len, 0);
	o->image = buf_steal(b, &o->image_len);
	r = 0;
out:
	buf_free(b);
	return r;
}

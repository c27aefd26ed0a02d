/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image trailer at the end of a slot: its size as imgtool computes
 * it (swap status, key slots, flags, magic), the boot magic, and the
 * erased fill written by --pad/--confirm/--test.
 */
#include "config.h"

#include <string.h>

#include "lib/mcuboot/mcuboot-int.h"

/* Boot magic for max_align 8, and the tail of the one for 16/32. */
static const uint8_t magic_v1[MCUBOOT_MAGIC_LEN] = {
	0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
	0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80 };
static const uint8_t magic_v2_tail[MCUBOOT_MAGIC_LEN - 2] = {
	0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d, 0x77,
	0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a };

static size_t
align_up(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

void
mcuboot_boot_magic(unsigned max_align, int be,
    uint8_t magic[MCUBOOT_MAGIC_LEN])
{
	if (max_align == MCUBOOT_MAX_ALIGN_DEF)
		memcpy(magic, magic_v1, MCUBOOT_MAGIC_LEN);
	else {
		zs_set_u16(magic, (uint16_t)max_align, be);
		memcpy(magic + 2, magic_v2_tail, sizeof(magic_v2_tail));
	}
}

int
mcuboot_trailer_compute(const struct mcuboot_args *a, int encrypted,
    size_t enctlv_len, struct mcuboot_trailer *t)
{
	unsigned long long m, sz;
	size_t keyslot;

	memset(t, 0, sizeof(*t));
	t->align = (unsigned)a->align;
	if (a->max_align != 0)
		t->max_align = (unsigned)a->max_align;
	else
		t->max_align = t->align > MCUBOOT_MAX_ALIGN_DEF ? t->align :
		    MCUBOOT_MAX_ALIGN_DEF;
	t->magic_area = (unsigned)align_up(MCUBOOT_MAGIC_LEN, t->max_align);
	mcuboot_boot_magic(t->max_align, a->big_endian, t->magic);
	if (a->overwrite_only) {
		t->size = 2 * (size_t)t->max_align + t->magic_area;
		return 0;
	}
	m = a->has_max_sectors ? a->max_sectors : MCUBOOT_MAX_SECTORS;
	sz = m * 3 * t->align;		/* swap status; m < 2^32 */
	if (encrypted) {
		/* imgtool uses 16 here even for AES-256 keys. */
		keyslot = a->save_enctlv ? align_up(enctlv_len, t->max_align) :
		    align_up(16, t->max_align);
		sz += 2 * (unsigned long long)keyslot;
	}
	sz += 4 * (unsigned long long)t->max_align + t->magic_area;
	t->size = (size_t)sz;
	return 0;
}

int
mcuboot_trailer_append(const struct mcuboot_args *a,
    const struct mcuboot_trailer *t, size_t image_len, struct buf *out)
{
	size_t fill = 0, start;
	uint8_t *p;
	int r;

	if (a->slot_size > image_len + t->size)
		fill = (size_t)a->slot_size - image_len - t->size;
	start = buf_len(out);
	if ((r = buf_put_fill(out, (uint8_t)a->erased_val,
	    fill + t->size - MCUBOOT_MAGIC_LEN)) != 0 ||
	    (r = buf_put(out, t->magic, MCUBOOT_MAGIC_LEN)) != 0)
		return r;
	/* image_ok; --test leaves it erased, --overwrite-only ignores it. */
	if (a->confirm && !a->overwrite_only) {
		p = buf_mutable_ptr(out) + start + fill + t->size -
		    t->magic_area - t->max_align;
		*p = 0x01;
	}
	return 0;
}

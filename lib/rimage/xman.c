/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extended manifest written with -e: the "$AE1" module table built
 * from the config's [module] entries, or else an "XMan" header followed
 * by the first non-boot input's .fw_metadata section, whose element chain
 * is checked first.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Header sizes and versions of the two formats. */
#define AE1_HDR_LEN		16
#define XMAN_HDR_LEN		16
#define XMAN_VERSION		0x01000000u
/* .fw_metadata elements are {u32 type, u32 size}, size a multiple of 16. */
#define XMAN_ELEM_HDR		8
#define XMAN_ELEM_ALIGN		16
/* Largest .fw_metadata section accepted. */
#define XMAN_DATA_MAX		(1024u * 1024)

static int
xman_ae1(const struct rimage_cfg *c, struct rimage_out *o)
{
	size_t len = AE1_HDR_LEN, i;
	uint8_t *p;

	for (i = 0; i < c->nmods; i++)
		len += c->mods[i].xman_len;
	p = o->xman = xmalloc(len);
	o->xman_len = len;
	memcpy(p, "$AE1", 4);
	zs_set_u32(p + 4, (uint32_t)len, 0);
	zs_set_u16(p + 8, 1, 0);
	zs_set_u16(p + 10, 0, 0);
	zs_set_u32(p + 12, (uint32_t)c->nmods, 0);
	p += AE1_HDR_LEN;
	for (i = 0; i < c->nmods; i++) {
		memcpy(p, c->mods[i].xman, c->mods[i].xman_len);
		p += c->mods[i].xman_len;
	}
	return 0;
}

static int
xman_fw_metadata(const struct rimage_module *mods, size_t n,
    struct rimage_out *o, struct zs_errbuf *eb)
{
	const struct rimage_section *s = NULL;
	const struct rimage_module *m = NULL;
	const uint8_t *d;
	uint64_t off = 0;
	uint32_t esize;
	size_t i;

	for (i = 0; i < n && s == NULL; i++) {
		if (mods[i].is_boot)
			continue;
		m = &mods[i];
		s = rimage_elf_find(&m->elf, ".fw_metadata");
	}
	if (s == NULL)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: -e needs a "
		    ".fw_metadata section in a non-boot module");
	if (s->type == SHT_NOBITS || s->size > XMAN_DATA_MAX ||
	    (XMAN_HDR_LEN + s->size) % 4 != 0)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: bad .fw_metadata "
		    "section", m->elf.name);
	d = rimage_elf_content(&m->elf, s);
	while (off < s->size) {
		if (off + XMAN_ELEM_HDR > s->size)
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: extended "
			    "manifest header straddles section end",
			    m->elf.name);
		esize = zs_get_u32(d + off + 4, 0);
		if (esize == 0 || esize % XMAN_ELEM_ALIGN != 0)
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: invalid "
			    "extended manifest element size", m->elf.name);
		off += esize;
	}
	if (off != s->size)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: .fw_metadata elements "
		    "do not add up to the section size", m->elf.name);
	o->xman_len = XMAN_HDR_LEN + s->size;
	o->xman = xmalloc(o->xman_len);
	memcpy(o->xman, "XMan", 4);
	zs_set_u32(o->xman + 4, (uint32_t)o->xman_len, 0);
	zs_set_u32(o->xman + 8, XMAN_HDR_LEN, 0);
	zs_set_u32(o->xman + 12, XMAN_VERSION, 0);
	memcpy(o->xman + XMAN_HDR_LEN, d, s->size);
	return 0;
}

int
rimage_xman_build(const struct rimage_cfg *cfg,
    const struct rimage_module *mods, size_t nmods, struct rimage_out *o,
    struct zs_errbuf *eb)
{
	if (cfg->has_modules)
		return xman_ae1(cfg, o);
	return xman_fw_metadata(mods, nmods, o, eb);
}

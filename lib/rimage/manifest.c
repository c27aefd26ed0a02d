/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CSE/CSS manifest images of cAVS 1.8, cAVS 2.5 and ACE 1.5: header
 * template, module placement, the computed fields, hashes and signature,
 * in rimage's order, plus re-signing an existing image (-q). The three
 * families differ only in the offsets and sizes of one layout table.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Segment flag words rimage writes (contents/alloc/load/.. + type). */
#define SEG_TEXT	0x001Fu
#define SEG_DATA	0x0127u
#define SEG_BSS		0x0202u
#define SEG_EMPTY	0x0F00u
/* Type bits copied from .module: load_type, auto_start, ll, dp, user. */
#define MOD_TYPE_FROM_ELF	(0xFu | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 17)
/* ACE image type (bits 1-2 of fw_image_flags) for a main firmware. */
#define ACE_IMG_TYPE_MASK	0x6u
#define ACE_IMG_TYPE_MAIN	0x2u
/* Values ACE forces into the descriptor. */
#define ACE_FEATURE_MASK	0x2u
#define ACE_FW_COMPAT		0x100000u
/* ACE's ext 0x16 hash skips to this hard-coded offset. */
#define ACE_X16_HASH_FROM	0x4C0u
/* Ext 0x16 constant words, "copied from meu". */
static const uint32_t x16_data[5] = { 0x10000000, 0, 1, 0, 0x3003 };

struct man_layout {
	enum rimage_family	 fam;
	size_t			 cse_hdr_len;
	size_t			 css_off, css_len;
	size_t			 spkg_off, spkg_len, spkg_mod, hash_len;
	size_t			 pinfo_off;	/* 0: none */
	size_t			 x16_off;	/* 0: none */
	size_t			 meta_off, meta_len;
	size_t			 hashed;	/* H: the hashed body */
	size_t			 uns_off;
};

static const struct man_layout layouts[] = {
	{ RIMAGE_FAM_CAVS18, 16, 0x58, 0x284, 0x2DC, 0x68, 52, 32,
	    0x344, 0, 0x400, 0x60, 0x480, 0x480 },
	{ RIMAGE_FAM_CAVS25, 20, 0x5C, 0x384, 0x3E0, 0x78, 52, 48,
	    0, 0x458, 0x4C0, 0x70, 0x540, 0x550 },
	{ RIMAGE_FAM_ACE15, 20, 0x5C, 0x384, 0x3E0, 0x6C, 40, 48,
	    0, 0x44C, 0x4B4, 0x70, 0x534, 0x544 },
};

static const struct man_layout *
layout_of(enum rimage_family fam)
{
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].fam == fam)
			return &layouts[i];
	return NULL;
}

static void
put32(uint8_t *p, uint32_t v)
{
	zs_set_u32(p, v, 0);
}

static uint32_t
get32(const uint8_t *p)
{
	return zs_get_u32(p, 0);
}

/* CRC-32/ISO-HDLC (zlib's crc32) of a short buffer. */
static uint32_t
crc32_iso(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

static int
digest(const EVP_MD *md, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t *out, struct zs_errbuf *eb)
{
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return zs_errf(eb, ZS_ERR_NOMEM, "rimage: out of memory");
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, a, alen) == 1 &&
	    (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	    EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : zs_errf(eb, ZS_ERR_CRYPTO, "rimage: digest failed");
}

static void
reverse_inplace(uint8_t *p, size_t n)
{
	uint8_t t;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		t = p[i];
		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

/* The header structures before any module is placed. */
static void
man_template(const struct man_layout *L, const struct rimage_args *a,
    const struct rimage_cfg *c, uint8_t *img)
{
	uint8_t *css = img + L->css_off, *sp = img + L->spkg_off;
	uint8_t *pi, *x, *meta = img + L->meta_off, *d = img + RIMAGE_DESC_OFF;
	uint32_t flags, features, compat;
	size_t i;

	memcpy(img, "$CPD", 4);
	put32(img + 4, 3);
	img[8] = c->cse_hdr_version;
	img[9] = c->cse_entry_version;
	img[10] = (uint8_t)L->cse_hdr_len;
	memcpy(img + 12, c->cse_name, 4);
	for (i = 0; i < 3; i++) {
		x = img + L->cse_hdr_len + 24 * i;
		memcpy(x, c->cse_entry[i].name, 12);
		put32(x + 12, c->cse_entry[i].offset);
		put32(x + 16, c->cse_entry[i].length);
	}

	put32(css, c->css_header_type);
	put32(css + 4, c->css_header_len);
	put32(css + 8, c->css_header_version);
	put32(css + 12, (uint32_t)a->pv_bit);
	put32(css + 16, c->css_vendor);
	put32(css + 24, c->css_size);
	memcpy(css + 28, "$MN2", 4);
	zs_set_u16(css + 36, a->fw_major, 0);
	zs_set_u16(css + 38, a->fw_minor, 0);
	zs_set_u16(css + 42, a->fw_build, 0);
	put32(css + 44, c->css_svn);
	if (c->family != RIMAGE_FAM_CAVS18) {
		/* rimage hard-codes these "to align with meu". */
		put32(css + 48, 0xF);
		put32(css + 52, 0x048E0000);
	}
	put32(css + 120, c->css_modulus_size);
	put32(css + 124, c->css_exponent_size);

	memcpy(sp + 8, c->spkg_name, 4);
	put32(sp + 12, c->spkg_vcn);
	if (c->family == RIMAGE_FAM_ACE15) {
		put32(sp, 0x23);
		put32(sp + 16, c->spkg_svn);
		sp[20] = (uint8_t)(0x20 + a->imr_type);
		sp[22] = c->spkg_fw_type;
		sp[23] = c->spkg_fw_sub_type;
	} else {
		put32(sp, 15);
		memcpy(sp + 16, c->spkg_bitmap, 16);
		put32(sp + 32, c->spkg_svn);
		sp[36] = c->spkg_fw_type;
		sp[37] = c->spkg_fw_sub_type;
	}
	put32(sp + 4, (uint32_t)L->spkg_len);
	x = sp + L->spkg_mod;
	memcpy(x, c->spkg_mod_name, 12);
	x[12] = c->spkg_mod_type;
	x[13] = c->spkg_mod_hash_algo;
	if (c->family != RIMAGE_FAM_ACE15)
		zs_set_u16(x + 14, c->spkg_mod_hash_size, 0);
	put32(x + 16, c->spkg_mod_meta_size);

	if (L->pinfo_off != 0) {
		pi = img + L->pinfo_off;
		put32(pi, 3);
		put32(pi + 4, 0x8C);
		memcpy(pi + 8, c->pinfo_name, 4);
		/* rimage quirk: vcn receives fmt_version; fmt_version is 0. */
		put32(pi + 48, c->pinfo_fmt_version);
		put32(pi + 52, c->pinfo_part_version);
		put32(pi + 60, c->pinfo_instance_id);
		put32(pi + 64, c->pinfo_part_flags);
		memset(pi + 68, 0xFF, 20);
		if (c->pinfo_nmod > 0) {
			memcpy(pi + 88, c->pinfo_mod_name, 12);
			pi[100] = c->pinfo_mod_type;
			pi[102] = pi[103] = 0xFF;
			put32(pi + 104, c->pinfo_mod_meta_size);
		}
	}
	if (L->x16_off != 0) {
		x = img + L->x16_off;
		put32(x, 0x16);
		put32(x + 4, 0x68);
		memcpy(x + 8, "ADSP", 4);
		for (i = 0; i < 5; i++)
			put32(x + 16 + 4 * i, x16_data[i]);
	}

	put32(meta, 17);
	put32(meta + 4, (uint32_t)L->meta_len);
	put32(meta + 8, c->family != RIMAGE_FAM_ACE15 && a->imr_override ?
	    a->imr_type : c->meta_imr_type);
	put32(meta + 36, c->comp_version);
	for (i = 0; i < 4; i++)
		put32(meta + 48 + L->hash_len + 4 * i, c->comp_attributes[i]);
	put32(meta + 40 + L->hash_len, c->comp_base_offset);

	flags = c->desc_flags;
	features = c->desc_features;
	compat = c->desc_hw_buf_base;
	if (c->family == RIMAGE_FAM_ACE15) {
		flags = (flags & ~ACE_IMG_TYPE_MASK) | ACE_IMG_TYPE_MAIN;
		features = ACE_FEATURE_MASK;
		compat = ACE_FW_COMPAT;
	}
	memcpy(d, "$AM1", 4);
	put32(d + 4, RIMAGE_DESC_HDR_LEN);
	memcpy(d + 8, c->desc_name, 8);
	put32(d + 16, c->desc_preload);
	put32(d + 20, flags);
	put32(d + 24, features);
	zs_set_u16(d + 28, a->fw_major, 0);
	zs_set_u16(d + 30, a->fw_minor, 0);
	zs_set_u16(d + 32, a->fw_micro, 0);
	zs_set_u16(d + 34, a->fw_build, 0);
	put32(d + 40, compat);
	put32(d + 44, c->desc_hw_buf_len);
	put32(d + 48, c->desc_load_offset);
}

static uint8_t *
mod_entry(uint8_t *img, size_t i)
{
	return img + RIMAGE_DESC_OFF + RIMAGE_DESC_HDR_LEN +
	    RIMAGE_MOD_ENTRY_LEN * i;
}

static void
seg_set(uint8_t *e, int k, uint32_t flags, uint32_t vbase, uint32_t foff)
{
	put32(e + 80 + 12 * k, flags);
	put32(e + 84 + 12 * k, vbase);
	put32(e + 88 + 12 * k, foff);
}

/* Copy one class of sections at seg_off + (LMA - vbase). */
static int
copy_sections(const struct rimage_module *m, enum rimage_sclass cls,
    uint32_t vbase, uint64_t seg_off, uint8_t *img, size_t img_size,
    uint64_t *endp, struct zs_errbuf *eb)
{
	const struct rimage_msec *s;
	uint64_t dst;
	size_t i;

	for (i = 0; i < m->nsecs; i++) {
		s = &m->secs[i];
		if (s->skip || s->cls != cls)
			continue;
		dst = seg_off + (s->lma - vbase);
		if (dst + s->sh->size > img_size)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: section %s "
			    "does not fit adsp.image_size 0x%zx", m->elf.name,
			    s->sh->name, img_size);
		memcpy(img + dst, rimage_elf_content(&m->elf, s->sh),
		    s->sh->size);
		if (dst + s->sh->size > *endp)
			*endp = dst + s->sh->size;
	}
	return 0;
}

/* rimage's man_module_validate(): no two segments overlap in pages. */
static int
segments_check(const uint8_t *e, const char *name, struct zs_errbuf *eb)
{
	uint32_t is, ie, js, je;
	int i, j;

	for (i = 0; i < 3; i++) {
		is = get32(e + 84 + 12 * i);
		ie = is + (get32(e + 80 + 12 * i) >> 16) * RIMAGE_PAGE;
		for (j = 0; j < 3; j++) {
			if (i == j)
				continue;
			js = get32(e + 84 + 12 * j);
			je = js + (get32(e + 80 + 12 * j) >> 16) * RIMAGE_PAGE;
			if ((js > is && js < ie) || (je > is && je < ie))
				return zs_errf(eb, ZS_ERR_FORMAT, "%s: module "
				    "segments overlap", name);
		}
	}
	return 0;
}

/* Place one input module at foffset; return its page-aligned end. */
static int
man_module(const struct rimage_cfg *c, const struct rimage_module *m,
    uint8_t *e, uint64_t foffset, uint8_t *img, uint64_t *endp,
    struct zs_errbuf *eb)
{
	const struct rimage_section *man, *bss;
	const uint8_t *sm;
	uint32_t type, fixup, pages, bss_pages = 0, bss_base = 0;
	uint64_t end = 0;
	int r;

	man = rimage_elf_find(&m->elf, ".module");
	if (man == NULL || man->type == SHT_NOBITS)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: can't read module "
		    "manifest from '.module' section", m->elf.name);
	if (man->size < RIMAGE_MODULE_MAN_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: invalid module manifest "
		    "in '.module' section", m->elf.name);
	sm = rimage_elf_content(&m->elf, man);
	memcpy(e, "$AME", 4);
	memcpy(e + 4, sm + 4, 8);
	memcpy(e + 12, sm + 12, 16);
	type = (get32(e + 28) & ~MOD_TYPE_FROM_ELF) |
	    (get32(sm + 28) & MOD_TYPE_FROM_ELF);
	put32(e + 28, type);
	memcpy(e + 64, sm + 64, 4);
	memcpy(e + 72, sm + 72, 4);
	zs_set_u16(e + 76, 1, 0);
	zs_set_u16(e + 78, 1, 0);
	fixup = get32(sm + RIMAGE_MOD_ENTRY_LEN);

	pages = m->text.file_size / RIMAGE_PAGE;
	if (fixup == 0)
		fixup = m->text.file_size;
	if (m->text.file_size > fixup)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: too small text size "
		    "assigned in .module", m->elf.name);
	seg_set(e, 0, SEG_TEXT | pages << 16, m->text.start, (uint32_t)foffset);
	if ((r = copy_sections(m, RIMAGE_SC_TEXT, m->text.start, foffset, img,
	    c->image_size, &end, eb)) != 0)
		return r;
	pages = m->data.file_size / RIMAGE_PAGE;
	if (pages != 0) {
		if (foffset + fixup > UINT32_MAX)
			return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: data does "
			    "not fit", m->elf.name);
		seg_set(e, 1, SEG_DATA | pages << 16, m->data.start,
		    (uint32_t)(foffset + fixup));
		if ((r = copy_sections(m, RIMAGE_SC_DATA, m->data.start,
		    foffset + fixup, img, c->image_size, &end, eb)) != 0)
			return r;
	} else
		seg_set(e, 1, SEG_EMPTY, 0, 0);
	if (!m->is_boot && (bss = rimage_elf_find(&m->elf, ".bss")) != NULL) {
		bss_base = rimage_cfg_cached(c, bss->addr);
		bss_pages = (uint32_t)(((uint64_t)bss->size + RIMAGE_PAGE - 1) /
		    RIMAGE_PAGE);
	}
	seg_set(e, 2, bss_pages ? SEG_BSS | bss_pages << 16 : SEG_EMPTY,
	    bss_base, 0);
	if ((r = segments_check(e, m->elf.name, eb)) != 0)
		return r;
	if (end == 0)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: no text or data to "
		    "place", m->elf.name);
	*endp = (end + RIMAGE_PAGE - 1) & ~(uint64_t)(RIMAGE_PAGE - 1);
	return 0;
}

/* Module entries, TOML-only entries and module configs. */
static int
man_modules(const struct rimage_cfg *c, const struct rimage_module *mods,
    size_t n, uint8_t *img, uint64_t *endp, struct zs_errbuf *eb)
{
	size_t entries = c->has_modules ? c->nmods : n, i;
	uint64_t foffset = RIMAGE_TEXT_OFF, end = 0;
	uint8_t *d = img + RIMAGE_DESC_OFF;
	int r;

	if (RIMAGE_DESC_OFF + RIMAGE_DESC_HDR_LEN +
	    (uint64_t)entries * RIMAGE_MOD_ENTRY_LEN +
	    (uint64_t)c->nmod_cfg * RIMAGE_MOD_CFG_LEN > RIMAGE_TEXT_OFF)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: module entries "
		    "and configs do not fit before the first module");
	for (i = 0; i < n; i++) {
		if (c->has_modules)
			memcpy(mod_entry(img, i), c->mods[i].ame,
			    RIMAGE_MOD_ENTRY_LEN);
		if ((r = man_module(c, &mods[i], mod_entry(img, i), foffset,
		    img, &end, eb)) != 0)
			return r;
		foffset = end;
	}
	for (i = n; c->has_modules && i < c->nmods; i++)
		memcpy(mod_entry(img, i), c->mods[i].ame, RIMAGE_MOD_ENTRY_LEN);
	for (i = 0; i < c->nmod_cfg * 11; i++)
		put32(mod_entry(img, entries) + 4 * i, c->mod_cfg[i]);
	put32(d + 36, (uint32_t)entries);
	*endp = end;
	return 0;
}

/* limit_offset, partition length / ext 0x16 size, preload, date, CSE. */
static void
man_finish(const struct man_layout *L, uint8_t *img, uint32_t end,
    uint32_t date)
{
	uint8_t *meta = img + L->meta_off;
	uint32_t limit, len, sum = 0;
	size_t i;

	limit = RIMAGE_DESC_OFF + end - (uint32_t)L->hashed;
	put32(meta + 44 + L->hash_len, limit);
	/* rimage adds a page even when already aligned (never, here). */
	len = limit - RIMAGE_DESC_OFF;
	len += RIMAGE_PAGE - len % RIMAGE_PAGE;
	if (L->pinfo_off != 0)
		put32(img + L->pinfo_off + 12, len);
	if (L->x16_off != 0)
		put32(img + L->x16_off + 12, end);
	put32(img + RIMAGE_DESC_OFF + 16, len / RIMAGE_PAGE);
	put32(img + L->css_off + 20, date);
	put32(img + L->cse_hdr_len + 2 * 24 + 16, end - (uint32_t)L->hashed);
	if (L->cse_hdr_len == 16) {
		for (i = 0; i < L->cse_hdr_len + 3 * 24; i++)
			if (i != 11)
				sum += img[i];
		img[11] = (uint8_t)(0x100 - (sum & 0xFF));
	} else
		put32(img + 16, crc32_iso(img, L->cse_hdr_len + 3 * 24));
}

/* Every hash of section 7 of the format notes, in rimage's order. */
static int
man_hashes(const struct man_layout *L, uint8_t *img, size_t end,
    size_t img_size, struct zs_errbuf *eb)
{
	uint8_t *e0 = mod_entry(img, 0), *meta = img + L->meta_off;
	uint8_t *sph = img + L->spkg_off + L->spkg_mod + 20;
	const EVP_MD *md = L->hash_len == 32 ? EVP_sha256() : EVP_sha384();
	uint64_t off, len;
	int r;

	/* Every input's hash lands in entry 0 and covers entry 0's range. */
	off = get32(e0 + 88);
	len = ((uint64_t)(get32(e0 + 80) >> 16) + (get32(e0 + 92) >> 16)) *
	    RIMAGE_PAGE;
	if (off + len > img_size)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: module 0 range "
		    "outside the image");
	if ((r = digest(EVP_sha256(), img + off, (size_t)len, NULL, 0, e0 + 32,
	    eb)) != 0)
		return r;
	if ((r = digest(md, img + L->hashed, end - L->hashed, NULL, 0,
	    meta + 40, eb)) != 0)
		return r;
	if (L->fam == RIMAGE_FAM_CAVS18) {
		memcpy(sph, meta + 40, L->hash_len);
		reverse_inplace(sph, L->hash_len);
		memcpy(img + L->pinfo_off + 108, sph, L->hash_len);
		return 0;
	}
	memset(meta + L->meta_len, 0xFF, 16);
	if ((r = digest(md, meta, L->meta_len, NULL, 0, sph, eb)) != 0)
		return r;
	reverse_inplace(sph, L->hash_len);
	if (L->fam == RIMAGE_FAM_ACE15) {
		if ((r = digest(md, img, L->cse_hdr_len + 3 * 24,
		    img + ACE_X16_HASH_FROM, end - ACE_X16_HASH_FROM,
		    img + L->x16_off + 36, eb)) != 0)
			return r;
		reverse_inplace(img + L->x16_off + 36, L->hash_len);
	}
	return 0;
}

static uint8_t *
dup_range(const uint8_t *p, size_t len)
{
	uint8_t *d = xmalloc(len ? len : 1);

	memcpy(d, p, len);
	return d;
}

int
rimage_manifest_build(const struct rimage_args *args,
    const struct rimage_cfg *cfg, struct rimage_module *mods, size_t nmods,
    struct zs_key *key, uint32_t date, struct rimage_out *o,
    struct zs_errbuf *eb)
{
	const struct man_layout *L = layout_of(cfg->family);
	uint8_t *img;
	uint64_t end = 0;
	int r;

	if (L == NULL)
		return zs_errf(eb, ZS_ERR_INTERNAL, "rimage: no layout");
	if (cfg->image_size < RIMAGE_TEXT_OFF)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage config: "
		    "adsp.image_size 0x%x is smaller than the manifest",
		    cfg->image_size);
	img = xcalloc(1, cfg->image_size);
	man_template(L, args, cfg, img);
	if ((r = man_modules(cfg, mods, nmods, img, &end, eb)) != 0)
		goto out;
	if (end > cfg->image_size) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "rimage: image does not fit "
		    "adsp.image_size");
		goto out;
	}
	man_finish(L, img, (uint32_t)end, date);
	if ((r = man_hashes(L, img, (size_t)end, cfg->image_size, eb)) != 0 ||
	    (r = rimage_css_sign(cfg->family, img, (size_t)end, key, eb)) != 0)
		goto out;
	o->image = dup_range(img, (size_t)end);
	o->image_len = (size_t)end;
	o->met = dup_range(img + L->meta_off, L->meta_len);
	o->met_len = L->meta_len;
	o->uns = dup_range(img + L->uns_off, (size_t)end - L->uns_off);
	o->uns_len = (size_t)end - L->uns_off;
	o->has_rom = 1;
out:
	/* Firmware is not secret: a plain free spares clearing megabytes. */
	free(img);
	return r;
}

int
rimage_manifest_resign(const struct rimage_cfg *cfg, const uint8_t *in,
    size_t len, struct zs_key *key, struct rimage_out *o,
    struct zs_errbuf *eb)
{
	const struct man_layout *L = layout_of(cfg->family);
	size_t cpd;
	uint8_t *img;
	int r;

	if (L == NULL)
		return zs_errf(eb, ZS_ERR_USAGE, "rimage: -q needs a signed "
		    "(1.8, 2.5 or 3.0) config");
	for (cpd = 0; cpd + 4 <= len; cpd += 4)
		if (memcmp(in + cpd, "$CPD", 4) == 0)
			break;
	if (cpd + 4 > len)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: no $CPD header in "
		    "the image to re-sign");
	if (len - cpd < L->spkg_off + L->spkg_len ||
	    in[cpd + 10] != L->cse_hdr_len)
		return zs_errf(eb, ZS_ERR_FORMAT, "rimage: the image's "
		    "manifest does not match the config's version");
	img = dup_range(in, len);
	if ((r = rimage_css_sign(cfg->family, img + cpd, len - cpd, key,
	    eb)) != 0) {
		free(img);
		return r;
	}
	o->image = img;
	o->image_len = len;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Input modules as rimage sees them: which sections are selected, their
 * class (text, data, other), ROM and detached sections, the mapping to
 * the cached alias, the text/data ranges and the overlap check.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileset.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

/* Sections linked in [0, 0x08000000) are "detached" (SOF DRAM link). */
#define DETACHED_END	0x08000000u

/* Does [start, start+size) lie inside [base, base+zsize)? (u32, as rimage) */
static int
inside(uint32_t start, uint32_t size, uint32_t base, uint32_t zsize)
{
	uint32_t end = start + size, zend = base + zsize;

	if (end <= base || start >= zend)
		return 0;
	return start >= base && end <= zend;
}

static void
range_add(struct rimage_range *r, uint32_t lma, uint32_t size)
{
	if (lma < r->start)
		r->start = lma;
	if (lma + size > r->end)
		r->end = lma + size;
	r->count++;
	r->bytes += size;
}

static void
range_finish(struct rimage_range *r)
{
	uint64_t len = r->end > r->start ? r->end - r->start : 0;

	r->file_size = (uint32_t)((len + RIMAGE_PAGE - 1) &
	    ~(uint64_t)(RIMAGE_PAGE - 1));
}

static int
module_classify(const struct rimage_args *args, const struct rimage_cfg *cfg,
    struct rimage_module *m, struct zs_errbuf *eb)
{
	const uint32_t valid = SHF_WRITE | SHF_ALLOC | SHF_EXECINSTR;
	const struct rimage_zone *rom = &cfg->zones[RIMAGE_ZONE_ROM];
	const struct rimage_section *s;
	struct rimage_msec *ms;
	size_t i;

	m->secs = xcalloc(m->elf.shnum, sizeof(*m->secs));
	m->text.start = m->data.start = UINT32_MAX;
	for (i = 0; i < m->elf.shnum; i++) {
		s = &m->elf.sh[i];
		if (!(s->flags & valid) || s->size == 0)
			continue;
		ms = &m->secs[m->nsecs++];
		ms->sh = s;
		if (s->type == SHT_PROGBITS || s->type == SHT_INIT_ARRAY)
			ms->cls = s->flags & SHF_EXECINSTR ? RIMAGE_SC_TEXT :
			    RIMAGE_SC_DATA;
		else
			ms->cls = RIMAGE_SC_OTHER;
		ms->vma = s->addr;
		ms->lma = rimage_elf_lma(&m->elf, s->addr);
		/* 2: detached (not even overlap-checked), 1: in ROM. */
		if (!args->ignore_detached &&
		    inside(s->addr, s->size, 0, DETACHED_END))
			ms->skip = 2;
		else if (inside(s->addr, s->size, rom->base, rom->size))
			ms->skip = 1;
		if (!ms->skip) {
			ms->vma = rimage_cfg_cached(cfg, ms->vma);
			ms->lma = rimage_cfg_cached(cfg, ms->lma);
		}
		if ((uint64_t)ms->vma + s->size > UINT32_MAX + 1ull ||
		    (uint64_t)ms->lma + s->size > UINT32_MAX + 1ull)
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: section %s "
			    "wraps around the address space", m->elf.name,
			    s->name);
		if (ms->skip)
			continue;
		if (ms->cls == RIMAGE_SC_TEXT)
			range_add(&m->text, ms->lma, s->size);
		else if (ms->cls == RIMAGE_SC_DATA)
			range_add(&m->data, ms->lma, s->size);
	}
	range_finish(&m->text);
	range_finish(&m->data);
	return 0;
}

struct span {
	uint64_t			 start, end;
	const struct rimage_module	*mod;
	const struct rimage_section	*sh;
};

static int
span_cmp(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	return (a->start > b->start) - (a->start < b->start);
}

/* No two selected sections of any inputs may share VMA bytes. */
static int
modules_check_overlap(const struct rimage_module *mods, size_t n,
    struct zs_errbuf *eb)
{
	struct span *sp;
	size_t total = 0, i, j, k = 0, maxi = 0;
	int r = 0;

	for (i = 0; i < n; i++)
		total += mods[i].nsecs;
	sp = xcalloc(total ? total : 1, sizeof(*sp));
	for (i = 0; i < n; i++)
		for (j = 0; j < mods[i].nsecs; j++) {
			if (mods[i].secs[j].skip == 2)
				continue;
			sp[k].start = mods[i].secs[j].vma;
			sp[k].end = sp[k].start + mods[i].secs[j].sh->size;
			sp[k].mod = &mods[i];
			sp[k].sh = mods[i].secs[j].sh;
			k++;
		}
	total = k;
	qsort(sp, total, sizeof(*sp), span_cmp);
	for (i = 1; i < total; i++) {
		if (sp[i].start < sp[maxi].end) {
			r = zs_errf(eb, ZS_ERR_FORMAT, "overlapping sections: "
			    "%s in %s and %s in %s", sp[maxi].sh->name,
			    sp[maxi].mod->elf.name, sp[i].sh->name,
			    sp[i].mod->elf.name);
			break;
		}
		if (sp[i].end > sp[maxi].end)
			maxi = i;
	}
	free(sp);
	return r;
}

int
rimage_modules_load(const struct rimage_args *args,
    const struct rimage_cfg *cfg, const struct fileset *in,
    struct rimage_module **modsp, size_t *nmodsp, struct zs_errbuf *eb)
{
	struct rimage_module *mods;
	const uint8_t *data;
	size_t len, i, n = args->nmodules;
	int r;

	if (cfg->has_modules && n > cfg->nmods)
		return zs_errf(eb, ZS_ERR_INVALID, "rimage: each ELF input "
		    "module requires an entry in the config (%zu > %zu)", n,
		    cfg->nmods);
	mods = xcalloc(n, sizeof(*mods));
	for (i = 0; i < n; i++) {
		if (fileset_get(in, args->modules[i], &data, &len) != 0) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "rimage: input "
			    "module '%s' missing", args->modules[i]);
			goto fail;
		}
		if ((r = rimage_elf_open(args->modules[i], data, len,
		    &mods[i].elf, eb)) != 0)
			goto fail;
		mods[i].is_boot = n > 1 && i == 0;
		if ((r = module_classify(args, cfg, &mods[i], eb)) != 0)
			goto fail;
	}
	if ((r = modules_check_overlap(mods, n, eb)) != 0)
		goto fail;
	*modsp = mods;
	*nmodsp = n;
	return 0;
fail:
	rimage_modules_free(mods, n);
	return r;
}

void
rimage_modules_free(struct rimage_module *mods, size_t n)
{
	size_t i;

	if (mods == NULL)
		return;
	for (i = 0; i < n; i++) {
		rimage_elf_close(&mods[i].elf);
		free(mods[i].secs);
	}
	free(mods);
}

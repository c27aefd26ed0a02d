/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ELF32 little-endian reader for rimage inputs. Every header, table and
 * section offset is checked against the file size (with the <elf.h>
 * structure sizes) before use, so a malformed input is refused cleanly.
 */
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"

#define EH(field)	offsetof(Elf32_Ehdr, field)
#define SH(field)	offsetof(Elf32_Shdr, field)
#define PH(field)	offsetof(Elf32_Phdr, field)

static int
range_ok(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

int
rimage_elf_open(const char *name, const uint8_t *d, size_t len,
    struct rimage_elf *elf, struct zs_errbuf *eb)
{
	uint32_t shoff, phoff;
	uint16_t shnum, shentsize, phnum, phentsize, shstrndx;
	const struct rimage_section *str;
	struct rimage_section *s;
	const uint8_t *p;
	size_t i;

	memset(elf, 0, sizeof(*elf));
	elf->name = name;
	elf->data = d;
	elf->len = len;
	if (len > RIMAGE_ELF_MAX)
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "%s: ELF larger than %u "
		    "bytes", name, RIMAGE_ELF_MAX);
	if (len < sizeof(Elf32_Ehdr) || memcmp(d, ELFMAG, SELFMAG) != 0 ||
	    d[EI_CLASS] != ELFCLASS32 || d[EI_DATA] != ELFDATA2LSB)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: Not a 32 bits ELF-LE "
		    "file", name);
	if (zs_get_u32(d + EH(e_version), 0) != EV_CURRENT ||
	    zs_get_u16(d + EH(e_ehsize), 0) < sizeof(Elf32_Ehdr))
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: bad ELF header", name);
	shoff = zs_get_u32(d + EH(e_shoff), 0);
	shnum = zs_get_u16(d + EH(e_shnum), 0);
	shentsize = zs_get_u16(d + EH(e_shentsize), 0);
	shstrndx = zs_get_u16(d + EH(e_shstrndx), 0);
	phoff = zs_get_u32(d + EH(e_phoff), 0);
	phnum = zs_get_u16(d + EH(e_phnum), 0);
	phentsize = zs_get_u16(d + EH(e_phentsize), 0);
	if (shnum == 0 || shnum > RIMAGE_ELF_SECTIONS_MAX ||
	    shentsize < sizeof(Elf32_Shdr) ||
	    !range_ok(shoff, (uint64_t)shnum * shentsize, len) ||
	    shstrndx >= shnum)
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: bad section header "
		    "table", name);
	if (phnum > 0 && (phnum > RIMAGE_ELF_SECTIONS_MAX ||
	    phentsize < sizeof(Elf32_Phdr) ||
	    !range_ok(phoff, (uint64_t)phnum * phentsize, len)))
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: bad program header "
		    "table", name);

	elf->sh = xcalloc(shnum, sizeof(*elf->sh));
	elf->shnum = shnum;
	for (i = 0; i < shnum; i++) {
		p = d + shoff + i * shentsize;
		s = &elf->sh[i];
		s->name_off = zs_get_u32(p + SH(sh_name), 0);
		s->type = zs_get_u32(p + SH(sh_type), 0);
		s->flags = zs_get_u32(p + SH(sh_flags), 0);
		s->addr = zs_get_u32(p + SH(sh_addr), 0);
		s->offset = zs_get_u32(p + SH(sh_offset), 0);
		s->size = zs_get_u32(p + SH(sh_size), 0);
		if (s->type != SHT_NOBITS && s->type != SHT_NULL &&
		    !range_ok(s->offset, s->size, len)) {
			rimage_elf_close(elf);
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: section %zu "
			    "lies outside the file", name, i);
		}
	}
	str = &elf->sh[shstrndx];
	if (str->type != SHT_STRTAB || str->size == 0) {
		rimage_elf_close(elf);
		return zs_errf(eb, ZS_ERR_FORMAT, "%s: section name table is "
		    "not a string table", name);
	}
	elf->strtab = (const char *)d + str->offset;
	elf->strtab_len = str->size;
	for (i = 0; i < shnum; i++) {
		s = &elf->sh[i];
		if (s->name_off >= elf->strtab_len ||
		    memchr(elf->strtab + s->name_off, '\0',
		    elf->strtab_len - s->name_off) == NULL) {
			rimage_elf_close(elf);
			return zs_errf(eb, ZS_ERR_FORMAT, "%s: section %zu has "
			    "a bad name", name, i);
		}
		snprintf(s->name, sizeof(s->name), "%s",
		    elf->strtab + s->name_off);
	}

	elf->ph = xcalloc(phnum ? phnum : 1, sizeof(*elf->ph));
	elf->phnum = phnum;
	for (i = 0; i < phnum; i++) {
		p = d + phoff + i * phentsize;
		elf->ph[i].type = zs_get_u32(p + PH(p_type), 0);
		elf->ph[i].vaddr = zs_get_u32(p + PH(p_vaddr), 0);
		elf->ph[i].paddr = zs_get_u32(p + PH(p_paddr), 0);
		elf->ph[i].memsz = zs_get_u32(p + PH(p_memsz), 0);
	}
	return 0;
}

void
rimage_elf_close(struct rimage_elf *elf)
{
	free(elf->sh);
	free(elf->ph);
	elf->sh = NULL;
	elf->ph = NULL;
	elf->shnum = elf->phnum = 0;
}

const char *
rimage_elf_secname(const struct rimage_elf *elf,
    const struct rimage_section *s)
{
	return elf->strtab + s->name_off;
}

const struct rimage_section *
rimage_elf_find(const struct rimage_elf *elf, const char *name)
{
	size_t i;

	for (i = 0; i < elf->shnum; i++)
		if (strcmp(rimage_elf_secname(elf, &elf->sh[i]), name) == 0)
			return &elf->sh[i];
	return NULL;
}

const uint8_t *
rimage_elf_content(const struct rimage_elf *elf,
    const struct rimage_section *s)
{
	return elf->data + s->offset;
}

uint32_t
rimage_elf_lma(const struct rimage_elf *elf, uint32_t vaddr)
{
	size_t i;

	for (i = 0; i < elf->phnum; i++) {
		if (elf->ph[i].type != PT_LOAD)
			continue;
		/* rimage compares in 64 bits (size_t), so no wrap-around. */
		if (vaddr >= elf->ph[i].vaddr && (uint64_t)vaddr <
		    (uint64_t)elf->ph[i].vaddr + elf->ph[i].memsz)
			return elf->ph[i].paddr + (vaddr - elf->ph[i].vaddr);
	}
	return vaddr;
}

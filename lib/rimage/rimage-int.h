/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the rimage engine's files: parsed options, the
 * parsed TOML configuration, ELF modules and the family writers.
 */
#ifndef ZS_RIMAGE_INT_H
#define ZS_RIMAGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/rimage/rimage.h"

/* Most ELF inputs rimage accepts (its MAX_MODULES). */
#define RIMAGE_MODULES_MAX	32
/* Largest ELF input accepted. */
#define RIMAGE_ELF_MAX		(64u * 1024 * 1024)
/* Most sections (and program headers) one ELF input may have. */
#define RIMAGE_ELF_SECTIONS_MAX	4096
/* Largest adsp.image_size (output buffer) accepted. */
#define RIMAGE_IMAGE_MAX	(64u * 1024 * 1024)
/* Most [[module.entry]] tables; their space before 0x8000 bounds it too. */
#define RIMAGE_MOD_ENTRIES_MAX	128
/* Memory zone types (SOF_FW_BLK_TYPE_NUM). */
#define RIMAGE_ZONES		15
/* Index of the ROM zone. */
#define RIMAGE_ZONE_ROM		4
/* Page size of the manifest formats. */
#define RIMAGE_PAGE		4096u
/* Size of one module entry ($AME) and one module config. */
#define RIMAGE_MOD_ENTRY_LEN	116
#define RIMAGE_MOD_CFG_LEN	44
/* The firmware descriptor offset and its header length. */
#define RIMAGE_DESC_OFF		0x2000u
#define RIMAGE_DESC_HDR_LEN	0x34u
/* First module text in the manifest formats. */
#define RIMAGE_TEXT_OFF		0x8000u
/* Length of struct sof_man_module_manifest in .module. */
#define RIMAGE_MODULE_MAN_LEN	120
/* Longest CSS modulus (RSA-3072) in bytes. */
#define RIMAGE_MODULUS_MAX	384

enum rimage_family {
	RIMAGE_FAM_SIMPLE,	/* version 1.0: "Reef", unsigned */
	RIMAGE_FAM_CAVS18,	/* version 1.8 */
	RIMAGE_FAM_CAVS25,	/* version 2.5 */
	RIMAGE_FAM_ACE15,	/* version 3.0 */
};

struct rimage_args {
	struct rimage_fileref	 files[RIMAGE_ARGS_MAX];
	size_t			 nfiles;
	const char		*out;		/* -o */
	const char		*config;	/* -c */
	const char		*key;		/* -k */
	const char		*resign;	/* -q */
	const char		*modules[RIMAGE_MODULES_MAX];
	size_t			 nmodules;
	uint16_t		 fw_major, fw_minor, fw_micro, fw_build;
	uint32_t		 imr_type;	/* -i, else 3 */
	int			 imr_override;
	int			 pv_bit;	/* -p */
	int			 ext_man;	/* -e */
	int			 ignore_detached; /* -d */
	int			 verbose;
};

struct rimage_zone {
	uint32_t	base, size, host_offset;
};

/* One [[module.entry]]: its $AME template and its $AE1 block. */
struct rimage_modentry {
	uint8_t		 ame[RIMAGE_MOD_ENTRY_LEN];
	uint8_t		*xman;		/* 40-byte header, sched caps, pins */
	size_t		 xman_len;
};

struct rimage_cfg {
	enum rimage_family	 family;
	uint32_t		 image_size;
	struct rimage_zone	 zones[RIMAGE_ZONES];
	uint32_t		 alias_mask, alias_cached;

	uint8_t			 cse_hdr_version, cse_entry_version;
	uint8_t			 cse_name[4];
	struct {
		uint8_t		 name[12];
		uint32_t	 offset, length;
	}			 cse_entry[3];

	uint32_t		 css_header_type, css_header_len;
	uint32_t		 css_header_version, css_vendor, css_size;
	uint32_t		 css_svn, css_modulus_size, css_exponent_size;

	uint8_t			 spkg_name[4];
	uint32_t		 spkg_vcn, spkg_svn;
	uint8_t			 spkg_fw_type, spkg_fw_sub_type;
	uint8_t			 spkg_bitmap[16];
	uint8_t			 spkg_mod_name[12];
	uint8_t			 spkg_mod_type, spkg_mod_hash_algo;
	uint16_t		 spkg_mod_hash_size;
	uint32_t		 spkg_mod_meta_size;

	uint8_t			 pinfo_name[4];
	uint32_t		 pinfo_fmt_version, pinfo_part_version;
	uint32_t		 pinfo_instance_id, pinfo_part_flags;
	int			 pinfo_nmod;
	uint8_t			 pinfo_mod_name[12];
	uint8_t			 pinfo_mod_type;
	uint32_t		 pinfo_mod_meta_size;

	uint32_t		 meta_imr_type;
	uint32_t		 comp_version, comp_base_offset;
	uint32_t		 comp_attributes[4];

	uint8_t			 desc_name[8];
	uint32_t		 desc_preload, desc_flags, desc_features;
	uint32_t		 desc_hw_buf_base, desc_hw_buf_len;
	uint32_t		 desc_load_offset;

	int			 has_modules;
	size_t			 nmods;
	struct rimage_modentry	*mods;
	uint32_t		*mod_cfg;	/* 11 words per config */
	size_t			 nmod_cfg;
};

/* Parse a configuration; args supply -i for the bitmap default. */
int	rimage_cfg_parse(const uint8_t *text, size_t len,
	    const struct rimage_args *args, struct rimage_cfg **cfgp,
	    struct zs_errbuf *eb);
/* Free a parsed config; NULL is a no-op. */
void	rimage_cfg_free(struct rimage_cfg *cfg);
/* Map an address to the cached alias, as rimage's uncache_to_cache(). */
uint32_t rimage_cfg_cached(const struct rimage_cfg *cfg, uint32_t addr);

/* One ELF section as rimage sees it. */
struct rimage_section {
	char		 name[64];	/* truncated copy for messages */
	uint32_t	 name_off;
	uint32_t	 type, flags, addr, offset, size;
};

struct rimage_elf {
	const char		*name;	/* borrowed */
	const uint8_t		*data;	/* borrowed */
	size_t			 len;
	const char		*strtab;
	size_t			 strtab_len;
	struct rimage_section	*sh;
	size_t			 shnum;
	struct {
		uint32_t	 type, vaddr, paddr, memsz;
	}			*ph;
	size_t			 phnum;
};

/* Read the headers of an ELF32 little-endian file, checking every bound. */
int	rimage_elf_open(const char *name, const uint8_t *data, size_t len,
	    struct rimage_elf *elf, struct zs_errbuf *eb);
/* Release what rimage_elf_open() allocated (the data stays borrowed). */
void	rimage_elf_close(struct rimage_elf *elf);
/* The section named name, or NULL. */
const struct rimage_section *rimage_elf_find(const struct rimage_elf *elf,
	    const char *name);
/* Section name (always NUL-terminated inside the string table). */
const char *rimage_elf_secname(const struct rimage_elf *elf,
	    const struct rimage_section *s);
/* LMA of a VMA from the first PT_LOAD covering it, else the VMA. */
uint32_t rimage_elf_lma(const struct rimage_elf *elf, uint32_t vaddr);

enum rimage_sclass { RIMAGE_SC_TEXT, RIMAGE_SC_DATA, RIMAGE_SC_OTHER };

/* A selected section of a module, with mapped addresses. */
struct rimage_msec {
	const struct rimage_section	*sh;
	enum rimage_sclass		 cls;
	uint32_t			 vma, lma;
	int				 skip;	/* 1: ROM, 2: detached */
};

struct rimage_range {
	uint32_t	start, end;	/* end exclusive; start > end: empty */
	uint32_t	file_size;	/* page-rounded length */
	size_t		count;
	uint64_t	bytes;		/* sum of section sizes */
};

struct rimage_module {
	struct rimage_elf	 elf;
	struct rimage_msec	*secs;
	size_t			 nsecs;
	struct rimage_range	 text, data;
	int			 is_boot;
};

/* Open all inputs, classify sections and check overlaps. */
int	rimage_modules_load(const struct rimage_args *args,
	    const struct rimage_cfg *cfg, const struct fileset *in,
	    struct rimage_module **modsp, size_t *nmodsp,
	    struct zs_errbuf *eb);
/* Free loaded modules; NULL is a no-op. */
void	rimage_modules_free(struct rimage_module *mods, size_t n);
/* Section content (never NOBITS), bounds already checked at open. */
const uint8_t *rimage_elf_content(const struct rimage_elf *elf,
	    const struct rimage_section *s);

/* The outputs of one run, added to the caller's fileset only at the end. */
struct rimage_out {
	uint8_t		*image;		/* without any xman prefix */
	size_t		 image_len;
	uint8_t		*met, *uns, *xman;
	size_t		 met_len, uns_len, xman_len;
	int		 has_rom;
};

/* Free the buffers of o that were not handed over. */
void	rimage_out_free(struct rimage_out *o);

/* Build a "Reef" image (version 1.0). */
int	rimage_simple_build(const struct rimage_cfg *cfg,
	    struct rimage_module *mods, size_t nmods, struct rimage_out *o,
	    struct zs_errbuf *eb);
/* Build and sign a manifest image (1.8, 2.5, ACE 1.5). */
int	rimage_manifest_build(const struct rimage_args *args,
	    const struct rimage_cfg *cfg, struct rimage_module *mods,
	    size_t nmods, struct zs_key *key, uint32_t date,
	    struct rimage_out *o, struct zs_errbuf *eb);
/* Re-sign the manifest found in an existing image (-q). */
int	rimage_manifest_resign(const struct rimage_cfg *cfg,
	    const uint8_t *img, size_t len, struct zs_key *key,
	    struct rimage_out *o, struct zs_errbuf *eb);

/* Sign the CSS of the manifest at img (family layout) with key. */
int	rimage_css_sign(enum rimage_family fam, uint8_t *img, size_t len,
	    struct zs_key *key, struct zs_errbuf *eb);
/* Verify the CSS signature of img with pub. */
int	rimage_css_verify(enum rimage_family fam, const uint8_t *img,
	    size_t len, EVP_PKEY *pub, struct zs_errbuf *eb);
/* Offset of the CSS header in a family's image. */
size_t	rimage_css_offset(enum rimage_family fam);

/* Extended manifest: $AE1 from the TOML or XMan from .fw_metadata. */
int	rimage_xman_build(const struct rimage_cfg *cfg,
	    const struct rimage_module *mods, size_t nmods,
	    struct rimage_out *o, struct zs_errbuf *eb);

#endif /* ZS_RIMAGE_INT_H */

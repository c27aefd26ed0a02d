/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `west sign` derives from a Zephyr build: .config values, the
 * CMake cache check, and the flash geometry read from the devicetree blob
 * (libfdt). Implements the seed's ImgtoolSigner parameter logic with the
 * upstream slot1-else-slot0 fix.
 */
#ifndef ZS_ZEPHYR_H
#define ZS_ZEPHYR_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"

/* Largest .config text accepted. */
#define ZEPHYR_CONFIG_MAX	(4u * 1024 * 1024)
/* Largest devicetree blob accepted. */
#define ZEPHYR_DTB_MAX		(4u * 1024 * 1024)
/* Longest warning or info line. */
#define ZEPHYR_LINE_MAX		512

struct kconfig;

enum kconfig_kind { KCONFIG_ABSENT, KCONFIG_FALSE, KCONFIG_TRUE, KCONFIG_INT,
    KCONFIG_STRING };

/* Parse .config text with BuildConfiguration's rules. */
int		 kconfig_parse(const char *text, size_t len,
		    struct kconfig **kcp, struct zs_errbuf *eb);
void		 kconfig_free(struct kconfig *kc);
/* Kind of the value of name ("CONFIG_..."). */
enum kconfig_kind kconfig_kind(const struct kconfig *kc, const char *name);
/* True only for "=y". */
int		 kconfig_bool(const struct kconfig *kc, const char *name);
/* Integer value (0x.. or decimal); ZS_ERR_NOT_FOUND when absent or not an int. */
int		 kconfig_int(const struct kconfig *kc, const char *name,
		    long long *vp);
/* String value without quotes (borrowed), or the raw text of other values; NULL if absent/false. */
const char	*kconfig_str(const struct kconfig *kc, const char *name);

/* Does CMakeCache.txt text contain the key ZEPHYR_TOOLCHAIN_VARIANT? */
int		 zephyr_cmakecache_is_zephyr(const char *text, size_t len);
/* Value of KEY in CMakeCache.txt text (KEY:TYPE=VALUE), malloc'd, or NULL. */
char		*zephyr_cmakecache_get(const char *text, size_t len,
		    const char *key);

/* Flash geometry from a devicetree blob compiled with `dtc -@`. */
struct zephyr_flash {
	char		flash_path[256];	/* chosen zephyr,flash node */
	uint32_t	write_block_size;
	uint64_t	slot0_offset;		/* reg offset of slot0_partition */
	uint64_t	slot0_size;
	int		have_slot1;		/* slot1 under the same partitions */
	uint64_t	slot1_size;
};

/*
 * Read the flash parameters as sign.py's edt_flash_params does; on error
 * eb->msg is sign.py's message (e.g. "DT zephyr,flash chosen node has no
 * partitions, can't find partitions for MCUboot slots"), code ZS_ERR_BUILD.
 */
int		 zephyr_flash_params(const void *dtb, size_t len,
		    struct zephyr_flash *fl, struct zs_errbuf *eb);

/* imgtool parameters of one build, as `west sign -t imgtool` computes them. */
struct zephyr_imgtool_params {
	char		version[128];		/* CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION */
	uint32_t	header_size;		/* CONFIG_ROM_START_OFFSET */
	uint32_t	align;			/* write-block-size */
	uint64_t	slot_size;		/* slot1 if under flash, else slot0 */
	const char	*slot_size_source;	/* "slot1_partition" | "slot0_partition" */
	uint64_t	partition_offset;	/* slot0 offset */
	int		nwarnings;
	char		warnings[4][ZEPHYR_LINE_MAX];	/* "{build_dir}" left as is */
};

/*
 * Derive the parameters from .config text and a dtb, in sign.py's order
 * (version, ROM_START_OFFSET, devicetree checks, MCUboot warning). Errors
 * carry sign.py's message and code ZS_ERR_BUILD.
 */
int		 zephyr_imgtool_params(const struct kconfig *kc,
		    const void *dtb, size_t dtblen,
		    struct zephyr_imgtool_params *p, struct zs_errbuf *eb);

#endif /* ZS_ZEPHYR_H */

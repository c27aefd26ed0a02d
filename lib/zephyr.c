/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The imgtool parameters `west sign -t imgtool` derives from a build's
 * .config and devicetree, checked in sign.py's order with its messages.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/zserr.h"
#include "lib/zephyr.h"

/* Python's truth value of a BuildConfiguration entry, as getboolean() gives. */
static int
zephyr_config_truthy(const struct kconfig *kc, const char *name)
{
	long long v;
	const char *s;

	switch (kconfig_kind(kc, name)) {
	case KCONFIG_TRUE:
		return 1;
	case KCONFIG_INT:
		/* Only a value too large for long long fails, and it is not 0. */
		return kconfig_int(kc, name, &v) != 0 || v != 0;
	case KCONFIG_STRING:
		s = kconfig_str(kc, name);
		return s != NULL && s[0] != '\0';
	default:
		return 0;
	}
}

int
zephyr_imgtool_params(const struct kconfig *kc, const void *dtb,
    size_t dtblen, struct zephyr_imgtool_params *p, struct zs_errbuf *eb)
{
	static const char ver_key[] = "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION";
	static const char rom_key[] = "CONFIG_ROM_START_OFFSET";
	struct zephyr_imgtool_params ip;
	struct zephyr_flash fl;
	const char *ver;
	long long v;
	int r = ZS_ERR_INTERNAL, n;

	memset(&ip, 0, sizeof(ip));
	/*
	 * sign.py only errs on an absent key; "is not set" would reach
	 * imgtool as "--version False", which it refuses, so refuse it here.
	 */
	switch (kconfig_kind(kc, ver_key)) {
	case KCONFIG_STRING:
		ver = kconfig_str(kc, ver_key);
		n = snprintf(ip.version, sizeof(ip.version), "%s", ver);
		break;
	case KCONFIG_INT:
		/* sign.py passes str(int): an unquoted 0x10 becomes "16". */
		if (kconfig_int(kc, ver_key, &v) != 0) {
			r = zs_errf(eb, ZS_ERR_BUILD, "build .config %s value "
			    "is out of range", ver_key);
			goto out;
		}
		n = snprintf(ip.version, sizeof(ip.version), "%lld", v);
		break;
	case KCONFIG_TRUE:
		r = zs_errf(eb, ZS_ERR_BUILD, "build .config %s value is not "
		    "a version", ver_key);
		goto out;
	default:
		r = zs_errf(eb, ZS_ERR_BUILD, "build .config is missing a %s "
		    "value", ver_key);
		goto out;
	}
	if (n < 0 || (size_t)n >= sizeof(ip.version)) {
		r = zs_errf(eb, ZS_ERR_BUILD, "build .config %s value is "
		    "longer than %zu characters", ver_key,
		    sizeof(ip.version) - 1);
		goto out;
	}

	switch (kconfig_kind(kc, rom_key)) {
	case KCONFIG_ABSENT:
	case KCONFIG_FALSE:
		r = zs_errf(eb, ZS_ERR_BUILD, "build .config is missing a %s "
		    "value", rom_key);
		goto out;
	default:
		if (kconfig_int(kc, rom_key, &v) != 0 || v < 0 ||
		    v > UINT32_MAX) {
			r = zs_errf(eb, ZS_ERR_BUILD, "build .config %s value "
			    "%.64s is not a 32-bit unsigned integer", rom_key,
			    kconfig_str(kc, rom_key));
			goto out;
		}
		ip.header_size = (uint32_t)v;
	}

	if ((r = zephyr_flash_params(dtb, dtblen, &fl, eb)) != 0)
		goto out;
	ip.align = fl.write_block_size;
	ip.slot_size = fl.have_slot1 ? fl.slot1_size : fl.slot0_size;
	ip.slot_size_source = fl.have_slot1 ? "slot1_partition" :
	    "slot0_partition";
	ip.partition_offset = fl.slot0_offset;

	/* sign.py tests Python truth, so any non-empty value passes. */
	if (!zephyr_config_truthy(kc, "CONFIG_BOOTLOADER_MCUBOOT"))
		snprintf(ip.warnings[ip.nwarnings++], ZEPHYR_LINE_MAX,
		    "CONFIG_BOOTLOADER_MCUBOOT is not set to y in "
		    "{build_dir}/zephyr/.config; this probably won't work");
	*p = ip;
	r = 0;
out:
	return r;
}

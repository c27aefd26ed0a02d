/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz lib/kconfig.c (kconfig_parse and its lookups), lib/cmakecache.c and
 * the .config half of zephyr_imgtool_params() on arbitrary text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/zserr.h"
#include "lib/zephyr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION", "CONFIG_ROM_START_OFFSET",
		"CONFIG_BOOTLOADER_MCUBOOT", "CONFIG_KERNEL_BIN_NAME",
		"CONFIG_A", "CONFIG_",
	};
	struct zephyr_imgtool_params p;
	struct zs_errbuf eb;
	struct kconfig *kc;
	const char *text = (const char *)data;
	long long v;
	size_t i;
	char *s;

	(void)zephyr_cmakecache_is_zephyr(text, size);
	free(zephyr_cmakecache_get(text, size, "CMAKE_C_COMPILER"));
	if (kconfig_parse(text, size, &kc, &eb) != 0)
		return 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)kconfig_kind(kc, names[i]);
		(void)kconfig_bool(kc, names[i]);
		(void)kconfig_int(kc, names[i], &v);
		if ((s = (char *)kconfig_str(kc, names[i])) != NULL)
			(void)s[0];
	}
	/* An empty dtb: only the .config checks can pass before it fails. */
	if (zephyr_imgtool_params(kc, "", 0, &p, &eb) == 0)
		abort();
	kconfig_free(kc);
	return 0;
}

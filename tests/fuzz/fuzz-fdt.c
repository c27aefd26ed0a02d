/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz lib/fdt.c: zephyr_flash_params() and zephyr_imgtool_params() on
 * arbitrary bytes as a devicetree blob. Whatever it accepts must give a
 * non-zero write-block-size and slot size.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/zserr.h"
#include "lib/zephyr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char conf[] =
	    "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"1.2.3+4\"\n"
	    "CONFIG_ROM_START_OFFSET=0x200\n";
	static struct kconfig *kc;
	struct zephyr_imgtool_params p;
	struct zephyr_flash fl;
	struct zs_errbuf eb;

	if (kc == NULL && kconfig_parse(conf, strlen(conf), &kc, &eb) != 0)
		abort();
	if (zephyr_flash_params(data, size, &fl, &eb) == 0) {
		if (fl.write_block_size == 0 || fl.flash_path[0] != '/' ||
		    (fl.have_slot1 ? fl.slot1_size : fl.slot0_size) == 0)
			abort();
	}
	if (zephyr_imgtool_params(kc, data, size, &p, &eb) == 0 &&
	    (p.align == 0 || p.slot_size == 0 || p.header_size != 0x200))
		abort();
	return 0;
}

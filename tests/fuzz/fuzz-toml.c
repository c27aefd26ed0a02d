/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for lib/toml.c (toml_parse, toml_find_unused) and the
 * rimage config schema on top of it (lib/rimage/config.c).
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/rimage/rimage-int.h"
#include "lib/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const argv[] = { "-o", "o", "-k", "k", "-c", "c",
	    "m" };
	struct rimage_args *args = NULL;
	struct rimage_cfg *cfg = NULL;
	struct toml_node *root = NULL;
	struct zs_errbuf eb;
	char path[128];

	if (toml_parse((const char *)data, size, &root, &eb) == 0) {
		(void)toml_find_unused(root, path, sizeof(path));
		toml_free(root);
	}
	if (rimage_args_parse(7, (char *const *)argv, &args, &eb) == 0) {
		if (rimage_cfg_parse(data, size, args, &cfg, &eb) == 0)
			rimage_cfg_free(cfg);
		rimage_args_free(args);
	}
	return 0;
}

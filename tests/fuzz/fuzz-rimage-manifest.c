/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the manifest reader of re-sign mode (-q): finding
 * $CPD, the CSS size fields and the signed range (lib/rimage/manifest.c
 * rimage_manifest_resign, lib/rimage/css.c), with an RSA-2048 test key,
 * and the verifier on the same bytes as a cAVS 2.5 image.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/rimage/rimage-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cnl_toml[] =
    "version = [1, 8]\n[adsp]\nname = \"cnl\"\n"
    "[[adsp.mem_zone]]\ntype = \"ROM\"\nbase = \"0xBEFE0000\"\n"
    "size = \"0x2000\"\n"
    "[cse]\npartition_name = \"ADSP\"\n"
    "[[cse.entry]]\nname = \"a\"\noffset = \"0x58\"\nlength = \"0\"\n"
    "[[cse.entry]]\nname = \"b\"\noffset = \"0x400\"\nlength = \"0\"\n"
    "[[cse.entry]]\nname = \"c\"\noffset = \"0x480\"\nlength = \"0\"\n"
    "[css]\n[signed_pkg]\nname = \"ADSP\"\n[[signed_pkg.module]]\n"
    "name = \"m\"\n[partition_info]\nname = \"ADSP\"\n"
    "[[partition_info.module]]\nname = \"m\"\n[adsp_file]\n"
    "[[adsp_file.comp]]\n[fw_desc.header]\nname = \"ADSPFW\"\n"
    "load_offset = \"0x30000\"\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const argv[] = { "-q", "i", "-o", "o", "-k", "k",
	    "-c", "c" };
	static struct rimage_args *args;
	static struct rimage_cfg *cfg;
	static struct zs_key *key;
	struct rimage_out o = { 0 };
	struct zs_errbuf eb;

	if (key == NULL) {
		if (zs_key_load("fuzz", ZS_TOP_SRCDIR "/tests/keys/"
		    "test-rsa-2048.pem", NULL, &key, &eb) != 0 ||
		    rimage_args_parse(8, (char *const *)argv, &args,
		    &eb) != 0 ||
		    rimage_cfg_parse((const uint8_t *)cnl_toml,
		    sizeof(cnl_toml) - 1, args, &cfg, &eb) != 0)
			abort();
	}
	if (rimage_manifest_resign(cfg, data, size, key, &o, &eb) == 0)
		rimage_out_free(&o);
	if (size > 0x5C)
		(void)rimage_css_verify(RIMAGE_FAM_CAVS25, data, size,
		    zs_key_public(key), &eb);
	return 0;
}

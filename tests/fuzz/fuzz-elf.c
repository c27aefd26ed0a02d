/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the rimage ELF reader and everything that uses
 * ELF contents (lib/rimage/elf.c, modules.c, simple.c, xman.c and the
 * placement and hashing of manifest.c): the input is one module, signed
 * for i.MX (unsigned) and placed for cAVS 2.5 without a key, so no RSA
 * work slows the fuzzer down.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/fileset.h"
#include "lib/rimage/rimage-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char imx_toml[] =
    "version = [1, 0]\n[adsp]\nname = \"imx8m\"\n"
    "[[adsp.mem_zone]]\ntype = \"IRAM\"\nbase = \"0x3b6F8000\"\n"
    "size = \"0x800\"\nhost_offset = \"0x10000\"\n"
    "[[adsp.mem_zone]]\ntype = \"DRAM\"\nbase = \"0x3B6E8000\"\n"
    "size = \"0x8000\"\n"
    "[[adsp.mem_zone]]\ntype = \"SRAM\"\nbase = \"0x92400000\"\n"
    "size = \"0x800000\"\n";

static const char tgl_toml[] =
    "version = [2, 5]\n[adsp]\nname = \"tgl\"\nimage_size = \"0x100000\"\n"
    "alias_mask = \"0xE0000000\"\n"
    "[[adsp.mem_zone]]\ntype = \"ROM\"\nbase = \"0x9F180000\"\n"
    "size = \"0x2000\"\n"
    "[[adsp.mem_alias]]\ntype = \"uncached\"\nbase = \"0x9E000000\"\n"
    "[[adsp.mem_alias]]\ntype = \"cached\"\nbase = \"0xBE000000\"\n"
    "[cse]\npartition_name = \"ADSP\"\n"
    "[[cse.entry]]\nname = \"a\"\noffset = \"0x5c\"\nlength = \"0\"\n"
    "[[cse.entry]]\nname = \"b\"\noffset = \"0x4c0\"\nlength = \"0\"\n"
    "[[cse.entry]]\nname = \"c\"\noffset = \"0x540\"\nlength = \"0\"\n"
    "[css]\n[signed_pkg]\nname = \"ADSP\"\n[[signed_pkg.module]]\n"
    "name = \"m\"\n[adsp_file]\n[[adsp_file.comp]]\n"
    "[fw_desc.header]\nname = \"ADSPFW\"\nload_offset = \"0x30000\"\n";

static void
run(const char *toml, const uint8_t *data, size_t size)
{
	static const char *const argv[] = { "-o", "o", "-k", "k", "-e", "-c",
	    "c.toml", "m" };
	struct fileset *in = fileset_new(), *out = fileset_new();
	struct rimage_args *args = NULL;
	struct zs_errbuf eb;

	fileset_add(in, "c.toml", (const uint8_t *)toml, strlen(toml));
	fileset_add(in, "m", data, size);
	if (rimage_args_parse(8, (char *const *)argv, &args, &eb) == 0)
		(void)rimage_sign(args, in, NULL, "2024-03-15", out, &eb);
	rimage_args_free(args);
	fileset_free(in);
	fileset_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(imx_toml, data, size);
	run(tgl_toml, data, size);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for lib/zephyr.h: every Zephyr build fixture (devicetree
 * compiled with dtc at test time, .config, CMakeCache.txt) against its
 * expected.json, hand-made devicetrees for the corner cases, and the
 * .config and CMake cache value rules.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/util.h"
#include "common/zserr.h"
#include "lib/zephyr.h"
#include "tests/zstest.h"

#define FIXDIR ZS_TOP_SRCDIR "/tests/fixtures/zephyr"
/* Number of fixture directories (those not starting with '_'). */
#define NFIXTURES 16

static char tmpdir[64];

static int
setup_tmp(void **state)
{
	(void)state;
	return zstest_mkdtemp(tmpdir, sizeof(tmpdir), "zs-test-zephyr");
}

static int
teardown_tmp(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/in.dts", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/out.dtb", tmpdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dtc.err", tmpdir);
	unlink(p);
	return rmdir(tmpdir);
}

/* compile_dts() flags: keep labels (-@); let unit_address_vs_reg pass. */
#define DTC_SYMBOLS	0x1
#define DTC_LAX		0x2

/*
 * Compile dts with Zephyr's dtc flags; dtc's warnings go to a file that is
 * shown only when dtc fails.
 */
static void
compile_dts(const char *dts, int flags, uint8_t **dtbp, size_t *lenp)
{
	char out[128], errf[128];
	char *argv[16], *msg;
	int st, i = 0, fd;
	size_t mlen;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/out.dtb", tmpdir);
	snprintf(errf, sizeof(errf), "%s/dtc.err", tmpdir);
	argv[i++] = (char *)ZS_DTC_PATH;
	if (flags & DTC_SYMBOLS)
		argv[i++] = (char *)"-@";
	argv[i++] = (char *)"-I";
	argv[i++] = (char *)"dts";
	argv[i++] = (char *)"-O";
	argv[i++] = (char *)"dtb";
	if (!(flags & DTC_LAX)) {
		argv[i++] = (char *)"-E";
		argv[i++] = (char *)"unit_address_vs_reg";
	}
	argv[i++] = (char *)"-Wno-unique_unit_address";
	argv[i++] = (char *)"-Wunique_unit_address_if_enabled";
	argv[i++] = (char *)"-o";
	argv[i++] = out;
	argv[i++] = (char *)dts;
	argv[i] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if ((fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(ZS_DTC_PATH, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (zs_file_read(errf, ZS_FILE_MAX, (uint8_t **)&msg, &mlen) ==
		    0)
			print_message("%.*s", (int)mlen, msg);
		fail_msg("dtc failed on %s", dts);
	}
	assert_int_equal(zs_file_read(out, ZEPHYR_DTB_MAX, dtbp, lenp), 0);
}

static char *
read_text(const char *path, size_t *lenp)
{
	uint8_t *d;

	assert_int_equal(zs_file_read(path, ZS_FILE_MAX, &d, lenp), 0);
	return (char *)d;
}

/* The .config facts expected.json records, checked through the API. */
static void
check_config(const char *fx, const struct kconfig *kc, json_t *cfg)
{
	const char *key, *s;
	json_t *v;
	long long iv;

	json_object_foreach(cfg, key, v) {
		switch (json_typeof(v)) {
		case JSON_NULL:
			assert_int_equal(kconfig_kind(kc, key), KCONFIG_ABSENT);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			if (kconfig_bool(kc, key) != json_is_true(v))
				fail_msg("%s: %s bool", fx, key);
			break;
		case JSON_INTEGER:
			assert_int_equal(kconfig_int(kc, key, &iv), 0);
			assert_int_equal(iv, json_integer_value(v));
			break;
		case JSON_STRING:
			s = kconfig_str(kc, key);
			/* sign.py's default for CONFIG_KERNEL_BIN_NAME. */
			if (s == NULL && strcmp(key, "CONFIG_KERNEL_BIN_NAME") == 0)
				s = "zephyr";
			assert_non_null(s);
			assert_string_equal(s, json_string_value(v));
			break;
		default:
			fail_msg("%s: unexpected JSON type for %s", fx, key);
		}
	}
}

static json_int_t
jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* zephyr_flash_params() against the "devicetree" section. */
static void
check_flash(const char *fx, const uint8_t *dtb, size_t len, json_t *dt,
    json_t *exp)
{
	struct zephyr_flash fl;
	struct zs_errbuf eb;
	json_t *s1, *wbs;
	const char *stage;
	int r;

	memset(&fl, 0xA5, sizeof(fl));
	zs_errclear(&eb);
	r = zephyr_flash_params(dtb, len, &fl, &eb);
	stage = json_string_value(json_object_get(exp, "stage"));
	if (stage != NULL && strcmp(stage, "devicetree") == 0) {
		if (r != ZS_ERR_BUILD)
			fail_msg("%s: flash_params gave %d", fx, r);
		assert_string_equal(eb.msg,
		    json_string_value(json_object_get(exp, "error")));
		return;
	}
	if (r != 0)
		fail_msg("%s: %s", fx, eb.msg);
	assert_string_equal(fl.flash_path,
	    json_string_value(json_object_get(dt, "flash_node")));
	wbs = json_object_get(dt, "write_block_size");
	assert_int_equal(fl.write_block_size, json_integer_value(wbs));
	assert_int_equal(fl.slot0_offset,
	    jint(json_object_get(dt, "slot0_partition"), "offset"));
	assert_int_equal(fl.slot0_size,
	    jint(json_object_get(dt, "slot0_partition"), "size"));
	s1 = json_object_get(dt, "slot1_partition");
	assert_int_equal(fl.have_slot1, json_is_object(s1) &&
	    json_is_true(json_object_get(s1, "under_flash")));
	if (fl.have_slot1)
		assert_int_equal(fl.slot1_size, jint(s1, "size"));
}

/*
 * zephyr_imgtool_params() against "expected"; fixtures that stop before
 * or after this step (noop, missing input) still have their values
 * checked, derived from the "config" and "devicetree" sections.
 */
static void
check_params(const char *fx, const struct kconfig *kc, const uint8_t *dtb,
    size_t len, json_t *root)
{
	json_t *exp = json_object_get(root, "expected");
	json_t *cfg = json_object_get(root, "config");
	json_t *dt = json_object_get(root, "devicetree");
	struct zephyr_imgtool_params p;
	struct zs_errbuf eb;
	json_t *s0, *s1, *w;
	const char *stage;
	size_t i;
	int r, slot1;

	zs_errclear(&eb);
	r = zephyr_imgtool_params(kc, dtb, len, &p, &eb);
	stage = json_string_value(json_object_get(exp, "stage"));
	if (stage != NULL && (strcmp(stage, "config") == 0 ||
	    strcmp(stage, "devicetree") == 0)) {
		if (r != ZS_ERR_BUILD)
			fail_msg("%s: imgtool_params gave %d", fx, r);
		assert_string_equal(eb.msg,
		    json_string_value(json_object_get(exp, "error")));
		return;
	}
	if (r != 0)
		fail_msg("%s: %s", fx, eb.msg);
	if (json_object_get(exp, "version") != NULL) {
		assert_string_equal(p.version,
		    json_string_value(json_object_get(exp, "version")));
		assert_int_equal(p.header_size, jint(exp, "header_size"));
		assert_int_equal(p.align, jint(exp, "align"));
		assert_int_equal(p.slot_size, jint(exp, "slot_size"));
		assert_string_equal(p.slot_size_source, json_string_value(
		    json_object_get(exp, "slot_size_source")));
		assert_int_equal(p.partition_offset,
		    jint(exp, "partition_offset"));
	} else {
		s0 = json_object_get(dt, "slot0_partition");
		s1 = json_object_get(dt, "slot1_partition");
		slot1 = json_is_object(s1) &&
		    json_is_true(json_object_get(s1, "under_flash"));
		assert_string_equal(p.version, json_string_value(
		    json_object_get(cfg, "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION")));
		assert_int_equal(p.header_size,
		    jint(cfg, "CONFIG_ROM_START_OFFSET"));
		assert_int_equal(p.align, jint(dt, "write_block_size"));
		assert_int_equal(p.slot_size, jint(slot1 ? s1 : s0, "size"));
		assert_string_equal(p.slot_size_source, slot1 ?
		    "slot1_partition" : "slot0_partition");
		assert_int_equal(p.partition_offset, jint(s0, "offset"));
	}
	w = json_object_get(exp, "warnings");
	assert_int_equal(p.nwarnings, json_array_size(w));
	for (i = 0; i < json_array_size(w); i++)
		assert_string_equal(p.warnings[i],
		    json_string_value(json_array_get(w, i)));
}

static void
check_fixture(const char *fx)
{
	char path[512], *cache, *conf;
	json_t *root, *exp, *formats;
	struct zs_errbuf eb;
	struct kconfig *kc;
	json_error_t jerr;
	const char *stage;
	uint8_t *dtb;
	size_t len, dtblen, i;
	int want_bin, want_hex;

	snprintf(path, sizeof(path), FIXDIR "/%s/expected.json", fx);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fail_msg("%s: %s", path, jerr.text);
	exp = json_object_get(root, "expected");
	stage = json_string_value(json_object_get(exp, "stage"));

	snprintf(path, sizeof(path), FIXDIR "/%s/CMakeCache.txt", fx);
	cache = read_text(path, &len);
	assert_int_equal(zephyr_cmakecache_is_zephyr(cache, len),
	    stage == NULL || strcmp(stage, "is_zephyr_build") != 0);
	free(cache);

	snprintf(path, sizeof(path), FIXDIR "/%s/zephyr/.config", fx);
	conf = read_text(path, &len);
	assert_int_equal(kconfig_parse(conf, len, &kc, &eb), 0);
	free(conf);
	check_config(fx, kc, json_object_get(root, "config"));
	if ((formats = json_object_get(exp, "formats")) != NULL) {
		want_bin = want_hex = 0;
		for (i = 0; i < json_array_size(formats); i++) {
			stage = json_string_value(json_array_get(formats, i));
			want_bin |= strcmp(stage, "bin") == 0;
			want_hex |= strcmp(stage, "hex") == 0;
		}
		assert_int_equal(kconfig_bool(kc, "CONFIG_BUILD_OUTPUT_BIN"),
		    want_bin);
		assert_int_equal(kconfig_bool(kc, "CONFIG_BUILD_OUTPUT_HEX"),
		    want_hex);
	}

	snprintf(path, sizeof(path), FIXDIR "/%s/zephyr/zephyr.dts", fx);
	compile_dts(path, DTC_SYMBOLS, &dtb, &dtblen);
	check_flash(fx, dtb, dtblen, json_object_get(root, "devicetree"), exp);
	check_params(fx, kc, dtb, dtblen, root);
	free(dtb);
	kconfig_free(kc);
	json_decref(root);
}

static void
test_fixtures(void **state)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir(FIXDIR));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_name[0] == '_' ||
		    strcmp(de->d_name, "README.md") == 0)
			continue;
		print_message("# fixture %s\n", de->d_name);
		check_fixture(de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, NFIXTURES);
}

/*
 * A small tree: chosen (%1), the flash node's extra properties (%2), the
 * partitions node's name (%3) and body (%4), and the body of a second
 * flash device's partitions (%5).
 */
static const char dts_template[] =
    "/dts-v1/;\n"
    "/ {\n"
    "	#address-cells = <1>;\n"
    "	#size-cells = <1>;\n"
    "	chosen { %s };\n"
    "	soc {\n"
    "		#address-cells = <1>;\n"
    "		#size-cells = <1>;\n"
    "		ranges;\n"
    "		flash-controller@4001e000 {\n"
    "			reg = <0x4001e000 0x1000>;\n"
    "			#address-cells = <1>;\n"
    "			#size-cells = <1>;\n"
    "			flash0: flash@0 {\n"
    "				reg = <0x0 0x100000>;\n"
    "				%s\n"
    "				%s {\n"
    "					compatible = \"fixed-partitions\";\n"
    "					%s\n"
    "				};\n"
    "			};\n"
    "		};\n"
    "		qspi: flash@12000000 {\n"
    "			reg = <0x12000000 0x800000>;\n"
    "			partitions {\n"
    "				compatible = \"fixed-partitions\";\n"
    "				#address-cells = <1>;\n"
    "				#size-cells = <1>;\n"
    "				%s\n"
    "			};\n"
    "		};\n"
    "	};\n"
    "};\n";

#define CHOSEN_OK	"zephyr,flash = &flash0;"
#define WBS_4		"write-block-size = <4>;"
#define CELLS_1_1	"#address-cells = <1>; #size-cells = <1>;"
#define SLOT0		"slot0_partition: partition@c000 { reg = <0xc000 0x76000>; };"
#define SLOT1		"slot1_partition: partition@82000 { reg = <0x82000 0x74000>; };"

static void
test_handmade(void **state)
{
	static const struct {
		const char	*what;
		const char	*chosen, *flashprops, *pname, *pbody, *other;
		int		 dtc;	/* compile_dts() flags */
		const char	*err;	/* NULL: success with the values below */
		uint64_t	 slot0_off, slot_size;
		int		 have_slot1;
	} v[] = {
		{ "slot1 label under another flash is ignored",
		    CHOSEN_OK, WBS_4, "partitions", CELLS_1_1 SLOT0,
		    "slot1_partition: partition@0 { reg = <0x0 0x1000>; };",
		    DTC_SYMBOLS, NULL, 0xc000, 0x76000, 0 },
		{ "slot1 under the same flash gives the size (swap-move)",
		    CHOSEN_OK, WBS_4, "partitions", CELLS_1_1 SLOT0 SLOT1,
		    "", DTC_SYMBOLS, NULL, 0xc000, 0x74000, 1 },
		{ "cells are read: 2 address cells, 1 size cell",
		    CHOSEN_OK, WBS_4, "partitions",
		    "#address-cells = <2>; #size-cells = <1>; "
		    "slot0_partition: partition@c000 { reg = <0x0 0xc000 "
		    "0x76000>; };", "", DTC_SYMBOLS, NULL, 0xc000, 0x76000, 0 },
		{ "a slot0 grandchild of partitions does not count",
		    CHOSEN_OK, WBS_4, "partitions",
		    CELLS_1_1 "sub { #address-cells = <1>; #size-cells = <1>; "
		    SLOT0 " };", "", DTC_SYMBOLS,
		    "DT zephyr,flash chosen node has no slot0_partition "
		    "partition, can't determine its address", 0, 0, 0 },
		{ "ranges on partitions translate the address (edtlib)",
		    CHOSEN_OK, WBS_4 CELLS_1_1, "partitions",
		    CELLS_1_1 "ranges = <0x0 0x8000000 0x100000>; " SLOT0, "",
		    DTC_SYMBOLS | DTC_LAX, NULL, 0x800c000, 0x76000, 0 },
		{ "partitions@0 is not \"partitions\"",
		    CHOSEN_OK, WBS_4, "partitions@0",
		    "reg = <0 0x100000>; " CELLS_1_1 SLOT0, "", DTC_SYMBOLS,
		    "DT zephyr,flash chosen node has no partitions, can't "
		    "find partitions for MCUboot slots", 0, 0, 0 },
		{ "no /__symbols__ without dtc -@",
		    CHOSEN_OK, WBS_4, "partitions", CELLS_1_1 SLOT0, "", 0,
		    "devicetree blob has no /__symbols__ node (compile it "
		    "with dtc -@), can't find slot0_partition", 0, 0, 0 },
		{ "chosen path to no node",
		    "zephyr,flash = \"/soc/nothing\";", WBS_4, "partitions",
		    CELLS_1_1 SLOT0, "", DTC_SYMBOLS,
		    "devicetree chosen zephyr,flash path /soc/nothing does "
		    "not exist", 0, 0, 0 },
		{ "write-block-size of two cells",
		    CHOSEN_OK, "write-block-size = <0 4>;", "partitions",
		    CELLS_1_1 SLOT0, "", DTC_SYMBOLS,
		    "DT zephyr,flash node write-block-size is not a single "
		    "cell", 0, 0, 0 },
		{ "zero-sized slot1",
		    CHOSEN_OK, WBS_4, "partitions", CELLS_1_1 SLOT0
		    "slot1_partition: partition@82000 { reg = <0x82000 0x0>; };",
		    "", DTC_SYMBOLS,
		    "expected nonzero slot size for slot1_partition", 0, 0, 0 },
		{ "slot1 without reg",
		    CHOSEN_OK, WBS_4, "partitions", CELLS_1_1 SLOT0
		    "slot1_partition: partition-b { };", "", DTC_SYMBOLS,
		    "slot1_partition flash partition has no regs property; "
		    "can't determine size of slot", 0, 0, 0 },
		{ "reg not a whole number of entries",
		    CHOSEN_OK, WBS_4, "partitions",
		    CELLS_1_1 "slot0_partition: partition@c000 { reg = <0xc000 "
		    "0x76000 0x1>; };", "", DTC_SYMBOLS,
		    "slot0_partition flash partition has a malformed reg "
		    "property", 0, 0, 0 },
	};
	struct zephyr_flash fl;
	struct zs_errbuf eb;
	char path[128];
	uint8_t *dtb;
	size_t i, len;
	FILE *f;
	int r;

	(void)state;
	snprintf(path, sizeof(path), "%s/in.dts", tmpdir);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("# %s\n", v[i].what);
		assert_non_null(f = fopen(path, "w"));
		fprintf(f, dts_template, v[i].chosen, v[i].flashprops,
		    v[i].pname, v[i].pbody, v[i].other);
		assert_int_equal(fclose(f), 0);
		compile_dts(path, v[i].dtc, &dtb, &len);
		zs_errclear(&eb);
		r = zephyr_flash_params(dtb, len, &fl, &eb);
		if (v[i].err != NULL) {
			assert_int_equal(r, ZS_ERR_BUILD);
			assert_string_equal(eb.msg, v[i].err);
		} else {
			if (r != 0)
				fail_msg("%s", eb.msg);
			assert_string_equal(fl.flash_path,
			    "/soc/flash-controller@4001e000/flash@0");
			assert_int_equal(fl.write_block_size, 4);
			assert_int_equal(fl.slot0_offset, v[i].slot0_off);
			assert_int_equal(fl.have_slot1, v[i].have_slot1);
			assert_int_equal(fl.have_slot1 ? fl.slot1_size :
			    fl.slot0_size, v[i].slot_size);
		}
		free(dtb);
	}
}

/* Bytes that are no devicetree are refused, however they are cut. */
static void
test_bad_blob(void **state)
{
	char path[256];
	struct zephyr_flash fl;
	struct zs_errbuf eb;
	uint8_t *dtb, *copy;
	size_t len, cut;

	(void)state;
	assert_int_equal(zephyr_flash_params("", 0, &fl, &eb), ZS_ERR_FORMAT);
	assert_int_equal(zephyr_flash_params("not a dtb at all, really",
	    24, &fl, &eb), ZS_ERR_FORMAT);
	snprintf(path, sizeof(path), FIXDIR "/frdm_k64f/zephyr/zephyr.dts");
	compile_dts(path, DTC_SYMBOLS, &dtb, &len);
	for (cut = 0; cut < len; cut += len / 7)
		assert_int_equal(zephyr_flash_params(dtb, cut, &fl, &eb),
		    ZS_ERR_FORMAT);
	/* Unaligned input is fine. */
	assert_non_null(copy = malloc(len + 1));
	memcpy(copy + 1, dtb, len);
	assert_int_equal(zephyr_flash_params(copy + 1, len, &fl, &eb), 0);
	assert_int_equal(fl.slot0_offset, 0x10000);
	free(copy);
	free(dtb);
}

/* BuildConfiguration's value rules, one line each. */
static void
test_kconfig_values(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "CONFIG_STR=\"1.2.3+4\"\n"
	    "CONFIG_ESC=\"a\\\"b\"\n"
	    "CONFIG_Y=y\n"
	    "CONFIG_HEX=0x200\n"
	    "CONFIG_HEXU=0x_2_0\n"
	    "CONFIG_DEC=-42\n"
	    "CONFIG_DECU=1_000\n"
	    "CONFIG_BADU=1__0\n"
	    "CONFIG_N=n\n"
	    "CONFIG_BIG=99999999999999999999\n"
	    "CONFIG_UPPERX=0X10\n"
	    "CONFIG_LONEQ=\"\n"
	    "CONFIG_TRAIL=7 \t\r\n"
	    "# CONFIG_OFF is not set\n"
	    "# CONFIG_NOTQUITE is not set \n"
	    " CONFIG_INDENT=1\n"
	    "CONFIG_CR=5\rCONFIG_AFTERCR=6\n"
	    "CONFIG_TWICE=1\n"
	    "CONFIG_TWICE=2\n"
	    "CONFIG_EMPTY=\n"
	    "CONFIG_=3\n"
	    "CONFIG_LAST=\"no newline\"";
	static const struct {
		const char		*name;
		enum kconfig_kind	 kind;
		const char		*str;	/* kconfig_str() */
		int			 iret;	/* kconfig_int() result */
		long long		 ival;
	} v[] = {
		{ "CONFIG_STR", KCONFIG_STRING, "1.2.3+4", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_ESC", KCONFIG_STRING, "a\\\"b", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_Y", KCONFIG_TRUE, "y", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_HEX", KCONFIG_INT, "0x200", 0, 512 },
		{ "CONFIG_HEXU", KCONFIG_INT, "0x_2_0", 0, 32 },
		{ "CONFIG_DEC", KCONFIG_INT, "-42", 0, -42 },
		{ "CONFIG_DECU", KCONFIG_INT, "1_000", 0, 1000 },
		{ "CONFIG_BADU", KCONFIG_STRING, "1__0", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_N", KCONFIG_STRING, "n", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_BIG", KCONFIG_INT, "99999999999999999999",
		    ZS_ERR_TOO_LARGE, 0 },
		{ "CONFIG_UPPERX", KCONFIG_STRING, "0X10", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_LONEQ", KCONFIG_STRING, "", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_TRAIL", KCONFIG_INT, "7", 0, 7 },
		{ "CONFIG_OFF", KCONFIG_FALSE, NULL, ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_NOTQUITE", KCONFIG_ABSENT, NULL, ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_INDENT", KCONFIG_ABSENT, NULL, ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_CR", KCONFIG_INT, "5", 0, 5 },
		{ "CONFIG_AFTERCR", KCONFIG_INT, "6", 0, 6 },
		{ "CONFIG_TWICE", KCONFIG_INT, "2", 0, 2 },
		{ "CONFIG_EMPTY", KCONFIG_STRING, "", ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_", KCONFIG_ABSENT, NULL, ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_LAST", KCONFIG_STRING, "no newline",
		    ZS_ERR_NOT_FOUND, 0 },
		{ "CONFIG_NOWHERE", KCONFIG_ABSENT, NULL, ZS_ERR_NOT_FOUND, 0 },
	};
	struct zs_errbuf eb;
	struct kconfig *kc;
	const char *s;
	long long iv;
	size_t i;

	(void)state;
	assert_int_equal(kconfig_parse(text, strlen(text), &kc, &eb), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		print_message("# %s\n", v[i].name);
		assert_int_equal(kconfig_kind(kc, v[i].name), v[i].kind);
		assert_int_equal(kconfig_bool(kc, v[i].name),
		    v[i].kind == KCONFIG_TRUE);
		s = kconfig_str(kc, v[i].name);
		if (v[i].str == NULL)
			assert_null(s);
		else
			assert_string_equal(s, v[i].str);
		iv = 12345;
		assert_int_equal(kconfig_int(kc, v[i].name, &iv), v[i].iret);
		assert_int_equal(iv, v[i].iret == 0 ? v[i].ival : 12345);
	}
	kconfig_free(kc);
	kconfig_free(NULL);
}

static void
test_kconfig_limits(void **state)
{
	struct zs_errbuf eb;
	struct kconfig *kc = NULL;
	long long iv;
	char *big;

	(void)state;
	assert_int_equal(kconfig_parse("CONFIG_A=1\0\n", 12, &kc, &eb),
	    ZS_ERR_FORMAT);
	assert_non_null(strstr(eb.msg, "NUL"));
	assert_null(kc);
	big = calloc(1, ZEPHYR_CONFIG_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', ZEPHYR_CONFIG_MAX + 1);
	assert_int_equal(kconfig_parse(big, ZEPHYR_CONFIG_MAX + 1, &kc, &eb),
	    ZS_ERR_TOO_LARGE);
	assert_int_equal(kconfig_parse(big, ZEPHYR_CONFIG_MAX, &kc, &eb), 0);
	assert_int_equal(kconfig_kind(kc, "CONFIG_A"), KCONFIG_ABSENT);
	kconfig_free(kc);
	free(big);
	/* Python keeps decimal strings over 4300 digits as strings. */
	big = malloc(9 + 4301 + 1);
	assert_non_null(big);
	memcpy(big, "CONFIG_D=", 9);
	memset(big + 9, '1', 4301);
	big[9 + 4300] = '\0';
	assert_int_equal(kconfig_parse(big, strlen(big), &kc, &eb), 0);
	assert_int_equal(kconfig_kind(kc, "CONFIG_D"), KCONFIG_INT);
	assert_int_equal(kconfig_int(kc, "CONFIG_D", &iv), ZS_ERR_TOO_LARGE);
	kconfig_free(kc);
	big[9 + 4300] = '1';
	big[9 + 4301] = '\0';
	assert_int_equal(kconfig_parse(big, strlen(big), &kc, &eb), 0);
	assert_int_equal(kconfig_kind(kc, "CONFIG_D"), KCONFIG_STRING);
	kconfig_free(kc);
	free(big);
}

/* The .config faults zephyr_imgtool_params() reports before the dtb. */
static void
test_params_config_errors(void **state)
{
	static const struct {
		const char	*text, *err;
	} v[] = {
		{ "CONFIG_ROM_START_OFFSET=0x200\n",
		    "build .config is missing a "
		    "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION value" },
		{ "# CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION is not set\n",
		    "build .config is missing a "
		    "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION value" },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"1.0.0\"\n",
		    "build .config is missing a CONFIG_ROM_START_OFFSET "
		    "value" },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"1.0.0\"\n"
		    "CONFIG_ROM_START_OFFSET=\"0x200\"\n",
		    "build .config CONFIG_ROM_START_OFFSET value 0x200 is not "
		    "a 32-bit unsigned integer" },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"1.0.0\"\n"
		    "CONFIG_ROM_START_OFFSET=0x100000000\n",
		    "build .config CONFIG_ROM_START_OFFSET value 0x100000000 "
		    "is not a 32-bit unsigned integer" },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=y\n",
		    "build .config CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION value "
		    "is not a version" },
	};
	struct zephyr_imgtool_params p;
	struct zs_errbuf eb;
	struct kconfig *kc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(kconfig_parse(v[i].text, strlen(v[i].text),
		    &kc, &eb), 0);
		/* No dtb: the .config checks come first. */
		assert_int_equal(zephyr_imgtool_params(kc, "", 0, &p, &eb),
		    ZS_ERR_BUILD);
		assert_string_equal(eb.msg, v[i].err);
		kconfig_free(kc);
	}
}

/* Version passing (str() of an int) and the MCUboot warning's truth test. */
static void
test_params_values(void **state)
{
	static const struct {
		const char	*conf, *version;
		int		 warn;
	} v[] = {
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=0x10\n"
		    "CONFIG_BOOTLOADER_MCUBOOT=y\n", "16", 0 },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"2.0.0\"\n"
		    "CONFIG_BOOTLOADER_MCUBOOT=n\n", "2.0.0", 0 },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"2.0.0\"\n"
		    "CONFIG_BOOTLOADER_MCUBOOT=0\n", "2.0.0", 1 },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"2.0.0\"\n"
		    "CONFIG_BOOTLOADER_MCUBOOT=\"\"\n", "2.0.0", 1 },
		{ "CONFIG_MCUBOOT_IMGTOOL_SIGN_VERSION=\"2.0.0\"\n",
		    "2.0.0", 1 },
	};
	struct zephyr_imgtool_params p;
	struct zs_errbuf eb;
	struct kconfig *kc;
	char path[256], conf[256];
	uint8_t *dtb;
	size_t i, len;

	(void)state;
	snprintf(path, sizeof(path), FIXDIR "/nucleo_h743zi/zephyr/zephyr.dts");
	compile_dts(path, DTC_SYMBOLS, &dtb, &len);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(conf, sizeof(conf), "%sCONFIG_ROM_START_OFFSET=1024\n",
		    v[i].conf);
		assert_int_equal(kconfig_parse(conf, strlen(conf), &kc, &eb),
		    0);
		assert_int_equal(zephyr_imgtool_params(kc, dtb, len, &p, &eb),
		    0);
		assert_string_equal(p.version, v[i].version);
		assert_int_equal(p.header_size, 1024);
		assert_int_equal(p.align, 32);
		assert_int_equal(p.partition_offset, 0x40000);
		assert_int_equal(p.nwarnings, v[i].warn);
		kconfig_free(kc);
	}
	free(dtb);
}

static void
test_cmakecache(void **state)
{
	static const char cache[] =
	    "# This is the CMakeCache file.\n"
	    "//ZEPHYR_TOOLCHAIN_VARIANT:INTERNAL=commented\n"
	    "CMAKE_C_COMPILER:FILEPATH=/usr/bin/cc\r\n"
	    "WEIRD:NAME:STRING=a;b\n"
	    "NOTYPE=x\n"
	    "BADTYPE:UNINITIALIZED=y\n"
	    "DUP:STRING=first\n"
	    "DUP:STRING=second\n"
	    "EMPTY:PATH=\n"
	    "RIMAGE_CONFIG_PATH:PATH=/rimage/config";
	static const struct {
		const char	*key, *val;
	} v[] = {
		{ "CMAKE_C_COMPILER", "/usr/bin/cc" },
		{ "WEIRD:NAME", "a;b" },
		{ "WEIRD", NULL },
		{ "NOTYPE", NULL },
		{ "BADTYPE", NULL },
		{ "DUP", "second" },
		{ "EMPTY", "" },
		{ "RIMAGE_CONFIG_PATH", "/rimage/config" },
		{ "ZEPHYR_TOOLCHAIN_VARIANT", NULL },
	};
	static const char zephyr[] =
	    "ZEPHYR_BASE:PATH=/z\nZEPHYR_TOOLCHAIN_VARIANT:INTERNAL=zephyr\n";
	char *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = zephyr_cmakecache_get(cache, strlen(cache), v[i].key);
		if (v[i].val == NULL)
			assert_null(s);
		else
			assert_string_equal(s, v[i].val);
		free(s);
	}
	assert_false(zephyr_cmakecache_is_zephyr(cache, strlen(cache)));
	assert_true(zephyr_cmakecache_is_zephyr(zephyr, strlen(zephyr)));
	/* ZEPHYR_BASE alone is not enough for the check the fixtures use. */
	assert_false(zephyr_cmakecache_is_zephyr(zephyr, 20));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_handmade),
		cmocka_unit_test(test_bad_blob),
		cmocka_unit_test(test_kconfig_values),
		cmocka_unit_test(test_kconfig_limits),
		cmocka_unit_test(test_params_config_errors),
		cmocka_unit_test(test_params_values),
		cmocka_unit_test(test_cmakecache),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}

# SPDX-License-Identifier: Apache-2.0
# Zephyr build-directory parsing (.config, CMakeCache.txt, devicetree blob),
# its unit test and fuzz targets.
libzsign_a_SOURCES += lib/zephyr.h lib/zephyr.c lib/kconfig.c \
	lib/cmakecache.c lib/fdt.c

check_PROGRAMS += tests/unit/test-zephyr
TESTS += tests/unit/test-zephyr
tests_unit_test_zephyr_SOURCES = tests/unit/test-zephyr.c
tests_unit_test_zephyr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_zephyr_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/fixtures/zephyr

# Fuzz targets compile the module sources again, instrumented, so that
# libFuzzer sees their coverage.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-kconfig tests/fuzz/fuzz-fdt
tests_fuzz_fuzz_kconfig_SOURCES = tests/fuzz/fuzz-kconfig.c lib/kconfig.c \
	lib/cmakecache.c lib/zephyr.c lib/fdt.c
tests_fuzz_fuzz_kconfig_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_kconfig_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_kconfig_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_fdt_SOURCES = tests/fuzz/fuzz-fdt.c lib/fdt.c lib/zephyr.c \
	lib/kconfig.c
tests_fuzz_fuzz_fdt_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_fdt_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_fdt_LDADD = libzsign.a $(LIBZSIGN_DEPS)
EXTRA_DIST += tests/fuzz/corpus/kconfig tests/fuzz/corpus/fdt
endif

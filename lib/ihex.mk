# SPDX-License-Identifier: Apache-2.0
# Intel HEX reader/writer, its unit test and fuzz target.
libzsign_a_SOURCES += lib/ihex.c lib/ihex.h

check_PROGRAMS += tests/unit/test-ihex
TESTS += tests/unit/test-ihex
tests_unit_test_ihex_SOURCES = tests/unit/test-ihex.c
tests_unit_test_ihex_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ihex_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/unit/data/ihex

# Fuzz targets compile the module sources again, instrumented, so that
# libFuzzer sees their coverage.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-ihex
tests_fuzz_fuzz_ihex_SOURCES = tests/fuzz/fuzz-ihex.c lib/ihex.c
tests_fuzz_fuzz_ihex_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ihex_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_ihex_LDADD = libzsign.a $(LIBZSIGN_DEPS)
EXTRA_DIST += tests/fuzz/corpus/ihex
endif

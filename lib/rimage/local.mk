# SPDX-License-Identifier: Apache-2.0
# The rimage engine (SOF audio-DSP images) and its small TOML parser.
libzsign_a_SOURCES += \
	lib/toml.c lib/toml.h \
	lib/rimage/rimage.h lib/rimage/rimage-int.h \
	lib/rimage/args.c lib/rimage/config.c lib/rimage/elf.c \
	lib/rimage/modules.c lib/rimage/css.c lib/rimage/manifest.c \
	lib/rimage/simple.c lib/rimage/xman.c lib/rimage/rimage.c

# Reference vectors: the in-process runner and the reusable comparer.
RIMAGE_VEC_SRC = tests/vectors/rimage-vectors.c tests/vectors/rimage-vectors.h
check_PROGRAMS += tests/vectors/test-rimage-engine tests/vectors/rimage-compare
TESTS += tests/vectors/test-rimage-engine
tests_vectors_test_rimage_engine_SOURCES = \
	tests/vectors/test-rimage-engine.c $(RIMAGE_VEC_SRC)
tests_vectors_test_rimage_engine_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_test_rimage_engine_LDADD = $(UNIT_LDADD)
tests_vectors_rimage_compare_SOURCES = \
	tests/vectors/rimage-compare.c $(RIMAGE_VEC_SRC)
tests_vectors_rimage_compare_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_rimage_compare_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/vectors/rimage

# Unit tests of the engine and of the TOML parser.
RIMAGE_UNIT = tests/unit/test-rimage tests/unit/test-toml
check_PROGRAMS += $(RIMAGE_UNIT)
TESTS += $(RIMAGE_UNIT)
tests_unit_test_rimage_SOURCES = tests/unit/test-rimage.c
tests_unit_test_rimage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rimage_LDADD = $(UNIT_LDADD)
tests_unit_test_toml_SOURCES = tests/unit/test-toml.c
tests_unit_test_toml_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_toml_LDADD = $(UNIT_LDADD)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-elf tests/fuzz/fuzz-toml \
	tests/fuzz/fuzz-rimage-manifest
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz-elf.c
tests_fuzz_fuzz_elf_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_elf_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_elf_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_toml_SOURCES = tests/fuzz/fuzz-toml.c
tests_fuzz_fuzz_toml_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_toml_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_toml_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_rimage_manifest_SOURCES = tests/fuzz/fuzz-rimage-manifest.c
tests_fuzz_fuzz_rimage_manifest_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) \
	-DZS_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_fuzz_rimage_manifest_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rimage_manifest_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/elf tests/fuzz/corpus/toml \
	tests/fuzz/corpus/rimage-manifest

# Benchmark: a synthesized 1 MiB SOF image through the engine (and the
# inputs bench/rimage.sh sends through zsign-client and zsignd).
noinst_PROGRAMS += bench/rimage-bench
bench_rimage_bench_SOURCES = bench/rimage-bench.c
bench_rimage_bench_CFLAGS = $(UNIT_CFLAGS)
bench_rimage_bench_LDADD = libzsign.a $(LIBZSIGN_DEPS)

# zsign-client rimage (client/cli-rimage.c; main() stays in zsign-client.c).
libzsign_a_SOURCES += client/cli-rimage.c client/cli-west-rimage.c

# The vectors again, through zsign-client and a real zsignd (needs jq).
TESTS += tests/vectors/run-rimage-vectors.sh
EXTRA_DIST += tests/vectors/run-rimage-vectors.sh
TESTS += tests/e2e/rimage-west.sh
EXTRA_DIST += tests/e2e/rimage-west.sh bench/rimage.sh

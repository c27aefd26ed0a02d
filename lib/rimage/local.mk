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

# SPDX-License-Identifier: Apache-2.0
# The MCUboot image engine (imgtool sign/verify/dumpinfo/getpub).
MCUBOOT_SRCS = \
	lib/mcuboot/mcuboot.h lib/mcuboot/mcuboot-int.h \
	lib/mcuboot/args.c lib/mcuboot/image.c lib/mcuboot/tlv.c \
	lib/mcuboot/keys.c lib/mcuboot/trailer.c lib/mcuboot/enc.c \
	lib/mcuboot/compress.c lib/mcuboot/verify.c \
	lib/mcuboot/dumpinfo.c lib/mcuboot/getkey.c
libzsign_a_SOURCES += $(MCUBOOT_SRCS)

# The imgtool reference cases, run in-process; the comparison code is
# shared with the client/daemon tests through imgtool-compare.
check_PROGRAMS += tests/vectors/test-imgtool-engine tests/vectors/imgtool-compare
TESTS += tests/vectors/test-imgtool-engine
tests_vectors_test_imgtool_engine_SOURCES = \
	tests/vectors/test-imgtool-engine.c \
	tests/vectors/imgtool-compare.c tests/vectors/imgtool-compare.h
tests_vectors_test_imgtool_engine_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_test_imgtool_engine_LDADD = $(UNIT_LDADD)
tests_vectors_imgtool_compare_SOURCES = \
	tests/vectors/imgtool-compare-main.c \
	tests/vectors/imgtool-compare.c tests/vectors/imgtool-compare.h
tests_vectors_imgtool_compare_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_imgtool_compare_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/vectors/imgtool tests/vectors/imgtool-cmds

check_PROGRAMS += tests/unit/test-mcuboot-verify
TESTS += tests/unit/test-mcuboot-verify
tests_unit_test_mcuboot_verify_SOURCES = tests/unit/test-mcuboot-verify.c \
	tests/vectors/imgtool-compare.c tests/vectors/imgtool-compare.h
tests_unit_test_mcuboot_verify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mcuboot_verify_LDADD = $(UNIT_LDADD)

check_PROGRAMS += tests/unit/test-mcuboot
TESTS += tests/unit/test-mcuboot
tests_unit_test_mcuboot_SOURCES = tests/unit/test-mcuboot.c
tests_unit_test_mcuboot_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mcuboot_LDADD = $(UNIT_LDADD)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-mcuboot-image tests/fuzz/fuzz-mcuboot-args
# The engine is compiled into the targets so that it is instrumented.
tests_fuzz_fuzz_mcuboot_image_SOURCES = tests/fuzz/fuzz-mcuboot-image.c \
	$(MCUBOOT_SRCS)
tests_fuzz_fuzz_mcuboot_image_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_mcuboot_image_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mcuboot_image_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_mcuboot_args_SOURCES = tests/fuzz/fuzz-mcuboot-args.c \
	$(MCUBOOT_SRCS)
tests_fuzz_fuzz_mcuboot_args_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_mcuboot_args_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mcuboot_args_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/mcuboot-image tests/fuzz/corpus/mcuboot-args

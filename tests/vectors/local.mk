# SPDX-License-Identifier: Apache-2.0
# Compatibility vectors: the imgtool and rimage reference cases, run
# in-process and through zsign-client and a real zsignd (needs jq); the
# comparison code is a library shared with tests/unit/test-mcuboot-verify.
check_LIBRARIES += tests/vectors/libvectors.a
tests_vectors_libvectors_a_SOURCES = \
	tests/vectors/imgtool-compare.c tests/vectors/imgtool-compare.h \
	tests/vectors/rimage-vectors.c tests/vectors/rimage-vectors.h
tests_vectors_libvectors_a_CFLAGS = $(UNIT_CFLAGS)

check_PROGRAMS += tests/vectors/imgtool-compare tests/vectors/rimage-compare
tests_vectors_imgtool_compare_SOURCES = tests/vectors/imgtool-compare-main.c
tests_vectors_imgtool_compare_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_imgtool_compare_LDADD = tests/vectors/libvectors.a \
	libzsign.a $(LIBZSIGN_DEPS)
tests_vectors_rimage_compare_SOURCES = tests/vectors/rimage-compare.c
tests_vectors_rimage_compare_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_rimage_compare_LDADD = tests/vectors/libvectors.a \
	libzsign.a $(LIBZSIGN_DEPS)

# The in-process runners (test-imgtool-engine is a cmocka test).
check_PROGRAMS += tests/vectors/test-rimage-engine
TESTS += tests/vectors/test-rimage-engine
tests_vectors_test_rimage_engine_SOURCES = tests/vectors/test-rimage-engine.c
tests_vectors_test_rimage_engine_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_test_rimage_engine_LDADD = tests/vectors/libvectors.a \
	libzsign.a $(LIBZSIGN_DEPS)
if HAVE_CMOCKA
check_PROGRAMS += tests/vectors/test-imgtool-engine
TESTS += tests/vectors/test-imgtool-engine
tests_vectors_test_imgtool_engine_SOURCES = tests/vectors/test-imgtool-engine.c
tests_vectors_test_imgtool_engine_CFLAGS = $(UNIT_CFLAGS)
tests_vectors_test_imgtool_engine_LDADD = tests/vectors/libvectors.a \
	$(UNIT_LDADD)
endif

VECTOR_SCRIPT_TESTS = tests/vectors/run-imgtool-vectors.sh \
	tests/vectors/run-imgtool-py.sh tests/vectors/run-imgtool-cmds.sh \
	tests/vectors/run-rimage-vectors.sh
TESTS += $(VECTOR_SCRIPT_TESTS)
EXTRA_DIST += $(VECTOR_SCRIPT_TESTS) tests/vectors/imgtool \
	tests/vectors/imgtool-cmds tests/vectors/imgtool-cmake \
	tests/vectors/rimage tests/vectors/proto

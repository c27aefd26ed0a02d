# SPDX-License-Identifier: Apache-2.0
libzsign_a_SOURCES += proto/proto.c proto/proto.h

# The validator's unit test; its samples double as the fuzz seed corpus.
check_PROGRAMS += tests/unit/test-proto
TESTS += tests/unit/test-proto
tests_unit_test_proto_SOURCES = tests/unit/test-proto.c
tests_unit_test_proto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proto_LDADD = $(UNIT_LDADD)
EXTRA_DIST += tests/vectors/proto

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-request
# proto.c and jsonlift.c are compiled in again so that they carry the
# fuzzer coverage.
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz-request.c proto/proto.c \
	common/jsonlift.c
tests_fuzz_fuzz_request_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_request_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_request_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/request

# SPDX-License-Identifier: Apache-2.0
# zsign-client: the protocol client (zsclient.c) and the command line; all
# but main() lives in libzsign.a.
libzsign_a_SOURCES += \
	client/zsclient.c client/zsclient.h \
	client/cli.c client/cli.h \
	client/cli-imgtool.c client/cli-west.c

bin_PROGRAMS += zsign-client
zsign_client_SOURCES = client/zsign-client.c
zsign_client_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
zsign_client_LDADD = libzsign.a $(LIBCURL_LIBS) $(LIBZSIGN_DEPS)
dist_man_MANS += docs/zsign-client.1

# End-to-end and compatibility tests against a real zsignd (TAP).
CLIENT_TESTS = tests/e2e/client-basic.sh tests/e2e/client-curl.sh \
	tests/e2e/client-fixtures.sh tests/vectors/run-imgtool-vectors.sh
TESTS += $(CLIENT_TESTS)
EXTRA_DIST += $(CLIENT_TESTS) tests/e2e/client-common.sh scripts/demo.sh

# The reply parser against jansson's own (unit test and fuzz target).
check_PROGRAMS += tests/unit/test-zsclient
TESTS += tests/unit/test-zsclient
tests_unit_test_zsclient_SOURCES = tests/unit/test-zsclient.c
tests_unit_test_zsclient_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_zsclient_LDADD = $(UNIT_LDADD) $(LIBCURL_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-zsclient-reply
tests_fuzz_fuzz_zsclient_reply_SOURCES = tests/fuzz/fuzz-zsclient-reply.c \
	client/zsclient.c
tests_fuzz_fuzz_zsclient_reply_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_zsclient_reply_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_zsclient_reply_LDADD = libzsign.a $(LIBCURL_LIBS) \
	$(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/zsclient-reply

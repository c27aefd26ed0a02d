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

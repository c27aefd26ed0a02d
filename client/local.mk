# SPDX-License-Identifier: Apache-2.0
# zsign-client: the protocol client (zsclient.c over transport.c) and the
# command line; all but main() lives in libzsign.a.
libzsign_a_SOURCES += \
	client/transport.c client/transport.h \
	client/zsclient.c client/zsclient.h \
	client/cli.c client/cli.h client/cli-raw.c \
	client/clientconf.c client/clientconf.h \
	client/cli-imgtool.c client/cli-west.c client/cli-approve.c \
	client/imgtool-help.c client/imgtool-help.h

bin_PROGRAMS += zsign-client
zsign_client_SOURCES = client/zsign-client.c
# --as-needed: the client loads only the libraries it calls into (no
# p11-kit, libfdt or liblzma), which is most of its start-up time.
zsign_client_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
zsign_client_LDADD = libzsign.a $(HTTP_PARSER_LIBS) $(LIBZSIGN_DEPS)
dist_man_MANS += docs/zsign-client.1

# imgtool.py for Zephyr's CMake (-DIMGTOOL=...): runs zsign-client imgtool;
# in the build tree it finds the zsign-client beside it.
pkgdata_SCRIPTS = imgtool.py
CLEANFILES += imgtool.py
EXTRA_DIST += scripts/imgtool.py.in tests/vectors/imgtool-cmake
imgtool.py: $(srcdir)/scripts/imgtool.py.in Makefile
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' \
	    $(srcdir)/scripts/imgtool.py.in >$@.tmp && chmod +x $@.tmp && \
	    mv $@.tmp $@

# End-to-end and compatibility tests against a real zsignd (TAP).
CLIENT_TESTS = tests/e2e/client-basic.sh tests/e2e/client-curl.sh \
	tests/e2e/client-binary.sh \
	tests/e2e/client-fixtures.sh tests/vectors/run-imgtool-vectors.sh \
	tests/e2e/raw-sign.sh tests/vectors/run-imgtool-py.sh \
	tests/e2e/readme.sh tests/vectors/run-imgtool-cmds.sh \
	tests/e2e/client-escape.sh
TESTS += $(CLIENT_TESTS)
EXTRA_DIST += $(CLIENT_TESTS) tests/e2e/client-common.sh scripts/demo.sh \
	tests/e2e/evilserver.py

# The client configuration files: unit test.
check_PROGRAMS += tests/unit/test-clientconf
TESTS += tests/unit/test-clientconf
tests_unit_test_clientconf_SOURCES = tests/unit/test-clientconf.c
tests_unit_test_clientconf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_clientconf_LDADD = $(UNIT_LDADD)

# jsonlift (common/): json_loadb() with the base64 files lifted out, for the
# client's replies and the daemon's requests; unit test and fuzz target.
libzsign_a_SOURCES += common/jsonlift.c common/jsonlift.h
check_PROGRAMS += tests/unit/test-jsonlift
TESTS += tests/unit/test-jsonlift
tests_unit_test_jsonlift_SOURCES = tests/unit/test-jsonlift.c
tests_unit_test_jsonlift_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jsonlift_LDADD = $(UNIT_LDADD)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-jsonlift
tests_fuzz_fuzz_jsonlift_SOURCES = tests/fuzz/fuzz-jsonlift.c \
	common/jsonlift.c
tests_fuzz_fuzz_jsonlift_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_jsonlift_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jsonlift_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/jsonlift

# zsign-client's parser of binary sign replies (PROTOCOL.md 5.8).
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-reply
tests_fuzz_fuzz_reply_SOURCES = tests/fuzz/fuzz-reply.c client/zsclient.c
tests_fuzz_fuzz_reply_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_reply_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_reply_LDADD = libzsign.a $(HTTP_PARSER_LIBS) $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/reply

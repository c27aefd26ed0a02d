# SPDX-License-Identifier: Apache-2.0
# zsignd: main.c wires; the rest lives in libzsign.a so tests can reach it.
libzsign_a_SOURCES += \
	daemon/conf.c daemon/conf.h \
	daemon/conn.c daemon/conn.h \
	daemon/handle.c daemon/handle.h \
	daemon/pool.c daemon/pool.h \
	daemon/rawsign.c \
	daemon/rimconf.c daemon/rimconf.h \
	daemon/server.c daemon/server.h

sbin_PROGRAMS += zsignd
zsignd_SOURCES = daemon/main.c
zsignd_LDADD = libzsign.a $(LIBZSIGN_DEPS)

dist_man_MANS += docs/zsignd.8
EXTRA_DIST += docs/PROTOCOL.md

# Server-held rimage configs: unit and end-to-end tests.
check_PROGRAMS += tests/unit/test-rimconf
TESTS += tests/unit/test-rimconf tests/e2e/rimage-server-config.sh
EXTRA_DIST += tests/e2e/rimage-server-config.sh
tests_unit_test_rimconf_SOURCES = tests/unit/test-rimconf.c
tests_unit_test_rimconf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rimconf_LDADD = $(UNIT_LDADD)

# SPDX-License-Identifier: Apache-2.0
# zsignd: main.c wires; the rest lives in libzsign.a so tests can reach it.
libzsign_a_SOURCES += \
	daemon/conf.c daemon/conf.h \
	daemon/conn.c daemon/conn.h \
	daemon/handle.c daemon/handle.h \
	daemon/pool.c daemon/pool.h \
	daemon/server.c daemon/server.h

sbin_PROGRAMS += zsignd
zsignd_SOURCES = daemon/main.c
zsignd_LDADD = libzsign.a $(LIBZSIGN_DEPS)

dist_man_MANS += docs/zsignd.8
EXTRA_DIST += docs/PROTOCOL.md

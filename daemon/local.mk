# SPDX-License-Identifier: Apache-2.0
# zsignd: main.c wires; the rest lives in libzsign.a so tests can reach it.
libzsign_a_SOURCES += \
	daemon/conf.c daemon/conf.h \
	daemon/conn.c daemon/conn.h \
	daemon/handle.c daemon/handle.h \
	daemon/pool.c daemon/pool.h \
	daemon/rawsign.c \
	daemon/refuse.c daemon/refuse.h \
	daemon/rimconf.c daemon/rimconf.h \
	daemon/server.c daemon/server.h \
	daemon/notify.c daemon/notify.h \
	daemon/metrics.c daemon/metrics.h \
	daemon/runtime.c daemon/runtime.h \
	daemon/audit.c daemon/audit.h \
	daemon/acl.c daemon/acl.h \
	daemon/policy.c daemon/policy.h \
	daemon/tls.c daemon/tls.h \
	daemon/security.c daemon/security.h \
	daemon/refagg.c daemon/refagg.h \
	daemon/jwt.c daemon/jwt.h \
	daemon/oidc.c daemon/oidc.h \
	daemon/approval.c daemon/approval.h

sbin_PROGRAMS += zsignd
zsignd_SOURCES = daemon/main.c
zsignd_LDADD = libzsign.a $(LIBZSIGN_DEPS)

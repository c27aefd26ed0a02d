# SPDX-License-Identifier: Apache-2.0
# Operations: service manager glue (notify.c), metrics, systemd units,
# tmpfiles/sysusers snippets, the example configuration, and their tests.

libzsign_a_SOURCES += \
	daemon/notify.c daemon/notify.h \
	daemon/metrics.c daemon/metrics.h \
	daemon/runtime.c daemon/runtime.h

# Units carry the configured paths, so they are generated at make time
# (configure would leave ${prefix} unexpanded).
ZS_OPS_SUBST = sed \
	-e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@libexecdir[@]|$(libexecdir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g'
ZS_OPS_GENERATED = systemd/zsignd.service systemd/zsignd.socket \
	systemd/tmpfiles.d/zsignd.conf systemd/sysusers.d/zsignd.conf

systemd/zsignd.service: $(srcdir)/systemd/zsignd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(ZS_OPS_SUBST) \
	    $(srcdir)/systemd/zsignd.service.in >$@.tmp && mv $@.tmp $@
systemd/zsignd.socket: $(srcdir)/systemd/zsignd.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(ZS_OPS_SUBST) \
	    $(srcdir)/systemd/zsignd.socket.in >$@.tmp && mv $@.tmp $@
systemd/tmpfiles.d/zsignd.conf: $(srcdir)/systemd/zsignd.tmpfiles.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(ZS_OPS_SUBST) \
	    $(srcdir)/systemd/zsignd.tmpfiles.in >$@.tmp && mv $@.tmp $@
systemd/sysusers.d/zsignd.conf: $(srcdir)/systemd/zsignd.sysusers.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(ZS_OPS_SUBST) \
	    $(srcdir)/systemd/zsignd.sysusers.in >$@.tmp && mv $@.tmp $@

noinst_DATA = $(ZS_OPS_GENERATED)
if ZS_SYSTEMD
systemdsystemunit_DATA = systemd/zsignd.service systemd/zsignd.socket
tmpfiles_DATA = systemd/tmpfiles.d/zsignd.conf
sysusers_DATA = systemd/sysusers.d/zsignd.conf
endif
CLEANFILES += $(ZS_OPS_GENERATED)
EXTRA_DIST += systemd/zsignd.service.in systemd/zsignd.socket.in \
	systemd/zsignd.tmpfiles.in systemd/zsignd.sysusers.in

# Debian keeps examples under /usr/share/doc/PACKAGE/examples, PACKAGE
# being the binary package (zsignd) rather than the source (zsign); JSON
# has no comments, so zsignd.conf(5) explains each member of the example.
examplesdir = $(datadir)/doc/zsignd/examples
examples_DATA = etc/zsignd.conf
etc/zsignd.conf: $(srcdir)/etc/zsignd.conf.example
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/etc/zsignd.conf.example $@
CLEANFILES += etc/zsignd.conf
EXTRA_DIST += etc/zsignd.conf.example
dist_man_MANS += docs/zsignd.conf.5

# Tests.
check_PROGRAMS += tests/unit/test-notify tests/unit/test-metrics \
	tests/unit/test-log tests/unit/test-runtime tests/e2e/notify-recv
OPS_E2E_TESTS = tests/e2e/ops-units.sh tests/e2e/ops-activate.sh \
	tests/e2e/ops-activate-tls.sh tests/e2e/ops-config.sh \
	tests/e2e/ops-install.sh
TESTS += tests/unit/test-notify tests/unit/test-metrics tests/unit/test-log \
	tests/unit/test-runtime $(OPS_E2E_TESTS)

tests_unit_test_notify_SOURCES = tests/unit/test-notify.c
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)

tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)

tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)

tests_unit_test_runtime_SOURCES = tests/unit/test-runtime.c
tests_unit_test_runtime_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runtime_LDADD = $(UNIT_LDADD)

tests_e2e_notify_recv_SOURCES = tests/e2e/notify-recv.c

EXTRA_DIST += $(OPS_E2E_TESTS)

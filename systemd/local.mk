# SPDX-License-Identifier: Apache-2.0
# systemd units and the tmpfiles.d/sysusers.d snippets.

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

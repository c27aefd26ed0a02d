# SPDX-License-Identifier: Apache-2.0
# Debian keeps examples under /usr/share/doc/PACKAGE/examples, PACKAGE
# being the binary package (zsignd) rather than the source (zsign); JSON
# has no comments, so zsignd.conf(5) explains each member of the example.
examplesdir = $(datadir)/doc/zsignd/examples
examples_DATA = etc/zsignd.conf
etc/zsignd.conf: $(srcdir)/etc/zsignd.conf.example
	$(AM_V_GEN)$(MKDIR_P) $(@D) && cp $(srcdir)/etc/zsignd.conf.example $@
CLEANFILES += etc/zsignd.conf
EXTRA_DIST += etc/zsignd.conf.example

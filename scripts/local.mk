# SPDX-License-Identifier: Apache-2.0
# imgtool.py for Zephyr's CMake (-DIMGTOOL=...): runs zsign-client imgtool;
# in the build tree it finds the zsign-client beside it.
pkgdata_SCRIPTS = imgtool.py
CLEANFILES += imgtool.py
EXTRA_DIST += scripts/imgtool.py.in
imgtool.py: $(srcdir)/scripts/imgtool.py.in Makefile
	$(AM_V_GEN)sed -e 's|@bindir[@]|$(bindir)|g' \
	    $(srcdir)/scripts/imgtool.py.in >$@.tmp && chmod +x $@.tmp && \
	    mv $@.tmp $@

EXTRA_DIST += scripts/deps.sh scripts/test.sh scripts/package.sh \
	scripts/softhsm-setup.sh scripts/demo.sh

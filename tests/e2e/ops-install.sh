#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make install DESTDIR=... lays out programs, units, snippets, the example
# configuration and the manuals where the configured (Debian) paths say,
# the installed units point at the installed daemon, and make uninstall
# removes every file again.
set -u
build=${ZS_TOP_BUILDDIR:?}
tmp=$(mktemp -d /tmp/zsign-ops-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/dest"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }

# The configured installation directories, as make expands them.
dir() {
	printf 'zs-print-%%:\n\t@echo $($*)\n' |
	    ${MAKE:-make} -s --no-print-directory -C "$build" -f Makefile -f - "zs-print-$1"
}

echo 1..6
unset MAKEFLAGS MFLAGS
if ${MAKE:-make} -s -C "$build" install DESTDIR="$dest" >"$tmp/install.out" 2>&1; then
	ok "make install DESTDIR"
else
	nok "make install DESTDIR"
	sed 's/^/# /' "$tmp/install.out" | tail -20
fi

sbindir=$(dir sbindir)
want="$(dir sbindir)/zsignd
$(dir bindir)/zsign-client
$(dir pkglibexecdir)/zsign-keyholder
$(dir pkglibexecdir)/zsign-pkcs11-helper
$(dir systemdsystemunitdir)/zsignd.service
$(dir systemdsystemunitdir)/zsignd.socket
$(dir tmpfilesdir)/zsignd.conf
$(dir sysusersdir)/zsignd.conf
$(dir examplesdir)/zsignd.conf
$(dir mandir)/man1/zsign-client.1
$(dir mandir)/man5/zsignd.conf.5
$(dir mandir)/man8/zsignd.8"
missing=""
for f in $want; do
	[ -f "$dest$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "every file where the configured paths say" ||
    { nok "every file where the configured paths say"; echo "# missing:$missing"; }
# Debian's split: daemons in sbin, manuals in their sections.
case "$sbindir" in */sbin) ok "zsignd goes to an sbin directory";;
*) nok "zsignd goes to an sbin directory ($sbindir)";; esac

unit="$dest$(dir systemdsystemunitdir)/zsignd.service"
if grep -q "^ExecStart=$sbindir/zsignd " "$unit" 2>/dev/null &&
    [ -x "$dest$sbindir/zsignd" ]; then
	ok "installed unit starts the installed zsignd"
else
	nok "installed unit starts the installed zsignd"
fi
if [ -x "$dest$sbindir/zsignd" ] &&
    "$dest$sbindir/zsignd" --help >"$tmp/help" 2>&1 &&
    grep -q -- '--check-config' "$tmp/help"; then
	ok "installed zsignd runs (--help)"
else
	nok "installed zsignd runs (--help)"
	sed 's/^/# /' "$tmp/help" 2>/dev/null
fi

${MAKE:-make} -s -C "$build" uninstall DESTDIR="$dest" >"$tmp/uninstall.out" 2>&1
left=$(find "$dest" -type f 2>/dev/null)
[ -z "$left" ] && ok "make uninstall removes every file" ||
    { nok "make uninstall removes every file"; echo "$left" | sed 's/^/# /'; }

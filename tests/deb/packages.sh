#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages: scripts/package.sh builds them from a clean copy of
# the tree (without make check, which CI runs anyway), lintian accepts
# them, each file lands in the package it belongs to, and unpacked into a
# throw-away root they work: the programs run, the default configuration
# loads, systemd-analyze verifies the installed units against the
# installed daemon, the manuals render, and (as root) the sysusers and
# tmpfiles snippets lay out users and directories. TAP on stdout.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d -t zsign-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: ok when it succeeds, else its output.
check() {
	d=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/# /' "$tmp/out"; fi
}
# silent DESCRIPTION COMMAND...: ok when it succeeds and prints nothing.
silent() {
	d=$1
	shift
	"$@" >"$tmp/out" 2>&1
	if [ $? -eq 0 ] && [ ! -s "$tmp/out" ]; then ok "$d"
	else nok "$d"; sed 's/^/# /' "$tmp/out"; fi
}

echo 1..14
DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
    sh "$top/scripts/package.sh" "$tmp/debs" >"$tmp/build.out" 2>&1
zsignd_deb=$(ls "$tmp"/debs/zsignd_*.deb 2>/dev/null)
client_deb=$(ls "$tmp"/debs/zsign-client_*.deb 2>/dev/null)
if [ -n "$zsignd_deb" ] && [ -n "$client_deb" ]; then
	ok "scripts/package.sh builds zsignd and zsign-client"
else
	nok "scripts/package.sh builds zsignd and zsign-client"
	tail -40 "$tmp/build.out" | sed 's/^/# /'
	echo "Bail out! no packages"
	exit 1
fi

# Errors and warnings fail; an override must stand beside its reason in
# debian/*lintian-overrides. (Running as root only adds a notice.)
lintian --fail-on error,warning "$tmp"/debs/*.changes >"$tmp/lintian" 2>&1
rc=$?
grep -v 'running with root privileges' "$tmp/lintian" >"$tmp/lintian.tags"
if [ $rc -eq 0 ] && ! grep -q '^[EW]:' "$tmp/lintian.tags"; then
	ok "lintian: no error, no warning"
else
	nok "lintian: no error, no warning"
	sed 's/^/# /' "$tmp/lintian.tags"
fi

# What each package holds (directories aside): the daemon side in zsignd,
# the client side in zsign-client, nothing in both.
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print substr($6, 2) }' | sort; }
files "$zsignd_deb" >"$tmp/zsignd.files"
files "$client_deb" >"$tmp/client.files"
missing=""
for f in /usr/sbin/zsignd /usr/libexec/zsign/zsign-keyholder \
    /usr/libexec/zsign/zsign-pkcs11-helper \
    "$unitdir/zsignd.service" "$unitdir/zsignd.socket" \
    /usr/lib/sysusers.d/zsignd.conf /usr/lib/tmpfiles.d/zsignd.conf \
    /etc/zsign/zsignd.conf /usr/share/doc/zsignd/examples/zsignd.conf \
    /usr/share/man/man8/zsignd.8.gz /usr/share/man/man5/zsignd.conf.5.gz; do
	grep -qx "$f" "$tmp/zsignd.files" || missing="$missing zsignd:$f"
done
for f in /usr/bin/zsign-client /usr/share/man/man1/zsign-client.1.gz \
    /usr/share/zsign/imgtool.py; do
	grep -qx "$f" "$tmp/client.files" || missing="$missing zsign-client:$f"
done
both=$(comm -12 "$tmp/zsignd.files" "$tmp/client.files")
if [ -z "$missing" ] && [ -z "$both" ]; then
	ok "each file in its package"
else
	nok "each file in its package"
	echo "# missing:$missing"
	echo "$both" | sed 's/^/# in both: /'
fi

# Nothing under /etc that an upgrade would replace without asking.
notconf=""
for deb in "$zsignd_deb" "$client_deb"; do
	dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles \
	    >"$tmp/conffiles" 2>/dev/null
	for f in $(files "$deb" | grep '^/etc/'); do
		grep -qx "$f" "$tmp/conffiles" || notconf="$notconf $f"
	done
done
[ -z "$notconf" ] && ok "every file under /etc is a conffile" ||
    { nok "every file under /etc is a conffile"; echo "# not:$notconf"; }

# postinst: users first (tmpfiles chowns to them), then directories; the
# socket is enabled and started, the service only ever by the socket.
dpkg-deb --ctrl-tarfile "$zsignd_deb" | tar -xOf - ./postinst >"$tmp/postinst"
su=$(grep -n 'systemd-sysusers' "$tmp/postinst" | head -1 | cut -d: -f1)
tf=$(grep -n 'systemd-tmpfiles' "$tmp/postinst" | head -1 | cut -d: -f1)
if [ -n "$su" ] && [ -n "$tf" ] && [ "$su" -lt "$tf" ]; then
	ok "postinst runs systemd-sysusers, then systemd-tmpfiles"
else
	nok "postinst runs systemd-sysusers, then systemd-tmpfiles"
fi
# (--no-enable: the service is re-enabled only where an admin enabled it,
# inside a "debian-installed" test.)
svc_unguarded=$(awk '/debian-installed .zsignd.service./ { g = 1 }
    /^# End automatically added section/ { g = 0 }
    /deb-systemd-helper enable .zsignd.service./ && !g { print }' \
    "$tmp/postinst")
if grep -q "deb-systemd-helper enable 'zsignd.socket'" "$tmp/postinst" &&
    grep -q "deb-systemd-invoke \$_dh_action 'zsignd.socket'" "$tmp/postinst" &&
    ! grep -q "deb-systemd-invoke .*'zsignd.service'" "$tmp/postinst" &&
    [ -z "$svc_unguarded" ]; then
	ok "postinst enables and starts zsignd.socket, not zsignd.service"
else
	nok "postinst enables and starts zsignd.socket, not zsignd.service"
	sed 's/^/# /' "$tmp/postinst"
fi

# The throw-away root: both packages unpacked.
root="$tmp/root"
mkdir "$root"
dpkg-deb -x "$zsignd_deb" "$root" && dpkg-deb -x "$client_deb" "$root"
check "installed zsignd --version" sh -c \
    "'$root/usr/sbin/zsignd' --version | grep -qx 'zsignd [0-9.]*'"
check "installed zsign-client --version" sh -c \
    "'$root/usr/bin/zsign-client' --version | grep -qx 'zsign-client [0-9.]*'"
check "installed zsign-keyholder and zsign-pkcs11-helper are executable" \
    test -x "$root/usr/libexec/zsign/zsign-keyholder" -a \
    -x "$root/usr/libexec/zsign/zsign-pkcs11-helper"
# Zephyr's CMake runs imgtool.py with its Python; it runs the packaged
# client.
imgtool_client=$(sed -n 's/^ *client = "\(.*\)"$/\1/p' \
    "$root/usr/share/zsign/imgtool.py" 2>/dev/null)
check "imgtool.py parses and runs the packaged zsign-client" sh -c \
    "python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' \
    '$root/usr/share/zsign/imgtool.py' &&
    test '$imgtool_client' = /usr/bin/zsign-client &&
    test -x '$root$imgtool_client'"
check "the packaged /etc/zsign/zsignd.conf loads (--check-config)" \
    "$root/usr/sbin/zsignd" --check-config -c "$root/etc/zsign/zsignd.conf"

# systemd-analyze verify in the root: ExecStart= must exist there, and
# Documentation= must name installed manuals. The root borrows the host's
# units (targets the units refer to) and kill(1) for ExecReload=.
mkdir -p "$root$unitdir" "$root/bin"
cp -rn "$unitdir"/. "$root$unitdir"/
cp /bin/kill "$root/bin/kill"
silent "systemd-analyze verify --root: zsignd.service zsignd.socket" \
    env MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" \
    zsignd.service zsignd.socket

out=""
for m in "$root"/usr/share/man/man*/*.gz; do
	out="$out$(zcat "$m" | groff -ww -z -mandoc 2>&1)"
	lines=$(MANWIDTH=80 man -l "$m" 2>"$tmp/man.err" | grep -c .)
	[ -s "$tmp/man.err" ] && out="$out$(cat "$tmp/man.err")"
	[ "$lines" -gt 20 ] || out="$out ${m##*/}: $lines lines"
done
[ -z "$out" ] && ok "installed manuals render without a warning" ||
    { nok "installed manuals render without a warning"; echo "$out" | sed 's/^/# /'; }

# As root: the snippets in the root, over the host's users (adm and the
# like, as on any Debian system).
if [ "$(id -u)" -ne 0 ]; then
	skip "sysusers and tmpfiles in the root" "not root"
else
	mkdir -p "$root/etc"
	cp /etc/passwd /etc/group "$root/etc/"
	systemd-sysusers --root="$root" >"$tmp/out" 2>&1 &&
	    systemd-tmpfiles --root="$root" --create zsignd.conf >>"$tmp/out" 2>&1
	uid=$(awk -F: '$1 == "zsignd" { print $3 }' "$root/etc/passwd")
	gid=$(awk -F: '$1 == "zsignd" { print $3 }' "$root/etc/group")
	# The directory of the packaged SQLite state store belongs to zsignd.
	state=$(jq -r '.state // empty' "$root/etc/zsign/zsignd.conf")
	statedir=$(dirname "${state#sqlite:}")
	st=$(stat -c '%u:%g %a' "$root$statedir" 2>&1)
	keys=$(stat -c '%u:%g %a' "$root/etc/zsign/keys" 2>&1)
	if [ -n "$uid" ] && [ "$statedir" = /var/lib/zsign ] &&
	    [ "$st" = "$uid:$gid 750" ] &&
	    [ "$keys" = "0:$gid 750" ] &&
	    grep -q '^zsign:' "$root/etc/group"; then
		ok "sysusers and tmpfiles in the root"
	else
		nok "sysusers and tmpfiles in the root"
		echo "# $statedir $st, /etc/zsign/keys $keys, zsignd $uid:$gid"
		sed 's/^/# /' "$tmp/out"
	fi
fi

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The systemd units and snippets: generated without leftovers, accepted by
# systemd-analyze verify (against the built zsignd, with the man pages they
# cite), and sysusers + tmpfiles lay out users and directories as documented.
set -u
top=${ZS_TOP_SRCDIR:?}
build=${ZS_TOP_BUILDDIR:?}
tmp=$(mktemp -d /tmp/zsign-ops-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {	# description, command...
	d=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$d"; else nok "$d"; sed 's/^/# /' "$tmp/out"; fi
}

echo 1..9

# Units as make generated them for the configured prefix.
leftover=$(grep -l '@[a-z]*@' "$build/systemd/zsignd.service" \
    "$build/systemd/zsignd.socket" "$build/systemd/tmpfiles.d/zsignd.conf" \
    "$build/systemd/sysusers.d/zsignd.conf" 2>&1)
[ -z "$leftover" ] && ok "generated units have every @var@ substituted" ||
    { nok "generated units have every @var@ substituted"; echo "# $leftover"; }
check "service starts zsignd from the configured sbindir" \
    grep -Eq '^ExecStart=/[^ ]*/sbin/zsignd ' "$build/systemd/zsignd.service"

# The same templates pointed at the binary just built; systemd-analyze
# checks that ExecStart exists and runs man(1) on Documentation= entries.
subst() {
	sed -e "s|@sbindir@|$build|g" -e "s|@bindir@|$build|g" \
	    -e "s|@libexecdir@|$build|g" -e "s|@sysconfdir@|/etc|g" \
	    -e "s|@localstatedir@|/var|g" -e "s|@runstatedir@|/run|g" "$1"
}
mkdir -p "$tmp/units" "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8"
subst "$top/systemd/zsignd.service.in" >"$tmp/units/zsignd.service"
subst "$top/systemd/zsignd.socket.in" >"$tmp/units/zsignd.socket"
for m in "$top"/docs/*.[158]; do
	[ -f "$m" ] && ln -s "$m" "$tmp/man/man${m##*.}/"
done
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze verify zsignd.service zsignd.socket" "no systemd-analyze"
elif [ ! -x "$build/zsignd" ]; then
	nok "systemd-analyze verify: $build/zsignd was not built"
else
	(cd "$tmp/units" && MANPATH="$tmp/man" systemd-analyze verify \
	    ./zsignd.service ./zsignd.socket) >"$tmp/out" 2>&1
	rc=$?
	# verify exits 0 even on some warnings: any output is a finding.
	if [ $rc -eq 0 ] && [ ! -s "$tmp/out" ]; then
		ok "systemd-analyze verify zsignd.service zsignd.socket"
	else
		nok "systemd-analyze verify zsignd.service zsignd.socket"
		sed 's/^/# /' "$tmp/out"
	fi
fi

# systemd's own hardening score of the unit (0 best, 10 worst).
if command -v systemd-analyze >/dev/null 2>&1 && [ -x "$build/zsignd" ] &&
    (cd "$tmp/units" && systemd-analyze security --offline=true \
    ./zsignd.service) >"$tmp/sec" 2>&1; then
	level=$(sed -n 's/.*Overall exposure level for zsignd.service: \([0-9.]*\).*/\1/p' "$tmp/sec")
	if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		ok "systemd-analyze security: exposure $level (at most 2.0)"
	else
		nok "systemd-analyze security: exposure ${level:-?} (at most 2.0)"
		grep '✗' "$tmp/sec" | sed 's/^/# /'
	fi
else
	skip "systemd-analyze security" "no systemd-analyze --offline"
fi

check "service is Type=notify with a watchdog and the hardening set" sh -c "
    for k in Type=notify WatchdogSec= User=zsignd NoNewPrivileges=yes \
	ProtectSystem=strict PrivateTmp=yes MemoryDenyWriteExecute=yes \
	RestrictAddressFamilies= SystemCallFilter=@system-service \
	LoadCredential=zsign: ExecReload=; do
	grep -q \"^\$k\" '$tmp/units/zsignd.service' || { echo missing \$k; exit 1; }
    done"
check "socket is a group-restricted Unix socket" sh -c "
    grep -q '^ListenStream=/run/zsignd/zsignd.sock\$' '$tmp/units/zsignd.socket' &&
    grep -q '^SocketMode=0660\$' '$tmp/units/zsignd.socket' &&
    grep -q '^SocketGroup=zsign\$' '$tmp/units/zsignd.socket'"

# sysusers then tmpfiles in a scratch root: users, groups, modes, owners.
root="$tmp/root"
mkdir -p "$root/etc"
echo 'adm:x:4:' >"$root/etc/group"
if ! command -v systemd-sysusers >/dev/null 2>&1 ||
    ! command -v systemd-tmpfiles >/dev/null 2>&1; then
	skip "sysusers creates zsignd and zsign" "no systemd-sysusers"
	skip "tmpfiles creates the documented directories" "no systemd-tmpfiles"
	skip "tmpfiles is idempotent" "no systemd-tmpfiles"
else
	check "sysusers creates zsignd and zsign" sh -c "
	    systemd-sysusers --root='$root' '$build/systemd/sysusers.d/zsignd.conf' &&
	    grep -q '^zsignd:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin\$' '$root/etc/passwd' &&
	    grep -q '^zsign:x:' '$root/etc/group' && grep -q '^zsignd:x:' '$root/etc/group'"
	subst "$top/systemd/zsignd.tmpfiles.in" >"$tmp/tmpfiles.conf"
	systemd-tmpfiles --root="$root" --create "$tmp/tmpfiles.conf" >"$tmp/out" 2>&1
	uid=$(sed -n 's/^zsignd:x:\([0-9]*\):.*/\1/p' "$root/etc/passwd")
	gid=$(sed -n 's/^zsignd:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
	want="700 0 0 etc/zsign/credentials
750 0 $gid etc/zsign/keys
750 $uid $gid var/lib/zsign
750 $uid 4 var/log/zsign"
	got=$(cd "$root" && stat -c '%a %u %g %n' etc/zsign/credentials \
	    etc/zsign/keys var/lib/zsign var/log/zsign 2>&1)
	if [ "$got" = "$want" ]; then
		ok "tmpfiles creates the documented directories"
	else
		nok "tmpfiles creates the documented directories"
		printf '# want %s\n# got  %s\n' "$want" "$got" | sed 's/^\([^#]\)/# \1/'
		sed 's/^/# /' "$tmp/out"
	fi
	check "tmpfiles is idempotent" systemd-tmpfiles --root="$root" --create "$tmp/tmpfiles.conf"
fi

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's Usage examples run as written: scripts/demo.sh (without its
# dependency and build steps) sets up demo/ in a scratch copy of the tree
# and leaves zsignd running, then every indented block of the "## Usage"
# section runs from the tree's top, each in a fresh shell that has the
# exports of the blocks before it. A block after a line
# "<!-- readme.sh: skip (REASON) -->" is reported as skipped (west builds).
# Also: zsign-client health prints a 503 "degraded" answer.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

ROOT=$ZS_TMP/root
mkdir -p "$ROOT" "$ZS_TMP/home"
ln -s "$ZS_TOP_SRCDIR/tests" "$ROOT/tests"
ln -s "$ZS_TOP_SRCDIR/scripts" "$ROOT/scripts"
ln -s "$ZS_TOP_BUILDDIR" "$ROOT/build"
HOME=$ZS_TMP/home
export HOME
unset ZSIGN_SERVER ZSIGN_PUBLIC_KEY_OK XDG_CONFIG_HOME
cd "$ROOT" || exit 1

ZSIGN_DEMO_PREBUILT=1 sh scripts/demo.sh >"$ZS_TMP/demo.out" 2>&1
rc=$?
# The demo's daemon is ours now: lib.sh stops and checks it.
[ -f demo/zsignd.pid ] && ZS_PID=$(cat demo/zsignd.pid)
ZS_LOG=$ROOT/demo/zsignd.log
if [ $rc -eq 0 ]; then
	zs_pass "scripts/demo.sh sets up demo/ and leaves zsignd running"
else
	tap_not_ok "scripts/demo.sh" "exit $rc" "$(tail -20 "$ZS_TMP/demo.out")"
fi

# Split the Usage section into blocks: "skip" or "run", then the lines.
awk '
/^## Usage/ { u = 1; next }
/^## / { u = 0 }
!u { next }
/^<!-- readme.sh: skip/ { skip = 1; next }
/^    / { if (!inb) { n++; printf "%s\n", skip ? "@@skip" : "@@run" }
	inb = 1; sub(/^    /, ""); print; next }
{ if (inb) { inb = 0; skip = 0 } }
' "$ZS_TOP_SRCDIR/README.md" >"$ZS_TMP/blocks"
zs_is "$(grep -c '^@@' "$ZS_TMP/blocks")" 14 \
    "the Usage section has the 14 blocks this test knows"

: >"$ZS_TMP/exports"
run_block() {
	[ -s "$ZS_TMP/block" ] || return 0
	what=$(head -1 "$ZS_TMP/block" | cut -c1-60)
	if [ "$mode" = skip ]; then
		zs_skip "README: $what" "marked: needs west"
	else
		cat "$ZS_TMP/exports" "$ZS_TMP/block" >"$ZS_TMP/script"
		if sh -e "$ZS_TMP/script" >"$ZS_TMP/out" 2>&1; then
			zs_pass "README: $what"
		else
			tap_not_ok "README: $what" "$(tail -15 "$ZS_TMP/out")"
		fi
		grep '^export ' "$ZS_TMP/block" >>"$ZS_TMP/exports"
	fi
	: >"$ZS_TMP/block"
}
mode=
: >"$ZS_TMP/block"
while IFS= read -r line; do
	case $line in
	@@run|@@skip)
		run_block
		mode=${line#@@}
		;;
	*)
		printf '%s\n' "$line" >>"$ZS_TMP/block"
		;;
	esac
done <"$ZS_TMP/blocks"
run_block

# What the examples made is what they say: the raw-signed image is the
# one the key makes itself (Ed25519 is deterministic).
ZSIGN_SERVER=unix:$ROOT/demo/zsignd.sock
export ZSIGN_SERVER
"$CLIENT" imgtool sign -k zsign:demo --version 1.0.0 --header-size 0x200 \
    --pad-header --slot-size 0x20000 demo/app.bin "$ZS_TMP/direct.bin" &&
    cmp -s demo/app.fixed.bin "$ZS_TMP/direct.bin"
zs_ok $? "the --fix-sig image equals the image signed by the server"
tap_check "the imgtool.py image verifies with the demo key" \
    "$CLIENT" imgtool verify -k demo/demo-ed25519.pub.pem \
    demo/zephyr.signed.hex

# health on 503 "degraded": the server's status, exit 1 (a stand-in
# server: a real one is degraded only when it cannot sign at all).
python3 - "$ZS_TMP/fake.sock" >"$ZS_TMP/fake.log" 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
c, _ = s.accept()
c.recv(65536)
body = (b'{"status":"degraded","version":"9.9","keys":2,'
        b'"keys_available":0,"unavailable":[],"audit":"ok","config":1}')
c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
          b"application/json\r\nContent-Length: %d\r\nConnection: close"
          b"\r\n\r\n" % len(body) + body)
c.close()
EOF
fake=$!
i=0
while [ ! -S "$ZS_TMP/fake.sock" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$CLIENT" -s "unix:$ZS_TMP/fake.sock" health >"$ZS_TMP/out" 2>&1
rc=$?
wait $fake
zs_is "$rc:$(cat "$ZS_TMP/out")" \
    "1:unix:$ZS_TMP/fake.sock: degraded, zsignd 9.9, 2 keys" \
    "health on 503: the server's status, exit 1"

# Not this shell's child: wait for it by polling, as `kill` in the README.
kill "$ZS_PID" 2>/dev/null
i=0
while kill -0 "$ZS_PID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! kill -0 "$ZS_PID" 2>/dev/null && [ ! -e demo/zsignd.sock ]; then
	zs_pass "kill \$(cat demo/zsignd.pid) stops the demo's zsignd"
	ZS_PID=
else
	zs_fail "kill \$(cat demo/zsignd.pid) stops the demo's zsignd"
fi
tap_done

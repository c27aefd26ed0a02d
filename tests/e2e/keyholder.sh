#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The key holder (zsign-keyholder): zsignd signs with PEM P-256 and Ed25519
# keys, yet its memory holds neither private scalar nor seed while the
# holder's does (root only: /proc/PID/mem of other processes); a holder
# killed between requests or during one is logged and restarted, the
# request it held is signed by the new one, and so is the next; run as an unprivileged
# user, the holder (and the PKCS#11 helper it starts) refuses ptrace and
# /proc/PID/mem to that same user, while a plain process of the user does not.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

SCAN=$ZS_TOP_BUILDDIR/tests/e2e/keyscan
NOBODY=65534
zs_plan 20

# privhex KEYFILE: the private scalar or seed, in hex, as OpenSSL prints it.
privhex() {
	openssl pkey -in "$1" -text -noout |
	    awk '/^priv:/ { p = 1; next } /^[a-zA-Z]/ { p = 0 } p' |
	    tr -d ' :\n' | sed 's/^00\(.\{64\}\)$/\1/'
}

# holder_pid [PARENT]: zsignd's key holder child.
holder_pid() {
	pgrep -P "${1:-$ZS_PID}" -x zsign-keyholder | head -1
}

# sign KEY: POST a sign request with KEY; status in $ZS_STATUS.
sign() {
	zs_imgtool_request "$ZS_TMP/req-$1.json" "$ZS_TMP/app.bin" "$1"
	zs_post /v1/sign "$ZS_TMP/req-$1.json"
}

zs_mkimage "$ZS_TMP/app.bin" 8192
zs_start_zsignd || zs_bail "zsignd did not start"
sign test-ecdsa-p256
zs_is "$ZS_STATUS" 200 "signs with the PEM P-256 key"
sign test-ed25519
zs_is "$ZS_STATUS" 200 "signs with the PEM Ed25519 key"
hp=$(holder_pid)
zs_ok "$([ -n "$hp" ]; echo $?)" "zsignd runs a key holder (pid ${hp:-none})"

p256=$(privhex "$ZS_KEYDIR/test-ecdsa-p256.pem")
ed=$(privhex "$ZS_KEYDIR/test-ed25519.pem")
if [ "$(id -u)" != 0 ]; then
	zs_skip "zsignd's memory holds no private key" "needs root"
	zs_skip "the holder's memory holds both (the scan finds keys)" \
	    "needs root"
else
	"$SCAN" scan "$ZS_PID" "$p256" "$ed" >"$ZS_TMP/scan.zsignd" 2>&1
	zs_is "$(awk 'NR <= 2 { printf "%s ", $2 }' "$ZS_TMP/scan.zsignd")" \
	    "0 0 " "zsignd's memory holds neither the P-256 scalar nor the \
Ed25519 seed ($(tail -1 "$ZS_TMP/scan.zsignd") huge mappings)"
	"$SCAN" scan "$hp" "$p256" "$ed" >"$ZS_TMP/scan.holder" 2>&1
	zs_ok "$(awk 'NR <= 2 && $2 == 0 { bad = 1 } END { print bad + 0 }' \
	    "$ZS_TMP/scan.holder")" "the holder's memory holds both (the \
scan finds keys: $(awk 'NR <= 2 { printf "%s ", $2 }' "$ZS_TMP/scan.holder"))"
fi

# Killed between requests: the next request notices, logs, restarts it.
kill -KILL "$hp"
sign test-ecdsa-p256
zs_is "$ZS_STATUS" 200 "holder killed between requests: the next sign works"
zs_wait_log "key holder \\(pid $hp\\) killed by signal 9; restarting it" 5
zs_ok $? "the holder's death is logged"
hp2=$(holder_pid)
zs_ok "$([ -n "$hp2" ] && [ "$hp2" != "$hp" ]; echo $?)" \
    "a new holder runs ($hp -> ${hp2:-none})"

# Killed during a request: that request goes to the new holder (zsignd(8)).
kill -STOP "$hp2"
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/app.bin" test-ed25519
zs_sign_queued "$ZS_TMP/req.json" "$ZS_TMP/held.out" "$ZS_TMP/held.code" ||
    zs_bail "the request was not queued"
# Until a worker waits in poll() for the stopped holder's reply.
i=0
while [ "$i" -lt 100 ] && ! grep -q poll_schedule "/proc/$ZS_PID/task/"*/wchan \
    2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL "$hp2"
wait "$ZS_BG"
zs_is "$(cat "$ZS_TMP/held.code")" 200 \
    "the request the holder held is sent to the new one: 200"
sign test-ed25519
zs_is "$ZS_STATUS" 200 "the next request signs (keys opened again)"
zs_wait_log "key holder \\(pid $hp2\\) failed" 5
zs_ok $? "the failure is logged"
hp3=$(holder_pid)
zs_stop_zsignd
zs_ok $? "zsignd exits 0 on SIGTERM"
i=0
while [ "$i" -lt 50 ] && kill -0 "$hp3" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
zs_ok "$([ "$i" -lt 50 ]; echo $?)" "the holder exits with zsignd"
zs_check_log "no sanitizer reports (as root)"

# Run as an unprivileged user: what can that same user see?
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
	for d in "zsignd as an unprivileged user" "holder: no ptrace" \
	    "holder: no /proc/PID/mem" "PKCS#11 helper: no ptrace, no mem" \
	    "a plain process of that user can be traced and read" \
	    "no sanitizer reports (unprivileged)"; do
		zs_skip "$d" "needs root and setpriv to switch users"
	done
	exit 0
fi
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"
}
chmod 711 "$ZS_TMP"
mkdir "$ZS_TMP/nb"
cp "$ZS_KEYDIR/test-ed25519.pem" "$ZS_TMP/nb/ed.pem"
chown -R $NOBODY:$NOBODY "$ZS_TMP/nb"
keys="-k ed=$ZS_TMP/nb/ed.pem"
HSM=$ZS_TMP/nb/hsm
if command -v softhsm2-util >/dev/null 2>&1 &&
    as_nobody sh "$ZS_TOP_SRCDIR/scripts/softhsm-setup.sh" "$HSM" \
    >"$ZS_TMP/hsm.log" 2>&1; then
	. "$HSM/env"
	keys="$keys -k tok=pkcs11:token=$ZS_P11_TOKEN;object=ecdsa-p256?module-path=$ZS_P11_MODULE&pin-source=file:$ZS_P11_PIN_FILE"
fi
printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --clear-groups %s "$@"\n' \
    $NOBODY $NOBODY "$ZS_TOP_BUILDDIR/zsignd" >"$ZS_TMP/zsignd-nobody"
chmod 755 "$ZS_TMP/zsignd-nobody"
ZS_ZSIGND=$ZS_TMP/zsignd-nobody
ZS_SOCK=$ZS_TMP/nb/zsignd.sock
# shellcheck disable=SC2086
zs_start_zsignd $keys || zs_bail "zsignd did not start as uid $NOBODY"
sign ed
zs_is "$ZS_STATUS" 200 "zsignd as uid $NOBODY signs"
hp=$(holder_pid)
as_nobody "$SCAN" peek "$hp" >"$ZS_TMP/peek.holder" 2>&1
zs_is "$(sed -n 's/^attach //p' "$ZS_TMP/peek.holder")" \
    "Operation not permitted" "holder: uid $NOBODY cannot ptrace it"
zs_is "$(sed -n 's/^mem //p' "$ZS_TMP/peek.holder"):$(stat -c %u \
    "/proc/$hp/mem")" "Permission denied:0" \
    "holder: uid $NOBODY cannot open its /proc/PID/mem (owned by root)"
if [ -n "${ZS_P11_TOKEN:-}" ]; then
	sign tok
	p11=$(pgrep -P "$hp" zsign-pkcs11 | head -1)
	as_nobody "$SCAN" peek "${p11:-0}" >"$ZS_TMP/peek.p11" 2>&1
	zs_is "$ZS_STATUS:$(tr '\n' ' ' <"$ZS_TMP/peek.p11")" \
	    "200:attach Operation not permitted mem Permission denied " \
	    "PKCS#11 helper (pid ${p11:-none}) signs; uid $NOBODY can neither \
ptrace it nor open its memory"
else
	zs_skip "PKCS#11 helper: no ptrace, no mem" "softhsm2 unavailable"
fi
as_nobody sh -c "sleep 30 & \"$SCAN\" peek \$!; kill \$!" \
    >"$ZS_TMP/peek.plain" 2>&1
zs_is "$(tr '\n' ' ' <"$ZS_TMP/peek.plain")" "attach OK mem OK " \
    "a plain process of uid $NOBODY can be traced and read (the check can fail)"
zs_stop_zsignd
zs_check_log "no sanitizer reports (unprivileged)"

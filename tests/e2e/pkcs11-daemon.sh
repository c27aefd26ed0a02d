#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsignd serving keys of a SoftHSM2 token (-k NAME=pkcs11:...): keys and
# health list them, zsign-client and curl sign with every type (Ed25519
# byte-identical to the PEM key's image), and one daemon rides out a token
# that goes away and comes back and a helper (the key holder's child)
# killed with SIGKILL. A wrong
# PIN stops start-up with a clear message. TAP skip without softhsm2.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

KEYS=$ZS_TOP_SRCDIR/tests/keys
HSM=$ZS_TMP/hsm
if ! command -v softhsm2-util >/dev/null 2>&1; then
	echo "1..0 # SKIP softhsm2 is not installed"
	exit 0
fi
sh "$ZS_TOP_SRCDIR/scripts/softhsm-setup.sh" "$HSM" ||
    zs_bail "softhsm-setup.sh failed"
. "$HSM/env"
ZSIGN_PKCS11_HELPER=$ZS_TOP_BUILDDIR/zsign-pkcs11-helper
export ZSIGN_PKCS11_HELPER

# uri LABEL [PINFILE]: the token key LABEL.
uri() {
	echo "pkcs11:token=$ZS_P11_TOKEN;object=$1?module-path=$ZS_P11_MODULE&pin-source=file:${2:-$ZS_P11_PIN_FILE}"
}

# helper_pid: the zsign-pkcs11-helper child of the daemon's key holder.
helper_pid() {
	hp_holder=$(pgrep -P "$ZS_PID" -x zsign-keyholder | head -1)
	[ -n "$hp_holder" ] && pgrep -P "$hp_holder" zsign-pkcs11 | head -1
}

# wait_available N SECS: ask /v1/health (bounded) until N keys are
# available; its last answer stays in $ZS_BODY.
wait_available() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		zs_curl GET /v1/health
		[ "$(zs_json .keys_available)" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A wrong PIN: zsignd refuses to start and says why.
echo 1234 >"$ZS_TMP/wrong-pin"
timeout 60 "$ZS_ZSIGND" -d -l "unix:$ZS_TMP/bad.sock" \
    -k "bad=$(uri rsa-2048 "$ZS_TMP/wrong-pin")" >"$ZS_TMP/bad.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "wrong PIN" "$ZS_TMP/bad.log"
then
	zs_pass "a wrong PIN stops start-up: $(grep -m1 'wrong PIN' "$ZS_TMP/bad.log")"
else
	tap_not_ok "a wrong PIN stops start-up" "exit $rc" "$(cat "$ZS_TMP/bad.log")"
fi

client_start "tok-ed=$(uri ed25519)" "tok-p256=$(uri ecdsa-p256)" \
    "tok-p384=$(uri ecdsa-p384)" "tok-rsa2048=$(uri rsa-2048)" \
    "tok-rsa3072=$(uri rsa-3072)" "pem-ed=$KEYS/test-ed25519.pem"
pid0=$ZS_PID
cd "$ZS_TMP" || exit 1
head -c 5000 /dev/urandom >app.bin
SIGN="--version 1.2.3+4 --header-size 0x200 --pad-header --slot-size 0x4000"

"$CLIENT" health >out 2>&1
tap_check "health: ok, 6 keys" grep -q ": ok, zsignd .*, 6 keys" out
"$CLIENT" keys >out 2>&1
fp=SHA256:$(openssl pkey -in "$KEYS/test-ed25519.pem" -pubout -outform DER |
    sha256sum | cut -d' ' -f1)
tap_check "keys: tok-ed is the PEM key's public key, backend pkcs11" \
    grep -q "^tok-ed ed25519 $fp pkcs11" out

# Every key type signs; the image verifies with the server's public key.
for k in tok-ed tok-p256 tok-p384 tok-rsa2048 tok-rsa3072; do
	rm -f "$k.bin"
	"$CLIENT" imgtool sign -k "zsign:$k" $SIGN app.bin "$k.bin" 2>err &&
	    "$CLIENT" imgtool verify -k "zsign:$k" "$k.bin" >vout 2>&1
	zs_ok $? "$k: zsign-client imgtool sign, image verifies$(
	    [ -s err ] && echo " ($(cat err))")"
done
"$CLIENT" imgtool sign -k zsign:pem-ed $SIGN app.bin pem-ed.bin 2>err
tap_check "Ed25519: the token's image is byte-identical to the PEM key's" \
    cmp -s tok-ed.bin pem-ed.bin

zs_imgtool_request req.json app.bin tok-p256 --pad-header
zs_post /v1/sign req.json
zs_is "$ZS_STATUS" 200 "curl: POST /v1/sign with a token key"

# The token goes away: signs fail cleanly (503), health counts it.
mv "$HSM/tokens" "$HSM/tokens.away"
zs_post /v1/sign req.json
zs_is "$ZS_STATUS:$(zs_json .error.code)" 503:unavailable \
    "token away: curl sign is 503 unavailable"
"$CLIENT" imgtool sign -k zsign:tok-rsa2048 $SIGN app.bin gone.bin 2>err
rc=$?
if [ "$rc" -eq 1 ] && [ ! -e gone.bin ] && grep -q "not available" err; then
	zs_pass "token away: zsign-client fails cleanly ($(cat err))"
else
	tap_not_ok "token away: zsign-client fails cleanly" "exit $rc" \
	    "$(cat err)"
fi
# Health answers from outcomes up to 1 s old, then asks the helpers.
wait_available 1 5
zs_is "$(zs_json .keys_available)" 1 "token away: health counts 1 key"
zs_is "$(zs_json '.unavailable | length')" 5 "token away: health lists 5 keys"
zs_is "$(zs_json '[.unavailable[].location | select(test("^pkcs11:token=zsign-test;"))] | length')" 5 \
    "token away: health names their token, without the URI's query"

# It comes back: the same daemon signs again.
mv "$HSM/tokens.away" "$HSM/tokens"
wait_available 6 10
zs_is "$(zs_json .keys_available)" 6 "token back: health counts 6 keys"
zs_is "$(zs_json '.unavailable | length')" 0 "token back: health lists none"
zs_post /v1/sign req.json
zs_is "$ZS_STATUS" 200 "token back: signs again"

# The helper is killed: it is restarted, reported, and signing goes on.
# The sign is sent at once, while the helper dies or before the key holder
# noticed: a request whose helper turns out dead is given to the restarted
# one (zsignd(8)), so it is answered, not refused with a 503.
hp=$(helper_pid)
if [ -n "$hp" ] && kill -KILL "$hp"; then
	zs_pass "helper $hp killed"
else
	zs_fail "helper found and killed"
fi
# Dead and reaped (gone from the holder's children), at most 30 s.
helper_gone() {
	i=0
	while [ "$i" -lt 300 ] && pgrep -P "$hp_holder" zsign-pkcs11 |
	    grep -qx "$1"; do
		sleep 0.1
		i=$((i + 1))
	done
}
# A sign after a kill; on failure the answer and zsignd's log say why.
sign_after_kill() {
	zs_post /v1/sign req.json
	zs_is "$ZS_STATUS" 200 "$1"
	if [ "$ZS_STATUS" != 200 ]; then
		echo "# answer: $(head -c 400 "$ZS_BODY")"
		sed 's/^/# zsignd: /' "$ZS_LOG" | tail -20
	fi
}
sign_after_kill "helper killed: the next sign, sent at once, works"
helper_gone "$hp"
hp2=$(helper_pid)
tap_check "a new helper runs ($hp -> $hp2)" test -n "$hp2" -a "$hp2" != "$hp"
# Killed again moments after its start: restarts are paced, not refused.
kill -KILL "$hp2" 2>/dev/null
sign_after_kill "helper killed right after a restart: the next sign works"
helper_gone "$hp2"
hp2=$(helper_pid)
zs_wait_log "PKCS#11 helper .*restarting" 5
zs_ok $? "the restart is logged"
tap_check "no daemon restart throughout" test "$ZS_PID" = "$pid0" -a \
    -n "$(kill -0 "$ZS_PID" 2>/dev/null && echo up)"
zs_stop_zsignd
zs_ok $? "zsignd exits 0 on SIGTERM"
i=0
while [ "$i" -lt 50 ] && kill -0 "$hp2" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "the helper exits with the daemon" test "$i" -lt 50
tap_done

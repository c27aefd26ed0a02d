#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A hung key holder never stalls the event loop: with the holder stopped
# (SIGSTOP), /metrics, /v1/health, /v1/keys and an unrelated request (404)
# are answered at once (each bounded by curl --max-time, far below the
# holder's 15 s status timeout), and after a moment they show the key
# unavailable (the holder's silence counts as down, never as fine); a sign
# request meanwhile waits for the holder. After SIGCONT the waiting sign
# is answered (200, or 503 if the holder had been presumed hung and
# restarted) and everything is back: the key available, signing 200.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

# Seconds one request may take while the holder is stopped: a loop that
# waited for the holder would take 15 s.
QUICK=5
zs_plan 9
hp=
# A stopped holder must not outlive the test.
trap '[ -n "$hp" ] && kill -CONT "$hp" 2>/dev/null; zs_cleanup' EXIT

holder_pid() {
	pgrep -P "$ZS_PID" -x zsign-keyholder | head -1
}

# quick METHOD PATH: one request bounded by QUICK; status in $ZS_STATUS.
quick() {
	ZS_STATUS=$(curl -s -o "$ZS_BODY" -w '%{http_code}' --max-time "$QUICK" \
	    --unix-socket "$ZS_SOCK" -X "$1" "http://zsign$2")
	[ -n "$ZS_STATUS" ] || ZS_STATUS=000
}

# metrics: GET /metrics (quickly); the key's zsignd_key_available sample
# in $AV ("" without one).
metrics() {
	quick GET /metrics
	AV=$(sed -n \
	    's/^zsignd_key_available{key="test-ecdsa-p256".*} \([01]\)$/\1/p' \
	    "$ZS_BODY")
}

zs_mkimage "$ZS_TMP/app.bin" 8192
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/app.bin" test-ecdsa-p256
zs_start_zsignd -k "test-ecdsa-p256=$ZS_KEYDIR/test-ecdsa-p256.pem" ||
    zs_bail "zsignd did not start"
zs_post /v1/sign "$ZS_TMP/req.json"
s=$ZS_STATUS
metrics
hp=$(holder_pid)
zs_is "$s:$AV:${hp:+holder}" 200:1:holder \
    "signs; the key is available; a key holder runs"

kill -STOP "$hp"
curl -s -o "$ZS_TMP/held" -w '%{http_code}' --max-time 120 \
    --unix-socket "$ZS_SOCK" -H 'Content-Type: application/json' \
    --data-binary "@$ZS_TMP/req.json" http://zsign/v1/sign \
    >"$ZS_TMP/held.code" &
bg=$!
# Every request on the loop is answered at once while the holder is
# stopped, and its silence counts as down within a few seconds (polled,
# no timing asserted): /metrics and a 404 in turn until the key shows
# unavailable, then a few more rounds.
bad=0 rounds=0 down=0
while [ $rounds -lt 60 ] && [ $down -lt 5 ]; do
	metrics
	[ "$ZS_STATUS" = 200 ] || bad=$((bad + 1))
	[ "$AV" = 0 ] && down=$((down + 1))
	quick GET /v1/nope
	[ "$ZS_STATUS" = 404 ] || bad=$((bad + 1))
	rounds=$((rounds + 1))
	sleep 0.2
done
zs_is "$bad" 0 "holder stopped: /metrics and a 404 answered at once, \
$rounds rounds"
zs_is "$down" 5 "... the stopped holder's key shows unavailable"
quick GET /v1/keys
zs_is "$ZS_STATUS:$(zs_json '.keys[0].available')" 200:false "... /v1/keys too"
quick GET /v1/health
zs_is "$ZS_STATUS:$(zs_json .status):$(zs_json .keys_available)" \
    503:degraded:0 "... health answers 503 degraded, no key available"
zs_ok "$(kill -0 "$bg" 2>/dev/null; echo $?)" \
    "... while a sign request waits for the holder"

kill -CONT "$hp" 2>/dev/null
wait "$bg"
held=$(cat "$ZS_TMP/held.code")
zs_ok "$([ "$held" = 200 ] || [ "$held" = 503 ]; echo $?)" \
    "after SIGCONT the waiting sign is answered ($held)"
i=0
metrics
while [ $i -lt 100 ] && [ "$AV" != 1 ]; do
	sleep 0.2
	i=$((i + 1))
	metrics
done
quick GET /v1/health
h=$ZS_STATUS
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$AV:$h:$ZS_STATUS" 1:200:200 \
    "recovered: key available, health 200, signing 200"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

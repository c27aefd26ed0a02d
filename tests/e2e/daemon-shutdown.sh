#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGTERM stops accepting at once (socket file gone) and finishes what is in
# flight: a request being signed and a reply being written both complete,
# then zsignd exits 0. A reply nobody reads is cut off after
# shutdown_timeout_ms, and zsignd says so and exits 1.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

zs_plan 14

# A 32 MiB reply from a small request: --pad fills the slot with 0xff.
zs_mkimage "$ZS_TMP/img.bin" 8192
zs_imgtool_request "$ZS_TMP/pad.json" "$ZS_TMP/img.bin" test-ed25519 \
    --pad
jq '.args |= [.[] | if . == "0x4000000" then "0x2000000" else . end]' \
    "$ZS_TMP/pad.json" >"$ZS_TMP/x" && mv "$ZS_TMP/x" "$ZS_TMP/pad.json"
# A 24 MiB image: a request that keeps a worker busy for a while.
zs_mkimage "$ZS_TMP/big.bin" $((24 * 1024 * 1024))
zs_imgtool_request "$ZS_TMP/big.json" "$ZS_TMP/big.bin" test-ecdsa-p256

# wait_gone PATH: wait (bounded) until PATH no longer exists.
wait_gone() {
	zs_i=0
	while [ -e "$1" ] && [ $zs_i -lt 50 ]; do
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
	[ ! -e "$1" ]
}

# held_read OUT GO: copy stdin to OUT once the file GO exists (bounded): till
# then the pipe fills and the client stops reading its reply.
held_read() {
	zs_i=0
	while [ ! -e "$2" ] && [ $zs_i -lt 600 ]; do
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
	cat >"$1"
}

# 1. SIGTERM while the reply is being written: the client holds it (its
# stdout is a pipe nobody reads) until the checks are done, so it cannot
# finish early however slow this machine is.
zs_start_zsignd || zs_bail "zsignd did not start"
# shellcheck disable=SC2016
sh -c 'echo $$ >"$1"; shift; exec curl "$@"' sh "$ZS_TMP/pid1" \
    -s -o - -D "$ZS_TMP/head1" --max-time 120 --unix-socket "$ZS_SOCK" \
    -H 'Content-Type: application/json' --data-binary "@$ZS_TMP/pad.json" \
    http://zsign/v1/sign | held_read "$ZS_TMP/reply1" "$ZS_TMP/go1" &
j1=$!
zs_i=0
while [ ! -s "$ZS_TMP/pid1" ] && [ $zs_i -lt 100 ]; do
	sleep 0.1
	zs_i=$((zs_i + 1))
done
c1=$(cat "$ZS_TMP/pid1")
zs_wait_log "sign uid=[0-9]+ pid=$c1 key=test-ed25519 .*result=ok" 30
kill -TERM "$ZS_PID"
wait_gone "$ZS_SOCK"
zs_ok $? "reply in flight: socket file removed at once"
kill -0 "$c1" 2>/dev/null
zs_ok $? "... while the reply is still being written"
touch "$ZS_TMP/go1"
wait $j1
zs_is "$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$ZS_TMP/head1")" 200 \
    "reply in flight: 200"
zs_is "$(jq -r '.files["zephyr.signed.bin"] | length' "$ZS_TMP/reply1")" \
    $((32 * 1024 * 1024 / 3 * 4 + 4)) "reply in flight: complete (32 MiB image)"
zs_wait_zsignd
zs_is $? 0 "reply in flight: exit 0 once it is written"
zs_log_has 'signal 15: shutting down; 0 request\(s\) being signed, 1 reply\(ies\) being written'
zs_ok $? "reply in flight: counted at SIGTERM"

# 2. SIGTERM while a request is with the workers.
zs_start_zsignd || zs_bail "zsignd did not restart"
zs_sign_queued "$ZS_TMP/big.json" "$ZS_TMP/reply2" "$ZS_TMP/code2"
kill -TERM "$ZS_PID"
wait $ZS_BG
zs_is "$(cat "$ZS_TMP/code2")" 200 "request in flight: 200"
zs_is "$(jq -r '.key.name + " " + (.files["zephyr.signed.bin"] | length > 32000000 | tostring)' \
    "$ZS_TMP/reply2")" "test-ecdsa-p256 true" "request in flight: signed image returned"
zs_wait_zsignd
zs_is $? 0 "request in flight: exit 0"
[ ! -e "$ZS_SOCK" ]
zs_ok $? "request in flight: socket file removed"
zs_log_has 'stopped cleanly'
zs_ok $? "request in flight: 'stopped cleanly' logged"

# 3. A reply nobody reads: cut off after shutdown_timeout_ms.
printf '{"limits": {"shutdown_timeout_ms": 1000, "io_timeout_ms": 60000}}\n' \
    >"$ZS_TMP/zsignd.json"
zs_start_zsignd $ZS_TEST_KEYS -c "$ZS_TMP/zsignd.json" ||
    zs_bail "zsignd did not restart"
curl -s -o /dev/null --max-time 60 --limit-rate 100K --unix-socket "$ZS_SOCK" \
    -H 'Content-Type: application/json' --data-binary "@$ZS_TMP/pad.json" \
    http://zsign/v1/sign &
c3=$!
zs_wait_log "sign uid=[0-9]+ pid=$c3 key=test-ed25519 .*result=ok" 30
t0=$(date +%s)
zs_stop_zsignd
zs_is $? 1 "unread reply: exit 1 after the shutdown timeout"
[ $(($(date +%s) - t0)) -le 5 ]
zs_ok $? "unread reply: within the timeout (1 s) and a margin"
kill $c3 2>/dev/null
wait $c3 2>/dev/null
zs_check_log "no sanitizer reports or crashes"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Replies count against the memory budget: 16 peers ask for 89 MB replies
# (an 880-byte request padded to a 64 MiB slot) and never read them. The
# daemon holds at most max_in_flight_bytes of replies (the rest are
# refused as busy), its peak memory stays under the bound docs/SECURITY.md
# gives, health answers and another client signs throughout, and the
# non-reading peers are cut off after io_timeout_ms.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

# The budget and the workers of this daemon.
BUDGET_MIB=96
WORKERS=2
IO_TIMEOUT_S=4
# SECURITY.md: budget + workers x (3 x the largest image) + what is read
# from the connections (here: 17 small requests) + the daemon at rest.
SLOT_MIB=64
BASE_MIB=32
BOUND_MIB=$((BUDGET_MIB + WORKERS * 3 * SLOT_MIB + BASE_MIB))

zs_plan 8
cat >"$ZS_TMP/conf.json" <<EOC
{
  "workers": $WORKERS,
  "keys": [{"name": "ed", "path": "$ZS_KEYDIR/test-ed25519.pem"}],
  "limits": {"io_timeout_ms": $((IO_TIMEOUT_S * 1000)),
             "max_in_flight_bytes": $((BUDGET_MIB * 1024 * 1024))}
}
EOC
# Under ASan a small quarantine, so that RSS measures the daemon rather
# than the sanitizer's free-list (ignored by other builds).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8
export ASAN_OPTIONS
zs_start_zsignd -c "$ZS_TMP/conf.json" || zs_bail "zsignd did not start"

head -c 512 /dev/urandom >"$ZS_TMP/small.bin"
zs_imgtool_request "$ZS_TMP/big.json" "$ZS_TMP/small.bin" ed --pad \
    --pad-header --slot-size 0x3ff0000
zs_imgtool_request "$ZS_TMP/ok.json" "$ZS_TMP/small.bin" ed --pad-header \
    --slot-size 0x10000
zs_diag "request of $(wc -c <"$ZS_TMP/big.json") bytes"

python3 "$ZS_TOP_SRCDIR/tests/e2e/noread.py" "$ZS_SOCK" "$ZS_TMP/big.json" \
    16 "$ZS_TMP/release" >"$ZS_TMP/noread" 2>&1 &
nr=$!
sleep 1
# Another client signs meanwhile (queued behind the flood's jobs).
zs_sign_queued "$ZS_TMP/ok.json" "$ZS_TMP/ok.out" "$ZS_TMP/ok.code"
# While the peers hold their replies: health, each second. Once all 17
# jobs are answered, the peers go on not reading for io_timeout_ms and 2 s.
health_bad=0 i=0 done_at=
while kill -0 $nr 2>/dev/null && [ $i -lt 120 ]; do
	zs_curl GET /v1/health
	[ "$ZS_STATUS" = 200 ] || health_bad=$((health_bad + 1))
	if [ -z "$done_at" ] && [ "$(grep -Ec 'sign uid=[0-9]+ pid=[0-9]+ key=.* status=' \
	    "$ZS_LOG")" -ge 17 ]; then
		done_at=$i
	fi
	[ -n "$done_at" ] && [ $i -ge $((done_at + IO_TIMEOUT_S + 2)) ] &&
	    touch "$ZS_TMP/release"
	sleep 1
	i=$((i + 1))
done
zs_is "$health_bad" 0 "health answered 200 each second of the flood ($i s)"
wait "$ZS_BG"
zs_is "$(cat "$ZS_TMP/ok.code")" 200 "another client signed meanwhile"
hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$ZS_PID/status")
zs_diag "peak resident memory ${hwm} MiB, bound ${BOUND_MIB} MiB"
[ "$hwm" -le "$BOUND_MIB" ]
zs_ok $? "peak memory under the documented bound"
wait $nr
read -r _ refused _ cut _ complete <"$ZS_TMP/noread" || true
zs_diag "non-reading peers: $(cat "$ZS_TMP/noread")"
[ "${refused:-0}" -ge 1 ] && [ "${cut:-0}" -ge 1 ] &&
    [ $((refused + cut)) -eq 16 ]
zs_ok $? "replies over the budget refused, held ones cut off at io_timeout"
zs_log_has 'busy: too many reply bytes in flight'
zs_ok $? "the refusals say why"
# The budget is free again: the big reply goes to a client that reads.
ZS_CURL_TIMEOUT=60 zs_post /v1/sign "$ZS_TMP/big.json"
zs_is "$ZS_STATUS" 200 "a reading client gets the 89 MB reply afterwards"
zs_stop_zsignd
zs_is $? 0 "zsignd exits 0 on SIGTERM"
zs_check_log "no sanitizer reports"

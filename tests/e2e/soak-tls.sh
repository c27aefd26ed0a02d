#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Soak the TLS listener (loopback only, bounded): many HTTPS clients send
# valid, refused (no certificate, unknown token), malformed and plain-HTTP
# requests for a while. Zero crashes, every valid request signed, every
# other one answered as it should, one audit line per authenticated
# request and the unauthenticated ones counted in aggregate, RSS stable.
# `make check` runs a short form; ZS_SOAK_SECONDS=60 ZS_SOAK_CLIENTS=100
# is the full one.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

SECS=${ZS_SOAK_SECONDS:-10}
CLIENTS=${ZS_SOAK_CLIENTS:-20}
LOAD=$B/bench/zsign-tls-load

echo "1..6"
make_pki
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["tcp:127.0.0.1:0"],
  "keys": [{"name": "dev", "path": "$T/dev.pem",
            "allow": {"certs": ["ci.example.com"]}}],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "audit": {"path": "$T/audit.log"},
  "limits": {"max_in_flight": 256}
}
EOC
# Under ASan a small quarantine, so that RSS says something about leaks
# rather than about the sanitizer's free-list (ignored by other builds).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8 \
    start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts on TLS (port $PORT)"
sign_body 1.0.0 dev

rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$ZPID/status"
}
"$LOAD" -u "https://127.0.0.1:$PORT" -b "$T/body.json" -C "$T/ca.pem" \
    -E "$T/ci.pem" -K "$T/ci.key" -c "$CLIENTS" -d "$SECS" \
    -m 60,10,10,10,10 >"$T/load.out" 2>"$T/load.err" &
lpid=$!
# RSS after a quarter of the run (warm: TLS sessions, buffers, workers),
# then at the end.
sleep $((SECS / 4 + 1))
rss_warm=$(rss)
rss_max=$rss_warm
while kill -0 "$lpid" 2>/dev/null; do
	r=$(rss)
	[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
	sleep 1
done
wait "$lpid"
lrc=$?
rss_end=$(rss)
sed 's/^/# /' "$T/load.out" "$T/load.err"
[ $lrc -eq 0 ]
ok $? "every request answered as it should (valid: 200, unauthenticated: 401 or past the rate 429, malformed: 400, plain: no answer)"
valid=$(sed -n 's/^valid *sent \([0-9]*\) as-expected \([0-9]*\).*/\2/p' "$T/load.out")
[ -n "$valid" ] && [ "$valid" -gt 0 ]
ok $? "valid requests signed: $valid"
kill -0 "$ZPID" 2>/dev/null && ! grep -q "ERROR: AddressSanitizer\|runtime error" "$T/zsignd.log"
r=$?
[ $r -eq 0 ] || grep -B2 -A20 "ERROR: AddressSanitizer\|runtime error" "$T/zsignd.log" |
    tail -30 | sed 's/^/# /'
ok $r "zsignd alive, no sanitizer report"
echo "# RSS kB: warm $rss_warm, max $rss_max, end $rss_end"
[ -n "$rss_end" ] && [ "$rss_end" -le $((rss_warm * 3 / 2 + 16384)) ]
ok $? "RSS stable (warm $rss_warm kB, end $rss_end kB)"
stop_zsignd
# Every authenticated request leaves exactly one audit line; the refusals
# of unauthenticated ones, and each plain-HTTP attempt's failed handshake,
# are all counted in the aggregate records.
want=$(awk '/^(valid|malformed) / { s += $3 } END { print s }' "$T/load.out")
wantanon=$(awk '/^(no-cert|bad-token|plain-http) / { s += $3 }
    END { print s }' "$T/load.out")
lines=$(jq -s '[.[] | select(.identity != "anonymous")] | length' "$T/audit.log")
anon=$(jq -s '[.[] | select(.identity == "anonymous") | (.count // 1)] | add // 0' \
    "$T/audit.log")
"$ZSIGND" --verify-audit "$T/audit.log" >/dev/null 2>&1 &&
    [ "$lines" -eq "$want" ] && [ "$anon" -eq "$wantanon" ]
ok $? "audit chain intact, $lines lines for $want requests, $anon of $wantanon unauthenticated counted"
exit 0

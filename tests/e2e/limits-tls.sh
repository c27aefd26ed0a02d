#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The request limits on a TLS listener, end to end: a client trickling its
# body is cut off at request_timeout_ms while another signs at once, and
# max_connections holds back a TLS listener's extra connections without
# touching the Unix listener beside it (each listener is counted alone).
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..9"
make_pki
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/sock", "tcp:127.0.0.1:0"],
  "keys": [{"name": "dev", "path": "$T/dev.pem", "default": true}],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "limits": {"io_timeout_ms": 2000, "request_timeout_ms": 3000,
             "max_connections": 3}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with a Unix and a TLS listener (port $PORT)"
CI="--cert $T/ci.pem --key $T/ci.key"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A TLS client sends its body a byte every 0.5 s: never idle for the I/O
# timeout (2 s), but past the request deadline (3 s).
mkfifo "$T/trickle"
curl -s -o /dev/null --max-time 30 --cacert "$T/ca.pem" $CI -X POST -T - \
    -H 'Content-Type: application/json' "https://127.0.0.1:$PORT/v1/sign" \
    <"$T/trickle" >/dev/null 2>&1 &
trickler=$!
exec 3>"$T/trickle"
t0=$(now_ms)
i=0
alive=1
while [ $i -lt 3 ]; do
	printf 'x' >&3 2>/dev/null
	sleep 0.5
	i=$((i + 1))
done
kill -0 $trickler 2>/dev/null
ok $? "trickling TLS client: still connected after 1.5 s"

sign_body 1.0.0 dev
t1=$(now_ms)
s=$(tcurl /v1/sign $CI -H 'Content-Type: application/json' \
    --data-binary @"$T/body.json")
t2=$(now_ms)
[ "$s" = 200 ] && grep -q '"out.bin"' "$T/resp" && [ $((t2 - t1)) -lt 2000 ]
ok $? "another TLS client signs meanwhile ($s, $((t2 - t1)) ms)"

while [ $i -lt 24 ] && kill -0 $trickler 2>/dev/null; do
	printf 'x' >&3 2>/dev/null
	sleep 0.5
	i=$((i + 1))
done
t3=$(now_ms)
! kill -0 $trickler 2>/dev/null && [ $((t3 - t0)) -ge 2500 ] &&
    [ $((t3 - t0)) -lt 6000 ]
ok $? "trickling TLS client: cut off at request_timeout_ms ($((t3 - t0)) ms)"
exec 3>&-
kill $trickler 2>/dev/null
wait $trickler 2>/dev/null

# max_connections (3) on the TLS listener: three stalled TLS connections
# stop it accepting; the Unix listener still answers at once, and a fourth
# TLS client waits in the backlog until the I/O timeout frees a slot.
pids=
for k in 4 5 6; do
	mkfifo "$T/f$k"
	curl -s -o /dev/null --max-time 30 --cacert "$T/ca.pem" $CI -X POST \
	    -T - "https://127.0.0.1:$PORT/v1/sign" <"$T/f$k" >/dev/null 2>&1 &
	pids="$pids $!"
done
exec 4>"$T/f4" 5>"$T/f5" 6>"$T/f6"
printf '{' >&4; printf '{' >&5; printf '{' >&6
i=0
while ! grep -q '3 connections open: not accepting more' "$T/zsignd.log" &&
    [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q '3 connections open: not accepting more' "$T/zsignd.log"
ok $? "max_connections: the third TLS connection stops that listener accepting"

t1=$(now_ms)
s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    --unix-socket "$T/sock" http://zsign/v1/health)
t2=$(now_ms)
[ "$s" = 200 ] && [ $((t2 - t1)) -lt 1000 ]
ok $? "... the Unix listener beside it answers at once ($s, $((t2 - t1)) ms)"

t1=$(now_ms)
s=$(tcurl /v1/health $CI)
t2=$(now_ms)
[ "$s" = 200 ]
ok $? "a fourth TLS client is answered ($s)"
[ $((t2 - t1)) -ge 800 ] && grep -q 'connections open: accepting again' \
    "$T/zsignd.log"
ok $? "... after waiting for a slot ($((t2 - t1)) ms), accepting again"
exec 4>&- 5>&- 6>&-
for p in $pids; do
	kill $p 2>/dev/null
	wait $p 2>/dev/null
done

stop_zsignd
! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$T/zsignd.log"
ok $? "no sanitizer reports"
exit 0

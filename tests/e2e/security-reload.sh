#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fail closed and reload: with the audit log unwritable no signed image
# leaves the daemon; SIGHUP swaps the TLS certificate while a request is
# in flight, and that request still completes.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..11"
make_pki
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null

# 1. The audit log on /dev/full: every write fails with ENOSPC.
start_zsignd -l "unix:$T/sock" -k "dev=$T/dev.pem" --audit-log /dev/full
ok $? "zsignd starts with /dev/full as its audit log"
sign_body 1.0.0 dev
s=$(curl -s -o "$T/resp" -w '%{http_code}' --unix-socket "$T/sock" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json" \
    http://zsign/v1/sign)
[ "$s" = 500 ] && grep -q '"io"' "$T/resp" && grep -q 'refusing to sign' \
    "$T/resp" && ! grep -q '"files"' "$T/resp"
ok $? "audit write fails: 500 io, no image returned ($s: $(cut -c1-120 "$T/resp"))"
stop_zsignd

# 2. A full filesystem (a tiny tmpfs), when we may mount one.
mkdir "$T/full"
if mount -t tmpfs -o size=16k tmpfs "$T/full" 2>/dev/null; then
	start_zsignd -l "unix:$T/sock" -k "dev=$T/dev.pem" \
	    --audit-log "$T/full/audit.log"
	dd if=/dev/zero of="$T/full/filler" bs=4k count=64 2>/dev/null
	s=$(curl -s -o "$T/resp" -w '%{http_code}' --unix-socket "$T/sock" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$T/body.json" http://zsign/v1/sign)
	[ "$s" = 500 ] && ! grep -q '"files"' "$T/resp"
	ok $? "audit log on a full filesystem: 500, no image ($s)"
	rm -f "$T/full/filler"
	s=$(curl -s -o "$T/resp" -w '%{http_code}' --unix-socket "$T/sock" \
	    -H 'Content-Type: application/json' \
	    --data-binary @"$T/body.json" http://zsign/v1/sign)
	[ "$s" = 200 ] && "$ZSIGND" --verify-audit "$T/full/audit.log" \
	    >/dev/null 2>&1
	ok $? "space freed: signing resumes and the chain is intact ($s)"
	stop_zsignd
	umount "$T/full"
else
	echo "ok 3 # SKIP cannot mount a tmpfs here"
	echo "ok 4 # SKIP cannot mount a tmpfs here"
	n=4
fi

# 3. SIGHUP during an in-flight request.
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["tcp:127.0.0.1:0"],
  "keys": [{"name": "dev", "path": "$T/dev.pem"}],
  "tls": {"cert": "$T/live.pem", "key": "$T/live.key", "client_ca": "$T/ca.pem"},
  "audit": {"path": "$T/audit.log"}
}
EOC
cp "$T/srv.pem" "$T/live.pem"
cp "$T/srv.key" "$T/live.key"
cert srv2 localhost ca "DNS:localhost,IP:127.0.0.1"
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts on TLS (port $PORT)"
serial() {
	echo | openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" \
	    -cert "$T/ci.pem" -key "$T/ci.key" 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null
}
old=$(serial)
want_old=$(openssl x509 -noout -serial -in "$T/srv.pem")
want_new=$(openssl x509 -noout -serial -in "$T/srv2.pem")
[ -n "$old" ] && [ "$old" = "$want_old" ]
ok $? "the first certificate is served ($old)"

# A 1.5 MiB image whose upload the client holds halfway (until the file
# "go" exists, bounded) keeps the request in flight across the reload,
# however slow this machine is.
head -c 1572864 /dev/urandom >"$T/big.bin"
printf '{"tool":"imgtool","key":"dev","args":["--version","1.0.0","--header-size","0x200","--pad-header","--align","4","--slot-size","0x200000","big.bin","big.out"],"files":{"big.bin":"%s"}}' \
    "$(base64 -w0 "$T/big.bin")" >"$T/big.json"
len=$(wc -c <"$T/big.json")
half=$((len / 2))
{
	printf 'POST /v1/sign HTTP/1.1\r\nHost: localhost\r\n'
	printf 'Content-Type: application/json\r\nContent-Length: %d\r\n' \
	    "$len"
	printf 'Connection: close\r\n\r\n'
	head -c "$half" "$T/big.json"
	i=0
	while [ ! -e "$T/go" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	tail -c +$((half + 1)) "$T/big.json"
} | openssl s_client -quiet -connect "127.0.0.1:$PORT" -CAfile "$T/ca.pem" \
    -cert "$T/ci.pem" -key "$T/ci.key" >"$T/big.resp" 2>"$T/big.err" &
cpid=$!
# wait_for FILE ERE: wait (bounded) until a line of FILE matches ERE.
wait_for() {
	i=0
	while ! grep -Eq "$2" "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -Eq "$2" "$1" 2>/dev/null
}
# The handshake is done (with the old certificate) before the reload.
wait_for "$T/big.err" "verify return"
cp "$T/srv2.pem" "$T/live.pem"
cp "$T/srv2.key" "$T/live.key"
kill -HUP "$ZPID"
wait_for "$T/zsignd.log" "TLS certificate, key and client CA reloaded"
new=$(serial)
kill -0 "$cpid" 2>/dev/null
ok $? "the held request is still in flight after SIGHUP"
[ "$new" = "$want_new" ]
ok $? "new connections get the new certificate ($new)"
touch "$T/go"
wait "$cpid"
st=$(sed -n '1s/^HTTP\/1\.1 \([0-9]*\).*/\1/p' "$T/big.resp")
[ "$st" = 200 ] && grep -q '"big.out"' "$T/big.resp"
ok $? "the in-flight request completed with its image ($st)"
kill -0 "$ZPID" 2>/dev/null && grep -q "reloaded" "$T/zsignd.log"
ok $? "zsignd survived SIGHUP and logged the reload"

# Hardening: no core file, and (outside sanitizer builds) the key's numbers
# in the key holder's locked secure heap: its 1 MiB locked, in use by keys.
holder=$(pgrep -P "$ZPID" -x zsign-keyholder | head -1)
lck=$(sed -n 's/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p' \
    "/proc/${holder:-0}/status")
heap=$(sed -n 's/.*in the locked secure heap: \([0-9]*\) of.*/\1/p' \
    "$T/zsignd.log" | tail -n 1)
grep -Eq '^Max core file size +0 +0 ' "/proc/$ZPID/limits" &&
    grep -Eq '^Max core file size +0 +0 ' "/proc/${holder:-0}/limits" &&
    { { [ "${lck:-0}" -ge 1024 ] && [ "${heap:-0}" -gt 0 ]; } ||
    grep -q "skipped in a sanitizer" "$T/zsignd.log"; }
ok $? "core dumps off (RLIMIT_CORE 0), keys in the holder's locked secure heap \
(${heap:-?} bytes in use, VmLck ${lck:-?} kB)"
exit 0

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every kind of refusal (400, 401, 403, 404, 405, 409, 413, 429 and 503 of
# each cause) goes through one path: exactly one audit line and exactly one
# more zsignd_refusals_total, read from the audit log and /metrics before
# and after each; so do the refusals libevent's HTTP layer answers before
# any request exists (malformed HTTP, caps), on the Unix socket and on TLS.
# The one exception is a refusal because the audit log itself refuses
# appends: counted, with no line.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..47"
make_pki
make_token
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
mkdir "$T/spool"

# conf LIMITS: the configuration, with the "limits" object LIMITS.
conf() {
	cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/sock", "tcp:127.0.0.1:0"],
  "workers": 1,
  "limits": $1,
  "keys": [
    {"name": "dev", "path": "$T/dev.pem"},
    {"name": "hourly", "path": "$T/dev.pem", "rules": {"max_per_hour": 1}},
    {"name": "prod", "path": "$T/dev.pem",
     "allow": {"certs": ["ci.example.com"]}},
    {"name": "rel", "path": "$T/dev.pem",
     "approval": {"required": 2,
                  "approvers": {"certs": ["ci-runner", "intruder"]}}}
  ],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "tokens": {"ci": "$TOKEN_HASH"},
  "audit": {"path": "$T/audit.log"},
  "state": "sqlite:$T/state.db",
  "approvals": {"spool_dir": "$T/spool"}
}
EOC
}

CI="--cert $T/ci.pem --key $T/ci.key"

# raw unix|tls OUT REQ-FILE...: send each file's bytes as they are, one
# after another on one connection (TLS: with the ci-runner certificate),
# reading each reply; print the statuses (a:b:...), the last body to OUT.
cat >"$T/raw.py" <<'EOPY'
import socket, ssl, sys
lib, mode, where, pki, out = sys.argv[1:6]
sys.path.insert(0, lib)
from zshttp import read_reply
s = socket.socket(socket.AF_UNIX) if mode == "unix" else \
    socket.socket(socket.AF_INET)
s.settimeout(30)
s.connect(where if mode == "unix" else ("127.0.0.1", int(where)))
if mode == "tls":
    ctx = ssl.create_default_context(cafile=pki + "/ca.pem")
    ctx.load_cert_chain(pki + "/ci.pem", pki + "/ci.key")
    s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
codes = []
for f in sys.argv[6:]:
    s.sendall(open(f, "rb").read())
    st, head, body = read_reply(s)
    codes.append(str(st))
open(out, "wb").write(body)
print(":".join(codes))
EOPY
raw() {
	m=$1
	shift
	if [ "$m" = unix ]; then w=$T/sock; else w=$PORT; fi
	python3 "$T/raw.py" "$S/tests/e2e" "$m" "$w" "$T" "$T/resp" "$@" \
	    2>"$T/raw.err"
	return 0
}
INTRUDER="--cert $T/intruder.pem --key $T/intruder.key"

# ucurl PATH [curl args...]: tcurl over the Unix socket.
ucurl() {
	p=$1
	shift
	curl -s -o "$T/resp" -w '%{http_code}' --max-time 30 \
	    --unix-socket "$T/sock" "$@" "http://zsign$p" 2>/dev/null
	return 0
}

# The metrics (read over the Unix socket, which is no refusal) into FILE.
snap() {
	curl -s --max-time 30 --unix-socket "$T/sock" http://zsign/metrics \
	    >"$1"
}

# series FILE REASON CODE: that refusal series' value in FILE (0: absent).
series() {
	awk -v k="zsignd_refusals_total{reason=\"$2\",code=\"$3\"}" \
	    '$1 == k { v = $2 } END { print v + 0 }' "$1"
}

# all FILE: every refusal series in FILE together.
all() {
	awk '$1 ~ /^zsignd_refusals_total[{]/ { n += $2 } END { print n + 0 }' \
	    "$1"
}

lines() {
	if [ -e "$T/audit.log" ]; then wc -l <"$T/audit.log"; else echo 0; fi
}

# before: snapshot the audit log's length and the metrics.
before() {
	snap "$T/m0"
	l0=$(lines)
}

# after WHAT STATUS WANT REASON CODE [LINES]: the request that ran since
# before() was answered WANT with error CODE, and added LINES (1) audit
# lines, one refusal of REASON and CODE and no other refusal.
after() {
	snap "$T/m1"
	dl=$(($(lines) - l0))
	dm=$(($(series "$T/m1" "$4" "$5") - $(series "$T/m0" "$4" "$5")))
	dt=$(($(all "$T/m1") - $(all "$T/m0")))
	got=$(jq -r .error.code "$T/resp" 2>/dev/null)
	[ "$2:$got:$dl:$dm:$dt" = "$3:$5:${6:-1}:1:1" ]
	ok $? "$1: $2 $got, audit lines +$dl, refusals{$4,$5} +$dm, all +$dt"
}

# refused WHAT WANT REASON CODE CURL-FN ARGS...: one refusal, checked.
refused() {
	what=$1 want=$2 reason=$3 code=$4
	shift 4
	before
	s=$("$@")
	after "$what" "$s" "$want" "$reason" "$code"
}

# hold_one: stop the key holder (its pid in hp) and send $T/body.json in
# the background (curl's pid in bg), until a worker waits for the holder.
hold_one() {
	hp=$(pgrep -P "$ZPID" -x zsign-keyholder | head -1)
	kill -STOP "$hp"
	curl -s -o "$T/held" -w '%{http_code}' --max-time 60 \
	    --unix-socket "$T/sock" $JSON --data-binary @"$T/body.json" \
	    http://zsign/v1/sign >"$T/held.code" &
	bg=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q poll_schedule \
	    "/proc/$ZPID/task/"*/wchan 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}

conf '{"max_in_flight": 1, "max_body_bytes": 1048576,
    "max_header_bytes": 1024}'
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with a Unix and a TLS listener (port $PORT)"

sign_body 1.0.0 dev
JSON="-H Content-Type:application/json"
refused "malformed JSON (a worker's refusal)" 400 invalid invalid \
    ucurl /v1/sign $JSON --data-binary '{"tool":"imgtool","x":1}'
refused "an unknown HTTP method" 400 invalid invalid \
    ucurl /v1/health -X FOO
refused "a method the endpoint does not take" 405 method invalid \
    ucurl /v1/sign
refused "no client certificate and no token" 401 unauthenticated \
    unauthenticated tcurl /v1/sign $JSON --data-binary @"$T/body.json"
before
s=$(tcurl /v1/sign -D "$T/headers" -H "Authorization: Bearer not-ours" \
    $JSON --data-binary @"$T/body.json")
after "an unknown bearer token" "$s" 401 unauthenticated unauthenticated
grep -qi '^www-authenticate: Bearer' "$T/headers"
ok $? "... with a WWW-Authenticate: Bearer challenge"
# unanswered WHAT REASON CODE: the handshake that ran since before()
# failed (curl's status in $s: 000), with no request to answer, yet one
# audit line (written when it fails) and one refusal of REASON and CODE.
unanswered() {
	i=0
	while [ $i -lt 100 ] && [ "$(lines)" -le "$l0" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	snap "$T/m1"
	dl=$(($(lines) - l0))
	dm=$(($(series "$T/m1" "$2" "$3") - $(series "$T/m0" "$2" "$3")))
	dt=$(($(all "$T/m1") - $(all "$T/m0")))
	[ "$s:$dl:$dm:$dt" = "000:1:1:1" ]
	ok $? "$1: handshake fails ($s), audit lines +$dl, refusals{$2,$3} \
+$dm, all +$dt"
}
# A client certificate the handshake refuses.
before
s=$(tcurl /v1/health --cert "$T/rogue.pem" --key "$T/rogue.key")
unanswered "a certificate from another CA" unauthenticated unauthenticated
# A handshake that fails for another reason (plain HTTP on the TLS port)
# is a refusal too (the peer's first of its kind: a line of its own),
# with OpenSSL's reason. A peer that connects and closes without a word
# is none.
before
s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
    "http://127.0.0.1:$PORT/v1/health" 2>/dev/null)
unanswered "plain HTTP on the TLS port" tls_handshake protocol
tail -1 "$T/audit.log" | grep -q '"message":"TLS handshake failed: http request'
ok $? "... audited with OpenSSL's reason"
before
python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()' "$PORT"
sleep 0.5
snap "$T/m1"
[ "$(($(lines) - l0)):$(($(all "$T/m1") - $(all "$T/m0")))" = 0:0 ]
ok $? "a TCP connection closed before any TLS: no refusal"
refused "/metrics without a credential" 401 unauthenticated \
    unauthenticated tcurl /metrics
refused "/metrics for a certificate it does not allow" 403 forbidden \
    forbidden tcurl /metrics $CI
sign_body 1.0.0 prod
refused "a key whose allow list lacks the caller" 403 forbidden forbidden \
    ucurl /v1/sign $JSON --data-binary @"$T/body.json"
refused "an unknown endpoint" 404 not_found not_found ucurl /v1/nope
sign_body 1.0.0 nosuch
refused "an unknown key" 404 not_found not_found \
    ucurl /v1/sign $JSON --data-binary @"$T/body.json"

# 409: a second vote on a held request.
sign_body 1.0.0 rel
s=$(ucurl /v1/sign $JSON --data-binary @"$T/body.json")
ID=$(jq -r .approval.id "$T/resp")
s=$s:$(tcurl /v1/approvals/approve $INTRUDER $JSON -d "{\"id\":\"$ID\"}")
[ "$s" = 202:200 ]
ok $? "a request for the approval key is held, and approved once ($s)"
refused "a second vote by the same approver" 409 conflict conflict \
    tcurl /v1/approvals/approve $INTRUDER $JSON -d "{\"id\":\"$ID\"}"
grep "\"error\":\"conflict\"" "$T/audit.log" | tail -1 |
    grep -q "\"request\":\"$ID\""
ok $? "... its audit line names the held request"

# 413: an argument over 4096 bytes.
long=$(head -c 5000 /dev/zero | tr '\0' x)
printf '{"tool":"imgtool","key":"dev","args":["%s"],"files":{}}' "$long" \
    >"$T/long.json"
refused "an argument over its cap" 413 too_large too_large \
    ucurl /v1/sign $JSON --data-binary @"$T/long.json"

# The HTTP layer's own refusals, before any request exists: each one
# audited with the connection's identity, counted and answered in JSON,
# on both listeners. The caps: max_body_bytes 1 MiB (plus 4 KiB for the
# binary form's head), max_header_bytes 1 KiB.
printf 'POST /v1/sign HTTP/1.1\r\nHost: z\r\nContent-Type: %s\r\n%s\r\n\r\n' \
    application/json "Content-Length: 2000000" >"$T/bigcl.http"
printf 'GET /v1/health HTTP/1.1\r\nHost: z\r\nno colon here\r\n\r\n' \
    >"$T/badhdr.http"
printf 'this is not http at all\r\n\r\n' >"$T/nothttp.http"
{
	printf 'GET /v1/health HTTP/1.1\r\nHost: z\r\nX-Pad: '
	head -c 2000 /dev/zero | tr '\0' p
	printf '\r\n\r\n'
} >"$T/bighdr.http"
printf 'POST /v1/sign HTTP/1.1\r\nHost: z\r\n%s\r\n\r\n%x\r\n' \
    "Transfer-Encoding: chunked" 2000000 >"$T/bigchunk.http"
printf 'GET /v1/health HTTP/1.1\r\nHost: z\r\n\r\n' >"$T/health.http"
for m in unix tls; do
	refused "$m: Content-Length over the body cap" 413 too_large \
	    too_large raw $m "$T/bigcl.http"
	refused "$m: a header line without a colon" 400 invalid invalid \
	    raw $m "$T/badhdr.http"
	refused "$m: a request line that is not HTTP" 400 invalid invalid \
	    raw $m "$T/nothttp.http"
	refused "$m: headers over max_header_bytes" 400 invalid invalid \
	    raw $m "$T/bighdr.http"
	refused "$m: a chunk over the body cap" 413 too_large too_large \
	    raw $m "$T/bigchunk.http"
done
tail -1 "$T/audit.log" | grep '"identity":"cert:ci-runner"' |
    grep -q '"message":"HTTP: request body too large'
ok $? "... audited with the TLS peer's certificate identity and the reason"
grep '"message":"HTTP: malformed request line' "$T/audit.log" | head -1 |
    grep -q "\"identity\":\"uid:$(id -u)\""
ok $? "... and with the Unix peer's uid"
before
s=$(raw unix "$T/health.http" "$T/badhdr.http")
after "a kept-alive connection: a good request, then a bad one" "$s" \
    200:400 invalid invalid
before
s=$(raw tls "$T/health.http" "$T/health.http")
snap "$T/m1"
[ "$s:$(($(lines) - l0)):$(($(all "$T/m1") - $(all "$T/m0")))" = \
    "200:200:0:0" ]
ok $? "two good requests on one kept-alive TLS connection: no refusal ($s)"

# 429: max_per_hour 1.
sign_body 1.0.0 hourly
s=$(ucurl /v1/sign $JSON --data-binary @"$T/body.json")
[ "$s" = 200 ]
ok $? "the hourly key signs once ($s)"
refused "a key's max_per_hour used up" 429 rate_limited rate_limited \
    ucurl /v1/sign $JSON --data-binary @"$T/body.json"

# beside_held WHAT REASON: while a request waits for the stopped key
# holder, another is refused 503 (REASON) with its audit line at once;
# then the holder dies under the first, which the new holder signs. The
# /metrics read afterwards: one refusal, counted once; two lines.
beside_held() {
	sign_body 1.0.0 dev
	before
	hold_one
	s=$(ucurl /v1/sign $JSON --data-binary @"$T/body.json")
	dl=$(($(lines) - l0))
	got=$(jq -r .error.code "$T/resp" 2>/dev/null)
	[ "$s:$got:$dl" = 503:unavailable:1 ]
	ok $? "$1: $s $got, audit lines +$dl at once"
	kill -KILL "$hp"
	wait $bg
	cp "$T/held" "$T/resp"
	snap "$T/m1"
	dl=$(($(lines) - l0))
	db=$(($(series "$T/m1" "$2" unavailable) -
	    $(series "$T/m0" "$2" unavailable)))
	du=$(($(series "$T/m1" unavailable unavailable) -
	    $(series "$T/m0" unavailable unavailable)))
	dt=$(($(all "$T/m1") - $(all "$T/m0")))
	got=$(jq -r .error.code "$T/resp" 2>/dev/null)
	[ "$(cat "$T/held.code"):$got:$dl:$db:$du:$dt" = \
	    200:null:2:1:0:1 ]
	ok $? "... and the request the key holder died under: $(cat \
"$T/held.code") $got; audit lines +$dl, refusals{$2} +$db, \
refusals{unavailable} +$du, all +$dt"
}

# 503 busy beside a request the key holder dies under, max_in_flight 1.
beside_held "a request over max_in_flight" busy

# 503 audit failing: a removed log is latched shut at its next append.
rm "$T/audit.log"
s=$(ucurl /v1/nope)
before
s=$(ucurl /v1/sign $JSON --data-binary @"$T/body.json")
after "the audit log refusing appends (no line can be written)" "$s" 503 \
    audit unavailable 0
kill -HUP "$ZPID"
i=0
while [ $i -lt 50 ] && ! grep -q 'configuration reloaded (#2)' \
    "$T/zsignd.log"; do
	sleep 0.1
	i=$((i + 1))
done
s=$(ucurl /v1/sign $JSON --data-binary @"$T/body.json")
[ "$s" = 200 ] && grep -q '"event":"continued"' "$T/audit.log"
ok $? "SIGHUP reopens the log: signing again ($s)"
stop_zsignd

conf '{"max_in_flight": 8, "max_in_flight_bytes": 1}'
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd restarts with max_in_flight_bytes 1"
beside_held "a request over max_in_flight_bytes" busy_bytes

# 503 stopping: a connection open before SIGTERM reads /metrics, then,
# while zsignd drains (a 32 MiB reply its client does not read yet),
# sends a sign request and reads /metrics again.
python3 - "$T/sock" "$T/body.json" "$T/go" >"$T/stopping" 2>&1 <<'EOPY' &
import http.client, os, socket, sys, time

class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(sys.argv[1])

def get(c, method, path, body=None):
    c.request(method, path, body, {"Content-Type": "application/json"})
    r = c.getresponse()
    return r.status, r.read().decode()

def refusals(text, reason=""):
    return int(sum(float(l.split()[-1]) for l in text.splitlines()
                   if l.startswith("zsignd_refusals_total{" + reason)))

c = Unix("zsign")
st, m0 = get(c, "GET", "/metrics")
print("ready", st, flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
st, body = get(c, "POST", "/v1/sign", open(sys.argv[2], "rb").read())
_, m1 = get(c, "GET", "/metrics")
print("sign", st, body)
print("refusals", refusals(m1) - refusals(m0))
print("stopping", refusals(m1, 'reason="stopping"') -
      refusals(m0, 'reason="stopping"'))
EOPY
py=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^ready 200' "$T/stopping"; do
	sleep 0.1
	i=$((i + 1))
done
jq '.args |= [.[] | if . == "0x20000" then "0x2000000" else . end] +
    ["--pad"]' "$T/body.json" >"$T/pad.json"
# The reader copies its reply only once $T/go1 exists.
sh -c 'echo $$ >"$1"; shift; exec curl "$@"' sh "$T/pid1" -s -o - \
    --max-time 120 --unix-socket "$T/sock" $JSON \
    --data-binary @"$T/pad.json" http://zsign/v1/sign |
    { i=0; while [ ! -e "$T/go1" ] && [ $i -lt 600 ]; do sleep 0.1;
    i=$((i + 1)); done; wc -c >"$T/pad.len"; } &
reader=$!
i=0
while [ $i -lt 300 ] && ! grep -Eq "sign uid=[0-9]+ pid=$(cat "$T/pid1" \
    2>/dev/null) key=dev .*result=ok" "$T/zsignd.log"; do
	sleep 0.1
	i=$((i + 1))
done
l0=$(lines)
kill -TERM "$ZPID"
i=0
while [ $i -lt 50 ] && ! grep -q 'shutting down' "$T/zsignd.log"; do
	sleep 0.1
	i=$((i + 1))
done
touch "$T/go"
wait $py
dl=$(($(lines) - l0))
r=$(sed -n 's/^sign \([0-9]*\) .*"code": *"\([a-z_]*\)".*/\1 \2/p' \
    "$T/stopping"):$(sed -n 's/^refusals //p' "$T/stopping"):$(sed -n \
    's/^stopping //p' "$T/stopping"):$dl
[ "$r" = "503 unavailable:1:1:1" ]
ok $? "a request while shutting down: 503, refusals +1 (stopping +1), \
audit lines +1 ($r)"
touch "$T/go1"
wait $reader
wait "$ZPID"
rc=$?
ZPID=
[ $rc -eq 0 ] && [ "$(cat "$T/pad.len")" -gt 40000000 ]
ok $? "the reply being written is finished, and zsignd exits 0 ($rc)"
grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/zsignd.log"
[ $? -ne 0 ]
ok $? "no sanitizer reports"
"$ZSIGND" --verify-audit "$T/audit.log" >/dev/null 2>&1
ok $? "the audit chain holds"
[ $failed -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Socket activation of a TCP port next to the Unix socket (zsignd.socket
# with a ListenStream= port): zsignd adopts both, serves TLS on the port
# with the configured certificate and bearer tokens, plain HTTP on the
# socket, and refuses a passed TCP socket when TLS is not configured.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

# Ports tried for the activated TCP socket (one may be taken).
PORT_TRIES=5

zs_plan 6
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6; do
		zs_skip "TCP socket activation" "no systemd-socket-activate"
	done
	exit 0
fi
T=$ZS_TMP
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 2 \
    -keyout "$T/srv.key" -out "$T/srv.pem" 2>/dev/null
printf 'tok-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$T/token"
hash=$("$ZS_ZSIGND" --hash-token <"$T/token")
cat >"$T/zsignd.json" <<EOF
{"keys": [{"name": "ed", "path": "$ZS_KEYDIR/test-ed25519.pem"}],
 "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key"},
 "tokens": {"ci": "$hash"}}
EOF

# start_activated CONFIG: the activator on the socket and a free port.
start_activated() {
	try=0
	while [ $try -lt $PORT_TRIES ]; do
		PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		rm -f "$ZS_SOCK"
		: >"$ZS_LOG"
		systemd-socket-activate -l "$ZS_SOCK" -l "127.0.0.1:$PORT" \
		    -E ASAN_OPTIONS -E UBSAN_OPTIONS \
		    "$ZS_ZSIGND" -F -c "$1" >>"$ZS_LOG" 2>&1 &
		ZS_PID=$!
		# It says "Listening on" after each listen(): the socket
		# file alone shows up before (a connect then is refused and
		# nothing starts), and also when the port then is taken.
		i=0
		while [ "$(grep -c '^Listening on ' "$ZS_LOG")" -lt 2 ] &&
		    [ $i -lt 100 ] && kill -0 "$ZS_PID" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		[ "$(grep -c '^Listening on ' "$ZS_LOG")" -ge 2 ] &&
		    kill -0 "$ZS_PID" 2>/dev/null && return 0
		kill "$ZS_PID" 2>/dev/null
		wait "$ZS_PID" 2>/dev/null
		ZS_PID=
		try=$((try + 1))
	done
	return 1
}

start_activated "$T/zsignd.json" || zs_bail "systemd-socket-activate did not start"
zs_curl GET /v1/health
zs_is "$ZS_STATUS" 200 "the Unix socket starts zsignd and answers plain HTTP"
zs_log_has 'socket-activated fd 4 \(tcp, TLS\)'
zs_ok $? "the TCP socket is adopted as a TLS listener"
s=$(curl -s -o "$T/resp" -w '%{http_code}' --max-time 10 --cacert "$T/srv.pem" \
    -H "Authorization: Bearer $(cat "$T/token")" \
    "https://127.0.0.1:$PORT/v1/health" 2>/dev/null)
zs_is "$s:$(jq -r .status "$T/resp" 2>/dev/null)" "200:ok" \
    "HTTPS with a bearer token on the activated port"
s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    "http://127.0.0.1:$PORT/v1/health" 2>/dev/null)
[ "$s" != 200 ]
zs_ok $? "plain HTTP on the activated port gets no answer ($s)"
zs_stop_zsignd
zs_is $? 0 "SIGTERM: exit 0"

# The same sockets without TLS settings: zsignd refuses to start.
cat >"$T/notls.json" <<EOF
{"keys": [{"name": "ed", "path": "$ZS_KEYDIR/test-ed25519.pem"}]}
EOF
start_activated "$T/notls.json" || zs_bail "systemd-socket-activate did not start"
curl -s -o /dev/null --max-time 5 --unix-socket "$ZS_SOCK" http://zsign/v1/health
zs_wait_zsignd
rc=$?
grep -Eqi 'tls|client cert' "$ZS_LOG" && why=yes || why=no
zs_is "$rc:$why" "1:yes" \
    "a passed TCP socket without TLS settings: exit 1, saying why"
[ "$rc:$why" = "1:yes" ] || sed 's/^/# log: /' "$ZS_LOG" | tail -20

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsignd as systemd runs it: started by systemd-socket-activate on a passed
# Unix socket, READY=1 / STATUS / WATCHDOG=1 / RELOADING=1 / STOPPING=1 on
# a test NOTIFY_SOCKET, /metrics counters that move, SIGHUP reloads under
# load without a failed request, a broken config refused while the old one
# serves, and the metrics access list.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

# Concurrent signing clients while reloading.
LOAD_CLIENTS=4
# Sign requests each of them sends.
LOAD_ROUNDS=15
# Reloads sent during the load.
LOAD_RELOADS=6

zs_plan 29
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
	i=0
	while [ $i -lt 29 ]; do
		zs_skip "socket activation" "no systemd-socket-activate"
		i=$((i + 1))
	done
	exit 0
fi
NOTIFY=$ZS_TMP/notify
NLOG=$ZS_TMP/notify.log
CONF=$ZS_TMP/zsignd.json

# notify_has ERE [SECONDS]: wait (bounded) for a notification line.
notify_has() {
	i=0
	while [ $i -lt $((${2:-10} * 10)) ]; do
		grep -Eq "$1" "$NLOG" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# metric NAME{LABELS}: the value of one sample of the last scrape.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$ZS_TMP/metrics"
}

scrape() {
	zs_curl GET /metrics
	cp "$ZS_BODY" "$ZS_TMP/metrics"
}

write_conf() {	# KEYS_JSON [EXTRA_MEMBERS]
	cat >"$CONF" <<EOF
{"workers": 2, "keys": [$1]${2:+, $2}}
EOF
}

"$ZS_TOP_BUILDDIR/tests/e2e/notify-recv" "$NOTIFY" 60 >"$NLOG" &
nrpid=$!
i=0
while [ ! -S "$NOTIFY" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"}"
# The activator keeps the socket and starts zsignd at the first connection.
systemd-socket-activate -l "$ZS_SOCK" -E NOTIFY_SOCKET="$NOTIFY" \
    -E WATCHDOG_USEC=400000 -E ASAN_OPTIONS -E UBSAN_OPTIONS \
    "$ZS_ZSIGND" -F -c "$CONF" >>"$ZS_LOG" 2>&1 &
ZS_PID=$!
i=0
while [ ! -S "$ZS_SOCK" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
zs_curl GET /v1/health
zs_is "$ZS_STATUS" 200 "first connection starts zsignd on the passed socket"
zs_is "$(zs_json '[.status, .keys, .keys_available, .audit, .config] | join(",")')" \
    "ok,1,1,off,1" "health: keys loaded and available, audit, generation"
zs_log_has 'listening on socket-activated fd 3 \(unix\)'
zs_ok $? "zsignd adopted fd 3 instead of binding its own socket"
notify_has '^READY=1$'
zs_ok $? "READY=1 on NOTIFY_SOCKET"
notify_has '^STATUS=serving 1 key'
zs_ok $? "STATUS says what is served"
# Three pings within 1 s of the first one (one each 0.2 s is due).
pings() { grep -c '^WATCHDOG=1$' "$NLOG"; }
notify_has '^WATCHDOG=1$' && {
	i=0
	while [ "$(pings)" -lt 3 ] && [ $i -lt 10 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(pings)" -ge 3 ]
}
zs_ok $? "watchdog pings at half WATCHDOG_USEC ($(pings) within 1 s)"

# Metrics: present, then moved by a signature and by a refusal.
scrape
zs_is "$ZS_STATUS" 200 "GET /metrics answers a Unix-socket peer"
zs_is "$(metric zsignd_keys)" 1 "zsignd_keys counts the key"
zs_mkimage "$ZS_TMP/img.bin" 4096
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/img.bin" ed
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS" 200 "sign over the activated socket"
zs_imgtool_request "$ZS_TMP/bad.json" "$ZS_TMP/img.bin" nosuchkey
zs_post /v1/sign "$ZS_TMP/bad.json"
scrape
zs_is "$(metric 'zsignd_requests_total{tool="imgtool",key="ed",result="ok"}')" 1 \
    "requests_total counts the signature by tool, key and result"
zs_is "$(metric 'zsignd_requests_total{tool="imgtool",key="",result="not_found"}')" 1 \
    "requests_total counts the refusal under its error code"
[ "$(metric 'zsignd_signed_bytes_total{tool="imgtool",key="ed"}')" -gt 4096 ] 2>/dev/null
zs_ok $? "signed_bytes_total grew by the signed image"
zs_is "$(metric 'zsignd_request_duration_seconds_count{tool="imgtool"}')" 2 \
    "latency histogram counted both"

# A changed configuration: a second key appears on SIGHUP.
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"},
  {\"name\": \"ec\", \"path\": \"$ZS_KEYDIR/test-ecdsa-p256.pem\"}"
kill -HUP "$ZS_PID"
notify_has '^RELOADING=1$' && notify_has '^STATUS=serving 2 key'
zs_ok $? "RELOADING=1, then READY=1 with the new status"
zs_curl GET /v1/keys
zs_is "$(zs_json '[.keys[].name] | sort | join(",")')" "ec,ed" \
    "the reloaded configuration serves the new key"
zs_curl GET /v1/health
zs_is "$(zs_json '[.keys, .config] | join(",")')" "2,2" \
    "health shows the new generation"

# A broken one is refused; the old one keeps serving.
printf '{"keys": [{"name": "ed", "path": "%s"}], "bogus": 1' \
    "$ZS_KEYDIR/test-ed25519.pem" >"$CONF"
kill -HUP "$ZS_PID"
zs_wait_log 'reload refused, still serving configuration #2'
zs_ok $? "a broken configuration is refused with a message"
zs_curl GET /v1/keys
zs_is "$(zs_json '[.keys[].name] | sort | join(",")')" "ec,ed" \
    "the previous configuration still serves"
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_TMP/missing.pem\"}"
kill -HUP "$ZS_PID"
zs_wait_log "reload refused.*missing.pem"
zs_ok $? "a key that does not load is refused too"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS" 200 "and signing goes on with the old keys"

# A request in flight keeps its generation: its key may go meanwhile.
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"},
  {\"name\": \"ec\", \"path\": \"$ZS_KEYDIR/test-ecdsa-p256.pem\"}" \
    '"log_level": "debug"'
kill -HUP "$ZS_PID"
zs_wait_log 'configuration reloaded \(#3\)'
zs_mkimage "$ZS_TMP/big.bin" $((40 * 1024 * 1024))
zs_imgtool_request "$ZS_TMP/big.json" "$ZS_TMP/big.bin" ec
curl -s -o "$ZS_TMP/big.out" -w '%{http_code}' --max-time 60 \
    --unix-socket "$ZS_SOCK" -H 'Content-Type: application/json' \
    --data-binary "@$ZS_TMP/big.json" http://zsign/v1/sign >"$ZS_TMP/big.code" &
big=$!
zs_wait_log 'sign uid=[0-9]+ pid='"$big"' queued' 30
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"}"
kill -HUP "$ZS_PID"
zs_wait_log 'configuration reloaded \(#4\)'
wait "$big"
zs_is "$(cat "$ZS_TMP/big.code"):$(jq -r .key.name "$ZS_TMP/big.out")" "200:ec" \
    "a request in flight finishes with the key the reload removed"
grep -En 'configuration reloaded \(#4\)|pid='"$big"' key=ec .*result=ok' "$ZS_LOG" |
    cut -d: -f1 | tr '\n' ' ' >"$ZS_TMP/order"
set -- $(cat "$ZS_TMP/order")
[ $# -eq 2 ] && [ "$1" -lt "$2" ]
zs_ok $? "... and it was in flight across the reload (log lines $(cat "$ZS_TMP/order"))"
zs_post /v1/sign "$ZS_TMP/big.json"
zs_is "$ZS_STATUS:$(zs_json .error.code)" "404:not_found" \
    "a new request for that key is refused"

# Reload over and over while clients sign: no request may fail.
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"}"
cp "$CONF" "$ZS_TMP/conf.a"
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"},
  {\"name\": \"rsa\", \"path\": \"$ZS_KEYDIR/test-rsa-2048.pem\"}"
cp "$CONF" "$ZS_TMP/conf.b"
c=0
clients=
while [ $c -lt $LOAD_CLIENTS ]; do
	(
		n=0
		while [ $n -lt $LOAD_ROUNDS ]; do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
			    --unix-socket "$ZS_SOCK" -H 'Content-Type: application/json' \
			    --data-binary "@$ZS_TMP/req.json" http://zsign/v1/sign
			n=$((n + 1))
		done
	) >"$ZS_TMP/load.$c" &
	clients="$clients $!"
	c=$((c + 1))
done
r=0
while [ $r -lt $LOAD_RELOADS ]; do
	if [ $((r % 2)) -eq 0 ]; then cp "$ZS_TMP/conf.b" "$CONF"; else cp "$ZS_TMP/conf.a" "$CONF"; fi
	kill -HUP "$ZS_PID"
	sleep 0.2
	r=$((r + 1))
done
# Each curl is bounded by --max-time, so are the clients.
# shellcheck disable=SC2086
wait $clients
codes=$(cat "$ZS_TMP"/load.* | sort | uniq -c | sed 's/^ *//')
zs_is "$codes" "$((LOAD_CLIENTS * LOAD_ROUNDS)) 200" \
    "$((LOAD_CLIENTS * LOAD_ROUNDS)) signatures during $LOAD_RELOADS reloads: all 200"
scrape
[ "$(metric 'zsignd_config_reloads_total{result="ok"}')" -ge $((LOAD_RELOADS + 1)) ] &&
    [ "$(metric 'zsignd_config_reloads_total{result="failed"}')" = 2 ]
zs_ok $? "reloads_total counts applied and refused reloads"
zs_is "$(metric zsignd_requests_in_flight)" 0 "nothing left in flight"

# The access list: nobody may read /metrics any more.
write_conf "{\"name\": \"ed\", \"path\": \"$ZS_KEYDIR/test-ed25519.pem\"}" \
    '"metrics": {"allow": []}'
kill -HUP "$ZS_PID"
zs_wait_log "configuration reloaded \(#$((LOAD_RELOADS + 5))\)"
zs_curl GET /metrics
zs_is "$ZS_STATUS:$(zs_json .error.code)" "403:forbidden" \
    "metrics.allow [] shuts /metrics"

zs_stop_zsignd
rc=$?
notify_has '^STOPPING=1$' 2
zs_ok $((rc + $?)) "SIGTERM: STOPPING=1 and exit 0"
kill "$nrpid" 2>/dev/null
wait "$nrpid" 2>/dev/null
zs_check_log "no sanitizer reports"

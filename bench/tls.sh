#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Signing throughput over TLS beside the Unix socket: one zsignd with both
# listeners, 16 keep-alive connections each, ECDSA P-256, a 64 KiB image.
# Usage: bench/tls.sh [BUILD_DIR] (default ./build); ZS_BENCH_SECONDS=10.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/build}" && pwd)
SECS=${ZS_BENCH_SECONDS:-10}
CONNS=${ZS_BENCH_CONNS:-16}
T=$(mktemp -d /tmp/zs-bench-tls.XXXXXX)
ZPID=
trap '[ -n "$ZPID" ] && kill $ZPID 2>/dev/null; rm -rf "$T"' EXIT INT TERM

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$T/$1.key" 2>/dev/null
}
key ca
openssl req -x509 -new -key "$T/ca.key" -subj "/CN=bench CA" -days 1 \
    -out "$T/ca.pem" 2>/dev/null
for n in srv client; do
	key $n
	openssl req -new -key "$T/$n.key" -subj "/CN=$n" -out "$T/$n.csr" \
	    2>/dev/null
	echo "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$T/$n.ext"
	openssl x509 -req -in "$T/$n.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	    -CAcreateserial -days 1 -extfile "$T/$n.ext" -out "$T/$n.pem" \
	    2>/dev/null
done
key dev
head -c 65536 /dev/urandom >"$T/in.bin"
printf '{"tool":"imgtool","key":"dev","args":["--version","1.0.0","--header-size","0x200","--pad-header","--align","4","--slot-size","0x40000","in.bin","out.bin"],"files":{"in.bin":"%s"}}' \
    "$(base64 -w0 "$T/in.bin")" >"$T/body.json"

"$B/zsignd" -l "unix:$T/sock" -l tcp:127.0.0.1:0 -k "dev=$T/dev.key" \
    --tls-cert "$T/srv.pem" --tls-key "$T/srv.key" \
    --tls-client-ca "$T/ca.pem" >"$T/log" 2>&1 &
ZPID=$!
i=0
until [ -S "$T/sock" ] && grep -q "listening on tcp" "$T/log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$T/log" >&2; exit 1; }
	sleep 0.1
done
PORT=$(sed -n 's/.*listening on tcp:[^ ]*:\([0-9][0-9]*\) (TLS).*/\1/p' "$T/log")

echo "zsignd $(nproc) cores, $CONNS connections, ${SECS}s each, ECDSA P-256, 64 KiB image"
echo "--- unix socket"
"$B/bench/zsign-tls-load" -U "$T/sock" -b "$T/body.json" -c "$CONNS" \
    -d "$SECS" | grep -E "^valid"
echo "--- TLS (client certificate, keep-alive)"
"$B/bench/zsign-tls-load" -u "https://127.0.0.1:$PORT" -b "$T/body.json" \
    -C "$T/ca.pem" -E "$T/client.pem" -K "$T/client.key" -c "$CONNS" \
    -d "$SECS" -m 100,0,0,0,0 | grep -E "^valid"

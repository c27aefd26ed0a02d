#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/pkcs11.sh [BUILDDIR]: signs per second with the SoftHSM2 test
# token's keys beside the same keys as PEM files: through the key store in
# process (bench/pkcs11-bench, 1 and 4 threads), then through zsignd
# (bench/zsign-load, 4 keep-alive connections, a 4 KiB imgtool image).
# Needs softhsm2; loopback only; takes ~45 s (ZS_BENCH_SECS per daemon run).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
signs=${ZS_BENCH_SIGNS:-400}
secs=${ZS_BENCH_SECS:-3}
tmp=$(mktemp -d /tmp/zs-p11-bench.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

sh "$top/scripts/softhsm-setup.sh" "$tmp/hsm"
. "$tmp/hsm/env"
ZSIGN_PKCS11_HELPER=$build/zsign-pkcs11-helper
export ZSIGN_PKCS11_HELPER
KEYS="ecdsa-p256 ecdsa-p384 rsa-2048 rsa-3072 ed25519"

uri() {
	echo "pkcs11:token=$ZS_P11_TOKEN;object=$1?module-path=$ZS_P11_MODULE&pin-source=file:$ZS_P11_PIN_FILE"
}

echo "key store, in process:"
for threads in 1 4; do
	for k in $KEYS; do
		"$build/bench/pkcs11-bench" -t "$threads" -n "$signs" \
		    "$k=$top/tests/keys/test-$k.pem" "$k=$(uri "$k")"
	done
done

set --
for k in $KEYS; do
	set -- "$@" -k "pem-$k=$top/tests/keys/test-$k.pem" -k "tok-$k=$(uri "$k")"
done
"$build/zsignd" -d -l "unix:$tmp/s" "$@" >"$tmp/zsignd.log" 2>&1 &
pid=$!
i=0
until [ -S "$tmp/s" ] && "$build/zsign-client" --server "unix:$tmp/s" \
    health >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || { echo "zsignd did not start" >&2; exit 1; }
	sleep 0.1
done
{ head -c 512 /dev/zero; head -c 3584 /dev/urandom; } | base64 -w0 >"$tmp/img"
echo "zsignd, 4 connections, imgtool sign of 4 KiB:"
for k in $KEYS; do
	for kind in pem tok; do
		printf '{"tool":"imgtool","key":"%s-%s","args":["--version",' \
		    "$kind" "$k" >"$tmp/body.json"
		printf '"1.2.3","--header-size","0x200","--slot-size","0x10000",' \
		    >>"$tmp/body.json"
		printf '"zephyr.bin","zephyr.signed.bin"],"files":{"zephyr.bin":"%s"}}' \
		    "$(cat "$tmp/img")" >>"$tmp/body.json"
		printf '%-16s ' "$kind-$k"
		"$build/bench/zsign-load" load -s "$tmp/s" -c 4 -d "$secs" \
		    -b "$tmp/body.json"
	done
done

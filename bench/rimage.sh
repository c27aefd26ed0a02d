#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/rimage.sh [BUILDDIR]: time to sign a 1 MiB SOF (ACE 1.5, RSA-3072
# PSS) image, in process (bench/rimage-bench), through zsignd alone (one
# keep-alive connection, a prepared request body: bench/zsign-load) and
# end to end through zsign-client (one client process per signature, as
# west sign runs it). Loopback only; takes ~15 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
runs=${ZS_BENCH_RUNS:-50}
tmp=$(mktemp -d /tmp/zs-rimage-bench.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$build/bench/rimage-bench" -n "$runs"
"$build/bench/rimage-bench" -w "$tmp"
"$build/zsignd" -d -l "unix:$tmp/s" \
    -k "rsa3072-a=$top/tests/vectors/rimage/keys/rsa3072-a.pem" \
    >"$tmp/zsignd.log" 2>&1 &
pid=$!
i=0
until [ -S "$tmp/s" ] && "$build/zsign-client" --server "unix:$tmp/s" \
    health >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || { echo "zsignd did not start" >&2; exit 1; }
	sleep 0.1
done
cd "$tmp"
# The request zsign-client would send, for the daemon-only figure.
{
	printf '{"tool":"rimage","key":"rsa3072-a","date":"2024-03-15",'
	printf '"args":["-o","zephyr.ri","-k","k","-e","-f","2.10.0","-b","1",'
	printf '"-c","mtl.toml","boot.mod","main.mod"],"files":{'
	sep=
	for f in mtl.toml boot.mod main.mod; do
		printf '%s"%s":"%s"' "$sep" "$f" "$(base64 -w0 "$f")"
		sep=,
	done
	printf '}}'
} >body.json
printf "zsignd alone (keep-alive, prepared body): "
"$build/bench/zsign-load" load -s "$tmp/s" -c 1 -d 5 -b body.json
set -- "$build/zsign-client" --server "unix:$tmp/s" rimage -o zephyr.ri \
    -k zsign:rsa3072-a -e -f 2.10.0 -b 1 -c mtl.toml boot.mod main.mod
"$@"
# Timed by zsign-load (posix_spawn, monotonic clock): timing with
# $(date +%s%N) in the shell counted one date process (1.2 ms) per run.
printf 'zsign-client rimage -> zsignd, %d-byte image: ' \
    "$(stat -c %s zephyr.ri)"
"$build/bench/zsign-load" exec -n "$runs" -- "$@"

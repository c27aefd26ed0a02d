#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark zsignd on this machine: signs/s and latency at 1, 4, 16 and 64
# concurrent connections for 256 KiB images (ECDSA P-256 and Ed25519), the
# time of one zsign-client process, the daemon's RSS idle and under load,
# and throughput as a share of the in-process mcuboot_sign() limit.
# Usage: sh bench/run.sh [BUILD_DIR] (default ./build; build it first).
# Environment: SECS (seconds per load run, default 3), RUNS (client runs
# for the median, default 21), CONNS (default "1 4 16 64").
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${1:-$top/build}" && pwd) || exit 1
SECS=${SECS:-3}
RUNS=${RUNS:-21}
CONNS=${CONNS:-"1 4 16 64"}
for p in zsignd zsign-client bench/zsign-load; do
	[ -x "$b/$p" ] || { echo "run.sh: $b/$p missing; build first" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

sock=$tmp/zsignd.sock
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/p256.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
head -c 262144 /dev/urandom >"$tmp/img.bin"
"$b/zsignd" -q -l "unix:$sock" -k "p256=$tmp/p256.pem" \
    -k "ed25519=$tmp/ed25519.pem" 2>"$tmp/zsignd.log" &
pid=$!
i=0
until "$b/zsign-client" --server "unix:$sock" health >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "zsignd did not start:" >&2; cat "$tmp/zsignd.log" >&2; exit 1; }
	sleep 0.05
done
sleep 1
rss_idle=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
ncpu=$(nproc)

# imgtool arguments of every signing: header room added, 512 KiB slot.
ARGS='"--version","1.2.3","--header-size","0x200","--pad-header","--slot-size","0x80000","img.bin","img.signed.bin"'

echo "zsign benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $ncpu CPUs ($(uname -m)), 256 KiB images"
echo "(shared, noisy machine: other builds and tests run at the same time)"
echo "zsignd RSS idle: $rss_idle KiB"
for key in p256 ed25519; do
	{
		printf '{"tool":"imgtool","key":"%s","args":[%s],"files":{"img.bin":"' \
		    "$key" "$ARGS"
		base64 -w0 "$tmp/img.bin"
		printf '"}}'
	} >"$tmp/body-$key.json"
	inproc=$(cd "$tmp" && "$b/bench/zsign-load" inproc -k "$tmp/$key.pem" \
	    -d 2 -- --version 1.2.3 --header-size 0x200 --pad-header \
	    --slot-size 0x80000 img.bin img.signed.bin)
	inrps=$(echo "$inproc" | sed 's/.*inproc_rps=\([0-9.]*\).*/\1/')
	echo
	echo "== $key: in-process mcuboot_sign: $inproc" \
	    "(limit with $ncpu cores: $(echo "$inrps $ncpu" | awk '{ printf "%.0f", $1 * $2 }')/s)"
	printf '%6s %10s %9s %9s %9s %12s %11s\n' conns signs/s p50_ms p99_ms \
	    errors rss_max_KiB "of_limit"
	for c in $CONNS; do
		line=$("$b/bench/zsign-load" load -s "$sock" -c "$c" -d "$SECS" \
		    -w 0.5 -b "$tmp/body-$key.json" -p "$pid" 2>"$tmp/load.err")
		get() { echo "$line" | sed "s/.*$1=\([^ ]*\).*/\1/"; }
		rps=$(get rps)
		printf '%6s %10s %9s %9s %9s %12s %10s%%\n' "$c" "$rps" \
		    "$(get p50_ms)" "$(get p99_ms)" "$(get errors)" \
		    "$(get rss_max_kib)" "$(echo "$rps $inrps $ncpu" |
		    awk '{ printf "%.0f", 100 * $1 / ($2 * $3) }')"
		[ -s "$tmp/load.err" ] && sed 's/^/  /' "$tmp/load.err"
	done
	echo "one zsign-client imgtool sign process ($RUNS runs):" \
	    "$(cd "$tmp" && "$b/bench/zsign-load" exec -n "$RUNS" -- \
	    "$b/zsign-client" --server "unix:$sock" imgtool sign \
	    -k "zsign:$key" --version 1.2.3 --header-size 0x200 --pad-header \
	    --slot-size 0x80000 img.bin img.client.bin)"
done
echo
echo "zsignd RSS after load: $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status") KiB"

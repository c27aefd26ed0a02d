#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Benchmark zsignd and zsign-client on this machine, side by side with
# openssl in the same run, and print the four figures of issue 14 with
# their ratios:
#   1. 4 parallel `zsign-client imgtool sign` processes against 4 parallel
#      `openssl dgst -sha256 -sign` on the same 256 KiB file (P-256),
#      runs per second (target: ratio >= 1.0);
#   2. 1, 4, 16 and 64 MiB images: one client process against openssl
#      dgst on the same file, median wall time (target: ratio <= 3);
#   3. memory for one N-byte image: zsignd's peak above idle (target
#      <= 3N) and the client's peak above its start-up size (<= 2N);
#   4. zsignd at 1, 4, 16, 64 connections (256 KiB, binary form, as the
#      client sends it) as a share of the in-process mcuboot_sign() limit,
#      measured for 1 s right before and right after each load run (the
#      mean), since the machine's load moves within seconds (target at
#      16: >= 50%).
# The machine's load average is printed with each part.
# Usage: sh bench/run.sh [BUILD_DIR] (default ./build; build it first).
# Environment: SECS (seconds per load run, default 3), RUNS (runs of part
# 1, default 200; 0 skips it), SIZES (MiB, default "1 4 16 64"; empty
# skips parts 2-3), CONNS (default "1 4 16 64"; empty skips part 4).
# Part 4 alone: SIZES= RUNS=0 CONNS=16 sh bench/run.sh build; part 2
# alone: SIZES="1 4 16 64" RUNS=0 CONNS= sh bench/run.sh build
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${1:-$top/build}" && pwd) || exit 1
SECS=${SECS:-3}
RUNS=${RUNS:-200}
SIZES=${SIZES-"1 4 16 64"}
CONNS=${CONNS-"1 4 16 64"}
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

load() { cut -d' ' -f1-3 /proc/loadavg; }
get() { echo "$1" | sed "s/.*$2=\([^ ]*\).*/\1/"; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
kib() { awk "/^$1:/ { print \$2 }" "/proc/$pid/status"; }

sock=$tmp/zsignd.sock
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/p256.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
head -c 262144 /dev/urandom >"$tmp/img.bin"
# Default limits: 64 MiB images must pass them (part 2).
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
rss_idle=$(kib VmRSS)
ncpu=$(nproc)
OPENSSL=$(command -v openssl)
ZC="$b/zsign-client --server unix:$sock"
EX="$b/bench/zsign-load exec"

echo "zsign benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $ncpu CPUs ($(uname -m))"
echo "zsignd RSS idle: $rss_idle KiB; zsign-client loads" \
    "$(ldd "$b/zsign-client" | grep -c '=>') shared libraries"

# Part 1: two rounds, openssl and client alternating, RUNS/2 runs each.
if [ "$RUNS" -gt 0 ]; then
	echo
	echo "== 1. 256 KiB, P-256, 4 processes at a time, $RUNS runs each (load $(load))"
	half=$((RUNS / 2))
	zr=0 orr=0
	for round in 1 2; do
		o=$(cd "$tmp" && $EX -n "$half" -j 4 -- "$OPENSSL" dgst \
		    -sha256 -sign p256.pem -out sig.bin img.bin)
		z=$(cd "$tmp" && $EX -n "$half" -j 4 -- $ZC imgtool sign -k zsign:p256 \
		    --version 1.2.3 --header-size 0x200 --pad-header \
		    --slot-size 0x80000 img.bin img.client.bin)
		echo "  round $round: openssl dgst -sign $(get "$o" runs_per_s)/s" \
		    "(median $(get "$o" median_ms) ms), zsign-client" \
		    "$(get "$z" runs_per_s)/s (median $(get "$z" median_ms) ms)"
		orr=$(echo "$orr $(get "$o" runs_per_s)" | awk '{ print $1 + $2 }')
		zr=$(echo "$zr $(get "$z" runs_per_s)" | awk '{ print $1 + $2 }')
	done
	echo "goal 1: zsign-client $(echo "$zr" | awk '{ printf "%.0f", $1 / 2 }')/s," \
	    "openssl $(echo "$orr" | awk '{ printf "%.0f", $1 / 2 }')/s:" \
	    "ratio $(ratio "$zr" "$orr") (target >= 1.0)"
fi

# Parts 2 and 3: one image of each size, P-256, default limits.
echo
echo "== 2-3. one image, P-256: median wall time, peak memory (load $(load))"
su=$($EX -n 3 -- $ZC --version | tail -n 1)
rss_start=$(get "$su" maxrss_kib)
echo "zsign-client start-up max RSS: $rss_start KiB"
printf '%8s %11s %11s %7s %14s %8s %14s %8s\n' MiB openssl_ms \
    client_ms ratio zsignd_peak_N x_N client_peak_N x_N
worst2=0 worst3d=0 worst3c=0
for m in $SIZES; do
	n=$((m * 1048576))
	head -c "$n" /dev/urandom >"$tmp/s.bin"
	runs=5
	[ "$m" -ge 64 ] && runs=3
	slot=$(printf '0x%x' $((n + 1048576)))
	o=$(cd "$tmp" && $EX -n "$runs" -- "$OPENSSL" dgst -sha256 \
	    -sign p256.pem -out sig.bin s.bin)
	idle=$(kib VmRSS)
	echo 5 >"/proc/$pid/clear_refs"
	z=$(cd "$tmp" && $EX -n "$runs" -- $ZC imgtool sign -k zsign:p256 \
	    --version 1.2.3 --header-size 0x200 --pad-header \
	    --slot-size "$slot" s.bin s.signed.bin) || {
		echo "$m MiB: zsign-client failed" >&2
		continue
	}
	hwm=$(kib VmHWM)
	dpeak=$(((hwm - idle) * 1024))
	cpeak=$((($(get "$z" maxrss_kib) - rss_start) * 1024))
	r2=$(ratio "$(get "$z" median_ms)" "$(get "$o" median_ms)")
	r3d=$(ratio "$dpeak" "$n")
	r3c=$(ratio "$cpeak" "$n")
	printf '%8s %11s %11s %7s %14s %8s %14s %8s\n' "$m" \
	    "$(get "$o" median_ms)" "$(get "$z" median_ms)" "$r2" \
	    "$((dpeak / 1024)) KiB" "$r3d" "$((cpeak / 1024)) KiB" "$r3c"
	worst2=$(echo "$worst2 $r2" | awk '{ print ($2 > $1) ? $2 : $1 }')
	worst3d=$(echo "$worst3d $r3d" | awk '{ print ($2 > $1) ? $2 : $1 }')
	worst3c=$(echo "$worst3c $r3c" | awk '{ print ($2 > $1) ? $2 : $1 }')
done
rm -f "$tmp/s.bin" "$tmp/s.signed.bin"
echo "goal 2: worst client/openssl time ratio $worst2 (target <= 3)"
echo "goal 3: worst zsignd peak $worst3d N (target <= 3), worst client" \
    "peak $worst3c N (target <= 2)"

if [ -z "$CONNS" ]; then
	echo
	echo "zsignd RSS at the end: $(kib VmRSS) KiB; load $(load)"
	exit 0
fi

# Part 4: throughput against the in-process limit, binary form.
# inproc KEY: one core's mcuboot_sign() rate for 1 s, now.
inproc() {
	get "$(cd "$tmp" && "$b/bench/zsign-load" inproc -k "$tmp/$1.pem" \
	    -d 1 -- --version 1.2.3 --header-size 0x200 --pad-header \
	    --slot-size 0x80000 img.bin img.signed.bin)" inproc_rps
}
ARGS='"--version","1.2.3","--header-size","0x200","--pad-header","--slot-size","0x80000","img.bin","img.signed.bin"'
echo
for key in p256 ed25519; do
	{
		printf '{"tool":"imgtool","key":"%s","args":[%s],"files":{"img.bin":262144}}\n' \
		    "$key" "$ARGS"
		cat "$tmp/img.bin"
	} >"$tmp/body-$key.bin"
	echo "== 4. $key, 256 KiB (load $(load)); limit: the in-process" \
	    "mcuboot_sign() rate of one core, around each run, x $ncpu"
	printf '%6s %10s %9s %9s %9s %12s %10s %9s\n' conns signs/s p50_ms \
	    p99_ms errors rss_max_KiB limit/s "of_limit"
	for c in $CONNS; do
		i1=$(inproc "$key")
		line=$("$b/bench/zsign-load" load -s "$sock" -c "$c" -d "$SECS" \
		    -w 0.5 -b "$tmp/body-$key.bin" -t application/vnd.zsign.v1+bin \
		    -a application/vnd.zsign.v1+bin -p "$pid" 2>"$tmp/load.err")
		i2=$(inproc "$key")
		limit=$(echo "$i1 $i2 $ncpu" | awk '{ printf "%.0f", ($1 + $2) / 2 * $3 }')
		rps=$(get "$line" rps)
		share=$(echo "$rps $limit" |
		    awk '{ printf "%.0f", 100 * $1 / $2 }')
		printf '%6s %10s %9s %9s %9s %12s %10s %8s%%\n' "$c" "$rps" \
		    "$(get "$line" p50_ms)" "$(get "$line" p99_ms)" \
		    "$(get "$line" errors)" "$(get "$line" rss_max_kib)" \
		    "$limit" "$share"
		[ -s "$tmp/load.err" ] && sed 's/^/  /' "$tmp/load.err"
		[ "$key" = p256 ] && [ "$c" = 16 ] && goal4=$share
	done
done
echo "goal 4: P-256 at 16 connections: ${goal4:-?}% of the in-process limit" \
    "(target >= 50%)"
echo
echo "zsignd RSS after load: $(kib VmRSS) KiB; load $(load)"

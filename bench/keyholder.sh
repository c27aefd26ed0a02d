#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the key holder costs: signs per second of two zsignd builds side by
# side in one run, the same keys and the same 256 KiB imgtool requests
# (JSON form) from bench/zsign-load, rounds alternating between the builds
# so that the machine's load hits both alike. Prints each build's median
# signs per second and CPU time per sign (zsignd and its children, the
# key holder, from /proc: what a busy shared machine disturbs least) per
# key and connection count, and after/before.
# Usage: sh bench/keyholder.sh BEFORE_BUILD_DIR [AFTER_BUILD_DIR]
# (AFTER defaults to ./build). Environment: SECS (per load run, default 3),
# ROUNDS (default 3), CONNS (default "1 16").
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BEFORE_BUILD_DIR [AFTER_BUILD_DIR]" >&2; exit 2; }
before=$(cd "$1" && pwd) || exit 1
after=$(cd "${2:-$top/build}" && pwd) || exit 1
SECS=${SECS:-3}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-"1 16"}
for b in "$before" "$after"; do
	for p in zsignd zsign-client bench/zsign-load; do
		[ -x "$b/$p" ] || { echo "$0: $b/$p missing; build first" >&2; exit 1; }
	done
done
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/p256.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/ed25519.pem" 2>/dev/null
head -c 262144 /dev/urandom >"$tmp/img.bin"
ARGS='"--version","1.2.3","--header-size","0x200","--pad-header","--slot-size","0x80000","img.bin","img.signed.bin"'
for key in p256 ed25519; do
	{
		printf '{"tool":"imgtool","key":"%s","args":[%s],"files":{"img.bin":"' \
		    "$key" "$ARGS"
		base64 -w0 "$tmp/img.bin"
		printf '"}}'
	} >"$tmp/body-$key.json"
done
# cpu PID: CPU ticks (user + system) of PID and its children.
cpu() {
	for p in "$1" $(pgrep -P "$1"); do
		awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat"
	done | awk '{ t += $1 } END { print t + 0 }'
}
hz=$(getconf CLK_TCK)
for w in before after; do
	eval b=\$$w
	"$b/zsignd" -q -l "unix:$tmp/$w.sock" -k "p256=$tmp/p256.pem" \
	    -k "ed25519=$tmp/ed25519.pem" 2>"$tmp/$w.log" &
	pids="$pids $!"
	eval pid_$w=$!
	i=0
	until "$b/zsign-client" --server "unix:$tmp/$w.sock" health \
	    >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "$w zsignd did not start:" >&2; cat "$tmp/$w.log" >&2; exit 1; }
		sleep 0.05
	done
done

echo "key holder cost: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "before: $before"
echo "after:  $after"
for r in $(seq "$ROUNDS"); do
	for key in p256 ed25519; do
		for c in $CONNS; do
			for w in before after; do
				eval b=\$$w pid=\$pid_$w
				t0=$(cpu "$pid")
				line=$("$b/bench/zsign-load" load -s "$tmp/$w.sock" \
				    -c "$c" -d "$SECS" -w 0 -b "$tmp/body-$key.json" \
				    2>/dev/null)
				t1=$(cpu "$pid")
				echo "$line" | sed "s/.*rps=\([^ ]*\).*/\1/" \
				    >>"$tmp/$key-$c-$w"
				echo "$line $t0 $t1" | awk -v hz="$hz" '{
				    sub(/.*ok=/, ""); split($0, f, " ")
				    printf "%.3f\n", 1000 * ($NF - $(NF - 1)) / hz / f[1] }' \
				    >>"$tmp/cpu-$key-$c-$w"
			done
		done
	done
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
printf '%8s %6s %9s %9s %6s %12s %12s %6s\n' key conns "signs/s" "signs/s" \
    ratio "cpu_ms/sign" "cpu_ms/sign" ratio
printf '%8s %6s %9s %9s %6s %12s %12s %6s\n' "" "" before after "" before \
    after ""
for key in p256 ed25519; do
	for c in $CONNS; do
		mb=$(median "$tmp/$key-$c-before")
		ma=$(median "$tmp/$key-$c-after")
		cb=$(median "$tmp/cpu-$key-$c-before")
		ca=$(median "$tmp/cpu-$key-$c-after")
		printf '%8s %6s %9s %9s %6s %12s %12s %6s\n' "$key" "$c" "$mb" \
		    "$ma" "$(ratio "$ma" "$mb")" "$cb" "$ca" "$(ratio "$ca" "$cb")"
	done
done
echo "(median of $ROUNDS runs of ${SECS} s each; load $(cut -d' ' -f1-3 /proc/loadavg))"

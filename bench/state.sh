#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the key rules' state store costs: zsignd signing 256 KiB images
# with a P-256 key at 16 connections (bench/zsign-load, binary form) with
# no rules, with rules (anti_rollback + max_per_hour) on SQLite, and with
# the same rules on a PostgreSQL started here (tests/e2e/pg-lib.sh: Unix
# socket, fsync on), side by side in one run, ROUNDS times interleaved;
# the median of each is printed with its ratio to no rules (issue 10's
# target: SQLite costs at most 15 %). Every configuration keeps an audit
# log (synced per request), as a deployment with rules does.
# Usage: sh bench/state.sh [BUILD_DIR] (default ./build; build it first).
# Environment: SECS (seconds per run, default 3), ROUNDS (default 3),
# CONNS (default 16), WORKERS (zsignd's signing threads, default 16: with
# a synced store a worker waits on the disk, and commits that queue up
# meanwhile share one sync).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${1:-$top/build}" && pwd) || exit 1
SECS=${SECS:-3}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-16}
WORKERS=${WORKERS:-16}
for p in zsignd bench/zsign-load; do
	[ -x "$b/$p" ] || { echo "state.sh: $b/$p missing; build first" >&2; exit 1; }
done
tmp=$(mktemp -d)
pid=
. "$top/tests/e2e/pg-lib.sh"
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	pg_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

get() { echo "$1" | sed "s/.*$2=\([^ ]*\).*/\1/"; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)] }'; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/p256.pem" 2>/dev/null
head -c 262144 /dev/urandom >"$tmp/img.bin"
{
	printf '{"tool":"imgtool","key":"p256","args":["--version","1.2.3",'
	printf '"--header-size","0x200","--pad-header","--slot-size",'
	printf '"0x80000","img.bin","img.signed.bin"],"files":{"img.bin":262144}}\n'
	cat "$tmp/img.bin"
} >"$tmp/body.bin"

configs="none sqlite"
if pg_available && pg_setup "$tmp/pg" && PG_FSYNC=on pg_start; then
	configs="$configs postgresql"
else
	echo "state.sh: no PostgreSQL (scripts/deps.sh): skipping it" >&2
fi

# conf NAME: the configuration of one run.
conf() {
	case $1 in
	none) rules='' state='' ;;
	sqlite) rules=', "rules": {"anti_rollback": true, "max_per_hour": 1000000}'
		state=", \"state\": \"sqlite:$tmp/state.db\"" ;;
	postgresql) rules=', "rules": {"anti_rollback": true, "max_per_hour": 1000000}'
		state=", \"state\": \"$PG_URL\"" ;;
	esac
	cat >"$tmp/$1.json" <<EOC
{"keys": [{"name": "p256", "path": "$tmp/p256.pem"$rules}],
 "workers": $WORKERS, "audit": {"path": "$tmp/audit-$1.log"}$state}
EOC
}

run() {
	PGPASSFILE=${PG_PASSFILE:-} "$b/zsignd" -q -l "unix:$tmp/sock" \
	    -c "$tmp/$1.json" 2>"$tmp/zsignd.log" &
	pid=$!
	i=0
	until [ -S "$tmp/sock" ] && curl -s -o /dev/null --unix-socket \
	    "$tmp/sock" http://zsign/v1/health; do
		i=$((i + 1))
		[ $i -gt 200 ] && { cat "$tmp/zsignd.log" >&2; exit 1; }
		sleep 0.05
	done
	line=$("$b/bench/zsign-load" load -s "$tmp/sock" -c "$CONNS" \
	    -d "$SECS" -w 0.5 -b "$tmp/body.bin" \
	    -t application/vnd.zsign.v1+bin -a application/vnd.zsign.v1+bin \
	    2>"$tmp/load.err")
	kill "$pid" && wait "$pid"
	pid=
	rm -f "$tmp/sock"
	[ "$(get "$line" errors)" = 0 ] || { echo "errors: $line" >&2;
	    cat "$tmp/load.err" >&2; }
	echo "$line"
}

for c in $configs; do
	conf "$c"
	eval "rps_$c="
done
echo "zsignd, P-256, 256 KiB images, $CONNS connections, $WORKERS workers," \
    "${SECS}s runs, $ROUNDS rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %12s %10s %9s %9s\n' round state signs/s p50_ms p99_ms
r=1
while [ $r -le "$ROUNDS" ]; do
	for c in $configs; do
		line=$(run "$c")
		printf '%6s %12s %10s %9s %9s\n' "$r" "$c" "$(get "$line" rps)" \
		    "$(get "$line" p50_ms)" "$(get "$line" p99_ms)"
		eval "rps_$c=\"\$rps_$c $(get "$line" rps)\""
	done
	r=$((r + 1))
done
base=$(echo "$rps_none" | median)
for c in $configs; do
	m=$(eval echo "\$rps_$c" | median)
	echo "$c: median $m signs/s, $(echo "$m $base" |
	    awk '{ printf "%.2f", $1 / $2 }') of no rules"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"

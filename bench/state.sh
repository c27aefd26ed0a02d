#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What the key rules' state store costs: zsignd signing 256 KiB images
# with one P-256 key at 16 connections (bench/zsign-load, binary form)
# with no rules, with rules (anti_rollback + max_per_hour) on SQLite, and
# with the same rules on a PostgreSQL started here (tests/e2e/pg-lib.sh:
# Unix socket, fsync on), side by side in one run. All three sign the
# same request with the same key and keep a synced audit log, as a
# deployment with rules does. Each round runs the three once, the order
# reversed every other round so that a machine getting busier or quieter
# favours none of them. The store and the audit logs are kept from round
# to round, as a server keeps them: a cost that grows with the store shows
# as a falling per-round ratio instead of being reset away. Printed: each
# run's signs/s, latency and CPU time per sign (zsignd and its key
# holder), then each configuration's median signs/s and its ratio to no
# rules (issue 10's target: SQLite costs at most 15 %, a ratio >= 0.85).
# Usage: sh bench/state.sh [BUILD_DIR] (default ./build; build it first).
# Environment: SECS (seconds per run, default 3), ROUNDS (default 5),
# CONNS (default 16), WORKERS (zsignd's signing threads, default 16: with
# a synced store a worker waits on the disk, and commits that queue up
# meanwhile share one sync).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$(cd "${1:-$top/build}" && pwd) || exit 1
SECS=${SECS:-3}
ROUNDS=${ROUNDS:-5}
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

# cpu PID: CPU ticks (user + system) of PID and its children.
cpu() {
	for p in "$1" $(pgrep -P "$1"); do
		awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat"
	done | awk '{ t += $1 } END { print t + 0 }'
}
hz=$(getconf CLK_TCK)

# run NAME: one run; prints zsign-load's line and " cpu_ms=" per sign.
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
	t0=$(cpu "$pid")
	n0=$(wc -l <"$tmp/audit-$1.log")
	line=$("$b/bench/zsign-load" load -s "$tmp/sock" -c "$CONNS" \
	    -d "$SECS" -w 0.5 -b "$tmp/body.bin" \
	    -t application/vnd.zsign.v1+bin -a application/vnd.zsign.v1+bin \
	    2>"$tmp/load.err")
	t1=$(cpu "$pid")
	n1=$(wc -l <"$tmp/audit-$1.log")
	kill "$pid" && wait "$pid"
	pid=
	rm -f "$tmp/sock"
	[ "$(get "$line" errors)" = 0 ] || { echo "errors: $line" >&2;
	    cat "$tmp/load.err" >&2; }
	# Signs counted by their audit lines, the warm-up's included.
	echo "$line cpu_ms=$(echo "$t0 $t1 $n0 $n1" | awk -v hz="$hz" \
	    '{ printf "%.3f", ($2 - $1) * 1000 / hz / ($4 - $3) }')"
}

# ratio A B: A / B to two places.
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }

rconfigs=
for c in $configs; do
	conf "$c"
	eval "rps_$c= cpu_$c="
	rconfigs="$c $rconfigs"
done
echo "zsignd, P-256, 256 KiB images, $CONNS connections, $WORKERS workers," \
    "${SECS}s runs, $ROUNDS rounds, $(nproc) CPUs;" \
    "$(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%6s %12s %10s %9s %9s %12s %10s\n' round state signs/s p50_ms \
    p99_ms cpu_ms/sign "of none"
r=1
while [ $r -le "$ROUNDS" ]; do
	# Odd rounds in the listed order, even rounds reversed.
	order=$configs
	[ $((r % 2)) = 0 ] && order=$rconfigs
	for c in $order; do
		eval "line_$c=\$(run \"\$c\")"
	done
	for c in $configs; do
		eval "line=\$line_$c"
		printf '%6s %12s %10s %9s %9s %12s %10s\n' "$r" "$c" \
		    "$(get "$line" rps)" "$(get "$line" p50_ms)" \
		    "$(get "$line" p99_ms)" "$(get "$line" cpu_ms)" \
		    "$(ratio "$(get "$line" rps)" "$(get "$line_none" rps)")"
		eval "rps_$c=\"\$rps_$c $(get "$line" rps)\""
		eval "cpu_$c=\"\$cpu_$c $(get "$line" cpu_ms)\""
	done
	r=$((r + 1))
done
base=$(echo "$rps_none" | median)
for c in $configs; do
	m=$(eval echo "\$rps_$c" | median)
	echo "$c: median $m signs/s, $(ratio "$m" "$base") of no rules;" \
	    "median $(eval echo "\$cpu_$c" | median) ms CPU per sign"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"

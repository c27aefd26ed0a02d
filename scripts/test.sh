#!/bin/sh
# Build zsign twice (warnings as errors; ASan+UBSan) and run every test in
# both builds. Ends with one line: "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh || exit 1
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed" >&2; exit 1; }

pass=0
fail=0
status=0
run_build() {	# dir, configure flags...
	dir=$1
	shift
	mkdir -p "$dir"
	( cd "$dir" && { [ -f Makefile ] || ../configure --enable-werror "$@" >configure.out 2>&1; } ) ||
	    { echo "configure failed in $dir" >&2; cat "$dir/configure.out" >&2; status=1; return; }
	if ! make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1; then
		tail -40 "$dir/make.out" >&2
		echo "build failed in $dir" >&2
		status=1
		fail=$((fail + 1))
		return
	fi
	make -C "$dir" -j"$(nproc)" check >"$dir/check.out" 2>&1 || status=1
	grep -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP):' "$dir/check.out" | sed "s|^|[$dir] |"
	p=$(sed -n 's/^# PASS: *//p' "$dir/check.out" | tail -1)
	x=$(sed -n 's/^# XFAIL: *//p' "$dir/check.out" | tail -1)
	f=$(sed -n 's/^# FAIL: *//p' "$dir/check.out" | tail -1)
	e=$(sed -n 's/^# ERROR: *//p' "$dir/check.out" | tail -1)
	xp=$(sed -n 's/^# XPASS: *//p' "$dir/check.out" | tail -1)
	if [ -z "$p" ]; then
		tail -40 "$dir/check.out" >&2
		fail=$((fail + 1))
		status=1
		return
	fi
	pass=$((pass + p + ${x:-0}))
	fail=$((fail + ${f:-0} + ${e:-0} + ${xp:-0}))
	for log in $(grep -lE '^(FAIL|ERROR)' $(find "$dir/tests" -name '*.log' 2>/dev/null) 2>/dev/null); do
		echo "---- $log" >&2
		tail -30 "$log" >&2
	done
}

run_build build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_build build-asan --enable-asan
[ "$fail" -gt 0 ] && status=1
echo "$pass passed, $fail failed"
exit $status

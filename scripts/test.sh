#!/bin/sh
# Build zsign twice (warnings as errors; ASan+UBSan) and run every test in
# both builds, then run each libFuzzer target briefly, then build and check
# the Debian packages (tests/deb/packages.sh). Ends with one line:
# "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh || exit 1
[ -x configure ] || ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed" >&2; exit 1; }

pass=0
fail=0
status=0
# configured DIR ARGS...: is DIR configured, with exactly these configure
# arguments? A build/ that scripts/demo.sh configured without
# --enable-werror must not be reused, silently dropping -Werror.
configured() {
	cf_dir=$1
	shift
	[ -f "$cf_dir/Makefile" ] || return 1
	cf_got=$(cd "$cf_dir" && ./config.status --config 2>/dev/null | tr -d "'")
	[ "$cf_got" = "$*" ] && return 0
	echo "$cf_dir: configured with '$cf_got', not '$*': configuring again" >&2
	return 1
}

run_build() {	# dir, configure flags...
	dir=$1
	shift
	mkdir -p "$dir"
	( cd "$dir" && { configured . --enable-werror "$@" || ../configure --enable-werror "$@" >configure.out 2>&1; } ) ||
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

# Build the libFuzzer targets with clang and run each briefly over its seed
# corpus, so every parser's fuzzer compiles and holds on known inputs; a
# target with fewer than FUZZ_MIN_COUNTERS coverage counters is blind (the
# code it tests was built without instrumentation) and fails.
FUZZ_MIN_COUNTERS=100
run_fuzz() {	# dir
	dir=$1
	command -v clang >/dev/null 2>&1 || { echo "[$dir] SKIP: no clang"; return; }
	mkdir -p "$dir"
	( cd "$dir" && { configured . --enable-werror --enable-fuzzing CC=clang || CC=clang ../configure --enable-werror --enable-fuzzing >configure.out 2>&1; } ) ||
	    { echo "[$dir] FAIL: configure" ; fail=$((fail + 1)); status=1; return; }
	if ! make -C "$dir" -j"$(nproc)" >"$dir/make.out" 2>&1; then
		tail -40 "$dir/make.out" >&2
		echo "[$dir] FAIL: build"
		fail=$((fail + 1))
		status=1
		return
	fi
	for t in "$dir"/tests/fuzz/fuzz-*; do
		[ -x "$t" ] || continue
		name=${t##*/fuzz-}
		corpus=tests/fuzz/corpus/$name
		work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
		if "$t" -max_total_time=10 -rss_limit_mb=2048 "$work" >"$dir/fuzz-$name.out" 2>&1; then
			counters=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters.*/\1/p' \
			    "$dir/fuzz-$name.out" | head -1)
			if [ "${counters:-0}" -lt $FUZZ_MIN_COUNTERS ]; then
				echo "[$dir] FAIL: fuzz-$name: ${counters:-no} coverage counters (fewer than $FUZZ_MIN_COUNTERS: blind)"
				fail=$((fail + 1))
				status=1
			else
				echo "[$dir] PASS: fuzz-$name ($counters counters)"
				pass=$((pass + 1))
			fi
		else
			echo "[$dir] FAIL: fuzz-$name"
			tail -30 "$dir/fuzz-$name.out" >&2
			fail=$((fail + 1))
			status=1
		fi
		rm -rf "$work"
	done
}

# Build the Debian packages from a clean copy of the tree, lint them and
# check them unpacked (tests/deb/packages.sh, TAP); each case counts.
run_deb() {
	out=$(sh tests/deb/packages.sh 2>&1)
	echo "$out" | grep -v '^ok\|^not ok' | grep -v '^1\.\.' >&2
	echo "$out" | sed -n 's/^ok [0-9]* - \(.*# SKIP.*\)/[deb] SKIP: \1/p;
	    s/^ok [0-9]* - \(.*\)/[deb] PASS: \1/p;
	    s/^not ok [0-9]* - \(.*\)/[deb] FAIL: \1/p'
	p=$(echo "$out" | grep '^ok ' | grep -vc '# SKIP')
	f=$(echo "$out" | grep -c '^not ok ')
	planned=$(echo "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
	ran=$(echo "$out" | grep -c '^\(not \)\{0,1\}ok ')
	# A bail-out or a crash leaves cases unreported: each one fails.
	[ -n "$planned" ] && [ "$ran" -lt "$planned" ] &&
	    f=$((f + planned - ran))
	[ -z "$planned" ] && f=$((f + 1))
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -gt 0 ] && status=1
}

run_build build
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_build build-asan --enable-asan
run_fuzz build-fuzz
run_deb
[ "$fail" -gt 0 ] && status=1
echo "$pass passed, $fail failed"
exit $status

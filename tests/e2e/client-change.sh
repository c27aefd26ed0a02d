#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsign-client sends an image from its file and copies the reply's ranges
# of it from the same file into the output, so it must notice when the
# file changes in between: a stand-in server (tests/e2e/holdserver.py)
# holds the request while the test changes the input. Changed: one line,
# exit 1, the old output left as it was and no temporary file; replacing
# it by another file changes the old one's ctime (its link count) too.
# Unchanged: the output is the reply's header and the bytes sent.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

CLIENT=$ZS_TOP_BUILDDIR/zsign-client
zs_plan 9
python3 "$ZS_TOP_SRCDIR/tests/e2e/holdserver.py" "$ZS_SOCK" "$ZS_TMP" &
HOLD_PID=$!
trap 'kill $HOLD_PID 2>/dev/null; zs_cleanup' EXIT
zs_wait_path -S "$ZS_SOCK" || zs_bail "the stand-in server did not start"
cd "$ZS_TMP" || exit 1

# sign OUT CHANGE: sign in.bin into OUT, run CHANGE (a shell command) once
# the server holds the request, then let it answer; sets rc.
sign() {
	"$CLIENT" -s "unix:$ZS_SOCK" imgtool sign -k zsign:k --version 1.2.3 \
	    --header-size 0x200 --pad-header --slot-size 0x800000 in.bin \
	    "$1" >/dev/null 2>err &
	cpid=$!
	zs_wait_path -e got
	eval "$2"
	: >go
	wait $cpid
	rc=$?
}
# is_out OUT: OUT is "HEAD" and the bytes sent.
is_out() {
	{ printf HEAD; cat sent.bin; } | cmp -s - "$1"
}
notmp() {
	[ -z "$(find . -name '*.tmp*')" ]
}

head -c 4194304 /dev/urandom >in.bin
cp in.bin sent.bin
sign out.bin :
[ "$rc" = 0 ] && is_out out.bin
zs_ok $? "unchanged: the output is the header and the input (exit $rc)"

echo old >out.bin
sign out.bin 'printf X | dd of=in.bin bs=1 seek=1000 conv=notrunc 2>/dev/null'
[ "$rc" = 1 ] && [ "$(wc -l <err)" = 1 ] &&
    grep -q 'in.bin changed while it was being signed' err
zs_ok $? "a byte rewritten in place: one line, exit $rc ($(cat err))"
[ "$(cat out.bin)" = old ] && notmp
zs_ok $? "the old output is left as it was, no temporary file"

cp sent.bin in.bin
sign out.bin 'printf X >>in.bin'
[ "$rc" = 1 ] && grep -q 'in.bin changed' err && [ "$(cat out.bin)" = old ] &&
    notmp
zs_ok $? "grown while held: exit $rc ($(cat err)), the old output kept"

cp sent.bin in.bin
sign out.bin 'touch -d "2001-01-01 00:00:00" in.bin'
[ "$rc" = 1 ] && grep -q 'in.bin changed' err && [ "$(cat out.bin)" = old ]
zs_ok $? "only its times moved: exit $rc, the old output kept"

cp sent.bin in.bin
sign out.bin 'head -c 100 /dev/urandom >new.bin && mv new.bin in.bin'
[ "$rc" = 1 ] && grep -q 'in.bin changed' err && [ "$(cat out.bin)" = old ]
zs_ok $? "replaced by another file: exit $rc, the old output kept"

# The output over its own input: copied from the open file, then renamed.
cp sent.bin in.bin
sign in.bin :
[ "$rc" = 0 ] && is_out in.bin
zs_ok $? "written over its own input (exit $rc)"
notmp
zs_ok $? "no temporary file is left"

# Killed while the server holds the request, after it started the output
# (an open file of out.bin's directory): the file was never named, so
# nothing is left (O_TMPFILE; skipped where the file system has none).
cp sent.bin in.bin
rm -f out.bin
"$CLIENT" -s "unix:$ZS_SOCK" imgtool sign -k zsign:k --version 1.2.3 \
    --header-size 0x200 --pad-header --slot-size 0x800000 in.bin out.bin \
    >/dev/null 2>err &
cpid=$!
zs_wait_path -e got
# started: the client holds out.bin's temporary file open.
started() {
	ls -l "/proc/$cpid/fd" 2>/dev/null | grep -q 'out.bin.tmp\|(deleted)'
}
zs_wait started
held=$(ls -l "/proc/$cpid/fd" 2>/dev/null | grep -c "(deleted)")
kill -KILL $cpid
wait $cpid 2>/dev/null
: >go
if python3 -c 'import os, sys; os.open(sys.argv[1], os.O_TMPFILE | os.O_RDWR)' \
    "$ZS_TMP" 2>/dev/null; then
	[ "$held" = 1 ] && [ ! -e out.bin ] && notmp
	zs_ok $? "killed with the output started (unnamed: $held): nothing left"
else
	zs_skip "killed with the output started" "no O_TMPFILE here"
fi

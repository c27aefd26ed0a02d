#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsign-client prints what a server says with its control characters
# escaped: a hostile server (tests/e2e/evilserver.py) returns terminal
# escapes, C1 controls and U+202E in health, keys and error messages; none
# reaches the terminal raw, and the text around them does.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

CLIENT=$ZS_TOP_BUILDDIR/zsign-client
zs_plan 7
python3 "$ZS_TOP_SRCDIR/tests/e2e/evilserver.py" "$ZS_SOCK" &
EVIL_PID=$!
trap 'kill $EVIL_PID 2>/dev/null; zs_cleanup' EXIT
zs_wait_path -S "$ZS_SOCK" || zs_bail "the stand-in server did not start"

# clean FILE: no byte a terminal acts on (C0 but newline, DEL, C1 raw or
# in UTF-8, U+202A..E, U+2066..9).
clean() {
	python3 - "$1" <<'EOP'
import re, sys
d = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|"
                rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]|[\x80-\x9f]", d)
sys.exit(1 if bad else 0)
EOP
}

"$CLIENT" -s "unix:$ZS_SOCK" health >"$ZS_TMP/out" 2>&1
clean "$ZS_TMP/out"
zs_ok $? "health: no raw control characters"
grep -q 'zsignd \\x1b\[2J' "$ZS_TMP/out"
zs_ok $? "health: the escape shows as \\x1b"
"$CLIENT" -s "unix:$ZS_SOCK" keys >"$ZS_TMP/out" 2>&1
clean "$ZS_TMP/out"
zs_ok $? "keys: no raw control characters"
grep -q '^-----BEGIN PUBLIC KEY-----$' "$ZS_TMP/out"
zs_ok $? "keys: the PEM keeps its lines"
head -c 512 /dev/urandom >"$ZS_TMP/in.bin"
"$CLIENT" -s "unix:$ZS_SOCK" imgtool sign -k srv --version 1.0.0 \
    --header-size 0x200 --pad-header --align 4 --slot-size 0x10000 \
    "$ZS_TMP/in.bin" "$ZS_TMP/out.bin" >"$ZS_TMP/out" 2>&1
zs_is $? 1 "sign: the server's refusal fails"
clean "$ZS_TMP/out"
zs_ok $? "sign: the error message has no raw control characters"
grep -q 'refused \\x1b\[2J\\x1b\]0;pwned\\x07\\xc2\\x9b31m\\xe2\\x80\\xae\\x7f' \
    "$ZS_TMP/out"
zs_ok $? "sign: the error message is shown, escaped"

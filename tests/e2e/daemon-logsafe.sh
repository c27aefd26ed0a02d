#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Client strings cannot forge log fields or audit entries: file names that
# carry " key=value" text, quotes, backslashes, U+202E and C1 characters
# reach the sign log line and the audit record escaped (printable ASCII,
# \xHH), every line keeps exactly its own fields, and two names that differ
# only outside ASCII (é.bin, è.bin) keep two audit entries.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

zs_plan 9
zs_start_zsignd $ZS_TEST_KEYS --audit-log "$ZS_TMP/audit.log" ||
    zs_bail "zsignd did not start"

# A name trying every trick: a quote ending the field, forged fields,
# backslashes, right-to-left override (U+202E) and NEL (U+0085, a C1 control).
EVIL='x" status=200 result=ok key=prod \\ '"$(printf '\342\200\256\302\205')"'.bin'
head -c 2048 /dev/urandom >"$ZS_TMP/in.bin"
B64=$(base64 -w0 "$ZS_TMP/in.bin")
jq -n --arg in "$EVIL" --arg out "$EVIL.signed" --arg b64 "$B64" '{tool: "imgtool", key: "test-ed25519",
    args: ["--version", "1.0.0", "--header-size", "0x200", "--pad-header",
    "--align", "4", "--slot-size", "0x10000", $in, $out],
    files: {($in): $b64}}' >"$ZS_TMP/evil.json"
zs_post /v1/sign "$ZS_TMP/evil.json"
zs_is "$ZS_STATUS" 200 "a file with a hostile name is signed"
# The same name in a request that fails: its name is in the error message.
jq '.args[9] = "missing.bin"' "$ZS_TMP/evil.json" >"$ZS_TMP/bad.json"
zs_post /v1/sign "$ZS_TMP/bad.json"
zs_is "$ZS_STATUS" 400 "... and a failing request names it"
# Two names equal but for their non-ASCII letters.
jq -n --arg b64 "$B64" '{tool: "imgtool", key: "test-ed25519",
    args: ["--version", "1.0.0", "--header-size", "0x200", "--pad-header",
    "--align", "4", "--slot-size", "0x10000", "\u00e9.bin", "out.bin"],
    files: {"\u00e9.bin": $b64, "\u00e8.bin": $b64}}' \
    >"$ZS_TMP/accents.json"
zs_post /v1/sign "$ZS_TMP/accents.json"

# Each sign line: exactly its fields, once each, in order; printable ASCII.
python3 - "$ZS_LOG" >"$ZS_TMP/fields" 2>&1 <<'EOP'
import re, sys
tok = re.compile(r' ([a-z]+)=("(?:[^"\\]|\\.)*"|[^ "]*)(?= |$)')
ok = ["uid", "pid", "key", "tool", "in", "out", "status", "result", "ms"]
bad = ["uid", "pid", "key", "tool", "in", "status", "result", "ms", "error"]
n = 0
for raw in open(sys.argv[1], "rb"):
    line = raw.rstrip(b"\n")
    if b" sign uid=" not in line or line.endswith(b" in flight"):
        continue
    n += 1
    if any(c < 0x20 or c > 0x7e for c in line):
        print("not printable ASCII:", line)
        continue
    text = line.decode()
    rest = text[text.index(" sign ") + 5:]
    keys = [m.group(1) for m in tok.finditer(rest)]
    if "".join(m.group(0) for m in tok.finditer(rest)) != rest:
        print("stray text:", text)
    elif keys not in (ok, bad):
        print("fields", keys, "in:", text)
print("lines", n)
EOP
zs_diag "$(cat "$ZS_TMP/fields")"
[ "$(cat "$ZS_TMP/fields")" = "lines 3" ]
zs_ok $? "every sign log line holds exactly its own fields, in printable ASCII"
zs_log_has 'in="x\\x22 status=200 result=ok key=prod \\x5c\\x5c \\xe2\\x80\\xae\\xc2\\x85\.bin:'
zs_ok $? "the name is in the log, escaped"

# The audit records: printable ASCII, the name escaped, both accents kept.
LC_ALL=C grep -q '[^ -~]' "$ZS_TMP/audit.log"
zs_ok $((! $?)) "the audit log is printable ASCII"
grep -q '"x\\\\x22 status=200 result=ok key=prod \\\\x5c\\\\x5c \\\\xe2\\\\x80\\\\xae\\\\xc2\\\\x85.bin":"' \
    "$ZS_TMP/audit.log"
zs_ok $? "the audit record keeps the name, escaped"
tail -1 "$ZS_TMP/audit.log" | jq -e '.inputs | has("\\xc3\\xa9.bin") and
    has("\\xc3\\xa8.bin")' >/dev/null
zs_ok $? "é.bin and è.bin: two audit entries"
"$ZS_ZSIGND" --verify-audit "$ZS_TMP/audit.log" >/dev/null
zs_ok $? "the audit chain verifies"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every case of tests/vectors/imgtool/cases.json through
# `zsign-client imgtool sign` against a real zsignd holding the vector keys
# (cwd = the vector folder, as imgtool ran). Success cases are compared
# with imgtool-compare (the README's exact/structural rules); error cases
# must fail and leave no output. One TAP line per case.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/imgtool
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/imgtool-compare

client_start_vectors

cd "$VEC" || exit 1
# One line per case (jq once: it is the slow part): name, output
# extension, expected exit code or "-" for success cases, whether a
# --sig-out file is expected, the check method, and the arguments as shell
# words where {OUT} and {SIGOUT} expand to "$out" and "$sig" under eval.
tab=$(printf '\t')
jq -r --arg o "'\"\$out\"'" --arg s "'\"\$sig\"'" '.cases[] | [.name, .out_ext,
    (if has("expect") then .expect.exit_code | tostring else "-" end),
    (has("expected_sig_out") | tostring), (.check.method // "-"),
    (.args | @sh | gsub("[{]OUT[}]"; $o) | gsub("[{]SIGOUT[}]"; $s))]
    | join("\t")' cases.json \
    >"$ZS_TMP/cases.tsv"
while IFS=$tab read -r name ext want hassig method args; do
	out=$ZS_TMP/$name/out$ext
	sig=$ZS_TMP/$name/sig.b64
	mkdir -p "$ZS_TMP/$name"
	eval "set -- $args"
	"$CLIENT" imgtool "$@" >"$ZS_TMP/$name/stdout" 2>"$ZS_TMP/$name/stderr"
	rc=$?
	if [ "$want" != - ]; then
		if [ "$rc" -ne 0 ] && [ ! -e "$out" ] && [ ! -e "$sig" ]; then
			zs_pass "$name: refused (exit $rc, imgtool $want), no output"
		else
			tap_not_ok "$name: refused, no output" "exit $rc" \
			    "$(ls "$ZS_TMP/$name")"
		fi
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		tap_not_ok "$name: signs" "exit $rc" "$(cat "$ZS_TMP/$name/stderr")"
		continue
	fi
	[ "$hassig" = true ] || sig=
	if "$COMPARE" "$name" "$out" $sig >"$ZS_TMP/$name/cmp" 2>&1; then
		zs_pass "$name: $method match"
	else
		tap_not_ok "$name: $method match" "$(cat "$ZS_TMP/$name/cmp")"
	fi
done <"$ZS_TMP/cases.tsv"
tap_done

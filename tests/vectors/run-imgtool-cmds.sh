#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every case of tests/vectors/imgtool-cmds/cases.json (the real imgtool
# 2.4.0's answers to its commands, and sign's standard output) through
# `zsign-client imgtool` against a real zsignd: the same exit code, stdout
# and output file (one exists where imgtool's was random), and for usage
# errors the same stderr with the program name changed. Cases with a
# server_key run again with -k zsign:NAME.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/imgtool-cmds
client_start_vectors

cd "$VEC" || exit 1
# One line per case: name, exit code, error kind, stderr file, output
# extension, server key, keygen type, whether it is sign, expected output
# ("random" when imgtool's differs run to run), then the arguments as
# shell words ({OUT} is "$out" under eval).
tab=$(printf '\t')
jq -r --arg o "'\"\$out\"'" '.cases[] | [.name, (.exit_code | tostring),
    (.error_kind // "-"), (.stderr // "-"), (.out_ext // "-"),
    (.server_key // "-"), (.keygen_type // "-"),
    (if (.features | index("sign")) then "yes" else "no" end),
    (if .output_random then "random" else (.expected_output // "-") end),
    (.args | @sh | gsub("[{]OUT[}]"; $o))] | join("\t")' cases.json \
    >"$ZS_TMP/cases.tsv"

# run_case NAME WANT KIND ERRFILE EXT KEYGEN SIGN EXPOUT ARGS...
run_case() {
	n=$1 want=$2 kind=$3 errf=$4 ext=$5 kg=$6 sign=$7 exp=$8
	shift 8
	base=${n%% (*}
	d=$ZS_TMP/c/$base
	rm -f "$out"
	"$CLIENT" imgtool "$@" >"$d/stdout" 2>"$d/stderr" </dev/null
	rc=$?
	why=
	[ "$rc" -eq "$want" ] || why="exit $rc, imgtool $want"
	# Help texts name the program in their usage line.
	sed "s/^Usage: imgtool\.py/Usage: zsign-client imgtool/" \
	    "cases/$base/stdout" >"$d/want.out"
	if [ -z "$why" ] && ! cmp -s "$d/want.out" "$d/stdout"; then
		why="stdout differs: $(diff "$d/want.out" "$d/stdout" |
		    head -8)"
	fi
	if [ -z "$why" ] && [ "$kind" = usage ] && [ "$sign" = no ]; then
		sed 's/imgtool\.py/zsign-client imgtool/g' "$errf" >"$d/want.err"
		cmp -s "$d/want.err" "$d/stderr" ||
		    why="stderr differs: $(diff "$d/want.err" "$d/stderr" |
		    head -8)"
	fi
	# sign reports in one line: imgtool's message after the program name.
	if [ -z "$why" ] && [ "$kind" = usage ] && [ "$sign" = yes ]; then
		sed -n 's/^Error: /zsign-client: /p' "$errf" >"$d/want.err"
		cmp -s "$d/want.err" "$d/stderr" ||
		    why="stderr differs: $(diff "$d/want.err" "$d/stderr" |
		    head -8)"
	fi
	if [ -z "$why" ] && [ "$exp" = random ] && [ ! -s "$out" ]; then
		why="wrote no $out"
	elif [ -z "$why" ] && [ "$exp" != - ] && [ "$exp" != random ] &&
	    ! cmp -s "$exp" "$out"; then
		why="output differs from $exp"
	fi
	if [ -z "$why" ] && [ "$exp" = - ] && [ "$kg" = - ] &&
	    [ "$ext" != - ] && [ -e "$out" ]; then
		why="wrote $out where imgtool wrote nothing"
	fi
	if [ -z "$why" ] && [ "$kg" != - ]; then
		first=$(jq -r --arg n "$base" '.cases[] | select(.name == $n) |
		    .pem_first_line + "|" + .openssl_text_first_line' cases.json)
		got="$(head -1 "$out")|$(openssl pkey -in "$out" -noout -text |
		    head -1)"
		[ "$got" = "$first" ] || why="key file: $got, imgtool: $first"
	fi
	if [ -z "$why" ]; then
		zs_pass "$n"
	else
		tap_not_ok "$n" "$why" "$(head -5 "$d/stderr")"
	fi
}

while IFS=$tab read -r name want kind errf ext skey kg sign exp args; do
	mkdir -p "$ZS_TMP/c/$name"
	out=$ZS_TMP/c/$name/out$ext
	eval "set -- $args"
	run_case "$name" "$want" "$kind" "$errf" "$ext" "$kg" "$sign" "$exp" \
	    "$@"
	[ "$skey" = - ] && continue
	# The same with the server's copy of the key.
	for a in "$@"; do
		case $a in
		*/"$skey".pem) set -- "$@" "zsign:$skey" ;;
		*) set -- "$@" "$a" ;;
		esac
		shift
	done
	run_case "$name (zsign:$skey)" "$want" "$kind" "$errf" "$ext" "$kg" \
	    "$sign" "$exp" "$@"
	[ "$sign" = yes ] || continue
	# A public key file picks the server key (imgtool.py for CMake).
	for a in "$@"; do
		case $a in
		"zsign:$skey") set -- "$@" "../imgtool/keys/$skey.pub.pem" ;;
		*) set -- "$@" "$a" ;;
		esac
		shift
	done
	ZSIGN_PUBLIC_KEY_OK=1
	export ZSIGN_PUBLIC_KEY_OK
	run_case "$name ($skey.pub.pem)" "$want" "$kind" "$errf" "$ext" "$kg" \
	    "$sign" "$exp" "$@"
	unset ZSIGN_PUBLIC_KEY_OK
done <"$ZS_TMP/cases.tsv"

# getpriv and keygen never reach for a server key.
"$CLIENT" imgtool getpriv -k zsign:ed25519 >"$ZS_TMP/gp.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q "local key files only" "$ZS_TMP/gp.out"; then
	zs_pass "getpriv -k zsign:NAME is refused"
else
	tap_not_ok "getpriv -k zsign:NAME is refused" "exit $rc" \
	    "$(cat "$ZS_TMP/gp.out")"
fi
"$CLIENT" imgtool keygen -t ed25519 -k zsign:new >"$ZS_TMP/kg.out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ ! -e zsign:new ]; then
	zs_pass "keygen -k zsign:NAME is refused"
else
	tap_not_ok "keygen -k zsign:NAME is refused" "exit $rc"
fi
tap_done

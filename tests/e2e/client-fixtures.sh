#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `zsign-client sign -t imgtool` (west sign) against a real zsignd on every
# Zephyr fixture of tests/fixtures/zephyr: exit status, info lines,
# warnings and errors as expected.json says, and signed outputs that verify,
# keep the HEX address and equal `imgtool sign` run with the arguments
# sign.py would pass (also with --pad, which exercises slot size and align).
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

FIX=$ZS_TOP_SRCDIR/tests/fixtures/zephyr
client_start

# Lowest data address of an Intel HEX file.
hex_lowest() {
	awk 'function hex(s,  i, v) { v = 0; for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789ABCDEF", toupper(substr(s, i, 1))) - 1
		return v }
	BEGIN { up = 0; min = -1 }
	/^:/ { t = hex(substr($0, 8, 2))
		if (t == 4) up = hex(substr($0, 10, 4)) * 65536
		if (t == 2) up = hex(substr($0, 10, 4)) * 16
		if (t == 0) { a = up + hex(substr($0, 4, 4))
			if (min < 0 || a < min) min = a } }
	END { print min }' "$1"
}

# jq over the fixture's expected.json with {build_dir} filled in.
ej() {
	jq -r --arg bd "$bd" "$1 | if type == \"string\" then gsub(\"{build_dir}\"; \$bd) else . end" "$exp"
}

# Run `zsign-client imgtool` with an invocation's args from expected.json
# (filter $1 yields the argv), writing the output to $2.
ref_sign() {
	eval "set -- $(jq -r --arg bd "$bd" --arg out "$2" \
	    "$1 | map(gsub(\"{build_dir}/zephyr/zephyr.signed.(bin|hex)\"; \$out) | gsub(\"{build_dir}\"; \$bd)) | @sh" "$exp")"
	"$CLIENT" imgtool "$@" >/dev/null 2>"$ZS_TMP/ref.err"
}

# Check one signed output: it verifies, its header is header_size and it
# equals the reference signing; HEX keeps its load address.
check_output() {	# name fmt file invocation-filter
	f=$3
	if [ ! -s "$f" ]; then
		tap_not_ok "$1: signed $2 written" "missing: $f"
		return
	fi
	zs_pass "$1: signed $2 written"
	"$CLIENT" imgtool verify "$f" >"$ZS_TMP/verify.out" 2>&1
	if [ $? -eq 0 ] && head -1 "$ZS_TMP/verify.out" |
	    grep -qx "Image was correctly validated"; then
		zs_pass "$1: signed $2 verifies"
	else
		tap_not_ok "$1: signed $2 verifies" "$(cat "$ZS_TMP/verify.out")"
	fi
	want=$(printf '0x%x' "$(ej .expected.header_size)")
	got=$("$CLIENT" imgtool dumpinfo "$f" 2>&1 |
	    awk '$1 == "hdr_size:" { print $2; exit }')
	if [ "$got" = "$want" ]; then
		zs_pass "$1: $2 header size $want"
	else
		tap_not_ok "$1: $2 header size $want" "got: $got"
	fi
	if [ "$2" = hex ]; then
		want=$(ej .payload.hex_load_address)
		got=$(hex_lowest "$f")
		if [ "$got" = "$want" ]; then
			zs_pass "$1: signed hex starts at $want"
		else
			tap_not_ok "$1: signed hex starts at $want" "got: $got"
		fi
	fi
	if ref_sign "$4" "$ZS_TMP/ref.$2" && cmp -s "$f" "$ZS_TMP/ref.$2"; then
		zs_pass "$1: $2 equals imgtool sign with sign.py's arguments"
	else
		tap_not_ok "$1: $2 equals imgtool sign with sign.py's arguments" \
		    "$(cat "$ZS_TMP/ref.err")"
	fi
}

for dir in "$FIX"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/expected.json" ] || continue
	bd=$ZS_TMP/$name
	cp -R "$dir" "$bd"
	chmod -R u+w "$bd"
	exp=$bd/expected.json
	kind=$(ej .kind)

	"$CLIENT" sign -d "$bd" -t imgtool >"$ZS_TMP/out" 2>"$ZS_TMP/err"
	rc=$?
	case $kind in
	error)	want_rc=1 ;;
	*)	want_rc=0 ;;
	esac
	if [ "$rc" -eq "$want_rc" ]; then
		zs_pass "$name: exit status $want_rc"
	else
		tap_not_ok "$name: exit status $want_rc" "got $rc" "$(cat "$ZS_TMP/err")"
	fi

	# Expected stdout and stderr, as west prints them.
	: >"$ZS_TMP/want.out"
	: >"$ZS_TMP/want.err"
	case $kind in
	error)
		ej '.expected.output[]' >"$ZS_TMP/want.err" ;;
	ok|warning)
		ej '.expected.info_output[]' >"$ZS_TMP/want.out"
		ej '.expected.warnings[] | "WARNING: " + .' >"$ZS_TMP/want.err" ;;
	esac
	tap_same "$name: info lines" "$ZS_TMP/want.out" "$ZS_TMP/out"
	tap_same "$name: warnings and errors" "$ZS_TMP/want.err" "$ZS_TMP/err"

	if [ "$kind" != ok ] && [ "$kind" != warning ]; then
		if ls "$bd"/zephyr/zephyr.signed.* >/dev/null 2>&1; then
			tap_not_ok "$name: no output file" "$(ls "$bd/zephyr")"
		else
			zs_pass "$name: no output file"
		fi
		continue
	fi
	i=0
	for fmt in $(ej '.expected.formats[]'); do
		check_output "$name" "$fmt" "$bd/zephyr/zephyr.signed.$fmt" \
		    ".expected.imgtool_invocations[$i].args"
		i=$((i + 1))
	done

	# -q, -B/-H and tool args after --: --pad fills the slot, so the
	# slot size and the alignment sign.py derives show in the bytes.
	"$CLIENT" sign -q -d "$bd" -t imgtool -B "$ZS_TMP/pad.bin" \
	    -H "$ZS_TMP/pad.hex" -- --pad >"$ZS_TMP/out" 2>"$ZS_TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$ZS_TMP/out" ]; then
		zs_pass "$name: -q -B -H -- --pad quietly signs"
	else
		tap_not_ok "$name: -q -B -H -- --pad quietly signs" "rc $rc" \
		    "$(cat "$ZS_TMP/out" "$ZS_TMP/err")"
	fi
	i=0
	for fmt in $(ej '.expected.formats[]'); do
		filter=".expected.imgtool_invocations[$i].args | .[:-2] + [\"--pad\"] + .[-2:]"
		if [ "$fmt" = bin ]; then
			size=$(wc -c <"$ZS_TMP/pad.bin" 2>/dev/null)
			if [ "$size" = "$(ej .expected.slot_size)" ]; then
				zs_pass "$name: padded bin fills the slot"
			else
				tap_not_ok "$name: padded bin fills the slot" \
				    "size $size"
			fi
		fi
		if ref_sign "$filter" "$ZS_TMP/ref.$fmt" &&
		    cmp -s "$ZS_TMP/pad.$fmt" "$ZS_TMP/ref.$fmt"; then
			zs_pass "$name: padded $fmt equals imgtool sign --pad"
		else
			tap_not_ok "$name: padded $fmt equals imgtool sign --pad" \
			    "$(cat "$ZS_TMP/ref.err")"
		fi
		i=$((i + 1))
	done
	rm -f "$ZS_TMP/pad.bin" "$ZS_TMP/pad.hex"
done

# With a key, imgtool's own line follows each "signed" line (sign.py lets
# imgtool's stdout through), and -q hides it with the rest.
bd=$ZS_TMP/nrf52840dk_nrf52840
exp=$bd/expected.json
"$CLIENT" sign -d "$bd" -t imgtool -- --key zsign:test-ecdsa-p256 \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
ej '.expected.info_output[] | ., if startswith("signed ") then
    "image.py: sign the payload" else empty end' >"$ZS_TMP/want.out"
tap_same "signed with a key: imgtool's lines after sign.py's" \
    "$ZS_TMP/want.out" "$ZS_TMP/out"
"$CLIENT" sign -q -d "$bd" -t imgtool -- --key zsign:test-ecdsa-p256 \
    >"$ZS_TMP/out" 2>&1
tap_check "... and -q prints nothing" test $? -eq 0 -a ! -s "$ZS_TMP/out"

# --force lets a directory without ZEPHYR_TOOLCHAIN_VARIANT through.
bd=$ZS_TMP/err_not_zephyr_build
"$CLIENT" sign -f -d "$bd" -t imgtool -q >"$ZS_TMP/out" 2>"$ZS_TMP/err"
tap_check "--force signs a directory that is not a Zephyr build" \
    test $? -eq 0 -a -s "$bd/zephyr/zephyr.signed.bin"
# --hex where the build makes none: refused, and --force does not invent
# the missing input (sign.py dies on it too).
bd=$ZS_TMP/frdm_k64f_swap_move
rm -f "$bd"/zephyr/zephyr.signed.*
"$CLIENT" sign -d "$bd" -t imgtool --hex >"$ZS_TMP/out" 2>"$ZS_TMP/err"
printf '%s\n' "ERROR: --hex given but CONFIG_BUILD_OUTPUT_HEX not set in build directory's ($bd) .config" \
    "FATAL ERROR: refusing to proceed without --force due to above error" \
    >"$ZS_TMP/want.err"
tap_same "--hex without CONFIG_BUILD_OUTPUT_HEX is refused" \
    "$ZS_TMP/want.err" "$ZS_TMP/err"
"$CLIENT" sign -d "$bd" -t imgtool --hex --force >"$ZS_TMP/out" \
    2>"$ZS_TMP/err"
rc=$?
echo "FATAL ERROR: no unsigned .hex found at $bd/zephyr/zephyr.hex" \
    >"$ZS_TMP/want.err"
tap_same "--hex --force: no unsigned .hex found" "$ZS_TMP/want.err" \
    "$ZS_TMP/err"
tap_check "... exit 1 and no output file" test "$rc" -eq 1 -a \
    ! -e "$bd/zephyr/zephyr.signed.bin"
# Without -d: the current directory when it is a build, else ./build.
(cd "$bd" && "$CLIENT" sign -t imgtool -q -B rel.bin) >/dev/null 2>&1
tap_check "no -d: the current directory; -B relative to it" test -s "$bd/rel.bin"
(cd "$bd/.." && rm -rf build && cp -R "$bd" build &&
    "$CLIENT" sign -t imgtool -q) >/dev/null 2>&1
tap_check "no -d outside a build: ./build" \
    test -s "$ZS_TMP/build/zephyr/zephyr.signed.bin"
# Usage errors exit 2.
"$CLIENT" sign -d "$bd" -t nosuchtool >/dev/null 2>&1
tap_check "an invalid -t is a usage error (exit 2)" test $? -eq 2
"$CLIENT" sign -d "$bd" --no-such-option >/dev/null 2>&1
tap_check "an unknown option is a usage error (exit 2)" test $? -eq 2
tap_done

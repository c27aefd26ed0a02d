#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Signing through a real zsignd: every imgtool reference case
# (tests/vectors/imgtool) sent as a PROTOCOL.md request, its output checked
# with imgtool-compare (byte-exact or structural, signatures verified);
# the ways to name a key; file-name rules; west mode on the Zephyr fixtures.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/imgtool
FIX=$ZS_TOP_SRCDIR/tests/fixtures/zephyr
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/imgtool-compare
# West fixtures signed through the daemon (the others are error cases).
WEST_OK="nrf52840dk_nrf52840 nucleo_h743zi frdm_k64f pinnacle_100_dvk
frdm_k64f_swap_move nrf52840dk_single_slot warn_bootloader_mcuboot_not_set"
WEST_ERR="err_no_chosen_flash err_no_partitions err_no_slot0_partition
err_no_write_block_size err_write_block_size_zero err_missing_sign_version"

RVEC=$ZS_TOP_SRCDIR/tests/vectors/rimage
RCOMPARE=$ZS_TOP_BUILDDIR/tests/vectors/rimage-compare

ncases=$(jq '.cases | length' "$VEC/cases.json")
nrcases=$(jq '.cases | length' "$RVEC/cases.json")
nwest=$(echo $WEST_OK $WEST_ERR | wc -w)
zs_plan $((ncases + nrcases + nwest + 17))

# Every private vector key as vec-NAME (only: test-ed25519 is the same
# key), the rimage ones as rv-NAME.
keys=
for k in "$VEC"/keys/*.pem; do
	case $k in *.pub.pem) continue ;; esac
	n=$(basename "$k" .pem)
	keys="$keys -k vec-$n=$k"
done
for k in "$RVEC"/keys/*.pem; do
	case $k in *.pub.pem) continue ;; esac
	keys="$keys -k rv-$(basename "$k" .pem)=$k"
done
# shellcheck disable=SC2086
zs_start_zsignd $keys || zs_bail "zsignd did not start"

# Every input of the reference cases, base64, in one object.
echo '{}' >"$ZS_TMP/blobs.json"
for f in $(jq -r '[.cases[].inputs[]] | unique | .[]' "$VEC/cases.json"); do
	[ -f "$VEC/$f" ] || continue
	base64 -w0 "$VEC/$f" >"$ZS_TMP/f.b64"
	jq --arg n "$f" --rawfile b "$ZS_TMP/f.b64" '. + {($n): $b}' \
	    "$ZS_TMP/blobs.json" >"$ZS_TMP/x" && mv "$ZS_TMP/x" "$ZS_TMP/blobs.json"
done
# The request of every case, one per line: "sign" dropped, the -k file
# named as the server key vec-NAME, {OUT} "out.EXT", {SIGOUT} "sig.b64",
# every other input in files.
mkdir "$ZS_TMP/req"
jq -r --slurpfile blobs "$ZS_TMP/blobs.json" '.cases[] |
    .out_ext as $ext | .args[1:] as $a |
    ([range(1; $a | length) | select($a[. - 1] == "-k") | $a[.]]) as $kf |
    .name + "\t" + ({tool: "imgtool",
    args: [range(0; $a | length) | . as $i | $a[$i] |
        if . == "{OUT}" then "out" + $ext
        elif . == "{SIGOUT}" then "sig.b64"
        elif $i > 0 and $a[$i - 1] == "-k" then "zsign:vec-" +
            (sub("^keys/"; "") | sub("(\\.pub)?\\.pem$"; ""))
        else . end],
    files: ([.inputs[] | select(. as $f | $kf | index($f) | not) |
        select($blobs[0][.] != null) | {(.): $blobs[0][.]}] | add // {})}
    | tojson)' "$VEC/cases.json" |
while IFS="$(printf '\t')" read -r name req; do
	printf '%s\n' "$req" >"$ZS_TMP/req/$name.json"
done

# case_request CASE OUT [JQ-EDIT]: that request, edited.
case_request() {
	jq "${3:-.}" "$ZS_TMP/req/$1.json" >"$2"
}

# What each case expects, one line each: name, out_ext, error kind ("-"
# when it signs), imgtool's error message.
jq -r '.cases[] | [.name, .out_ext, (.expect.error_kind // "-"),
    (.expect.error // "-")] | join("\t")' "$VEC/cases.json" >"$ZS_TMP/cases.tsv"

# run_case CASE EXT KIND ERROR: sign it through zsignd and judge the output.
run_case() {
	zs_post /v1/sign "$ZS_TMP/req/$1.json"
	rm -f "$ZS_TMP/out$2" "$ZS_TMP/sig.b64"
	if [ "$3" != - ]; then
		got=$(zs_json .error.message)
		if [ "$ZS_STATUS" = 200 ]; then
			zs_fail "$1: refused (got 200)"
		elif [ "$3" = usage ] && [ "$got" != "$4" ]; then
			zs_fail "$1: refused with imgtool's message"
			zs_diag "got:  $ZS_STATUS $got" "want: $4"
		else
			zs_pass "$1: refused, $ZS_STATUS $(zs_json .error.code)"
		fi
		return
	fi
	if [ "$ZS_STATUS" != 200 ]; then
		zs_fail "$1: signed"
		zs_diag "$ZS_STATUS $(cat "$ZS_BODY")"
		return
	fi
	jq -r ".files[\"out$2\"]" "$ZS_BODY" | base64 -d >"$ZS_TMP/out$2"
	jq -r '.files["sig.b64"] // ""' "$ZS_BODY" | base64 -d >"$ZS_TMP/sig.b64"
	set -- "$1" "$ZS_TMP/out$2"
	[ -s "$ZS_TMP/sig.b64" ] && set -- "$@" "$ZS_TMP/sig.b64"
	if "$COMPARE" -d "$VEC" "$@" >"$ZS_TMP/cmp" 2>&1; then
		zs_pass "$1: matches imgtool"
	else
		zs_fail "$1: matches imgtool"
		zs_diag "$(cat "$ZS_TMP/cmp")"
	fi
}

while IFS="$(printf '\t')" read -r c ext kind err; do
	case $c in
	err-public-only-key)
		# Server keys are private keys: no public-only key to name.
		zs_skip "$c" "not expressible: -k names a server key"
		continue ;;
	err-input-not-found)
		# Caught by the protocol before imgtool could look for it.
		zs_post /v1/sign "$ZS_TMP/req/$c.json"
		zs_is "$ZS_STATUS $(zs_json .error.message)" \
		    '400 args: input file "inputs/does-not-exist.bin" is not in files' \
		    "$c: refused, input not in files"
		continue ;;
	esac
	run_case "$c" "$ext" "$kind" "$err"
done <"$ZS_TMP/cases.tsv"

# The key by name, by fingerprint, and -k without the zsign: prefix.
c=ed25519-zephyr-h200
case_request $c "$ZS_TMP/req.json" \
    '.args |= [.[] | select(. != "-k" and . != "zsign:vec-ed25519")] |
    .key = "vec-ed25519"'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_json '.files["out.bin"]' | base64 -d >"$ZS_TMP/out.bin"
"$COMPARE" -d "$VEC" $c "$ZS_TMP/out.bin" >/dev/null 2>&1
zs_ok $? "key by name: signs with that key"
fp=$(openssl pkey -in "$VEC/keys/ed25519.pem" -pubout -outform DER |
    sha256sum | cut -d' ' -f1)
zs_is "$(zs_json '.key.name + " " + .key.type + " " + .key.fingerprint')" \
    "vec-ed25519 ed25519 SHA256:$fp" "reply names the key"
zs_is "$(zs_json '.tool + " " + (.info|length|tostring) + " " + (.warnings|length|tostring) + " " + (has("params")|tostring)')" \
    "imgtool 0 0 false" "reply: tool, no info or warnings in args mode"
zs_is "$(zs_json '.stdout | join("|")')" "image.py: sign the digest" \
    "reply: stdout holds what imgtool prints (Ed25519)"
zs_json .digest | grep -Eqx '[0-9a-f]{64}'
zs_ok $? "reply: digest is the SHA-256 image hash"
# imgtool signs, then finds the image too large: its line stays.
zs_post /v1/sign "$ZS_TMP/req/err-too-large-for-slot.json"
zs_is "$ZS_STATUS $(zs_json '.error.code + " " + (.stdout | join("|"))')" \
    "400 usage image.py: sign the digest" \
    "error reply: stdout holds what imgtool printed before failing"
case_request $c "$ZS_TMP/req.json" \
    '.args |= [.[] | select(. != "-k" and . != "zsign:vec-ed25519")] |
    .key_fingerprint = "SHA256:'"$fp"'"'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_json '.files["out.bin"]' | base64 -d >"$ZS_TMP/out.bin"
"$COMPARE" -d "$VEC" $c "$ZS_TMP/out.bin" >/dev/null 2>&1
zs_ok $? "key by fingerprint: signs with that key"
zs_is "$(zs_json .key.name)" vec-ed25519 "... and names it"
case_request $c "$ZS_TMP/req.json" \
    '.args |= [.[] | if . == "zsign:vec-ed25519" then "vec-ed25519" else . end]'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_json '.files["out.bin"]' | base64 -d >"$ZS_TMP/out.bin"
"$COMPARE" -d "$VEC" $c "$ZS_TMP/out.bin" >/dev/null 2>&1
zs_ok $? "-k NAME without zsign: prefix"
case_request nokey-zephyr-h200 "$ZS_TMP/req.json"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .key)" "200 null" "no key: unsigned image, key null"

# File names: inputs must travel, and nothing else may.
case_request $c "$ZS_TMP/req.json" '.files = {}'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "400 invalid" \
    "input named in args but not in files: 400 invalid"
case_request $c "$ZS_TMP/req.json" '.files.extra = "AAAA"'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "400 invalid" \
    "file not named in args: 400 invalid"
case_request $c "$ZS_TMP/req.json" '.key = "test-x"'
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "404 not_found" \
    "unknown key: 404 not_found"
case_request err-version-4-parts "$ZS_TMP/req.json"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "400 usage" \
    "imgtool usage error: 400 usage"
zs_log_has "sign uid=[0-9]+ pid=[0-9]+ key=vec-ed25519 tool=imgtool in=\"inputs/zephyr-h200-8000.bin:[0-9a-f]{64}\" out=\"out.bin:[0-9a-f]{64}\" status=200 result=ok ms=[0-9]+"
zs_ok $? "log: key, tool, input and output SHA-256, result, ms"

# rimage: every reference case (tests/vectors/rimage). Paths become
# names: input/X -> X, ../../configs/Y -> Y, out/zephyr.ri -> zephyr.ri;
# -k ../../keys/K.pem -> zsign:rv-K; west sign's placeholder -k for i.MX
# (which is never signed) stays as it is. The outputs are written to a
# directory, west sign's xman prefix applied, and rimage-compare judges.
for rc in $(jq -r '.cases[].name' "$RVEC/cases.json"); do
	jq --arg n "$rc" '.cases[] | select(.name == $n)' "$RVEC/cases.json" \
	    >"$ZS_TMP/rcase.json"
	cwd=$RVEC/$(jq -r .cwd "$ZS_TMP/rcase.json")
	jq '.argv as $a | [range(0; $a | length) | . as $i | $a[$i] |
	    if $i > 0 and $a[$i - 1] == "-k" and startswith("../../keys/")
	        then "zsign:rv-" + (sub(".*/"; "") | sub("\\.pem$"; ""))
	    elif startswith("input/") or startswith("out/") or
	        startswith("../../configs/") then sub(".*/"; "")
	    else . end]' "$ZS_TMP/rcase.json" >"$ZS_TMP/rargs.json"
	echo '{}' >"$ZS_TMP/files.json"
	for f in $(jq -r '.argv[] | select(startswith("input/") or
	    startswith("../../configs/"))' "$ZS_TMP/rcase.json"); do
		base64 -w0 "$cwd/$f" >"$ZS_TMP/f.b64"
		jq --arg n "${f##*/}" --rawfile b "$ZS_TMP/f.b64" \
		    '. + {($n): $b}' "$ZS_TMP/files.json" >"$ZS_TMP/x" &&
		    mv "$ZS_TMP/x" "$ZS_TMP/files.json"
	done
	jq -n --slurpfile args "$ZS_TMP/rargs.json" \
	    --slurpfile files "$ZS_TMP/files.json" \
	    --arg date "$(jq -r .build_date "$ZS_TMP/rcase.json")" \
	    '{tool: "rimage", args: $args[0], files: $files[0]} +
	    (if $date == "null" then {} else {date: $date} end)' \
	    >"$ZS_TMP/req.json"
	zs_post /v1/sign "$ZS_TMP/req.json"
	rm -rf "$ZS_TMP/rout"
	mkdir "$ZS_TMP/rout"
	st=1
	if [ "$ZS_STATUS" = 200 ]; then
		st=0
		for o in $(zs_json '.files | keys[]'); do
			jq -r --arg o "$o" '.files[$o]' "$ZS_BODY" | base64 -d \
			    >"$ZS_TMP/rout/$o"
		done
		if [ "$(jq -r '.post // ""' "$ZS_TMP/rcase.json")" = prefix_xman ]
		then
			cat "$ZS_TMP/rout/zephyr.ri.xman" "$ZS_TMP/rout/zephyr.ri" \
			    >"$ZS_TMP/x" && mv "$ZS_TMP/x" "$ZS_TMP/rout/zephyr.ri"
		fi
	fi
	if ZS_TOP_SRCDIR=$ZS_TOP_SRCDIR "$RCOMPARE" "$rc" "$ZS_TMP/rout" $st \
	    >"$ZS_TMP/cmp" 2>&1; then
		zs_pass "rimage $rc: matches rimage ($ZS_STATUS)"
	else
		zs_fail "rimage $rc: matches rimage"
		zs_diag "$ZS_STATUS $(head -c 300 "$ZS_BODY")" "$(cat "$ZS_TMP/cmp")"
	fi
done

# West mode: each fixture's .config and compiled devicetree; the reply
# must carry sign.py's parameters, info lines and warnings. imgtool's
# stdout follows each "signed FMT:" line, as sign.py lets it through.
bd=/home/dev/app/build
west_request() {	# FIXTURE OUT
	f=$FIX/$1
	dtc -@ -I dts -O dtb -o "$ZS_TMP/dtb" "$f/zephyr/zephyr.dts" 2>/dev/null
	kernel=$(jq -r '.config.CONFIG_KERNEL_BIN_NAME' "$f/expected.json")
	echo '{}' >"$ZS_TMP/files.json"
	echo '{}' >"$ZS_TMP/inputs.json"
	for fmt in bin hex; do
		[ -f "$f/zephyr/$kernel.$fmt" ] || continue
		jq -e --arg fmt $fmt '.expected.formats // [] | index($fmt)' \
		    "$f/expected.json" >/dev/null || continue
		base64 -w0 "$f/zephyr/$kernel.$fmt" >"$ZS_TMP/f.b64"
		jq --arg n "$kernel.$fmt" --rawfile b "$ZS_TMP/f.b64" \
		    '. + {($n): $b}' "$ZS_TMP/files.json" >"$ZS_TMP/x" &&
		    mv "$ZS_TMP/x" "$ZS_TMP/files.json"
		jq --arg n "$kernel.$fmt" --arg fmt $fmt '. + {($fmt): $n}' \
		    "$ZS_TMP/inputs.json" >"$ZS_TMP/x" &&
		    mv "$ZS_TMP/x" "$ZS_TMP/inputs.json"
	done
	base64 -w0 "$ZS_TMP/dtb" >"$ZS_TMP/dtb.b64"
	jq -n --rawfile config "$f/zephyr/.config" --rawfile dtb "$ZS_TMP/dtb.b64" \
	    --slurpfile files "$ZS_TMP/files.json" \
	    --slurpfile inputs "$ZS_TMP/inputs.json" --arg bd "$bd" \
	    '{tool: "imgtool", key: "vec-ed25519", args: [],
	    files: $files[0], west: {config: $config, dtb: $dtb,
	    build_dir: $bd, inputs: $inputs[0]}}' >"$2"
}
for fx in $WEST_OK; do
	west_request $fx "$ZS_TMP/req.json"
	zs_post /v1/sign "$ZS_TMP/req.json"
	exp=$FIX/$fx/expected.json
	want=$(jq -c --arg bd "$bd" '.expected | {params: {version, header_size,
	    align, slot_size, slot_size_source, partition_offset},
	    info: [.info_output[] | gsub("{build_dir}"; $bd) |
	    if startswith("signed ") then (., "image.py: sign the digest")
	    else . end],
	    warnings: [.warnings[] | gsub("{build_dir}"; $bd)],
	    files: [.outputs[] | sub("^zephyr/"; "")] | sort}' "$exp")
	got=$(jq -c '{params, info, warnings, files: (.files // {} | keys)}' \
	    "$ZS_BODY" 2>/dev/null)
	ok=0
	[ "$ZS_STATUS" = 200 ] && [ "$got" = "$want" ] || ok=1
	zs_ok $ok "west $fx: sign.py's parameters, info, warnings, outputs"
	[ $ok = 0 ] || zs_diag "status $ZS_STATUS" "got:  $got" "want: $want"
done
for fx in $WEST_ERR; do
	west_request $fx "$ZS_TMP/req.json"
	zs_post /v1/sign "$ZS_TMP/req.json"
	want=$(jq -r .expected.error "$FIX/$fx/expected.json")
	zs_is "$ZS_STATUS $(zs_json .error.code) $(zs_json .error.message)" \
	    "400 bad_build $want" "west $fx: sign.py's error"
done

zs_stop_zsignd
zs_is $? 0 "SIGTERM: exit 0"
zs_check_log "no sanitizer reports or crashes"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# rimage configs the server holds: zsignd with a config directory (the
# vector configs), every rimage vector case signed with -c zsign:NAME
# instead of an uploaded TOML and judged by rimage-compare as the upload
# path is; bad names 400, missing ones 404; "client_configs": false (and
# --no-client-rimage-configs) refuse uploads with 403 while zsign:NAME
# still signs; west sign's --tool-data zsign:NAME. One TAP line per check.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/rimage
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/rimage-compare
CFG=$ZS_TMP/rimage-configs
mkdir -p "$CFG"
cp "$VEC"/configs/*.toml "$CFG/"
# A target-named copy for west sign's "--tool-data zsign:" (the target's).
cp "$VEC/configs/mtl-sof.toml" "$CFG/mtl.toml"

# start ZSIGND-ARGS...: zsignd with the vector keys; ZSIGN_SERVER set.
start() {
	zs_start_zsignd -k "rsa2048-a=$VEC/keys/rsa2048-a.pem" \
	    -k "rsa2048-b=$VEC/keys/rsa2048-b.pem" \
	    -k "rsa3072-a=$VEC/keys/rsa3072-a.pem" "$@" ||
	    zs_bail "zsignd did not start"
	ZSIGN_SERVER=unix:$ZS_SOCK
	export ZSIGN_SERVER
}
start --rimage-config-dir "$CFG"

# The layout the vector argv expect, configs/ deliberately absent: the
# configs can only come from the server.
W=$ZS_TMP/w
mkdir -p "$W/cases"
ln -s "$VEC/keys" "$W/keys"
tab=$(printf '\t')
jq -r '.cases[] | [.name, .post, (.build_date // "-"), ([.argv[] |
    if startswith("../../configs/") then "zsign:" +
    (sub(".*/"; "") | sub("\\.toml$"; "")) else . end] | @sh)] |
    join("\t")' "$VEC/cases.json" >"$ZS_TMP/cases.tsv"
while IFS=$tab read -r name post bdate args; do
	d=$W/cases/$name
	mkdir -p "$d/out"
	ln -s "$VEC/cases/$name/input" "$d/input"
	eval "set -- $args"
	rimage_case "$d" "$post" "$bdate" "$@"
	rc=$?
	if "$COMPARE" "$name" "$d/out" "$rc" >"$d/cmp" 2>&1; then
		zs_pass "$name with -c zsign:NAME: matches rimage (exit $rc)"
	else
		tap_not_ok "$name with -c zsign:NAME (exit $rc)" \
		    "$(cat "$d/cmp")" "$(cat "$d/stderr")"
	fi
done <"$ZS_TMP/cases.tsv"
SOURCE_DATE_EPOCH=$(date -u -d 2024-03-15 +%s)
export SOURCE_DATE_EPOCH

# rreq FILE CONFIG [UPLOAD]: cnl_imr4's request naming CONFIG; with
# UPLOAD, cnl.toml travels in files under the name CONFIG.
CNL=$VEC/cases/cnl_imr4
rreq() {
	jq -n --arg c "$2" --arg up "${3:-}" \
	    --rawfile boot "$ZS_TMP/boot.b64" --rawfile main "$ZS_TMP/main.b64" \
	    --rawfile toml "$ZS_TMP/toml.b64" \
	    '{tool: "rimage", date: "2024-03-15",
	    args: ["-o", "zephyr.ri", "-k", "zsign:rsa2048-a", "-i", "4",
	    "-c", $c, "boot.mod", "main.mod"],
	    files: ({"boot.mod": $boot, "main.mod": $main} +
	    (if $up == "" then {} else {($c): $toml} end))}' >"$1"
}
base64 -w0 "$CNL/input/boot.mod" >"$ZS_TMP/boot.b64"
base64 -w0 "$CNL/input/main.mod" >"$ZS_TMP/main.b64"
base64 -w0 "$VEC/configs/cnl.toml" >"$ZS_TMP/toml.b64"

# over_api DESC: the last reply's zephyr.ri is cnl_imr4's reference image.
over_api() {
	zs_json '.files["zephyr.ri"]' | base64 -d >"$ZS_TMP/api.ri" 2>/dev/null
	if [ "$ZS_STATUS" = 200 ] &&
	    cmp -s "$ZS_TMP/api.ri" "$CNL/expected/zephyr.ri"; then
		zs_pass "$1"
	else
		tap_not_ok "$1" "$ZS_STATUS $(head -c 300 "$ZS_BODY")"
	fi
}
rreq "$ZS_TMP/req.json" zsign:cnl
zs_post /v1/sign "$ZS_TMP/req.json"
over_api "API: -c zsign:cnl without files[config] signs rimage's image"

# Names that could leave the directory, or are no names: 400 invalid.
for bad in "zsign:../cnl" "zsign:.hidden" "zsign:a/b" "zsign:" \
    "zsign:cnl.toml/" "zsign:$(printf 'x%.0s' $(seq 70))"; do
	rreq "$ZS_TMP/req.json" "$bad"
	zs_post /v1/sign "$ZS_TMP/req.json"
	zs_is "$ZS_STATUS $(zs_json .error.code)" "400 invalid" \
	    "-c '$(echo "$bad" | cut -c1-20)': 400 invalid"
done
# A config of the server never travels in files.
rreq "$ZS_TMP/req.json" zsign:cnl upload
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "400 invalid" \
    "files[\"zsign:cnl\"] uploaded: 400 invalid"
rreq "$ZS_TMP/req.json" zsign:nosuch
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "404 not_found" \
    "-c zsign:nosuch: 404 not_found"
tap_check "... naming the config" grep -q 'nosuch' "$ZS_BODY"

# The client reports it and writes nothing.
d=$W/cases/cnl_imr4
rm -rf "$d/out" && mkdir "$d/out"
(cd "$d" && "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a \
    -c zsign:nosuch input/boot.mod input/main.mod >stdout 2>stderr)
rc=$?
zs_is "$rc $(ls "$d/out" | wc -l) $(grep -c 'no such config' "$d/stderr")" \
    "1 0 1" "zsign-client -c zsign:nosuch: exit 1, the message, no output"

# Uploaded configs still work by default.
rreq "$ZS_TMP/req.json" cnl.toml upload
zs_post /v1/sign "$ZS_TMP/req.json"
over_api "uploaded configs are accepted by default"

# west sign: --tool-data zsign:NAME, and zsign: alone (the target's).
WEST_CONFIG_SYSTEM=/nonexistent WEST_CONFIG_GLOBAL=/nonexistent
WEST_CONFIG_LOCAL=/nonexistent
export WEST_CONFIG_SYSTEM WEST_CONFIG_GLOBAL WEST_CONFIG_LOCAL
B=$ZS_TMP/build
# west_build TARGET CASE: a SOF build directory without any SOF tree.
west_build() {
	rm -rf "$B"
	mkdir -p "$B/zephyr"
	printf 'ZEPHYR_TOOLCHAIN_VARIANT:STRING=zephyr\nRIMAGE_TARGET:STRING=%s\n' \
	    "$1" >"$B/CMakeCache.txt"
	printf 'CONFIG_KERNEL_BIN_NAME="zephyr"\nCONFIG_SOF=y\n' \
	    >"$B/zephyr/.config"
	cp "$VEC/cases/$2/input/"* "$B/zephyr/"
}
# west_check DESC CASE: the build's outputs match the vector CASE.
west_check() {
	rm -rf "$ZS_TMP/o" && mkdir "$ZS_TMP/o"
	cp "$B"/zephyr/zephyr.ri* "$ZS_TMP/o/" 2>/dev/null
	if "$COMPARE" "$2" "$ZS_TMP/o" >"$ZS_TMP/cmp" 2>&1; then
		zs_pass "$1"
	else
		tap_not_ok "$1" "$(cat "$ZS_TMP/cmp")" "$(cat "$ZS_TMP/err")"
	fi
}
for td in zsign:mtl-sof zsign:; do
	west_build mtl mtl_sof
	"$CLIENT" sign -d "$B" -t rimage -D "$td" -- -k zsign:rsa3072-a \
	    -f 2.10.0 -b 1 >"$ZS_TMP/out" 2>"$ZS_TMP/err"
	west_check "west sign -D $td: matches rimage" mtl_sof
done
# i.MX is not signed: west sign's placeholder -k is left to the server.
west_build imx8m imx8m_sof
"$CLIENT" sign -d "$B" -t rimage -D zsign:imx8m -- -f 2.8.0 -b 1 \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
west_check "west sign -D zsign:imx8m (placeholder key): matches rimage" \
    imx8m_sof

# "client_configs": false in the file: uploads 403, zsign:NAME signs.
zs_stop_zsignd
jq -n --arg d "$CFG" '{rimage: {config_dir: $d, client_configs: false}}' \
    >"$ZS_TMP/zsignd.conf"
start -c "$ZS_TMP/zsignd.conf" --audit-log "$ZS_TMP/audit.log"
rreq "$ZS_TMP/req.json" cnl.toml upload
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "403 forbidden" \
    "client_configs false: an uploaded config gets 403 forbidden"
tap_check "... saying how to name a server config" \
    grep -q 'does not accept uploaded rimage configs' "$ZS_BODY"
rreq "$ZS_TMP/req.json" zsign:cnl
zs_post /v1/sign "$ZS_TMP/req.json"
over_api "client_configs false: -c zsign:cnl still signs"
sum=$(sha256sum "$VEC/configs/cnl.toml" | cut -d' ' -f1)
tail -1 "$ZS_TMP/audit.log" | jq -e --arg s "$sum" \
    '.inputs["zsign:cnl"] == $s' >/dev/null
zs_ok $? "the audit line lists zsign:cnl with the config's SHA-256"
rm -rf "$d/out" && mkdir "$d/out"
(cd "$d" && "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a -i 4 \
    -c "$VEC/configs/cnl.toml" input/boot.mod input/main.mod \
    >stdout 2>stderr)
rc=$?
zs_is "$rc $(ls "$d/out" | wc -l)" "1 0" \
    "zsign-client with a local config: exit 1, no output"
(cd "$d" && "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a -i 4 \
    -c zsign:cnl input/boot.mod input/main.mod >stdout 2>stderr)
tap_check "zsign-client -c zsign:cnl: rimage's image" \
    cmp -s "$d/out/zephyr.ri" "$CNL/expected/zephyr.ri"

# --no-client-rimage-configs does the same from the command line.
zs_stop_zsignd
start --rimage-config-dir "$CFG" --no-client-rimage-configs
rreq "$ZS_TMP/req.json" cnl.toml upload
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS $(zs_json .error.code)" "403 forbidden" \
    "--no-client-rimage-configs: an uploaded config gets 403"

# Bad settings are refused at start.
printf '{"rimage": {"config_dir": "relative/dir"}}\n' >"$ZS_TMP/bad.conf"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.conf" >"$ZS_TMP/bad.out" 2>&1
zs_is "$? $(grep -c 'absolute path' "$ZS_TMP/bad.out")" "1 1" \
    "a relative config_dir is refused by --check-config"
printf '{"rimage": {"config_dirs": "/x"}}\n' >"$ZS_TMP/bad.conf"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.conf" >"$ZS_TMP/bad.out" 2>&1
zs_is "$? $(grep -c 'config_dirs' "$ZS_TMP/bad.out")" "1 1" \
    "an unknown rimage member is refused"
tap_done

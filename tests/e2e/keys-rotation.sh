#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Key rotation: a key name points at its current version while earlier
# versions stay reachable as NAME@VERSION for getpub and verify, and sign
# no more; a SIGHUP rotates without a restart.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

CLIENT=$ZS_TOP_BUILDDIR/zsign-client
VERIFY=$ZS_TOP_BUILDDIR/tests/e2e/zsd-verify
zs_plan 10

"$ZS_ZSIGND" --generate-key ecdsa-p256 "$ZS_TMP/rel-2026.pem" \
    >"$ZS_TMP/2026.out" 2>&1 &&
"$ZS_ZSIGND" --generate-key ecdsa-p256 "$ZS_TMP/rel-2027.pem" \
    >"$ZS_TMP/2027.out" 2>&1 || zs_bail "--generate-key failed"
tail -n +2 "$ZS_TMP/2026.out" >"$ZS_TMP/2026.pub"
tail -n +2 "$ZS_TMP/2027.out" >"$ZS_TMP/2027.pub"

CONF=$ZS_TMP/zsignd.json
cat >"$CONF" <<EOC
{"keys": [{"name": "rel", "path": "$ZS_TMP/rel-2026.pem", "version": "2026"}]}
EOC
zs_start_zsignd -c "$CONF" || zs_bail "zsignd did not start"
zs_mkimage "$ZS_TMP/zephyr.bin" 4096
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/zephyr.bin" rel
zs_post /v1/sign "$ZS_TMP/req.json"
zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/signed-2026.bin"
"$VERIFY" "$ZS_TMP/signed-2026.bin" "$ZS_TMP/2026.pub" >/dev/null 2>&1
zs_ok $? "version 2026 signs as \"rel\""

# Rotate: 2027 becomes current, 2026 is kept as rel@2026.
cat >"$CONF" <<EOC
{"keys": [{"name": "rel", "path": "$ZS_TMP/rel-2027.pem", "version": "2027",
           "previous": [{"version": "2026", "path": "$ZS_TMP/rel-2026.pem"}]}]}
EOC
kill -HUP "$ZS_PID"
zs_wait_log 'configuration reloaded \(#2\)'
zs_ok $? "SIGHUP applies the rotation without a restart"
zs_curl GET /v1/keys
zs_is "$(zs_json '[.keys[] | "\(.name)=\(.superseded_by // "current")"] | sort | join(",")')" \
    "rel=current,rel@2026=2027" "/v1/keys lists the current key and rel@2026"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/signed-2027.bin"
"$VERIFY" "$ZS_TMP/signed-2027.bin" "$ZS_TMP/2027.pub" >/dev/null 2>&1
zs_ok $? "\"rel\" now signs with version 2027"
zs_imgtool_request "$ZS_TMP/req-old.json" "$ZS_TMP/zephyr.bin" rel@2026
zs_post /v1/sign "$ZS_TMP/req-old.json"
zs_is "$ZS_STATUS:$(zs_json .error.message)" \
    '403:key "rel@2026" is an earlier version (the current one is rel@2027): it serves its public key for verifying, and signs no more' \
    "the earlier version refuses to sign"

"$CLIENT" -s "unix:$ZS_SOCK" imgtool getpub -k zsign:rel@2026 -e pem \
    >"$ZS_TMP/getpub.pem" 2>"$ZS_TMP/client.err"
cmp -s "$ZS_TMP/getpub.pem" "$ZS_TMP/2026.pub"
zs_ok $? "zsign-client imgtool getpub -k zsign:rel@2026 gives the old public key"
"$CLIENT" -s "unix:$ZS_SOCK" imgtool verify -k zsign:rel@2026 \
    "$ZS_TMP/signed-2026.bin" >"$ZS_TMP/verify.out" 2>&1
zs_ok $? "an image signed before the rotation verifies against rel@2026"
"$CLIENT" -s "unix:$ZS_SOCK" imgtool verify -k zsign:rel \
    "$ZS_TMP/signed-2026.bin" >/dev/null 2>&1
zs_is $? 1 "... and not against the current key"

printf '{"keys": [{"name": "a@b", "path": "%s"}]}\n' \
    "$ZS_TMP/rel-2027.pem" >"$ZS_TMP/bad.json"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.json" >"$ZS_TMP/bad.out" 2>&1
zs_is "$?:$(grep -c 'previous' "$ZS_TMP/bad.out")" 1:1 \
    "a configured name with \"@\" is refused"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Key lifetimes end to end: "not_before"/"not_after" refuse signing outside
# the window with a message naming it, /metrics counts the seconds left,
# and a SIGHUP applies a changed window.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

zs_plan 10

CONF=$ZS_TMP/zsignd.json
NEXT_YEAR=$(date -u -d '+1 year' +%Y-%m-%dT%H:%M:%SZ)
write_conf() {	# NOT_AFTER of "old"
	cat >"$CONF" <<EOC
{
  "metrics": {"allow": ["unix"]},
  "keys": [
    {"name": "old", "path": "$ZS_KEYDIR/test-ecdsa-p256.pem",
     "not_after": "$1"},
    {"name": "soon", "path": "$ZS_KEYDIR/test-ecdsa-p256.pem",
     "not_before": "2099-01-01T00:00:00+01:00"},
    {"name": "now", "path": "$ZS_KEYDIR/test-ecdsa-p256.pem",
     "not_before": "2020-01-01T00:00:00Z", "not_after": "$NEXT_YEAR"}
  ]
}
EOC
}
write_conf 2020-01-01T00:00:00Z
zs_start_zsignd -c "$CONF" || zs_bail "zsignd did not start"

zs_mkimage "$ZS_TMP/zephyr.bin" 4096
for k in old soon now; do
	zs_imgtool_request "$ZS_TMP/req-$k.json" "$ZS_TMP/zephyr.bin" "$k"
done
zs_post /v1/sign "$ZS_TMP/req-old.json"
zs_is "$ZS_STATUS:$(zs_json .error.message)" \
    '403:key "old" has expired: it may sign until 2020-01-01T00:00:00Z' \
    "an expired key refuses, naming its window"
zs_post /v1/sign "$ZS_TMP/req-soon.json"
zs_is "$ZS_STATUS:$(zs_json .error.message)" \
    '403:key "soon" is not valid yet: it may sign from 2098-12-31T23:00:00Z' \
    "a key before its not_before refuses (the offset applied)"
zs_post /v1/sign "$ZS_TMP/req-now.json"
zs_is "$ZS_STATUS" 200 "a key inside its window signs"
zs_curl GET /v1/keys
zs_is "$(zs_json '[.keys[].name] | sort | join(",")')" "now,old,soon" \
    "expired keys are still listed (their public keys stay reachable)"

zs_curl GET /metrics
left=$(awk '$1 == "zsignd_key_expiry_seconds{key=\"now\"}" { print $2 }' "$ZS_BODY")
[ "${left:-0}" -gt 30000000 ] && [ "$left" -le 31622400 ]
zs_ok $? "/metrics: seconds until the key expires ($left)"
gone=$(awk '$1 == "zsignd_key_expiry_seconds{key=\"old\"}" { print $2 }' "$ZS_BODY")
[ "${gone:-0}" -lt 0 ]
zs_ok $? "/metrics: an expired key counts below zero ($gone)"
grep -q 'zsignd_key_expiry_seconds{key="soon"}' "$ZS_BODY"
zs_is $? 1 "/metrics: a key without not_after has no expiry sample"

# SIGHUP applies a new window.
write_conf "$NEXT_YEAR"
kill -HUP "$ZS_PID"
zs_wait_log 'configuration reloaded \(#2\)'
zs_post /v1/sign "$ZS_TMP/req-old.json"
zs_is "$ZS_STATUS" 200 "after SIGHUP the renewed key signs again"

printf '{"keys": [{"name": "k", "path": "%s", "not_after": "2026-13-01T00:00:00Z"}]}\n' \
    "$ZS_KEYDIR/test-ecdsa-p256.pem" >"$ZS_TMP/bad.json"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.json" >"$ZS_TMP/bad.out" 2>&1
zs_is "$?:$(grep -c 'not an RFC 3339 time' "$ZS_TMP/bad.out")" 1:1 \
    "--check-config refuses a malformed not_after"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

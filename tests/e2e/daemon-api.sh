#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsignd's HTTP API with a real daemon on a temporary socket: health, keys,
# the error replies of PROTOCOL.md (status and JSON code), the body cap,
# request logging, and a clean SIGTERM.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

zs_plan 54

zs_start_zsignd $ZS_TEST_KEYS -c "$ZS_TOP_SRCDIR/tests/e2e/daemon-api.json" ||
    zs_bail "zsignd did not start"

zs_curl GET /v1/health
zs_is "$ZS_STATUS" 200 "health: 200"
zs_is "$(zs_json '.status + " " + (.keys|tostring)')" "ok 3" \
    "health: status ok, 3 keys"
zs_is "$(zs_json .version)" "$("$ZS_ZSIGND" --version | sed 's/^zsignd //')" \
    "health: version is zsignd --version's"

zs_curl GET /v1/keys
zs_is "$ZS_STATUS" 200 "keys: 200"
zs_is "$(zs_json '[.keys[].name]|join(",")')" \
    "test-ecdsa-p256,test-ed25519,test-rsa-2048" "keys: names in order"
zs_is "$(zs_json '[.keys[]|.type+"/"+(.bits|tostring)+"/"+.backend+"/"+(.available|tostring)]|join(",")')" \
    "ecdsa-p256/256/file/true,ed25519/256/file/true,rsa-2048/2048/file/true" \
    "keys: type, bits, backend, available"
# The fingerprint is SHA-256 over the SubjectPublicKeyInfo DER.
fp=$(openssl pkey -in "$ZS_KEYDIR/test-ecdsa-p256.pem" -pubout -outform DER |
    sha256sum | cut -d' ' -f1)
zs_is "$(zs_json '.keys[0].fingerprint')" "SHA256:$fp" \
    "keys: fingerprint is SHA-256 of the SPKI DER"
jq -j ".keys[1].public_key_pem" "$ZS_BODY" >"$ZS_TMP/pub.pem"
openssl pkey -in "$ZS_KEYDIR/test-ed25519.pem" -pubout >"$ZS_TMP/want.pem"
cmp -s "$ZS_TMP/pub.pem" "$ZS_TMP/want.pem"
zs_ok $? "keys: public_key_pem is the key's public PEM"
zs_is "$(zs_json '[.keys[]|has("private_key_pem")]|any')" false \
    "keys: nothing private is listed"

# expect STATUS CODE DESCRIPTION: the last reply is a PROTOCOL.md error.
expect() {
	zs_is "$ZS_STATUS $(zs_json .error.code)" "$1 $2" "$3"
}

zs_curl GET /v1/nothing
expect 404 not_found "unknown endpoint: 404 not_found"
zs_curl POST /v1/health
expect 405 invalid "POST /v1/health: 405 invalid"
zs_curl GET /v1/sign -D "$ZS_TMP/headers"
expect 405 invalid "GET /v1/sign: 405 invalid"
grep -qi '^Allow: POST' "$ZS_TMP/headers"
zs_ok $? "405 names the allowed method"
zs_curl DELETE /v1/keys
expect 405 invalid "DELETE /v1/keys: 405 invalid"
# An unknown method token: 400 in JSON (PROTOCOL.md §1), not evhttp's 501.
zs_curl BREW /v1/health
expect 400 invalid "BREW /v1/health: 400 invalid"
zs_curl BREW /v1/sign -d '{}'
expect 400 invalid "BREW /v1/sign with a body: 400 invalid"

# post DESCRIPTION STATUS CODE JSON: POST JSON text to /v1/sign.
post() {
	printf '%s' "$4" >"$ZS_TMP/req.json"
	zs_post /v1/sign "$ZS_TMP/req.json"
	expect "$2" "$3" "$1: $2 $3"
}

post "malformed JSON" 400 invalid '{"tool": "imgtool", "args": ['
post "not an object" 400 invalid '["imgtool"]'
post "unknown member" 400 invalid \
    '{"tool":"imgtool","args":[],"files":{},"extra":1}'
post "wrong type" 400 invalid '{"tool":"imgtool","args":"x","files":{}}'
post "bad base64" 400 invalid \
    '{"tool":"imgtool","args":["a.bin","b.bin"],"files":{"a.bin":"@@@@"}}'
post "unknown tool" 400 invalid '{"tool":"openssl","args":[],"files":{}}'
post "key and fingerprint" 400 invalid \
    '{"tool":"imgtool","key":"test-ed25519","key_fingerprint":"SHA256:'"$fp"'","args":[],"files":{}}'
post "unknown key" 404 not_found \
    '{"tool":"imgtool","key":"nope","args":["a.bin","b.bin"],"files":{"a.bin":"AAAA"}}'
zs_is "$(zs_json .error.message)" 'unknown key "nope"' \
    "unknown key: the message names it"
post "unknown fingerprint" 404 not_found \
    '{"tool":"imgtool","key_fingerprint":"SHA256:'"$(printf '%064d' 0)"'","args":["a.bin","b.bin"],"files":{"a.bin":"AAAA"}}'
post "unknown key in args" 404 not_found \
    '{"tool":"imgtool","args":["-k","zsign:nope","--version","1.0.0","-H","0x200","-S","0x10000","a.bin","b.bin"],"files":{"a.bin":"AAAA"}}'
post "too many files" 413 too_large \
    "{\"tool\":\"imgtool\",\"args\":[],\"files\":{$(i=0; while [ $i -lt 65 ]; do
	printf '"f%d":"AA==",' $i; i=$((i + 1)); done)\"last\":\"AA==\"}}"

# Over max_body_bytes (64 KiB here): refused before the body is read.
head -c 70000 /dev/zero | tr '\0' 'A' >"$ZS_TMP/big"
zs_curl POST /v1/sign -H 'Content-Type: application/json' \
    --data-binary "@$ZS_TMP/big"
zs_is "$ZS_STATUS" 413 "body over max_body_bytes: 413"
zs_curl GET /v1/health
zs_is "$ZS_STATUS" 200 "still serving after a refused body"

# Headers over max_header_bytes (4 KiB here).
zs_curl GET /v1/health -H "X-Big: $(head -c 6000 /dev/zero | tr '\0' 'h')"
zs_is "$ZS_STATUS" 400 "headers over max_header_bytes: 400"

# The audit log: one line per request with the peer uid; no key material.
zs_log_has "sign uid=$(id -u) pid=[0-9]+ key=- tool=imgtool .*status=404 result=not_found"
zs_ok $? "log: sign line with uid, key, tool, result"
zs_log_has "GET /v1/keys uid=$(id -u) .*status=200"
zs_ok $? "log: keys line with uid"
! grep -q 'PRIVATE KEY' "$ZS_LOG"
zs_ok $? "log: no key material"
# A member name cannot forge a log line; a malformed body is not quoted.
printf '{"tool":"imgtool","args":[],"files":{},"x\\nzsignd: forged":1}' \
    >"$ZS_TMP/req.json"
zs_post /v1/sign "$ZS_TMP/req.json"
printf '{"tool":"imgtool","files":{"a":"SECRETCONTENT' >"$ZS_TMP/req.json"
zs_post /v1/sign "$ZS_TMP/req.json"
! grep -q '^zsignd: forged' "$ZS_LOG" && ! grep -q SECRETCONTENT "$ZS_LOG"
zs_ok $? "log: no forged lines, no request bytes"

# Command line: help, version, check-config, bad keys and config files.
"$ZS_ZSIGND" --help | grep -q -- '--check-config'
zs_ok $? "--help lists the options"
"$ZS_ZSIGND" --version | grep -Eq '^zsignd [0-9]+\.[0-9]+\.[0-9]+$'
zs_ok $? "--version prints the version"
"$ZS_ZSIGND" --frobnicate >/dev/null 2>&1
zs_is $? 2 "unknown option: exit 2"
"$ZS_ZSIGND" --check-config $ZS_TEST_KEYS \
    -c "$ZS_TOP_SRCDIR/tests/e2e/daemon-api.json" >"$ZS_TMP/out" 2>&1
zs_is "$?:$(cat "$ZS_TMP/out")" \
    "0:configuration OK: 3 key(s), 1 listener(s), 2 worker(s)" \
    "--check-config loads keys and config"
"$ZS_ZSIGND" --check-config -k bad="$ZS_TMP/missing.pem" >"$ZS_TMP/out" 2>&1
rc=$?
zs_is "$rc" 1 "a key that cannot be loaded stops start-up"
grep -q "key bad ($ZS_TMP/missing.pem)" "$ZS_TMP/out"
zs_ok $? "... with a message naming the key and file"
printf 'not a key\n' >"$ZS_TMP/junk.pem"
"$ZS_ZSIGND" --check-config -k junk="$ZS_TMP/junk.pem" >/dev/null 2>&1
zs_is $? 1 "a file that is no key stops start-up"
"$ZS_ZSIGND" --check-config -k 'bad name=x.pem' >/dev/null 2>&1
zs_is $? 1 "an invalid key name stops start-up"
"$ZS_ZSIGND" --check-config -p nokey="$ZS_TMP/pass" >/dev/null 2>&1
zs_is $? 1 "a passphrase file for an unknown key stops start-up"
# An encrypted key: -p may come before its -k; a wrong passphrase stops.
openssl genpkey -algorithm ed25519 -aes256 -pass pass:s3cret \
    -out "$ZS_TMP/enc.pem" 2>/dev/null
printf 's3cret\n' >"$ZS_TMP/pass"
"$ZS_ZSIGND" --check-config -p enc="$ZS_TMP/pass" -k enc="$ZS_TMP/enc.pem" \
    2>/dev/null | grep -q '^configuration OK: 1 key(s)'
zs_ok $? "an encrypted key loads with its passphrase file (-p before -k)"
printf 'wrong\n' >"$ZS_TMP/pass"
"$ZS_ZSIGND" --check-config -k enc="$ZS_TMP/enc.pem" -p enc="$ZS_TMP/pass" \
    >/dev/null 2>&1
zs_is $? 1 "a wrong passphrase stops start-up"
printf '{"listen":[],"limits":{"max_body_bytes":1},"colour":"blue"}\n' \
    >"$ZS_TMP/bad.json"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.json" >"$ZS_TMP/out" 2>&1
zs_is $? 1 "an unknown config member stops start-up"
grep -q colour "$ZS_TMP/out"
zs_ok $? "... and the message names it"
printf '{"limits":{"max_in_flight":0}}\n' >"$ZS_TMP/bad.json"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.json" >/dev/null 2>&1
zs_is $? 1 "an out-of-range limit stops start-up"
printf '{"listen":["tcp:127.0.0.1:1"]}\n' >"$ZS_TMP/bad.json"
"$ZS_ZSIGND" --check-config -c "$ZS_TMP/bad.json" >/dev/null 2>&1
zs_is $? 1 "an unsupported listener stops start-up"

# A second zsignd on the same socket must not steal it.
"$ZS_ZSIGND" -l "unix:$ZS_SOCK" >"$ZS_TMP/out" 2>&1 &
pid2=$!
zs_i=0
while kill -0 $pid2 2>/dev/null && [ $zs_i -lt 100 ]; do
	sleep 0.1
	zs_i=$((zs_i + 1))
done
kill -KILL $pid2 2>/dev/null
wait $pid2
zs_is $? 1 "a live socket is not taken over"

zs_stop_zsignd
zs_is $? 0 "SIGTERM: exit 0"
[ ! -e "$ZS_SOCK" ]
zs_ok $? "SIGTERM: socket file removed"
zs_check_log "no sanitizer reports or crashes"

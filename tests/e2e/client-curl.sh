#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Signing with plain curl as docs/PROTOCOL.md shows it, against a real
# zsignd: the reply's image equals what zsign-client writes for the same
# arguments (Ed25519 is deterministic), and errors have the documented form.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

KEYS=$ZS_TOP_SRCDIR/tests/keys
client_start "dev=$KEYS/test-ed25519.pem"
SOCK=$ZS_SOCK
cd "$ZS_TMP" || exit 1
head -c 3000 /dev/urandom >zephyr.bin

# The request, as in docs/PROTOCOL.md.
{
	printf '{"tool":"imgtool","key":"dev",'
	printf '"args":["--version","1.2.3","--header-size","0x200",'
	printf '"--pad-header","--slot-size","0x10000",'
	printf '"zephyr.bin","zephyr.signed.bin"],'
	printf '"files":{"zephyr.bin":"%s"}}' "$(base64 -w0 zephyr.bin)"
} >req.json
code=$(curl -sS --unix-socket "$SOCK" -o reply.json -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @req.json \
    http://zsign/v1/sign)
tap_check "curl POST /v1/sign: HTTP 200" test "$code" = 200
jq -r '.files["zephyr.signed.bin"]' reply.json | base64 -d >curl.bin
"$CLIENT" imgtool sign -k zsign:dev --version 1.2.3 --header-size 0x200 \
    --pad-header --slot-size 0x10000 zephyr.bin client.bin
tap_check "curl's image equals zsign-client's" cmp -s curl.bin client.bin
tap_check "the reply names the key" \
    test "$(jq -r '.key.name + " " + .key.type' reply.json)" = "dev ed25519"
"$CLIENT" imgtool verify curl.bin >verify.txt 2>&1
tap_check "the reply's digest is the one imgtool verify reports" \
    grep -qx "Image digest: $(jq -r .digest reply.json)" verify.txt

code=$(curl -sS --unix-socket "$SOCK" -o err.json -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    --data-binary '{"tool":"imgtool","key":"nosuch","args":["--version","1","--header-size","0x200","--pad-header","--slot-size","0x10000","zephyr.bin","o.bin"],"files":{"zephyr.bin":"AAAA"}}' \
    http://zsign/v1/sign)
tap_check "unknown key: HTTP 404 with code not_found" \
    test "$code:$(jq -r .error.code err.json)" = "404:not_found"
code=$(curl -sS --unix-socket "$SOCK" -o err.json -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary '{"tool":"imgtool"}' \
    http://zsign/v1/sign)
tap_check "incomplete request: HTTP 400 with code invalid" \
    test "$code:$(jq -r .error.code err.json)" = "400:invalid"
code=$(curl -sS --unix-socket "$SOCK" -o health.json -w '%{http_code}' \
    http://zsign/v1/health)
tap_check "curl GET /v1/health" \
    test "$code:$(jq -r .status health.json)" = "200:ok"
tap_done

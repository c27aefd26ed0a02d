#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Signing with plain curl exactly as docs/PROTOCOL.md shows it (5.7, args
# and west mode), against a real zsignd: the reply's image equals what
# zsign-client writes for the same arguments (Ed25519 is deterministic),
# west mode reports what zsign-client sign prints, and errors have the
# documented form.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

KEYS=$ZS_TOP_SRCDIR/tests/keys
client_start "dev=$KEYS/test-ed25519.pem"
SOCK=$ZS_SOCK
cd "$ZS_TMP" || exit 1
mkdir -p build/zephyr
zs_mkimage build/zephyr/zephyr.bin 6000

# docs/PROTOCOL.md 5.7, args mode, word for word but the socket path.
B64=$(base64 -w0 build/zephyr/zephyr.bin)
cat >req.json <<EOF
{"tool": "imgtool", "key": "dev",
 "args": ["--version", "1.2.3+4", "--header-size", "0x200", "--align", "4",
          "--slot-size", "0x76000", "zephyr.bin", "zephyr.signed.bin"],
 "files": {"zephyr.bin": "$B64"}}
EOF
curl -s --unix-socket "$SOCK" \
    -H 'Content-Type: application/json' --data-binary @req.json \
    http://zsign/v1/sign | jq -r '.files["zephyr.signed.bin"]' |
    base64 -d >zephyr.signed.bin
"$CLIENT" imgtool sign -k zsign:dev --version 1.2.3+4 --header-size 0x200 \
    --align 4 --slot-size 0x76000 build/zephyr/zephyr.bin client.bin
tap_check "curl (PROTOCOL.md 5.7) and zsign-client both sign" \
    test -s zephyr.signed.bin -a -s client.bin
tap_check "curl's image equals zsign-client's (Ed25519: byte for byte)" \
    cmp -s zephyr.signed.bin client.bin

# The same request, to look at the whole reply.
code=$(curl -sS --unix-socket "$SOCK" -o reply.json -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @req.json \
    http://zsign/v1/sign)
tap_check "POST /v1/sign: HTTP 200" test "$code" = 200
tap_check "the reply names the key" \
    test "$(jq -r '.key.name + " " + .key.type' reply.json)" = "dev ed25519"
"$CLIENT" imgtool verify -k zsign:dev zephyr.signed.bin >verify.txt 2>&1
tap_check "the reply's digest is the one imgtool verify reports" \
    grep -qx "Image digest: $(jq -r .digest reply.json)" verify.txt

# docs/PROTOCOL.md 5.7, west mode, on the nRF52840 DK fixture.
rm -rf build
cp -R "$ZS_TOP_SRCDIR/tests/fixtures/zephyr/nrf52840dk_nrf52840" build
chmod -R u+w build
dtc -@ -I dts -O dtb -o zephyr.dtb build/zephyr/zephyr.dts 2>/dev/null
jq -n --rawfile config build/zephyr/.config \
    --arg dtb "$(base64 -w0 zephyr.dtb)" \
    --arg bin "$(base64 -w0 build/zephyr/zephyr.bin)" \
    --arg hex "$(base64 -w0 build/zephyr/zephyr.hex)" \
    --arg bd "$(realpath build)" \
    '{tool: "imgtool", key: "dev", args: [],
      files: {"zephyr.bin": $bin, "zephyr.hex": $hex},
      west: {config: $config, dtb: $dtb, build_dir: $bd,
             inputs: {bin: "zephyr.bin", hex: "zephyr.hex"}}}' >req.json
curl -s --unix-socket "$SOCK" \
    -H 'Content-Type: application/json' --data-binary @req.json \
    http://zsign/v1/sign | jq '{params, info, warnings, digest}' >west.json
tap_check "west mode: sign.py's parameters" test "$(jq -c \
    '.params | [.version, .header_size, .align, .slot_size]' west.json)" = \
    '["1.2.3+4",512,4,483328]'
jq -r '.info[]' west.json >curl-info.txt
"$CLIENT" sign -d build -t imgtool -- -k zsign:dev >client-info.txt 2>&1
tap_same "west mode: the info lines are those zsign-client sign prints" \
    curl-info.txt client-info.txt

# Errors as docs/PROTOCOL.md 2 shows them.
code=$(curl -s --unix-socket "$SOCK" -o err.json -w '%{http_code}' \
    -H 'Content-Type: application/json' \
    -d '{"tool":"imgtool","args":[],"files":{},"x":1}' http://zsign/v1/sign)
tap_check "unknown member: HTTP 400, code invalid" \
    test "$code:$(jq -r .error.code err.json)" = "400:invalid"
jq '.key = "nosuch"' req.json >req2.json
code=$(curl -s --unix-socket "$SOCK" -o err.json -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @req2.json \
    http://zsign/v1/sign)
tap_check "unknown key: HTTP 404, code not_found" \
    test "$code:$(jq -r .error.code err.json)" = "404:not_found"
code=$(curl -s --unix-socket "$SOCK" -o health.json -w '%{http_code}' \
    http://zsign/v1/health)
tap_check "GET /v1/health" test "$code:$(jq -r .status health.json)" = "200:ok"
tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The binary form of POST /v1/sign (PROTOCOL.md 5.8) and zsign-client's
# transport: what the client links, binary requests by hand with curl (JSON
# and binary replies, and the malformed ones), the same image signed by
# every path (Ed25519 signatures are deterministic), the reply naming the
# input instead of carrying it, max_body_bytes counting file bytes, and a
# refused body answered cleanly. No timing is checked here (bench/ does).
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

KEYS=$ZS_TOP_SRCDIR/tests/keys
BIN=application/vnd.zsign.v1+bin
# 1 MiB of files at most: the JSON body of a 900 KiB image is over that.
printf '{"limits": {"max_body_bytes": 1048576}}\n' >"$ZS_TMP/zsignd.json"
zs_start_zsignd -k "ed=$KEYS/test-ed25519.pem" -c "$ZS_TMP/zsignd.json" ||
    zs_bail "zsignd did not start"
ZSIGN_SERVER=unix:$ZS_SOCK
export ZSIGN_SERVER
cd "$ZS_TMP" || exit 1
head -c 70000 /dev/urandom >app.bin
head -c 921600 /dev/urandom >big.bin
ARGS='"--version","1.2.3","--header-size","0x200","--pad-header","--slot-size","0x100000"'

# zsign-client does not load libcurl for its transport.
needed=$(readelf -d "$CLIENT" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' |
    tr '\n' ' ')
case $needed in
*libcurl*) zs_fail "zsign-client does not link libcurl ($needed)" ;;
*libhttp_parser*) zs_pass "zsign-client links http-parser, not libcurl" ;;
*) zs_fail "zsign-client links http-parser ($needed)" ;;
esac

# binreq FILE IMAGE [EXTRA]: a binary request for IMAGE, plus EXTRA bytes.
binreq() {
	{
		printf '{"tool":"imgtool","key":"ed","args":[%s,"%s","out.bin"],' \
		    "$ARGS" "$2"
		printf '"files":{"%s":%s}}\n' "$2" "$(stat -c %s "$2")"
		cat "$2"
		[ -n "${3:-}" ] && printf '%s' "$3"
	} >"$1"
}
# post_bin FILE [CURL ARGS]: POST FILE as the binary form.
post_bin() {
	f=$1
	shift
	zs_curl POST /v1/sign -H "Content-Type: $BIN" --data-binary "@$f" "$@"
}

"$CLIENT" imgtool sign -k zsign:ed --version 1.2.3 --header-size 0x200 \
    --pad-header --slot-size 0x100000 app.bin client.bin 2>err
zs_ok $? "zsign-client signs ($(cat err))"

# A binary request, JSON reply: the same bytes as the client's.
binreq req.bin app.bin
post_bin req.bin
zs_is "$ZS_STATUS" 200 "binary request, JSON reply: 200"
zs_json '.files["out.bin"]' | base64 -d >curl.bin
tap_check "binary request, JSON reply: the client's image" cmp -s curl.bin \
    client.bin

# The same request in JSON: the same bytes again.
printf '{"tool":"imgtool","key":"ed","args":[%s,"app.bin","out.bin"],"files":{"app.bin":"%s"}}' \
    "$ARGS" "$(zs_b64 app.bin)" >req.json
zs_post /v1/sign req.json
zs_json '.files["out.bin"]' | base64 -d >json.bin
tap_check "JSON request: the same image" cmp -s json.bin client.bin

# A binary reply: the head names the input, the bytes are the rest.
post_bin req.bin -H "Accept: $BIN" -D headers
zs_is "$ZS_STATUS" 200 "binary reply: 200"
tap_check "binary reply: its Content-Type" grep -qi "^content-type: $BIN" \
    headers
head -n1 "$ZS_BODY" >head.json
zs_is "$(zs_json '[.files["out.bin"][] | .input // empty] | join(",")' \
    head.json)" app.bin "binary reply: out.bin names app.bin"
datalen=$(($(stat -c %s "$ZS_BODY") - $(wc -c <head.json)))
sum=$(zs_json '[.files["out.bin"][] | .data // 0] | add' head.json)
zs_is "$datalen" "$sum" "binary reply: data bytes as the parts say ($sum)"
zs_ok $([ "$sum" -lt 4096 ]; echo $?) \
    "binary reply: only header and TLVs travel ($sum of $(stat -c %s client.bin) bytes)"

# Malformed binary requests: one clear 400 each, the daemon still serves.
binreq short.bin app.bin
head -c $(($(stat -c %s short.bin) - 1)) short.bin >short2.bin
post_bin short2.bin
zs_is "$ZS_STATUS:$(zs_json .error.code)" 400:invalid \
    "a file running past the body: 400 invalid"
binreq extra.bin app.bin xyz
post_bin extra.bin
zs_is "$ZS_STATUS:$(zs_json .error.message)" "400:body: 3 bytes after the files" \
    "bytes after the files: 400 invalid"
{ printf '{"tool":"imgtool","key":"ed","args":[],"files":{"a":1}}x'; } >nonl.bin
post_bin nonl.bin
zs_is "$ZS_STATUS:$(zs_json .error.code)" 400:invalid \
    "no newline after the head: 400 invalid"
printf '{"tool":"imgtool","args":[],"files":{"a":"AAAA"}}\nAAA' >str.bin
post_bin str.bin
zs_is "$ZS_STATUS:$(zs_json .error.message)" \
    "400:files.a: must be a length in bytes" "a base64 file in the binary form: 400"

# max_body_bytes counts file bytes: 900 KiB signs in the binary form, its
# base64 (1.2 MB) is over the HTTP cap.
"$CLIENT" imgtool sign -k zsign:ed --version 1.2.3 --header-size 0x200 \
    --pad-header --slot-size 0x100000 big.bin big.signed.bin 2>err
zs_ok $? "900 KiB under a 1 MiB max_body_bytes: signed ($(cat err))"
printf '{"tool":"imgtool","key":"ed","args":[%s,"big.bin","out.bin"],"files":{"big.bin":"%s"}}' \
    "$ARGS" "$(zs_b64 big.bin)" >big.json
zs_post /v1/sign big.json
zs_is "$ZS_STATUS" 413 "the same image in JSON: 413"
binreq big.bin.req big.bin
post_bin big.bin.req
zs_json '.files["out.bin"]' | base64 -d >big.curl.bin
tap_check "900 KiB: client and curl make the same image" cmp -s big.curl.bin \
    big.signed.bin

# Over the cap: the client reports the refusal in one line, exit 1.
head -c 1200000 /dev/urandom >huge.bin
"$CLIENT" imgtool sign -k zsign:ed --version 1.2.3 --header-size 0x200 \
    --pad-header --slot-size 0x200000 huge.bin huge.signed.bin >out 2>err
rc=$?
zs_ok $([ $rc -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] &&
    grep -q "too large" err && [ ! -e huge.signed.bin ]; echo $?) \
    "over max_body_bytes: exit 1, one line, no output ($rc: $(cat err))"
"$CLIENT" health >out 2>&1
tap_check "still serving" grep -q ": ok, zsignd" out

tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A private key given where imgtool wants a public one (--fix-sig-pubkey,
# -E; imgtool sign and west mode) never leaves the machine: zsign-client
# sends its public key and names it in from_private. The audit record's
# input hash is the public key's, the image and stdout still equal imgtool
# 2.4.0's, a key the client cannot read is not sent at all, and zsignd
# refuses a private key that curl sends (400).
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

V=$ZS_TOP_SRCDIR/tests/vectors/imgtool
CASE=$ZS_TOP_SRCDIR/tests/vectors/imgtool-cmds/cases
AUDIT=$ZS_TMP/audit.log
zs_start_zsignd -k "ecdsa-p256=$V/keys/ecdsa-p256.pem" --audit-log "$AUDIT" ||
    zs_bail "zsignd did not start"
ZSIGN_SERVER=unix:$ZS_SOCK
export ZSIGN_SERVER
cd "$ZS_TMP" || exit 1
cp "$V/keys/ecdsa-p256.pem" priv.pem
cp "$V/keys/enc-ecdsa-p256.pem" encpriv.pem
cp "$V/inputs/sig-ecdsa-p256.b64" sig.b64
cp "$V/inputs/rand-4099.bin" in.bin

# sha FILE: the SHA-256 of FILE in hex.
sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# The audit record's hash of input NAME in the last record.
audit_hash() {
	tail -1 "$AUDIT" | jq -r --arg n "$1" '.inputs[$n] // "-"'
}

# imgtool-cmds sign-stdout-fix-sig-ecdsa-p256-private, with local names.
"$CLIENT" imgtool sign --fix-sig sig.b64 --fix-sig-pubkey priv.pem \
    -v 1.2.3 -H 0x200 --pad-header -S 0x20000 in.bin out.bin >stdout
zs_ok $? "a private --fix-sig-pubkey: signed"
C=$CASE/sign-stdout-fix-sig-ecdsa-p256-private
tap_check "the image equals imgtool's" cmp -s "$C/out.bin" out.bin
tap_same "stdout equals imgtool's" "$C/stdout" stdout
openssl pkey -in priv.pem -pubout -out pub.pem
got=$(audit_hash priv.pem)
zs_is "$got" "$(sha pub.pem)" \
    "zsignd received the public key (audit input hash)"
[ "$got" != "$(sha priv.pem)" ]
zs_ok $? "zsignd did not receive the private key file"
! grep -q 'PRIVATE' "$AUDIT" "$ZS_LOG"
zs_ok $? "no private key in the audit log or zsignd's log"

# -E with a private key: its public key is the recipient.
n=$(wc -l <"$AUDIT")
"$CLIENT" imgtool sign -k zsign:ecdsa-p256 -E encpriv.pem -v 1.2.3 \
    -H 0x200 --pad-header -S 0x20000 in.bin enc.bin >/dev/null
zs_ok $? "a private -E key: signed and encrypted"
openssl pkey -in encpriv.pem -pubout -out encpub.pem
zs_is "$(wc -l <"$AUDIT"):$(audit_hash encpriv.pem)" \
    "$((n + 1)):$(sha encpub.pem)" "-E: zsignd received the public key"

# West mode (sign -t imgtool) takes imgtool's options after --: the same.
cp -R "$ZS_TOP_SRCDIR/tests/fixtures/zephyr/frdm_k64f" bd
"$CLIENT" sign -q -d bd -t imgtool -B west.bin -- -k zsign:ecdsa-p256 \
    -E encpriv.pem
zs_ok $? "west mode with a private -E key: signed"
zs_is "$(audit_hash encpriv.pem)" "$(sha encpub.pem)" \
    "west mode: zsignd received the public key"

# A key the client cannot read (password-protected) is not sent.
openssl pkey -in priv.pem -aes256 -passout pass:secret -out locked.pem
n=$(wc -l <"$AUDIT")
"$CLIENT" imgtool sign --fix-sig sig.b64 --fix-sig-pubkey locked.pem \
    -v 1.2.3 -H 0x200 --pad-header -S 0x20000 in.bin locked.bin \
    </dev/null >/dev/null 2>err
rc=$?
zs_is "$rc:$(wc -l <"$AUDIT"):$([ -e locked.bin ] && echo out)" "1:$n:" \
    "a password-protected key: refused, nothing sent or written"
grep -q 'password-protected.*not sent' err
zs_ok $? "the client says why: $(head -1 err)"

# curl: a private key in files where a public key is wanted is refused.
zs_args_json args.json --fix-sig sig.b64 --fix-sig-pubkey priv.pem \
    -v 1.2.3 -H 0x200 --pad-header -S 0x20000 in.bin out.bin
jq -n --slurpfile a args.json --arg s "$(zs_b64 sig.b64)" \
    --arg k "$(zs_b64 priv.pem)" --arg i "$(zs_b64 in.bin)" \
    '{tool: "imgtool", args: $a[0], files: {"sig.b64": $s,
    "priv.pem": $k, "in.bin": $i}}' >req.json
zs_post /v1/sign req.json
zs_is "$ZS_STATUS:$(zs_json .error.code)" "400:invalid" \
    "curl with a private --fix-sig-pubkey: 400 invalid"
zs_json .error.message | grep -q 'priv.pem: a private key'
zs_ok $? "the message says so: $(zs_json .error.message)"
# The same with the public key and from_private: imgtool's image and line.
jq --arg k "$(zs_b64 pub.pem)" '.files["priv.pem"] = $k |
    .from_private = ["priv.pem"]' req.json >req2.json
zs_post /v1/sign req2.json
zs_is "$ZS_STATUS:$(zs_json '.stdout | join("|")')" \
    "200:$(cat "$C/stdout")" "curl with from_private: imgtool's line"
zs_json '.files["out.bin"]' | base64 -d >curl.bin
tap_check "curl with from_private: imgtool's image" cmp -s "$C/out.bin" \
    curl.bin

zs_stop_zsignd
tap_done

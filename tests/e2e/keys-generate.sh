#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsignd --generate-key: every type as a new PEM file (mode 0600, PKCS#8,
# encrypted with -p) and on a SoftHSM2 token (sensitive, never
# extractable: CKA_VALUE cannot be read); the printed public key is the
# one zsignd then serves, and images signed with the new keys verify.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

VERIFY=$ZS_TOP_BUILDDIR/tests/e2e/zsd-verify
TYPES="ed25519 ecdsa-p256 ecdsa-p384 rsa-2048 rsa-3072"
zs_plan 12

K=$ZS_TMP/keys
mkdir -p "$K"
ok=0
for t in $TYPES; do
	"$ZS_ZSIGND" --generate-key "$t" "$K/$t.pem" >"$K/$t.out" 2>&1 &&
	    [ "$(stat -c %a "$K/$t.pem")" = 600 ] &&
	    [ "$(head -1 "$K/$t.pem")" = "-----BEGIN PRIVATE KEY-----" ] &&
	    head -1 "$K/$t.out" | grep -Eq "^$t SHA256:[0-9a-f]{64} $K/$t.pem\$" ||
	    { ok=1; zs_diag "$t: $(cat "$K/$t.out")"; }
done
zs_ok $ok "five types as new PEM files: mode 0600, PKCS#8, fingerprint printed"

printf 'correct horse\n' >"$ZS_TMP/pass"
"$ZS_ZSIGND" --generate-key ecdsa-p256 "$K/enc.pem" -p "$ZS_TMP/pass" \
    >/dev/null 2>&1
zs_is "$?:$(head -1 "$K/enc.pem")" "0:-----BEGIN ENCRYPTED PRIVATE KEY-----" \
    "-p PASSFILE encrypts the new file"
sum=$(sha256sum <"$K/ed25519.pem")
"$ZS_ZSIGND" --generate-key ed25519 "$K/ed25519.pem" >"$ZS_TMP/again" 2>&1
zs_is "$?:$(sha256sum <"$K/ed25519.pem")" "1:$sum" \
    "an existing file is never overwritten ($(cat "$ZS_TMP/again"))"
"$ZS_ZSIGND" --generate-key dsa-1024 "$K/dsa.pem" >/dev/null 2>&1
zs_is "$?:$([ -e "$K/dsa.pem" ] && echo file)" "2:" \
    "an unknown type is a usage error, and makes no file"

set --
for t in $TYPES; do
	set -- "$@" -k "$t=$K/$t.pem"
done
zs_start_zsignd "$@" -k "enc=$K/enc.pem" -p "enc=$ZS_TMP/pass" ||
    zs_bail "zsignd did not start with the new keys"
zs_curl GET /v1/keys
ok=0
for t in $TYPES; do
	fp=$(jq -r --arg n "$t" '.keys[] | select(.name == $n) | .fingerprint' \
	    "$ZS_BODY")
	head -1 "$K/$t.out" | grep -q " $fp " || ok=1
	# The printed PEM is the public key zsignd serves.
	jq -j --arg n "$t" '.keys[] | select(.name == $n) | .public_key_pem' \
	    "$ZS_BODY" >"$K/$t.served"
	tail -n +2 "$K/$t.out" | cmp -s - "$K/$t.served" || ok=1
done
zs_ok $ok "zsignd serves each new key with the printed fingerprint and PEM"
zs_mkimage "$ZS_TMP/zephyr.bin" 4096
ok=0
for t in $TYPES enc; do
	zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/zephyr.bin" "$t"
	zs_post /v1/sign "$ZS_TMP/req.json"
	zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/s.bin"
	pub=$K/$t.served
	[ "$t" = enc ] && { openssl pkey -in "$K/enc.pem" -passin \
	    file:"$ZS_TMP/pass" -pubout -out "$K/enc.pub" 2>/dev/null;
	    pub=$K/enc.pub; }
	[ "$ZS_STATUS" = 200 ] && "$VERIFY" "$ZS_TMP/s.bin" "$pub" \
	    >/dev/null 2>&1 || { ok=1; zs_diag "$t: $ZS_STATUS"; }
done
zs_ok $ok "images signed with every new key verify"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

# On a token.
if ! command -v softhsm2-util >/dev/null 2>&1; then
	for i in 1 2 3 4 5; do
		zs_skip "token keys" "softhsm2 is not installed"
	done
	exit 0
fi
HSM=$ZS_TMP/hsm
sh "$ZS_TOP_SRCDIR/scripts/softhsm-setup.sh" "$HSM" >/dev/null 2>&1 ||
    zs_bail "softhsm-setup.sh failed"
. "$HSM/env"
export SOFTHSM2_CONF
ZSIGN_PKCS11_HELPER=$ZS_TOP_BUILDDIR/zsign-pkcs11-helper
export ZSIGN_PKCS11_HELPER
uri() {
	echo "pkcs11:token=$ZS_P11_TOKEN;object=$1?module-path=$ZS_P11_MODULE&pin-source=file:$ZS_P11_PIN_FILE"
}
ok=0
for t in ecdsa-p256 ed25519 rsa-2048; do
	"$ZS_ZSIGND" --generate-key "$t" "$(uri "new-$t")" >"$K/p11-$t.out" \
	    2>&1 && head -1 "$K/p11-$t.out" | grep -Eq \
	    "^$t SHA256:[0-9a-f]{64} pkcs11:token=$ZS_P11_TOKEN;object=new-$t\$" ||
	    { ok=1; zs_diag "$t: $(cat "$K/p11-$t.out")"; }
done
zs_ok $ok "keys made on the token print their fingerprint (no PIN source shown)"
"$ZS_ZSIGND" --generate-key ecdsa-p256 "$(uri new-ecdsa-p256)" \
    >"$ZS_TMP/dup" 2>&1
zs_is "$?:$(grep -c 'already holds a private key' "$ZS_TMP/dup")" "1:1" \
    "a label already on the token is refused"
"$ZS_TOP_BUILDDIR/tests/e2e/p11-attr" "$ZS_P11_MODULE" "$ZS_P11_TOKEN" \
    new-ecdsa-p256 "$ZS_P11_PIN_FILE" >"$ZS_TMP/attr" 2>&1
zs_is "$?:$(cat "$ZS_TMP/attr")" \
    "0:CKA_SENSITIVE=1 CKA_EXTRACTABLE=0 CKA_VALUE: refused (CKR_ATTRIBUTE_SENSITIVE)" \
    "the new token key cannot be exported (C_GetAttributeValue CKA_VALUE)"
rm -f "$ZS_SOCK"
# (Not the Ed25519 one: signing with an Ed25519 key SoftHSM generated, the
# module's process leaks 74 bytes of ASN.1 strings, the size of the curve
# name, which fails the sanitizer build's log check.)
zs_start_zsignd -k "p=$(uri new-ecdsa-p256)" -k "e=$(uri new-rsa-2048)" ||
    zs_bail "zsignd did not start with the token keys"
zs_curl GET /v1/keys
cp "$ZS_BODY" "$ZS_TMP/keys.json"
ok=0
for k in p:ecdsa-p256 e:rsa-2048; do
	n=${k%%:*} t=${k#*:}
	jq -j --arg n "$n" '.keys[] | select(.name == $n) | .public_key_pem' \
	    "$ZS_TMP/keys.json" >"$K/p11-$n.pub"
	tail -n +2 "$K/p11-$t.out" | cmp -s - "$K/p11-$n.pub" ||
	    { ok=1; zs_diag "$n: served PEM differs"; }
	zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/zephyr.bin" "$n"
	zs_post /v1/sign "$ZS_TMP/req.json"
	zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/s.bin"
	[ "$ZS_STATUS" = 200 ] && "$VERIFY" "$ZS_TMP/s.bin" "$K/p11-$n.pub" \
	    >/dev/null 2>&1 || { ok=1; zs_diag "$n: $ZS_STATUS $(cat "$ZS_BODY")"; }
done
zs_ok $ok "zsignd serves the token keys it made; their signatures verify"
zs_stop_zsignd
zs_check_log "no sanitizer reports (token keys)"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsign-client raw-sign against a real zsignd: imgtool's external signing
# flow (--vector-to-sign, a raw signature, --fix-sig) gives images that
# verify, byte for byte the same as imgtool's own for Ed25519; signatures
# verify with openssl; keys without "raw_signing" refuse; allow lists and
# max_per_hour apply; every raw signature is audited with its digest. With
# IMGTOOL=/path/to/imgtool.py (MCUboot 2.4.0; PYTHON names the
# interpreter) the images also go through the real imgtool verify.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/imgtool
K=$VEC/keys
RV=$ZS_TOP_SRCDIR/tests/vectors/rimage
T=$ZS_TMP
cat >"$T/zsignd.conf" <<EOF
{
  "keys": [
    { "name": "p256", "path": "$K/ecdsa-p256.pem", "raw_signing": true },
    { "name": "p384", "path": "$K/ecdsa-p384.pem", "raw_signing": true },
    { "name": "ed", "path": "$K/ed25519.pem", "raw_signing": true },
    { "name": "rsa", "path": "$K/rsa-2048.pem", "raw_signing": true,
      "rules": { "max_per_hour": 4 } },
    { "name": "images-only", "path": "$K/rsa-3072.pem" },
    { "name": "rsa3072", "path": "$K/rsa-3072.pem", "raw_signing": true },
    { "name": "not-raw-tool", "path": "$K/ed25519.pem", "raw_signing": true,
      "allow": { "tools": ["imgtool"] } },
    { "name": "enc", "path": "$K/x25519.pem", "raw_signing": true,
      "allow": { "tools": ["raw-sign"] } },
    { "name": "x25519", "path": "$K/x25519.pem" },
    { "name": "sof", "path": "$RV/keys/rsa3072-a.pem", "default": true,
      "allow": { "tools": ["rimage"] } }
  ],
  "audit": { "path": "$T/audit.log" }
}
EOF
zs_start_zsignd -c "$T/zsignd.conf" || zs_bail "zsignd did not start"
ZSIGN_SERVER=unix:$ZS_SOCK
export ZSIGN_SERVER
cd "$VEC" || exit 1

# Real imgtool, when given: its verify must accept the image too.
imgtool_verify() {	# imgtool_verify PUBKEY IMAGE DESC
	if [ -z "${IMGTOOL:-}" ]; then
		zs_skip "$3: real imgtool verify" "IMGTOOL not set"
	else
		"${PYTHON:-python3}" "$IMGTOOL" verify -k "$1" "$2" >"$T/iv.out" 2>&1
		zs_ok $? "$3: real imgtool verify"
	fi
}

fixsig_args="-v 1.2.3 -H 0x200 --pad-header -S 0x10000"

# Ed25519: imgtool signs the image digest; the vector imgtool wrote for it
# (--vector-to-sign digest), raw-signed, is imgtool's own signature.
"$CLIENT" raw-sign -k zsign:ed --base64 -o "$T/ed.b64" \
    cases/ed25519-vector-digest/out.bin
zs_ok $? "ed25519: raw-sign of imgtool's digest vector"
tap_same "ed25519: the signature is imgtool's own (deterministic)" \
    inputs/sig-ed25519-basic.b64 "$T/ed.b64"
# shellcheck disable=SC2086
"$CLIENT" imgtool sign $fixsig_args --fix-sig "$T/ed.b64" \
    --fix-sig-pubkey keys/ed25519.pub.pem inputs/rand-1000.bin "$T/ed.bin"
zs_ok $? "ed25519: --fix-sig with the raw signature"
tap_same "ed25519: the image is imgtool's signed image" \
    cases/ed25519-basic/out.bin "$T/ed.bin"
imgtool_verify keys/ed25519.pub.pem "$T/ed.bin" "ed25519"
openssl pkeyutl -verify -pubin -inkey keys/ed25519.pub.pem -rawin \
    -in cases/ed25519-vector-digest/out.bin \
    -sigfile "$(base64 -d "$T/ed.b64" >"$T/ed.sig" && echo "$T/ed.sig")" \
    >/dev/null 2>&1
zs_ok $? "ed25519: openssl pkeyutl verifies the raw signature"

# ECDSA P-256 from the digest vector: --digest, DER out.
dg=$(od -An -v -tx1 cases/ecdsa-p256-vector-digest/out.bin | tr -d ' \n')
"$CLIENT" raw-sign -k keys/ecdsa-p256.pub.pem --digest "$dg" -o "$T/p256.der"
zs_ok $? "ecdsa-p256: raw-sign --digest, key named by its public key file"
openssl pkeyutl -verify -pubin -inkey keys/ecdsa-p256.pub.pem \
    -in cases/ecdsa-p256-vector-digest/out.bin -sigfile "$T/p256.der" \
    >/dev/null 2>&1
zs_ok $? "ecdsa-p256: openssl pkeyutl verifies the DER signature"
base64 -w0 "$T/p256.der" >"$T/p256.b64"
# shellcheck disable=SC2086
"$CLIENT" imgtool sign $fixsig_args --fix-sig "$T/p256.b64" \
    --fix-sig-pubkey keys/ecdsa-p256.pub.pem inputs/rand-1000.bin \
    "$T/p256.bin" &&
    "$CLIENT" imgtool verify -k keys/ecdsa-p256.pub.pem "$T/p256.bin" \
    >"$T/v.out" 2>&1
zs_ok $? "ecdsa-p256: --fix-sig image verifies"
imgtool_verify keys/ecdsa-p256.pub.pem "$T/p256.bin" "ecdsa-p256"
grep -q "\"tool\":\"raw-sign\".*\"digest\":\"sha256:$dg\"" "$T/audit.log"
zs_ok $? "ecdsa-p256: the audit line names raw-sign and the digest"

# P-384 and RSA-PSS over the payload vector (--vector-to-sign payload).
for k in ecdsa-p384:p384:sha384 rsa-2048:rsa:sha256; do
	f=${k%%:*}; rest=${k#*:}; n=${rest%%:*}; md=${rest#*:}
	# shellcheck disable=SC2086
	"$CLIENT" imgtool sign -k "zsign:$n" $fixsig_args \
	    --vector-to-sign payload inputs/rand-1000.bin "$T/$n.payload" &&
	    "$CLIENT" raw-sign -k "$n" -o "$T/$n.sig" <"$T/$n.payload"
	zs_ok $? "$f: raw-sign of the payload vector (standard input)"
	if [ "$n" = rsa ]; then
		set -- -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
	else
		set --
	fi
	openssl dgst "-$md" -verify "keys/$f.pub.pem" "$@" \
	    -signature "$T/$n.sig" "$T/$n.payload" >/dev/null 2>&1
	zs_ok $? "$f: openssl dgst verifies the signature"
	"$CLIENT" raw-sign -k "$n" --base64 "$T/$n.payload" >"$T/$n.b64"
	# shellcheck disable=SC2086
	"$CLIENT" imgtool sign $fixsig_args --fix-sig "$T/$n.b64" \
	    --fix-sig-pubkey "keys/$f.pub.pem" inputs/rand-1000.bin \
	    "$T/$n.bin" &&
	    "$CLIENT" imgtool verify -k "keys/$f.pub.pem" "$T/$n.bin" \
	    >"$T/v.out" 2>&1
	zs_ok $? "$f: --base64 on standard output, --fix-sig image verifies"
	imgtool_verify "keys/$f.pub.pem" "$T/$n.bin" "$f"
done

# RSA with a SHA-384 digest: RSA-PSS over SHA-384, salt 32.
openssl dgst -sha384 -binary inputs/rand-1000.bin >"$T/d384"
d384=$(od -An -v -tx1 "$T/d384" | tr -d ' \n')
"$CLIENT" raw-sign -k rsa3072 --digest "$d384" -o "$T/r384.sig" &&
    openssl pkeyutl -verify -pubin -inkey keys/rsa-3072.pub.pem \
    -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 \
    -pkeyopt digest:sha384 -in "$T/d384" -sigfile "$T/r384.sig" \
    >/dev/null 2>&1
zs_ok $? "rsa-3072: --digest of SHA-384 verifies with openssl pkeyutl (PSS)"

# Refusals: one line, exit 1, nothing written.
refused() {	# refused DESC ERE RAW-SIGN-ARGS...
	rd=$1
	re=$2
	shift 2
	"$CLIENT" raw-sign -o "$T/refused.sig" "$@" 2>"$T/err"
	rc=$?
	if [ $rc -ne 0 ] && [ ! -e "$T/refused.sig" ] &&
	    grep -Eq "$re" "$T/err"; then
		zs_pass "$rd"
	else
		tap_not_ok "$rd" "exit $rc" "$(cat "$T/err")"
	fi
}
refused "a key without raw_signing refuses" \
    'does not allow raw signatures.*raw_signing' -k images-only \
    inputs/rand-1000.bin
zs_curl POST /v1/raw-sign -d '{"key":"images-only","digest":"'"$dg"'"}'
zs_is "$ZS_STATUS:$(zs_json .error.code)" 403:forbidden \
    "POST /v1/raw-sign with such a key: 403 forbidden"
grep -q '"result":"refused".*"tool":"raw-sign"' "$T/audit.log"
zs_ok $? "the refusal is audited"
refused "an allow list without raw-sign refuses" \
    'may not be used with raw-sign' -k not-raw-tool inputs/rand-1000.bin
refused "an encryption-only key: bad_key" 'encryption only' -k enc \
    inputs/rand-1000.bin
# shellcheck disable=SC2086
"$CLIENT" imgtool sign -k zsign:x25519 $fixsig_args inputs/rand-1000.bin \
    "$T/x.bin" 2>"$T/err"
rc=$?
zs_is "$rc:$(tail -1 "$T/audit.log" | jq -r .error)" 1:bad_key \
    "an image signed with an encryption-only key: bad_key, exit 1"
refused "Ed25519 refuses a digest" 'send "data", not a digest' -k ed \
    --digest "$dg"
refused "ECDSA P-384 refuses a SHA-256 digest" 'cannot sign a 32-byte' \
    -k p384 --digest "$dg"
refused "an unknown key: not found" 'unknown key' -k nosuch \
    inputs/rand-1000.bin
# rsa has max_per_hour 4, counting signatures returned: the two raw
# signatures above (its --vector-to-sign request returned none), two
# more, then refused.
"$CLIENT" raw-sign -k rsa inputs/rand-1000.bin >/dev/null &&
    "$CLIENT" raw-sign -k rsa inputs/rand-1000.bin >/dev/null
zs_ok $? "rsa: third and fourth signatures of the hour"
refused "max_per_hour applies to raw signatures" '4 signatures per hour' \
    -k rsa inputs/rand-1000.bin
zs_curl POST /v1/raw-sign -d '{"key":"p256","data":"AA==","digest":"00"}'
zs_is "$ZS_STATUS:$(zs_json .error.code)" 400:invalid \
    "data and digest together: 400 invalid"

# A directory is never a key file: -k p256 beside a p256/ directory names
# the server key; -k p256/ says what to write instead.
mkdir -p "$T/cwd/p256"
(cd "$T/cwd" && "$CLIENT" raw-sign -k p256 "$VEC/inputs/rand-1.bin" \
    >"$T/dir.sig" 2>"$T/err")
zs_ok $? "-k NAME beside a directory NAME/ names the server key"
(cd "$T/cwd" && "$CLIENT" raw-sign -k p256/ "$VEC/inputs/rand-1.bin" \
    >"$T/dir.sig" 2>"$T/err")
rc=$?
if [ $rc -eq 2 ] && grep -q 'not a regular file.*zsign:NAME' "$T/err"; then
	zs_pass "-k DIR/: usage error suggesting zsign:NAME"
else
	tap_not_ok "-k DIR/: usage error suggesting zsign:NAME" "exit $rc" \
	    "$(cat "$T/err")"
fi

# Beside raw signatures, the same daemon's audit: an i.MX rimage request
# (never signed) names no key, not even the default one for rimage.
(cd "$RV/cases/imx8m_sof" && "$CLIENT" rimage -o "$T/imx.ri" \
    -k "key param ignored by imx8m" -f 2.8.0 -b 1 -e \
    -c ../../configs/imx8m.toml input/zephyr.elf >/dev/null 2>"$T/err")
rc=$?
zs_is "$rc:$(tail -1 "$T/audit.log" | jq -r '.tool + " " + (.key // "none")')" \
    "0:rimage none" "an i.MX rimage request is audited with no key"

"$ZS_ZSIGND" --verify-audit "$T/audit.log" >/dev/null 2>&1
zs_ok $? "the audit chain verifies"
tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# softhsm-setup.sh DIR: make a SoftHSM2 token "zsign-test" under DIR (its
# own softhsm2.conf, so nothing in /etc is touched) holding the test keys,
# with the user PIN in DIR/pin (needs softhsm2 and openssl). Writes DIR/env
# for `. DIR/env`: SOFTHSM2_CONF, ZS_P11_MODULE, ZS_P11_PIN_FILE, ZS_P11_TOKEN.
# Key labels (CKA_LABEL) and ids: ecdsa-p256 01, ecdsa-p384 02, rsa-2048 03,
# rsa-3072 04, ed25519 05, rsa2048-a 06, rsa3072-a 07. Each is the key of
# tests/keys/test-LABEL.pem, and the label is the basename of the same key
# in the imgtool and rimage vectors (keys/LABEL.pem), so vector tests can
# swap a PEM path for pkcs11:token=zsign-test;object=LABEL.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
keys=${ZS_TEST_KEYDIR:-$top/tests/keys}
mkdir -p "$1"
dir=$(cd "$1" && pwd)
token=zsign-test
pin=4711-zsign
sopin=0815-zsign-so

module=${SOFTHSM2_MODULE:-}
if [ -z "$module" ]; then
	for m in /usr/lib/softhsm/libsofthsm2.so \
	    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	    /usr/lib64/pkcs11/libsofthsm2.so; do
		[ -f "$m" ] && { module=$m; break; }
	done
fi
if ! command -v softhsm2-util >/dev/null 2>&1 || [ -z "$module" ]; then
	echo "$0: softhsm2 is not installed (softhsm2-util, libsofthsm2.so)" >&2
	exit 1
fi

rm -rf "$dir/tokens"
mkdir -p "$dir/tokens"
cat >"$dir/softhsm2.conf" <<EOF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
SOFTHSM2_CONF=$dir/softhsm2.conf
export SOFTHSM2_CONF
(umask 077 && printf '%s\n' "$pin" >"$dir/pin")

softhsm2-util --init-token --free --label "$token" --so-pin "$sopin" \
    --pin "$pin" >/dev/null
for kv in ecdsa-p256:01 ecdsa-p384:02 rsa-2048:03 rsa-3072:04 ed25519:05 \
    rsa2048-a:06 rsa3072-a:07; do
	label=${kv%:*}
	# softhsm2-util reads PKCS#8 only; some vector keys are PKCS#1.
	(umask 077 && openssl pkcs8 -topk8 -nocrypt \
	    -in "$keys/test-$label.pem" -out "$dir/import.pem")
	softhsm2-util --import "$dir/import.pem" --token "$token" \
	    --label "$label" --id "${kv#*:}" --pin "$pin" >/dev/null
done
rm -f "$dir/import.pem"

cat >"$dir/env" <<EOF
SOFTHSM2_CONF=$dir/softhsm2.conf
ZS_P11_MODULE=$module
ZS_P11_PIN_FILE=$dir/pin
ZS_P11_TOKEN=$token
export SOFTHSM2_CONF ZS_P11_MODULE ZS_P11_PIN_FILE ZS_P11_TOKEN
EOF

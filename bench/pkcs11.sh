#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/pkcs11.sh [BUILDDIR]: signs per second with the SoftHSM2 test
# token's keys beside the same keys as PEM files, through the key store
# (bench/pkcs11-bench, 1 and 4 threads). Needs softhsm2; takes ~30 s.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
signs=${ZS_BENCH_SIGNS:-400}
tmp=$(mktemp -d /tmp/zs-p11-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

sh "$top/scripts/softhsm-setup.sh" "$tmp"
. "$tmp/env"
ZSIGN_PKCS11_HELPER=$build/zsign-pkcs11-helper
export ZSIGN_PKCS11_HELPER

uri() {
	echo "pkcs11:token=$ZS_P11_TOKEN;object=$1?module-path=$ZS_P11_MODULE&pin-source=file:$ZS_P11_PIN_FILE"
}

for threads in 1 4; do
	for k in ecdsa-p256 ecdsa-p384 rsa-2048 rsa-3072 ed25519; do
		"$build/bench/pkcs11-bench" -t "$threads" -n "$signs" \
		    "$k=$top/tests/keys/test-$k.pem" "$k=$(uri "$k")"
	done
done

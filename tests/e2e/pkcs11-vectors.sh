#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The imgtool and rimage reference vectors with token keys: runs
# tests/vectors/run-imgtool-vectors.sh and run-rimage-vectors.sh unchanged
# against a zsignd whose vector keys (-k NAME=.../keys/LABEL.pem) are
# swapped for the same keys on a SoftHSM2 token, so every case must compare
# exactly as with PEM keys (Ed25519 byte for byte). Their TAP lines are
# passed on, renumbered. TAP skip without softhsm2.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

if ! command -v softhsm2-util >/dev/null 2>&1; then
	echo "1..0 # SKIP softhsm2 is not installed"
	exit 0
fi
sh "$ZS_TOP_SRCDIR/scripts/softhsm-setup.sh" "$ZS_TMP/hsm" ||
    zs_bail "softhsm-setup.sh failed"
. "$ZS_TMP/hsm/env"
ZSIGN_PKCS11_HELPER=$ZS_TOP_BUILDDIR/zsign-pkcs11-helper
export ZSIGN_PKCS11_HELPER

# A build tree of links whose zsignd swaps the key files the token holds
# for their pkcs11: URIs and notes each swap in $SHIM/swapped.
SHIM=$ZS_TMP/shim
mkdir -p "$SHIM/tests/vectors"
for p in zsign-client tests/vectors/imgtool-compare \
    tests/vectors/rimage-compare; do
	ln -s "$ZS_TOP_BUILDDIR/$p" "$SHIM/$p"
done
cat >"$SHIM/zsignd" <<EOS
#!/bin/sh
n=\$#
while [ "\$n" -gt 0 ]; do
	a=\$1
	shift
	n=\$((n - 1))
	case \$a in
	*=*/keys/*.pem)
		label=\$(basename "\${a#*=}" .pem)
		case " ecdsa-p256 ecdsa-p384 rsa-2048 rsa-3072 ed25519 rsa2048-a rsa3072-a " in
		*" \$label "*)
			a="\${a%%=*}=pkcs11:token=$ZS_P11_TOKEN;object=\$label?module-path=$ZS_P11_MODULE&pin-source=file:$ZS_P11_PIN_FILE"
			echo "\$label" >>"$SHIM/swapped"
			;;
		esac
		;;
	esac
	set -- "\$@" "\$a"
done
exec "$ZS_TOP_BUILDDIR/zsignd" "\$@"
EOS
chmod +x "$SHIM/zsignd"

# relay NAME SCRIPT: run the vector script on the shim, renumber its TAP.
relay() {
	ZS_TOP_BUILDDIR=$SHIM sh "$2" >"$ZS_TMP/$1.tap" 2>"$ZS_TMP/$1.err"
	while IFS= read -r line; do
		case $line in
		"ok "*" # SKIP"*)
			zs_skip "$1 with token keys: ${line#ok * - }" "" ;;
		"ok "*)
			zs_pass "$1 with token keys: ${line#ok * - }" ;;
		"not ok "*)
			zs_fail "$1 with token keys: ${line#not ok * - }" ;;
		"Bail out!"*)
			zs_fail "$1 with token keys: $line" ;;
		"#"*)
			echo "$line" ;;
		esac
	done <"$ZS_TMP/$1.tap"
	grep -q '^1\.\.' "$ZS_TMP/$1.tap"
	zs_ok $? "$1 vectors ran to their plan"
}

relay imgtool "$ZS_TOP_SRCDIR/tests/vectors/run-imgtool-vectors.sh"
relay rimage "$ZS_TOP_SRCDIR/tests/vectors/run-rimage-vectors.sh"
# Every signing key of the vectors really came from the token.
sort -u "$SHIM/swapped" 2>/dev/null | tr '\n' ' ' >"$ZS_TMP/swapped"
zs_is "$(cat "$ZS_TMP/swapped")" \
    "ecdsa-p256 ecdsa-p384 ed25519 rsa-2048 rsa-3072 rsa2048-a rsa3072-a " \
    "the vector keys were served from the token"
zs_plan "$zs_n"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Zephyr 4.x's CMake signing through zsign: every `imgtool sign` command
# line cmake/mcuboot.cmake builds (tests/vectors/imgtool-cmake/cases.json,
# made with the real imgtool 2.4.0 and the private key) is run as CMake
# runs it, `python3 imgtool.py ARGS`, with only the public key file and
# the server named in ~/.config/zsign/client.conf (no ZSIGN_* variable);
# the image must be imgtool's (imgtool-compare: exact or structural).
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/imgtool
CMK=$ZS_TOP_SRCDIR/tests/vectors/imgtool-cmake
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/imgtool-compare
IMGTOOL_PY=$ZS_TOP_BUILDDIR/imgtool.py

set --
for k in rsa-2048 ecdsa-p256 ecdsa-p384 ed25519; do
	set -- "$@" "$k=$VEC/keys/$k.pem"
done
client_start "$@"
# What a developer's machine has: the server in the user's client.conf.
unset ZSIGN_SERVER ZSIGN_PUBLIC_KEY_OK XDG_CONFIG_HOME
HOME=$ZS_TMP/home
export HOME
mkdir -p "$HOME/.config/zsign"
printf '{ "server": "unix:%s" }\n' "$ZS_SOCK" \
    >"$HOME/.config/zsign/client.conf"

cd "$VEC" || exit 1
tab=$(printf '\t')
jq -r '.cases[] | [.name, .key, .out_ext, (.args | @sh)] | join("\t")' \
    "$CMK/cases.json" >"$ZS_TMP/cases.tsv"
while IFS=$tab read -r name key ext args; do
	out=$ZS_TMP/$name$ext
	eval "set -- $args"
	for a in "$@"; do
		shift
		case $a in
		'{KEY}') a=keys/$key.pub.pem ;;
		'{OUT}') a=$out ;;
		esac
		set -- "$@" "$a"
	done
	if python3 "$IMGTOOL_PY" "$@" >"$ZS_TMP/stdout" 2>"$ZS_TMP/stderr" &&
	    "$COMPARE" -d "$CMK" "$name" "$out" >"$ZS_TMP/cmp" 2>&1; then
		zs_pass "$name: $(jq -r --arg n "$name" \
		    '.cases[] | select(.name == $n) | .check.method' \
		    "$CMK/cases.json") match"
	else
		tap_not_ok "$name: imgtool.py $*" "$(cat "$ZS_TMP/stderr" \
		    "$ZS_TMP/cmp" 2>/dev/null)"
	fi
done <"$ZS_TMP/cases.tsv"

# A private key file works too (only its public key's fingerprint is sent).
python3 "$IMGTOOL_PY" sign --version 1.2.3+4 --header-size 0x200 \
    --slot-size 0x4000 --align 4 --key keys/ed25519.pem \
    inputs/zephyr-h200-8000.bin "$ZS_TMP/priv.bin" 2>"$ZS_TMP/stderr" &&
    cmp -s "$ZS_TMP/priv.bin" "$CMK/cases/ed25519-bin/out.bin"
zs_ok $? "a private key file selects the same server key"
# The other commands reach zsign-client imgtool as well.
python3 "$IMGTOOL_PY" verify -k keys/ed25519.pub.pem \
    "$CMK/cases/ed25519-bin/out.bin" >"$ZS_TMP/stdout" 2>&1 &&
    grep -q 'Image was correctly validated' "$ZS_TMP/stdout"
zs_ok $? "imgtool.py verify"
python3 "$IMGTOOL_PY" sign --version 1 --header-size 0x200 \
    --slot-size 0x4000 --key keys/x25519.pub.pem \
    inputs/zephyr-h200-8000.bin "$ZS_TMP/none.bin" 2>"$ZS_TMP/stderr"
rc=$?
if [ $rc -ne 0 ] && [ ! -e "$ZS_TMP/none.bin" ]; then
	zs_pass "a key the server does not hold: exit $rc, no output"
else
	tap_not_ok "a key the server does not hold: refused" "exit $rc"
fi

# client.conf: members checked, relative files from its directory, and
# the environment wins over it.
printf '{ "server": "unix:%s", "proxy": "x" }\n' "$ZS_SOCK" \
    >"$HOME/.config/zsign/client.conf"
"$CLIENT" health >/dev/null 2>"$ZS_TMP/stderr"
rc=$?
zs_is "$rc:$(grep -c 'unknown member "proxy"' "$ZS_TMP/stderr")" 2:1 \
    "client.conf: an unknown member is a usage error"
printf '{ "server": "unix:/nonexistent.sock" }\n' \
    >"$HOME/.config/zsign/client.conf"
ZSIGN_SERVER=unix:$ZS_SOCK "$CLIENT" health >/dev/null 2>&1
zs_ok $? "client.conf: ZSIGN_SERVER wins over it"
printf '{ "server": "https://127.0.0.1:1", "token_file": "tok" }\n' \
    >"$HOME/.config/zsign/client.conf"
"$CLIENT" health >/dev/null 2>"$ZS_TMP/stderr"
grep -q "token file $HOME/.config/zsign/tok:" "$ZS_TMP/stderr"
zs_ok $? "client.conf: a relative token_file is read beside it"
tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `zsign-client sign -t rimage` on synthetic Zephyr/SOF build directories
# (CMake cache, .config, boot.mod/main.mod or zephyr.elf from the rimage
# vectors) against a real zsignd: the argument list sign.py would build
# (target, -e for SOF, -k/-c defaults, rimage.extra-args, .toml.h through
# the C preprocessor), then the xman prefix; results checked with
# rimage-compare against the vectors. One TAP line per check.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/rimage
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/rimage-compare
SOURCE_DATE_EPOCH=$(date -u -d 2024-03-15 +%s)
export SOURCE_DATE_EPOCH
# No west configuration of the machine running the tests may leak in.
WEST_CONFIG_SYSTEM=/nonexistent WEST_CONFIG_GLOBAL=/nonexistent
WEST_CONFIG_LOCAL=/nonexistent
export WEST_CONFIG_SYSTEM WEST_CONFIG_GLOBAL WEST_CONFIG_LOCAL

client_start "rsa3072-a=$VEC/keys/rsa3072-a.pem"
SOF=$ZS_TMP/sof
mkdir -p "$SOF/tools/rimage/config" "$SOF/keys" "$SOF/src"

# mkbuild DIR TARGET SOF(y|n) CASE: a build directory with CASE's inputs.
mkbuild() {
	rm -rf "$1"
	mkdir -p "$1/zephyr/include/generated"
	cat >"$1/CMakeCache.txt" <<EOT
ZEPHYR_TOOLCHAIN_VARIANT:STRING=zephyr
CMAKE_C_COMPILER:FILEPATH=${CC:-cc}
ZEPHYR_SOF_MODULE_DIR:PATH=$SOF
EOT
	[ -z "$2" ] || echo "RIMAGE_TARGET:STRING=$2" >>"$1/CMakeCache.txt"
	{
		echo 'CONFIG_KERNEL_BIN_NAME="zephyr"'
		[ "$3" = n ] || echo CONFIG_SOF=y
	} >"$1/zephyr/.config"
	echo "#define CONFIG_SOF 1" >"$1/zephyr/include/generated/autoconf.h"
	cp "$VEC/cases/$4/input/"* "$1/zephyr/"
}

# check DESC CASE BUILD: the build's outputs match the vector CASE.
check() {
	rm -rf "$ZS_TMP/o" && mkdir "$ZS_TMP/o"
	cp "$3"/zephyr/zephyr.ri* "$ZS_TMP/o/" 2>/dev/null
	if "$COMPARE" "$2" "$ZS_TMP/o" >"$ZS_TMP/cmp" 2>&1; then
		zs_pass "$1"
	else
		tap_not_ok "$1" "$(cat "$ZS_TMP/cmp")" "$(cat "$ZS_TMP/err")"
	fi
}

B=$ZS_TMP/build
cp "$VEC/configs/mtl-sof.toml" "$SOF/tools/rimage/config/mtl.toml"
mkbuild "$B" mtl y mtl_sof
"$CLIENT" sign -d "$B" -t rimage -- -k zsign:rsa3072-a -f 2.10.0 -b 1 \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
check "SOF build (mtl): -e, xman prefix, config from the SOF tree" \
    mtl_sof "$B"
tap_check "sign.py's messages" grep -q "^Prefixing $B/zephyr/zephyr.ri" \
    "$ZS_TMP/out"

# The same through west's config (rimage.extra-args) instead of "--".
printf '[rimage]\nextra-args = -k "zsign:rsa3072-a" -f 2.10.0 -b 1\n' \
    >"$ZS_TMP/westconf"
mkbuild "$B" mtl y mtl_sof
WEST_CONFIG_LOCAL=$ZS_TMP/westconf "$CLIENT" sign -q -d "$B" -t rimage \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
check "rimage.extra-args from the west config" mtl_sof "$B"
tap_check "-q prints nothing" test ! -s "$ZS_TMP/out"

# A .toml.h config is preprocessed locally (comments as REM lines).
rm "$SOF/tools/rimage/config/mtl.toml"
sed -e 's/^ *#/REM #/' "$VEC/configs/mtl-sof.toml" \
    >"$SOF/tools/rimage/config/mtl.toml.h"
mkbuild "$B" mtl y mtl_sof
"$CLIENT" sign -d "$B" -t rimage -- -k zsign:rsa3072-a -f 2.10.0 -b 1 \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
check "mtl.toml.h preprocessed with the build's compiler" mtl_sof "$B"
tap_check "the generated config is kept" \
    test -s "$B/zephyr/misc/generated/rimage_config.toml"
cp "$VEC/configs/mtl-sof.toml" "$SOF/tools/rimage/config/mtl.toml"
mkbuild "$B" mtl y mtl_sof
"$CLIENT" sign -d "$B" -t rimage -- -k zsign:rsa3072-a \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
tap_check "both mtl.toml and mtl.toml.h: refused (exit 1)" test $? -eq 1
tap_check "... with sign.py's message" grep -q "Cannot have both" \
    "$ZS_TMP/err"
rm "$SOF/tools/rimage/config/mtl.toml.h"

# Not a SOF build: no -e and no prefix; -c from the tool args wins.
mkbuild "$B" mtl n mtl_platform
"$CLIENT" sign -d "$B" -t rimage -- -k zsign:rsa3072-a -f 2.10.0 -b 1 \
    -c "$VEC/configs/platform-mtl.toml" >"$ZS_TMP/out" 2>"$ZS_TMP/err"
check "Zephyr build without SOF: no extended manifest" mtl_platform "$B"

# i.MX: one zephyr.elf, the placeholder key, config from RIMAGE_CONFIG_PATH.
mkbuild "$B" imx8m y imx8m_sof
echo "RIMAGE_CONFIG_PATH:PATH=$VEC/configs" >>"$B/CMakeCache.txt"
"$CLIENT" sign -d "$B" -t rimage -- -f 2.8.0 -b 1 \
    >"$ZS_TMP/out" 2>"$ZS_TMP/err"
check "i.MX8M: zephyr.elf, unsigned, xman prefix" imx8m_sof "$B"

# No rimage target: an error, or nothing to do with --if-tool-available.
mkbuild "$B" "" y mtl_sof
"$CLIENT" sign -d "$B" -t rimage >"$ZS_TMP/out" 2>"$ZS_TMP/err"
tap_check "no RIMAGE_TARGET: exit 1" test $? -eq 1
tap_check "... 'rimage target not defined in board.cmake'" \
    grep -q "rimage target not defined in board.cmake" "$ZS_TMP/err"
"$CLIENT" sign -d "$B" -t rimage --if-tool-available >"$ZS_TMP/out" \
    2>"$ZS_TMP/err"
tap_check "no RIMAGE_TARGET with --if-tool-available: exit 0" test $? -eq 0

# A failed signature leaves no image behind (stale ones are removed).
mkbuild "$B" mtl y mtl_sof
echo stale >"$B/zephyr/zephyr.ri"
"$CLIENT" sign -d "$B" -t rimage -- -k zsign:nosuch >"$ZS_TMP/out" \
    2>"$ZS_TMP/err"
tap_check "unknown key: exit 1, no zephyr.ri" \
    test $? -eq 1 -a ! -e "$B/zephyr/zephyr.ri"
tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every case of tests/vectors/rimage/cases.json through `zsign-client
# rimage` against a real zsignd holding the vector keys (-k names the
# local PEM, so only its fingerprint travels; the date comes from
# SOURCE_DATE_EPOCH), west sign's xman prefix applied as the README says,
# then checked by rimage-compare. Also the ways -k names a key and the
# failure rules. One TAP line per check.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

VEC=$ZS_TOP_SRCDIR/tests/vectors/rimage
COMPARE=$ZS_TOP_BUILDDIR/tests/vectors/rimage-compare

client_start "rsa2048-a=$VEC/keys/rsa2048-a.pem" \
    "rsa2048-b=$VEC/keys/rsa2048-b.pem" "rsa3072-a=$VEC/keys/rsa3072-a.pem"

# A writable copy of the layout the argv expect: cases/NAME/{input,out},
# with keys/ and configs/ two levels up.
W=$ZS_TMP/w
mkdir -p "$W/cases"
ln -s "$VEC/keys" "$W/keys"
ln -s "$VEC/configs" "$W/configs"

tab=$(printf '\t')
jq -r '.cases[] | [.name, .post, (.expect_exit | tostring),
    (.build_date // "-"), (.argv | @sh)] | join("\t")' \
    "$VEC/cases.json" >"$ZS_TMP/cases.tsv"
while IFS=$tab read -r name post want bdate args; do
	d=$W/cases/$name
	mkdir -p "$d/out"
	ln -s "$VEC/cases/$name/input" "$d/input"
	eval "set -- $args"
	rimage_case "$d" "$post" "$bdate" "$@"
	rc=$?
	if "$COMPARE" "$name" "$d/out" "$rc" >"$d/cmp" 2>&1; then
		if [ "$want" = 0 ]; then
			zs_pass "$name: matches rimage"
		else
			zs_pass "$name: refused (exit $rc: $(cat "$d/stderr"))"
		fi
	else
		tap_not_ok "$name (want $want, exit $rc)" "$(cat "$d/cmp")" \
		    "$(cat "$d/stderr")"
	fi
done <"$ZS_TMP/cases.tsv"
unset SOURCE_DATE_EPOCH

# cnl is deterministic: every way of naming the key gives the same image.
d=$W/cases/cnl_imr4
cd "$d" || exit 1
SOURCE_DATE_EPOCH=$(date -u -d 2024-03-15 +%s)
export SOURCE_DATE_EPOCH
for k in zsign:rsa2048-a rsa2048-a; do
	rm -rf out && mkdir out
	"$CLIENT" rimage -o out/zephyr.ri -k "$k" -i 4 \
	    -c ../../configs/cnl.toml input/boot.mod input/main.mod 2>stderr
	tap_check "-k $k: same image as rimage" \
	    cmp -s out/zephyr.ri "$VEC/cases/cnl_imr4/expected/zephyr.ri"
done
unset SOURCE_DATE_EPOCH
rm -rf out && mkdir out
"$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a -i 4 \
    -c ../../configs/cnl.toml input/boot.mod input/main.mod 2>stderr
tap_check "without SOURCE_DATE_EPOCH the date is today (UTC)" \
    test "$(od -An -tx4 -j108 -N4 out/zephyr.ri | tr -d ' ')" = \
    "$(date -u +%Y%m%d)"

# fails_cleanly DESC WANT_RC CMD...: exit WANT_RC, one stderr line, no out/.
fails_cleanly() {
	fc_d=$1 fc_want=$2
	shift 2
	rm -rf out && mkdir out
	"$@" >stdout 2>stderr
	fc_rc=$?
	if [ "$fc_rc" -eq "$fc_want" ] && [ "$(wc -l <stderr)" -eq 1 ] &&
	    [ -z "$(ls out)" ]; then
		zs_pass "$fc_d (exit $fc_want: $(cat stderr))"
	else
		tap_not_ok "$fc_d" "exit $fc_rc, want $fc_want" \
		    "$(cat stdout stderr)" "$(ls out)"
	fi
}
fails_cleanly "an RSA-3072 key on cAVS 1.8 is refused" 1 \
    "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa3072-a \
    -c ../../configs/cnl.toml input/boot.mod input/main.mod
fails_cleanly "an unknown server key is refused" 1 \
    "$CLIENT" rimage -o out/zephyr.ri -k zsign:nosuch \
    -c ../../configs/cnl.toml input/boot.mod input/main.mod
fails_cleanly "a missing module is a usage error" 2 \
    "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a \
    -c ../../configs/cnl.toml input/boot.mod input/nosuch.mod
fails_cleanly "a bad -f is a usage error" 2 \
    "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a -f 1.2 \
    -c ../../configs/cnl.toml input/boot.mod input/main.mod
fails_cleanly "a non-ELF module is refused" 1 \
    "$CLIENT" rimage -o out/zephyr.ri -k zsign:rsa2048-a \
    -c ../../configs/cnl.toml input/boot.mod ../../configs/cnl.toml
tap_done

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Demo on a fresh Debian 12 (as root): install the dependencies, build in
# ./build, make a demo Ed25519 key under ./demo/, start zsignd on
# ./demo/zsignd.sock in the background, then sign a Zephyr build (as
# `west sign` would) and a plain image (as `imgtool sign` would) with
# zsign-client and verify both. zsignd keeps running for more tries (the
# README's Usage examples run against it); the script prints how to stop
# it. ZSIGN_DEMO_PREBUILT=1 skips the dependencies and the build (for
# tests/e2e/readme.sh, which gives it a tree whose build/ is built).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '\n==> %s\n' "$*"; }

if [ "${ZSIGN_DEMO_PREBUILT:-0}" != 1 ]; then
	step "dependencies (scripts/deps.sh)"
	sh scripts/deps.sh

	step "build in ./build"
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	mkdir -p build
	if [ ! -f build/Makefile ]; then
		(cd build && ../configure >configure.out 2>&1) ||
		    { tail -20 build/configure.out; exit 1; }
	fi
	make -C build -j"$(nproc)" >build/make.out 2>&1 ||
	    { tail -30 build/make.out; exit 1; }
	echo "built build/zsignd and build/zsign-client"
fi

demo=$top/demo
sock=$demo/zsignd.sock
mkdir -p "$demo"
if [ -f "$demo/zsignd.pid" ]; then
	# A previous demo's daemon: replace it, once it is gone (it removes
	# its socket file on the way out, which must not be the new one's).
	old=$(cat "$demo/zsignd.pid")
	if kill "$old" 2>/dev/null; then
		i=0
		while kill -0 "$old" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 100 ]; then
				echo "the previous demo zsignd" \
				    "(pid $old) does not stop" >&2
				exit 1
			fi
			sleep 0.1
		done
	fi
	rm -f "$demo/zsignd.pid"
fi

step "demo key ./demo/demo-ed25519.pem"
if [ ! -f "$demo/demo-ed25519.pem" ]; then
	(umask 077 && openssl genpkey -algorithm ed25519 \
	    -out "$demo/demo-ed25519.pem")
fi
openssl pkey -in "$demo/demo-ed25519.pem" -pubout \
    -out "$demo/demo-ed25519.pub.pem"

step "SOF key ./demo/sof-rsa3072.pem, an ACE 1.5 config and modules"
if [ ! -f "$demo/sof-rsa3072.pem" ]; then
	(umask 077 && openssl genpkey -algorithm rsa \
	    -pkeyopt rsa_keygen_bits:3072 -out "$demo/sof-rsa3072.pem" \
	    2>/dev/null)
fi
rv=tests/vectors/rimage
rm -rf "$demo/sof" "$demo/sof-build"
mkdir -p "$demo/sof/tools/rimage/config" \
    "$demo/sof-build/zephyr/include/generated"
cp "$rv/configs/mtl-sof.toml" "$demo/sof/mtl.toml"
cp "$rv/configs/mtl-sof.toml" "$demo/sof/tools/rimage/config/mtl.toml"
cp "$rv/cases/mtl_sof/input/boot.mod" "$rv/cases/mtl_sof/input/main.mod" \
    "$demo/sof/"
# A Zephyr SOF build for west sign -t rimage: what sign.py reads of it.
cat >"$demo/sof-build/CMakeCache.txt" <<EOF
ZEPHYR_TOOLCHAIN_VARIANT:STRING=zephyr
CMAKE_C_COMPILER:FILEPATH=cc
ZEPHYR_SOF_MODULE_DIR:PATH=$demo/sof
RIMAGE_TARGET:STRING=mtl
EOF
printf 'CONFIG_KERNEL_BIN_NAME="zephyr"\nCONFIG_SOF=y\n' \
    >"$demo/sof-build/zephyr/.config"
echo "#define CONFIG_SOF 1" \
    >"$demo/sof-build/zephyr/include/generated/autoconf.h"
cp "$demo/sof/boot.mod" "$demo/sof/main.mod" "$demo/sof-build/zephyr/"

step "start zsignd on $sock"
# A configuration file, for what -k cannot say: the demo key also makes
# raw signatures (zsign-client raw-sign); the server holds the SOF config.
cat >"$demo/zsignd.conf" <<EOF
{
  "keys": [
    { "name": "demo", "path": "$demo/demo-ed25519.pem", "raw_signing": true },
    { "name": "sof", "path": "$demo/sof-rsa3072.pem" }
  ],
  "rimage": { "config_dir": "$demo/sof" }
}
EOF
rm -f "$sock"
"$top/build/zsignd" -c "$demo/zsignd.conf" -l "unix:$sock" \
    >"$demo/zsignd.log" 2>&1 &
echo $! >"$demo/zsignd.pid"
export ZSIGN_SERVER="unix:$sock"
client=$top/build/zsign-client
i=0
until "$client" health >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "zsignd did not start; its log:" >&2
		cat "$demo/zsignd.log" >&2
		exit 1
	fi
	sleep 0.05
done
"$client" health
"$client" keys

step "west sign: a Zephyr build directory (nRF52840 DK), key from the server"
rm -rf "$demo/zephyr-build"
cp -R tests/fixtures/zephyr/nrf52840dk_nrf52840 "$demo/zephyr-build"
chmod -R u+w "$demo/zephyr-build"
echo "\$ zsign-client sign -d demo/zephyr-build -t imgtool -- --key zsign:demo"
"$client" sign -d "$demo/zephyr-build" -t imgtool -- --key zsign:demo
echo "\$ zsign-client imgtool verify -k zsign:demo demo/zephyr-build/zephyr/zephyr.signed.bin"
"$client" imgtool verify -k zsign:demo \
    "$demo/zephyr-build/zephyr/zephyr.signed.bin"

step "imgtool sign: a 64 KiB image; -k names a local public key file"
head -c 65536 /dev/urandom >"$demo/app.bin"
echo "\$ ZSIGN_PUBLIC_KEY_OK=1 zsign-client imgtool sign -k demo/demo-ed25519.pub.pem --version 1.0.0 --header-size 0x200 --pad-header --slot-size 0x20000 --pad --confirm demo/app.bin demo/app.signed.bin"
ZSIGN_PUBLIC_KEY_OK=1 "$client" imgtool sign -k "$demo/demo-ed25519.pub.pem" \
    --version 1.0.0 --header-size 0x200 --pad-header --slot-size 0x20000 \
    --pad --confirm "$demo/app.bin" "$demo/app.signed.bin"
echo "\$ zsign-client imgtool verify -k demo/demo-ed25519.pub.pem demo/app.signed.bin"
"$client" imgtool verify -k "$demo/demo-ed25519.pub.pem" "$demo/app.signed.bin"

cat <<EOF

Done. zsignd is still running (pid $(cat "$demo/zsignd.pid"), log demo/zsignd.log):
  socket:        $sock
  keys:          demo (Ed25519, demo/demo-ed25519.pem; raw signatures too)
                 sof (RSA-3072, demo/sof-rsa3072.pem)
  signed build:  demo/zephyr-build/zephyr/zephyr.signed.{bin,hex}
  signed image:  demo/app.signed.bin
  SOF:           demo/sof/ (mtl.toml, boot.mod, main.mod), demo/sof-build
Try the README's Usage examples, from here:
  export PATH=\$PWD/build:\$PATH
  export ZSIGN_SERVER=unix:$sock
  zsign-client keys
Stop it:
  kill \$(cat demo/zsignd.pid)
EOF

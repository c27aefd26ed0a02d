#!/bin/sh
# Install the Debian 12 packages zsign builds, tests and runs with.
set -e
# The replica tests (tests/e2e/state-replicas.sh) start PostgreSQL from the
# postgresql package, which refuses to run as root: under root they run it
# as the stock user "nobody" with runuser(1) from util-linux. python3 runs
# imgtool.py as Zephyr's CMake does (tests/vectors/run-imgtool-py.sh).
PKGS="build-essential autoconf automake pkg-config libevent-dev
libjansson-dev libfdt-dev device-tree-compiler libssl-dev libp11-kit-dev
libcurl4-openssl-dev libhttp-parser-dev libcmocka-dev liblzma-dev softhsm2 opensc curl clang
libclang-rt-14-dev systemd openssl procps jq groff-base man-db
libsqlite3-dev libpq-dev postgresql haproxy util-linux libseccomp-dev
debhelper dpkg-dev lintian python3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null

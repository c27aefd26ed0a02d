#!/bin/sh
# Build the Debian packages (zsignd, zsign-client) from a clean copy of
# this tree: sh scripts/package.sh [OUTDIR]. The .deb files, the source
# package and the .changes land in OUTDIR (default build-deb). Honours
# DEB_BUILD_OPTIONS and DEB_BUILD_PROFILES (nocheck skips make check).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d -t zsign-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src="$tmp/zsign"
mkdir "$src"

# A copy of what git tracks plus new files it would track (so local edits
# are packaged), never build directories or generated files.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	    tar --null -T - -cf -) | tar -C "$src" -xf -
else
	(cd "$top" && tar --exclude-vcs-ignores --exclude='./build*' \
	    --exclude=./debian/build -cf - .) | tar -C "$src" -xf -
fi

: "${DEB_BUILD_OPTIONS:=parallel=$(nproc)}"
export DEB_BUILD_OPTIONS
(cd "$src" && dpkg-buildpackage -us -uc) >"$tmp/build.log" 2>&1 || {
	tail -60 "$tmp/build.log" >&2
	echo "package.sh: dpkg-buildpackage failed" >&2
	exit 1
}
for f in "$tmp"/*.deb "$tmp"/*.dsc "$tmp"/*.tar.* "$tmp"/*.changes \
    "$tmp"/*.buildinfo; do
	[ -e "$f" ] && mv "$f" "$out"/
done
cp "$tmp/build.log" "$out/build.log"
ls "$out"/*.deb

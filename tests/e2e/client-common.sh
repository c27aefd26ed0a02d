# SPDX-License-Identifier: Apache-2.0
# Sourced by the client-*.sh tests: TAP helpers and paths. The daemon is
# started through tests/e2e/lib.sh.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

CLIENT=$ZS_TOP_BUILDDIR/zsign-client
tap_n=0
tap_fail=0

# tap_ok DESC / tap_not_ok DESC [DIAGNOSTIC...]
tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}
tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n - $1"
	shift
	for l in "$@"; do
		echo "$l" | sed 's/^/# /'
	done
}
# tap_check DESC CMD...: one TAP line for the exit status of CMD.
tap_check() {
	d=$1
	shift
	if "$@"; then tap_ok "$d"; else tap_not_ok "$d"; fi
}
# tap_same DESC EXPECTED_FILE GOT_FILE: equal text, else the diff.
tap_same() {
	if cmp -s "$2" "$3"; then
		tap_ok "$1"
	else
		tap_not_ok "$1" "$(diff -u "$2" "$3" | head -40)"
	fi
}
tap_done() {
	echo "1..$tap_n"
}

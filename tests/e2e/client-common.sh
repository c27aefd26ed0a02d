# SPDX-License-Identifier: Apache-2.0
# Sourced by the zsign-client tests: tests/e2e/lib.sh (TAP, a real zsignd)
# plus the few helpers those tests share. The plan is printed at the end.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

CLIENT=$ZS_TOP_BUILDDIR/zsign-client

# client_start NAME=KEYFILE...: zsignd with these keys; ZSIGN_SERVER set.
client_start() {
	for k in "$@"; do
		set -- "$@" -k "$k"
		shift
	done
	zs_start_zsignd "$@" || zs_bail "zsignd did not start"
	ZSIGN_SERVER=unix:$ZS_SOCK
	export ZSIGN_SERVER
}

# tap_not_ok DESC [DIAGNOSTIC...]
tap_not_ok() {
	zs_fail "$1"
	shift
	for l in "$@"; do
		zs_diag "$l"
	done
}

# tap_check DESC CMD...: one TAP line for the exit status of CMD.
tap_check() {
	tc_d=$1
	shift
	"$@"
	zs_ok $? "$tc_d"
}

# tap_same DESC EXPECTED_FILE GOT_FILE: equal text, else the diff.
tap_same() {
	if cmp -s "$2" "$3"; then
		zs_pass "$1"
	else
		tap_not_ok "$1" "$(diff -u "$2" "$3" | head -40)"
	fi
}

# tap_done: the daemon's log check, then the plan.
tap_done() {
	zs_check_log "zsignd logged no crash or sanitizer report"
	zs_plan "$zs_n"
}

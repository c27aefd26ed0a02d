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

# client_start_vectors: zsignd with the signing keys of the imgtool vectors
# under their names; x25519 and the enc-* keys are encryption recipients.
client_start_vectors() {
	set --
	for k in rsa-2048 rsa-3072 ecdsa-p256 ecdsa-p384 ed25519; do
		set -- "$@" "$k=$ZS_TOP_SRCDIR/tests/vectors/imgtool/keys/$k.pem"
	done
	client_start "$@"
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

# rimage_case DIR POST BDATE ARGS...: run `zsign-client rimage ARGS` in
# DIR (stdout and stderr to files there) the way a rimage vector case says:
# SOURCE_DATE_EPOCH from BDATE ("-": none), and POST prefix_xman as west
# sign does. Returns the client's exit status.
rimage_case() {
	rc_dir=$1
	rc_post=$2
	if [ "$3" != - ]; then
		SOURCE_DATE_EPOCH=$(date -u -d "$3" +%s)
		export SOURCE_DATE_EPOCH
	else
		unset SOURCE_DATE_EPOCH
	fi
	shift 3
	(cd "$rc_dir" && "$CLIENT" rimage "$@" >stdout 2>stderr)
	rc_rc=$?
	if [ "$rc_rc" -eq 0 ] && [ "$rc_post" = prefix_xman ]; then
		cat "$rc_dir/out/zephyr.ri.xman" "$rc_dir/out/zephyr.ri" \
		    >"$rc_dir/prefixed" &&
		    mv "$rc_dir/prefixed" "$rc_dir/out/zephyr.ri"
	fi
	return $rc_rc
}

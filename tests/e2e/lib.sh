# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the end-to-end tests (POSIX sh): TAP output, a private
# temporary directory, and a real zsignd on a temporary Unix socket with
# cleanup traps and a log check (in the manner of chrony's test.common).
#
#	. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"
#	zs_plan 3
#	zs_start_zsignd || zs_bail "zsignd did not start"
#	zs_curl GET /v1/health		# body in $ZS_BODY, status in $ZS_STATUS
#	zs_is "$ZS_STATUS" 200 "health answers"
#	zs_is "$(zs_json .status)" ok "health says ok"
#	zs_stop_zsignd; zs_is $? 0 "zsignd exits 0 on SIGTERM"
#	zs_check_log "no sanitizer reports"
#
# Variables after sourcing: ZS_TMP (removed at exit), ZS_ZSIGND (binary),
# ZS_KEYDIR (tests/keys), ZS_TEST_KEYS (the -k options of the default
# keys, see zs_start_zsignd). After zs_start_zsignd: ZS_SOCK, ZS_PID,
# ZS_LOG. Every wait is bounded; nothing outlives the script.

set -u

: "${ZS_TOP_SRCDIR:?run under make check (ZS_TOP_SRCDIR unset)}"
: "${ZS_TOP_BUILDDIR:?run under make check (ZS_TOP_BUILDDIR unset)}"

# Seconds zsignd may take to answer its first health check.
ZS_START_TIMEOUT=${ZS_START_TIMEOUT:-20}
# Seconds zsignd may take to exit after SIGTERM.
ZS_STOP_TIMEOUT=${ZS_STOP_TIMEOUT:-30}
# Seconds one curl request may take (curl --max-time).
ZS_CURL_TIMEOUT=${ZS_CURL_TIMEOUT:-30}

ZS_ZSIGND=$ZS_TOP_BUILDDIR/zsignd
ZS_KEYDIR=$ZS_TOP_SRCDIR/tests/keys
ZS_TEST_KEYS="-k test-ecdsa-p256=$ZS_KEYDIR/test-ecdsa-p256.pem
-k test-ed25519=$ZS_KEYDIR/test-ed25519.pem
-k test-rsa-2048=$ZS_KEYDIR/test-rsa-2048.pem"
ZS_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zsign-e2e.XXXXXX") || exit 1
ZS_SOCK=$ZS_TMP/zsignd.sock
ZS_LOG=$ZS_TMP/zsignd.log
ZS_BODY=$ZS_TMP/body
ZS_STATUS=000
ZS_PID=
zs_n=0

zs_cleanup() {
	if [ -n "$ZS_PID" ] && kill -0 "$ZS_PID" 2>/dev/null; then
		kill -KILL "$ZS_PID" 2>/dev/null
		wait "$ZS_PID" 2>/dev/null
	fi
	rm -rf "$ZS_TMP"
}
trap zs_cleanup EXIT
trap 'exit 1' INT TERM HUP

# TAP: the plan, then one line per check.
zs_plan() {
	echo "1..$1"
}

zs_pass() {
	zs_n=$((zs_n + 1))
	echo "ok $zs_n - $1"
}

zs_fail() {
	zs_n=$((zs_n + 1))
	echo "not ok $zs_n - $1"
}

# zs_ok STATUS DESCRIPTION: passes when STATUS is 0.
zs_ok() {
	if [ "$1" -eq 0 ]; then zs_pass "$2"; else zs_fail "$2"; fi
}

# zs_is GOT WANT DESCRIPTION
zs_is() {
	if [ "$1" = "$2" ]; then
		zs_pass "$3"
	else
		zs_fail "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

# zs_skip DESCRIPTION REASON
zs_skip() {
	zs_n=$((zs_n + 1))
	echo "ok $zs_n - $1 # SKIP $2"
}

zs_diag() {
	echo "$*" | sed 's/^/# /'
}

# Give up on the whole script (TAP "Bail out!").
zs_bail() {
	echo "Bail out! $*"
	[ -f "$ZS_LOG" ] && sed 's/^/# zsignd: /' "$ZS_LOG" | tail -30
	exit 1
}

# zs_start_zsignd [ZSIGND ARGS...]: start zsignd listening on $ZS_SOCK;
# without arguments it serves the test keys ($ZS_TEST_KEYS). Waits until
# /v1/health answers 200; returns 1 if it does not within the timeout.
zs_start_zsignd() {
	rm -f "$ZS_SOCK"
	if [ $# -eq 0 ]; then
		# shellcheck disable=SC2086
		set -- $ZS_TEST_KEYS
	fi
	"$ZS_ZSIGND" -d -l "unix:$ZS_SOCK" "$@" >>"$ZS_LOG" 2>&1 &
	ZS_PID=$!
	zs_i=0
	while [ "$zs_i" -lt $((ZS_START_TIMEOUT * 10)) ]; do
		if ! kill -0 "$ZS_PID" 2>/dev/null; then
			wait "$ZS_PID" 2>/dev/null
			ZS_PID=
			return 1
		fi
		if [ -S "$ZS_SOCK" ] && curl -s -o /dev/null --max-time 2 \
		    --unix-socket "$ZS_SOCK" http://zsign/v1/health; then
			return 0
		fi
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
	return 1
}

# zs_stop_zsignd [SIGNAL]: signal zsignd (TERM) and wait for it; returns its
# exit status, or 124 after killing it when it did not exit in time.
zs_stop_zsignd() {
	[ -n "$ZS_PID" ] || return 0
	kill "-${1:-TERM}" "$ZS_PID" 2>/dev/null
	zs_wait_zsignd
}

# zs_wait_zsignd: wait (bounded) for zsignd to exit; returns its status.
zs_wait_zsignd() {
	zs_i=0
	while kill -0 "$ZS_PID" 2>/dev/null; do
		if [ "$zs_i" -ge $((ZS_STOP_TIMEOUT * 10)) ]; then
			kill -KILL "$ZS_PID" 2>/dev/null
			wait "$ZS_PID" 2>/dev/null
			ZS_PID=
			return 124
		fi
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
	wait "$ZS_PID"
	zs_rc=$?
	ZS_PID=
	return $zs_rc
}

# zs_wait COMMAND...: wait (at most 10 s) until COMMAND succeeds; fails
# when it never does.
zs_wait() {
	zs_i=0
	until "$@"; do
		[ "$zs_i" -ge 100 ] && return 1
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
}

# zs_wait_path TEST PATH: zs_wait until `test TEST PATH` holds, e.g. -S for
# a stand-in server's socket.
zs_wait_path() {
	zs_wait test "$1" "$2"
}

# zs_curl METHOD PATH [CURL ARGS...]: one request over the socket; the body
# goes to $ZS_BODY, the status to $ZS_STATUS (000 when none came back).
zs_curl() {
	zs_m=$1
	zs_p=$2
	shift 2
	ZS_STATUS=$(curl -s -o "$ZS_BODY" -w '%{http_code}' \
	    --max-time "$ZS_CURL_TIMEOUT" --unix-socket "$ZS_SOCK" \
	    -X "$zs_m" "$@" "http://zsign$zs_p")
	[ -n "$ZS_STATUS" ] || ZS_STATUS=000
}

# zs_post PATH FILE: POST the JSON in FILE (as PROTOCOL.md shows).
zs_post() {
	zs_curl POST "$1" -H 'Content-Type: application/json' \
	    --data-binary "@$2"
}

# zs_json FILTER [FILE]: a jq filter over $ZS_BODY (or FILE), raw output.
zs_json() {
	jq -r "$1" "${2:-$ZS_BODY}" 2>/dev/null
}

# zs_b64 FILE: the file as one line of standard base64.
zs_b64() {
	base64 -w0 "$1"
}

# zs_check_log DESCRIPTION: one TAP line; fails on sanitizer reports or
# crashes in the zsignd log (which is shown then).
zs_check_log() {
	if grep -Eq 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|Sanitizer has encountered|runtime error:|SUMMARY: |Segmentation fault|Aborted' \
	    "$ZS_LOG" 2>/dev/null; then
		zs_fail "$1"
		sed 's/^/# zsignd: /' "$ZS_LOG" | tail -60
	else
		zs_pass "$1"
	fi
}

# zs_log_has ERE: does the zsignd log hold a line matching ERE?
zs_log_has() {
	grep -Eq "$1" "$ZS_LOG" 2>/dev/null
}

# zs_wait_log ERE [SECONDS]: wait (bounded) for a log line matching ERE.
zs_wait_log() {
	zs_i=0
	while [ "$zs_i" -lt $((${2:-10} * 10)) ]; do
		zs_log_has "$1" && return 0
		sleep 0.1
		zs_i=$((zs_i + 1))
	done
	return 1
}

# zs_sign_queued REQUEST OUT CODE: POST the sign request file REQUEST in
# the background (the reply body to OUT, the status to CODE), its curl's pid
# in $ZS_BG; returns once zsignd logged it queued for the workers (bounded).
zs_sign_queued() {
	curl -s -o "$2" -w '%{http_code}' --max-time 60 \
	    --unix-socket "$ZS_SOCK" -H 'Content-Type: application/json' \
	    --data-binary "@$1" http://zsign/v1/sign >"$3" &
	ZS_BG=$!
	zs_wait_log "sign uid=[0-9]+ pid=$ZS_BG queued" 30
}

# zs_mkimage FILE SIZE: a Zephyr-like image: 0x200 zero bytes of header
# room (imgtool --header-size 0x200 without --pad-header), then random.
zs_mkimage() {
	{ head -c 512 /dev/zero; head -c $(($2 - 512)) /dev/urandom; } >"$1"
}

# zs_args_json FILE ARGS...: write ARGS to FILE as one JSON array of
# strings (through --arg: jq would parse "--pad" as its own option).
zs_args_json() {
	zs_f=$1
	shift
	echo '[]' >"$zs_f"
	for zs_a in "$@"; do
		jq -c --arg a "$zs_a" '. + [$a]' "$zs_f" >"$zs_f.tmp" &&
		    mv "$zs_f.tmp" "$zs_f"
	done
}

# zs_imgtool_request OUT IMAGE KEY [IMGTOOL ARGS...]: write a sign request
# (PROTOCOL.md args mode) for IMAGE as "zephyr.bin" -> "zephyr.signed.bin"
# with the server key KEY ("" for none) and the usual Zephyr options.
zs_imgtool_request() {
	zs_out=$1
	zs_img=$2
	zs_key=$3
	shift 3
	zs_args_json "$zs_out.args" "$@"
	base64 -w0 "$zs_img" >"$zs_out.b64"
	jq -n --rawfile b64 "$zs_out.b64" --arg key "$zs_key" \
	    --slurpfile extra "$zs_out.args" '{tool: "imgtool",
	    args: (["--version", "1.2.3+4", "--header-size", "0x200",
	        "--align", "4", "--slot-size", "0x4000000"] + $extra[0] +
	        ["zephyr.bin", "zephyr.signed.bin"]),
	    files: {"zephyr.bin": $b64}} +
	    (if $key == "" then {} else {key: $key} end)' >"$zs_out"
	rm -f "$zs_out.b64" "$zs_out.args"
}

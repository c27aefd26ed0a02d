# SPDX-License-Identifier: Apache-2.0
# Helpers of the security end-to-end tests (sourced): a throw-away PKI made
# with openssl at test time, a zsignd with TLS and an audit log, TAP output.
# Sourcing scripts set nothing beforehand; everything lives under $T.

B=${ZS_TOP_BUILDDIR:?}
S=${ZS_TOP_SRCDIR:?}
ZSIGND=$B/zsignd
CLIENT=$B/zsign-client
T=$(mktemp -d /tmp/zs-sec.XXXXXX)
ZPID=
n=0
failed=0

ok() {		# ok COND-STATUS "what"
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

cleanup() {
	[ -n "$ZPID" ] && kill "$ZPID" 2>/dev/null && wait "$ZPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# One EC key and a certificate for it: cert NAME CN ISSUER [SAN].
# ISSUER "self" makes a CA.
cert() {
	name=$1 cn=$2 issuer=$3 san=${4:-}
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$T/$name.key" 2>/dev/null
	if [ "$issuer" = self ]; then
		openssl req -x509 -new -key "$T/$name.key" -subj "/CN=$cn" \
		    -days 2 -out "$T/$name.pem" \
		    -addext basicConstraints=critical,CA:TRUE \
		    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
		return
	fi
	openssl req -new -key "$T/$name.key" -subj "/CN=$cn" \
	    -out "$T/$name.csr" 2>/dev/null
	{
		echo "basicConstraints=CA:FALSE"
		[ -n "$san" ] && echo "subjectAltName=$san"
	} >"$T/$name.ext"
	openssl x509 -req -in "$T/$name.csr" -CA "$T/$issuer.pem" \
	    -CAkey "$T/$issuer.key" -set_serial "0x$(od -An -N8 -tx1 \
	    /dev/urandom | tr -d ' \n')" -days 2 -extfile "$T/$name.ext" \
	    -out "$T/$name.pem" 2>/dev/null
}

# The test PKI: a CA with server and client certificates, and a second,
# untrusted CA with a client of its own.
make_pki() {
	cert ca "zsign test CA" self
	cert srv localhost ca "DNS:localhost,IP:127.0.0.1"
	cert ci ci-runner ca "DNS:ci.example.com"
	cert intruder intruder ca
	cert rogueca "rogue CA" self
	cert rogue ci-runner rogueca "DNS:ci.example.com"
}

# A bearer token and the hash the configuration stores.
make_token() {
	printf 'ci-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
	    >"$T/token"
	TOKEN_HASH=$("$ZSIGND" --hash-token <"$T/token")
}

# A 4 KiB test image and a sign request for it: sign_body VERSION [KEY].
sign_body() {
	head -c 4096 /dev/urandom >"$T/in.bin"
	printf '{"tool":"imgtool","key":"%s","args":["--version","%s",' \
	    "${2:-dev}" "$1" >"$T/body.json"
	printf '"--header-size","0x200","--pad-header","--align","4",' \
	    >>"$T/body.json"
	printf '"--slot-size","0x20000","in.bin","out.bin"],' >>"$T/body.json"
	printf '"files":{"in.bin":"%s"}}' "$(base64 -w0 "$T/in.bin")" \
	    >>"$T/body.json"
}

# Start zsignd with the given arguments; sets ZPID and, when it listens
# on TCP, PORT (from its log).
start_zsignd() {
	: >"$T/zsignd.log"
	"$ZSIGND" "$@" >>"$T/zsignd.log" 2>&1 &
	ZPID=$!
	PORT=
	i=0
	while [ $i -lt 100 ]; do
		# "ready" follows the last listener.
		if grep -q " ready" "$T/zsignd.log"; then
			PORT=$(sed -n 's/.*listening on tcp:[^ ]*:\([0-9][0-9]*\) (TLS).*/\1/p' \
			    "$T/zsignd.log" | head -1)
			return 0
		fi
		kill -0 "$ZPID" 2>/dev/null || { cat "$T/zsignd.log" >&2;
		    ZPID=; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	cat "$T/zsignd.log" >&2
	return 1
}

stop_zsignd() {
	[ -n "$ZPID" ] || return 0
	kill "$ZPID" 2>/dev/null
	wait "$ZPID" 2>/dev/null
	ZPID=
}

# curl over TLS to the test daemon: tcurl PATH [curl args...]; prints the
# HTTP status (000 on a transport failure) and leaves the body in $T/resp.
tcurl() {
	p=$1
	shift
	curl -s -o "$T/resp" -w '%{http_code}' --max-time 30 \
	    --cacert "$T/ca.pem" "$@" "https://127.0.0.1:$PORT$p" 2>/dev/null
	return 0
}

# Does the audit log's last line match the extended regex?
audit_last() {
	tail -1 "$T/audit.log" | grep -Eq "$1"
}

# audit_wait ERE: wait (bounded, 5 s) until the last audit record matches
# ERE, for records the daemon writes after the client saw the outcome.
audit_wait() {
	i=0
	while ! audit_last "$1" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	audit_last "$1"
}

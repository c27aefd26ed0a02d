#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A 64 MiB image under the default limits, in the binary form, over the
# Unix socket (where conn.c takes large bodies off the socket in large
# reads) and over TLS (libevent's own reads): the same bytes both ways, the
# same as the whole image in a JSON reply, the input intact inside it and
# a signature that verifies. Ed25519 signatures are deterministic. No
# timing is checked here (bench/run.sh does).
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..18"
make_pki
# Default limits: 64 MiB of files must pass them.
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/sock", "tcp:127.0.0.1:0"],
  "keys": [{"name": "ed", "path": "$S/tests/keys/test-ed25519.pem"}],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with a Unix and a TLS listener (port $PORT)"
cd "$T" || exit 1
N=$((64 * 1024 * 1024))
head -c "$N" /dev/urandom >big.bin
SIGN="imgtool sign -k zsign:ed --version 1.2.3 --header-size 0x200
    --pad-header --slot-size 0x4200000"

# shellcheck disable=SC2086
"$CLIENT" --server "unix:$T/sock" $SIGN big.bin unix.bin 2>err
ok $? "64 MiB over the Unix socket: signed $(cat err)"
# shellcheck disable=SC2086
"$CLIENT" --server "https://127.0.0.1:$PORT" --cacert ca.pem \
    --cert ci.pem --cert-key ci.key $SIGN big.bin tls.bin 2>err
ok $? "64 MiB over TLS: signed $(cat err)"
cmp -s unix.bin tls.bin
ok $? "Unix and TLS: the same image"

# The whole image as zsignd builds it, in a JSON reply to curl.
{
	printf '{"tool":"imgtool","key":"ed","args":["--version","1.2.3",'
	printf '"--header-size","0x200","--pad-header","--slot-size",'
	printf '"0x4200000","big.bin","out.bin"],"files":{"big.bin":%s}}\n' "$N"
	cat big.bin
} >req.bin
s=$(curl -s -o resp.json -w '%{http_code}' --max-time 120 \
    --unix-socket "$T/sock" -H 'Content-Type: application/vnd.zsign.v1+bin' \
    --data-binary @req.bin http://zsign/v1/sign)
[ "$s" = 200 ] && jq -r '.files["out.bin"]' resp.json | base64 -d >json.bin
ok $? "64 MiB by curl, JSON reply: 200 ($s)"
cmp -s json.bin unix.bin
ok $? "the JSON reply's image is the client's"
rm -f req.bin resp.json json.bin tls.bin

# The payload is the input, byte for byte, after the 512-byte header.
cmp -s -i 512:0 -n "$N" unix.bin big.bin
ok $? "the input is intact inside the image"
"$CLIENT" imgtool verify -k "$S/tests/keys/test-ed25519.pem" unix.bin \
    >out 2>&1
ok $? "the signature verifies ($(tail -1 out))"

# Other sizes (an odd one, 16 MiB): the client sends the image from its
# file (sendfile on the Unix socket, read as TLS drains) and copies the
# reply's ranges of it from there; the same bytes as the JSON form.
for size in 1048583 16777216; do
	head -c "$size" /dev/urandom >img.bin
	# shellcheck disable=SC2086
	"$CLIENT" --server "unix:$T/sock" $SIGN img.bin unix.bin 2>err
	ok $? "$size bytes over the Unix socket: signed $(cat err)"
	# shellcheck disable=SC2086
	"$CLIENT" --server "https://127.0.0.1:$PORT" --cacert ca.pem \
	    --cert ci.pem --cert-key ci.key $SIGN img.bin tls.bin 2>err
	ok $? "$size bytes over TLS: signed $(cat err)"
	{
		printf '{"tool":"imgtool","key":"ed","args":["--version",'
		printf '"1.2.3","--header-size","0x200","--pad-header",'
		printf '"--slot-size","0x4200000","img.bin","out.bin"],'
		printf '"files":{"img.bin":%s}}\n' "$size"
		cat img.bin
	} >req.bin
	s=$(curl -s -o resp.json -w '%{http_code}' --max-time 120 \
	    --unix-socket "$T/sock" \
	    -H 'Content-Type: application/vnd.zsign.v1+bin' \
	    --data-binary @req.bin http://zsign/v1/sign)
	[ "$s" = 200 ] &&
	    jq -r '.files["out.bin"]' resp.json | base64 -d >json.bin &&
	    cmp -s json.bin unix.bin && cmp -s json.bin tls.bin
	ok $? "$size bytes: Unix, TLS and the JSON reply ($s) the same image"
	rm -f req.bin resp.json json.bin tls.bin unix.bin
done

# A refusal after the image was sent (no such key): the output started
# while the server worked is removed again.
head -c 2097152 /dev/urandom >img.bin
# shellcheck disable=SC2086
"$CLIENT" --server "unix:$T/sock" \
    $(echo "$SIGN" | sed 's/zsign:ed/zsign:nokey/') img.bin nokey.bin 2>err
rc=$?
[ "$rc" = 1 ] && [ ! -e nokey.bin ] && [ -z "$(find . -name 'nokey.bin*')" ]
ok $? "refused after sending: exit $rc, no output or temporary file"

# Outputs are atomic: one line, exit 1 and no file where none can be
# written; on a full disk (RLIMIT_FSIZE stands in) the old output stays.
head -c 1048576 /dev/urandom >small.bin
# shellcheck disable=SC2086
"$CLIENT" --server "unix:$T/sock" $SIGN small.bin nodir/out.bin 2>err
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <err)" = 1 ] && [ ! -e nodir ]
ok $? "no output directory: exit $rc, $(cat err)"
echo old >full.bin
# shellcheck disable=SC2086
(trap '' XFSZ; ulimit -f 256; exec "$CLIENT" --server "unix:$T/sock" \
    $SIGN small.bin full.bin) 2>err
rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <err)" = 1 ] && [ "$(cat full.bin)" = old ] &&
    [ -z "$(find . -name 'full.bin.tmp*')" ]
ok $? "a full disk: exit $rc, the old output kept, no temporary file"

stop_zsignd
! grep -Eq 'AddressSanitizer|runtime error|LeakSanitizer' "$T/zsignd.log"
ok $? "no sanitizer reports"
exit 0

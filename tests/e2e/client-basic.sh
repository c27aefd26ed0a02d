#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# zsign-client against a real zsignd: health, keys, the ways -k names a key
# (server name, zsign:NAME, local private or public PEM: only a fingerprint
# travels), verify/getpub with server keys, and the failure rules: exit 1
# for refused signing, 2 for usage, one line on stderr, no output file.
. "$ZS_TOP_SRCDIR/tests/e2e/client-common.sh"

KEYS=$ZS_TOP_SRCDIR/tests/keys
client_start "ed=$KEYS/test-ed25519.pem" "p256=$KEYS/test-ecdsa-p256.pem"
cd "$ZS_TMP" || exit 1
openssl pkey -in "$KEYS/test-ed25519.pem" -pubout -out ed.pub.pem
openssl pkey -in "$KEYS/test-ecdsa-p256.pem" -pubout -out p256.pub.pem
head -c 5000 /dev/urandom >app.bin
SIGN="--version 1.2.3+4 --header-size 0x200 --pad-header --slot-size 0x4000"

# fails_cleanly DESC WANT_RC OUTFILE CMD...: exit WANT_RC, one stderr line,
# OUTFILE absent, stdout $want_out (empty unless set).
want_out=
fails_cleanly() {
	d=$1 want=$2 f=$3
	shift 3
	rm -f "$f"
	"$@" >stdout 2>stderr
	rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(wc -l <stderr)" -eq 1 ] &&
	    [ ! -e "$f" ] && [ "$(cat stdout)" = "$want_out" ]; then
		zs_pass "$d (exit $want: $(cat stderr))"
	else
		tap_not_ok "$d" "exit $rc, want $want" "$(cat stdout stderr)" \
		    "$(ls)"
	fi
}

"$CLIENT" health >out 2>&1
tap_check "health" grep -q ": ok, zsignd .*, 2 keys" out
"$CLIENT" keys >out 2>&1
fp=SHA256:$(openssl pkey -pubin -in ed.pub.pem -outform DER | sha256sum |
    cut -d' ' -f1)
tap_check "keys lists ed with its fingerprint" \
    grep -q "^ed ed25519 $fp file" out
tap_check "keys lists p256" grep -q "^p256 ecdsa-p256 SHA256:" out
tap_check "keys prints the public keys" \
    test "$(grep -c 'BEGIN PUBLIC KEY' out)" -eq 2

# Ed25519 is deterministic: every way of naming the key gives one image.
"$CLIENT" imgtool sign -k zsign:ed $SIGN app.bin ref.bin 2>err
tap_check "imgtool sign -k zsign:NAME" test $? -eq 0 -a -s ref.bin
"$CLIENT" imgtool sign -k ed $SIGN app.bin a.bin 2>err
tap_check "imgtool sign -k NAME: same image" cmp -s ref.bin a.bin
"$CLIENT" imgtool sign --key "$KEYS/test-ed25519.pem" $SIGN app.bin b.bin 2>err
tap_check "imgtool sign --key private.pem: same image" cmp -s ref.bin b.bin
ZSIGN_PUBLIC_KEY_OK=1 "$CLIENT" imgtool sign -k ed.pub.pem $SIGN app.bin \
    c.bin 2>err
tap_check "ZSIGN_PUBLIC_KEY_OK=1 and -k public.pem: same image" \
    cmp -s ref.bin c.bin
fails_cleanly "imgtool sign -k public.pem is refused as imgtool does" 2 \
    d.bin "$CLIENT" imgtool sign -k ed.pub.pem $SIGN app.bin d.bin
"$CLIENT" --server "$ZSIGN_SERVER" imgtool sign -k zsign:p256 $SIGN \
    app.bin p.bin 2>err
tap_check "imgtool sign with an ECDSA P-256 server key" test -s p.bin

# Local commands, with server keys or files.
"$CLIENT" imgtool verify -k zsign:ed ref.bin >out 2>&1
tap_check "verify -k zsign:NAME fetches the server's public key" \
    grep -qx "Image was correctly validated" out
"$CLIENT" imgtool verify -k p256.pub.pem p.bin >out 2>&1
tap_check "verify -k local public key (ECDSA)" \
    grep -qx "Image was correctly validated" out
"$CLIENT" imgtool verify -k p256.pub.pem ref.bin >out 2>&1
tap_check "verify with the wrong key fails (exit 1)" test $? -eq 1
"$CLIENT" imgtool getpub -k zsign:ed -e pem >out 2>&1
tap_check "getpub -k zsign:NAME -e pem is the server key" cmp -s out ed.pub.pem
"$CLIENT" imgtool getpub -k ed.pub.pem -e pem >out 2>&1
tap_check "getpub of a local file" cmp -s out ed.pub.pem

# Failures: the server's message, the exit status, no output file.
fails_cleanly "unknown server key" 1 e.bin \
    "$CLIENT" imgtool sign -k zsign:nosuch $SIGN app.bin e.bin
grep -q 'unknown key' stderr
tap_check "the message is the server's" test $? -eq 0
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
fails_cleanly "a local key the server does not hold" 1 e.bin \
    "$CLIENT" imgtool sign -k other.pem $SIGN app.bin e.bin
# imgtool finds that after signing: its line comes first, as imgtool's.
want_out="image.py: sign the digest"
fails_cleanly "image too large for the slot (server-side usage error)" 2 \
    e.bin "$CLIENT" imgtool sign -k ed --version 1.0.0 --header-size 0x200 \
    --pad-header --slot-size 0x1000 app.bin e.bin
want_out=
fails_cleanly "imgtool option error (--align 3)" 2 e.bin \
    "$CLIENT" imgtool sign -k ed $SIGN --align 3 app.bin e.bin
fails_cleanly "missing input file" 2 e.bin \
    "$CLIENT" imgtool sign -k ed $SIGN nosuch.bin e.bin
fails_cleanly "no server listening" 1 e.bin \
    "$CLIENT" --server "unix:$ZS_TMP/nosuch.sock" imgtool sign -k ed $SIGN \
    app.bin e.bin
fails_cleanly "unsupported server address" 2 e.bin \
    "$CLIENT" --server "tcp:localhost:1" imgtool sign -k ed $SIGN app.bin e.bin
echo "not a key" >junk.pem
fails_cleanly "a file that is no key" 1 e.bin \
    "$CLIENT" imgtool sign -k junk.pem $SIGN app.bin e.bin
tap_check "... says so once" test "$(cat stderr)" = \
    "zsign-client: key file junk.pem: not a supported PEM key"
"$CLIENT" frobnicate >/dev/null 2>&1
tap_check "unknown command: exit 2" test $? -eq 2
ZSIGN_SERVER=unix:$ZS_TMP/nosuch.sock "$CLIENT" health >/dev/null 2>&1
tap_check "ZSIGN_SERVER is used" test $? -eq 1
# Each run is one connection the server closes after its reply; zsignd
# once lost every other such request (a dead connection kept the fd's
# events). Five signings in a row, each image verified.
n=0
for i in 1 2 3 4 5; do
	rm -f r.bin
	"$CLIENT" imgtool sign -k ed $SIGN app.bin r.bin 2>>stderr5 &&
	    "$CLIENT" imgtool verify -k ed.pub.pem r.bin >/dev/null 2>&1 &&
	    n=$((n + 1))
done
tap_check "five signings in a row, one connection each ($n/5)" \
    test "$n" -eq 5
tap_done

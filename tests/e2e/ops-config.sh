#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shipped example configuration passes zsignd --check-config (paths
# moved into a scratch directory, its keys, passphrase credential and TLS
# files made up), every member it uses is documented in zsignd.conf(5),
# every zsignd option in zsignd(8), broken configurations are refused with
# exit 1, and the manuals render without groff warnings.
. "${ZS_TOP_SRCDIR:?}/tests/e2e/lib.sh"

EXAMPLE=$ZS_TOP_SRCDIR/etc/zsignd.conf.example
MANS="$ZS_TOP_SRCDIR/docs/zsignd.8 $ZS_TOP_SRCDIR/docs/zsignd.conf.5 $ZS_TOP_SRCDIR/docs/zsign-client.1"
T=$ZS_TMP

zs_plan 14

# The example, moved under $T; the group "zsign" becomes one that exists.
root=$T/root
mkdir -p "$root/etc/zsign/keys" "$root/etc/zsign/tls" "$root/creds" \
    "$root/var/lib/zsign" "$root/var/log/zsign" "$root/run/zsignd"
sed -e "s|/etc/zsign/|$root/etc/zsign/|g" -e "s|/var/|$root/var/|g" \
    -e "s|/run/zsignd/|$root/run/zsignd/|g" \
    -e "s|\"zsign\"|\"$(id -gn)\"|g" "$EXAMPLE" >"$T/zsignd.conf"
cp "$ZS_KEYDIR/test-ecdsa-p256.pem" "$root/etc/zsign/keys/dev.pem"
cp "$ZS_KEYDIR/test-ed25519.pem" "$root/etc/zsign/keys/release-2021.pem"
printf 'correct horse\n' >"$root/creds/zsign_release.pass"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
    -pass pass:'correct horse' -out "$root/etc/zsign/keys/release.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=zsign.example.org -days 2 -keyout "$root/etc/zsign/tls/server.key" \
    -out "$root/etc/zsign/tls/server.pem" 2>/dev/null
cp "$root/etc/zsign/tls/server.pem" "$root/etc/zsign/tls/clients-ca.pem"
python3 "$ZS_TOP_SRCDIR/tests/e2e/mkcrl.py" "$root/etc/zsign/tls/server.pem" \
    "$root/etc/zsign/tls/server.key" "$root/etc/zsign/tls/clients-ca.crl"
# The OIDC issuer's key set: one P-256 public key (the curve's generator).
cat >"$root/etc/zsign/github-jwks.json" <<'EOJ'
{"keys": [{"kty": "EC", "crv": "P-256", "kid": "g",
  "x": "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",
  "y": "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"}]}
EOJ

CREDENTIALS_DIRECTORY=$root/creds "$ZS_ZSIGND" --check-config -c "$T/zsignd.conf" \
    >"$T/check.out" 2>&1
rc=$?
zs_is "$rc:$(cat "$T/check.out" | tail -1)" \
    "0:configuration OK: 3 key(s), 2 listener(s), 4 worker(s)" \
    "the shipped example passes --check-config"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/check.out"

# The encrypted key needs its credential.
"$ZS_ZSIGND" --check-config -c "$T/zsignd.conf" >"$T/nocred.out" 2>&1
zs_is "$?:$(grep -c 'CREDENTIALS_DIRECTORY is not set' "$T/nocred.out")" "1:1" \
    "without \$CREDENTIALS_DIRECTORY the credential is missed, clearly"
printf 'Tr0ub4dor&3\n' >"$root/creds/zsign_release.pass"
# stdin stays open: nothing may prompt for a passphrase and wait on it
# (a reload would stall the daemon so).
mkfifo "$T/stdin"
sleep 10 >"$T/stdin" 2>/dev/null &
holder=$!
t0=$(date +%s)
CREDENTIALS_DIRECTORY=$root/creds "$ZS_ZSIGND" --check-config -c "$T/zsignd.conf" \
    <"$T/stdin" >"$T/wrong.out" 2>&1
zs_is "$?:$(grep -c 'key release' "$T/wrong.out")" "1:1" \
    "a wrong passphrase fails the check, naming the key"
t1=$(date +%s)
[ $((t1 - t0)) -lt 5 ] && ! grep -q 'pass phrase' "$T/wrong.out"
zs_ok $? "... at once, without prompting on an open stdin ($((t1 - t0)) s)"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
grep -q 'Tr0ub4dor' "$T/wrong.out"
zs_ok $((1 - $?)) "the passphrase itself is not printed"

# Broken configurations: exit 1 and a message naming the problem.
check_refused() {	# JSON, expected message ERE, description
	printf '%s\n' "$1" >"$T/bad.conf"
	"$ZS_ZSIGND" --check-config -c "$T/bad.conf" >"$T/bad.out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -Eq "$2" "$T/bad.out"; then
		zs_pass "$3"
	else
		zs_fail "$3"
		sed 's/^/# /' "$T/bad.out"
	fi
}
check_refused '{"log_level": "loud"}' 'log_level must be' \
    "--check-config refuses a bad log_level"
check_refused '{"metrics": {"allow": ["everyone"]}}' 'metrics.allow' \
    "--check-config refuses a bad metrics access list"
check_refused '{"listen": [], "workerz": 2}' 'workerz' \
    "--check-config refuses an unknown member"

# Every member the example uses is in zsignd.conf(5).
missing=""
# (Token names are the operator's, not members.)
for m in $(jq -r 'del(.tokens[]) | [paths | map(select(type == "string")) |
    last] | unique | .[]' "$EXAMPLE"); do
	grep -q "^\\.It Ic $m\\b" "$ZS_TOP_SRCDIR/docs/zsignd.conf.5" ||
	    missing="$missing $m"
done
zs_is "${missing:-none}" none "every member of the example is documented in zsignd.conf(5)"

# ... and every setting zsignd.conf(5) describes is in the example.
missing=""
for m in $(sed -n 's/^\.It Ic \([a-z_]*\).*/\1/p' "$ZS_TOP_SRCDIR/docs/zsignd.conf.5" | sort -u); do
	jq -e --arg m "$m" '[paths | map(select(type == "string")) | last] |
	    index($m)' "$EXAMPLE" >/dev/null || missing="$missing $m"
done
zs_is "${missing:-none}" none "every setting of zsignd.conf(5) is in the example"

# Every option of zsignd --help is in zsignd(8).
missing=""
for o in $("$ZS_ZSIGND" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -Eq -- "(Fl |, )-${o#--}( |\$)" "$ZS_TOP_SRCDIR/docs/zsignd.8" ||
	    missing="$missing $o"
done
zs_is "${missing:-none}" none "every zsignd option is documented in zsignd(8)"

# The manuals render cleanly.
out=""
for m in $MANS; do
	out="$out$(groff -ww -z -mandoc "$m" 2>&1)"
done
zs_is "${out:-clean}" clean "groff -ww finds nothing to warn about"
out=""
for m in $MANS; do
	out="$out$(MANWIDTH=80 man -l "$m" 2>&1 >/dev/null)"
done
zs_is "${out:-clean}" clean "man -l renders every manual without a message"
n=$(MANWIDTH=80 man -l "$ZS_TOP_SRCDIR/docs/zsignd.conf.5" 2>/dev/null | grep -c .)
[ "$n" -gt 200 ]
zs_ok $? "zsignd.conf(5) is a real manual ($n lines)"

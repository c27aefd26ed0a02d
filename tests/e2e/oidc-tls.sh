#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# OIDC identities end to end: a test issuer (its own keys and JWKS file,
# tokens minted by tests/e2e/jwt-mint), zsignd trusting it on a TLS
# listener, curl and zsign-client presenting good and bad tokens; every
# refusal is audited.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

MINT=$B/tests/e2e/jwt-mint
ISS=https://token.test

echo "1..17"
make_pki
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/iss-ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/iss-rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/rogue-iss.pem" 2>/dev/null
"$MINT" jwks e1="$T/iss-ec.pem" r1="$T/iss-rsa.pem" >"$T/jwks.json"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/rel.pem" 2>/dev/null
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/sock", "tcp:127.0.0.1:0"],
  "keys": [
    {"name": "rel", "path": "$T/rel.pem",
     "allow": {"oidc": ["sub:repo:acme/fw:ref:refs/tags/v*",
                        "project_path:acme/dsp"]}}
  ],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key"},
  "oidc": [{"issuer": "$ISS", "audience": "zsign",
            "jwks_file": "$T/jwks.json"}],
  "audit": {"path": "$T/audit.log"}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts trusting a test OIDC issuer (port $PORT)"

# mint HEADER SUB [EXTRA CLAIMS] [KEY]: a token of the test issuer.
mint() {
	"$MINT" token "${4:-$T/iss-ec.pem}" "$1" "{\"iss\": \"$ISS\", \
\"aud\": \"zsign\", \"sub\": \"$2\", \"exp\": @NOW+300, \"nbf\": @NOW-5, \
\"iat\": @NOW-5, \"jti\": \"job-42\"$3}"
}

# try TOKEN: sign over TLS with it as the bearer token; prints the status.
try() {
	tcurl /v1/sign -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' --data-binary @"$T/body.json"
}

sign_body 1.0.0 rel
TAG=repo:acme/fw:ref:refs/tags/v1.0
s=$(try "$(mint '{"alg":"ES256","kid":"e1"}' "$TAG")")
[ "$s" = 200 ] && grep -q '"out.bin"' "$T/resp"
ok $? "an ES256 token whose sub matches the allow list signs ($s)"
audit_last "\"result\":\"ok\".*\"identity\":\"oidc:$ISS#$TAG\".*\"auth\":\"oidc\".*\"jti\":\"job-42\".*\"key\":\"rel\""
ok $? "the audit identity is issuer and sub, with the jti"

s=$(try "$(mint '{"alg":"RS256","kid":"r1"}' x ', "project_path": "acme/dsp"' \
    "$T/iss-rsa.pem")")
[ "$s" = 200 ]
ok $? "an RS256 token matching another claim pattern signs ($s)"

s=$(try "$(mint '{"alg":"ES256"}' repo:acme/fw:ref:refs/heads/main)")
[ "$s" = 403 ] && grep -q 'may not use key' "$T/resp"
ok $? "a valid token whose claims match no pattern: 403 ($s)"

# refused NAME TOKEN REASON-ERE: 401 and an audited refusal naming why.
refused() {
	s=$(try "$2")
	[ "$s" = 401 ] && audit_last "\"result\":\"refused\".*$3"
	ok $? "$1: 401, audited ($s: $(tail -1 "$T/audit.log" | \
	    sed 's/.*"message":"\([^"]*\)".*/\1/'))"
}

refused "expired token" "$("$MINT" token "$T/iss-ec.pem" '{"alg":"ES256"}' \
    "{\"iss\": \"$ISS\", \"aud\": \"zsign\", \"sub\": \"$TAG\", \
\"exp\": @NOW-120}")" "expired"
refused "wrong audience" "$("$MINT" token "$T/iss-ec.pem" '{"alg":"ES256"}' \
    "{\"iss\": \"$ISS\", \"aud\": \"vault\", \"sub\": \"$TAG\", \
\"exp\": @NOW+300}")" "audience"
refused "wrong issuer" "$("$MINT" token "$T/iss-ec.pem" '{"alg":"ES256"}' \
    "{\"iss\": \"https://evil.test\", \"aud\": \"zsign\", \
\"sub\": \"$TAG\", \"exp\": @NOW+300}")" "not a configured OIDC issuer"
refused "alg none" "$(mint '{"alg":"none"}' "$TAG")" "algorithm none refused"
refused "HS256 keyed with the issuer's public key" \
    "$(mint '{"alg":"HS256","kid":"r1"}' "$TAG" "" "$T/iss-rsa.pem")" \
    "algorithm HS256 refused"
refused "token signed by another key" \
    "$(mint '{"alg":"ES256"}' "$TAG" "" "$T/rogue-iss.pem")" "does not verify"
# Tampered: the claims of a refs/heads token under a tag token's signature.
good=$(mint '{"alg":"ES256"}' "$TAG")
bad=$(mint '{"alg":"ES256"}' repo:acme/fw:ref:refs/tags/v9 ', "x": 1')
refused "tampered claims" "${bad%.*}.${good##*.}" "does not verify"

# zsign-client: --token-env (a CI job's variable) and --token-file.
head -c 4096 /dev/urandom >"$T/c.bin"
CARGS="--server https://127.0.0.1:$PORT --cacert $T/ca.pem"
JOB_TOKEN=$(mint '{"alg":"ES256"}' "$TAG") \
    "$CLIENT" $CARGS --token-env JOB_TOKEN imgtool sign -k rel \
    --version 1.2.0 --header-size 0x200 --pad-header --align 4 \
    --slot-size 0x20000 "$T/c.bin" "$T/c1.bin" 2>"$T/client.err"
[ $? -eq 0 ] && [ -s "$T/c1.bin" ]
ok $? "zsign-client --token-env signs with the job's OIDC token"
mint '{"alg":"RS256"}' "$TAG" "" "$T/iss-rsa.pem" >"$T/job.jwt"
"$CLIENT" $CARGS --token-file "$T/job.jwt" imgtool sign -k rel \
    --version 1.2.0 --header-size 0x200 --pad-header --align 4 \
    --slot-size 0x20000 "$T/c.bin" "$T/c2.bin" 2>>"$T/client.err"
[ $? -eq 0 ] && [ -s "$T/c2.bin" ]
ok $? "zsign-client --token-file signs with an OIDC token"
JOB_TOKEN=$(mint '{"alg":"ES256"}' repo:acme/fw:ref:refs/heads/dev) \
    "$CLIENT" $CARGS --token-env JOB_TOKEN imgtool sign -k rel \
    --version 1.2.0 --header-size 0x200 --pad-header --align 4 \
    --slot-size 0x20000 "$T/c.bin" "$T/c3.bin" 2>>"$T/client.err"
[ $? -eq 1 ] && [ ! -e "$T/c3.bin" ]
ok $? "zsign-client with a branch token: exit 1, no output ($(tail -1 "$T/client.err"))"
"$CLIENT" $CARGS --token-env NO_SUCH_VAR_ZS health >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "zsign-client --token-env naming an unset variable: usage error"

stop_zsignd
[ "$(grep -c '"auth":"oidc"' "$T/audit.log")" -ge 4 ] &&
    "$ZSIGND" --verify-audit "$T/audit.log" >/dev/null 2>&1
ok $? "the audit chain verifies after the OIDC requests"
exit $((failed > 0))

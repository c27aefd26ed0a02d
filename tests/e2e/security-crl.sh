#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Certificate revocation: with "tls": {"crl": ...} a client certificate the
# CRL revokes fails the handshake and the refusal is audited; others pass;
# SIGHUP reads the CRL again, so a certificate revoked since is refused
# without a restart.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..8"
make_pki
cert ci2 ci-runner-2 ca "DNS:ci.example.com"
MKCRL="python3 $S/tests/e2e/mkcrl.py $T/ca.pem $T/ca.key $T/crl.pem"
$MKCRL "$T/intruder.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["tcp:127.0.0.1:0"],
  "keys": [{"name": "dev", "path": "$T/dev.pem", "default": true,
            "allow": {"certs": ["ci.example.com"]}}],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key",
          "client_ca": "$T/ca.pem", "crl": "$T/crl.pem"},
  "audit": {"path": "$T/audit.log"}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with a CRL (port $PORT)"
sign_body 1.0.0 dev
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
[ "$s" = 200 ]
ok $? "a certificate the CRL does not list signs ($s)"
s=$(tcurl /v1/sign --cert "$T/intruder.pem" --key "$T/intruder.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
[ "$s" = 000 ]
ok $? "a revoked certificate: the TLS handshake fails ($s)"
audit_wait '"result":"refused".*"auth":"cert".*certificate revoked'
ok $? "that refusal is audited"
grep -q 'client certificate refused: certificate revoked' "$T/zsignd.log"
ok $? "... and logged"
# Revoke ci2 as well, and reload.
s=$(tcurl /v1/sign --cert "$T/ci2.pem" --key "$T/ci2.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
$MKCRL "$T/intruder.pem" "$T/ci2.pem"
kill -HUP "$ZPID"
i=0
while ! grep -q "CRL reloaded" "$T/zsignd.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
s=$s:$(tcurl /v1/sign --cert "$T/ci2.pem" --key "$T/ci2.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
[ "$s" = 200:000 ]
ok $? "revoked after SIGHUP: signs before, refused after ($s)"
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
[ "$s" = 200 ]
ok $? "the other certificate still signs ($s)"
stop_zsignd
"$ZSIGND" --verify-audit "$T/audit.log" >/dev/null
ok $? "the audit chain verifies"

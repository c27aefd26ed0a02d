#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Refusals of unauthenticated peers are cheap and bounded: 10,000 sign
# requests without credentials over TLS add a few audit records (the first
# at once, then one per peer and interval with the count) instead of
# 10,000 fsync'd lines, past the per-peer rate they are answered 429, zsignd spends a few
# seconds of CPU at most, while an authenticated refusal is still recorded
# on its own line at once.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

N=10000
echo "1..7"
make_pki
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/sock", "tcp:127.0.0.1:0"],
  "keys": [{"name": "dev", "path": "$T/dev.pem",
            "allow": {"certs": ["someone-else.example.com"]}}],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "audit": {"path": "$T/audit.log"}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with a TLS listener and an audit log (port $PORT)"
cpu() {		# utime + stime of zsignd, in clock ticks
	awk '{ print $14 + $15 }' "/proc/$ZPID/stat"
}
c0=$(cpu)
python3 "$S/tests/e2e/anon-flood.py" 127.0.0.1 "$PORT" "$T/ca.pem" $N \
    >"$T/statuses" 2>&1
c1=$(cpu)
sed 's/^/# status, count: /' "$T/statuses"
total=$(awk '$1 == 401 || $1 == 429 { n += $2 } END { print n + 0 }' \
    "$T/statuses")
[ "$total" -eq $N ] && grep -q '^429 ' "$T/statuses"
ok $? "$N requests without credentials: all refused, past the rate with 429"
hz=$(getconf CLK_TCK)
ms=$(((c1 - c0) * 1000 / hz))
# Sanitizer builds run several times slower.
limit=5000
ldd "$ZSIGND" 2>/dev/null | grep -q libasan && limit=20000
echo "# zsignd CPU for $N refusals: $ms ms (limit $limit)"
[ "$ms" -le "$limit" ]
ok $? "... in a few seconds of CPU"
# An authenticated refusal (allowed no key) is its own record at once.
sign_body 1.0.0 dev
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json")
[ "$s" = 403 ] && audit_wait '"identity":"cert:ci-runner".*"result":"refused"|"result":"refused".*"identity":"cert:ci-runner"'
ok $? "an authenticated refusal: recorded on its own ($s)"
stop_zsignd
size=$(wc -c <"$T/audit.log")
echo "# audit log: $size bytes, $(wc -l <"$T/audit.log") records"
[ "$size" -le 4096 ]
ok $? "the audit log grew by at most 4 KiB"
counted=$(jq -s '[.[] | select(.identity == "anonymous") | (.count // 1)] | add' \
    "$T/audit.log")
[ "$counted" = $N ]
ok $? "the aggregate records count all $N refusals ($counted)"
"$ZSIGND" --verify-audit "$T/audit.log" >/dev/null
ok $? "the audit chain verifies"

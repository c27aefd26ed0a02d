#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# No event outlives its connection: for every pair of listener kinds (two
# Unix sockets and a TLS listener), a connection closed on one and a new
# one opened at once on another, 100 times each; the new one must be
# answered, never stalled by a dead connection's event on a reused
# descriptor (the stale event ate the TLS ClientHello).
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..3"
make_pki
cat >"$T/zsignd.json" <<EOC
{
  "listen": ["unix:$T/a.sock", "unix:$T/b.sock", "tcp:127.0.0.1:0"],
  "keys": [],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "limits": {"io_timeout_ms": 20000}
}
EOC
start_zsignd -c "$T/zsignd.json"
ok $? "zsignd starts with two Unix listeners and a TLS one (port $PORT)"
python3 "$S/tests/e2e/conn-reuse.py" 100 "$T/ca.pem" "unix:$T/a.sock" \
    "unix:$T/b.sock" "tls:127.0.0.1:$PORT" >"$T/pairs" 2>&1
r=$?
sed 's/^/# /' "$T/pairs"
ok $r "every pair of listeners: 100 of 100 answered after a close"
stop_zsignd
! grep -Eq 'AddressSanitizer|runtime error' "$T/zsignd.log"
ok $? "no sanitizer report"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGHUP applies the policy without a restart: the caller's uid taken out
# of a key's allow list is refused (403) after the reload and let in (200)
# once it is back; a revoked bearer token no longer authenticates. (That a
# request finishes under the generation it started with is checked by
# tests/unit/test-runtime.c: requests held across a reload here depended
# on timing under load.)
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..10"
make_pki
make_token
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/dev.pem" 2>/dev/null
me=$(id -u)

# conf KEYPATH UIDS TOKENS ALLOWTOKENS: the configuration file.
conf() {
	cat >"$T/zsignd.conf" <<EOC
{"listen": ["unix:$T/sock", "tcp:127.0.0.1:0"], "workers": 1,
 "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key"},
 "tokens": $3,
 "keys": [{"name": "dev", "path": "$1",
   "allow": {"uids": $2, "tokens": $4}}]}
EOC
}
tok=$T/dev.pem

# usign: a sign request over the Unix socket; prints the status.
usign() {
	curl -s -o "$T/resp" -w '%{http_code}' --max-time 30 \
	    --unix-socket "$T/sock" -H 'Content-Type: application/json' \
	    --data-binary @"$T/body.json" http://zsign/v1/sign
}

# tsign: the same over TLS with the bearer token.
tsign() {
	tcurl /v1/sign -H "Authorization: Bearer $(cat "$T/token")" \
	    -H 'Content-Type: application/json' --data-binary @"$T/body.json"
}

# reload N: SIGHUP and wait for configuration #N to serve.
reload() {
	kill -HUP "$ZPID"
	i=0
	while ! grep -q "configuration reloaded (#$1)" "$T/zsignd.log" &&
	    [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "configuration reloaded (#$1)" "$T/zsignd.log"
}

sign_body 1.0.0 dev
conf "$tok" "[$me]" "{\"ci\": \"$TOKEN_HASH\"}" '["ci"]'
start_zsignd -c "$T/zsignd.conf"
ok $? "zsignd starts with a configuration file"
s=$(usign)
ok "$([ "$s" = 200 ]; echo $?)" "uid $me in allow.uids: 200 ($s)"

# Out of the list.
conf "$T/dev.pem" "[12345]" "{\"ci\": \"$TOKEN_HASH\"}" '["ci"]'
reload 2
ok $? "SIGHUP: configuration #2 serves"
s=$(usign)
ok "$([ "$s" = 403 ]; echo $?)" "uid $me out of allow.uids: 403 ($s)"

# Back in the list.
conf "$tok" "[$me]" "{\"ci\": \"$TOKEN_HASH\"}" '["ci"]'
reload 3
s=$(usign)
ok "$([ "$s" = 200 ]; echo $?)" "uid $me back in allow.uids: 200 ($s)"

# A token works over TLS until it is revoked.
s=$(tsign)
ok "$([ "$s" = 200 ]; echo $?)" "token ci over TLS: 200 ($s)"
conf "$T/dev.pem" "[$me]" "{}" "[]"
reload 4
ok $? "SIGHUP with the token removed: configuration #4 serves"
s=$(tsign)
ok "$([ "$s" = 403 ] && grep -q 'unknown bearer token' "$T/resp"; echo $?)" \
    "revoked token: 403, unknown bearer token ($s)"
kill -0 "$ZPID" 2>/dev/null && ! grep -q "reload refused" "$T/zsignd.log"
ok $? "no reload refused, no restart"
grep -q "SIGHUP" "$T/zsignd.log"
ok $? "the log shows the reloads"
stop_zsignd
[ "$failed" -eq 0 ] || sed 's/^/# /' "$T/zsignd.log" | tail -40
exit 0

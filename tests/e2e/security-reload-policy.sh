#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGHUP applies the policy without a restart: the caller's uid taken out
# of a key's allow list is refused (403) after the reload and let in (200)
# once it is back; a revoked bearer token no longer authenticates (401). A
# request in flight during each reload finishes on the generation it began
# on: it is held in the state store (its key has max_per_hour) behind an
# exclusive SQLite transaction that is committed only once the reload
# serves, so no timing decides the order.
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"

echo "1..16"
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
 "state": "sqlite:$T/state.db",
 "tokens": $3,
 "keys": [{"name": "dev", "path": "$1", "rules": {"max_per_hour": 100000},
   "allow": {"uids": $2, "tokens": $4}}]}
EOC
}

# hold_store: take the state store's write lock (an exclusive SQLite
# transaction, held until release_store, at most 25 s: zsignd waits 10 s).
hold_store() {
	rm -f "$T/locked" "$T/release"
	python3 - "$T/state.db" "$T/locked" "$T/release" <<'EOP' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
end = time.monotonic() + 25
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
	time.sleep(0.02)
db.execute("COMMIT")
EOP
	LOCKPID=$!
	i=0
	while [ ! -e "$T/locked" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

release_store() {
	: >"$T/release"
	[ -n "$LOCKPID" ] && wait "$LOCKPID" 2>/dev/null
	LOCKPID=
}
LOCKPID=
trap 'release_store; cleanup' EXIT INT TERM

# in_flight N: wait (bounded, 10 s) until N requests are in flight.
in_flight() {
	i=0
	while [ $i -lt 100 ]; do
		curl -s --max-time 5 --unix-socket "$T/sock" \
		    http://zsign/metrics | grep -q "^zsignd_requests_in_flight $1\$" &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
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

# reload_held REQ N WHAT CONF...: a REQ request (usign, tsign) in flight,
# held in the state store, across reload N to the configuration conf CONF...
# (WHAT it changes); its status is left in $T/held.code. Three checks.
reload_held() {
	req=$1 gen=$2 what=$3
	shift 3
	hold_store
	$req >"$T/held.code" &
	held=$!
	in_flight 1
	ok $? "a $req request is in flight, held in the state store"
	conf "$@"
	reload "$gen"
	ok $? "SIGHUP with $what: configuration #$gen serves"
	kill -0 "$held" 2>/dev/null
	ok $? "... while that request is still in flight"
	release_store
	wait "$held"
}

sign_body 1.0.0 dev
conf "$tok" "[$me]" "{\"ci\": \"$TOKEN_HASH\"}" '["ci"]'
start_zsignd -c "$T/zsignd.conf"
ok $? "zsignd starts with a configuration file"
s=$(usign)
ok "$([ "$s" = 200 ]; echo $?)" "uid $me in allow.uids: 200 ($s)"

# Out of the list, with a request of uid $me in flight across the reload.
reload_held usign 2 "uid $me out of allow.uids" \
    "$T/dev.pem" "[12345]" "{\"ci\": \"$TOKEN_HASH\"}" '["ci"]'
s=$(cat "$T/held.code")
ok "$([ "$s" = 200 ]; echo $?)" "the request in flight finishes on its \
generation, which allowed uid $me: 200 ($s)"
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
reload_held tsign 4 "the token removed" "$T/dev.pem" "[$me]" "{}" "[]"
s=$(cat "$T/held.code")
ok "$([ "$s" = 200 ]; echo $?)" "the token request in flight finishes on \
its generation: 200 ($s)"
s=$(tsign)
ok "$([ "$s" = 401 ] && grep -q 'unknown bearer token' "$T/resp"; echo $?)" \
    "revoked token: 401, unknown bearer token ($s)"
kill -0 "$ZPID" 2>/dev/null && ! grep -q "reload refused" "$T/zsignd.log"
ok $? "no reload refused, no restart"
grep -q "SIGHUP" "$T/zsignd.log"
ok $? "the log shows the reloads"
stop_zsignd
[ "$failed" -eq 0 ] || sed 's/^/# /' "$T/zsignd.log" | tail -40
exit 0

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Three zsignd replicas on one PostgreSQL behind HAProxy (TCP mode, TLS
# passed through), all started here on 127.0.0.1 and a Unix socket:
# versions racing from 16 clients never roll back on any replica;
# max_per_hour is exact across replicas; a replica killed with -9 in the
# middle of the load loses no audited signature and comes back; with
# PostgreSQL stopped, keys with rules answer 503 and keys without keep
# signing, and service resumes by itself; a foreign or emptied database is
# refused at start. docs/deploy-replicas.md describes this setup.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"
. "$ZS_TOP_SRCDIR/tests/e2e/security-lib.sh"
. "$ZS_TOP_SRCDIR/tests/e2e/state-lib.sh"
. "$ZS_TOP_SRCDIR/tests/e2e/pg-lib.sh"

PLAN=26
echo "1..$PLAN"
if ! pg_available || ! command -v haproxy >/dev/null ||
    ! command -v psql >/dev/null; then
	i=0
	while [ $i -lt $PLAN ]; do
		i=$((i + 1))
		echo "ok $i # SKIP needs postgresql and haproxy (scripts/deps.sh)"
	done
	exit 0
fi

RPIDS="" HPID=""
teardown() {
	for p in $RPIDS $HPID; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	pg_teardown
	cleanup
	zs_cleanup
}
trap teardown EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

make_pki
pg_setup "$T/pg" || { cat "$T/pg/initdb.log"; exit 1; }
pg_start || { cat "$T/pg/data/server.log"; exit 1; }
PGPASSFILE=$PG_PASSFILE
export PGPASSFILE
K=$S/tests/keys/test-ed25519.pem
st_image "$T"
HP=$(free_port)

# replica_conf N PORT [URL]: the configuration of replica N.
replica_conf() {
	cat >"$T/r$1.json" <<EOC
{
  "listen": ["tcp:127.0.0.1:$2"],
  "keys": [
    {"name": "race", "path": "$K", "rules": {"anti_rollback": true}},
    {"name": "race2", "path": "$K", "rules": {"anti_rollback": true}},
    {"name": "race3", "path": "$K", "rules": {"anti_rollback": true}},
    {"name": "hourly", "path": "$K", "rules": {"max_per_hour": 10}},
    {"name": "free", "path": "$K"}
  ],
  "tls": {"cert": "$T/srv.pem", "key": "$T/srv.key", "client_ca": "$T/ca.pem"},
  "audit": {"path": "$T/r$1.audit"},
  "state": "${3:-$PG_URL}",
  "node": "replica-$1",
  "workers": 2
}
EOC
}

# start_replica N: start replica N on its port; waits until it is ready.
start_replica() {
	[ -f "$T/r$1.log" ] && cat "$T/r$1.log" >>"$T/replicas.log"
	: >"$T/r$1.log"
	"$ZSIGND" -c "$T/r$1.json" >>"$T/r$1.log" 2>&1 &
	eval "R$1=$!"
	RPIDS="$RPIDS $!"
	i=0
	while [ $i -lt 200 ]; do
		grep -q " ready" "$T/r$1.log" 2>/dev/null && return 0
		kill -0 "$(eval echo "\$R$1")" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

for r in 1 2 3; do
	eval "P$r=$(free_port)"
	replica_conf $r "$(eval echo "\$P$r")"
done
ok_start=0
for r in 1 2 3; do
	start_replica $r || ok_start=1
done
ok $ok_start "three replicas start on one PostgreSQL (tables created once)"

cat "$T/ci.pem" "$T/ci.key" >"$T/hc.pem"
cat >"$T/haproxy.cfg" <<EOC
global
	maxconn 512
defaults
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	retries 3
	option redispatch
frontend zsign
	bind 127.0.0.1:$HP
	default_backend replicas
backend replicas
	balance roundrobin
	option httpchk GET /v1/health
	http-check expect status 200
	default-server check check-ssl verify required ca-file $T/ca.pem crt $T/hc.pem inter 300ms fall 2 rise 1
	server r1 127.0.0.1:$P1
	server r2 127.0.0.1:$P2
	server r3 127.0.0.1:$P3
EOC
haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
HPID=$!
i=0
until [ "$(PORT=$HP tcurl /v1/health --cert "$T/ci.pem" --key "$T/ci.key")" = 200 ] ||
    [ $i -gt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
PORT=$HP
ok $([ $i -le 100 ]; echo $?) "HAProxy passes TLS through to the replicas"

# Request bodies: 20 versions per key, and the two names of one image.
for key in race race2 race3 hourly free; do
	v=0
	while [ $v -lt 20 ]; do
		st_req "$T/$key-$v.json" "1.$v.0" zephyr.bin "$key"
		v=$((v + 1))
	done
done

# client ID N KEY [retry|up]: N requests for KEY with versions racing up
# and down; one "status version sha256" line per answer to $T/out-ID.
# retry: transport failures and 503 are retried (as a CI job would); up:
# each client's versions only rise.
client() {
	c=0
	while [ $c -lt "$2" ]; do
		v=$((($1 * 7 + c * 13) % 20))
		[ "$4" = up ] && v=$((c % 20))
		a=0
		while :; do
			s=$(curl -s -o "$T/resp-$1" -w '%{http_code}' --max-time 60 \
			    --cacert "$T/ca.pem" --cert "$T/ci.pem" \
			    --key "$T/ci.key" -H 'Content-Type: application/json' \
			    --data-binary @"$T/$3-$v.json" \
			    "https://127.0.0.1:$HP/v1/sign" 2>/dev/null)
			[ -n "$s" ] || s=000
			a=$((a + 1))
			case "$4:$s" in
			retry:000|retry:502|retry:503) [ $a -lt 20 ] &&
			    { sleep 0.2; continue; } ;;
			esac
			break
		done
		h=-
		[ "$s" = 200 ] && h=$(jq -r '.files["out.bin"]' "$T/resp-$1" |
		    base64 -d | sha256sum | cut -c1-64)
		case $s in
		200|403|429) ;;
		*) h=$(jq -r '.error.message' "$T/resp-$1" 2>/dev/null |
		    tr ' ' _ | cut -c1-80) ;;
		esac
		echo "$s 1.$v.0 $h" >>"$T/out-$1"
		c=$((c + 1))
	done
}

# load CLIENTS N KEY [retry]: CLIENTS clients at once, N requests each.
load_start() {
	rm -f "$T"/out-*
	LPIDS=
	j=0
	while [ $j -lt "$1" ]; do
		client $j "$2" "$3" "${4:-}" &
		LPIDS="$LPIDS $!"
		j=$((j + 1))
	done
}
load_wait() {
	for p in $LPIDS; do
		wait "$p"
	done
	cat "$T"/out-* >"$T/answers"
}

# Every 200 answer's image has its audit row (with its node) in PostgreSQL.
audited() {
	pg_sql "SELECT record::json->'outputs'->>'out.bin' FROM zs_audit
	    WHERE result = 'ok'" | sort -u >"$T/pg-outputs"
	awk '$1 == 200 { print $3 }' "$T/answers" | sort -u >"$T/got"
	comm -23 "$T/got" "$T/pg-outputs" >"$T/missing"
	[ -s "$T/missing" ] && sed 's/^/# not in PostgreSQL: /' "$T/missing" &&
	    grep -F -f "$T/missing" "$T/answers" | sed 's/^/# answer: /'
	[ -s "$T/got" ] && [ ! -s "$T/missing" ]
}

# Granted versions of KEY, in commit order, never go down.
monotonic() {
	pg_sql "SELECT record::json->>'version' FROM zs_audit WHERE
	    result = 'ok' AND key = '$1' ORDER BY id" >"$T/granted"
	[ -s "$T/granted" ] && sort -c -V "$T/granted"
}

load_start 16 19 race retry
load_wait
cnt=$(wc -l <"$T/answers")
g=$(grep -c '^200 ' "$T/answers")
bad=$(grep -vc '^\(200\|403\) ' "$T/answers")
grep -v '^\(200\|403\) ' "$T/answers" | sed 's/^/# /' | head -5
[ "$cnt" -eq 304 ] && [ "$g" -gt 0 ] && [ "$bad" -eq 0 ]
ok $? "304 racing requests from 16 clients: $g granted, the rest 403 ($bad other)"
monotonic race
ok $? "no version below one already granted was granted, on any replica"
audited
ok $? "every 200 answer has its audit row in PostgreSQL"
nodes=$(pg_sql "SELECT count(DISTINCT node) FROM zs_audit WHERE key = 'race'")
[ "$nodes" -eq 3 ]
ok $? "all three replicas signed ($nodes nodes in the audit rows)"
grep -q '"state":[0-9]' "$T/r1.audit" && grep -q '"node":"replica-1"' "$T/r1.audit"
ok $? "each replica keeps its own audit file, with node and state numbers"
refusals=$(pg_sql "SELECT count(*) FROM zs_audit WHERE key = 'race' AND
    result = 'refused'")
# (A retried request may have been refused once unseen: at least.)
[ "$refusals" -ge $((cnt - g)) ]
ok $? "the rule's refusals are recorded in PostgreSQL too ($refusals)"

load_start 8 5 hourly
load_wait
g=$(grep -c '^200 ' "$T/answers")
l=$(grep -c '^429 ' "$T/answers")
[ "$g" -eq 10 ] && [ "$l" -eq 30 ]
ok $? "max_per_hour 10, 40 requests over three replicas: $g granted, $l 429"

top=$(tail -1 "$T/granted")
st_req "$T/vec.json" 9.0.0 zephyr.bin race --vector-to-sign payload
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/vec.json")
s=$s:$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/race-19.json")
[ "$s" = 200:200 ] && [ "$top" = 1.19.0+0 ]
ok $? "--vector-to-sign 9.0.0 raises no mark: 1.19.0 still signs ($s)"
st_req "$T/ren.json" 1.0.0 zephyr2.bin race
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/ren.json")
[ "$s" = 403 ]
ok $? "1.0.0 renamed zephyr2.bin is still a rollback ($s)"

# kill -9 of a replica in the middle of the load; clients retry.
load_start 8 8 race2 retry
sleep 1
kill -KILL "$R2"
load_wait
bad=$(grep -vc '^\(200\|403\) ' "$T/answers")
g=$(grep -c '^200 ' "$T/answers")
[ "$bad" -eq 0 ] && [ "$g" -gt 0 ]
ok $? "replica 2 killed mid-load: every retried request answered ($g granted, $bad other)"
audited
ok $? "every 200 answer of that load has its audit row in PostgreSQL"
high=$(awk '$1 == 200 { print $2 }' "$T/answers" | sort -V | tail -1)
mark=$(pg_sql "SELECT version_text FROM zs_marks WHERE key = 'race2'")
[ "$(printf '%s\n%s\n' "$high" "$mark" | sort -V | tail -1)" = "$mark" ]
ok $? "and its mark ($mark) covers the highest granted ($high)"
monotonic race2
ok $? "no rollback across the kill"
start_replica 2
r=$?
s=$(PORT=$P2 tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/race2-19.json")
[ $r -eq 0 ] && [ "$s" = 200 ]
ok $? "the killed replica restarts and serves ($s)"

# PostgreSQL stopped and started again during a load.
load_start 4 12 race3 up
sleep 0.5
pg_stop
sleep 0.5
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/race-19.json")
[ "$s" = 503 ] && grep -q 'state database unreachable' "$T/resp"
ok $? "PostgreSQL down: a key with rules answers 503, saying why ($s)"
s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/free-3.json")
[ "$s" = 200 ]
ok $? "a key without rules keeps signing ($s)"
s=$(PORT=$P1 tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
    -H 'Content-Type: application/json' --data-binary @"$T/race-19.json")
s=$s:$(PORT=$P1 tcurl /v1/health --cert "$T/ci.pem" --key "$T/ci.key")
[ "$s" = 503:200 ] && [ "$(jq -r .state "$T/resp")" = unavailable ]
ok $? "/v1/health then says the state store is unavailable ($s)"
sleep 0.5
pg_start
ok $? "PostgreSQL started again"
load_wait
s=000
i=0
while [ "$s" != 200 ] && [ $i -lt 20 ]; do
	s=$(tcurl /v1/sign --cert "$T/ci.pem" --key "$T/ci.key" \
	    -H 'Content-Type: application/json' --data-binary @"$T/race-19.json")
	i=$((i + 1))
done
[ "$s" = 200 ] && [ $i -le 3 ]
ok $? "the replicas recover by themselves ($s after $i request(s))"
bad=$(grep -vc '^\(200\|403\|503\) ' "$T/answers")
[ "$bad" -eq 0 ] && audited
ok $? "during the outage only 503s, and every 200 is audited ($bad other)"

# A database that is not a zsign store, or one emptied since.
pg_sql "CREATE DATABASE other" && pg_sql "CREATE DATABASE fresh" || true
PGDATABASE=other psql -X -q "postgresql:///other?host=$PG_SOCKDIR&user=zsign" \
    -c "CREATE TABLE zs_meta(name text, value text); INSERT INTO zs_meta
    VALUES ('magic', 'else')" >/dev/null 2>&1
replica_conf 4 "$(free_port)" "postgresql:///other?host=$PG_SOCKDIR&user=zsign"
start_replica 4
[ $? -ne 0 ] && grep -q "not a zsign state store" "$T/r4.log"
ok $? "a foreign database stops zsignd at start, saying so"
kill "$R1" && wait "$R1" 2>/dev/null
replica_conf 1 "$P1" "postgresql:///fresh?host=$PG_SOCKDIR&user=zsign"
start_replica 1
[ $? -ne 0 ] && grep -q "deleted, truncated or replaced" "$T/r1.log"
ok $? "an emptied database behind replica 1's audit log stops it at start"
replica_conf 5 "$(free_port)" "postgresql://zsign:secret@/x?host=$PG_SOCKDIR"
start_replica 5
[ $? -ne 0 ] && grep -q "carries a password" "$T/r5.log"
ok $? "a password in the state URL is refused"
san=$(cat "$T"/r*.log "$T/replicas.log" | grep -Ec 'ERROR: (Address|Leak)Sanitizer|runtime error:')
[ "$san" -eq 0 ]
ok $? "no sanitizer reports from the replicas"

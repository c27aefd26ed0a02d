#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The two-person rule end to end: three identities on the Unix socket
# (root requests; uids 1 and 2 approve; 65534 may not), a key needing two
# approvals, curl and zsign-client. Self-approval and double votes are
# refused, a rejection ends a request, a timeout expires it, a restart in
# the middle keeps it, and every step is in the audit log.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

VERIFY=$ZS_TOP_BUILDDIR/tests/e2e/zsd-verify
CLIENT=$ZS_TOP_BUILDDIR/zsign-client
zs_plan 29

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
	echo "1..0 # SKIP needs root and setpriv to speak as other users"
	exit 0
fi
chmod 755 "$ZS_TMP"
AUDIT=$ZS_TMP/audit.log
CONF=$ZS_TMP/zsignd.json
cat >"$CONF" <<EOC
{
  "socket_mode": "0666",
  "audit": {"path": "$AUDIT"},
  "state": "sqlite:$ZS_TMP/state.db",
  "approvals": {"spool_dir": "$ZS_TMP/spool"},
  "keys": [
    {"name": "rel", "path": "$ZS_KEYDIR/test-ecdsa-p256.pem",
     "approval": {"required": 2, "approvers": {"uids": [1, 2]},
                  "timeout_s": 600}},
    {"name": "quick", "path": "$ZS_KEYDIR/test-ecdsa-p256.pem",
     "approval": {"approvers": {"uids": [1]}, "timeout_s": 1}}
  ]
}
EOC
zs_start_zsignd -c "$CONF" || zs_bail "zsignd did not start"

# as UID CURL-ARGS...: curl over the socket as another user.
as() {
	u=$1
	shift
	# A body file the other user may write; the shell copies it back.
	: >"$ZS_TMP/as.body"
	chmod 666 "$ZS_TMP/as.body"
	ZS_STATUS=$(setpriv --reuid="$u" --regid="$u" --clear-groups \
	    curl -s -o "$ZS_TMP/as.body" -w '%{http_code}' --max-time 30 \
	    --unix-socket "$ZS_SOCK" "$@")
	cp "$ZS_TMP/as.body" "$ZS_BODY"
}
# vote UID approve|reject ID
vote() {
	as "$1" -H 'Content-Type: application/json' -d "{\"id\": \"$3\"}" \
	    "http://zsign/v1/approvals/$2"
}
fetch() {	# ID: as root, the requester
	zs_curl POST /v1/approvals/fetch -H 'Content-Type: application/json' \
	    -d "{\"id\": \"$1\"}"
}

zs_mkimage "$ZS_TMP/zephyr.bin" 4096
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/zephyr.bin" rel
zs_post /v1/sign "$ZS_TMP/req.json"
ID=$(zs_json .approval.id)
sha=$(sha256sum <"$ZS_TMP/zephyr.bin" | cut -c1-64)
zs_is "$ZS_STATUS:$(zs_json '.approval | [.state, .requester, .tool, .version, .inputs["zephyr.bin"], .required] | join(" ")')" \
    "202:pending uid:0 imgtool 1.2.3+4 $sha 2" \
    "a sign request for rel is held: 202 with id, digest, version, tool, requester"
grep -q '"result":"held".*"key":"rel"' "$AUDIT"
zs_ok $? "the hold is audited"
fetch "$ID"
zs_is "$ZS_STATUS:$(zs_json .approval.state)" "202:pending" \
    "fetch while pending: 202, still pending"
zs_curl POST /v1/approvals/approve -H 'Content-Type: application/json' \
    -d "{\"id\": \"$ID\"}"
zs_is "$ZS_STATUS:$(zs_json .error.code)" "403:forbidden" \
    "the requester cannot approve its own request"
as 1 http://zsign/v1/approvals
zs_is "$(zs_json '[.approvals[].id] | join(",")')" "$ID" \
    "an approver lists the held request"
as 65534 http://zsign/v1/approvals
zs_is "$ZS_STATUS:$(zs_json '.approvals | length')" "200:0" \
    "an identity not on the approvers list sees nothing"
vote 65534 approve "$ID"
zs_is "$ZS_STATUS" 403 "... and may not approve"
vote 1 approve "$ID"
zs_is "$ZS_STATUS:$(zs_json '.approval | [.state, (.approved_by | join(","))] | join(" ")')" \
    "200:pending uid:1" "the first approval is not enough for required 2"
vote 1 approve "$ID"
zs_is "$ZS_STATUS:$(zs_json .error.code)" "409:conflict" \
    "each approver counts once"
fetch "$ID"
zs_is "$ZS_STATUS" 202 "still held after one approval"

# A restart in the middle keeps the request.
zs_stop_zsignd
zs_start_zsignd -c "$CONF" || zs_bail "zsignd did not restart"
as 2 http://zsign/v1/approvals
zs_is "$(zs_json '.approvals[0] | [.id, (.approved_by | join(","))] | join(" ")')" \
    "$ID uid:1" "after a restart the held request and its approval are there"
vote 2 approve "$ID"
zs_is "$ZS_STATUS:$(zs_json .approval.state)" "200:approved" \
    "the second approval approves it"
vote 2 approve "$ID"
zs_is "$ZS_STATUS" 409 "no votes after it is approved"
as 1 -H 'Content-Type: application/json' -d "{\"id\": \"$ID\"}" \
    http://zsign/v1/approvals/fetch
zs_is "$ZS_STATUS" 403 "only the requester collects the image"
fetch "$ID"
zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/signed.bin"
openssl pkey -in "$ZS_KEYDIR/test-ecdsa-p256.pem" -pubout \
    -out "$ZS_TMP/pub.pem" 2>/dev/null
[ "$ZS_STATUS" = 200 ] && "$VERIFY" "$ZS_TMP/signed.bin" "$ZS_TMP/pub.pem" \
    >/dev/null 2>&1
zs_ok $? "the requester collects the signed image, which verifies"
tail -1 "$AUDIT" | grep -q "\"result\":\"ok\".*\"request\":\"$ID\".*\"key\":\"rel\"\|\"result\":\"ok\".*\"key\":\"rel\".*\"request\":\"$ID\"\|\"request\":\"$ID\".*\"result\":\"ok\""
zs_ok $? "the signature is audited with the request id"
fetch "$ID"
zs_is "$ZS_STATUS" 409 "a request is signed once"

# Reject ends it.
zs_post /v1/sign "$ZS_TMP/req.json"
ID2=$(zs_json .approval.id)
vote 2 reject "$ID2"
zs_is "$ZS_STATUS:$(zs_json '.approval | [.state, .rejected_by] | join(" ")')" \
    "200:rejected uid:2" "an approver rejects"
fetch "$ID2"
zs_is "$ZS_STATUS" 409 "a rejected request is never signed"

# Timeout expires it.
zs_imgtool_request "$ZS_TMP/req-q.json" "$ZS_TMP/zephyr.bin" quick
zs_post /v1/sign "$ZS_TMP/req-q.json"
ID3=$(zs_json .approval.id)
sleep 2
vote 1 approve "$ID3"
zs_is "$ZS_STATUS" 409 "an expired request takes no approval"
grep -q "\"result\":\"expired\".*\"request\":\"$ID3\"\|\"request\":\"$ID3\".*\"result\":\"expired\"" "$AUDIT"
zs_ok $? "the expiry is audited"
[ ! -e "$ZS_TMP/spool/$ID3.req" ] && [ ! -e "$ZS_TMP/spool/$ID.req" ]
zs_ok $? "spooled bodies are gone once signed or expired"

# zsign-client: the requester waits, showing for whom; approvers use
# zsign-client approvals/approve as their own users.
head -c 4096 /dev/urandom >"$ZS_TMP/c.bin"
IMGARGS="--version 1.4.0 --header-size 0x200 --pad-header --align 4 --slot-size 0x20000"
# shellcheck disable=SC2086
"$CLIENT" -s "unix:$ZS_SOCK" imgtool sign -k zsign:rel $IMGARGS \
    "$ZS_TMP/c.bin" "$ZS_TMP/c.signed.bin" >"$ZS_TMP/wait.out" \
    2>"$ZS_TMP/wait.err" &
CPID=$!
i=0
while ! grep -q 'waits for approval' "$ZS_TMP/wait.err" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
HOME=/nonexistent setpriv --reuid=1 --regid=1 --clear-groups "$CLIENT" -s "unix:$ZS_SOCK" \
    approvals >"$ZS_TMP/list.out" 2>&1
CID=$(awk 'NR == 1 { print $1 }' "$ZS_TMP/list.out")
grep -q "^$CID pending key=rel tool=imgtool version=1.4.0 requester=uid:0 approvals=0/2" \
    "$ZS_TMP/list.out"
zs_ok $? "zsign-client approvals shows the approver what waits ($(head -1 "$ZS_TMP/list.out" | cut -c1-60)...)"
for u in 1 2; do
	HOME=/nonexistent setpriv --reuid=$u --regid=$u --clear-groups "$CLIENT" \
	    -s "unix:$ZS_SOCK" approve "$CID" >/dev/null 2>>"$ZS_TMP/vote.err"
done
i=0
while kill -0 "$CPID" 2>/dev/null && [ $i -lt 150 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$CPID"
rc=$?
"$VERIFY" "$ZS_TMP/c.signed.bin" "$ZS_TMP/pub.pem" >/dev/null 2>&1
zs_is "$rc:$?" "0:0" "the waiting client writes the signed image once both approved"
grep -q 'waits for approval: 0 of 2 in, from {"uids":\[1,2\]}' "$ZS_TMP/wait.err"
zs_ok $? "... having shown that it waits, and for whom"

# shellcheck disable=SC2086
"$CLIENT" -s "unix:$ZS_SOCK" --no-wait imgtool sign -k zsign:rel $IMGARGS \
    "$ZS_TMP/c.bin" "$ZS_TMP/c2.signed.bin" >"$ZS_TMP/nowait.out" \
    2>"$ZS_TMP/nowait.err"
rc=$?
NID=$(cat "$ZS_TMP/nowait.out")
[ $rc -eq 1 ] && [ ! -e "$ZS_TMP/c2.signed.bin" ] &&
    grep -q "zsign-client fetch $NID" "$ZS_TMP/nowait.err"
zs_ok $? "--no-wait: exit 1 with the id to fetch, no output yet"
for u in 1 2; do
	HOME=/nonexistent setpriv --reuid=$u --regid=$u --clear-groups "$CLIENT" \
	    -s "unix:$ZS_SOCK" approve "$NID" >/dev/null 2>>"$ZS_TMP/vote.err"
done
mkdir -p "$ZS_TMP/fetched"
"$CLIENT" -s "unix:$ZS_SOCK" fetch "$NID" -o "$ZS_TMP/fetched" \
    >"$ZS_TMP/fetch.out" 2>&1
rc=$?
out=$(head -1 "$ZS_TMP/fetch.out")
[ $rc -eq 0 ] && "$VERIFY" "$out" "$ZS_TMP/pub.pem" >/dev/null 2>&1
zs_ok $? "zsign-client fetch ID collects it later ($out)"

# Every step is in the audit log, and its chain holds.
for step in held approved rejected expired refused ok; do
	grep -q "\"result\":\"$step\"" "$AUDIT" || zs_diag "no $step"
done
steps=$(grep -c "\"request\":\"$ID\"" "$AUDIT")
[ "$steps" -ge 5 ] && "$ZS_ZSIGND" --verify-audit "$AUDIT" >/dev/null 2>&1
zs_ok $? "the audit log has every step of the request ($steps lines), chain intact"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

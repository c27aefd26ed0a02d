#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The audit log's failures are seen: /v1/health says "failing" with the
# write error and answers 503 while signing fails with ENOSPC (a 64 KiB
# tmpfs, filled), and recovers when space returns; a removed audit file
# refuses signing (records would go to an unlinked inode), shows in
# health, and SIGHUP starts a new file whose first record continues the
# old chain. With an audit key, the closing checkpoint is signed and a
# line forged with a recomputed chain is caught by --verify-audit -k.
# A record's digests are those of the files sent and returned.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"

zs_plan 19
MNT=$ZS_TMP/small
mkdir "$MNT"
trap 'umount "$MNT" 2>/dev/null; zs_cleanup' EXIT
head -c 2048 /dev/urandom >"$ZS_TMP/in.bin"
zs_imgtool_request "$ZS_TMP/req.json" "$ZS_TMP/in.bin" test-ed25519 \
    --pad-header --slot-size 0x10000

if mount -t tmpfs -o size=64k,mode=0700 zs-audit-test "$MNT" 2>/dev/null
then
	zs_start_zsignd $ZS_TEST_KEYS --audit-log "$MNT/audit.log" ||
	    zs_bail "zsignd did not start"
	zs_post /v1/sign "$ZS_TMP/req.json"
	zs_is "$ZS_STATUS" 200 "ENOSPC: signs while the disk has room"
	# Fill the filesystem; the audit file's last page still has room
	# for a few lines.
	dd if=/dev/zero of="$MNT/filler" bs=1024 2>/dev/null
	i=0
	while [ $i -lt 20 ]; do
		zs_post /v1/sign "$ZS_TMP/req.json"
		[ "$ZS_STATUS" = 200 ] || break
		i=$((i + 1))
	done
	zs_is "$ZS_STATUS:$(zs_json .error.code)" 500:io \
	    "ENOSPC: signing refused (fail closed) after $i more"
	zs_curl GET /v1/health
	zs_is "$ZS_STATUS:$(zs_json .audit)" 503:failing \
	    "ENOSPC: health answers 503, audit failing"
	zs_json .audit_error | grep -q 'No space left on device'
	zs_ok $? "ENOSPC: health gives the write error"
	rm -f "$MNT/filler"
	zs_post /v1/sign "$ZS_TMP/req.json"
	zs_is "$ZS_STATUS" 200 "ENOSPC: signs again once there is room"
	zs_curl GET /v1/health
	zs_is "$ZS_STATUS:$(zs_json .audit):$(zs_json .audit_error)" \
	    200:ok:null "ENOSPC: health is ok again"
	"$ZS_ZSIGND" --verify-audit "$MNT/audit.log" >/dev/null
	zs_ok $? "ENOSPC: the chain has no gap"
	zs_stop_zsignd
	umount "$MNT"
else
	for t in "signs while the disk has room" "signing refused" \
	    "health 503" "health error" "signs again" "health ok" "chain"; do
		zs_skip "ENOSPC: $t" "cannot mount a tmpfs (not root?)"
	done
fi

AUDIT=$ZS_TMP/audit.log
zs_start_zsignd $ZS_TEST_KEYS --audit-log "$AUDIT" ||
    zs_bail "zsignd did not start"
# The output's digest is finished from the image hash's state (the engine
# hashed its first bytes anyway): it must be the file's own, with the
# trailer of --pad --confirm after the TLVs too.
zs_imgtool_request "$ZS_TMP/req-pad.json" "$ZS_TMP/in.bin" test-ed25519 \
    --pad-header --slot-size 0x10000 --pad --confirm
for r in req req-pad; do
	zs_post /v1/sign "$ZS_TMP/$r.json"
	zs_json '.files["zephyr.signed.bin"]' | base64 -d >"$ZS_TMP/out.bin"
	want=$(sha256sum "$ZS_TMP/in.bin" "$ZS_TMP/out.bin" | cut -d' ' -f1 |
	    paste -sd:)
	got=$(tail -1 "$AUDIT" | jq -r '.inputs["zephyr.bin"] + ":" +
	    .outputs["zephyr.signed.bin"]')
	zs_is "$ZS_STATUS:$got" "200:$want" \
	    "$r: the record's digests are the files' own"
done
old_head=$(tail -1 "$AUDIT" | tr -d '\n' | sha256sum | cut -d' ' -f1)
rm "$AUDIT"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS:$(zs_json .error.code)" 500:io \
    "removed audit file: signing refused"
zs_curl GET /v1/health
[ "$ZS_STATUS:$(zs_json .audit)" = 503:failing ] &&
    zs_json .audit_error | grep -q 'removed or replaced'
zs_ok $? "removed audit file: health 503, says why"
zs_log_has 'audit log .* removed or replaced'
zs_ok $? "removed audit file: logged"
kill -HUP "$ZS_PID"
zs_wait_log 'audit log .* reopened' 10
zs_post /v1/sign "$ZS_TMP/req.json"
zs_is "$ZS_STATUS" 200 "after SIGHUP: signs into a new file"
out=$("$ZS_ZSIGND" --verify-audit "$AUDIT")
zs_diag "$out"
echo "$out" | grep -q "ok, 2 lines, head [0-9a-f]*, continuing a chain after seq 2, head $old_head"
zs_ok $? "the new file continues the old chain (seq and head)"
zs_stop_zsignd

# Signed checkpoints.
openssl genpkey -algorithm ed25519 -out "$ZS_TMP/audit-key.pem" 2>/dev/null
openssl pkey -in "$ZS_TMP/audit-key.pem" -pubout -out "$ZS_TMP/audit-pub.pem"
AUDIT=$ZS_TMP/signed.log
zs_start_zsignd $ZS_TEST_KEYS --audit-log "$AUDIT" \
    --audit-key "$ZS_TMP/audit-key.pem" || zs_bail "zsignd did not start"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_post /v1/sign "$ZS_TMP/req.json"
zs_stop_zsignd
tail -1 "$AUDIT" | jq -e '.event == "checkpoint" and .seq == 3' >/dev/null
zs_ok $? "audit key: a signed checkpoint closes the log at shutdown"
"$ZS_ZSIGND" --verify-audit "$AUDIT" -k "$ZS_TMP/audit-pub.pem" |
    grep -q "ok, 3 lines, head [0-9a-f]*, all signed"
zs_ok $? "audit key: --verify-audit -k accepts it"
# A forged record appended with a recomputed chain.
head=$(tail -1 "$AUDIT" | tr -d '\n' | sha256sum | cut -d' ' -f1)
printf '{"seq":4,"time":"2026-01-01T00:00:00.000Z","result":"ok","identity":"uid:0","prev":"%s"}\n' \
    "$head" >>"$AUDIT"
"$ZS_ZSIGND" --verify-audit "$AUDIT" >/dev/null
zs_ok $? "a forged line with a recomputed chain passes the chain alone"
out=$("$ZS_ZSIGND" --verify-audit "$AUDIT" -k "$ZS_TMP/audit-pub.pem")
r=$?
zs_diag "$out"
[ $r -eq 1 ] && echo "$out" | grep -q "lines 4 to 4 follow the last signed checkpoint"
zs_ok $? "... and fails with the audit key"
zs_check_log "no sanitizer reports"

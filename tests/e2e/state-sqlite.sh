#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The key rules on the SQLite state store, end to end: anti-rollback marks
# belong to the key or the image's class, never to a file name; a vector
# to sign raises nothing; slot_fit judges --pad output; security counters
# only rise; marks survive a restart; a corrupt, foreign, deleted or older
# store stops zsignd at start; a legacy state_file is imported once.
. "$ZS_TOP_SRCDIR/tests/e2e/lib.sh"
. "$ZS_TOP_SRCDIR/tests/e2e/state-lib.sh"

zs_plan 29
T=$ZS_TMP
K=$ZS_KEYDIR/test-ed25519.pem
st_image "$T"
cat >"$T/zsignd.json" <<EOC
{
  "keys": [
    {"name": "prod", "path": "$K", "rules": {"anti_rollback": true}},
    {"name": "slot", "path": "$K",
     "rules": {"slot_fit": {"slot_size": "0x20000", "align": 4}}},
    {"name": "ctr", "path": "$K", "rules": {"security_counter": true}},
    {"name": "pinned", "path": "$K",
     "rules": {"anti_rollback": true, "image_class": "board-a"}}
  ],
  "audit": {"path": "$T/audit.log"},
  "state": "sqlite:$T/state.db",
  "state_file": "$T/legacy.json"
}
EOC
echo '{"prod": {"zephyr": "0.5.0", "other": "0.9.0"}}' >"$T/legacy.json"
zs_start_zsignd -c "$T/zsignd.json" || zs_bail "zsignd did not start"
zs_log_has 'state_file .*1 key mark\(s\) imported'
zs_ok $? "the legacy state_file is imported at the first start"

# sign VERSION NAME KEY [ARGS...]: the status in $ZS_STATUS.
sign() {
	st_req "$T/req.json" "$@"
	zs_post /v1/sign "$T/req.json"
}
sign 0.8.0 zephyr.bin prod
zs_is "$ZS_STATUS" 403 "0.8.0 is below the imported mark 0.9.0: 403"
sign 2.0.0 zephyr.bin prod
zs_is "$ZS_STATUS" 200 "2.0.0 signs as zephyr.bin"
for name in zephyr2.bin Zephyr.bin zephyr.bin.bin "zephyr .bin"; do
	sign 1.0.0 "$name" prod
	[ "$ZS_STATUS" = 403 ] && grep -q anti-rollback "$ZS_BODY" &&
	    ! grep -q '"files"' "$ZS_BODY"
	zs_ok $? "1.0.0 renamed \"$name\": still a rollback, 403, no image"
done
sign 3.0.0 zephyr.bin prod --vector-to-sign payload
zs_is "$ZS_STATUS" 200 "--vector-to-sign 3.0.0 answers"
sign 2.5.0 zephyr.bin prod
zs_is "$ZS_STATUS" 200 "the vector raised no mark: 2.5.0 signs"
# Classes the image carries (--cid) or the configuration names.
sign 1.0.0 a.bin prod --vid example.com --cid board-b
zs_is "$ZS_STATUS" 200 "an image of another --cid class has its own mark"
sign 0.9.0 a.bin prod --vid example.com --cid board-b
zs_is "$ZS_STATUS" 403 "and a rollback within that class is refused"
sign 4.0.0 a.bin pinned --vid example.com --cid x
sign 3.0.0 a.bin pinned --vid example.com --cid y
zs_is "$ZS_STATUS" 403 "image_class configured: a new --cid does not escape"
sign 1.0.0 a.bin slot --pad
zs_is "$ZS_STATUS" 200 "--pad to the key's slot size fits"
st_req "$T/req.json" 1.0.0 a.bin slot --pad
jq '.args |= (map(if . == "0x20000" then "0x40000" else . end))' \
    "$T/req.json" >"$T/req2.json"
zs_post /v1/sign "$T/req2.json"
[ "$ZS_STATUS" = 403 ] && grep -q 'does not fit' "$ZS_BODY"
zs_ok $? "--pad to a 0x40000 slot is judged as written: 403 ($ZS_STATUS)"
sign 1.0.0 a.bin ctr --security-counter 5
zs_is "$ZS_STATUS" 200 "security counter 5 signs"
sign 1.0.0 a.bin ctr --security-counter 4
zs_is "$ZS_STATUS" 403 "security counter 4 afterwards: 403"
sign 1.0.0 a.bin ctr
zs_is "$ZS_STATUS" 403 "an image without a counter: 403"
sign 2.0.0 a.bin ctr --security-counter auto
zs_is "$ZS_STATUS" 200 "--security-counter auto (2.0.0: 0x02000000) signs"
grep -q '"state":[0-9]' "$T/audit.log"
zs_ok $? "audit lines carry the state change number"

# Restart: the marks are in the database.
zs_stop_zsignd
zs_start_zsignd -c "$T/zsignd.json" || zs_bail "zsignd did not restart"
sign 2.4.0 zephyr.bin prod
zs_is "$ZS_STATUS" 403 "after a restart 2.4.0 is still a rollback"
echo '{"prod": {"zephyr": "9.0.0"}}' >"$T/legacy.json"
sign 3.0.0 zephyr.bin prod
zs_is "$ZS_STATUS" 200 "the state_file is not imported twice"
zs_stop_zsignd
cp "$T/state.db" "$T/old.db"
zs_start_zsignd -c "$T/zsignd.json" || zs_bail "zsignd did not restart"
sign 3.1.0 zephyr.bin prod
zs_stop_zsignd

# refuse_start WHAT ERE: zsignd must not start, and say ERE.
refuse_start() {
	: >"$ZS_LOG"
	if zs_start_zsignd -c "$T/zsignd.json"; then
		zs_fail "$1: zsignd started"
		zs_stop_zsignd
		return
	fi
	zs_log_has "$2"
	zs_ok $? "$1: zsignd refuses to start, saying why"
}
cp "$T/state.db" "$T/good.db"
cp "$T/old.db" "$T/state.db"
rm -f "$T/state.db-wal" "$T/state.db-shm"
refuse_start "an older copy of the store" 'behind|older copy'
rm -f "$T/state.db" "$T/state.db-wal" "$T/state.db-shm"
refuse_start "a deleted store" 'deleted'
printf '{"ar":"garbage"}' >"$T/state.db"
refuse_start "a store that is not a database" 'not a readable SQLite'
head -c 8192 "$T/good.db" >"$T/state.db"
refuse_start "a truncated store" 'state .*(damaged|malformed|readable)'
: >"$T/state.db"
refuse_start "an emptied store" 'empty database'
cp "$T/good.db" "$T/state.db"
printf '{"ar":"garbage"}' >"$T/legacy.json"
rm -f "$T/state.db" "$T/state.db-wal" "$T/state.db-shm"
: >"$ZS_LOG"
zs_start_zsignd -c "$T/zsignd.json" --allow-state-rollback
zs_is $? 1 "a garbage state_file is refused even then"
echo '{}' >"$T/legacy.json"
zs_start_zsignd -c "$T/zsignd.json" --allow-state-rollback
zs_ok $? "--allow-state-rollback starts on a new store"
zs_stop_zsignd
zs_check_log "no sanitizer reports"

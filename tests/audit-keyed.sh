#!/bin/sh
# The keyed seal of the audit chain (docs/audit.md "The keyed seal"),
# attacked as an insider with sqlite3 and a shell on the station's account
# would: an entry edited, an entry deleted, the log rewritten and rehashed
# with the documented (unkeyed) serialization, the tail cut with the head
# moved back, the seal removed or forged, the key file removed, and the
# agent asked for the key itself. Entries written while the keys are
# locked are sealed by the next entry written with the agent, or by the
# key officer's `audit seal`.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to tamper with the store"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to rewrite the chain"
SOCK=$TEST_TMP/keys-agent.sock

# clerk ARGS: carol at the counter: her password, no key-store passphrase.
clerk() {
	NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator carol \
	    "$@" 4<"$(pwfile carol)" </dev/null
}
# auditor ARGS: audrey without the passphrase (the agent checks the seal).
auditor() {
	NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator audrey \
	    "$@" 4<"$(pwfile audrey)" </dev/null
}
n=0
add_resident() {
	n=$((n + 1))
	clerk resident add --name-kanji "試験 太郎$n" --name-kana "シケン タロウ" \
	    --birth 1980-01-0$(( (n % 9) + 1 )) --sex 1 --address "東京都千代田区1-$n"
	[ "$rc" -eq 0 ] || bail "resident add: $out"
}
entries() { sql "SELECT count(*) FROM audit_log"; }
seal_seq() { sql "SELECT value FROM meta WHERE key = 'audit_seal'" | cut -d: -f1; }

make_team
add_resident

# ---- A production station without an audit key is refused, not passed.
as audrey audit verify
is "$rc" 1 "production without an audit key: audit verify refuses (exit 1)"
like "$out" "the chain is not keyed" "it says the chain is not keyed"
like "$out" "keys create --audit" "and how to key it"

# ---- The key ceremony: the key is created and the log sealed from entry 1.
as kim keys create --audit
is "$rc" 1 "keys create --audit needs a second person"
as_approved kim boss keys create --audit
is "$rc" 0 "the key officer creates the audit key with a supervisor"
like "$out" "audit log sealed through entry $(entries)" "and seals the log to its newest entry"
is "$(stat -c %a "$KEYDIR/audit.key")" 600 "audit.key is 0600"
grep -q "wrapped = 1" "$KEYDIR/audit.key"
ok $? "audit.key is wrapped like every key file"
as_approved kim boss keys create --audit
is "$rc" 3 "a second audit key is refused"
as audrey audit verify
is "$rc" 0 "the sealed log verifies with the key officer's passphrase"
like "$out" "sealed through entry $(entries) \(the audit key's seal matches\)$" \
    "it says how far the seal reaches"

# ---- Locked: the counter goes on, its entries wait for the next seal.
S=$(seal_seq)
add_resident
add_resident
is "$(seal_seq)" "$S" "while the keys are locked the seal stays where it was"
auditor audit verify
is "$rc" 1 "locked: verify cannot check the seal and says so (exit 1)"
like "$out" "the seal cannot be checked: the audit key .* is locked" "naming the lock"

# ---- The agent: its start seals the night's entries; the day's are sealed each.
as kim keys agent start --idle 600
is "$rc" 0 "the key officer starts the agent"
at_exit "NHICARD_PASSWORD_FD=4 \"$NHICARD\" --config \"$CONF\" --db \"$DB\" --operator kim keys agent lock 4<\"$TEST_TMP/pw/kim\" >/dev/null 2>&1"
is "$(seal_seq)" "$(entries)" "the agent's start sealed the entries written while locked"
add_resident
is "$(seal_seq)" "$(entries)" "a clerk's entry is sealed through the agent, with no passphrase"
auditor audit verify
is "$rc" 0 "the auditor verifies through the agent, with no passphrase"
like "$out" "sealed through entry $(entries) \(the audit key's seal matches\)$" "all sealed"

# The agent never gives the key out (a shell on the account can ask it).
python3 - "$SOCK" "$KEYDIR/audit.key" >"$TEST_TMP/get.out" <<'EOP'
import hashlib, socket, sys
d = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(("GET %s\n" % d).encode())
print(s.recv(4096).decode().strip())
EOP
is "$(cat "$TEST_TMP/get.out")" "NO the audit key is not given out" \
    "the agent refuses to hand out the audit key"
# Nor seals a chain from nothing (only the key's holder does).
python3 - "$SOCK" >"$TEST_TMP/gen.out" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(("SEAL 0 %s - 1\n33\n%s\n" % ("0" * 64, "\0" * 32)).encode())
print(s.recv(4096).decode().strip())
EOP
like "$(cat "$TEST_TMP/gen.out")" "^NO refused: a seal extends a verified seal" \
    "the agent refuses to seal a chain from its beginning"

cp "$DB" "$TEST_TMP/pristine.db"
N=$(entries)
# tamper SQL: a copy of the sealed store, triggers dropped, SQL run.
tamper() {
	cp "$TEST_TMP/pristine.db" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	sql "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; $1" ||
	    bail "tampering failed"
}
# The documented serialization (docs/audit.md "The chain"), rehashed from
# entry FROM on with entry FROM's detail changed; DROP: also delete entry FROM.
cat >"$TEST_TMP/rewrite.py" <<'EOP'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); frm = int(sys.argv[2]); drop = sys.argv[3] == "drop"
db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
if drop:
    db.execute("DELETE FROM audit_log WHERE seq = ?", (frm,))
    db.execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > ?", (frm,))
rows = db.execute("SELECT seq, at, station, operator, action, subject, outcome, detail"
                  " FROM audit_log ORDER BY seq").fetchall()
def f(v):
    if v is None:
        return b"~\n"
    b = str(v).encode()
    return str(len(b)).encode() + b":" + b + b"\n"
prev = bytes(32)
for r in rows:
    r = list(r)
    if r[0] == frm and not drop:
        r[7] = "nothing happened"
    data = prev + b"nhicard-audit-v1\n" + b"".join(f(v) for v in r)
    h = hashlib.sha256(data).digest()
    db.execute("UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?",
               (r[7], prev, h, r[0]))
    prev = h
db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'",
           ("%d:%s" % (rows[-1][0], prev.hex()),))
if len(sys.argv) > 4 and sys.argv[4] == "noseal":
    db.execute("DELETE FROM meta WHERE key = 'audit_seal'")
if len(sys.argv) > 4 and sys.argv[4] == "reseal":
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_seal'",
               ("%d:%s:%s" % (rows[-1][0], prev.hex(), hashlib.sha256(prev).hexdigest()),))
db.commit()
EOP
rewrite() {
	cp "$TEST_TMP/pristine.db" "$DB"
	rm -f "$DB-wal" "$DB-shm"
	python3 "$TEST_TMP/rewrite.py" "$DB" "$@" || bail "rewrite.py $*"
}

# 1. An entry edited.
tamper "UPDATE audit_log SET subject = 'resident:999' WHERE seq = 5"
auditor audit verify
is "$rc" 3 "an edited entry: exit 3"
like "$out" "first bad entry 5" "naming entry 5"

# 2. An entry deleted.
tamper "DELETE FROM audit_log WHERE seq = 4"
auditor audit verify
is "$rc" 3 "a deleted entry: exit 3"
like "$out" "entry 4 is missing" "naming entry 4"

# 3. The attack that passed unkeyed: rewritten from entry 3 and rehashed,
#    head moved; then also with the seal removed, and with a forged seal.
rewrite 3 edit
auditor audit verify
is "$rc" 3 "a rewritten, rehashed log: exit 3"
like "$out" "entry $N is not the entry that was sealed: the log was rewritten" \
    "the sealed entry no longer matches"
rewrite 3 drop
auditor audit verify
is "$rc" 3 "an entry deleted and the rest renumbered and rehashed: exit 3"
like "$out" "entry $N was sealed but the log ends at entry $((N - 1)): entries were removed" \
    "the seal reaches past the end"
rewrite 3 edit noseal
auditor audit verify
is "$rc" 3 "rewritten and the seal removed: exit 3"
like "$out" "no seal although the station has an audit key" "a keyed station without a seal"
rewrite 3 edit reseal
auditor audit verify
is "$rc" 3 "rewritten and a seal forged without the key: exit 3"
like "$out" "the seal of entry $N does not match the audit key" "the forged seal is caught"

# 4. The tail cut and the head moved back, to before the seal.
K=$((N - 2))
tamper "DELETE FROM audit_log WHERE seq > $K;
    UPDATE meta SET value = '$K:' || (SELECT lower(hex(hash)) FROM audit_log WHERE seq = $K)
    WHERE key = 'audit_head'"
auditor audit verify
is "$rc" 3 "the tail cut and the head moved back: exit 3"
like "$out" "entry $N was sealed but the log ends at entry $K: entries were removed" \
    "the seal shows the cut"
as audrey db check
is "$rc" 3 "db check fails on the cut log too"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator audrey \
    audit export -o "$TEST_TMP/x.jsonl" 4<"$(pwfile audrey)"
is "$rc" 3 "and audit export refuses it"

# 5. The agent will not extend a rewritten chain: the command fails (fail
#    closed) rather than seal the forgery.
#    (resident add writes its entry after its own transaction: the entry,
#    not the resident, is what is refused.)
rewrite 3 edit
clerk resident add --name-kanji "試験 次郎" --name-kana "シケン ジロウ" --birth 1981-01-01 \
    --sex 1 --address "東京都千代田区2-1"
is "$rc" 3 "an action on a rewritten log fails"
like "$out" "the seal was refused" "because the agent refused to seal the forged chain"
is "$(entries)" "$N" "no entry was appended to the forged chain"

# 6. The key file removed (the seal kept): caught.
cp "$TEST_TMP/pristine.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
mv "$KEYDIR/audit.key" "$TEST_TMP/audit.key.saved"
as audrey audit verify
is "$rc" 3 "the audit key removed: exit 3"
like "$out" "keys.dir holds no audit key \(audit.key\): the key was removed" "it says so"
mv "$TEST_TMP/audit.key.saved" "$KEYDIR/audit.key"

# ---- Locked again: `audit seal` by the key officer seals what waits.
as kim keys agent lock
is "$rc" 0 "the agent is locked"
add_resident
S=$(seal_seq)
[ "$S" -lt "$(entries)" ]
ok $? "a locked entry waits unsealed (seal $S of $(entries))"
as audrey audit verify
is "$rc" 0 "it verifies with the passphrase"
like "$out" "entries $((S + 1)) to $(entries) were written while the keys were locked" \
    "naming the entries not sealed yet"
as kim audit seal
is "$rc" 0 "the key officer's audit seal with the passphrase"
like "$out" "sealed through entry $(entries)" "seals through the newest entry"
as audrey audit verify
like "$out" "sealed through entry $(entries) \(the audit key's seal matches\)$" "all sealed again"
clerk audit seal
is "$rc" 1 "a clerk may not seal"

# A new store on a keyed station (db init while the keys are locked): it
# holds no seal, so verify fails until the key officer seals it from entry
# 1, which only the passphrase does (the agent never seals from nothing).
DB_SAVED=$DB
DB=$TEST_TMP/second.db
make_team
as audrey audit verify
is "$rc" 3 "a new store on a keyed station: no seal yet, verify fails"
like "$out" "no seal although the station has an audit key" "it says why"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator kim audit seal \
    4<"$(pwfile kim)" </dev/null
is "$rc" 1 "without the passphrase audit seal cannot seal from entry 1"
like "$out" "sealed from entry 1 only with the key-store passphrase" "and says what it needs"
as kim audit seal
is "$rc" 0 "the key officer seals the new store with the passphrase"
as audrey audit verify
like "$out" "sealed through entry $(entries) \(the audit key's seal matches\)$" "it verifies sealed"
DB=$DB_SAVED

# Documented limit: entries after the newest seal (written while the keys
# were locked) can be cut unnoticed until compared with an export or the
# center's heads.
add_resident
add_resident
cp "$DB" "$TEST_TMP/pristine.db"
M=$(( $(entries) - 1 ))
tamper "DELETE FROM audit_log WHERE seq > $M;
    UPDATE meta SET value = '$M:' || (SELECT lower(hex(hash)) FROM audit_log WHERE seq = $M)
    WHERE key = 'audit_head'"
as audrey audit verify
is "$rc" 0 "an unsealed tail cut with the head moved verifies alone (documented limit)"

done_testing

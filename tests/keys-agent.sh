#!/bin/sh
# The key agent (docs/keys.md 4.8): a key officer unlocks the key store once
# into the agent; a clerk's issue then opens the wrapped keys without any
# passphrase; locked (by command or idle timeout), the clerk's issue is
# refused with "the keys are locked" and nobody is asked; the socket is
# 0600; a wrong passphrase starts nothing; start and lock are audited.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

make_team
SOCK=$TEST_TMP/keys-agent.sock
printf '[keys]\nagent_socket = %s\n' "$SOCK" >/dev/null   # the default: beside the store
as_approved kim boss keys create
[ "$rc" -eq 0 ] || bail "keys create: $out"
as_approved kim boss keys create --signing
[ "$rc" -eq 0 ] || bail "keys create --signing: $out"
as carol resident add --name-kanji "試験 花子" --name-kana "シケン ハナコ" --birth 1990-02-03 \
    --sex 2 --address "東京都千代田区1-1"
as carol eligibility add --insurer 133116 --symbol 1 --number 3 --kind hihokensha \
    --acquired 2020-04-01 1

# clerk_issue: carol's issue, with no key-store passphrase anywhere and
# stdin not a terminal; no reader, so an issue whose keys opened stops at
# the reader (exit 4).
clerk_issue() {
	NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator carol \
	    --reader "no such reader" issue --path new-juki 1 4<"$(pwfile carol)" </dev/null
}

# Locked (no agent): the clerk is refused, not asked.
clerk_issue
is "$rc" 1 "no agent: the clerk's issue is refused (exit 1)"
like "$out" "master-30.keys is wrapped and the keys are locked: no key agent runs" \
    "it says the keys are locked"
like "$out" "a key officer unlocks them with 'nhicard keys agent start'" "and who unlocks them"
unlike "$out" "[Pp]assphrase:" "nobody is prompted"

as kim keys agent status
is "$rc" 0 "status without an agent exits 0"
like "$out" "locked \(none runs at $SOCK\)" "and says locked"

# A wrong passphrase starts nothing.
printf 'a wrong passphrase\n' >"$TEST_TMP/wrongpass"
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" --db "$DB" \
    --operator kim keys agent start 4<"$(pwfile kim)" 6<"$TEST_TMP/wrongpass"
is "$rc" 3 "agent start with a wrong passphrase exits 3"
like "$out" "wrong key-store passphrase" "and says so"
test -e "$SOCK"
is "$?" 1 "no socket was made"

# A passphrase descriptor that cannot be read is named as such.
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=213 run "$NHICARD" --config "$CONF" --db "$DB" \
    --operator kim keys agent start 4<"$(pwfile kim)"
is "$rc" 2 "an unopened passphrase descriptor: usage error"
like "$out" "NHICARD_KEY_PASSPHRASE_FD: file descriptor 213 is not open" "named as such"
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run "$NHICARD" --config "$CONF" --db "$DB" \
    --operator kim keys agent start 4<"$(pwfile kim)" 6</dev/null
is "$rc" 2 "an empty passphrase descriptor: usage error"
like "$out" "file descriptor 6 gave nothing to read" "named as such, not as a wrong passphrase"

# A clerk may not start it.
as carol keys agent start
is "$rc" 1 "a clerk cannot start the agent"

# The key officer's start of day.
as kim keys agent start --idle 600
is "$rc" 0 "the key officer starts the agent"
like "$out" "key agent: 2 key file\(s\) of $KEYDIR unlocked, socket $SOCK" "it says what it holds"
is "$(stat -c %a "$SOCK")" 600 "the socket is 0600"
at_exit "NHICARD_PASSWORD_FD=4 \"$NHICARD\" --config \"$CONF\" --db \"$DB\" --operator kim keys agent lock 4<\"$TEST_TMP/pw/kim\" >/dev/null 2>&1"
as kim keys agent start
is "$rc" 3 "a second agent on the same socket is refused"
like "$out" "a key agent already runs at $SOCK" "naming it"

clerk_issue
is "$rc" 4 "with the agent the clerk's issue opens the keys and goes on to the card (exit 4: no reader)"
unlike "$out" "passphrase|locked|key file" "no passphrase, no key error"
as kim keys agent status
like "$out" "unlocked, 2 key files, [1-9][0-9]* requests served" "the agent served the requests"

# A key file changed since the start is not served.
cp "$KEYDIR/municipality.key" "$TEST_TMP/muni.save"

{ cat "$TEST_TMP/muni.save"; printf '\n'; } >"$KEYDIR/municipality.key"
clerk_issue
like "$out" "municipality.key: the key agent does not hold it" "a changed key file is not served"
cp "$TEST_TMP/muni.save" "$KEYDIR/municipality.key"

# End of day: a supervisor locks it; the clerk is refused again.
as boss keys agent lock
is "$rc" 0 "a supervisor locks the agent"
like "$out" "locked; the keys are gone from memory" "it says so"
test -e "$SOCK"
is "$?" 1 "the socket is gone"
clerk_issue
is "$rc" 1 "locked: the clerk's issue is refused again"
like "$out" "the keys are locked" "with the reason"
is "$(sql "SELECT count(*) FROM audit_log WHERE action IN ('keys.agent_start', 'keys.agent_lock')")" 2 \
    "start and lock are audited"

# The idle timeout locks it by itself (the agent runs in the foreground
# here: its exit is the test, no sleeping).
NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 run timeout 30 "$NHICARD" --config "$CONF" \
    --db "$DB" --operator kim keys agent start --foreground --idle 1 4<"$(pwfile kim)" \
    6<"$PASSPHRASE"
is "$rc" 0 "an idle agent locks itself and exits 0"
test -e "$SOCK"
is "$?" 1 "and removes its socket"

done_testing

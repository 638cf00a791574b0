#!/bin/sh
# Lockout: operators.max_failures wrong passwords lock an account for
# operators.lockout_minutes, even the right password is refused meanwhile,
# a supervisor unlocks it; each failure and the lockout are audited.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

make_team
printf 'not the password\n' >"$TEST_TMP/wrong"
wrong() {
	NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator carol \
	    held list 4<"$TEST_TMP/wrong"
}

wrong
is "$rc" 1 "a wrong password is refused (exit 1)"
like "$out" "login failed for operator 'carol': unknown operator or wrong password \(1 of 3" \
    "the message counts the tries left"
unlike "$out" "not the password" "the password is not echoed back"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator nobody \
    held list 4<"$TEST_TMP/wrong"
is "$rc" 1 "an unknown login is refused"
like "$out" "unknown operator or wrong password" "with the same words as a wrong password"
as carol held list
is "$rc" 0 "the right password before the limit works"
is "$(sql "SELECT failed_logins FROM operators WHERE login = 'carol'")" 0 \
    "and resets the failure count"

wrong
wrong
is "$rc" 1 "second failure"
wrong
is "$rc" 1 "third failure"
like "$out" "3 failures: the account is locked until [0-9T:-]+Z \(UTC\)" "the third locks the account"
like "$out" "nhicard operator unlock carol" "and says how to unlock"
as carol held list
is "$rc" 1 "a locked account is refused even with the right password"
like "$out" "operator 'carol' is locked after 3 failed logins until" "and told why"

as carol operator unlock carol
is "$rc" 1 "a clerk cannot unlock (not even itself)"
as boss operator unlock carol
is "$rc" 0 "a supervisor unlocks"
like "$out" "operator carol: unlocked" "unlock says so"
as carol held list
is "$rc" 0 "after the unlock the right password works"

# An expired lock: the next failure starts counting from one again.
wrong; wrong; wrong
sql "UPDATE operators SET locked_until = '2000-01-01T00:00:00Z' WHERE login = 'carol'"
as carol held list
is "$rc" 0 "a lock whose time has passed no longer holds"

is "$(sql "SELECT count(*) FROM audit_log WHERE operator = 'carol' AND action = 'operator.login' AND outcome = 'failed'")" \
    5 "every failed login is audited (1 + 2 + 2: the third of a run is a lockout)"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'operator.lockout'")" 2 \
    "each lockout is audited"
is "$(sql "SELECT count(*) FROM audit_log WHERE action = 'operator.unlock' AND operator = 'boss'")" 1 \
    "the unlock is audited with the supervisor's login"
unlike "$(sql "SELECT group_concat(coalesce(detail, ''), ' ') FROM audit_log")" "not the password|pw-" \
    "no password in the audit log"

# Bad password sources.
NHICARD_PASSWORD_FD=x run "$NHICARD" --config "$CONF" --db "$DB" --operator carol held list
is "$rc" 2 "a bad NHICARD_PASSWORD_FD is a usage error"
like "$out" "NHICARD_PASSWORD_FD: 'x' is not a file descriptor" "naming the variable"
run setsid "$NHICARD" --config "$CONF" --db "$DB" --operator carol held list </dev/null
is "$rc" 2 "no terminal and no fd: a usage error"
like "$out" "needs a terminal, or the secret on the file descriptor named by NHICARD_PASSWORD_FD" \
    "that says how to give the password"

done_testing

#!/bin/sh
# Operators and roles: bootstrap of the first supervisor, production mode
# needs an operator, the role table refuses what a role may not run (and
# audits it), demo and test mode run as the built-in operator.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/operators.sh"

nhi db init
is "$rc" 0 "db init on a production station without operators (bootstrap)"
NHICARD_NEW_PASSWORD_FD=3 nhi operator add carol --role clerk 3<"$(pwfile carol)"
is "$rc" 1 "the first operator must be a supervisor"
like "$out" "first operator of a station must be a supervisor" "and the refusal says so"
add_op boss supervisor
is "$(sql "SELECT login || ':' || role FROM operators")" "boss:supervisor" \
    "the bootstrap account is a supervisor"
like "$(sql "SELECT password_hash FROM operators")" '^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$' \
    "its password is stored as a self-describing scrypt hash with the configured N"
add_op carol clerk boss
add_op kim key_officer boss
add_op audrey auditor boss

nhi held list
is "$rc" 1 "production mode: a command without --operator is refused"
like "$out" "production mode: say who you are with --operator LOGIN" "and told how to say who"
NHICARD_OPERATOR=carol NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" \
    held list 4<"$(pwfile carol)"
is "$rc" 0 "NHICARD_OPERATOR names the operator too"
nhi version
is "$rc" 0 "version needs no operator"

# Each role, a few commands it may and may not run.
as carol held list
is "$rc" 0 "clerk: held list"
as carol operator list
is "$rc" 1 "clerk: operator list refused"
like "$out" "operator 'carol' \(clerk\) may not run 'nhicard operator list': it needs supervisor or auditor" \
    "the refusal names operator, role, command and the roles it needs"
as carol keys list
is "$rc" 1 "clerk: keys refused"
as carol db init
is "$rc" 1 "clerk: db refused"
as carol mynumber check-revoked
is "$rc" 1 "clerk: mynumber check-revoked refused (a batch over every link)"
like "$out" "may not run 'nhicard mynumber check-revoked': it needs supervisor" \
    "and it needs a supervisor"
as carol mynumber unlink 1 --reason lost
unlike "$out" "may not run" "clerk: mynumber unlink is allowed"
as kim keys list
is "$rc" 0 "key officer: keys list"
as kim held list
is "$rc" 1 "key officer: held list refused"
as kim issue 1
is "$rc" 1 "key officer: issue refused"
as kim operator add x --role clerk
is "$rc" 1 "key officer: operator add refused"
as audrey operator list
is "$rc" 0 "auditor: operator list"
like "$out" "carol +clerk +active" "operator list shows login, role and state"
as audrey held list
is "$rc" 1 "auditor: held list refused"
as audrey keys list
is "$rc" 1 "auditor: keys refused"
NHICARD_NEW_PASSWORD_FD=3 as audrey operator add eve --role supervisor 3<"$(pwfile eve)"
is "$rc" 1 "auditor: operator add refused"
as boss keys list
is "$rc" 1 "supervisor: keys refused (key officers only)"
as boss operator list
is "$rc" 0 "supervisor: operator list"
as boss db check
is "$rc" 1 "supervisor: db check of a production store without an audit key is refused"
like "$out" "the chain is not keyed" "it says the chain is not keyed (docs/audit.md)"
as_approved kim boss keys create --audit
[ "$rc" -eq 0 ] || bail "keys create --audit: $out"
as boss db check
is "$rc" 0 "supervisor: db check"

n=$(sql "SELECT count(*) FROM audit_log WHERE action = 'operator.role_refused' AND outcome = 'refused'")
is "$n" 11 "every role refusal is in the audit log"
like "$(sql "SELECT detail FROM audit_log WHERE operator = 'kim' AND action = 'operator.role_refused' LIMIT 1")" \
    "role key_officer may not run" "the audit entry says which role and command"

# Account rules.
NHICARD_NEW_PASSWORD_FD=3 as boss operator add carol --role clerk 3<"$(pwfile carol)"
is "$rc" 3 "a login that exists is refused"
printf 'short\n' >"$TEST_TMP/short"
NHICARD_NEW_PASSWORD_FD=3 as boss operator add dave --role clerk 3<"$TEST_TMP/short"
is "$rc" 3 "a short password is refused"
like "$out" "too short: at least 10 characters" "and the minimum is said"
NHICARD_NEW_PASSWORD_FD=3 as boss operator add demo --role clerk 3<"$(pwfile demo)"
is "$rc" 2 "the built-in login 'demo' is reserved"
as boss operator add dave --role janitor
is "$rc" 2 "an unknown role is a usage error"
as boss operator disable carol
is "$rc" 0 "a supervisor disables an account"
as carol held list
is "$rc" 1 "a disabled operator is refused"
like "$out" "operator 'carol' is disabled" "and told so"
as boss operator enable carol
as carol held list
is "$rc" 0 "enabled again, carol works"
NHICARD_NEW_PASSWORD_FD=3 as boss operator passwd carol 3<"$(pwfile carol2)"
is "$rc" 0 "a supervisor sets a new password"
as carol held list
is "$rc" 1 "the old password no longer works"
cp "$(pwfile carol2)" "$TEST_TMP/pw/carol.new"
NHICARD_PASSWORD_FD=4 run "$NHICARD" --config "$CONF" --db "$DB" --operator carol \
    held list 4<"$TEST_TMP/pw/carol.new"
is "$rc" 0 "the new one does"
unlike "$(sql "SELECT group_concat(coalesce(detail, ''), ' ') FROM audit_log")" "pw-|secret" \
    "no password in the audit log"

# Weak passwords are refused with the reason (issue 16 item 8).
printf 'aaaaaaaaaa\n' >"$TEST_TMP/weak"
NHICARD_NEW_PASSWORD_FD=3 as boss operator add weakling --role clerk 3<"$TEST_TMP/weak"
is "$rc" 3 "a password of one character repeated is refused (exit 3)"
like "$out" "the new password for 'weakling' is one character repeated" "saying why"
printf 'Weakling2024\n' >"$TEST_TMP/weak"
NHICARD_NEW_PASSWORD_FD=3 as boss operator add weakling --role clerk 3<"$TEST_TMP/weak"
like "$out" "is the login with digits or symbols added" "the login with digits is refused"
is "$(sql "SELECT count(*) FROM operators WHERE login = 'weakling'")" 0 "no account was added"
# A production station refuses a cheap scrypt cost (it also weakens the
# wrapped key files).
sed -i 's/^scrypt_n = .*/scrypt_n = 1024/' "$CONF"
NHICARD_NEW_PASSWORD_FD=3 as boss operator add cheap --role clerk 3<"$(pwfile cheap)"
is "$rc" 3 "production: operators.scrypt_n = 1024 is a configuration error (exit 3)"
like "$out" "operators.scrypt_n = 1024 is below the production floor of 16384" "naming the floor"
sed -i 's/^scrypt_n = .*/scrypt_n = 16384/' "$CONF"

# Test and demo mode: without --operator, the built-in operator 'demo' on
# a store created in that mode that holds no account yet (the store
# decides the mode, tests/operators-mode.sh).
DB=$TEST_TMP/test.db
write_conf test
nhi db init
nhi held list
is "$rc" 0 "test mode: no --operator runs as the built-in operator"
nhi keys list
is "$rc" 0 "test mode: the built-in operator holds every role"
add_op boss supervisor
add_op carol clerk boss
as carol keys list
is "$rc" 1 "test mode: a named operator is still checked"
DB=$TEST_TMP/demo.db
write_conf demo
nhi db init
nhi operator list
is "$rc" 0 "demo mode: the built-in operator"

done_testing

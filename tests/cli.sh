#!/bin/sh
# The command line: help, version, usage errors and their exit codes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

run "$NHICARD" help
is "$rc" 0 "help exits 0"
like "$out" "^  db " "help lists the db command"
like "$out" "Exit codes: 0 success" "help documents the exit codes"

run "$NHICARD" db --help
is "$rc" 0 "db --help exits 0"
like "$out" "usage: nhicard db init\|check" "db --help shows the usage"

run "$NHICARD" frobnicate
is "$rc" 2 "an unknown command exits 2"
like "$out" "unknown command 'frobnicate'" "an unknown command is named"

run "$NHICARD"
is "$rc" 2 "no command exits 2"

run "$NHICARD" --bogus-option help
is "$rc" 2 "an unknown global option exits 2"

run "$NHICARD" db
is "$rc" 2 "db without a subcommand exits 2"
like "$out" "expected one of: init, check" "db says what it expects"

run "$NHICARD" help nosuch
is "$rc" 2 "help for an unknown command exits 2"

run "$NHICARD" version
is "$rc" 0 "version exits 0"
like "$out" "^nhicard [0-9]" "version names nhicard"
like "$out" "SQLite 3\." "version names the SQLite found at run time"
like "$out" "OpenSSL 3\." "version names OpenSSL"
like "$out" "pcsc-lite" "version names pcsc-lite"
like "$out" "libharu|^2\.|libharu [0-9]" "version names libharu"
like "$out" "ncurses" "version names ncurses"

printf 'this line has no equals sign\n' > "$TEST_TMP/bad.conf"
run "$NHICARD" --config "$TEST_TMP/bad.conf" db check
is "$rc" 3 "a malformed configuration exits 3"
like "$out" "bad.conf:1: expected 'key = value'" "the configuration error names file and line"

run "$NHICARD" --config "$TEST_TMP/missing.conf" version
is "$rc" 5 "an explicit configuration that is missing exits 5"
like "$out" "missing.conf" "the missing configuration is named"

run "$NHICARD" --config "$top_srcdir/etc/nhicard.conf.sample" version
is "$rc" 0 "the installed sample configuration parses"

done_testing

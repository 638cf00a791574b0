# operators.sh: what the operators-* and keys-* tests share (after
# common.sh): a station configuration in $MODE (production unless set),
# a store, a key store directory, and helpers that run nhicard as an
# operator with the password on a file descriptor (never on argv).

: "${SQLITE3:=sqlite3}"
: "${MODE:=production}"
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
KEYDIR=$TEST_TMP/keys
mkdir -p "$KEYDIR" "$TEST_TMP/pw"

# write_conf MODE: the configuration (cheap scrypt for the tests: N = 1024,
# or the production floor 16384 in production mode, docs/operators.md).
write_conf() {
	cat >"$CONF" <<EOC
[station]
mode = $1
$([ "$1" = production ] && echo "id = ST01")
municipality_code = 131016
insurer_number = 133116
[keys]
dir = $KEYDIR
[operators]
scrypt_n = $([ "$1" = production ] && echo 16384 || echo 1024)
max_failures = 3
lockout_minutes = 10
bulk_void_limit = 1
[rules]
law = pilot
[fee]
supervisor_limit = 100
waivers = low:all, small:50
[print]
templates_dir = $top_srcdir/templates
insurer_name = 千代田区
EOC
}
write_conf "$MODE"

# Each operator's password is "pw-LOGIN-secret" in a file.
pwfile() { _f="$TEST_TMP/pw/$1"; printf 'pw-%s-secret\n' "$1" >"$_f"; echo "$_f"; }
printf 'the key store passphrase\n' >"$TEST_TMP/pw/passphrase"
PASSPHRASE=$TEST_TMP/pw/passphrase

# nhi ARGS: nhicard on our config and store, no operator; $out and $rc.
nhi() { run "$NHICARD" --config "$CONF" --db "$DB" "$@"; }

# as LOGIN ARGS: nhicard as operator LOGIN (password on fd 4, the
# key-store passphrase on fd 6).
as() {
	_l=$1
	shift
	NHICARD_PASSWORD_FD=4 NHICARD_KEY_PASSPHRASE_FD=6 \
	    run "$NHICARD" --config "$CONF" --db "$DB" --operator "$_l" "$@" \
	    4<"$(pwfile "$_l")" 6<"$PASSPHRASE"
}

# as_approved LOGIN APPROVER ARGS: the same with a second person on fd 5.
as_approved() {
	_l=$1
	_a=$2
	shift 2
	NHICARD_PASSWORD_FD=4 NHICARD_APPROVER_PASSWORD_FD=5 NHICARD_KEY_PASSPHRASE_FD=6 \
	    run "$NHICARD" --config "$CONF" --db "$DB" --operator "$_l" --approver "$_a" "$@" \
	    4<"$(pwfile "$_l")" 5<"$(pwfile "$_a")" 6<"$PASSPHRASE"
}

# add_op LOGIN ROLE [AS]: create an account (as supervisor AS, or with no
# operator on a store without any). Fails the script if it does not work.
add_op() {
	if [ -n "${3:-}" ]; then
		NHICARD_NEW_PASSWORD_FD=3 as "$3" operator add "$1" --role "$2" 3<"$(pwfile "$1")"
	else
		NHICARD_NEW_PASSWORD_FD=3 nhi operator add "$1" --role "$2" 3<"$(pwfile "$1")"
	fi
	[ "$rc" -eq 0 ] || bail "operator add $1 $2: $out"
}

# sql QUERY: one query on the store.
sql() { "$SQLITE3" "$DB" "$1"; }

# The standard team: boss (supervisor), carol (clerk), kim (key officer),
# audrey (auditor), sam (a second supervisor).
make_team() {
	nhi db init
	[ "$rc" -eq 0 ] || bail "db init: $out"
	add_op boss supervisor
	add_op carol clerk boss
	add_op kim key_officer boss
	add_op audrey auditor boss
	add_op sam supervisor boss
}

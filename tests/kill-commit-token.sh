#!/bin/sh
# kill-commit-token.sh: the key ceremonies in a PKCS#11 token (keys.store =
# pkcs11, docs/keys.md 4.9; a SoftHSM2 token in the scratch directory)
# killed with SIGKILL right after and right before each of their store
# commits (NHICARD_TEST_KILL_AT_COMMIT, docs/reliability.md "Kill at a
# commit"), then run again as the key officer would: the rerun is clear,
# `db check` and `audit verify` are clean, and the store and the token's
# key objects end as after an unkilled run (no key made twice, none left
# unaudited).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/perso.sh"
. "$top_srcdir/tests/lib/token.sh"
token_have || skip_all "SoftHSM2 is needed (Debian softhsm2)"
command -v "$SQLITE3" >/dev/null 2>&1 || skip_all "sqlite3 is needed to look at the store"
. "$top_srcdir/tests/lib/killcommit.sh"
cd "$TEST_TMP" || bail "cd"

(NHICARD_TEST_KILL_AT_COMMIT=1 "$NHICARD" --config "$CONF" --db "$DB" db init) >/dev/null 2>&1
[ $? -eq 137 ] || skip_all "not a test-hooks build (configure --enable-test-hooks)"
rm -f "$DB" "$DB-wal" "$DB-shm"
token_setup
make_store "$DB"
tconf "$TEST_TMP/token.conf"
CONF=$TEST_TMP/token.conf
t() { "$NHICARD" --config "$CONF" --db "$DB" "$@"; }
kc_snap made
cp -a tokens tokens.empty

# The token's objects as `keys list` shows them (labels, versions; the
# KCVs and key ids of fresh keys differ from run to run).
KC_EXTRA='t keys list 2>&1 | sed -E "s/[0-9a-fA-F]{6,}/<x>/g"'
KC_RESET='rm -rf "$TEST_TMP/tokens"; cp -a "$TEST_TMP/tokens.$KC_TOK" "$TEST_TMP/tokens"'
KC_TOK=empty
KC_REFUSED_OK='is taken'
kc_run "keys create --kvn 30 in the token (master key set)" made 't keys create --kvn 30'
kc_run "keys create --signing in the token" made 't keys create --signing'
KC_REFUSED_OK=
kc_restore made
t keys create >/dev/null || bail "keys create in the token"
kc_snap created
cp -a tokens tokens.created
KC_TOK=created
kc_run "keys rotate --to 31 in the token" created 't keys rotate --to 31'

# import: a clear key file into the token, then the clear file removed (a
# key in the clear never stays behind a stopped import). The clerk's path
# (docs/keys.md "Run again"): the clear file still there, the import again;
# gone (removed last), the import had finished.
KC_TOK=empty
for f in test-master-30.keys test-municipality.key; do
	KC_RESET='rm -rf "$TEST_TMP/tokens"; cp -a "$TEST_TMP/tokens.$KC_TOK" "$TEST_TMP/tokens"; cp "$KEYS/'$f'" "$TEST_TMP/clear.keys"'
	KC_EXTRA='t keys list 2>&1 | sed -E "s/[0-9a-fA-F]{6,}/<x>/g"; test -e "$TEST_TMP/clear.keys"; echo "clear file there: $?"'
	KC_RECOVER='if [ -e "$TEST_TMP/clear.keys" ]; then t keys import "$TEST_TMP/clear.keys"; else t keys list; fi'
	kc_run "keys import $f into the token (the clear file removed)" made 't keys import "$TEST_TMP/clear.keys"'
done
KC_EXTRA= KC_RESET= KC_RECOVER=

done_testing

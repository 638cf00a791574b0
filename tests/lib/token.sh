# token.sh: a SoftHSM2 token in the scratch directory for the tests and
# benchmarks of keys.store = pkcs11 (docs/keys.md 4.9), after common.sh
# and perso.sh ($CONF). token_setup makes the token "town" (user PIN in
# $TEST_TMP/pin, mode 0600) with SOFTHSM2_CONF pointing at a temporary
# token directory, so the machine's own SoftHSM2 tokens are never seen.

SOFTHSM=${NHICARD_SOFTHSM2:-/usr/lib/softhsm/libsofthsm2.so}

# token_have: 0 when SoftHSM2 (Debian softhsm2) is installed.
token_have() {
	[ -f "$SOFTHSM" ] && command -v softhsm2-util >/dev/null 2>&1
}

token_setup() {
	mkdir -p "$TEST_TMP/tokens"
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$TEST_TMP" >"$TEST_TMP/softhsm2.conf"
	SOFTHSM2_CONF=$TEST_TMP/softhsm2.conf
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label town --so-pin 87654321 --pin 402153 \
	    >/dev/null || bail "softhsm2-util --init-token failed"
	(umask 077; printf '402153\n' >"$TEST_TMP/pin")
}

# tconf FILE [line...]: $CONF with the key store in the token, the extra
# lines added to its [keys] section.
tconf() {
	_f=$1
	shift
	{
		sed '/^\[keys\]$/q' "$CONF"
		printf 'store = pkcs11\npkcs11_module = %s\npkcs11_token = town\n' "$SOFTHSM"
		printf 'pkcs11_pin_file = %s/pin\n' "$TEST_TMP"
		for _l in "$@"; do printf '%s\n' "$_l"; done
		sed '1,/^\[keys\]$/d' "$CONF"
	} >"$_f"
}

/* Unit tests of the role table, wrapped key files and the loader that
 * opens them, and operator accounts with lockout (operator-*.c,
 * crypto-keystore-wrap.c, operator-store.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crypto.h"
#include "crypto-keystore.h"
#include "error.h"
#include "nhiconf.h"
#include "operator.h"
#include "store.h"
#include "util.h"

static const struct crypto_scrypt_params fast = { 1024, 8, 1 };

static const char clear_master[] =
    "test = no\nkvn = 41\nalgorithm = AES-128\n"
    "enc = 000102030405060708090a0b0c0d0e0f\nenc-kcv = c35280\n"
    "mac = 101112131415161718191a1b1c1d1e1f\n"
    "dek = 202122232425262728292a2b2c2d2e2f\n";

static void
test_role_table(void **state)
{
	(void)state;
	assert_int_equal(operator_roles_for("help", NULL), OPERATOR_ROLE_NONE);
	assert_int_equal(operator_roles_for("version", NULL), OPERATOR_ROLE_NONE);
	assert_int_equal(operator_roles_for("keys", "create"), OPERATOR_ROLE_KEY_OFFICER);
	assert_int_equal(operator_roles_for("card", "lock"), OPERATOR_ROLE_SUPERVISOR);
	assert_true(operator_roles_for("card", "inspect") & OPERATOR_ROLE_CLERK);
	assert_true(operator_roles_for("issue", NULL) & OPERATOR_ROLE_CLERK);
	assert_false(operator_roles_for("issue", NULL) & OPERATOR_ROLE_AUDITOR);
	assert_true(operator_roles_for("operator", "list") & OPERATOR_ROLE_AUDITOR);
	assert_false(operator_roles_for("operator", "add") & OPERATOR_ROLE_AUDITOR);
	/* Fail closed: a command nobody listed needs a supervisor. */
	assert_int_equal(operator_roles_for("no-such-command", NULL),
	    OPERATOR_ROLE_SUPERVISOR);
	assert_int_equal(operator_role_bit("key_officer"), OPERATOR_ROLE_KEY_OFFICER);
	assert_int_equal(operator_role_bit("root"), 0);
	assert_string_equal(operator_role_name(OPERATOR_ROLE_AUDITOR), "auditor");
}

static void
test_wrap_round_trip(void **state)
{
	char *w = NULL, *inner = NULL, *c;
	size_t n = 0;

	(void)state;
	assert_int_equal(crypto_keystore_wrap(clear_master, strlen(clear_master),
	    "pass phrase one", &fast, "kind = master\nkvn = 41\n", &w), 0);
	assert_true(crypto_keystore_is_wrapped(w, strlen(w)));
	assert_false(crypto_keystore_is_wrapped(clear_master, strlen(clear_master)));
	assert_null(strstr(w, "000102030405"));
	assert_int_equal(crypto_keystore_unwrap("t.keys", w, strlen(w), "pass phrase one",
	    &inner, &n), 0);
	assert_int_equal(n, strlen(clear_master));
	assert_string_equal(inner, clear_master);
	util_free_secret(inner, n + 1);
	/* A wrong passphrase: one clear error naming the file. */
	assert_int_equal(crypto_keystore_unwrap("t.keys", w, strlen(w), "pass phrase two",
	    &inner, &n), NHI_EKEY);
	assert_non_null(strstr(err_detail(), "t.keys: wrong key-store passphrase"));
	/* The clear header is authenticated. */
	c = xstrdup(w);
	memcpy(strstr(c, "kvn = 41"), "kvn = 42", 8);
	assert_int_equal(crypto_keystore_unwrap("t.keys", c, strlen(c), "pass phrase one",
	    &inner, &n), NHI_EKEY);
	free(c);
	/* So is the ciphertext. */
	c = xstrdup(w);
	{
		char *d = strstr(c, "data = ") + 7;

		*d = *d == 'a' ? 'b' : 'a';
	}
	assert_int_equal(crypto_keystore_unwrap("t.keys", c, strlen(c), "pass phrase one",
	    &inner, &n), NHI_EKEY);
	free(c);
	/* Parameters out of bounds are malformed, not a crash. */
	c = xstrdup(w);
	memcpy(strstr(c, "scrypt-n = 1024"), "scrypt-n = 1000", 15);
	assert_int_equal(crypto_keystore_unwrap("t.keys", c, strlen(c), "pass phrase one",
	    &inner, &n), NHI_EKEY);
	free(c);
	free(w);
}

/* The existing loader opens a wrapped file with the cached passphrase and
 * gets the same keys as from the clear file. */
static void
test_loader_opens_wrapped(void **state)
{
	char dir[] = "/tmp/nhicard-op-XXXXXX", *path, *w = NULL, *sk = NULL;
	struct crypto_master_keys a, b;
	struct crypto_sign_key *k = NULL;
	uint8_t pub[CRYPTO_EC_PUB_LEN];

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/master-41.keys", dir);
	assert_int_equal(fs_write_atomic(path, clear_master, strlen(clear_master), 0600), 0);
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION, &a), 0);
	assert_int_equal(crypto_keystore_wrap(clear_master, strlen(clear_master),
	    "the pass phrase", &fast, "", &w), 0);
	assert_int_equal(fs_write_atomic(path, w, strlen(w), 0600), 0);
	crypto_keystore_set_passphrase("the pass phrase");
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION, &b), 0);
	assert_int_equal(b.kvn, 0x41);
	assert_int_equal(b.keylen, 16);
	assert_memory_equal(a.enc, b.enc, 16);
	assert_memory_equal(a.mac, b.mac, 16);
	assert_memory_equal(a.dek, b.dek, 16);
	crypto_keystore_set_passphrase("another pass phrase");
	assert_int_equal(crypto_master_keys_load(path, CRYPTO_MODE_PRODUCTION, &b), NHI_EKEY);
	free(w);
	/* A generated signing key, wrapped, loads and signs. */
	assert_int_equal(crypto_keystore_generate_signing(&sk), 0);
	assert_int_equal(crypto_keystore_wrap(sk, strlen(sk), "another pass phrase", &fast,
	    "kind = signing\n", &w), 0);
	free(path);
	path = xasprintf("%s/municipality.key", dir);
	assert_int_equal(fs_write_atomic(path, w, strlen(w), 0600), 0);
	assert_int_equal(crypto_sign_key_load(path, CRYPTO_MODE_PRODUCTION, &k), 0);
	assert_int_equal(crypto_sign_key_public(k, pub), 0);
	assert_int_equal(pub[0], 0x04);
	assert_false(crypto_sign_key_is_test(k));
	crypto_sign_key_free(k);
	crypto_keystore_forget();
	util_free_secret(sk, strlen(sk));
	free(w);
	unlink(path);
	free(path);
	path = xasprintf("%s/master-41.keys", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	crypto_master_keys_wipe(&a);
	crypto_master_keys_wipe(&b);
}

static void
test_generate_master(void **state)
{
	struct crypto_master_keys m;
	char *t = NULL;

	(void)state;
	assert_int_equal(crypto_keystore_generate_master(0x31, 32, &t), 0);
	assert_int_equal(crypto_master_keys_parse("gen", t, strlen(t),
	    CRYPTO_MODE_PRODUCTION, &m), 0);	/* its own KCVs check */
	assert_int_equal(m.kvn, 0x31);
	assert_int_equal(m.keylen, 32);
	assert_false(m.test);
	crypto_master_keys_wipe(&m);
	util_free_secret(t, strlen(t));
	assert_int_equal(crypto_keystore_generate_master(0x80, 16, &t), NHI_ERANGE);
	assert_int_equal(crypto_keystore_generate_master(0x31, 20, &t), NHI_ERANGE);
}

/* Accounts and lockout through operator_login. */
static void
test_login_and_lockout(void **state)
{
	char dir[] = "/tmp/nhicard-op-XXXXXX", *path, *cmd;
	struct operator_account a;
	struct store *st = NULL;
	struct config *cfg = config_new();
	unsigned roles = 0;

	(void)state;
	config_set(cfg, "operators.max_failures", "2");
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/s.db", dir);
	assert_int_equal(store_open(path, STORE_CREATE, &st), 0);
	memset(&a, 0, sizeof(a));
	snprintf(a.login, sizeof(a.login), "carol");
	snprintf(a.display_name, sizeof(a.display_name), "Carol");
	a.role = OPERATOR_ROLE_CLERK;
	assert_int_equal(crypto_password_hash("carol-password", &fast, &a.password_hash), 0);
	assert_int_equal(store_operator_insert(st, &a), 0);
	assert_int_equal(store_operator_insert(st, &a), NHI_EEXISTS);
	operator_account_clear(&a);

	assert_int_equal(operator_login(st, cfg, "carol", "carol-password", &roles), 0);
	assert_int_equal(roles, OPERATOR_ROLE_CLERK);
	assert_int_equal(operator_login(st, cfg, "nobody", "x", &roles), NHI_EDENIED);
	assert_int_equal(operator_login(st, cfg, "carol", "wrong", &roles), NHI_EDENIED);
	assert_int_equal(operator_login(st, cfg, "carol", "wrong", &roles), NHI_EDENIED);
	assert_non_null(strstr(err_detail(), "locked until"));
	assert_int_equal(store_operator_get(st, "carol", &a), 0);
	assert_int_equal(a.failed_logins, 2);
	assert_true(a.locked_until[0] != '\0');
	operator_account_clear(&a);
	/* Locked: the right password is refused too. */
	assert_int_equal(operator_login(st, cfg, "carol", "carol-password", &roles),
	    NHI_EDENIED);
	assert_non_null(strstr(err_detail(), "is locked"));
	assert_int_equal(store_operator_set_failures(st, "carol", 0, NULL), 0);
	assert_int_equal(operator_login(st, cfg, "carol", "carol-password", &roles), 0);
	assert_int_equal(store_operator_set_disabled(st, "carol", 1), 0);
	assert_int_equal(operator_login(st, cfg, "carol", "carol-password", &roles),
	    NHI_EDENIED);
	assert_int_equal(store_operator_set_disabled(st, "nobody", 1), NHI_ENOTFOUND);

	store_close(st);
	config_free(cfg);
	cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(path);
}

/* Weak passwords are refused with the reason (issue 16 item 8). */
static void
test_password_rules(void **state)
{
	static const struct { const char *pw, *why; } weak[] = {
		{ "short1!", "too short" },
		{ "          ", "one character repeated" },
		{ "aaaaaaaaaa", "one character repeated" },
		{ "abababababab", "only 2 different characters" },
		{ "abcdefghij", "a run of consecutive characters" },
		{ "0123456789", "a run of consecutive characters" },
		{ "9876543210", "a run of consecutive characters" },
		{ "abcdabcdabcd", "repeats a pattern of 4 characters" },
		{ "xy1!xy1!xy1!", "repeats a pattern of 4 characters" },
		{ "Carol2024!!", "is the login with digits" },
		{ "lorac-12345", "is the login reversed" },
		{ "Password123!", "every guesser tries first" },
		{ "qwertyuiop", "every guesser tries first" },
	};
	static const char *const good[] = { "pw-carol-secret", "Tr0ub4dor&3",
	    "correct horse battery", "平成の保険証を返す" };
	size_t i;

	(void)state;
	for (i = 0; i < NHI_ARRAY_LEN(weak); i++) {
		print_message("# %s\n", weak[i].why);
		assert_int_equal(operator_password_check("carol", weak[i].pw), NHI_ERANGE);
		assert_non_null(strstr(err_detail(), weak[i].why));
		assert_non_null(strstr(err_detail(), "'carol'"));
		if (strlen(weak[i].pw) > 3)
			assert_null(strstr(err_detail(), weak[i].pw));	/* never echoed */
	}
	for (i = 0; i < NHI_ARRAY_LEN(good); i++)
		assert_int_equal(operator_password_check("carol", good[i]), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_table),
		cmocka_unit_test(test_wrap_round_trip),
		cmocka_unit_test(test_loader_opens_wrapped),
		cmocka_unit_test(test_generate_master),
		cmocka_unit_test(test_login_and_lockout),
		cmocka_unit_test(test_password_rules),
	};
	return cmocka_run_group_tests_name("operator", tests, NULL, NULL);
}

/* Unit tests of the audit trail (store-audit.c): the entry hash is SHA-256
 * over the previous hash and the canonical serialization docs/audit.md
 * describes (rebuilt here by hand), entries chain, an entry appended in a
 * transaction that rolls back leaves no trace, the chain head follows the
 * newest entry, and verify reports an intact log. (Tampering is tested
 * with sqlite3 in tests/audit-tamper.sh.) */
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

#include "audit.h"
#include "crypto.h"
#include "error.h"
#include "store.h"
#include "util.h"

#include "store-fixture.h"

/* The documented serialization, written out independently. */
static void
test_hash_known_answer(void **state)
{
	static const char canon[] =
	    "nhicard-audit-v1\n"
	    "1:3\n"
	    "20:2026-11-25T01:02:03Z\n"
	    "9:station-1\n"
	    "~\n"
	    "11:card.revoke\n"
	    "6:card:7\n"
	    "2:ok\n"
	    "15:reason=lost \xe2\x9c\x93\n";
	struct audit_entry e;
	uint8_t buf[32 + sizeof(canon)], want[32], got[32];

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(e.prev_hash, 0xab, sizeof(e.prev_hash));
	e.seq = 3;
	e.at = "2026-11-25T01:02:03Z";
	e.station = "station-1";
	e.operator_login = NULL;
	e.action = "card.revoke";
	e.subject = "card:7";
	e.outcome = "ok";
	e.detail = "reason=lost \xe2\x9c\x93";
	memset(buf, 0xab, 32);
	memcpy(buf + 32, canon, sizeof(canon) - 1);
	assert_int_equal(crypto_sha256(buf, 32 + sizeof(canon) - 1, want), 0);
	assert_int_equal(audit_entry_hash(&e, got), 0);
	assert_memory_equal(got, want, 32);
	/* NULL and "" differ; so does any field. */
	e.operator_login = "";
	assert_int_equal(audit_entry_hash(&e, got), 0);
	assert_memory_not_equal(got, want, 32);
	e.operator_login = NULL;
	e.seq = 4;
	assert_int_equal(audit_entry_hash(&e, got), 0);
	assert_memory_not_equal(got, want, 32);
}

struct collect {
	int64_t		 n;
	uint8_t		 last_hash[AUDIT_HASH_LEN];
	int		 linked;
	char		 actions[256];
};

static int
collect(const struct audit_entry *e, void *arg)
{
	struct collect *c = arg;
	uint8_t h[AUDIT_HASH_LEN];

	if (c->n > 0 && memcmp(e->prev_hash, c->last_hash, AUDIT_HASH_LEN) != 0)
		c->linked = 0;
	if (audit_entry_hash(e, h) != 0 || memcmp(h, e->hash, AUDIT_HASH_LEN) != 0)
		c->linked = 0;
	memcpy(c->last_hash, e->hash, AUDIT_HASH_LEN);
	c->n++;
	strncat(c->actions, e->action, sizeof(c->actions) - strlen(c->actions) - 2);
	strcat(c->actions, " ");
	return 0;
}

static void
test_append_chain(void **state)
{
	struct fixture *f = *state;
	struct collect c = { .linked = 1 };
	int64_t n = -1, bad = 0;
	char *head = NULL;

	assert_int_equal(audit_verify(f->st, &n, &bad), 0);
	assert_int_equal(n, 0);
	assert_int_equal(audit_append(f->st, "clerk1", "resident.add", "resident:1",
	    AUDIT_OK, NULL), 0);
	assert_int_equal(audit_append(f->st, NULL, "import.file", NULL, AUDIT_OK,
	    "new=3"), 0);
	/* Inside a transaction that commits: it lands. */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(audit_append(f->st, "clerk1", "card.revoke", "card:1", AUDIT_OK,
	    "reason=lost"), 0);
	assert_int_equal(store_commit(f->st), 0);
	/* Inside one that rolls back: no trace, and the chain head stays. */
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(audit_append(f->st, "clerk1", "card.reinstate", "card:1",
	    AUDIT_OK, NULL), 0);
	store_rollback(f->st);
	assert_int_equal(audit_append(f->st, "clerk2", "card.lock", "card:1", AUDIT_REFUSED,
	    "STATE"), 0);
	assert_int_equal(audit_foreach(f->st, NULL, NULL, collect, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.linked, 1);
	assert_string_equal(c.actions, "resident.add import.file card.revoke card.lock ");
	assert_int_equal(audit_verify(f->st, &n, &bad), 0);
	assert_int_equal(n, 4);
	assert_int_equal(store_meta_get(f->st, "audit_head", &head), 0);
	assert_true(strncmp(head, "4:", 2) == 0);
	free(head);
	/* A date window outside today finds nothing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(audit_foreach(f->st, "2001-01-01", "2001-12-31", collect, &c), 0);
	assert_int_equal(c.n, 0);
	/* An entry needs an action and an outcome. */
	assert_int_equal(audit_append(f->st, NULL, "", NULL, AUDIT_OK, NULL),
	    NHI_EINTERNAL);
	assert_int_equal(audit_append(f->st, NULL, "x.y", NULL, NULL, NULL),
	    NHI_EINTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_answer),
		cmocka_unit_test_setup_teardown(test_append_chain, setup, teardown),
	};
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}

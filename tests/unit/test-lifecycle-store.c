/* Unit tests of the life cycle in the store (store-card.c): every state
 * change goes through lifecycle_next(), a refused event changes nothing
 * and adds no event, a transition joins the caller's transaction (a
 * rollback leaves no trace), the one-active-card rule holds on
 * reinstatement, and a loss report records who and how. */
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

#include "error.h"
#include "lifecycle.h"
#include "queue.h"
#include "store.h"
#include "util.h"

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct store	*st;
	int64_t		 resident;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct resident add = { 0 };

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-lc.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	if (store_open(f->path, STORE_CREATE, &f->st) != 0)
		return -1;
	add.name_kanji = (char *)"山田 太郎";
	add.name_kana = (char *)"やまだ たろう";
	snprintf(add.birth_date, sizeof(add.birth_date), "1980-04-01");
	add.sex = 1;
	add.address = (char *)"千代田1-1";
	add.household_code = (char *)"";
	if (store_resident_add(f->st, &add) != 0)
		return -1;
	f->resident = add.id;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->st);
	(void)system(cmd);
	free(cmd);
	free(f);
	return 0;
}

/* A new row, made active. */
static int64_t
active_card(struct fixture *f, uint8_t tag)
{
	struct store_card c;
	uint8_t pk[65] = { 0x04 }, rec[8] = { 0x70 };

	memset(&c, 0, sizeof(c));
	c.resident_id = f->resident;
	snprintf(c.kind, sizeof(c.kind), "juki_existing");
	snprintf(c.card_serial, sizeof(c.card_serial), "0011223344556677889%x", tag & 0xf);
	memset(c.user_number, tag, sizeof(c.user_number));
	c.key_generation = tag;
	assert_int_equal(store_card_insert(f->st, &c, "test"), 0);
	assert_int_equal(queue_card_activate(f->st, c.id, pk, sizeof(pk), rec, sizeof(rec),
	    "2026-11-25", "test"), 0);
	return c.id;
}

static int64_t
events(struct fixture *f)
{
	int64_t n = -1;

	assert_int_equal(store_count(f->st, "card_events", &n), 0);
	return n;
}

static void
test_transitions(void **state)
{
	struct fixture *f = *state;
	struct store_card c;
	int64_t id = active_card(f, 1), n;
	char *text = NULL;

	/* A loss report: suspended (lost), with who and how. */
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REPORT_LOST, "lost report",
	    "holder", "phone", &c), 0);
	assert_string_equal(c.state, "suspended");
	assert_string_equal(c.state_reason, "lost");
	assert_int_equal(store_card_events_text(f->st, id, &text), 0);
	assert_non_null(strstr(text, "report_lost active>suspended lost report"));
	free(text);
	/* Refused: no change, no event. */
	n = events(f);
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REPORT_LOST, NULL, NULL,
	    NULL, NULL), NHI_ESTATE);
	assert_int_equal(store_card_set_state(f->st, id, NULL, "unfinished", "x", "y",
	    LC_EV_FAILED, NULL), NHI_ESTATE);
	assert_non_null(strstr(err_text(NHI_ESTATE), "personalization is over"));
	/* An event that leads elsewhere than the state asked for is a bug. */
	assert_int_equal(store_card_set_state(f->st, id, NULL, "personalizing", NULL, NULL,
	    LC_EV_REINSTATE, NULL), NHI_EINTERNAL);
	assert_int_equal(events(f), n);
	assert_int_equal(store_card_get(f->st, id, &c), 0);
	assert_string_equal(c.state, "suspended");
	/* Reinstated: active, reason cleared. */
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REINSTATE, "found", NULL,
	    NULL, &c), 0);
	assert_string_equal(c.state, "active");
	assert_string_equal(c.state_reason, "");
	/* Stolen, then replaced: final. */
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REVOKE_STOLEN, NULL, NULL,
	    NULL, &c), 0);
	assert_string_equal(c.state_reason, "stolen");
	assert_int_equal(store_card_replaceable(f->st, f->resident, &c), 0);
	assert_int_equal(c.id, id);
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REPLACE, NULL, NULL, NULL,
	    &c), 0);
	assert_string_equal(c.state, "revoked");
	assert_string_equal(c.state_reason, "replaced");
	assert_int_equal(store_card_replaceable(f->st, f->resident, &c), NHI_ENOTFOUND);
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REINSTATE, NULL, NULL,
	    NULL, NULL), NHI_ESTATE);
	assert_non_null(strstr(err_text(NHI_ESTATE),
	    "cannot be reinstated after a replacement was issued"));
	/* Unknown card. */
	assert_int_equal(store_card_transition(f->st, 999, LC_EV_REINSTATE, NULL, NULL,
	    NULL, NULL), NHI_ENOTFOUND);
}

static void
test_joins_transaction(void **state)
{
	struct fixture *f = *state;
	struct store_card c;
	int64_t id = active_card(f, 2), n = events(f);

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_card_transition(f->st, id, LC_EV_REPORT_LOST, NULL, "holder",
	    "mail", NULL), 0);
	/* Still open: the caller commits or rolls back. */
	assert_int_equal(store_begin(f->st), NHI_EINTERNAL);
	store_rollback(f->st);
	assert_int_equal(store_card_get(f->st, id, &c), 0);
	assert_string_equal(c.state, "active");
	assert_int_equal(events(f), n);
}

static void
test_one_active_key(void **state)
{
	struct fixture *f = *state;
	struct store_card c;
	int64_t a = active_card(f, 3), b;

	assert_int_equal(store_card_transition(f->st, a, LC_EV_REPORT_LOST, NULL, NULL, NULL,
	    NULL), 0);
	b = active_card(f, 4);
	assert_int_equal(store_card_transition(f->st, a, LC_EV_REINSTATE, NULL, NULL, NULL,
	    NULL), NHI_ESTATE);
	assert_non_null(strstr(err_text(NHI_ESTATE), "one active NHI key at a time"));
	assert_int_equal(store_card_get(f->st, a, &c), 0);
	assert_string_equal(c.state, "suspended");
	assert_int_equal(store_card_active_for_resident(f->st, f->resident, &c), 0);
	assert_int_equal(c.id, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_joins_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_active_key, setup, teardown),
	};
	return cmocka_run_group_tests_name("lifecycle-store", tests, NULL, NULL);
}

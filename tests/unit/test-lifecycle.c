/* Unit tests of the card life cycle (rules-lifecycle.c): every (state,
 * reason) x event pair of the whole matrix, against the transitions
 * docs/lifecycle.md allows, written out here on their own; everything else
 * must be refused with NHI_ESTATE and a reason naming the card. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "lifecycle.h"

struct from {
	const char	*state, *reason;
};

/* Every state a record can be in, with the reasons suspended and revoked
 * records carry. */
static const struct from froms[] = {
	{ "personalizing", "" }, { "unfinished", "" }, { "active", "" },
	{ "suspended", "lost" },
	{ "revoked", "lost" }, { "revoked", "stolen" }, { "revoked", "damaged" },
	{ "revoked", "died" }, { "revoked", "eligibility_ended" },
	{ "revoked", "replaced" }, { "revoked", "abandoned" },
};

static const char *const events[] = {
	"personalize_restart", "personalize_failed", "activated", "report_lost",
	"revoke_stolen", "revoke_damaged", "revoke_died", "revoke_eligibility_ended",
	"replace", "reinstate", "personalize_abandoned",
};

/* The allowed transitions, as docs/lifecycle.md lists them. to_reason
 * "*" means: the caller's own text is kept (NULL). */
struct allowed {
	const char	*state, *reason, *event, *to, *to_reason;
};

static const struct allowed allowed[] = {
	{ "personalizing", "", "personalize_restart", "personalizing", "*" },
	{ "unfinished", "", "personalize_restart", "personalizing", "*" },
	{ "personalizing", "", "personalize_failed", "unfinished", "*" },
	{ "unfinished", "", "personalize_failed", "unfinished", "*" },
	{ "personalizing", "", "activated", "active", "" },
	{ "unfinished", "", "activated", "active", "" },
	{ "personalizing", "", "personalize_abandoned", "revoked", "abandoned" },
	{ "unfinished", "", "personalize_abandoned", "revoked", "abandoned" },
	{ "active", "", "report_lost", "suspended", "lost" },
	{ "active", "", "revoke_stolen", "revoked", "stolen" },
	{ "active", "", "revoke_damaged", "revoked", "damaged" },
	{ "active", "", "revoke_died", "revoked", "died" },
	{ "active", "", "revoke_eligibility_ended", "revoked", "eligibility_ended" },
	{ "suspended", "lost", "revoke_stolen", "revoked", "stolen" },
	{ "suspended", "lost", "revoke_damaged", "revoked", "damaged" },
	{ "suspended", "lost", "revoke_died", "revoked", "died" },
	{ "suspended", "lost", "revoke_eligibility_ended", "revoked", "eligibility_ended" },
	{ "suspended", "lost", "replace", "revoked", "replaced" },
	{ "revoked", "lost", "replace", "revoked", "replaced" },
	{ "revoked", "stolen", "replace", "revoked", "replaced" },
	{ "revoked", "damaged", "replace", "revoked", "replaced" },
	{ "suspended", "lost", "reinstate", "active", "" },
	{ "revoked", "lost", "reinstate", "active", "" },
};

static const struct allowed *
find_allowed(const struct from *f, const char *event)
{
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(allowed[i].state, f->state) == 0 &&
		    strcmp(allowed[i].reason, f->reason) == 0 &&
		    strcmp(allowed[i].event, event) == 0)
			return &allowed[i];
	return NULL;
}

static void
test_matrix(void **state)
{
	const struct allowed *a;
	const char *to, *to_reason;
	size_t i, j, n_ok = 0, n_refused = 0;
	int r;

	(void)state;
	for (i = 0; i < sizeof(froms) / sizeof(froms[0]); i++) {
		for (j = 0; j < sizeof(events) / sizeof(events[0]); j++) {
			a = find_allowed(&froms[i], events[j]);
			to = to_reason = "untouched";
			err_clear();
			r = lifecycle_next(7, froms[i].state, froms[i].reason, events[j],
			    &to, &to_reason);
			if (a != NULL) {
				if (r != 0)
					fail_msg("%s(%s) --%s--> refused: %s", froms[i].state,
					    froms[i].reason, events[j], err_text(r));
				assert_string_equal(to, a->to);
				if (strcmp(a->to_reason, "*") == 0)
					assert_null(to_reason);
				else {
					assert_non_null(to_reason);
					assert_string_equal(to_reason, a->to_reason);
				}
				n_ok++;
			} else {
				if (r != NHI_ESTATE)
					fail_msg("%s(%s) --%s--> %s: expected a refusal",
					    froms[i].state, froms[i].reason, events[j],
					    r == 0 ? to : nhi_errname(r));
				/* The clerk is told which card and in what state. */
				assert_non_null(strstr(err_text(r), "card 7 is "));
				assert_non_null(strstr(err_text(r), froms[i].state));
				/* Outputs untouched on refusal. */
				assert_string_equal(to, "untouched");
				n_refused++;
			}
		}
	}
	assert_int_equal(n_ok, sizeof(allowed) / sizeof(allowed[0]));
	assert_int_equal(n_ok + n_refused, 121);
	assert_int_equal(n_refused, 98);
}

static void
test_messages(void **state)
{
	const char *to, *to_reason;

	(void)state;
	assert_int_equal(lifecycle_next(7, "revoked", "replaced", "reinstate", &to,
	    &to_reason), NHI_ESTATE);
	assert_string_equal(err_text(NHI_ESTATE), "card 7 is revoked (replaced); it cannot"
	    " be reinstated after a replacement was issued");
	assert_int_equal(lifecycle_next(9, "revoked", "stolen", "reinstate", &to,
	    &to_reason), NHI_ESTATE);
	assert_string_equal(err_text(NHI_ESTATE), "card 9 is revoked (stolen); only a card"
	    " reported lost (suspended) can be reinstated");
	assert_int_equal(lifecycle_next(3, "active", "", "replace", &to, &to_reason),
	    NHI_ESTATE);
	assert_non_null(strstr(err_text(NHI_ESTATE), "before a replacement"));
	assert_int_equal(lifecycle_next(4, "unfinished", "CARD_REMOVED: card was removed",
	    "report_lost", &to, &to_reason), NHI_ESTATE);
	/* An unfinished record's failure text is not a revocation reason. */
	assert_null(strstr(err_text(NHI_ESTATE), "CARD_REMOVED"));
	assert_non_null(strstr(err_text(NHI_ESTATE), "never issued"));
	/* ... and does not stand in the way of a restart. */
	assert_int_equal(lifecycle_next(4, "unfinished", "CARD_REMOVED: x",
	    "personalize_restart", &to, &to_reason), 0);
	assert_string_equal(to, "personalizing");
}

static void
test_unknown(void **state)
{
	const char *to, *to_reason;

	(void)state;
	assert_int_equal(lifecycle_next(1, "lost", "", "reinstate", &to, &to_reason),
	    NHI_EUSAGE);
	assert_non_null(strstr(err_text(NHI_EUSAGE), "unknown card state 'lost'"));
	assert_int_equal(lifecycle_next(1, "active", "", "explode", &to, &to_reason),
	    NHI_EUSAGE);
	assert_non_null(strstr(err_text(NHI_EUSAGE), "unknown card event 'explode'"));
	assert_int_equal(lifecycle_next(1, NULL, "", "reinstate", &to, &to_reason),
	    NHI_EUSAGE);
}

static void
test_revoke_event(void **state)
{
	size_t i;

	(void)state;
	assert_string_equal(lifecycle_revoke_event("lost"), "report_lost");
	assert_string_equal(lifecycle_revoke_event("stolen"), "revoke_stolen");
	assert_string_equal(lifecycle_revoke_event("eligibility_ended"),
	    "revoke_eligibility_ended");
	assert_string_equal(lifecycle_revoke_event("replaced"), "replace");
	assert_null(lifecycle_revoke_event("misplaced"));
	assert_null(lifecycle_revoke_event(NULL));
	/* Every reason has an event, and every event is known to the table. */
	for (i = 0; lifecycle_reasons[i] != NULL; i++)
		assert_non_null(lifecycle_revoke_event(lifecycle_reasons[i]));
	for (i = 0; lifecycle_events[i] != NULL; i++)
		assert_string_equal(lifecycle_events[i], events[i]);
	assert_int_equal(i, sizeof(events) / sizeof(events[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_revoke_event),
	};
	return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}

/*
 * test-hooks-off: the test hooks are compiled out of a production build
 * (issue 16 item 10). This program is built from the hooks' own sources
 * without --enable-test-hooks' define: with NHICARD_TEST_CRASH_AT naming
 * the point, the hooks must return instead of ending the process.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "batch.h"
#include "queue.h"
#include "util.h"

static void
test_crash_points_are_inert(void **state)
{
	(void)state;
	assert_int_equal(NHI_TEST_HOOKS, 0);
	assert_int_equal(setenv("NHICARD_TEST_CRASH_AT", "queue.export.before_commit", 1), 0);
	queue_test_crash("queue.export.before_commit");	/* would _exit(99) */
	assert_int_equal(setenv("NHICARD_TEST_CRASH_AT", "batch:renew.prepare:1", 1), 0);
	batch_test_crash("renew.prepare");			/* would _exit(99) */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_points_are_inert),
	};

	return cmocka_run_group_tests_name("hooks-off", tests, NULL, NULL);
}

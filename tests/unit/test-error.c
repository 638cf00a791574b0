/* Unit tests of the error table and error detail. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bgcall.h"
#include "error.h"

static void
test_codes_are_negative_and_distinct(void **state)
{
	assert_int_equal(NHI_EOK, 0);
	assert_true(NHI_EUSAGE < 0);
	assert_true(NHI_ENOMEM < NHI_EUSAGE);
	assert_string_equal(nhi_errname(NHI_ENOMEM), "NOMEM");
	assert_string_equal(nhi_strerror(NHI_ENOSPACE), "disk full");
}

static void
test_exit_classes(void **state)
{
	assert_int_equal(nhi_exit_code(NHI_EOK), 0);
	assert_int_equal(nhi_exit_code(NHI_EUSAGE), 2);
	assert_int_equal(nhi_exit_code(NHI_EPARSE), 3);
	assert_int_equal(nhi_exit_code(NHI_ESTORE_VERSION), 3);
	assert_int_equal(nhi_exit_code(NHI_ENO_READER), 4);
	assert_int_equal(nhi_exit_code(NHI_ENO_SERVICE), 4);
	assert_int_equal(nhi_exit_code(NHI_ENOFILE), 5);
	assert_int_equal(nhi_exit_code(NHI_EINTERNAL), 6);
	assert_int_equal(nhi_exit_code(NHI_EMISMATCH), 1);
	/* An out-of-table code is an internal error, never success. */
	assert_int_equal(nhi_exit_code(-9999), 6);
	assert_int_equal(nhi_exit_code(12345), 6);
}

static void
test_detail_follows_code(void **state)
{
	int r;

	err_clear();
	assert_null(err_detail());
	assert_string_equal(err_text(NHI_EPARSE), "malformed input");
	r = err_set(NHI_EPARSE, "%s:%d: field %s", "x.csv", 12, "birth_date");
	assert_int_equal(r, NHI_EPARSE);
	assert_string_equal(err_text(NHI_EPARSE), "x.csv:12: field birth_date");
	/* Detail of another code is not shown for this one. */
	assert_string_equal(err_text(NHI_EIO), "input/output error");
	r = err_wrap(NHI_EPARSE, "import %s: ", "full");
	assert_string_equal(err_detail(), "import full: x.csv:12: field birth_date");
	err_clear();
	r = err_wrap(NHI_EIO, "reading: ");
	assert_string_equal(err_detail(), "reading: input/output error");
}

/* bgcall: the worker's result and detail reach the joiner's thread. */
struct bg_arg {
	int		 ret;
	const char	*reason;
	pthread_t	 ran_on;
};

static int
bg_fn(void *p)
{
	struct bg_arg *a = p;

	a->ran_on = pthread_self();
	if (a->ret == 0)
		return 0;
	err_set(a->ret, "store x.db: user number already taken (try %d)", 5);
	if (a->reason != NULL)
		err_reason(a->ret, a->reason);
	return a->ret;
}

static void
test_bgcall_carries_error(void **state)
{
	struct bgcall bg;
	struct bg_arg a = { NHI_EDUPLICATE, "law.lost", 0 };
	int inline_only;

	(void)state;
	for (inline_only = 0; inline_only <= 1; inline_only++) {
		err_clear();
		bgcall_start(&bg, bg_fn, &a, inline_only);
		/* nothing of the worker's reaches this thread before the join */
		if (!inline_only)
			assert_null(err_detail());
		assert_int_equal(bgcall_join(&bg), NHI_EDUPLICATE);
		assert_int_equal(err_last(), NHI_EDUPLICATE);
		assert_string_equal(err_text(NHI_EDUPLICATE),
		    "store x.db: user number already taken (try 5)");
		assert_string_equal(err_reason_of(NHI_EDUPLICATE), "law.lost");
		assert_int_equal(pthread_equal(a.ran_on, pthread_self()) != 0, inline_only);
		/* joined again: the same result, no second wait */
		assert_int_equal(bgcall_join(&bg), NHI_EDUPLICATE);
	}
}

static void
test_bgcall_success_and_idle(void **state)
{
	struct bgcall bg;
	struct bg_arg a = { 0, NULL, 0 };

	(void)state;
	memset(&bg, 0, sizeof(bg));
	assert_int_equal(bgcall_join(&bg), 0);	/* never started */
	err_set(NHI_EIO, "an earlier error of this thread");
	bgcall_start(&bg, bg_fn, &a, 0);
	assert_int_equal(bgcall_join(&bg), 0);
	assert_int_equal(pthread_equal(a.ran_on, pthread_self()), 0);
	/* a success leaves this thread's detail alone */
	assert_string_equal(err_text(NHI_EIO), "an earlier error of this thread");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_are_negative_and_distinct),
		cmocka_unit_test(test_exit_classes),
		cmocka_unit_test(test_detail_follows_code),
		cmocka_unit_test(test_bgcall_carries_error),
		cmocka_unit_test(test_bgcall_success_and_idle),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}

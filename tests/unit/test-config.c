/* Unit tests of the configuration parser. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "nhiconf.h"

static int
parse(struct config *cfg, const char *text)
{
	return config_parse(cfg, "t.conf", text, strlen(text));
}

static void
test_sections_and_values(void **state)
{
	struct config *cfg = config_new();
	long n;

	assert_int_equal(parse(cfg,
	    "# station\n"
	    "top = 1\n"
	    "[store]\n"
	    "path = /var/lib/nhicard/x.db   \n"
	    "\n"
	    "[card]\r\n"
	    "reader = \"  Virtual PCD 00 00 \"\r\n"
	    "retries=3\n"), 0);
	assert_string_equal(config_get(cfg, "top", NULL), "1");
	assert_string_equal(config_get(cfg, "store.path", NULL), "/var/lib/nhicard/x.db");
	assert_string_equal(config_get(cfg, "card.reader", NULL), "  Virtual PCD 00 00 ");
	assert_string_equal(config_get(cfg, "card.nothing", "def"), "def");
	assert_int_equal(config_get_int(cfg, "card.retries", 1, 0, 10, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(config_get_int(cfg, "card.absent", 7, 0, 10, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(config_get_int(cfg, "card.retries", 1, 5, 10, &n), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "card.retries"));
	assert_int_equal(config_get_int(cfg, "store.path", 1, 0, 10, &n), NHI_ECONFIG);
	assert_int_equal(config_count(cfg), 4);
	config_free(cfg);
}

static void
test_errors_name_the_line(void **state)
{
	static const struct { const char *text, *detail; } cases[] = {
		{ "a = 1\nno equals\n", "t.conf:2: expected 'key = value'" },
		{ "[bad section\n", "t.conf:1: bad section header" },
		{ "[]\n", "t.conf:1: bad section header" },
		{ "[s]\nk = 1\nk = 2\n", "t.conf:3: s.k: key given twice" },
		{ "x = \"open\n", "t.conf:1: x: unterminated quote" },
		{ "bad key = 1\n", "t.conf:1: bad key name" },
		{ " = 1\n", "t.conf:1: bad key name" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg = config_new();
		assert_int_equal(parse(cfg, cases[i].text), NHI_ECONFIG);
		assert_string_equal(err_detail(), cases[i].detail);
		config_free(cfg);
	}
}

static void
test_nul_byte_rejected(void **state)
{
	struct config *cfg = config_new();
	static const char text[] = "a = 1\nb = x\0y\n";

	assert_int_equal(config_parse(cfg, "t.conf", text, sizeof(text) - 1), NHI_ECONFIG);
	assert_string_equal(err_detail(), "t.conf:2: NUL byte in line");
	config_free(cfg);
}

static void
test_missing_file(void **state)
{
	struct config *cfg = config_new();

	assert_int_equal(config_load(cfg, "/nonexistent/nhicard.conf"), NHI_ENOFILE);
	assert_non_null(strstr(err_detail(), "/nonexistent/nhicard.conf"));
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_and_values),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_nul_byte_rejected),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

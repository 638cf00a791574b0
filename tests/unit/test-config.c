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

/* Inline comments (the sample configuration has them, issue 19): a '#'
 * after a blank ends the value; one inside a word stays; a quoted value
 * keeps its '#' and may be followed by a comment. */
static void
test_inline_comments(void **state)
{
	struct config *cfg = config_new();

	assert_int_equal(parse(cfg,
	    "[validity]\n"
	    "renewal = 07-31                # MM-DD renewal day\n"
	    "cycle = 1\t# tab before\n"
	    "[queue]\n"
	    "fingerprint = D3:E2#F0\n"
	    "name = \"a # b\"   # quoted\n"
	    "empty = # nothing\n"), 0);
	assert_string_equal(config_get(cfg, "validity.renewal", NULL), "07-31");
	assert_string_equal(config_get(cfg, "validity.cycle", NULL), "1");
	assert_string_equal(config_get(cfg, "queue.fingerprint", NULL), "D3:E2#F0");
	assert_string_equal(config_get(cfg, "queue.name", NULL), "a # b");
	assert_string_equal(config_get(cfg, "queue.empty", NULL), "");
	config_free(cfg);
	cfg = config_new();
	assert_int_equal(parse(cfg, "x = \"a\" b\n"), NHI_ECONFIG);
	assert_string_equal(err_detail(), "t.conf:1: x: text after the closing quote");
	config_free(cfg);
}

/* An error about a key's value, raised far from the parser, is given the
 * key's file and line; a missing key the file. */
static void
test_errors_name_file_and_line(void **state)
{
	struct config *cfg = config_new();
	long n;

	assert_int_equal(parse(cfg, "[a]\nx = 1\n\n[validity]\nrenewal = 13-40\n"), 0);
	assert_string_equal(config_origin(cfg, "validity.renewal"), "t.conf:5");
	err_set(NHI_ECONFIG, "validity.renewal: '13-40' is not MM-DD");
	assert_int_equal(config_error_where(cfg, NHI_ECONFIG), NHI_ECONFIG);
	assert_string_equal(err_detail(), "t.conf:5: validity.renewal: '13-40' is not MM-DD");
	assert_int_equal(config_get_int(cfg, "a.x", 1, 5, 10, &n), NHI_ECONFIG);
	config_error_where(cfg, NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "t.conf:2: "));
	/* a key the file does not hold, parsed from memory (no file): unchanged */
	err_set(NHI_ECONFIG, "queue.center_url is not set");
	config_error_where(cfg, NHI_ECONFIG);
	assert_string_equal(err_detail(), "queue.center_url is not set");
	config_free(cfg);
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
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

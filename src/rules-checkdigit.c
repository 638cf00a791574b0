/*
 * rules-checkdigit.c: check digits of the numbers printed on certificates.
 *
 *   保険者番号 (insurer number): 6 digits for NHI (prefecture 2 + insurer 3 +
 *   check) or 8 digits (law code 2 + prefecture 2 + insurer 3 + check).
 *   公費負担者番号 (public-expense payer number): 8 digits, same layout.
 *   Both use the modulus-10 rule: weights 2,1,2,1,... starting from the
 *   digit just before the check digit, the digits of two-digit products are
 *   added, check = (10 - sum % 10) % 10. It catches every single-digit error.
 *
 *   全国地方公共団体コード (municipality code): 5 digits + check; weights
 *   6,5,4,3,2; r = sum mod 11; check = last digit of (11 - r). Because r = 0
 *   and r = 10 both give 1, a few single-digit errors go unnoticed by design.
 *
 * Source: docs/rules.md; the examples of domain.md are the unit tests.
 * Only ASCII digits are accepted: full-width digits must be normalized by
 * the caller (the importer) first, so that what is stored is what was checked.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "rules.h"

/* 1 if s holds exactly n ASCII digits. */
static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[n] == '\0';
}

/* The modulus-10 check digit of the n digits at body. */
static int
mod10_digit(const char *body, size_t n)
{
	int sum = 0, w = 2, p;
	size_t i;

	for (i = n; i > 0; i--) {
		p = (body[i - 1] - '0') * w;
		sum += p / 10 + p % 10;
		w = w == 2 ? 1 : 2;
	}
	return (10 - sum % 10) % 10;
}

static int
mod11_digit(const char *body)
{
	static const int weights[5] = { 6, 5, 4, 3, 2 };
	int sum = 0, i;

	for (i = 0; i < 5; i++)
		sum += (body[i] - '0') * weights[i];
	return (11 - sum % 11) % 10;
}

static int
prefecture_ok(const char *two)
{
	int p = (two[0] - '0') * 10 + (two[1] - '0');

	return p >= 1 && p <= 47;
}

/* Common body of the two mod-10 numbers; `what` names the field. */
static int
check_mod10_number(const char *s, const char *what, int allow6)
{
	size_t len;
	const char *pref;
	int want;

	if (s == NULL)
		return err_set(NHI_EPARSE, "%s: missing", what);
	len = strlen(s);
	if (!((len == 8 || (allow6 && len == 6)) && all_digits(s, len)))
		return err_set(NHI_EPARSE, "%s '%.16s': expected %s ASCII digits",
		    what, s, allow6 ? "6 or 8" : "8");
	pref = len == 6 ? s : s + 2;
	if (!prefecture_ok(pref))
		return err_set(NHI_ERANGE, "%s %s: prefecture code %.2s is not "
		    "01-47", what, s, pref);
	want = mod10_digit(s, len - 1);
	if (s[len - 1] - '0' != want)
		return err_set(NHI_ECHECKDIGIT, "%s %s: check digit should be %d",
		    what, s, want);
	return 0;
}

int
rules_insurer_number_check(const char *s)
{
	return check_mod10_number(s, "insurer number", 1);
}

int
rules_payer_number_check(const char *s)
{
	return check_mod10_number(s, "payer number", 0);
}

int
rules_municipality_code_check(const char *s)
{
	int want;

	if (s == NULL)
		return err_set(NHI_EPARSE, "municipality code: missing");
	if (strlen(s) != 6 || !all_digits(s, 6))
		return err_set(NHI_EPARSE, "municipality code '%.16s': expected "
		    "6 ASCII digits", s);
	if (!prefecture_ok(s))
		return err_set(NHI_ERANGE, "municipality code %s: prefecture "
		    "code %.2s is not 01-47", s, s);
	want = mod11_digit(s);
	if (s[5] - '0' != want)
		return err_set(NHI_ECHECKDIGIT, "municipality code %s: check "
		    "digit should be %d", s, want);
	return 0;
}

int
rules_mod10_checkdigit(const char *body, int *digit)
{
	size_t len;

	if (body == NULL)
		return err_set(NHI_EPARSE, "check digit: missing number");
	len = strlen(body);
	if (len == 0 || len > 32 || !all_digits(body, len))
		return err_set(NHI_EPARSE, "check digit: '%.16s' is not 1-32 "
		    "ASCII digits", body);
	*digit = mod10_digit(body, len);
	return 0;
}

int
rules_municipality_checkdigit(const char *body, int *digit)
{
	if (body == NULL)
		return err_set(NHI_EPARSE, "check digit: missing municipality code");
	if (strlen(body) != 5 || !all_digits(body, 5))
		return err_set(NHI_EPARSE, "check digit: municipality code "
		    "'%.16s' is not 5 ASCII digits", body);
	*digit = mod11_digit(body);
	return 0;
}

/*
 * rules.h: the rules layer: pure functions with no I/O. Check digits, dates
 * and Japanese eras, validity ends, which card a person may get, fees, and
 * the sanity checks on imported eligibility. Everything here is table-driven
 * tested (tests/unit/test-rules-*.c) and configurable where the law changed.
 */
#ifndef NHI_RULES_H
#define NHI_RULES_H

#include <stddef.h>
#include <stdint.h>

/* A calendar date (proleptic Gregorian). */
struct nhi_date {
	int	y, m, d;
};

/* ---- Dates (rules-date.c) -------------------------------------------- */

/* Parse "YYYY-MM-DD" (also "YYYYMMDD"); 0 or NHI_EPARSE / NHI_ERANGE. */
int	date_parse(const char *s, struct nhi_date *out);
/* Format as "YYYY-MM-DD" into buf (at least 11 bytes). */
void	date_format(const struct nhi_date *d, char *buf, size_t len);
/* 1 if d is a real calendar date between 1868-01-01 and 2200-12-31. */
int	date_valid(const struct nhi_date *d);
/* <0, 0, >0 like strcmp. */
int	date_cmp(const struct nhi_date *a, const struct nhi_date *b);
/* Age in whole years on `on`; born on Feb 29, one turns a year older on Mar 1
 * in common years (the civil-law rule counts the day before the birthday;
 * see rules-date.c). */
int	date_age(const struct nhi_date *birth, const struct nhi_date *on);

/* ---- Check digits (rules-checkdigit.c) ------------------------------- */

/*
 * 保険者番号: 6 digits (NHI) or 8 digits, last digit the check digit.
 * Returns 0, NHI_EPARSE (not 6 or 8 digits) or NHI_ECHECKDIGIT.
 */
int	rules_insurer_number_check(const char *s);
/* 公費負担者番号: 8 digits, same rule. */
int	rules_payer_number_check(const char *s);
/* 全国地方公共団体コード: 6 digits (5 + check). */
int	rules_municipality_code_check(const char *s);

#endif

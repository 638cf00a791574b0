/*
 * rules-date.c: calendar dates for the rules layer: parsing and formatting
 * ISO dates, validity, comparison, ages and the day arithmetic the validity
 * rules need. Pure functions (no I/O, no clock): "today" is always an
 * argument.
 *
 * Days are counted from 1970-01-01 with the proleptic Gregorian calendar
 * (Hinnant's days_from_civil algorithm), which is exact for the whole range
 * date_valid() accepts (1868-01-01 .. 2200-12-31).
 *
 * Ages follow 年齢計算ニ関スル法律 and 民法 143: one reaches an age at the end of
 * the day before the birthday, so the rules that say "the day one reaches N"
 * (18歳に達する日, 70歳に達する日) use date_reach_age(), and plain "age on a
 * day" counts a birthday as reached on the birthday itself (a person born on
 * Feb 29 is a year older from Mar 1 in common years).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "rules.h"

#define DATE_MIN_YEAR	1868
#define DATE_MAX_YEAR	2200

int
date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
date_days_in_month(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && date_is_leap(y))
		return 29;
	return days[m - 1];
}

int
date_valid(const struct nhi_date *d)
{
	if (d == NULL || d->y < DATE_MIN_YEAR || d->y > DATE_MAX_YEAR)
		return 0;
	if (d->m < 1 || d->m > 12)
		return 0;
	return d->d >= 1 && d->d <= date_days_in_month(d->y, d->m);
}

static int
parse_digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
date_parse(const char *s, struct nhi_date *out)
{
	struct nhi_date d;
	size_t len;
	int ok;

	if (s == NULL)
		return err_set(NHI_EPARSE, "date: missing");
	len = strlen(s);
	if (len == 10 && s[4] == '-' && s[7] == '-')
		ok = parse_digits(s, 4, &d.y) == 0 &&
		    parse_digits(s + 5, 2, &d.m) == 0 &&
		    parse_digits(s + 8, 2, &d.d) == 0;
	else if (len == 8)
		ok = parse_digits(s, 4, &d.y) == 0 &&
		    parse_digits(s + 4, 2, &d.m) == 0 &&
		    parse_digits(s + 6, 2, &d.d) == 0;
	else
		ok = 0;
	if (!ok)
		return err_set(NHI_EPARSE,
		    "date '%.32s': expected YYYY-MM-DD or YYYYMMDD", s);
	if (!date_valid(&d))
		return err_set(NHI_ERANGE, "date '%s': no such day between "
		    "1868-01-01 and 2200-12-31", s);
	*out = d;
	return 0;
}

void
date_format(const struct nhi_date *d, char *buf, size_t len)
{
	char t[11];
	int y, m, dd;
	size_t n;

	if (len == 0)
		return;
	/* Clamp so that even a garbage date prints in 10 characters. Written
	 * digit by digit: an import formats several dates a line. */
	y = d->y < 0 ? 0 : d->y % 10000;
	m = d->m < 0 ? 0 : d->m % 100;
	dd = d->d < 0 ? 0 : d->d % 100;
	t[0] = (char)('0' + y / 1000);
	t[1] = (char)('0' + y / 100 % 10);
	t[2] = (char)('0' + y / 10 % 10);
	t[3] = (char)('0' + y % 10);
	t[4] = '-';
	t[5] = (char)('0' + m / 10);
	t[6] = (char)('0' + m % 10);
	t[7] = '-';
	t[8] = (char)('0' + dd / 10);
	t[9] = (char)('0' + dd % 10);
	t[10] = '\0';
	n = len - 1 < 10 ? len - 1 : 10;
	memcpy(buf, t, n);
	buf[n] = '\0';
}

int
date_cmp(const struct nhi_date *a, const struct nhi_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int
date_age(const struct nhi_date *birth, const struct nhi_date *on)
{
	int age = on->y - birth->y;

	if (on->m < birth->m || (on->m == birth->m && on->d < birth->d))
		age--;
	return age;
}

long
date_to_days(const struct nhi_date *d)
{
	long y = d->y - (d->m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d->m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d->d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
date_from_days(long days, struct nhi_date *out)
{
	long z = days + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;

	out->y = (int)(yoe + era * 400 + (m <= 2));
	out->m = (int)m;
	out->d = (int)d;
}

void
date_add_days(const struct nhi_date *d, long n, struct nhi_date *out)
{
	date_from_days(date_to_days(d) + n, out);
}

void
date_add_months(const struct nhi_date *d, int n, struct nhi_date *out)
{
	long total = (long)d->y * 12 + (d->m - 1) + n;
	struct nhi_date r;
	int last;

	r.y = (int)(total >= 0 ? total / 12 : (total - 11) / 12);
	r.m = (int)(total - (long)r.y * 12) + 1;
	last = date_days_in_month(r.y, r.m);
	r.d = d->d > last ? last : d->d;
	*out = r;
}

void
date_last_of_month(const struct nhi_date *d, struct nhi_date *out)
{
	struct nhi_date r = *d;

	r.d = date_days_in_month(r.y, r.m);
	*out = r;
}

void
date_first_of_next_month(const struct nhi_date *d, struct nhi_date *out)
{
	struct nhi_date r = { d->y, d->m + 1, 1 };

	if (r.m > 12) {
		r.m = 1;
		r.y++;
	}
	*out = r;
}

int
date_weekday(const struct nhi_date *d)
{
	long days = date_to_days(d);

	/* 1970-01-01 was a Thursday (4). */
	return (int)(((days % 7) + 7 + 4) % 7);
}

void
date_birthday(const struct nhi_date *birth, int years, struct nhi_date *out)
{
	struct nhi_date r = { birth->y + years, birth->m, birth->d };

	/* Feb 29 in a common year: the person is that age from Mar 1. */
	if (r.m == 2 && r.d == 29 && !date_is_leap(r.y)) {
		r.m = 3;
		r.d = 1;
	}
	*out = r;
}

void
date_reach_age(const struct nhi_date *birth, int years, struct nhi_date *out)
{
	struct nhi_date b;

	date_birthday(birth, years, &b);
	date_add_days(&b, -1, out);
}

void
date_period_end(const struct nhi_date *from, int months, struct nhi_date *out)
{
	struct nhi_date target;

	date_add_months(from, months, &target);
	/* date_add_months clamps a missing day (Jan 31 + 1 month = Feb 28):
	 * then the period ends on that last day, otherwise the day before. */
	if (target.d != from->d)
		*out = target;
	else
		date_add_days(&target, -1, out);
}

int
date_months_between(const struct nhi_date *a, const struct nhi_date *b)
{
	int m = (b->y - a->y) * 12 + (b->m - a->m);

	/* A month counts once its day is reached; a shorter month counts as
	 * reached on its last day (Jan 31 -> Feb 28 is one month). */
	if (m > 0 && b->d < a->d && b->d < date_days_in_month(b->y, b->m))
		m--;
	else if (m < 0 && b->d > a->d && a->d < date_days_in_month(a->y, a->m))
		m++;
	return m;
}

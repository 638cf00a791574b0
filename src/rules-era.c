/*
 * rules-era.c: Japanese era (元号) dates as certificates print them
 * ("令和元年5月1日", "令和7年11月24日") and as receipt systems code them
 * (GYYMMDD: era code 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, then two-digit
 * year, month and day).
 *
 * Era starts (domain.md): 明治 1868-10-23, counted from 1868-01-01 for year
 * numbering (the era was proclaimed retroactively to the start of the year,
 * so every date this program accepts is at least 明治元年); 大正 1912-07-30;
 * 昭和 1926-12-25; 平成 1989-01-08; 令和 2019-05-01. An era ends the day
 * before the next begins, so 1989-01-07 is 昭和64年1月7日 and 1989-01-08 is
 * 平成元年1月8日. The first year of an era is written 元年.
 *
 * Parsing is strict: a date outside its era (平成32年, 平成31年5月1日,
 * 昭和64年1月8日) is NHI_ERANGE, never silently moved to the next era.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "rules.h"

struct era_info {
	int		 code;		/* GYYMMDD era code */
	const char	*name;		/* UTF-8 kanji */
	char		 letter;	/* M T S H R */
	int		 base;		/* Gregorian year of year 0 */
	struct nhi_date	 start;		/* first day counted in this era */
};

static const struct era_info eras[] = {
	{ NHI_ERA_MEIJI,  "明治", 'M', 1867, { 1868, 1, 1 } },
	{ NHI_ERA_TAISHO, "大正", 'T', 1911, { 1912, 7, 30 } },
	{ NHI_ERA_SHOWA,  "昭和", 'S', 1925, { 1926, 12, 25 } },
	{ NHI_ERA_HEISEI, "平成", 'H', 1988, { 1989, 1, 8 } },
	{ NHI_ERA_REIWA,  "令和", 'R', 2018, { 2019, 5, 1 } },
};
#define ERA_COUNT ((int)(sizeof(eras) / sizeof(eras[0])))

static const struct era_info *
era_find(int code)
{
	if (code < NHI_ERA_MEIJI || code > NHI_ERA_REIWA)
		return NULL;
	return &eras[code - NHI_ERA_MEIJI];
}

const char *
era_name(int era)
{
	const struct era_info *e = era_find(era);

	return e == NULL ? NULL : e->name;
}

int
era_from_date(const struct nhi_date *d, struct nhi_era_date *out)
{
	int i;

	if (!date_valid(d))
		return err_set(NHI_ERANGE, "era date: %04d-%02d-%02d is not a "
		    "day between 1868-01-01 and 2200-12-31", d->y, d->m, d->d);
	for (i = ERA_COUNT - 1; i > 0; i--)
		if (date_cmp(d, &eras[i].start) >= 0)
			break;
	out->era = eras[i].code;
	out->year = d->y - eras[i].base;
	out->m = d->m;
	out->d = d->d;
	return 0;
}

int
era_to_date(const struct nhi_era_date *e, struct nhi_date *out)
{
	const struct era_info *info = era_find(e->era);
	struct nhi_date d;

	if (info == NULL)
		return err_set(NHI_ERANGE, "era date: unknown era code %d "
		    "(1 明治 .. 5 令和)", e->era);
	if (e->year < 1 || e->year > 200)
		return err_set(NHI_ERANGE, "era date: %s has no year %d",
		    info->name, e->year);
	d.y = info->base + e->year;
	d.m = e->m;
	d.d = e->d;
	if (e->m < 1 || e->m > 12)
		return err_set(NHI_ERANGE, "era date %s%d年: no month %d",
		    info->name, e->year, e->m);
	if (!date_valid(&d))
		return err_set(NHI_ERANGE, "era date %s%d年%d月%d日: no such day",
		    info->name, e->year, e->m, e->d);
	if (date_cmp(&d, &info->start) < 0)
		return err_set(NHI_ERANGE, "era date %s%d年%d月%d日: before %s "
		    "began (%04d-%02d-%02d)", info->name, e->year, e->m, e->d,
		    info->name, info->start.y, info->start.m, info->start.d);
	if (e->era < NHI_ERA_REIWA &&
	    date_cmp(&d, &eras[e->era - NHI_ERA_MEIJI + 1].start) >= 0)
		return err_set(NHI_ERANGE, "era date %s%d年%d月%d日: after %s "
		    "ended (%s began %04d-%02d-%02d)", info->name, e->year,
		    e->m, e->d, info->name, eras[e->era].name,
		    eras[e->era].start.y, eras[e->era].start.m,
		    eras[e->era].start.d);
	*out = d;
	return 0;
}

/* Append the decimal n to buf at *pos, full-width if asked. */
static void
put_number(char *buf, size_t len, size_t *pos, int n, int fullwidth)
{
	char digits[16];
	size_t i;

	snprintf(digits, sizeof(digits), "%d", n);
	for (i = 0; digits[i] != '\0'; i++) {
		if (fullwidth) {
			/* U+FF10..U+FF19 */
			if (*pos + 3 < len) {
				buf[(*pos)++] = (char)0xef;
				buf[(*pos)++] = (char)0xbc;
				buf[(*pos)++] = (char)(0x90 + (digits[i] - '0'));
			} else
				*pos = len;
		} else if (*pos + 1 < len)
			buf[(*pos)++] = digits[i];
		else
			*pos = len;
	}
}

static void
put_text(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n < len) {
		memcpy(buf + *pos, s, n);
		*pos += n;
	} else
		*pos = len;
}

int
era_format(const struct nhi_date *d, unsigned flags, char *buf, size_t len)
{
	struct nhi_era_date e;
	size_t pos = 0;
	int r, fw = (flags & ERA_FMT_FULLWIDTH) != 0;

	if ((r = era_from_date(d, &e)) != 0)
		return r;
	if (len < ERA_FORMAT_MAX)
		return err_set(NHI_EINTERNAL, "era date: buffer of %zu bytes, "
		    "need %d", len, ERA_FORMAT_MAX);
	put_text(buf, len, &pos, era_name(e.era));
	if (e.year == 1 && !(flags & ERA_FMT_NO_GANNEN))
		put_text(buf, len, &pos, "元");
	else
		put_number(buf, len, &pos, e.year, fw);
	put_text(buf, len, &pos, "年");
	put_number(buf, len, &pos, e.m, fw);
	put_text(buf, len, &pos, "月");
	put_number(buf, len, &pos, e.d, fw);
	put_text(buf, len, &pos, "日");
	buf[pos < len ? pos : len - 1] = '\0';
	return 0;
}

/* ---- Parsing ---------------------------------------------------------- */

/* Skip ASCII blanks and U+3000 (ideographic space). */
static const char *
skip_blanks(const char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t')
			p++;
		else if (strncmp(p, "\xe3\x80\x80", 3) == 0)
			p += 3;
		else
			return p;
	}
}

/* One ASCII or full-width digit at *pp: its value, or -1. */
static int
take_digit(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;

	if (p[0] >= '0' && p[0] <= '9') {
		*pp += 1;
		return p[0] - '0';
	}
	if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 && p[2] <= 0x99) {
		*pp += 3;
		return p[2] - 0x90;
	}
	return -1;
}

/* 1 to 3 digits (or 元 if gannen_ok); -1 if none. */
static int
take_number(const char **pp, int gannen_ok)
{
	int v, n = 0, digit;

	if (gannen_ok && strncmp(*pp, "元", strlen("元")) == 0) {
		*pp += strlen("元");
		return 1;
	}
	v = 0;
	while (n < 4 && (digit = take_digit(pp)) >= 0) {
		v = v * 10 + digit;
		n++;
	}
	if (n == 0 || n > 3)
		return -1;
	return v;
}

static int
take_text(const char **pp, const char *text)
{
	size_t n = strlen(text);

	if (strncmp(*pp, text, n) != 0)
		return 0;
	*pp += n;
	return 1;
}

int
era_parse(const char *s, struct nhi_date *out)
{
	struct nhi_era_date e = { 0, 0, 0, 0 };
	const char *p;
	int i, kanji = 0, r;

	if (s == NULL)
		return err_set(NHI_EPARSE, "era date: missing");
	p = skip_blanks(s);
	for (i = 0; i < ERA_COUNT; i++) {
		if (take_text(&p, eras[i].name)) {
			e.era = eras[i].code;
			kanji = 1;
			break;
		}
		if (*p == eras[i].letter || *p == eras[i].letter + ('a' - 'A')) {
			e.era = eras[i].code;
			p++;
			break;
		}
	}
	if (e.era == 0)
		goto bad;
	p = skip_blanks(p);
	if ((e.year = take_number(&p, kanji)) < 0)
		goto bad;
	p = skip_blanks(p);
	if (kanji) {
		if (!take_text(&p, "年"))
			goto bad;
		p = skip_blanks(p);
		if ((e.m = take_number(&p, 0)) < 0)
			goto bad;
		p = skip_blanks(p);
		if (!take_text(&p, "月"))
			goto bad;
		p = skip_blanks(p);
		if ((e.d = take_number(&p, 0)) < 0)
			goto bad;
		p = skip_blanks(p);
		if (!take_text(&p, "日"))
			goto bad;
	} else {
		if (*p++ != '.')
			goto bad;
		if ((e.m = take_number(&p, 0)) < 0 || *p++ != '.')
			goto bad;
		if ((e.d = take_number(&p, 0)) < 0)
			goto bad;
	}
	p = skip_blanks(p);
	if (*p != '\0')
		goto bad;
	if ((r = era_to_date(&e, out)) != 0)
		return err_wrap(r, "'%.64s': ", s);
	return 0;
bad:
	return err_set(NHI_EPARSE, "era date '%.64s': expected like "
	    "令和7年11月24日, 令和元年5月1日 or R7.11.24", s);
}

/* ---- GYYMMDD ---------------------------------------------------------- */

int
era_gyymmdd_format(const struct nhi_date *d, char *buf, size_t len)
{
	struct nhi_era_date e;
	int r;

	if ((r = era_from_date(d, &e)) != 0)
		return r;
	if (len < 8)
		return err_set(NHI_EINTERNAL, "GYYMMDD: buffer of %zu bytes", len);
	if (e.year > 99)
		return err_set(NHI_ERANGE, "GYYMMDD: %s%d年 needs three year digits",
		    era_name(e.era), e.year);
	snprintf(buf, len, "%d%02d%02d%02d", e.era, e.year, e.m, e.d);
	return 0;
}

int
era_gyymmdd_parse(const char *s, struct nhi_date *out)
{
	struct nhi_era_date e;
	int i, r;

	if (s == NULL)
		return err_set(NHI_EPARSE, "GYYMMDD: missing");
	for (i = 0; i < 7; i++)
		if (s[i] < '0' || s[i] > '9')
			break;
	if (i != 7 || s[7] != '\0')
		return err_set(NHI_EPARSE, "GYYMMDD '%.16s': expected 7 ASCII "
		    "digits", s);
	e.era = s[0] - '0';
	e.year = (s[1] - '0') * 10 + (s[2] - '0');
	e.m = (s[3] - '0') * 10 + (s[4] - '0');
	e.d = (s[5] - '0') * 10 + (s[6] - '0');
	if ((r = era_to_date(&e, out)) != 0)
		return err_wrap(r, "GYYMMDD %s: ", s);
	return 0;
}

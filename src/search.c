/*
 * search.c: reading what a clerk types to find a resident (search.h), for
 * the command line and the screen alike.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "rules.h"
#include "search.h"
#include "text.h"

#define SEARCH_TEXT_MAX	256

/* Full-width ASCII (U+FF01-FF5E) to ASCII and U+3000 to a space; other
 * bytes as they are. Returns 0, or -1 when it does not fit. */
static int
fold_ascii(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	while (*p != '\0') {
		if (o + 4 >= cap)
			return -1;
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] != '\0') {
			unsigned cp = ((unsigned)(p[0] & 0x0F) << 12) |
			    ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				out[o++] = (char)(cp - 0xFF01 + 0x21);
				p += 3;
				continue;
			}
		}
		if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			out[o++] = ' ';
			p += 3;
			continue;
		}
		out[o++] = (char)*p++;
	}
	out[o] = '\0';
	return 0;
}

/* A 記号番号 as typed: full-width made ASCII, every dash a clerk's IME
 * gives (U+2010-2015, U+2212, U+30FC, U+FF70) '-', blanks dropped. */
static int
symbol_fold(const char *text, char *out, size_t cap)
{
	static const char *const dashes[] = {
		"\xe2\x80\x90", "\xe2\x80\x91", "\xe2\x80\x92", "\xe2\x80\x93",
		"\xe2\x80\x94", "\xe2\x80\x95", "\xe2\x88\x92", "\xe3\x83\xbc",
		"\xef\xbd\xb0",
	};
	char s[SEARCH_TEXT_MAX];
	const char *p;
	size_t o = 0, i;

	if (fold_ascii(text, s, sizeof(s)) != 0)
		return -1;
	for (p = s; *p != '\0'; ) {
		if (o + 2 >= cap)
			return -1;
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		for (i = 0; i < sizeof(dashes) / sizeof(dashes[0]); i++)
			if (strncmp(p, dashes[i], 3) == 0)
				break;
		if (i < sizeof(dashes) / sizeof(dashes[0])) {
			out[o++] = '-';
			p += 3;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return 0;
}

/* YYYY[-/.]M[-/.]D with the same separator twice: 0 and *d, else -1. */
static int
gregorian(const char *s, struct nhi_date *d)
{
	int y, m, dd, n = 0;
	char s1, s2;

	if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &s1, &m, &s2, &dd, &n) != 5 || s[n] != '\0' ||
	    s1 != s2 || strchr("-/.", s1) == NULL || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[3]) || isdigit((unsigned char)s[4]))
		return -1;
	d->y = y;
	d->m = m;
	d->d = dd;
	return 0;
}

/* Shaped like a date: digits and separators only, or an era letter or
 * name before a digit. */
static int
date_shaped(const char *s)
{
	static const char *const names[] = { "明治", "大正", "昭和", "平成", "令和" };
	size_t i;

	/* S55.4.1: an era letter, then digits and dots only (not S1-7). */
	if (s[0] != '\0' && strchr("MTSHRmtshr", s[0]) != NULL && isdigit((unsigned char)s[1]) &&
	    strspn(s + 1, "0123456789.") == strlen(s + 1) && strchr(s, '.') != NULL)
		return 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(s, names[i], strlen(names[i])) == 0)
			return 1;
	/* YYYY?M?D with one kind of separator, or YYYYMMDD; not 12-345. */
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8)
		return 1;
	if (strspn(s, "0123456789") != 4 || strchr("-/.", s[4]) == NULL || s[4] == '\0')
		return 0;
	for (i = 5; s[i] != '\0' && (isdigit((unsigned char)s[i]) || s[i] == s[4]); i++)
		;
	return s[i] == '\0' && strchr(s + 5, s[4]) != NULL;
}

int
search_date_parse(const char *text, char out[11])
{
	char s[SEARCH_TEXT_MAX];
	struct nhi_date d;
	size_t b, e;

	if (fold_ascii(text, s, sizeof(s)) != 0)
		return NHI_EPARSE;
	for (b = 0; s[b] == ' ' || s[b] == '\t'; b++)
		;
	for (e = strlen(s); e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--)
		;
	s[e] = '\0';
	memmove(s, s + b, e - b + 1);
	if (s[0] == '\0')
		return NHI_EPARSE;
	if ((strlen(s) == 8 && strspn(s, "0123456789") == 8) ? date_parse(s, &d) == 0 :
	    gregorian(s, &d) == 0) {
		if (!date_valid(&d))
			goto bad;
		date_format(&d, out, 11);
		return 0;
	}
	if (era_parse(s, &d) == 0) {
		err_clear();
		date_format(&d, out, 11);
		return 0;
	}
	err_clear();
	if (!date_shaped(s))
		return NHI_EPARSE;
bad:
	err_clear();
	return err_set(NHI_ERANGE, "date not understood: '%.64s' (no such day; type "
	    "1980-04-01, 1980/04/01, S55.4.1 or 昭和55年4月1日)", text);
}

enum search_kind
search_classify(const char *text, char *arg, size_t argcap, char *number, size_t numcap)
{
	const char *dash;
	char date[11], sym[SEARCH_TEXT_MAX];
	int r;

	number[0] = '\0';
	if ((r = search_date_parse(text, date)) == 0) {
		snprintf(arg, argcap, "%s", date);
		return SEARCH_BIRTH;
	}
	if (r == NHI_ERANGE) {
		snprintf(arg, argcap, "%s", text);
		return SEARCH_BAD_DATE;
	}
	if (text_is_kana(text)) {
		snprintf(arg, argcap, "%s", text);
		return SEARCH_KANA;
	}
	/* 記号番号: letters and digits on both sides of one dash, as typed
	 * (１－２ and 2ー2 from the IME, blanks around it). */
	if (symbol_fold(text, sym, sizeof(sym)) == 0 &&
	    (dash = strchr(sym, '-')) != NULL && dash > sym && dash[1] != '\0' &&
	    strchr(dash + 1, '-') == NULL &&
	    strspn(sym, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
	    == strlen(sym)) {
		snprintf(arg, argcap, "%.*s", (int)(dash - sym), sym);
		snprintf(number, numcap, "%s", dash + 1);
		return SEARCH_SYMBOL;
	}
	snprintf(arg, argcap, "%s", text);
	return SEARCH_KANJI;
}

/*
 * search.h: what a clerk types to find a resident, read the same way by
 * the command line (`nhicard resident search`) and the screen (tui-search.c).
 *
 * One text is one criterion: a birth date in any form a clerk types
 * (1980-04-01, 19800401, 1980/04/01, S55.4.1, 昭和55年4月1日, H1.1.8,
 * full-width digits), kana (any width, hiragana or katakana), a 記号番号
 * (SYMBOL-NUMBER), else the start of a kanji name. A text shaped like a date
 * that is no day (S64.1.8: 昭和 ended on the 7th) is an error, never a name
 * search. The store side (store_resident_search) ignores blanks of any
 * width in kanji and kana names and can fold 異体字 (RESIDENT_QUERY_FOLD).
 */
#ifndef NHI_SEARCH_H
#define NHI_SEARCH_H

#include <stddef.h>

enum search_kind {
	SEARCH_KANJI = 0,
	SEARCH_KANA,
	SEARCH_BIRTH,
	SEARCH_SYMBOL,
	SEARCH_BAD_DATE,	/* shaped like a date, but no such day */
};

/*
 * A date as a clerk types it into YYYY-MM-DD (`out`, 11 bytes). Returns 0,
 * NHI_ERANGE (a date's shape, but no such day: the detail says "date not
 * understood" and quotes the text) or NHI_EPARSE (not a date at all).
 */
int	search_date_parse(const char *text, char out[11]);

/*
 * What `text` is. arg gets the criterion (the date as YYYY-MM-DD, the kana,
 * the 記号, the kanji), number the 番号 of a 記号番号 ("" otherwise).
 */
enum search_kind search_classify(const char *text, char *arg, size_t argcap,
	    char *number, size_t numcap);

#endif

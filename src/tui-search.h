/*
 * tui-search.h: what the search and resident screens share, and what the
 * unit tests check: how a clerk's search text is read, and the sex in the
 * clerk's words.
 */
#ifndef NHI_TUI_SEARCH_H
#define NHI_TUI_SEARCH_H

#include <stddef.h>

enum tui_search_kind {
	TUI_SEARCH_KANJI = 0,
	TUI_SEARCH_KANA,
	TUI_SEARCH_BIRTH,
	TUI_SEARCH_SYMBOL,
	TUI_SEARCH_BAD_DATE,	/* a date's shape but no such day (S64.1.8) */
};

/*
 * What `text` is (search_classify, search.h): a birth date (YYYY-MM-DD,
 * YYYYMMDD, YYYY/MM/DD or an era date: arg gets YYYY-MM-DD), a date that
 * is no day (BAD_DATE), kana (arg: the text; the store normalizes widths and
 * hiragana), SYMBOL-NUMBER (arg: the symbol, number: the number), else
 * the start of a kanji name (arg: the text).
 */
enum tui_search_kind tui_search_classify(const char *text, char *arg, size_t argcap,
	    char *number, size_t numcap);

/* "M", "F" or "-", translated. */
const char *tui_sex_text(int sex);

#endif

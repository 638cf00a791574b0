/*
 * reasons.h: every reason a clerk may have to read aloud to a resident, in
 * one table: why the rules refuse a card or a document, why a card cannot
 * be written, a card's state and why it changed, why a certificate was
 * voided, why the center rejected a record, and what kind of record it was.
 *
 * A key ("card.is_juki", "state.suspended", "center.malformed") names a
 * reason; its text is an English gettext msgid, and the Japanese the
 * clerk's screen shows is its translation in po/ja.po (tests/tui-po.sh
 * checks every one is translated, and that every key the code uses is in
 * the table). An error carries its key with err_reason() (error.h): the
 * screen shows the Japanese text first and the technical detail below.
 * No dependencies: any layer may name a reason.
 */
#ifndef NHI_REASONS_H
#define NHI_REASONS_H

#include <stddef.h>

/* The English text (msgid) of `key`, or NULL when the key is unknown. */
const char	*reason_text(const char *key);

/* The text of "PREFIX.WORD" ("state" + "active"), or NULL. */
const char	*reason_word(const char *prefix, const char *word);

/* The table, for tests: the i-th key and text; NULL past the end. */
const char	*reason_key_at(size_t i, const char **text);

#endif

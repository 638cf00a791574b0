/*
 * text.h: character encodings and name normalization for register extracts.
 *
 * Pure functions, no I/O. Extracts arrive as UTF-8 or as Shift_JIS (CP932,
 * decoded with iconv). Vendor 外字 is never replaced silently:
 *   - a private-use code point (U+E000-U+F8FF, planes 15-16; CP932's
 *     user-defined area F040-F9FC decodes to U+E000-U+E757) is kept as is;
 *   - a well-formed CP932 double-byte code that has no Unicode mapping (the
 *     unassigned rows 85-88, EB-EF, ...) is kept as the escape "{SJIS:XXXX}"
 *     with its original bytes in hex, so the clerk (or a font table) can
 *     restore it.
 * Both set TEXT_F_GAIJI. A byte sequence that is not well-formed in the
 * declared encoding is an error (NHI_EENCODING) with its byte offset.
 *
 * Normalization: kana for search (half-width katakana to full-width, voiced
 * marks combined, hiragana to katakana, blanks removed), and the four basic
 * items used to match a person (name without blanks; address with
 * full-width digits, letters and dashes folded and 丁目/番地/番/号 written as
 * dashes).
 */
#ifndef NHI_TEXT_H
#define NHI_TEXT_H

#include <stddef.h>
#include <stdint.h>

enum text_encoding {
	TEXT_ENC_AUTO = 0,
	TEXT_ENC_UTF8,
	TEXT_ENC_CP932,
};

/* Flags a decoded field may carry (residents.name_flags uses the same bits). */
enum text_flags {
	TEXT_F_GAIJI = 1 << 0,		/* private-use or unmappable character kept */
	TEXT_F_HALFWIDTH = 1 << 1,	/* half-width kana in the original */
};

/* A growable NUL-terminated byte buffer. Zero-initialize; free p. */
struct tbuf {
	char	*p;
	size_t	 len, cap;
};
void	tbuf_reset(struct tbuf *b);
void	tbuf_add(struct tbuf *b, const void *data, size_t len);
void	tbuf_addc(struct tbuf *b, char c);
/* Append one code point as UTF-8. */
void	tbuf_add_cp(struct tbuf *b, uint32_t cp);

/* "utf-8", "cp932" (also "sjis", "shift_jis"), "auto". 0 or NHI_EUSAGE. */
int	text_encoding_parse(const char *s, enum text_encoding *out);
const char *text_encoding_name(enum text_encoding enc);

/*
 * Offset of the first byte that is not well-formed UTF-8 (overlongs,
 * surrogates and code points above U+10FFFF are not), or `len` if all is.
 */
size_t	text_utf8_invalid_at(const char *s, size_t len);

/*
 * Decode one UTF-8 code point at s[0..len). Returns its length (1-4) and
 * sets *cp, or 0 if not well-formed.
 */
size_t	text_utf8_next(const char *s, size_t len, uint32_t *cp);

/*
 * Guess the encoding of the start of a file: a UTF-8 BOM, or UTF-8 with
 * at most one ill-formed sequence per 8 well-formed multi-byte characters,
 * gives TEXT_ENC_UTF8 (pure ASCII too); else CP932 with at most one
 * ill-formed byte per 8 double-byte or half-width characters gives
 * TEXT_ENC_CP932. A few bad bytes do not change the guess: those lines are
 * rejected one by one. Returns 0 and sets *out, or NHI_EENCODING if the
 * bytes are neither (detail: the counts and first offsets).
 */
int	text_detect(const char *buf, size_t len, enum text_encoding *out);

/* A decoder for one encoding (iconv state for CP932). */
struct text_decoder;
/* enc must be UTF8 or CP932. Caller must text_decoder_free. */
int	text_decoder_new(enum text_encoding enc, struct text_decoder **out);
void	text_decoder_free(struct text_decoder *d);

/*
 * Decode `len` bytes of one field into `out` (reset first) as UTF-8. ORs
 * TEXT_F_GAIJI into *flags when private-use or unmappable characters were
 * kept (see above) and TEXT_F_HALFWIDTH when half-width kana occur.
 * Returns 0, or NHI_EENCODING with *bad_off set to the offset of the first
 * ill-formed byte (no detail set: the caller names file, line and field).
 */
int	text_decode(struct text_decoder *d, const char *in, size_t len,
	    struct tbuf *out, unsigned *flags, size_t *bad_off);

/* Encode UTF-8 as CP932 (for the generator and tests); "{SJIS:XXXX}"
 * escapes are turned back into their bytes. 0 or NHI_EENCODING. Keeps one
 * iconv handle for the process: not thread-safe. */
int	text_encode_cp932(const char *utf8, struct tbuf *out);

/* 1 if every character of the UTF-8 string is kana (hiragana, katakana,
 * half-width katakana, prolonged sound mark, middle dot) or a blank. */
int	text_is_kana(const char *s);

/*
 * Kana for search into `out` (reset first): half-width katakana to
 * full-width (ｶﾞ -> ガ), hiragana to katakana, blanks removed; other
 * characters kept. The input must be valid UTF-8.
 */
void	text_kana_normalize(const char *s, struct tbuf *out);

/* A name for matching: blanks (ASCII and U+3000) removed. */
void	text_name_normalize(const char *s, struct tbuf *out);

/*
 * The common 異体字 group of a kanji (U+xxxx): 高/髙, 崎/﨑, 浜/濵,
 * 辺/邊/邉. Returns the group's size and fills out[] (at most max code
 * points, the character itself among them), or 0 when it has no variant.
 * A search may fold them; the stored name is never changed.
 */
size_t	text_kanji_variants(uint32_t cp, uint32_t *out, size_t max);

/* An address for matching: blanks removed, full-width ASCII folded,
 * dash-like characters to '-', 丁目/番地/番 before a digit to '-', a 号
 * after a digit dropped. */
void	text_address_normalize(const char *s, struct tbuf *out);

/* TEXT_F_GAIJI if the UTF-8 string holds a private-use code point or a
 * "{SJIS:XXXX}" escape, TEXT_F_HALFWIDTH if it holds half-width kana. */
unsigned text_flags_of(const char *s);

/*
 * 外字 made visible for the clerk: `out` gets `s` with every private-use
 * code point and every "{SJIS:XXXX}" escape replaced by TEXT_GAIJI_MARK
 * (〓, the geta mark Japanese systems print for a character they cannot
 * show); `codes` (if not NULL) the list of what they were ("U+E000, SJIS
 * 8540"), cut to codecap. Returns the number of 外字.
 */
#define TEXT_GAIJI_MARK	"\xe3\x80\x93"	/* 〓 U+3013 */
size_t	text_gaiji_mark(const char *s, struct tbuf *out, char *codes, size_t codecap);

/*
 * 1 when two names (a card's and the resident's) differ only where the
 * resident's name holds 外字: after text_name_normalize, the same length
 * in characters (an escape counts as one), every other character equal,
 * and at least one 外字 position. 0 otherwise.
 */
int	text_name_gaiji_only_diff(const char *card_name, const char *person_name);

/*
 * The four basic items (氏名, 生年月日, 性別, 住所) in the form used to
 * match a person: the name by text_name_normalize, the address by
 * text_address_normalize, the birth date as given (YYYY-MM-DD), the sex
 * code. Matching a person requires all four equal (the wrong-linkage
 * lesson in docs). Free with text_basic_items_free.
 */
struct text_basic_items {
	char	*name;
	char	 birth_date[11];
	int	 sex;
	char	*address;
};
void	text_basic_items_make(const char *name, const char *birth_date, int sex,
	    const char *address, struct text_basic_items *out);
void	text_basic_items_free(struct text_basic_items *b);

/* Which items differ: TEXT_ITEM_* bits; 0 when all four match. */
#define TEXT_ITEM_NAME		0x1
#define TEXT_ITEM_BIRTH		0x2
#define TEXT_ITEM_SEX		0x4
#define TEXT_ITEM_ADDRESS	0x8
unsigned text_basic_items_diff(const struct text_basic_items *a,
	    const struct text_basic_items *b);

#endif

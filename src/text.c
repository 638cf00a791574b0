/*
 * text.c: byte buffers, UTF-8 checking, encoding detection and the
 * normalization of kana, names and addresses (see text.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "text.h"
#include "util.h"

void
tbuf_reset(struct tbuf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static void
tbuf_grow(struct tbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap < 64 ? 64 : b->cap;
	while (b->cap < need)
		b->cap *= 2;
	b->p = xrealloc(b->p, b->cap);
}

void
tbuf_add(struct tbuf *b, const void *data, size_t len)
{
	tbuf_grow(b, len);
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
tbuf_addc(struct tbuf *b, char c)
{
	tbuf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
tbuf_add_cp(struct tbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	tbuf_add(b, u, n);
}

int
text_encoding_parse(const char *s, enum text_encoding *out)
{
	if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
		*out = TEXT_ENC_UTF8;
	else if (strcasecmp(s, "cp932") == 0 || strcasecmp(s, "sjis") == 0 ||
	    strcasecmp(s, "shift_jis") == 0 || strcasecmp(s, "shift-jis") == 0 ||
	    strcasecmp(s, "windows-31j") == 0)
		*out = TEXT_ENC_CP932;
	else if (strcasecmp(s, "auto") == 0)
		*out = TEXT_ENC_AUTO;
	else
		return err_set(NHI_EUSAGE, "unknown encoding '%s' (expected utf-8, cp932 or auto)", s);
	return 0;
}

const char *
text_encoding_name(enum text_encoding enc)
{
	switch (enc) {
	case TEXT_ENC_UTF8:
		return "utf-8";
	case TEXT_ENC_CP932:
		return "cp932";
	default:
		return "auto";
	}
}

size_t
text_utf8_next(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t
text_utf8_invalid_at(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0)
			return i;
		i += n;
	}
	return len;
}

/* Length of the well-formed CP932 character at s, or 0. */
static size_t
cp932_char_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];

	if (c < 0x80 || (c >= 0xa1 && c <= 0xdf))
		return 1;
	if ((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) {
		if (len < 2)
			return 0;
		if ((s[1] >= 0x40 && s[1] <= 0x7e) || (s[1] >= 0x80 && s[1] <= 0xfc))
			return 2;
	}
	return 0;
}

int
text_detect(const char *buf, size_t len, enum text_encoding *out)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i, n, good_mb = 0, bad = 0, first_bad = len, cp_bad = len;
	size_t cp_good = 0, cp_nbad = 0;
	uint32_t cp;

	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		*out = TEXT_ENC_UTF8;
		return 0;
	}
	for (i = 0; i < len; ) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = text_utf8_next(buf + i, len - i, &cp)) == 0) {
			/* A character cut by the end of the sample is not an error. */
			if (len - i < 4 && s[i] >= 0xc2)
				break;
			if (first_bad == len)
				first_bad = i;
			bad++;
			i++;
			continue;
		}
		good_mb++;
		i += n;
	}
	/* Mostly UTF-8 with a few broken bytes: UTF-8 (those lines get rejected). */
	if (bad == 0 || good_mb >= 8 * bad) {
		*out = TEXT_ENC_UTF8;
		return 0;
	}
	/* Mostly well-formed CP932 with a few broken bytes: CP932 (again, the
	 * broken lines get rejected one by one). */
	for (i = 0; i < len; ) {
		if ((n = cp932_char_len(s + i, len - i)) == 0) {
			if (i == len - 1)
				break;
			if (cp_bad == len)
				cp_bad = i;
			cp_nbad++;
			i++;
			continue;
		}
		if (s[i] >= 0x80)
			cp_good++;
		i += n;
	}
	if (cp_nbad == 0 || cp_good >= 8 * cp_nbad) {
		*out = TEXT_ENC_CP932;
		return 0;
	}
	return err_set(NHI_EENCODING, "neither UTF-8 (%zu bad bytes, the first at offset %zu) "
	    "nor Shift_JIS (%zu, the first at offset %zu)", bad, first_bad, cp_nbad, cp_bad);
}

int
text_is_kana(const char *s)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0)
			return 0;
		i += n;
		if (cp == ' ' || cp == 0x3000 || (cp >= 0x3041 && cp <= 0x309f) ||
		    (cp >= 0x30a0 && cp <= 0x30ff) || (cp >= 0xff61 && cp <= 0xff9f))
			continue;
		return 0;
	}
	return 1;
}

/* Half-width katakana U+FF61..U+FF9F to full-width. */
static const uint16_t halfwidth_kana[] = {
	0x3002, 0x300c, 0x300d, 0x3001, 0x30fb, 0x30f2,
	0x30a1, 0x30a3, 0x30a5, 0x30a7, 0x30a9, 0x30e3, 0x30e5, 0x30e7, 0x30c3,
	0x30fc,
	0x30a2, 0x30a4, 0x30a6, 0x30a8, 0x30aa,
	0x30ab, 0x30ad, 0x30af, 0x30b1, 0x30b3,
	0x30b5, 0x30b7, 0x30b9, 0x30bb, 0x30bd,
	0x30bf, 0x30c1, 0x30c4, 0x30c6, 0x30c8,
	0x30ca, 0x30cb, 0x30cc, 0x30cd, 0x30ce,
	0x30cf, 0x30d2, 0x30d5, 0x30d8, 0x30db,
	0x30de, 0x30df, 0x30e0, 0x30e1, 0x30e2,
	0x30e4, 0x30e6, 0x30e8,
	0x30e9, 0x30ea, 0x30eb, 0x30ec, 0x30ed,
	0x30ef, 0x30f3, 0x309b, 0x309c,
};

static int
is_voiceable(uint32_t k)
{
	return (k >= 0x30ab && k <= 0x30c8 && (k <= 0x30c1 ? (k & 1) : !(k & 1))) ||
	    (k >= 0x30cf && k <= 0x30db && (k - 0x30cf) % 3 == 0) || k == 0x30a6;
}

void
text_kana_normalize(const char *s, struct tbuf *out)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp, last = 0;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0) {
			i++;
			continue;
		}
		i += n;
		if (cp == ' ' || cp == 0x3000 || cp == '\t')
			continue;
		if (cp >= 0xff61 && cp <= 0xff9f)
			cp = halfwidth_kana[cp - 0xff61];
		else if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309d || cp == 0x309e)
			cp += 0x60;
		/* Voiced and semi-voiced marks join the kana before them. */
		if ((cp == 0x309b || cp == 0x3099) && last != 0 && is_voiceable(last)) {
			uint32_t v = last == 0x30a6 ? 0x30f4 : last + 1;
			out->len -= 3;
			tbuf_add_cp(out, v);
			last = 0;
			continue;
		}
		if ((cp == 0x309c || cp == 0x309a) && last >= 0x30cf && last <= 0x30db &&
		    (last - 0x30cf) % 3 == 0) {
			out->len -= 3;
			tbuf_add_cp(out, last + 2);
			last = 0;
			continue;
		}
		tbuf_add_cp(out, cp);
		last = cp;
	}
}

void
text_name_normalize(const char *s, struct tbuf *out)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0) {
			i++;
			continue;
		}
		if (cp != ' ' && cp != 0x3000 && cp != '\t')
			tbuf_add(out, s + i, n);
		i += n;
	}
}

size_t
text_kanji_variants(uint32_t cp, uint32_t *out, size_t max)
{
	static const uint32_t groups[][4] = {
		{ 0x9AD8, 0x9AD9, 0, 0 },		/* 高 髙 */
		{ 0x5D0E, 0xFA11, 0, 0 },		/* 崎 﨑 */
		{ 0x6D5C, 0x6FF5, 0, 0 },		/* 浜 濵 */
		{ 0x8FBA, 0x908A, 0x9089, 0 },		/* 辺 邊 邉 */
	};
	size_t g, i, n;

	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (i = 0; i < 4 && groups[g][i] != 0; i++)
			if (groups[g][i] == cp) {
				for (n = 0; n < 4 && groups[g][n] != 0 && n < max; n++)
					out[n] = groups[g][n];
				return n;
			}
	return 0;
}

/* Fold one address character: full-width ASCII to ASCII, dashes to '-'. */
static uint32_t
address_fold(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		cp -= 0xfee0;
	switch (cp) {
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
	case 0x2015: case 0x2212: case 0xff70:
		return '-';
	default:
		return cp;
	}
}

static int
starts_with(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && memcmp(s, w, n) == 0;
}

void
text_address_normalize(const char *s, struct tbuf *out)
{
	static const char *units[] = { "丁目", "番地", "番", "号" };
	size_t len = strlen(s), i = 0, n, u;
	uint32_t cp, next;
	int prev_digit = 0;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	while (i < len) {
		if (prev_digit) {
			for (u = 0; u < NHI_ARRAY_LEN(units); u++)
				if (starts_with(s + i, len - i, units[u]))
					break;
			if (u < NHI_ARRAY_LEN(units)) {
				i += strlen(units[u]);
				next = 0;
				if (i < len && text_utf8_next(s + i, len - i, &next) > 0)
					next = address_fold(next);
				if (next >= '0' && next <= '9')
					tbuf_addc(out, '-');
				prev_digit = 0;
				continue;
			}
		}
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0) {
			i++;
			continue;
		}
		i += n;
		cp = address_fold(cp);
		if (cp == ' ' || cp == 0x3000 || cp == '\t')
			continue;
		/* ー between digits is a dash typed with the kana key. */
		if (cp == 0x30fc && prev_digit)
			cp = '-';
		tbuf_add_cp(out, cp);
		prev_digit = cp >= '0' && cp <= '9';
	}
}

unsigned
text_flags_of(const char *s)
{
	size_t len = strlen(s), i = 0, n;
	unsigned flags = 0;
	uint32_t cp;

	if (strstr(s, "{SJIS:") != NULL)
		flags |= TEXT_F_GAIJI;
	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0) {
			i++;
			continue;
		}
		i += n;
		if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000)
			flags |= TEXT_F_GAIJI;
		else if (cp >= 0xff61 && cp <= 0xff9f)
			flags |= TEXT_F_HALFWIDTH;
	}
	return flags;
}

void
text_basic_items_make(const char *name, const char *birth_date, int sex,
    const char *address, struct text_basic_items *out)
{
	struct tbuf b = { 0 };

	memset(out, 0, sizeof(*out));
	text_name_normalize(name, &b);
	out->name = xstrdup(b.p);
	text_address_normalize(address, &b);
	out->address = xstrdup(b.p);
	free(b.p);
	snprintf(out->birth_date, sizeof(out->birth_date), "%s", birth_date);
	out->sex = sex;
}

void
text_basic_items_free(struct text_basic_items *b)
{
	if (b == NULL)
		return;
	free(b->name);
	free(b->address);
	memset(b, 0, sizeof(*b));
}

unsigned
text_basic_items_diff(const struct text_basic_items *a, const struct text_basic_items *b)
{
	unsigned d = 0;

	if (strcmp(a->name, b->name) != 0)
		d |= TEXT_ITEM_NAME;
	if (strcmp(a->birth_date, b->birth_date) != 0)
		d |= TEXT_ITEM_BIRTH;
	if (a->sex != b->sex)
		d |= TEXT_ITEM_SEX;
	if (strcmp(a->address, b->address) != 0)
		d |= TEXT_ITEM_ADDRESS;
	return d;
}

/* ---- 外字 for the clerk ------------------------------------------------ */

/* Length of a "{SJIS:XXXX}" escape at s (4 hex digits), or 0. */
static size_t
sjis_escape_at(const char *s)
{
	size_t i;

	if (strncmp(s, "{SJIS:", 6) != 0)
		return 0;
	for (i = 6; i < 10; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return s[10] == '}' ? 11 : 0;
}

static int
is_private_use(uint32_t cp)
{
	return (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000;
}

size_t
text_gaiji_mark(const char *s, struct tbuf *out, char *codes, size_t codecap)
{
	size_t len = strlen(s), i = 0, n, count = 0, cl = 0;
	uint32_t cp;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	if (codes != NULL && codecap > 0)
		codes[0] = '\0';
	while (i < len) {
		char code[16] = "";

		if ((n = sjis_escape_at(s + i)) != 0)
			snprintf(code, sizeof(code), "SJIS %.4s", s + i + 6);
		else if ((n = text_utf8_next(s + i, len - i, &cp)) == 0) {
			i++;
			continue;
		} else if (is_private_use(cp))
			snprintf(code, sizeof(code), "U+%04X", (unsigned)cp);
		if (code[0] == '\0') {
			tbuf_add(out, s + i, n);
			i += n;
			continue;
		}
		tbuf_add(out, TEXT_GAIJI_MARK, strlen(TEXT_GAIJI_MARK));
		if (codes != NULL && cl + strlen(code) + 3 < codecap) {
			cl += (size_t)snprintf(codes + cl, codecap - cl, "%s%s",
			    count > 0 ? ", " : "", code);
		}
		count++;
		i += n;
	}
	return count;
}

int
text_name_gaiji_only_diff(const char *card_name, const char *person_name)
{
	struct tbuf c = { 0 }, p = { 0 };
	size_t ci = 0, pi = 0, n, m;
	uint32_t a, b;
	int gaiji = 0, same = 1;

	text_name_normalize(card_name, &c);
	text_name_normalize(person_name, &p);
	while (same && pi < p.len && ci < c.len) {
		if ((m = text_utf8_next(c.p + ci, c.len - ci, &a)) == 0)
			break;
		if ((n = sjis_escape_at(p.p + pi)) != 0) {
			gaiji = 1;	/* the 外字 stands for any one character */
		} else if ((n = text_utf8_next(p.p + pi, p.len - pi, &b)) == 0) {
			same = 0;
			break;
		} else if (is_private_use(b)) {
			gaiji = 1;
		} else if (a != b)
			same = 0;
		pi += n;
		ci += m;
	}
	same = same && gaiji && pi == p.len && ci == c.len;
	free(c.p);
	free(p.p);
	return same;
}

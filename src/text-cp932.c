/*
 * text-cp932.c: decoding one extract field to UTF-8 (UTF-8 checked, CP932
 * through iconv) with 外字 kept and flagged, and encoding back to CP932.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "text.h"
#include "util.h"

struct text_decoder {
	enum text_encoding	 enc;
	iconv_t			 cd;
};

int
text_decoder_new(enum text_encoding enc, struct text_decoder **out)
{
	struct text_decoder *d;

	if (enc != TEXT_ENC_UTF8 && enc != TEXT_ENC_CP932)
		return err_set(NHI_EINTERNAL, "text_decoder_new: encoding must be decided");
	d = xcalloc(1, sizeof(*d));
	d->enc = enc;
	d->cd = (iconv_t)-1;
	if (enc == TEXT_ENC_CP932 && (d->cd = iconv_open("UTF-8", "CP932")) == (iconv_t)-1) {
		free(d);
		return err_set(NHI_EINTERNAL, "iconv cannot convert CP932 to UTF-8");
	}
	*out = d;
	return 0;
}

void
text_decoder_free(struct text_decoder *d)
{
	if (d == NULL)
		return;
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
	free(d);
}

static int
is_private_use(uint32_t cp)
{
	return (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000;
}

static int
decode_utf8(const char *in, size_t len, struct tbuf *out, unsigned *flags, size_t *bad_off)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if ((unsigned char)in[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = text_utf8_next(in + i, len - i, &cp)) == 0) {
			*bad_off = i;
			return NHI_EENCODING;
		}
		if (is_private_use(cp))
			*flags |= TEXT_F_GAIJI;
		if (cp >= 0xff61 && cp <= 0xff9f)
			*flags |= TEXT_F_HALFWIDTH;
		i += n;
	}
	tbuf_add(out, in, len);
	return 0;
}

/* Convert a run of well-formed CP932 with iconv; unmappable characters
 * become {SJIS:XXXX}. */
static int
decode_cp932(struct text_decoder *d, const char *in, size_t len, struct tbuf *out,
    unsigned *flags, size_t *bad_off)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i, start, n;
	char *ip, *op;
	size_t il, ol;
	uint32_t cp;
	int ascii = 1;

	/* Shape first: iconv would accept some bytes CP932 leaves unassigned. */
	for (i = 0; i < len; ) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		ascii = 0;
		if (c >= 0xa1 && c <= 0xdf) {
			*flags |= TEXT_F_HALFWIDTH;
			i++;
			continue;
		}
		if (((c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc)) && i + 1 < len &&
		    ((s[i + 1] >= 0x40 && s[i + 1] <= 0x7e) || (s[i + 1] >= 0x80 && s[i + 1] <= 0xfc))) {
			i += 2;
			continue;
		}
		*bad_off = i;
		return NHI_EENCODING;
	}
	if (ascii) {
		tbuf_add(out, in, len);
		return 0;
	}
	start = 0;
	while (start < len) {
		ip = (char *)in + start;
		il = len - start;
		/* UTF-8 of CP932 is at most 3 bytes per input byte. */
		tbuf_add(out, NULL, 0);
		if (out->cap < out->len + 3 * il + 1) {
			out->cap = out->len + 3 * il + 64;
			out->p = xrealloc(out->p, out->cap);
		}
		op = out->p + out->len;
		ol = out->cap - out->len - 1;
		(void)iconv(d->cd, NULL, NULL, NULL, NULL);
		if (iconv(d->cd, &ip, &il, &op, &ol) != (size_t)-1) {
			out->len = (size_t)(op - out->p);
			out->p[out->len] = '\0';
			break;
		}
		out->len = (size_t)(op - out->p);
		out->p[out->len] = '\0';
		if (errno != EILSEQ && errno != EINVAL) {
			*bad_off = (size_t)(ip - in);
			return NHI_EENCODING;
		}
		/* A well-formed code iconv cannot map: vendor 外字, kept escaped. */
		i = (size_t)(ip - in);
		if (i + 1 >= len) {
			*bad_off = i;
			return NHI_EENCODING;
		}
		{
			char esc[16];
			snprintf(esc, sizeof(esc), "{SJIS:%02X%02X}", s[i], s[i + 1]);
			tbuf_add(out, esc, strlen(esc));
		}
		*flags |= TEXT_F_GAIJI;
		start = i + 2;
	}
	/* Private-use code points from the user-defined area are 外字 too. */
	for (i = 0; i < out->len; ) {
		if ((n = text_utf8_next(out->p + i, out->len - i, &cp)) == 0)
			break;
		if (is_private_use(cp))
			*flags |= TEXT_F_GAIJI;
		i += n;
	}
	return 0;
}

int
text_decode(struct text_decoder *d, const char *in, size_t len, struct tbuf *out,
    unsigned *flags, size_t *bad_off)
{
	tbuf_reset(out);
	tbuf_add(out, "", 0);
	if (d->enc == TEXT_ENC_UTF8)
		return decode_utf8(in, len, out, flags, bad_off);
	return decode_cp932(d, in, len, out, flags, bad_off);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
text_encode_cp932(const char *utf8, struct tbuf *out)
{
	/* One handle for the process: the generator encodes millions of fields. */
	static iconv_t cd = (iconv_t)-1;
	size_t len = strlen(utf8), i = 0, j, il, ol;
	char *ip, *op;
	int r = 0;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	for (j = 0; j < len && (unsigned char)utf8[j] < 0x80; j++)
		;
	if (j == len) {
		tbuf_add(out, utf8, len);
		return 0;
	}
	if (cd == (iconv_t)-1 && (cd = iconv_open("CP932", "UTF-8")) == (iconv_t)-1)
		return err_set(NHI_EINTERNAL, "iconv cannot convert UTF-8 to CP932");
	(void)iconv(cd, NULL, NULL, NULL, NULL);
	while (i < len) {
		/* The span up to the next escape goes through iconv. */
		const char *esc = strstr(utf8 + i, "{SJIS:");
		size_t end = esc != NULL ? (size_t)(esc - utf8) : len;

		il = end - i;
		ip = (char *)utf8 + i;
		if (il > 0) {
			tbuf_add(out, NULL, 0);
			if (out->cap < out->len + 2 * il + 1) {
				out->cap = out->len + 2 * il + 64;
				out->p = xrealloc(out->p, out->cap);
			}
			op = out->p + out->len;
			ol = out->cap - out->len - 1;
			if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
				r = err_set(NHI_EENCODING, "no CP932 code for the character at "
				    "offset %zu", (size_t)(ip - utf8));
				goto out;
			}
			out->len = (size_t)(op - out->p);
			out->p[out->len] = '\0';
		}
		i = end;
		if (esc != NULL) {
			int v[4] = { -1, -1, -1, -1 };
			for (j = 0; j < 4; j++)
				if ((v[j] = hexval((unsigned char)esc[6 + j])) < 0)
					break;
			if (j < 4 || esc[10] != '}') {
				tbuf_addc(out, '{');
				i++;
				continue;
			}
			tbuf_addc(out, (char)(v[0] << 4 | v[1]));
			tbuf_addc(out, (char)(v[2] << 4 | v[3]));
			i += 11;
		}
	}
out:
	return r;
}

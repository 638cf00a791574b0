/*
 * card-tlv.c: the BER-TLV codec of ISO/IEC 7816-4 (annex D) as smart cards
 * use it. Pure: no I/O, no allocation; tlv_next() reads untrusted bytes and
 * is fuzzed (fuzz/fuzz-tlv.c).
 *
 * Tags are kept as their wire bytes in a uint32_t, big-endian: 0x6F, 0x9F70,
 * 0xBF0C, 0xDF8101. A tag has 1 to 3 bytes: the first byte with its low five
 * bits all set (xx11111) announces more bytes, each further byte with bit 8
 * set announces one more. Lengths take 1 to 3 bytes: 00..7F, 81 80..FF,
 * 82 0100..FFFF.
 *
 * Strict by design: we reject what a careless card or an attacker might send
 * and what BER allows but DER and ISO 7816 profiles forbid: the indefinite
 * length (80), overlong lengths (81 05, 82 00 80), longer length forms (83..),
 * a tag of four or more bytes, a first subsequent tag byte of 80 (leading
 * zero bits), the tag byte 00, and a value that runs past the end.
 */
#include "config.h"

#include <string.h>

#include "card.h"
#include "error.h"

int
tlv_next(const uint8_t **p, size_t *left, struct tlv *out)
{
	const uint8_t *b = *p;
	size_t n = *left, i = 0, len, lenbytes;
	uint32_t tag;

	if (n == 0)
		return err_set(NHI_EPARSE, "TLV: no bytes left for a tag");
	tag = b[i++];
	if (tag == 0x00)
		return err_set(NHI_EPARSE, "TLV: tag byte 00 at offset 0");
	if ((tag & 0x1f) == 0x1f) {
		for (;;) {
			if (i >= n)
				return err_set(NHI_EPARSE, "TLV %X: truncated tag", tag);
			if (i == 1 && b[i] == 0x80)
				return err_set(NHI_EPARSE, "TLV %X: overlong tag (80)", tag);
			if (i == 3)
				return err_set(NHI_EPARSE, "TLV %X: tag longer than 3 bytes",
				    tag);
			tag = tag << 8 | b[i];
			if ((b[i++] & 0x80) == 0)
				break;
		}
	}
	if (i >= n)
		return err_set(NHI_EPARSE, "TLV %X: no length", tag);
	len = b[i++];
	if (len == 0x80)
		return err_set(NHI_EPARSE, "TLV %X: indefinite length not allowed", tag);
	if (len > 0x80) {
		lenbytes = len & 0x7f;
		if (lenbytes > 2)
			return err_set(NHI_EPARSE, "TLV %X: length field of %zu bytes",
			    tag, lenbytes + 1);
		if (n - i < lenbytes)
			return err_set(NHI_EPARSE, "TLV %X: truncated length", tag);
		len = b[i++];
		if (lenbytes == 2)
			len = len << 8 | b[i++];
		if ((lenbytes == 1 && len < 0x80) || (lenbytes == 2 && len < 0x100))
			return err_set(NHI_EPARSE, "TLV %X: overlong length encoding"
			    " of %zu", tag, len);
	}
	if (n - i < len)
		return err_set(NHI_EPARSE, "TLV %X: value of %zu bytes runs past the"
		    " end (%zu left)", tag, len, n - i);
	out->tag = tag;
	out->constructed = (b[0] & 0x20) != 0;
	out->value = b + i;
	out->len = len;
	*p = b + i + len;
	*left = n - i - len;
	return 0;
}

int
tlv_find(const uint8_t *buf, size_t len, uint32_t tag, struct tlv *out)
{
	struct tlv t;
	int r;

	while (len > 0) {
		if ((r = tlv_next(&buf, &len, &t)) != 0)
			return r;
		if (t.tag == tag) {
			*out = t;
			return 0;
		}
	}
	return err_set(NHI_ENOTFOUND, "TLV: tag %X not found", tag);
}

int
tlv_put(uint8_t *out, size_t cap, size_t *off, uint32_t tag,
    const uint8_t *value, size_t len)
{
	uint8_t head[8];
	size_t h = 0;

	if (tag == 0 || len > 0xffff || (len > 0 && value == NULL))
		return err_set(NHI_ERANGE, "TLV %X: cannot encode %zu bytes", tag, len);
	if (tag > 0xffff)
		head[h++] = (uint8_t)(tag >> 16);
	if (tag > 0xff)
		head[h++] = (uint8_t)(tag >> 8);
	head[h++] = (uint8_t)tag;
	if (len < 0x80)
		head[h++] = (uint8_t)len;
	else if (len <= 0xff) {
		head[h++] = 0x81;
		head[h++] = (uint8_t)len;
	} else {
		head[h++] = 0x82;
		head[h++] = (uint8_t)(len >> 8);
		head[h++] = (uint8_t)len;
	}
	if (*off > cap || cap - *off < h + len)
		return err_set(NHI_ERANGE, "TLV %X: %zu bytes do not fit (%zu left)",
		    tag, h + len, *off > cap ? 0 : cap - *off);
	/* memmove: the value may already sit in `out` (wrapping in place). */
	memmove(out + *off + h, value == NULL ? out : value, len);
	memcpy(out + *off, head, h);
	*off += h + len;
	return 0;
}

/*
 * card-read.c: reading a whole transparent EF the ISO/IEC 7816-4 way
 * (11.2.3, READ BINARY): the first command names the EF by its short file
 * identifier (P1 = 80 | SFI, P2 = offset 0), which also makes it the
 * current EF; every later one reads the current EF at the next offset
 * (P1 P2 = a 15-bit offset). A card may answer in any of the styles ISO
 * allows, all of them handled here or in card_xfer:
 *
 *   Le bytes and 9000        read on at the next offset
 *   fewer bytes and 9000     end of file
 *   fewer bytes and 6282     end of file reached before Le bytes
 *   6B00 at an offset > 0    the previous read ended exactly at the end
 *   6Cxx                     wrong Le: card_xfer resends with Le = xx
 *   61xx                     more data: card_xfer fetches it with GET
 *                            RESPONSE, so one answer may exceed Le
 *
 * Le is 256 (short) or, on a card that announces extended length, 65536.
 * Offsets past 32767 would need the odd instruction B1 with an offset
 * data object; the profile's files are far smaller, so a file that
 * reaches 32767 bytes is refused (docs/card-profile.md 2.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "util.h"

#define READ_MAX_OFFSET	0x7FFF

/* Bytes of a complete BER-TLV at buf (tag, length, value), or 0 if the
 * header is not all there yet. */
static size_t
tlv_total(const uint8_t *buf, size_t len)
{
	size_t i = 1, n, vlen = 0, k;

	if (len < 2)
		return 0;
	if ((buf[0] & 0x1F) == 0x1F) {
		while (i < len && (buf[i] & 0x80))
			i++;
		i++;
	}
	if (i >= len)
		return 0;
	n = buf[i++];
	if (n < 0x80)
		return i + n;
	n &= 0x7F;
	if (n == 0 || n > 3 || i + n > len)
		return n == 0 || n > 3 ? (size_t)-1 : 0;
	for (k = 0; k < n; k++)
		vlen = vlen << 8 | buf[i + k];
	return i + n + vlen;
}

int
card_read_ef_sfi(struct card *card, uint8_t sfi, int tlv, uint8_t *out, size_t cap,
    size_t *outlen, uint16_t *sw)
{
	struct apdu a = { .cla = 0x00, .ins = 0xB0, .has_le = 1 };
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	size_t off = 0, le = card->extended ? 65536 : 256, need;
	int r;

	*sw = 0;
	for (;;) {
		if (off == 0) {
			a.p1 = (uint8_t)(0x80 | (sfi & 0x1F));
			a.p2 = 0;
		} else {
			a.p1 = (uint8_t)(off >> 8);
			a.p2 = (uint8_t)off;
		}
		a.le = le;
		if ((r = card_xfer(card, &a, resp)) != 0)
			goto out;
		if (resp->sw == 0x6B00 && off > 0)
			break;		/* the last read ended at the end of the file */
		if (resp->sw != 0x9000 && resp->sw != 0x6282) {
			*sw = resp->sw;
			r = err_set(NHI_ECARD_SW, "READ BINARY of EF SFI %02X at offset %zu:"
			    " %s", sfi, off, card_sw_text(resp->sw));
			goto out;
		}
		if (resp->len > cap - off) {
			r = err_set(NHI_ECARD_PROTO, "READ BINARY of EF SFI %02X: the file is"
			    " longer than %zu bytes", sfi, cap);
			goto out;
		}
		memcpy(out + off, resp->data, resp->len);
		off += resp->len;
		/* End of file: fewer bytes than asked, or the card says so. */
		if (resp->sw == 0x6282 || resp->len == 0 || resp->len < le)
			break;
		/* A BER-TLV file ends with its outermost TLV: no read past it. */
		if (tlv && (need = tlv_total(out, off)) != 0 && need <= off)
			break;
		if (off > READ_MAX_OFFSET) {
			r = err_set(NHI_ECARD_PROTO, "READ BINARY of EF SFI %02X: the file is"
			    " longer than %d bytes (offsets past %d need the odd"
			    " instruction B1, which this station does not use)", sfi,
			    READ_MAX_OFFSET, READ_MAX_OFFSET);
			goto out;
		}
	}
	*outlen = off;
	*sw = 0x9000;
	r = 0;
out:
	free(resp);
	return r;
}

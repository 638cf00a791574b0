/*
 * card-apdu.c: the command and response APDU codec (ISO/IEC 7816-3 and
 * 7816-4). Pure: no I/O, no allocation. apdu_decode() and apdu_resp_parse()
 * read untrusted bytes and are fuzzed (fuzz/fuzz-apdu.c).
 *
 * The seven command cases:
 *   1   CLA INS P1 P2
 *   2S  CLA INS P1 P2 Le                    (Le 00 = 256)
 *   3S  CLA INS P1 P2 Lc data               (Lc 01..FF)
 *   4S  CLA INS P1 P2 Lc data Le
 *   2E  CLA INS P1 P2 00 Le1 Le2            (Le 0000 = 65536)
 *   3E  CLA INS P1 P2 00 Lc1 Lc2 data       (Lc 0001..FFFF)
 *   4E  CLA INS P1 P2 00 Lc1 Lc2 data Le1 Le2
 */
#include "config.h"

#include <string.h>

#include "card.h"
#include "error.h"

/* The Le a command asks for, 0 meaning "as many as the form allows". */
static size_t
apdu_le_value(const struct apdu *a, size_t max)
{
	return a->le == 0 ? max : a->le;
}

int
apdu_encode(const struct apdu *a, int extended_ok, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t n = 0, need, le = 0;
	int extended;

	if (a->lc > APDU_MAX_DATA || (a->lc > 0 && a->data == NULL))
		return err_set(NHI_ERANGE, "APDU %02X%02X: %zu data bytes",
		    a->cla, a->ins, a->lc);
	if (a->has_le && a->le > APDU_MAX_RESP)
		return err_set(NHI_ERANGE, "APDU %02X%02X: Le %zu too large",
		    a->cla, a->ins, a->le);
	extended = a->lc > 255 || (a->has_le && a->le > 256);
	if (extended && !extended_ok)
		return err_set(NHI_ERANGE, "APDU %02X%02X: needs extended length,"
		    " which the card does not support", a->cla, a->ins);

	need = 4;
	if (a->lc > 0)
		need += (extended ? 3 : 1) + a->lc;
	if (a->has_le)
		need += extended ? (a->lc > 0 ? 2 : 3) : 1;
	if (need > cap)
		return err_set(NHI_ERANGE, "APDU %02X%02X: %zu bytes do not fit in %zu",
		    a->cla, a->ins, need, cap);

	out[n++] = a->cla;
	out[n++] = a->ins;
	out[n++] = a->p1;
	out[n++] = a->p2;
	if (a->lc > 0) {
		if (extended) {
			out[n++] = 0x00;
			out[n++] = (uint8_t)(a->lc >> 8);
		}
		out[n++] = (uint8_t)a->lc;
		memcpy(out + n, a->data, a->lc);
		n += a->lc;
	}
	if (a->has_le) {
		if (extended) {
			le = apdu_le_value(a, 65536);
			if (a->lc == 0)
				out[n++] = 0x00;
			/* 65536 encodes as 0000. */
			out[n++] = (uint8_t)((le >> 8) & 0xff);
			out[n++] = (uint8_t)(le & 0xff);
		} else {
			le = apdu_le_value(a, 256);
			out[n++] = (uint8_t)(le & 0xff);
		}
	}
	*outlen = n;
	return 0;
}

int
apdu_decode(const uint8_t *in, size_t len, struct apdu *out)
{
	struct apdu a;
	size_t b4, lc;

	if (len < 4)
		return err_set(NHI_EPARSE, "command APDU: %zu bytes, need at least 4",
		    len);
	memset(&a, 0, sizeof a);
	a.cla = in[0];
	a.ins = in[1];
	a.p1 = in[2];
	a.p2 = in[3];
	if (len == 4)
		goto done;					/* case 1 */
	b4 = in[4];
	if (len == 5) {						/* case 2S */
		a.has_le = 1;
		a.le = b4 == 0 ? 256 : b4;
		goto done;
	}
	if (b4 != 0) {
		if (len == 5 + b4) {				/* case 3S */
			a.lc = b4;
			a.data = in + 5;
			goto done;
		}
		if (len == 6 + b4) {				/* case 4S */
			a.lc = b4;
			a.data = in + 5;
			a.has_le = 1;
			a.le = in[len - 1] == 0 ? 256 : in[len - 1];
			goto done;
		}
		return err_set(NHI_EPARSE, "command APDU %02X%02X: Lc %zu does not"
		    " match length %zu", a.cla, a.ins, b4, len);
	}
	/* b4 == 0 with more bytes: extended length. */
	if (len < 7)
		return err_set(NHI_EPARSE, "command APDU %02X%02X: truncated extended"
		    " length", a.cla, a.ins);
	lc = (size_t)in[5] << 8 | in[6];
	if (len == 7) {						/* case 2E */
		a.has_le = 1;
		a.le = lc == 0 ? 65536 : lc;
		goto done;
	}
	if (lc == 0)
		return err_set(NHI_EPARSE, "command APDU %02X%02X: extended Lc is 0",
		    a.cla, a.ins);
	if (len == 7 + lc) {					/* case 3E */
		a.lc = lc;
		a.data = in + 7;
		goto done;
	}
	if (len == 9 + lc) {					/* case 4E */
		size_t le = (size_t)in[len - 2] << 8 | in[len - 1];

		a.lc = lc;
		a.data = in + 7;
		a.has_le = 1;
		a.le = le == 0 ? 65536 : le;
		goto done;
	}
	return err_set(NHI_EPARSE, "command APDU %02X%02X: extended Lc %zu does"
	    " not match length %zu", a.cla, a.ins, lc, len);
done:
	*out = a;
	return 0;
}

int
apdu_resp_parse(const uint8_t *in, size_t len, struct apdu_resp *out)
{
	if (len < 2)
		return err_set(NHI_ECARD_PROTO, "response APDU: %zu bytes, need the"
		    " 2-byte status word", len);
	if (len > APDU_MAX_RESP + 2)
		return err_set(NHI_ECARD_PROTO, "response APDU: %zu bytes, more than"
		    " %d", len, APDU_MAX_RESP + 2);
	out->len = len - 2;
	memcpy(out->data, in, out->len);
	out->sw = (uint16_t)(in[len - 2] << 8 | in[len - 1]);
	return 0;
}

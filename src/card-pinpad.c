/*
 * card-pinpad.c: the reader's PIN pad (PC/SC part 10 v2.02): ask the
 * reader for its features (CM_IOCTL_GET_FEATURE_REQUEST), and when it has
 * FEATURE_VERIFY_PIN_DIRECT, have it collect the PIN and send the VERIFY
 * itself, so the PIN never passes through the station's memory.
 */
#include "config.h"

#include <string.h>

#include <PCSC/reader.h>

#include "card.h"
#include "error.h"
#include "util.h"

/* The control code of FEATURE_VERIFY_PIN_DIRECT, or 0. */
static uint32_t
verify_feature(struct card *card)
{
	uint8_t buf[256];
	size_t len = sizeof(buf), i;

	if (card->ops->control == NULL)
		return 0;
	if (card->ops->control(card, CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0, buf,
	    &len) != 0) {
		err_clear();	/* a reader without part 10: no PIN pad */
		return 0;
	}
	/* TLVs: tag, length 4, the control code big-endian. */
	for (i = 0; i + 6 <= len; i += 2 + buf[i + 1]) {
		if (buf[i + 1] != 4)
			break;
		if (buf[i] == FEATURE_VERIFY_PIN_DIRECT)
			return (uint32_t)buf[i + 2] << 24 | (uint32_t)buf[i + 3] << 16 |
			    (uint32_t)buf[i + 4] << 8 | buf[i + 5];
	}
	return 0;
}

int
card_verify_pin_pad(struct card *card, const uint8_t hdr[4], size_t pinlen,
    uint16_t *sw)
{
	uint8_t in[sizeof(PIN_VERIFY_STRUCTURE) + 5 + 16], out[64];
	PIN_VERIFY_STRUCTURE pv;
	size_t outlen = sizeof(out), n;
	uint32_t code;
	int r;

	if (pinlen == 0 || pinlen > 16)
		return err_set(NHI_ERANGE, "a PIN pad PIN of %zu digits", pinlen);
	if ((code = verify_feature(card)) == 0)
		return NHI_ENOTFOUND;
	memset(&pv, 0, sizeof(pv));
	pv.bTimerOut = 30;
	pv.bTimerOut2 = 15;
	pv.bmFormatString = 0x82;	/* byte units, PIN at offset 0, ASCII */
	pv.bmPINBlockString = (uint8_t)pinlen;	/* no length field */
	pv.bmPINLengthFormat = 0x00;
	pv.wPINMaxExtraDigit = (uint16_t)(pinlen << 8 | pinlen);
	pv.bEntryValidationCondition = 0x02;	/* the OK key */
	pv.bNumberMessage = 0x01;
	pv.wLangId = 0x0411;			/* Japanese */
	pv.ulDataLength = (uint32_t)(5 + pinlen);
	n = sizeof(pv);
	memcpy(in, &pv, n);
	memcpy(in + n, hdr, 4);
	in[n + 4] = (uint8_t)pinlen;
	memset(in + n + 5, 0xFF, pinlen);	/* the reader writes the PIN here */
	n += 5 + pinlen;
	card->apdus++;
	if ((r = card->ops->control(card, code, in, n, out, &outlen)) != 0)
		return r;
	if (outlen != 2)
		return err_set(NHI_ECARD_PROTO, "reader '%s': the PIN pad answered %zu bytes,"
		    " not a status word", card->reader, outlen);
	*sw = (uint16_t)(out[0] << 8 | out[1]);
	return 0;
}

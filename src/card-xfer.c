/*
 * card-xfer.c: one command, one whole response, over any transport
 * (PC/SC or scripted): encoding, the T=0 conventions every card may use
 * (61xx: more data, fetch it with GET RESPONSE; 6Cxx: wrong Le, resend
 * with the right one), the APDU count, transactions and closing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "error.h"
#include "util.h"

/* Bounds against a card that never stops asking: 6Cxx resends per
 * command, GET RESPONSE rounds per command. */
#define XFER_MAX_RESEND		2
#define XFER_MAX_GET_RESPONSE	512

/*
 * The encoded command and the raw answer, one pair a thread, reused by
 * every exchange. They were allocated and wiped whole (128 KB) for each
 * APDU: the wipe and the heap growing and shrinking again were a tenth
 * of the station's CPU time for a card (docs/performance.md "card").
 * Now only the bytes an exchange used are wiped, as soon as it is done.
 */
static _Thread_local uint8_t xfer_buf[APDU_MAX_CMD];
static _Thread_local uint8_t xfer_raw_buf[APDU_MAX_RESP + 2];

/* Bytes of xfer_buf and xfer_raw_buf written since the last wipe. */
struct xfer_used {
	size_t	buf;
	size_t	raw;
};

/* Send encoded bytes, split the answer. */
static int
xfer_raw(struct card *card, const struct apdu *cmd, struct xfer_used *used,
    uint8_t *sw1, uint8_t *sw2, size_t *datalen)
{
	uint8_t *buf = xfer_buf, *raw = xfer_raw_buf;
	size_t len, rawlen = sizeof(xfer_raw_buf);
	int r;

	/* apdu_encode may write up to its capacity before it refuses */
	used->buf = sizeof(xfer_buf);
	used->raw = 0;
	if ((r = apdu_encode(cmd, card->extended, buf, sizeof(xfer_buf), &len)) != 0)
		return r;
	used->buf = len;
	card->apdus++;
	/* the transport may fill the buffer before it fails */
	used->raw = sizeof(xfer_raw_buf);
	if ((r = card->ops->transmit(card, buf, len, raw, &rawlen)) != 0)
		return r;
	if (rawlen < used->raw)
		used->raw = rawlen;
	if (rawlen < 2)
		return err_set(NHI_ECARD_PROTO, "reader '%s': response to %02X%02X of "
		    "%zu bytes has no status word", card->reader, cmd->cla, cmd->ins, rawlen);
	*sw1 = raw[rawlen - 2];
	*sw2 = raw[rawlen - 1];
	*datalen = rawlen - 2;
	return 0;
}

static void
xfer_note(struct xfer_used *used, const struct xfer_used *u)
{
	if (u->buf > used->buf)
		used->buf = u->buf;
	if (u->raw > used->raw)
		used->raw = u->raw;
}

int
card_xfer(struct card *card, const struct apdu *cmd, struct apdu_resp *resp)
{
	struct apdu c = *cmd, gr;
	struct xfer_used used = { 0, 0 }, u;
	const uint8_t *raw = xfer_raw_buf;
	uint8_t sw1, sw2;
	size_t datalen, total = 0;
	int r, resends = 0, rounds = 0;

	/* The command, resent with the Le the card names on 6Cxx. */
	for (;;) {
		r = xfer_raw(card, &c, &u, &sw1, &sw2, &datalen);
		xfer_note(&used, &u);
		if (r != 0)
			goto out;
		if (sw1 != 0x6C || resends++ == XFER_MAX_RESEND)
			break;
		c.has_le = 1;
		c.le = sw2 == 0 ? 256 : sw2;
	}
	memcpy(resp->data, raw, datalen);
	total = datalen;

	/* 61xx: more data waiting; fetch it and append. */
	memset(&gr, 0, sizeof(gr));
	gr.cla = cmd->cla & 0x03;	/* keep the logical channel */
	gr.ins = 0xC0;
	resends = 0;
	while (sw1 == 0x61 || (sw1 == 0x6C && rounds > 0)) {
		if (rounds++ == XFER_MAX_GET_RESPONSE) {
			r = err_set(NHI_ECARD_PROTO, "reader '%s': card keeps answering %02X%02X "
			    "to GET RESPONSE", card->reader, sw1, sw2);
			goto out;
		}
		gr.has_le = 1;
		gr.le = sw2 == 0 ? 256 : sw2;
		if (sw1 == 0x6C && resends++ == XFER_MAX_RESEND)
			break;
		r = xfer_raw(card, &gr, &u, &sw1, &sw2, &datalen);
		xfer_note(&used, &u);
		if (r != 0)
			goto out;
		if (total + datalen > APDU_MAX_RESP) {
			r = err_set(NHI_ECARD_PROTO, "reader '%s': response to %02X%02X longer "
			    "than %d bytes", card->reader, cmd->cla, cmd->ins, APDU_MAX_RESP);
			goto out;
		}
		memcpy(resp->data + total, raw, datalen);
		total += datalen;
	}
	resp->len = total;
	resp->sw = (uint16_t)(sw1 << 8 | sw2);
	r = 0;
out:
	/* Commands and responses may carry keys (PUT KEY, INITIALIZE
	 * UPDATE, key reads): wipe what was used. */
	util_wipe(xfer_raw_buf, used.raw);
	util_wipe(xfer_buf, used.buf);
	return r;
}

int
card_begin(struct card *card)
{
	return card->ops->begin != NULL ? card->ops->begin(card) : 0;
}

int
card_end(struct card *card)
{
	return card->ops->end != NULL ? card->ops->end(card) : 0;
}

void
card_close(struct card *card)
{
	if (card != NULL)
		card->ops->close(card);
}

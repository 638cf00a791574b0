/*
 * card-mynumber.c: the My Number card's JPKI AP and input-support AP
 * (card-mynumber.h): SELECT by AID and by file identifier, READ BINARY in
 * pieces, VERIFY with the tries left (63Cx, 6983), COMPUTE DIGITAL
 * SIGNATURE. Every command is sent once: a wrong PIN is never retried.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "card.h"
#include "card-mynumber.h"
#include "error.h"
#include "text.h"
#include "util.h"

static const uint8_t aid_jpki[] = { 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00,
	0x00, 0x01 };
static const uint8_t aid_input[] = { 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01,
	0x04, 0x08 };

#define EF_AUTH_CERT	0x000A
#define EF_AUTH_KEY	0x0017
#define EF_AUTH_PIN	0x0018
#define EF_INPUT_PIN	0x0011
#define EF_ITEMS	0x0002

static int
select_aid(struct card *card, const uint8_t *aid, size_t len, uint16_t *sw)
{
	struct apdu a = { 0x00, 0xA4, 0x04, 0x0C, aid, len, 0, 0 };
	static struct apdu_resp resp;
	int r;

	if ((r = card_xfer(card, &a, &resp)) != 0)
		return r;
	*sw = resp.sw;
	return 0;
}

static int
select_ef(struct card *card, uint16_t fid)
{
	uint8_t id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	struct apdu a = { 0x00, 0xA4, 0x02, 0x0C, id, 2, 0, 0 };
	static struct apdu_resp resp;
	int r;

	if ((r = card_xfer(card, &a, &resp)) != 0)
		return r;
	if (resp.sw != 0x9000)
		return err_set(NHI_ECARD_SW, "SELECT EF %04X: %s", fid, card_sw_text(resp.sw));
	return 0;
}

static int
select_app(struct card *card, int jpki)
{
	uint16_t sw;
	int r;

	if ((r = select_aid(card, jpki ? aid_jpki : aid_input,
	    jpki ? sizeof(aid_jpki) : sizeof(aid_input), &sw)) != 0)
		return r;
	if (sw != 0x9000)
		return err_set(NHI_ECARD_UNKNOWN, "not a My Number card: SELECT of the %s"
		    " answered %s", jpki ? "JPKI AP" : "input-support AP", card_sw_text(sw));
	return 0;
}

int
mynumber_detect(struct card *card)
{
	int r;

	if ((r = select_app(card, 0)) != 0 || (r = select_app(card, 1)) != 0)
		return r;
	return 0;
}

/* READ BINARY of the current EF at `off`, up to `want` bytes. */
static int
read_at(struct card *card, size_t off, size_t want, uint8_t *out, size_t *got)
{
	struct apdu a = { 0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, NULL, 0,
		want >= 256 ? 0 : want, 1 };
	static struct apdu_resp resp;
	int r;

	if (off > 0x7FFF)
		return err_set(NHI_ECARD_PROTO, "a file over 32767 bytes");
	if ((r = card_xfer(card, &a, &resp)) != 0)
		return r;
	if (resp.sw != 0x9000)
		return err_set(NHI_ECARD_SW, "READ BINARY at %zu: %s", off,
		    card_sw_text(resp.sw));
	if (resp.len == 0 || resp.len > want)
		return err_set(NHI_ECARD_PROTO, "READ BINARY at %zu: %zu bytes for %zu asked",
		    off, resp.len, want);
	memcpy(out, resp.data, resp.len);
	*got = resp.len;
	return 0;
}

/* The DER length of the SEQUENCE starting `hdr` (4 bytes): the total. */
static int
der_total(const uint8_t *hdr, size_t *total)
{
	if (hdr[0] != 0x30)
		return err_set(NHI_ECARD_PROTO, "the certificate file does not start with"
		    " a DER SEQUENCE");
	if (hdr[1] < 0x80)
		*total = 2 + hdr[1];
	else if (hdr[1] == 0x81)
		*total = 3 + hdr[2];
	else if (hdr[1] == 0x82)
		*total = 4 + ((size_t)hdr[2] << 8 | hdr[3]);
	else
		return err_set(NHI_ECARD_PROTO, "the certificate's length is not 1 to 65535");
	return 0;
}

int
mynumber_read_cert(struct card *card, uint8_t *out, size_t cap, size_t *len)
{
	size_t total = 0, off = 0, got, want;
	int r;

	if ((r = select_app(card, 1)) != 0 || (r = select_ef(card, EF_AUTH_CERT)) != 0)
		return r;
	while (off < 4) {
		if ((r = read_at(card, off, 4 - off, out + off, &got)) != 0)
			return r;
		off += got;
	}
	if ((r = der_total(out, &total)) != 0)
		return r;
	if (total > cap)
		return err_set(NHI_ECARD_PROTO, "the certificate has %zu bytes, at most %zu"
		    " are read", total, cap);
	while (off < total) {
		want = total - off > 256 ? 256 : total - off;
		if ((r = read_at(card, off, want, out + off, &got)) != 0)
			return r;
		off += got;
	}
	*len = total;
	return 0;
}

static int
pin_ef(struct card *card, enum mynumber_pin which)
{
	int r;

	if ((r = select_app(card, which == MYNUMBER_PIN_AUTH)) != 0)
		return r;
	return select_ef(card, which == MYNUMBER_PIN_AUTH ? EF_AUTH_PIN : EF_INPUT_PIN);
}

static const char *
pin_name(enum mynumber_pin which)
{
	return which == MYNUMBER_PIN_AUTH ? "user-authentication PIN" :
	    "input-support PIN";
}

/* Judge VERIFY's status word. */
static int
mynumber_pin_sw(enum mynumber_pin which, uint16_t sw, int *tries_left)
{
	if (sw == 0x9000)
		return 0;
	if ((sw & 0xFFF0) == 0x63C0 && (sw & 0x0F) > 0) {
		*tries_left = sw & 0x0F;
		return err_reason(err_set(NHI_EAUTH, "wrong %s: %d %s left (not retried:"
		    " the resident types it again)", pin_name(which), *tries_left,
		    *tries_left == 1 ? "try" : "tries"), "mynumber.pin_wrong");
	}
	if (sw == 0x63C0 || sw == 0x6983) {
		*tries_left = 0;
		return err_reason(err_set(NHI_EAUTH, "the %s is locked (%s): it is reset at the"
		    " resident's municipal office (My Number card desk)", pin_name(which),
		    sw == 0x6983 ? "6983" : "no tries left"), "mynumber.pin_locked");
	}
	return err_set(NHI_ECARD_SW, "VERIFY of the %s: %s", pin_name(which),
	    card_sw_text(sw));
}

int
mynumber_pin_tries(struct card *card, enum mynumber_pin which, int *tries)
{
	struct apdu a = { 0x00, 0x20, 0x00, 0x80, NULL, 0, 0, 0 };
	static struct apdu_resp resp;
	int r;

	if ((r = pin_ef(card, which)) != 0 || (r = card_xfer(card, &a, &resp)) != 0)
		return r;
	if (resp.sw == 0x9000)
		*tries = -1;
	else if ((resp.sw & 0xFFF0) == 0x63C0)
		*tries = resp.sw & 0x0F;
	else if (resp.sw == 0x6983)
		*tries = 0;
	else
		return err_set(NHI_ECARD_SW, "VERIFY (tries left) of the %s: %s",
		    pin_name(which), card_sw_text(resp.sw));
	return 0;
}

int
mynumber_verify_pin(struct card *card, enum mynumber_pin which, const char *pin,
    int *tries_left)
{
	uint8_t data[MYNUMBER_PIN_LEN];
	struct apdu a = { 0x00, 0x20, 0x00, 0x80, data, sizeof(data), 0, 0 };
	static struct apdu_resp resp;
	int r;

	*tries_left = -1;
	if (pin == NULL || strlen(pin) != MYNUMBER_PIN_LEN ||
	    strspn(pin, "0123456789") != MYNUMBER_PIN_LEN)
		return err_set(NHI_EUSAGE, "the %s has 4 digits: nothing was sent to the card",
		    pin_name(which));
	if ((r = pin_ef(card, which)) != 0)
		return r;
	memcpy(data, pin, sizeof(data));
	r = card_xfer(card, &a, &resp);
	util_wipe(data, sizeof(data));
	if (r != 0)
		return r;
	return mynumber_pin_sw(which, resp.sw, tries_left);
}

int
mynumber_read_items(struct card *card, struct card_items *out)
{
	static uint8_t buf[2048];
	static const struct { uint32_t tag; size_t off, cap; } f[] = {
		{ 0xDF22, offsetof(struct card_items, name), sizeof(out->name) },
		{ 0xDF23, offsetof(struct card_items, address), sizeof(out->address) },
		{ 0xDF24, offsetof(struct card_items, birth), sizeof(out->birth) },
		{ 0xDF25, offsetof(struct card_items, sex), sizeof(out->sex) },
	};
	struct tlv t, v;
	size_t off = 0, got, i;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = select_ef(card, EF_ITEMS)) != 0)
		return r;
	/* Read until the FF20 template is complete. */
	for (;;) {
		const uint8_t *p = buf;
		size_t left = off;

		if (off > 0 && tlv_next(&p, &left, &t) == 0)
			break;
		err_clear();
		if (off + 256 > sizeof(buf))
			return err_set(NHI_ECARD_PROTO, "the basic items file is over %zu bytes",
			    sizeof(buf) - 256);
		if ((r = read_at(card, off, 256, buf + off, &got)) != 0)
			return r;
		off += got;
		if (got < 256) {
			p = buf;
			left = off;
			if ((r = tlv_next(&p, &left, &t)) != 0)
				return err_set(NHI_ECARD_PROTO, "the basic items file is not one"
				    " BER-TLV");
			break;
		}
	}
	if (t.tag != 0xFF20)
		return err_set(NHI_ECARD_PROTO, "the basic items file holds tag %X, not FF20",
		    (unsigned)t.tag);
	for (i = 0; i < NHI_ARRAY_LEN(f); i++) {
		if (tlv_find(t.value, t.len, f[i].tag, &v) != 0 || v.len >= f[i].cap) {
			err_clear();
			return err_set(NHI_ECARD_PROTO, "the basic items file lacks %X or it is"
			    " too long", (unsigned)f[i].tag);
		}
		memcpy((char *)out + f[i].off, v.value, v.len);
		((char *)out + f[i].off)[v.len] = '\0';
	}
	if (strlen(out->birth) != 8 || strspn(out->birth, "0123456789") != 8 ||
	    strlen(out->sex) != 1)
		return err_set(NHI_ECARD_PROTO, "the basic items file's birth date or sex is"
		    " malformed");
	return 0;
}

int
mynumber_sign(struct card *card, const uint8_t *di, size_t dilen, uint8_t *sig,
    size_t cap, size_t *siglen)
{
	struct apdu a = { 0x80, 0x2A, 0x00, 0x80, di, dilen, 0, 1 };
	static struct apdu_resp resp;
	int r;

	if ((r = select_ef(card, EF_AUTH_KEY)) != 0)
		return r;
	if ((r = card_xfer(card, &a, &resp)) != 0)
		return r;
	if (resp.sw != 0x9000)
		return err_set(NHI_ECARD_SW, "COMPUTE DIGITAL SIGNATURE: %s",
		    card_sw_text(resp.sw));
	if (resp.len == 0 || resp.len > cap)
		return err_set(NHI_ECARD_PROTO, "a signature of %zu bytes", resp.len);
	memcpy(sig, resp.data, resp.len);
	*siglen = resp.len;
	return 0;
}

int
mynumber_verify_pin_pad(struct card *card, enum mynumber_pin which, int *tries_left)
{
	static const uint8_t hdr[4] = { 0x00, 0x20, 0x00, 0x80 };
	uint16_t sw;
	int r;

	/* The PIN EF is current: mynumber_pin_tries() selected it. */
	*tries_left = -1;
	if ((r = card_verify_pin_pad(card, hdr, MYNUMBER_PIN_LEN, &sw)) != 0)
		return r;
	if (sw == 0x6400)
		return err_set(NHI_ETIMEOUT, "no %s was typed on the reader's PIN pad in"
		    " time: nothing was sent to the card", pin_name(which));
	if (sw == 0x6401)
		return err_set(NHI_ECANCELLED, "the %s entry was cancelled on the reader's"
		    " PIN pad", pin_name(which));
	return mynumber_pin_sw(which, sw, tries_left);
}

void
mynumber_items_which(const struct card_items *items, const struct card_person *p,
    char *which, size_t cap)
{
	struct text_basic_items card = { 0 }, person = { 0 };
	char birth[11];
	unsigned diff;

	snprintf(birth, sizeof(birth), "%.4s-%.2s-%.2s", items->birth, items->birth + 4,
	    items->birth + 6);
	text_basic_items_make(items->name, birth, items->sex[0] - '0', items->address, &card);
	text_basic_items_make(p->name, p->birth_date, p->sex, p->address, &person);
	diff = text_basic_items_diff(&card, &person);
	text_basic_items_free(&card);
	text_basic_items_free(&person);
	snprintf(which, cap, "%s%s%s%s", diff & TEXT_ITEM_NAME ? ", name" : "",
	    diff & TEXT_ITEM_BIRTH ? ", birth date" : "", diff & TEXT_ITEM_SEX ? ", sex" : "",
	    diff & TEXT_ITEM_ADDRESS ? ", address" : "");
	if (which[0] != '\0')
		memmove(which, which + 2, strlen(which + 2) + 1);
}

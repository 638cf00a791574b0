/*
 * card-record.c: the NHI AP's key record (docs/card-profile.md section 4):
 * encoding it for PUT DATA, sealing it with its signature, parsing it back
 * from a card. The parser reads card data and is fuzzed.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

static const char *const kind_names[] = { NULL, "juki_existing", "juki_new", "standalone" };

int
card_kind_code(const char *kind)
{
	int i;

	for (i = 1; i < 4; i++)
		if (strcmp(kind, kind_names[i]) == 0)
			return i;
	return 0;
}

const char *
card_kind_name(int code)
{
	return code >= 1 && code <= 3 ? kind_names[code] : NULL;
}

int
card_key_record_encode(struct card_key_record *rec)
{
	uint8_t body[sizeof(rec->raw)], gen = (uint8_t)rec->key_generation,
	    kind = (uint8_t)rec->kind;
	size_t off = 0;
	int r;

	if ((r = tlv_put(body, sizeof(body), &off, 0xDF01, rec->user_number,
	    CARD_USER_NUMBER_LEN)) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF02, (const uint8_t *)rec->insurer_number,
	    strlen(rec->insurer_number))) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF03,
	    (const uint8_t *)rec->municipality_code, strlen(rec->municipality_code))) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF04, &gen, 1)) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF05, (const uint8_t *)rec->issue_date,
	    strlen(rec->issue_date))) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF06, &kind, 1)) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF07, rec->public_key,
	    CARD_PUBKEY_LEN)) != 0 ||
	    (r = tlv_put(body, sizeof(body), &off, 0xDF08, rec->signer_id,
	    CARD_SIGNER_ID_LEN)) != 0)
		return r;
	/* The signed span is the body; its place in raw depends on the 70
	 * header, fixed by the final length (body + DF09's 3 + 64 bytes). */
	rec->raw_len = 0;
	if ((r = tlv_put(rec->raw, sizeof(rec->raw), &rec->raw_len, 0x70, body, off)) != 0)
		return r;
	rec->signed_len = off;
	rec->signed_off = rec->raw_len - off;
	return 0;
}

int
card_key_record_seal(struct card_key_record *rec)
{
	uint8_t body[sizeof(rec->raw)];
	size_t off = rec->signed_len;
	int r;

	memcpy(body, rec->raw + rec->signed_off, rec->signed_len);
	if ((r = tlv_put(body, sizeof(body), &off, 0xDF09, rec->signature,
	    CARD_SIG_LEN)) != 0)
		return r;
	rec->raw_len = 0;
	if ((r = tlv_put(rec->raw, sizeof(rec->raw), &rec->raw_len, 0x70, body, off)) != 0)
		return r;
	rec->signed_off = rec->raw_len - off;
	return 0;
}

/* Take the next TLV, which must carry `tag`. */
static int
record_field(const uint8_t **p, size_t *left, uint32_t tag, const char *what,
    size_t min, size_t max, struct tlv *t)
{
	if (tlv_next(p, left, t) != 0 || t->tag != tag || t->len < min || t->len > max)
		return err_set(NHI_ECARD_UNKNOWN, "key record: %s (%X) missing, out of order"
		    " or of a bad length", what, tag);
	return 0;
}

static int
record_digits(const struct tlv *t, char *out)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (t->value[i] < '0' || t->value[i] > '9')
			return err_set(NHI_ECARD_UNKNOWN, "key record: tag %X is not digits",
			    t->tag);
	memcpy(out, t->value, t->len);
	out[t->len] = '\0';
	return 0;
}

int
card_key_record_parse(const uint8_t *buf, size_t len, struct card_key_record *out)
{
	struct card_key_record rec;
	const uint8_t *p = buf, *body;
	size_t left = len;
	struct tlv t70, t;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (tlv_next(&p, &left, &t70) != 0 || t70.tag != 0x70 ||
	    (size_t)(p - buf) > sizeof(rec.raw))
		return err_set(NHI_ECARD_UNKNOWN, "key record: not a 70 template");
	body = t70.value;
	p = body;
	left = t70.len;
	if ((r = record_field(&p, &left, 0xDF01, "user number", 16, 16, &t)) != 0)
		return r;
	memcpy(rec.user_number, t.value, 16);
	if ((r = record_field(&p, &left, 0xDF02, "insurer number", 6, 8, &t)) != 0 ||
	    (t.len != 6 && t.len != 8) || (r = record_digits(&t, rec.insurer_number)) != 0)
		return r != 0 ? r : err_set(NHI_ECARD_UNKNOWN, "key record: insurer"
		    " number is not 6 or 8 digits");
	if ((r = record_field(&p, &left, 0xDF03, "municipality code", 6, 6, &t)) != 0 ||
	    (r = record_digits(&t, rec.municipality_code)) != 0)
		return r;
	if ((r = record_field(&p, &left, 0xDF04, "key generation", 1, 1, &t)) != 0)
		return r;
	rec.key_generation = t.value[0];
	if ((r = record_field(&p, &left, 0xDF05, "issue date", 8, 8, &t)) != 0 ||
	    (r = record_digits(&t, rec.issue_date)) != 0)
		return r;
	if ((r = record_field(&p, &left, 0xDF06, "card kind", 1, 1, &t)) != 0)
		return r;
	rec.kind = t.value[0];
	if ((r = record_field(&p, &left, 0xDF07, "card public key", CARD_PUBKEY_LEN,
	    CARD_PUBKEY_LEN, &t)) != 0)
		return r;
	memcpy(rec.public_key, t.value, CARD_PUBKEY_LEN);
	if ((r = record_field(&p, &left, 0xDF08, "signer key id", CARD_SIGNER_ID_LEN,
	    CARD_SIGNER_ID_LEN, &t)) != 0)
		return r;
	memcpy(rec.signer_id, t.value, CARD_SIGNER_ID_LEN);
	rec.signed_len = (size_t)(p - body);
	if ((r = record_field(&p, &left, 0xDF09, "signature", CARD_SIG_LEN, CARD_SIG_LEN,
	    &t)) != 0)
		return r;
	memcpy(rec.signature, t.value, CARD_SIG_LEN);
	if (left != 0)
		return err_set(NHI_ECARD_UNKNOWN, "key record: %zu unexpected bytes after"
		    " the signature", left);
	if (rec.key_generation < 1 || card_kind_name(rec.kind) == NULL ||
	    rec.public_key[0] != 0x04)
		return err_set(NHI_ECARD_UNKNOWN, "key record: key generation, card kind or"
		    " public key out of range");
	rec.raw_len = (size_t)(body + t70.len - buf);
	memcpy(rec.raw, buf, rec.raw_len);
	rec.signed_off = (size_t)(body - buf);
	*out = rec;
	return 0;
}

void
card_user_number_fingerprint(const uint8_t un[CARD_USER_NUMBER_LEN], char *buf)
{
	uint8_t h[CRYPTO_SHA256_LEN];

	if (crypto_sha256(un, CARD_USER_NUMBER_LEN, h) != 0)
		memset(h, 0, sizeof(h));
	hex_encode(h, 4, buf);
}

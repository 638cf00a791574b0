/*
 * card-verify.c: reading an NHI AP back and checking it, as the station
 * does after personalization and as a clinic terminal does
 * (docs/card-profile.md sections 3.1, 4.1 and 7): SELECT the NHI AP, parse
 * its key record, INTERNAL AUTHENTICATE with a fresh challenge, and check
 * the record's signature against the key store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

int
card_select_nhi(struct card *card, const struct card_profile *prof,
    struct card_nhi_state *out)
{
	struct apdu a = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00,
	    .data = prof->aid_nhi, .lc = prof->aid_nhi_len, .le = 0, .has_le = 1 };
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	struct card_nhi_state st;
	struct tlv fci, t, a5, rec;
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = card_xfer(card, &a, resp)) != 0)
		goto out;
	st.sw = resp->sw;
	if (resp->sw == 0x6A82) {
		*out = st;
		r = 0;
		goto out;
	}
	if (resp->sw != 0x9000 && resp->sw != 0x6283) {
		r = err_set(NHI_ECARD_SW, "SELECT of the NHI AP answered %s",
		    card_sw_text(resp->sw));
		goto out;
	}
	st.present = 1;
	if (tlv_find(resp->data, resp->len, 0x6F, &fci) != 0 ||
	    tlv_find(fci.value, fci.len, 0x8A, &t) != 0 || t.len != 1) {
		r = err_set(NHI_ECARD_UNKNOWN, "NHI AP FCI: no 6F template or no LCS (8A)");
		goto out;
	}
	st.lcs = t.value[0];
	if (tlv_find(fci.value, fci.len, 0xA5, &a5) == 0) {
		const uint8_t *p = a5.value, *start;
		size_t left = a5.len;

		while (left > 0) {
			start = p;
			if (tlv_next(&p, &left, &rec) != 0) {
				r = err_set(NHI_ECARD_UNKNOWN, "NHI AP FCI: malformed A5 template");
				goto out;
			}
			if (rec.tag != 0x70)
				continue;
			if ((r = card_key_record_parse(start, (size_t)(p - start),
			    &st.rec)) != 0)
				goto out;
			st.has_record = 1;
			break;
		}
	}
	*out = st;
	r = 0;
out:
	free(resp);
	return r;
}

int
card_challenge(struct card *card, const struct card_key_record *rec,
    const uint8_t *challenge)
{
	return card_challenge_answer(card, rec, challenge, NULL);
}

int
card_challenge_answer(struct card *card, const struct card_key_record *rec,
    const uint8_t *challenge, uint8_t *answer)
{
	uint8_t chal[CARD_CHALLENGE_LEN], msg[CARD_CHALLENGE_LEN + CARD_USER_NUMBER_LEN];
	struct apdu a = { .cla = 0x00, .ins = 0x88, .p1 = 0x00, .p2 = 0x81,
	    .data = chal, .lc = sizeof(chal), .le = 0, .has_le = 1 };
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	int r;

	if (challenge != NULL)
		memcpy(chal, challenge, sizeof(chal));
	else if ((r = crypto_random(chal, sizeof(chal))) != 0)
		goto out;
	if ((r = card_xfer(card, &a, resp)) != 0)
		goto out;
	if (resp->sw != 0x9000) {
		r = err_set(NHI_ECARD_SW, "INTERNAL AUTHENTICATE answered %s",
		    card_sw_text(resp->sw));
		goto out;
	}
	if (resp->len != CARD_SIG_LEN) {
		r = err_set(NHI_EAUTH, "INTERNAL AUTHENTICATE: the card answered %zu bytes,"
		    " not a %d-byte signature", resp->len, CARD_SIG_LEN);
		goto out;
	}
	memcpy(msg, chal, sizeof(chal));
	memcpy(msg + sizeof(chal), rec->user_number, CARD_USER_NUMBER_LEN);
	if (answer != NULL)
		memcpy(answer, resp->data, CARD_SIG_LEN);
	if ((r = crypto_ecdsa_verify(rec->public_key, msg, sizeof(msg), resp->data)) != 0) {
		if (r == NHI_EAUTH)
			r = err_set(NHI_EAUTH, "the card's answer to the challenge does not"
			    " verify with the public key in its key record: not a genuine"
			    " card (or a copy)");
		goto out;
	}
	r = 0;
out:
	free(resp);
	return r;
}

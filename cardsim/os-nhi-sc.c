/*
 * os-nhi-sc.c: the card side of the SCP03 secure channel of the free-area
 * SD (GlobalPlatform Amendment D, "i" = 60, S8), and PUT KEY.
 *
 * INITIALIZE UPDATE picks a static key set by KVN, draws a random card
 * challenge (a test build's fixed-challenge= option fixes it), derives the
 * session keys and answers with the card cryptogram. EXTERNAL
 * AUTHENTICATE must come next: its C-MAC (chaining value zero) and the host
 * cryptogram are checked and the security level is set; from then on every
 * command must be protected (os-nhi.c unwraps them with the crypto layer's
 * primitives). The channel ends on a SELECT, a new INITIALIZE UPDATE, a
 * secure messaging error, a reset or power-off.
 */
#include "config.h"

#include <string.h>

#include "card.h"
#include "error.h"
#include "os-nhi.h"
#include "util.h"

#define NHI_SCP_ID	0x03
#define NHI_S		8				/* S8 mode */

struct scp03_keyset *
nhi_keyset_find(struct nhi_card *card, uint8_t kvn)
{
	size_t i;

	for (i = 0; i < card->nkeysets; i++)
		if (card->keysets[i].kvn == kvn)
			return &card->keysets[i];
	return NULL;
}

void
nhi_sc_close(struct nhi_card *card)
{
	crypto_scp03_wipe(&card->session);
	util_wipe(card->host_challenge, sizeof(card->host_challenge));
	util_wipe(card->card_challenge, sizeof(card->card_challenge));
	card->channel = NHI_SC_CLOSED;
}

/*
 * 80 50 KVN 00 08 host-challenge 00. P1 00 means the first key set. The
 * answer: diversification data (10) || KVN 03 i || card challenge (8) ||
 * card cryptogram (8), and with i = 70 the sequence counter (3) after it.
 */
void
nhi_cmd_initialize_update(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct scp03_keyset *keys;
	uint8_t *p = ans->data, seq[3] = { 0, 0, 0 };
	int pseudo;

	nhi_sc_close(card);
	if (card->selected != NHI_SEL_SD) {
		ans->sw = SW_CONDITIONS;
		return;
	}
	if (c->p2 != 0x00) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (c->lc != NHI_S) {
		ans->sw = SW_WRONG_LENGTH;
		return;
	}
	keys = c->p1 == 0x00 ? (card->nkeysets > 0 ? &card->keysets[0] : NULL) :
	    nhi_keyset_find(card, c->p1);
	if (keys == NULL) {
		ans->sw = SW_NO_DATA;
		return;
	}
	memcpy(card->host_challenge, c->data, NHI_S);
	/* i = 70: the challenge comes from the static ENC key, the next
	 * sequence counter and the SD's AID (Amendment D 6.2.2.1). */
	pseudo = card->scp_i & SCP03_I_PSEUDO_RANDOM;
	if (pseudo) {
		if (card->seq >= 0xFFFFFF) {
			ans->sw = SW_CONDITIONS;	/* counter exhausted */
			return;
		}
		card->seq++;
		seq[0] = (uint8_t)(card->seq >> 16);
		seq[1] = (uint8_t)(card->seq >> 8);
		seq[2] = (uint8_t)card->seq;
	}
	/* A test build's fixed challenge lets a recorded session replay. */
	if (card->fixed)
		memcpy(card->card_challenge, card->fixed_challenge, NHI_S);
	else if (pseudo && !card->wrong_challenge) {
		if (crypto_scp03_card_challenge(keys, seq, nhi_aid_sd.b, nhi_aid_sd.len,
		    NHI_S, card->card_challenge) != 0) {
			err_clear();
			ans->sw = SW_NO_MEMORY;
			return;
		}
	} else if (crypto_random(card->card_challenge, NHI_S) != 0) {
		err_clear();
		ans->sw = SW_NO_MEMORY;
		return;
	}
	if (crypto_scp03_derive_session(keys, card->host_challenge,
	    card->card_challenge, NHI_S, &card->session) != 0 ||
	    crypto_scp03_cryptogram(&card->session, SCP03_DC_CARD_CRYPTOGRAM,
	    card->host_challenge, card->card_challenge, p + 21) != 0) {
		err_clear();
		nhi_sc_close(card);
		ans->sw = SW_NO_MEMORY;
		return;
	}
	memcpy(p, card->serial, NHI_SERIAL_LEN);
	p[10] = keys->kvn;
	p[11] = NHI_SCP_ID;
	p[12] = card->scp_i;
	memcpy(p + 13, card->card_challenge, NHI_S);
	/* Fault injection: a card the station must not trust. */
	if (card->wrong_cryptogram)
		p[21] ^= 0x80;
	ans->len = 29;
	if (pseudo) {
		memcpy(p + 29, seq, 3);
		ans->len = 32;
	}
	ans->sw = SW_OK;
	card->channel_keyset = (size_t)(keys - card->keysets);
	card->channel = NHI_SC_INITIALIZED;
}

/*
 * 84 82 SL 00 10 host-cryptogram C-MAC. Wrong C-MAC: 6988; wrong host
 * cryptogram: 6300; a level GlobalPlatform does not define: 6A86. Any
 * failure closes the pending channel.
 */
void
nhi_cmd_external_auth(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	uint8_t msg[5 + NHI_S], mac[SCP03_BLOCK], expect[NHI_S];

	if (card->channel != NHI_SC_INITIALIZED) {
		nhi_sc_close(card);
		ans->sw = SW_CONDITIONS;
		return;
	}
	if (c->lc != 2 * NHI_S) {
		nhi_sc_close(card);
		ans->sw = SW_WRONG_LENGTH;
		return;
	}
	if (!crypto_scp03_level_valid(c->p1) || c->p2 != 0x00) {
		nhi_sc_close(card);
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	/* The MAC covers CLA' INS P1 P2 Lc and the host cryptogram. */
	msg[0] = 0x84;
	msg[1] = c->ins;
	msg[2] = c->p1;
	msg[3] = c->p2;
	msg[4] = 2 * NHI_S;
	memcpy(msg + 5, c->data, NHI_S);
	if (crypto_scp03_cmac(&card->session, msg, sizeof(msg), mac) != 0 ||
	    !crypto_equal(mac, c->data + NHI_S, NHI_S)) {
		err_clear();
		nhi_sc_close(card);
		ans->sw = SW_SM_WRONG;
		return;
	}
	if (crypto_scp03_cryptogram(&card->session, SCP03_DC_HOST_CRYPTOGRAM,
	    card->host_challenge, card->card_challenge, expect) != 0 ||
	    !crypto_equal(expect, c->data, NHI_S)) {
		err_clear();
		nhi_sc_close(card);
		ans->sw = SW_AUTH_FAILED;
		return;
	}
	card->session.level = c->p1;
	card->channel = NHI_SC_OPEN;
	ans->sw = SW_OK;
}

/*
 * PUT KEY (GP 11.8, Amendment D key format), inside the channel:
 *   P1 the KVN replaced (00: add a key set), P2 81 (keys 1..3);
 *   data: new KVN, then three times 88 Ln Lk <key under DEK> 03 <KCV>.
 * Each key is decrypted with the static DEK of the key set that opened the
 * channel and checked against its KCV before anything changes. The answer
 * is the new KVN and the three KCVs. The channel's session keys stay.
 */
void
nhi_cmd_put_key(struct nhi_card *card, const struct nhi_cmd *c,
    struct nhi_answer *ans)
{
	struct scp03_keyset fresh, *opener, *old = NULL;
	uint8_t *dst[3], plain[SCP03_KEY_MAX * 2], kcv[3];
	const uint8_t *p;
	size_t left, i, enclen, keylen = 0;

	memset(&fresh, 0, sizeof(fresh));
	if (!c->secured) {
		ans->sw = SW_SECURITY;
		return;
	}
	if (c->p2 != 0x81) {
		ans->sw = SW_WRONG_P1P2;
		return;
	}
	if (c->p1 != 0x00 && (old = nhi_keyset_find(card, c->p1)) == NULL) {
		ans->sw = SW_NO_DATA;
		return;
	}
	if (c->lc < 1) {
		ans->sw = SW_WRONG_LENGTH;
		return;
	}
	fresh.kvn = c->data[0];
	if (fresh.kvn == 0x00) {
		ans->sw = SW_WRONG_DATA;
		return;
	}
	/* A KVN that exists may only be replaced by itself. */
	if (nhi_keyset_find(card, fresh.kvn) != NULL && fresh.kvn != c->p1) {
		ans->sw = SW_EXISTS;
		return;
	}
	if (old == NULL && card->nkeysets == NHI_KEYSET_MAX) {
		ans->sw = SW_NO_MEMORY;
		return;
	}
	opener = &card->keysets[card->channel_keyset];
	dst[0] = fresh.enc;
	dst[1] = fresh.mac;
	dst[2] = fresh.dek;
	p = c->data + 1;
	left = c->lc - 1;
	ans->data[0] = fresh.kvn;
	for (i = 0; i < 3; i++) {
		/* 88 Ln Lk <Ln - 1 bytes> 03 <KCV> */
		if (left < 3 || p[0] != 0x88 || p[1] < 17 || left < (size_t)p[1] + 6u)
			goto bad;
		enclen = (size_t)p[1] - 1;
		if (i == 0)
			keylen = p[2];
		if (p[2] != keylen || (keylen != 16 && keylen != 24 && keylen != 32) ||
		    enclen % SCP03_BLOCK != 0 || enclen < keylen ||
		    enclen > sizeof(plain) || p[3 + enclen] != 0x03)
			goto bad;
		if (nhi_keys_dek_decrypt(opener, p + 3, enclen, plain) != 0 ||
		    nhi_keys_kcv(plain, keylen, kcv) != 0 ||
		    !crypto_equal(kcv, p + 4 + enclen, 3))
			goto bad;
		memcpy(dst[i], plain, keylen);
		memcpy(ans->data + 1 + 3 * i, kcv, 3);
		p += 7 + enclen;
		left -= 7 + enclen;
	}
	if (left != 0)
		goto bad;
	fresh.keylen = keylen;
	if (old != NULL) {
		crypto_scp03_keyset_wipe(old);
		*old = fresh;
	} else {
		card->keysets[card->nkeysets++] = fresh;
	}
	/* The channel's keys were the replaced set: remember where it went. */
	card->channel_keyset = old != NULL ? (size_t)(old - card->keysets) :
	    card->nkeysets - 1;
	ans->len = 10;
	ans->sw = SW_OK;
	ans->changed = 1;
	goto out;
bad:
	err_clear();
	ans->len = 0;
	ans->sw = SW_WRONG_DATA;
out:
	util_wipe(plain, sizeof(plain));
	crypto_scp03_keyset_wipe(&fresh);
}

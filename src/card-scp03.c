/*
 * card-scp03.c: the station's side of a GlobalPlatform SCP03 secure
 * channel (Card Specification v2.3 Amendment D) over a struct card:
 * INITIALIZE UPDATE, card cryptogram check, EXTERNAL AUTHENTICATE, then
 * wrapped commands. The cryptography is in crypto-scp03.c (crypto.h
 * documents the byte layouts); this file speaks APDUs and keeps state.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

enum scp03_state { SCP03_INITIALIZED, SCP03_OPEN, SCP03_CLOSED };

struct scp03 {
	struct card		*card;
	enum scp03_state	 state;
	uint8_t			 level;
	size_t			 s;
	uint8_t			 divdata[10];
	uint8_t			 kvn, i;
	uint8_t			 host_challenge[16];
	uint8_t			 card_challenge[16];
	uint8_t			 card_cryptogram[16];
	uint8_t			 seq[3];		/* i = 70 */
	uint8_t			 sd_aid[16];
	size_t			 sd_aid_len;
	struct scp03_session	 sess;
};

/* Give up on the channel: keys wiped, nothing more will be sent. */
static void
scp03_shut(struct scp03 *sc)
{
	crypto_scp03_wipe(&sc->sess);
	sc->state = SCP03_CLOSED;
}

int
scp03_init_update(struct card *card, const struct scp03_params *params,
    struct scp03 **out)
{
	struct scp03 *sc = xcalloc(1, sizeof *sc);
	struct apdu_resp *resp = xmalloc(sizeof *resp);
	struct apdu cmd;
	size_t want;
	int r;

	sc->card = card;
	sc->level = params->level;
	sc->s = params->s16 ? 16 : 8;
	if (!crypto_scp03_level_valid(params->level)) {
		r = err_set(NHI_ERANGE, "SCP03: security level %02X is not one of"
		    " 01, 03, 11, 13, 33", params->level);
		goto out;
	}
	if (params->sd_aid != NULL) {
		if (params->sd_aid_len > sizeof sc->sd_aid) {
			r = err_set(NHI_ERANGE, "SCP03: an SD AID of %zu bytes",
			    params->sd_aid_len);
			goto out;
		}
		memcpy(sc->sd_aid, params->sd_aid, params->sd_aid_len);
		sc->sd_aid_len = params->sd_aid_len;
	}
	if (params->host_challenge != NULL)
		memcpy(sc->host_challenge, params->host_challenge, sc->s);
	else if ((r = crypto_random(sc->host_challenge, sc->s)) != 0)
		goto out;
	memset(&cmd, 0, sizeof cmd);
	cmd.cla = 0x80;
	cmd.ins = 0x50;
	cmd.p1 = params->kvn;
	cmd.p2 = 0x00;
	cmd.data = sc->host_challenge;
	cmd.lc = sc->s;
	cmd.has_le = 1;
	cmd.le = 0;
	if ((r = card_xfer(card, &cmd, resp)) != 0)
		goto out;
	if (resp->sw != 0x9000) {
		r = err_set(NHI_EAUTH, "SCP03: INITIALIZE UPDATE (key version %02X)"
		    " refused: SW %04X", params->kvn, resp->sw);
		goto out;
	}
	if (resp->len < 13) {
		r = err_set(NHI_ECARD_PROTO, "SCP03: INITIALIZE UPDATE response of"
		    " %zu bytes", resp->len);
		goto out;
	}
	memcpy(sc->divdata, resp->data, 10);
	sc->kvn = resp->data[10];
	sc->i = resp->data[12];
	if (resp->data[11] != 0x03) {
		r = err_set(NHI_EAUTH, "SCP03: the card offers secure channel"
		    " protocol %02X, not 03", resp->data[11]);
		goto out;
	}
	if (params->kvn != 0 && sc->kvn != params->kvn) {
		r = err_set(NHI_ECARD_PROTO, "SCP03: asked for key version %02X, the"
		    " card answered with %02X", params->kvn, sc->kvn);
		goto out;
	}
	if (((sc->i & SCP03_I_S16) != 0) != (sc->s == 16)) {
		r = err_set(NHI_EAUTH, "SCP03: the card uses %s mode (i = %02X)",
		    (sc->i & SCP03_I_S16) ? "S16" : "S8", sc->i);
		goto out;
	}
	want = 13 + 2 * sc->s + ((sc->i & SCP03_I_PSEUDO_RANDOM) ? 3 : 0);
	if (resp->len != want) {
		r = err_set(NHI_ECARD_PROTO, "SCP03: INITIALIZE UPDATE response of"
		    " %zu bytes, expected %zu (i = %02X)", resp->len, want, sc->i);
		goto out;
	}
	if (((params->level & SCP03_RMAC) && !(sc->i & SCP03_I_RMAC)) ||
	    ((params->level & SCP03_RENC) && !(sc->i & SCP03_I_RENC))) {
		r = err_set(NHI_EAUTH, "SCP03: the card (i = %02X) cannot do"
		    " security level %02X", sc->i, params->level);
		goto out;
	}
	memcpy(sc->card_challenge, resp->data + 13, sc->s);
	memcpy(sc->card_cryptogram, resp->data + 13 + sc->s, sc->s);
	if (sc->i & SCP03_I_PSEUDO_RANDOM) {
		if (sc->sd_aid_len == 0) {
			r = err_set(NHI_EAUTH, "SCP03: the card uses a pseudo-random"
			    " challenge (i = %02X) and the SD's AID to check it is not"
			    " known", sc->i);
			goto out;
		}
		memcpy(sc->seq, resp->data + 13 + 2 * sc->s, 3);
	}
	sc->state = SCP03_INITIALIZED;
	*out = sc;
	sc = NULL;
	r = 0;
out:
	free(resp);
	scp03_close(sc);
	return r;
}

const uint8_t *
scp03_divdata(const struct scp03 *sc)
{
	return sc->divdata;
}

uint8_t
scp03_card_kvn(const struct scp03 *sc)
{
	return sc->kvn;
}

uint8_t
scp03_card_i(const struct scp03 *sc)
{
	return sc->i;
}

int
scp03_authenticate(struct scp03 *sc, const struct scp03_keyset *keys)
{
	struct apdu_resp *resp = NULL;
	struct apdu cmd;
	uint8_t crypt[16], data[32], hdr[4];
	size_t n;
	int r;

	if (sc->state != SCP03_INITIALIZED)
		return err_set(NHI_ESTATE, "SCP03: authenticate needs a fresh"
		    " INITIALIZE UPDATE");
	if ((r = crypto_scp03_derive_session(keys, sc->host_challenge,
	    sc->card_challenge, sc->s, &sc->sess)) != 0 ||
	    (r = crypto_scp03_cryptogram(&sc->sess, SCP03_DC_CARD_CRYPTOGRAM,
	    sc->host_challenge, sc->card_challenge, crypt)) != 0)
		goto out;
	/* i = 70: the challenge must be the one the card's static ENC key
	 * gives for this sequence counter; anything else is not our card or
	 * a replay, and nothing more is sent. */
	if (sc->i & SCP03_I_PSEUDO_RANDOM) {
		uint8_t want[16];
		int same;

		if ((r = crypto_scp03_card_challenge(keys, sc->seq, sc->sd_aid,
		    sc->sd_aid_len, sc->s, want)) != 0)
			goto out;
		same = crypto_equal(want, sc->card_challenge, sc->s);
		util_wipe(want, sizeof want);
		if (!same) {
			r = err_set(NHI_ECRYPTOGRAM, "SCP03: the card challenge is not the"
			    " pseudo-random one for sequence counter %02X%02X%02X and key"
			    " version %02X: not our card or a replayed answer",
			    sc->seq[0], sc->seq[1], sc->seq[2], sc->kvn);
			goto out;
		}
	}
	if (!crypto_equal(crypt, sc->card_cryptogram, sc->s)) {
		r = err_set(NHI_ECRYPTOGRAM, "SCP03: the card cryptogram does not"
		    " match key version %02X: wrong keys or not our card",
		    sc->kvn);
		goto out;
	}
	if ((r = crypto_scp03_cryptogram(&sc->sess, SCP03_DC_HOST_CRYPTOGRAM,
	    sc->host_challenge, sc->card_challenge, crypt)) != 0)
		goto out;
	/* EXTERNAL AUTHENTICATE is C-MACed (chain zero) but never encrypted,
	 * and does not count for the encryption counter. */
	hdr[0] = 0x80;
	hdr[1] = 0x82;
	hdr[2] = sc->level;
	hdr[3] = 0x00;
	sc->sess.level = SCP03_CMAC;
	if ((r = crypto_scp03_wrap_command(&sc->sess, hdr, crypt, sc->s, data,
	    sizeof data, &n)) != 0)
		goto out;
	memset(sc->sess.counter, 0, sizeof sc->sess.counter);
	memset(&cmd, 0, sizeof cmd);
	cmd.cla = hdr[0];
	cmd.ins = hdr[1];
	cmd.p1 = hdr[2];
	cmd.p2 = hdr[3];
	cmd.data = data;
	cmd.lc = n;
	resp = xmalloc(sizeof *resp);
	if ((r = card_xfer(sc->card, &cmd, resp)) != 0)
		goto out;
	if (resp->sw != 0x9000) {
		r = err_set(NHI_EAUTH, "SCP03: EXTERNAL AUTHENTICATE refused: SW"
		    " %04X", resp->sw);
		goto out;
	}
	sc->sess.level = sc->level;
	sc->state = SCP03_OPEN;
	r = 0;
out:
	util_wipe(crypt, sizeof crypt);
	free(resp);
	if (r != 0)
		scp03_shut(sc);
	return r;
}

int
scp03_open(struct card *card, const struct scp03_keyset *keys,
    const struct scp03_params *params, struct scp03 **out)
{
	struct scp03 *sc = NULL;
	int r;

	if ((r = scp03_init_update(card, params, &sc)) != 0)
		return r;
	if ((r = scp03_authenticate(sc, keys)) != 0) {
		scp03_close(sc);
		return r;
	}
	*out = sc;
	return 0;
}

int
scp03_xfer(struct scp03 *sc, const struct apdu *cmd, struct apdu_resp *resp)
{
	struct apdu w;
	uint8_t hdr[4], *data = NULL, *plain = NULL;
	size_t cap = cmd->lc + 2 * SCP03_BLOCK, plaincap = 0, n;
	int r;

	if (sc->state != SCP03_OPEN)
		return err_set(NHI_ESTATE, "SCP03: the secure channel is not open");
	if (cmd->lc > 0 && cmd->data == NULL)
		return err_set(NHI_ERANGE, "SCP03: command without its data");
	hdr[0] = cmd->cla;
	hdr[1] = cmd->ins;
	hdr[2] = cmd->p1;
	hdr[3] = cmd->p2;
	data = xmalloc(cap);
	if ((r = crypto_scp03_wrap_command(&sc->sess, hdr, cmd->data, cmd->lc,
	    data, cap, &n)) != 0)
		goto out;
	w = *cmd;
	w.cla = hdr[0];
	w.data = data;
	w.lc = n;
	if ((r = card_xfer(sc->card, &w, resp)) != 0)
		goto out;
	plaincap = resp->len > 0 ? resp->len : 1;
	plain = xmalloc(plaincap);
	if ((r = crypto_scp03_unwrap_response(&sc->sess, resp->data, resp->len,
	    resp->sw, plain, plaincap, &n)) != 0)
		goto out;
	memcpy(resp->data, plain, n);
	resp->len = n;
	r = 0;
out:
	if (data != NULL)
		util_free_secret(data, cap);
	if (plain != NULL)
		util_free_secret(plain, plaincap);
	if (r != 0) {
		/* A wrong R-MAC, a lost card or a failed wrap all leave the two
		 * ends out of step: nothing more may be sent. */
		if (r == NHI_ERMAC) {
			/* unverified: not for the caller's eyes */
			util_wipe(resp->data, resp->len);
			resp->len = 0;
		}
		scp03_shut(sc);
	}
	return r;
}

int
scp03_is_open(const struct scp03 *sc)
{
	return sc != NULL && sc->state == SCP03_OPEN;
}

void
scp03_close(struct scp03 *sc)
{
	if (sc == NULL)
		return;
	util_free_secret(sc, sizeof *sc);
}

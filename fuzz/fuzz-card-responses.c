/*
 * Fuzz target: everything the station parses from a card's answers, in the
 * order a personalization meets them, through the real card layer over a
 * "fuzzing reader" (OpenSC's pattern): a fake card whose responses are
 * slices of the fuzz input. Covers card_xfer's 61xx / 6Cxx handling, the
 * recognition sequence (Juki AP, the basic items read at increasing offsets
 * by card_read_ef_sfi, the SD's FCI), the NHI AP's
 * FCI and key record, INTERNAL AUTHENTICATE answers, and the SCP03 channel
 * (INITIALIZE UPDATE parsing, card cryptogram check, R-MAC/R-ENC unwrap).
 *
 * Input: a sequence of responses, each a 2-byte big-endian length then the
 * raw response bytes (data + SW1 SW2). When the input runs out the card
 * answers 6F00.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "nhiconf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_reader {
	const uint8_t	*p;
	size_t		 left;
};

static int
fuzz_transmit(struct card *card, const uint8_t *cmd, size_t cmdlen, uint8_t *resp,
    size_t *resplen)
{
	struct fuzz_reader *fr = card->priv;
	size_t n;

	(void)cmd;
	(void)cmdlen;
	if (fr->left < 2) {
		resp[0] = 0x6f;
		resp[1] = 0x00;
		*resplen = 2;
		return 0;
	}
	n = (size_t)fr->p[0] << 8 | fr->p[1];
	fr->p += 2;
	fr->left -= 2;
	if (n > fr->left)
		n = fr->left;
	if (n > *resplen)
		n = *resplen;
	memcpy(resp, fr->p, n);
	fr->p += n;
	fr->left -= n;
	*resplen = n;
	return 0;
}

static int
fuzz_noop(struct card *card)
{
	(void)card;
	return 0;
}

static void
fuzz_close(struct card *card)
{
	(void)card;
}

static const struct card_ops fuzz_ops = {
	.name = "fuzz",
	.transmit = fuzz_transmit,
	.begin = fuzz_noop,
	.end = fuzz_noop,
	.close = fuzz_close,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct card_profile prof;
	static int loaded;
	struct fuzz_reader fr = { data, size };
	struct card card;
	struct card_info info;
	struct card_nhi_state nhi;
	struct scp03_keyset keys;
	struct scp03_params params;
	struct scp03 *sc = NULL;
	struct apdu_resp *resp;
	static const uint8_t host_challenge[8] = { 0xfd, 0xf3, 0x82, 0x59, 0xa1, 0xe0,
	    0xde, 0x44 };
	static const uint8_t put_data[4] = { 0x84, 0x02, 0xf0, 0x01 };
	struct apdu cmd = { 0x00, 0xda, 0x00, 0x70, put_data, sizeof(put_data), 0, 1 };

	if (!loaded) {
		struct config *cfg = config_new();

		config_set(cfg, "station.municipality_code", "131016");
		config_set(cfg, "station.insurer_number", "133116");
		if (card_profile_load(cfg, &prof) != 0)
			return 0;
		config_free(cfg);
		loaded = 1;
	}
	memset(&card, 0, sizeof(card));
	card.ops = &fuzz_ops;
	card.priv = &fr;
	resp = xmalloc(sizeof(*resp));

	memset(&info, 0, sizeof(info));
	(void)card_recognize(&card, &prof, &info);
	memset(&nhi, 0, sizeof(nhi));
	if (card_select_nhi(&card, &prof, &nhi) == 0 && nhi.present && nhi.has_record)
		(void)card_challenge(&card, &nhi.rec, NULL);

	/* The key set of the public SCP03 trace in tests/data, so a seed can
	 * reach the wrapped exchange: ENC 00..0f, MAC 10..1f, DEK 20..2f. */
	memset(&keys, 0, sizeof(keys));
	keys.kvn = 0x30;
	keys.keylen = 16;
	for (int i = 0; i < 16; i++) {
		keys.enc[i] = (uint8_t)i;
		keys.mac[i] = (uint8_t)(0x10 + i);
		keys.dek[i] = (uint8_t)(0x20 + i);
	}
	memset(&params, 0, sizeof(params));
	params.kvn = 0x30;
	params.level = 0x33;
	params.host_challenge = host_challenge;
	if (scp03_open(&card, &keys, &params, &sc) == 0) {
		(void)scp03_xfer(sc, &cmd, resp);
		(void)scp03_xfer(sc, &cmd, resp);
	}
	scp03_close(sc);
	free(resp);
	return 0;
}

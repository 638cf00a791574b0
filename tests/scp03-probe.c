/*
 * scp03-probe: a test tool that drives the station's SCP03 channel
 * (card-scp03.c) through pcscd against a card of the profile, for the
 * secure-channel cases personalization never sends (tests/card-interop.sh):
 * a protected command without data (the encryption counter must still
 * advance on both ends), a protected command sent without Le, any level.
 *
 *   scp03-probe CONF READER LEVEL CMD...
 *
 * CONF is an nhicard configuration (card.*, station.*, keys.dir). The tool
 * selects the free-area SD, opens the channel with the municipality key set
 * (card.kvn, diversified with the card's serial) at LEVEL (hex), then sends
 * each CMD, the plain command in hex (CLA INS P1 P2 [data]), with Le 00,
 * or without Le when CMD starts with "nole:". For each it prints
 * "SW hex-of-the-plain-response-data", or "error NAME: detail" and stops.
 * Exit 0 when every command got an answer, 1 otherwise, 2 on usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "util.h"

static int
fail(int r)
{
	printf("error %s: %s\n", nhi_errname(r), err_detail());
	return 1;
}

int
main(int argc, char **argv)
{
	struct config *cfg = config_new();
	struct card_profile prof;
	struct card_keys *keys = NULL;
	struct card *card = NULL;
	struct scp03 *sc = NULL;
	struct scp03_keyset ks;
	struct scp03_params params;
	struct apdu a;
	struct apdu_resp *resp = xmalloc(sizeof(*resp));
	uint8_t *cmd = xmalloc(APDU_MAX_CMD);
	char *hex = xmalloc(2 * APDU_MAX_RESP + 1);
	int i, n, r, rc = 1;
	unsigned level;

	if (argc < 5 || sscanf(argv[3], "%x", &level) != 1) {
		fprintf(stderr, "usage: scp03-probe CONF READER LEVEL CMD...\n");
		return 2;
	}
	memset(&ks, 0, sizeof(ks));
	if ((r = config_load(cfg, argv[1])) != 0 || (r = card_profile_load(cfg, &prof)) != 0 ||
	    (r = card_keys_load(cfg, &prof, &keys)) != 0 ||
	    (r = card_connect(argv[2], &card)) != 0) {
		rc = fail(r);
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.cla = 0x00;
	a.ins = 0xA4;
	a.p1 = 0x04;
	a.data = prof.aid_sd;
	a.lc = prof.aid_sd_len;
	a.has_le = 1;
	if ((r = card_xfer(card, &a, resp)) != 0) {
		rc = fail(r);
		goto out;
	}
	memset(&params, 0, sizeof(params));
	params.kvn = prof.kvn;
	params.level = (uint8_t)level;
	params.sd_aid = prof.aid_sd;
	params.sd_aid_len = prof.aid_sd_len;
	if ((r = scp03_init_update(card, &params, &sc)) != 0 ||
	    (r = card_keys_diversify(keys, prof.kvn, scp03_divdata(sc), &ks)) != 0 ||
	    (r = scp03_authenticate(sc, &ks)) != 0) {
		rc = fail(r);
		goto out;
	}
	printf("open level %02X i %02X\n", level, scp03_card_i(sc));
	for (i = 4; i < argc; i++) {
		const char *h = argv[i];
		int nole = strncmp(h, "nole:", 5) == 0;

		if (nole)
			h += 5;
		if ((n = hex_decode(h, cmd, APDU_MAX_CMD)) < 4) {
			fprintf(stderr, "scp03-probe: '%s' is not a command in hex\n", argv[i]);
			rc = 2;
			goto out;
		}
		memset(&a, 0, sizeof(a));
		a.cla = cmd[0];
		a.ins = cmd[1];
		a.p1 = cmd[2];
		a.p2 = cmd[3];
		a.data = n > 4 ? cmd + 4 : NULL;
		a.lc = (size_t)n - 4;
		a.has_le = !nole;
		if ((r = scp03_xfer(sc, &a, resp)) != 0) {
			rc = fail(r);
			goto out;
		}
		hex_encode(resp->data, resp->len, hex);
		printf("%04X %s\n", resp->sw, hex);
	}
	rc = 0;
out:
	crypto_scp03_keyset_wipe(&ks);
	scp03_close(sc);
	card_close(card);
	card_keys_free(keys);
	config_free(cfg);
	free(resp);
	free(cmd);
	free(hex);
	return rc;
}

/*
 * cmd-card-apdu.c: `nhicard card apdu HEX...`: an IT-staff diagnostic that
 * sends raw command APDUs through the transport (card_xfer, so 61xx and
 * 6Cxx are followed) in one transaction and prints each response.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "card.h"
#include "cmd-card.h"
#include "error.h"
#include "util.h"

static int
card_apdu_exec(struct session *ctx, int argc, char **argv)
{
	struct card *card = NULL;
	struct apdu_resp *resp = NULL;
	struct apdu cmd;
	uint8_t *raw = NULL;
	char *hex = NULL;
	int r, i, n, in_txn = 0;

	if (argc < 2)
		return cmd_card_usage(&cmd_card_apdu_entry, "expected at least one APDU");
	raw = xmalloc((size_t)(argc - 1) * APDU_MAX_CMD);
	/* Check every APDU before touching the card. */
	for (i = 1; i < argc; i++) {
		n = hex_decode(argv[i], raw + (size_t)(i - 1) * APDU_MAX_CMD, APDU_MAX_CMD);
		if (n < 0 || apdu_decode(raw + (size_t)(i - 1) * APDU_MAX_CMD, (size_t)n,
		    &cmd) != 0) {
			r = err_set(NHI_EUSAGE, "APDU %d '%s' is not a command APDU in hex "
			    "(CLA INS P1 P2 [Lc data] [Le])", i, argv[i]);
			goto out;
		}
	}
	if ((r = session_card_connect(ctx, &card)) != 0)
		goto out;
	if ((r = card_begin(card)) != 0)
		goto out;
	in_txn = 1;
	resp = xmalloc(sizeof(*resp));
	hex = xmalloc(2 * APDU_MAX_RESP + 1);
	for (i = 1; i < argc; i++) {
		n = hex_decode(argv[i], raw + (size_t)(i - 1) * APDU_MAX_CMD, APDU_MAX_CMD);
		(void)apdu_decode(raw + (size_t)(i - 1) * APDU_MAX_CMD, (size_t)n, &cmd);
		hex_encode(raw + (size_t)(i - 1) * APDU_MAX_CMD, (size_t)n, hex);
		printf("> %s\n", hex);
		if ((r = card_xfer(card, &cmd, resp)) != 0)
			goto out;
		hex_encode(resp->data, resp->len, hex);
		printf("< %s%s%s\n", hex, resp->len > 0 ? " " : "", card_sw_text(resp->sw));
		fflush(stdout);
	}
	r = 0;
out:
	/* After a failure card_close ends the transaction; its own error
	 * would only hide the first one. */
	if (in_txn && r == 0)
		r = card_end(card);
	card_close(card);
	free(resp);
	free(hex);
	free(raw);
	return r;
}

const struct cmd_entry cmd_card_apdu_entry = {
	.name = "apdu",
	.usage = "HEX [HEX...]",
	.summary = "send raw command APDUs and print the responses",
	.help =
	    "Sends each command APDU (hex, spaces or colons allowed inside one\n"
	    "argument) to the card in one transaction, following 61xx with GET\n"
	    "RESPONSE and resending on 6Cxx. Prints '> COMMAND' and '< DATA SW\n"
	    "meaning' per APDU. Any status word is printed, not judged: the exit\n"
	    "status is 0 when every APDU was exchanged, 4 on a card or reader\n"
	    "problem (a card removed in between names the reader), 2 on a\n"
	    "malformed APDU (nothing is sent then).\n",
	.exec = card_apdu_exec,
};

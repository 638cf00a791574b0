/*
 * cmd-card-status.c: `nhicard card status`: connect to the station's
 * reader and show the card's ATR.
 */
#include "config.h"

#include <stdio.h>

#include "card.h"
#include "cmd-card.h"
#include "error.h"
#include "util.h"

static int
card_status_exec(struct session *ctx, int argc, char **argv)
{
	struct card *card = NULL;
	char atr[2 * sizeof(card->atr) + 1];
	int r;

	if (argc > 1)
		return cmd_operands(&cmd_card_entry, "card status", argc, argv, 1, 0);
	if (argc != 1)
		return cmd_card_usage(&cmd_card_status_entry, "no arguments expected");
	if ((r = session_card_connect(ctx, &card)) != 0)
		return r;
	hex_encode(card->atr, card->atrlen, atr);
	printf("reader: %s\ncard: present\natr: %s\nprotocol: T=%d\n"
	    "extended length: %s\n", card->reader, atr, card->protocol,
	    card->extended ? "yes" : "no");
	card_close(card);
	return 0;
}

const struct cmd_entry cmd_card_status_entry = {
	.name = "status",
	.usage = "",
	.summary = "show the reader, the card's ATR, protocol and extended-length support",
	.help =
	    "Connects to the card and prints the reader's name, the ATR in hex, the\n"
	    "protocol pcscd chose from the ATR (T=0 or T=1) and\n"
	    "whether extended-length APDUs are used (from the ATR's card\n"
	    "capabilities, or card.extended in the configuration). Exits 4 with a\n"
	    "message when there is no pcscd, no reader, no card, or the reader\n"
	    "given with --reader does not exist (the message lists the readers).\n",
	.exec = card_status_exec,
};

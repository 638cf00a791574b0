/*
 * session-card.c: connecting a session to the station's reader, with the
 * production rule on the vpcd virtual reader (session.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "session.h"
#include "util.h"

/* The vpcd virtual reader's names ("Virtual PCD 00 00"): a card in it is
 * software anyone on the machine can run, fit for tests only. */
static int
reader_is_virtual(const char *name)
{
	return name != NULL && strstr(name, "Virtual PCD") != NULL;
}

/* A production station refuses the virtual reader unless the configuration
 * says card.allow_virtual_reader = yes (a test bench). */
static int
reader_allowed(struct session *ctx, const char *name)
{
	enum crypto_mode mode;
	const char *allow = config_get(ctx->cfg, "card.allow_virtual_reader", "no");
	int r;

	if (!reader_is_virtual(name))
		return 0;
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	if (mode != CRYPTO_MODE_PRODUCTION || strcmp(allow, "yes") == 0)
		return 0;
	/* The test suite's card tests (a test build only). */
	if (NHI_TEST_HOOKS && getenv("NHICARD_TEST_VIRTUAL_READER") != NULL)
		return 0;
	return err_set(NHI_EDENIED, "reader '%s' is the vpcd virtual reader, whose"
	    " card is a program anyone on this machine can run: refused in production"
	    " mode (card.allow_virtual_reader = yes allows it on a test bench)", name);
}

int
session_card_connect(struct session *ctx, struct card **out)
{
	struct card *card = NULL;
	const char *ext = config_get(ctx->cfg, "card.extended", "auto"), *settle;
	int r;

	if (strcmp(ext, "auto") != 0 && strcmp(ext, "yes") != 0 && strcmp(ext, "no") != 0)
		return err_set(NHI_ECONFIG, "%s: card.extended = %s: expected auto, yes "
		    "or no", ctx->config_path, ext);
	if ((r = reader_allowed(ctx, ctx->reader)) != 0)
		return r;
	if ((r = card_connect(ctx->reader, &card)) != 0)
		return r;
	/* The reader picked when none was named: checked before any APDU. */
	if ((r = reader_allowed(ctx, card->reader)) != 0) {
		card_close(card);
		return r;
	}
	if ((settle = config_get(ctx->cfg, "card.settle_ms", NULL)) != NULL) {
		char *end;
		long v = strtol(settle, &end, 10);

		if (*settle == '\0' || *end != '\0' || v < 0 || v > 60000) {
			card_close(card);
			return err_set(NHI_ECONFIG, "%s: card.settle_ms = %s: expected"
			    " milliseconds from 0 to 60000", ctx->config_path, settle);
		}
		card->settle_ms = v;
	}
	if (strcmp(ext, "yes") == 0)
		card->extended = 1;
	else if (strcmp(ext, "no") == 0)
		card->extended = 0;
	*out = card;
	return 0;
}


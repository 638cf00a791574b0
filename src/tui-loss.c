/*
 * tui-loss.c: the clerk's loss-report screen (tui-int.h): a card lost,
 * stolen or damaged, its holder died or the eligibility ended, over the
 * revocation flow (flow.h) `nhicard revoke` runs.
 *
 *   show     the resident and their card (active, or reported lost)
 *   go       the role check ("revoke"), the reason, who reported it and
 *            how, whether a new card is issued now, "what will happen"
 *            (the key is revoked at the center at once, the card stops
 *            working for NHI) and yes/no, then revoke_execute() with the
 *            loss-report receipt under a progress box
 *   result   the card's new state, the revocation queued, the receipt;
 *            then, when asked, the issue screen for the new card
 *            (tui_reissue_ops: the same code as the issue screen)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flow.h"
#include "store.h"
#include "tui-card.h"
#include "util.h"

#define LOSS_WHO_MAX	64

struct loss_screen {
	int64_t			 rid;
	char			 who[24];
	char			 heading[512];
	int			 have_card;
	struct store_card	 card;
	struct tui_print_target	 target;
	int			 done;
	struct revoke_result	 res;
	char			 reason[24];
	char			 reported_by[LOSS_WHO_MAX + 1];
	char			 how[16];
	const char		*reporter_label;	/* translated */
	const char		*how_label;
	int			 replace;
	char			 receipt[1024];	/* the PDF written, or "" */
	char			 after_reason[256];
	int64_t			 reinstated_seq;	/* found and reinstated */
};

/* A card reported lost may be reinstated until a new card replaces it. */
static int
loss_found_possible(const struct loss_screen *ls)
{
	return ls->have_card && strcmp(ls->card.state, "suspended") == 0 &&
	    strcmp(ls->card.state_reason, "lost") == 0 && ls->reinstated_seq == 0;
}

static const struct {
	const char	*code;
	const char	*label;
	int		 replaceable;	/* a new card may follow */
} loss_reasons[] = {
	{ "lost", N_("the card was lost"), 1 },
	{ "stolen", N_("the card was stolen"), 1 },
	{ "damaged", N_("the card is damaged"), 1 },
	{ "died", N_("the holder died"), 0 },
	{ "eligibility_ended", N_("the NHI eligibility ended"), 0 },
};

static const struct {
	const char	*code;
	const char	*label;
} loss_reporters[] = {
	{ "holder", N_("the holder") },
	{ "family", N_("a family member") },
	{ "proxy", N_("a proxy") },
	{ "register", N_("the resident register") },
	{ "", N_("someone else (type who)") },
};

static const struct {
	const char	*code;
	const char	*label;
} loss_hows[] = {
	{ "counter", N_("at the counter") },
	{ "phone", N_("by phone") },
	{ "mail", N_("by mail") },
};

/* The card a report is about: the active one, else the one reported lost
 * (for another reason than lost again). */
static int
loss_find_card(struct tui *t, struct loss_screen *ls)
{
	struct store *st;
	int r;

	ls->have_card = 0;
	if ((r = session_store(tui_ctx(t), &st)) != 0)
		return r;
	r = store_card_active_for_resident(st, ls->rid, &ls->card);
	if (r == NHI_ENOTFOUND)
		r = store_card_latest_for_resident(st, ls->rid, "suspended", &ls->card);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		return 0;
	}
	if (r == 0)
		ls->have_card = 1;
	return r;
}

static int
loss_open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct loss_screen *ls;
	int r;

	if (arg == NULL)
		return err_set(NHI_EUSAGE, "loss-report screen: no resident given");
	ls = xcalloc(1, sizeof(*ls));
	ls->rid = *(const int64_t *)arg;
	snprintf(ls->who, sizeof(ls->who), "%lld", (long long)ls->rid);
	tui_card_print_target(t, &ls->target);
	if ((r = tui_card_resident_line(t, ls->rid, ls->heading, sizeof(ls->heading))) != 0 ||
	    (r = loss_find_card(t, ls)) != 0) {
		free(ls);
		return r;
	}
	s->priv = ls;
	return 0;
}

static void
loss_close(struct tui *t, struct tui_screen *s)
{
	(void)t;
	free(s->priv);
	s->priv = NULL;
}

/* A card's state in the words of every screen (the reason table). */
static const char *
state_text(const char *state)
{
	return tui_reason_word("state", state);
}

static void
loss_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct loss_screen *ls = s->priv;
	char line[1536], target[512];
	int y = 2;

	(void)t;
	werase(w);
	tui_card_line(w, 0, ls->heading);
	if (ls->done) {
		tui_card_line(w, y++, _("The loss report is recorded."));
		snprintf(line, sizeof(line), _("Card %s: %s"), ls->card.card_serial,
		    state_text(ls->res.state_after));
		tui_card_line(w, y++, line);
		if (ls->res.queue_seq != 0)
			snprintf(line, sizeof(line), _("The key's revocation is queued for the"
			    " center (record %lld)."), (long long)ls->res.queue_seq);
		else
			snprintf(line, sizeof(line), "%s", _("The center already knows: the key"
			    " was revoked when the card was reported lost."));
		tui_card_line(w, y++, line);
		if (ls->res.receipt_printed && ls->receipt[0] != '\0')
			snprintf(line, sizeof(line), "%s %s", _("Loss-report receipt:"),
			    ls->receipt);
		else if (ls->res.receipt_printed)
			snprintf(line, sizeof(line), _("Loss-report receipt sent to printer %s."),
			    ls->target.printer);
		else
			snprintf(line, sizeof(line), "%s", _("Loss-report receipt: not printed"));
		tui_card_line(w, y++, line);
		y++;
		tui_card_line(w, y, ls->replace ? _("Enter: issue the new card") :
		    _("Enter: done"));
		return;
	}
	if (ls->have_card) {
		snprintf(line, sizeof(line), _("Card %s: %s, issued %s, key generation %d"),
		    ls->card.card_serial, state_text(ls->card.state),
		    ls->card.issued_on[0] != '\0' ? ls->card.issued_on : "-",
		    ls->card.key_generation);
		tui_card_line(w, y++, line);
	} else
		tui_card_line(w, y++, _("This resident has no active NHI card."));
	if (ls->reinstated_seq != 0) {
		snprintf(line, sizeof(line), _("The card is reinstated: it works again. The"
		    " center is told (record %lld)."), (long long)ls->reinstated_seq);
		tui_card_line(w, y++, line);
		return;
	}
	tui_card_print_target_text(&ls->target, target, sizeof(target));
	snprintf(line, sizeof(line), "%s %s", _("Receipt to:"), target);
	tui_card_line(w, y++, line);
	y++;
	if (loss_found_possible(ls))
		tui_card_line(w, y++, _("f: the card was found: reinstate it (it works again)"));
	tui_card_line(w, y, _("Enter: take the report (asks the reason, who and how)"));
}

/* The report's details, asked one after the other. 0 or NHI_ECANCELLED. */
static int
loss_ask(struct tui *t, struct loss_screen *ls, int *reason_i)
{
	const char *items[8];
	char other[LOSS_WHO_MAX + 1] = "";
	size_t i;
	int choice, r;

	for (i = 0; i < NHI_ARRAY_LEN(loss_reasons); i++)
		items[i] = _(loss_reasons[i].label);
	if ((r = tui_choose(t, _("Reason"), items, (int)NHI_ARRAY_LEN(loss_reasons),
	    &choice)) != 0)
		return r;
	*reason_i = choice;
	snprintf(ls->reason, sizeof(ls->reason), "%s", loss_reasons[choice].code);
	for (i = 0; i < NHI_ARRAY_LEN(loss_reporters); i++)
		items[i] = _(loss_reporters[i].label);
	if ((r = tui_choose(t, _("Who reported it"), items,
	    (int)NHI_ARRAY_LEN(loss_reporters), &choice)) != 0)
		return r;
	if (loss_reporters[choice].code[0] == '\0') {
		do {
			if ((r = tui_prompt(t, _("Who reported it (no more personal data than"
			    " needed):"), other, sizeof(other), 0)) != 0)
				return r;
		} while (other[0] == '\0');
		snprintf(ls->reported_by, sizeof(ls->reported_by), "%s", other);
		ls->reporter_label = ls->reported_by;
	} else {
		snprintf(ls->reported_by, sizeof(ls->reported_by), "%s",
		    loss_reporters[choice].code);
		ls->reporter_label = _(loss_reporters[choice].label);
	}
	for (i = 0; i < NHI_ARRAY_LEN(loss_hows); i++)
		items[i] = _(loss_hows[i].label);
	if ((r = tui_choose(t, _("How it was reported"), items,
	    (int)NHI_ARRAY_LEN(loss_hows), &choice)) != 0)
		return r;
	snprintf(ls->how, sizeof(ls->how), "%s", loss_hows[choice].code);
	ls->how_label = _(loss_hows[choice].label);
	ls->replace = 0;
	if (loss_reasons[*reason_i].replaceable) {
		items[0] = _("Issue a new card now");
		items[1] = _("No new card now");
		if ((r = tui_choose(t, _("A new card"), items, 2, &choice)) != 0)
			return r;
		ls->replace = choice == 0;
	}
	return 0;
}

static void
loss_confirm_text(const struct loss_screen *ls, int reason_i, char *buf, size_t cap)
{
	char target[512];
	const char *effect;

	tui_card_print_target_text(&ls->target, target, sizeof(target));
	if (strcmp(ls->reason, "lost") == 0 && strcmp(ls->card.state, "active") == 0)
		effect = _("The card becomes suspended: it can be reinstated if it is found"
		    " before a new card is issued.\n");
	else
		effect = _("The card becomes revoked for good.\n");
	snprintf(buf, cap, _("Card %s: %s.\n"
	    "The card's NHI key is revoked at the center at once: the card stops"
	    " working for NHI at every clinic (a Juki card keeps its other services).\n"
	    "%s"
	    "Reported by: %s, %s.\n"
	    "The loss-report receipt is printed to %s.\n"
	    "%s"
	    "Record the report?"),
	    ls->card.card_serial, _(loss_reasons[reason_i].label), effect, ls->reporter_label,
	    ls->how_label, target, ls->replace ? _("Then a new card is issued.\n") : "");
}

static void
loss_go(struct tui *t, struct loss_screen *ls)
{
	struct revoke_request req;
	struct tui_card_events ce;
	struct tui_progress *p;
	struct flow_events ev;
	char body[2048], *path = NULL;
	int reason_i, r;

	if ((r = loss_find_card(t, ls)) != 0) {
		tui_error(t, _("finding the card"), r);
		return;
	}
	if (!ls->have_card) {
		tui_message(t, _("Loss report"), _("This resident has no active NHI card:"
		    " there is nothing to revoke."));
		return;
	}
	if (tui_authorize(t, "revoke", NULL) != 0)
		return;
	if (loss_ask(t, ls, &reason_i) != 0)
		return;
	loss_confirm_text(ls, reason_i, body, sizeof(body));
	if (!tui_confirm(t, _("Loss report"), body))
		return;
	memset(&req, 0, sizeof(req));
	req.card_id = ls->card.id;
	req.reason = ls->reason;
	req.reported_by = ls->reported_by;
	req.how = ls->how;
	req.replace = ls->replace;
	if (ls->target.dir != NULL) {
		path = xasprintf("%s/receipt-loss-%s.pdf", ls->target.dir, ls->who);
		req.receipt = path;
	} else
		req.printer = ls->target.printer;
	p = tui_progress_open(t, _("Recording the loss report"), 0);
	tui_card_events(&ce, p, 2, &ev);
	r = revoke_execute(tui_ctx(t), &req, &ev, &ls->res);
	tui_progress_close(p, 0);
	if (r != 0 && ls->res.card_id == 0) {
		tui_error(t, _("recording the loss report"), r);
		goto out;
	}
	/* Recorded; a receipt that failed is printed again from the print
	 * screen. */
	if (r != 0)
		tui_error(t, _("printing the loss-report receipt"), r);
	snprintf(ls->receipt, sizeof(ls->receipt), "%s", path != NULL ? path : "");
	ls->done = 1;
out:
	free(path);
}

/* The card reported lost was found: reinstated after a confirmation
 * (`nhicard reinstate`, the same flow). */
static void
loss_found(struct tui *t, struct loss_screen *ls)
{
	struct store_card after;
	char *body;
	int64_t seq = 0;
	int r;

	if (tui_authorize(t, "reinstate", NULL) != 0)
		return;
	body = xasprintf(_("Card %s was reported lost and has been found.\nIt becomes %s"
	    " again at once and works at clinics; the center is told.\nReinstate the"
	    " card?"), ls->card.card_serial, state_text("active"));
	r = tui_confirm(t, _("Reinstate a card found"), body);
	free(body);
	if (!r)
		return;
	if ((r = reinstate_execute(tui_ctx(t), ls->card.id, &after, &seq)) != 0) {
		tui_error(t, _("Reinstating the card"), r);
		return;
	}
	ls->card = after;
	ls->reinstated_seq = seq;
	tui_dirty(t);
}

static enum tui_key_result
loss_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct loss_screen *ls = s->priv;
	int64_t rid = ls->rid;

	if (!k->func && k->code == 'f' && !ls->done && loss_found_possible(ls)) {
		loss_found(t, ls);
		return TUI_KEY_HANDLED;
	}
	if (!k->func && ls->reinstated_seq != 0 && (k->code == '\n' || k->code == '\r'))
		return TUI_KEY_CLOSE;
	if (!((k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\n' ||
	    k->code == '\r'))))
		return TUI_KEY_UNHANDLED;
	if (!ls->done) {
		loss_go(t, ls);
		return TUI_KEY_HANDLED;
	}
	if (!ls->replace)
		return TUI_KEY_CLOSE;
	/* The new card: the issue screen, above this one. */
	ls->replace = 0;
	(void)tui_push(t, &tui_reissue_ops, &rid);
	return TUI_KEY_HANDLED;
}

static const char *
loss_hints_now(struct tui_screen *s)
{
	const struct loss_screen *ls = s->priv;

	if (ls == NULL)
		return NULL;
	if (ls->reinstated_seq != 0)
		return N_("Enter done  ESC back");
	if (ls->done)
		return ls->replace ? N_("Enter issue the new card  ESC back") :
		    N_("Enter done  ESC back");
	if (loss_found_possible(ls))
		return N_("Enter report  f card found: reinstate  ESC back");
	return NULL;
}

static const char *
loss_help_now(struct tui_screen *s)
{
	const struct loss_screen *ls = s->priv;

	if (ls != NULL && loss_found_possible(ls))
		return N_("This card was reported lost. If the resident found it before a new"
		    " card was issued, f reinstates it: it works again at once and the"
		    " center is told. Enter takes another report (stolen, damaged, ...).");
	if (ls != NULL && ls->done)
		return N_("The report is recorded and the receipt printed. The card's"
		    " revocation goes to the center with the next send (menu 2).");
	return NULL;
}

const struct tui_screen_ops tui_loss_ops = {
	.name = "loss",
	.title = N_("Loss report"),
	.hints = N_("Enter report  ESC back"),
	.hints_now = loss_hints_now,
	.help = N_("Take a report that the resident's card was lost, stolen or damaged"
	    " (or that the holder died or left NHI): Enter asks the reason, who reported"
	    " it and how. The card stops working for NHI at once; a card lost can be"
	    " reinstated if it is found before a new card is issued."),
	.help_now = loss_help_now,
	.open = loss_open,
	.draw = loss_draw,
	.key = loss_key,
	.close = loss_close,
};

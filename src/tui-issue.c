/*
 * tui-issue.c: the clerk's issue screen (tui-int.h): an NHI card for one
 * resident, over the issue flow (flow.h) the command `nhicard issue`
 * runs.
 *
 *   choose   issue_plan() for each card path says which the rules allow,
 *            why (the rules' Japanese reason) and the fee; the clerk may
 *            take another allowed path, a configured fee waiver and the
 *            sleeve insert instead of the certificate (each re-plans)
 *   go       the role check, "what will happen" and yes/no, "insert the
 *            card" with the reader's live state (ESC cancels), then
 *            issue_execute() under a progress box: ESC stops it until the
 *            flow's cancel point (nothing written yet), then the box says
 *            it can no longer be cancelled
 *   result   the card serial, key generation, certificate serial, receipt
 *            and where the PDFs went; or the error with what to do next (a
 *            card pulled mid-write is unfinished: put it back, issue again)
 *
 * The same code serves the reissue after a loss report (tui_reissue_ops,
 * tui-card.h): it prefers a new card to the card held.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card-perso.h"
#include "error.h"
#include "flow.h"
#include "operator.h"
#include "print.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "tui-card.h"
#include "util.h"

/* The steps issue_execute() reports for a whole issuance (the bar). */
#define ISSUE_STEPS	16

#define NPATHS		3

enum issue_phase {
	ISSUE_CHOOSE = 0,
	ISSUE_DONE,		/* issued (maybe with a print failure) */
	ISSUE_FAILED,		/* not issued */
};

/* What the rules say about one card path. */
struct issue_option {
	enum perso_path	 path;
	int		 r;		/* issue_plan()'s answer */
	char		 reason[256];	/* the rules' text, or why not */
	struct rules_fee_out fee;
};

struct issue_screen {
	int64_t			 rid;
	int			 reissue;
	char			 who[24];	/* the resident id as text */
	char			 heading[512];
	struct rules_policy	 policy;
	struct issue_option	 opts[NPATHS];
	int			 rules_default;	/* index the rules chose, or -1 */
	char			 rules_reason[256];
	int			 sel;		/* the path chosen */
	int			 waiver;	/* index in policy.waivers, or -1 */
	int			 sleeve;
	struct tui_print_target	 target;
	char			 valid_cert[32];	/* a certificate still valid, or "" */
	const char		*document_title;	/* the rules' document today, or NULL */
	enum issue_phase	 phase;
	const char		*note;		/* a line under the paths, or NULL */
	/* The result. */
	int			 r;
	char			 why[1024];	/* err_text(r) when it happened */
	struct issue_result	 res;
	char			 cert_serial[32];
	int			 unfinished;
	const char		*why_key;	/* the failure's reason (reasons.h) */
	int64_t			 replaced;
};

static const enum perso_path issue_paths[NPATHS] = {
	PERSO_PATH_EXISTING, PERSO_PATH_NEW_JUKI, PERSO_PATH_STANDALONE,
};

static const char *
path_text(enum perso_path path)
{
	switch (path) {
	case PERSO_PATH_EXISTING:
		return _("the Juki card the resident brings");
	case PERSO_PATH_NEW_JUKI:
		return _("a new Juki card (card fee)");
	case PERSO_PATH_STANDALONE:
		return _("a standalone NHI card");
	}
	return "?";
}

/* Which card the clerk puts in the reader for `path`. */
static const char *
card_to_insert(enum perso_path path)
{
	switch (path) {
	case PERSO_PATH_EXISTING:
		return _("the resident's own Juki card");
	case PERSO_PATH_NEW_JUKI:
		return _("the new Juki card the register issued");
	case PERSO_PATH_STANDALONE:
		return _("a blank standalone card");
	}
	return "?";
}

static int
path_index(enum perso_path path)
{
	int i;

	for (i = 0; i < NPATHS; i++)
		if (issue_paths[i] == path)
			return i;
	return 0;
}

/* The request for path `i` as chosen on the screen. */
static void
issue_fill_request(const struct issue_screen *is, int i, struct issue_request *req)
{
	memset(req, 0, sizeof(*req));
	req->who = is->who;
	req->path_given = 1;
	req->path = issue_paths[i];
	req->waiver = is->waiver >= 0 ? is->policy.waivers[is->waiver].name : NULL;
	req->sleeve = is->sleeve;
	req->printer = is->target.printer;
	req->print_dir = is->target.dir;
	/* A certificate still valid is not printed again: the flow decides
	 * (issue_plan's valid_certificate) and still prints the receipt. */
	req->no_print = is->target.printer == NULL && is->target.dir == NULL;
}

/* The resident's valid certificate's serial into is->valid_cert, as the
 * flow's plan found it. */
static void
issue_valid_cert(struct issue_screen *is, const struct issue_plan *plan)
{
	snprintf(is->valid_cert, sizeof(is->valid_cert), "%s", plan->valid_certificate);
	is->document_title = plan->document_title;	/* static text */
}

/* What the issuance prints, for the clerk, into buf. */
static void
print_plan_text(const struct issue_screen *is, char *buf, size_t cap)
{
	char target[512];

	tui_card_print_target_text(&is->target, target, sizeof(target));
	if (is->target.printer == NULL && is->target.dir == NULL)
		snprintf(buf, cap, "%s", target);
	else if (!is->sleeve && is->valid_cert[0] != '\0')
		snprintf(buf, cap, _("the counter receipt only (certificate %s stays valid)"),
		    is->valid_cert);
	else
		/* The document named as the rules of the day give it (a
		 * 資格確認書 since 2024-12-02, not every one a 被保険者証). */
		snprintf(buf, cap, _("%s and the counter receipt, to %s"), is->sleeve ?
		    _("the sleeve insert") : is->document_title != NULL ?
		    is->document_title : _("the certificate"), target);
}

/* The rules' reason for their decision, in the clerk's language. */
static const char *
decision_text(const struct issue_plan *plan)
{
	const char *why = tui_reason(plan->decision.reason_key);

	return why != NULL ? why : "";
}

/* Why the rules (or the plan) refuse: the rules' own Japanese text when
 * they decided, else the error's text. */
static void
refusal_text(const struct issue_plan *plan, int r, char *buf, size_t cap)
{
	const char *why = tui_reason(err_reason_of(r));

	if (why == NULL && r == NHI_EREFUSED)
		why = tui_reason(plan->decision.reason_key);
	if (why != NULL)
		snprintf(buf, cap, "%s", why);
	else if (r == NHI_EDENIED)
		snprintf(buf, cap, "%s", _("the fee waiver needs a supervisor's approval"));
	else
		snprintf(buf, cap, "%s", err_text(r));
}

/* Plan every path with the current waiver; nothing changes anywhere. */
static void
issue_replan(struct tui *t, struct issue_screen *is)
{
	struct issue_request req;
	struct issue_plan plan;
	int i;

	for (i = 0; i < NPATHS; i++) {
		struct issue_option *o = &is->opts[i];

		issue_fill_request(is, i, &req);
		o->path = issue_paths[i];
		o->r = issue_plan(tui_ctx(t), &req, &plan);
		memset(&o->fee, 0, sizeof(o->fee));
		if (o->r == 0) {
			o->fee = plan.fee;
			snprintf(o->reason, sizeof(o->reason), "%s",
			    decision_text(&plan));
		} else
			refusal_text(&plan, o->r, o->reason, sizeof(o->reason));
		issue_plan_free(&plan);
	}
	err_clear();
}

static int
issue_open_common(struct tui *t, struct tui_screen *s, void *arg, int reissue)
{
	struct issue_screen *is;
	struct issue_request req;
	struct issue_plan plan;
	int r, i;

	if (arg == NULL)
		return err_set(NHI_EUSAGE, "issue screen: no resident given");
	is = xcalloc(1, sizeof(*is));
	is->rid = *(const int64_t *)arg;
	is->reissue = reissue;
	is->waiver = -1;
	is->rules_default = -1;
	snprintf(is->who, sizeof(is->who), "%lld", (long long)is->rid);
	tui_card_print_target(t, &is->target);
	if ((r = tui_card_resident_line(t, is->rid, is->heading, sizeof(is->heading))) != 0 ||
	    (r = rules_policy_from_config(tui_ctx(t)->cfg, &is->policy)) != 0)
		goto fail;
	/* The rules' own choice (the default of `nhicard issue`). */
	memset(&req, 0, sizeof(req));
	req.who = is->who;
	r = issue_plan(tui_ctx(t), &req, &plan);
	if (r == 0) {
		is->rules_default = path_index(plan.path);
		issue_valid_cert(is, &plan);
		snprintf(is->rules_reason, sizeof(is->rules_reason), "%s",
		    decision_text(&plan));
	} else if (plan.have_res && r == NHI_EREFUSED && decision_text(&plan)[0] != '\0' &&
	    plan.decision.card == RULES_CARD_NONE) {
		/* No card by the rules' default: the clerk sees why, and any path
		 * the rules still allow (a new Juki card on request). */
		snprintf(is->rules_reason, sizeof(is->rules_reason), "%s",
		    decision_text(&plan));
	} else {
		/* Not insured here, moved out, the queue's backlog: no screen. */
		issue_plan_free(&plan);
		goto fail;
	}
	issue_plan_free(&plan);
	issue_replan(t, is);
	is->sel = is->rules_default >= 0 ? is->rules_default : 0;
	/* A reissue after a loss: the card held is the one lost. */
	if (reissue && issue_paths[is->sel] == PERSO_PATH_EXISTING &&
	    is->opts[path_index(PERSO_PATH_NEW_JUKI)].r == 0)
		is->sel = path_index(PERSO_PATH_NEW_JUKI);
	for (i = 0; i < NPATHS && is->opts[is->sel].r != 0; i++)
		if (is->opts[i].r == 0)
			is->sel = i;
	s->priv = is;
	return 0;
fail:
	free(is);
	return r;
}

static int
issue_open(struct tui *t, struct tui_screen *s, void *arg)
{
	return issue_open_common(t, s, arg, 0);
}

static int
reissue_open(struct tui *t, struct tui_screen *s, void *arg)
{
	return issue_open_common(t, s, arg, 1);
}

static void
issue_close(struct tui *t, struct tui_screen *s)
{
	(void)t;
	free(s->priv);
	s->priv = NULL;
}

/* "500 yen" or "500 yen (250 yen waived)". */
static void
fee_text(const struct rules_fee_out *fee, char *buf, size_t cap)
{
	if (fee->waived > 0)
		snprintf(buf, cap, _("%d yen (%d yen waived)"), fee->due, fee->waived);
	else
		snprintf(buf, cap, _("%d yen"), fee->due);
}

static const char *
waiver_text(const struct issue_screen *is, char *buf, size_t cap)
{
	const struct rules_waiver *w;

	if (is->waiver < 0)
		return _("none");
	w = &is->policy.waivers[is->waiver];
	/* The configuration's words for it (fee.waiver_labels). */
	if (w->yen == RULES_WAIVE_ALL)
		snprintf(buf, cap, _("%s (the whole fee)"), w->label[0] ? w->label : w->name);
	else
		snprintf(buf, cap, _("%s (%d yen)"), w->label[0] ? w->label : w->name, w->yen);
	return buf;
}

static void
draw_choose(struct tui *t, struct issue_screen *is, WINDOW *w)
{
	const struct issue_option *o = &is->opts[is->sel];
	char line[1024], fee[96], wbuf[96], target[512];
	int i, y = 2;

	(void)t;
	snprintf(line, sizeof(line), "%s %s", _("Rules:"), is->rules_default >= 0 ?
	    is->rules_reason : is->rules_reason[0] != '\0' ? is->rules_reason :
	    _("no card path by default"));
	tui_card_line(w, y++, line);
	tui_card_line(w, y++, _("Card path:"));
	for (i = 0; i < NPATHS; i++) {
		const struct issue_option *p = &is->opts[i];

		if (p->r == 0) {
			fee_text(&p->fee, fee, sizeof(fee));
			snprintf(line, sizeof(line), "%s %d %s  %s %s%s", i == is->sel ? ">" : " ",
			    i + 1, path_text(p->path), _("fee"), fee,
			    i == is->rules_default ? _("  (the rules' choice)") : "");
		} else
			snprintf(line, sizeof(line), "%s %d %s  %s %s", i == is->sel ? ">" : " ",
			    i + 1, path_text(p->path), _("not allowed:"), p->reason);
		if (i == is->sel)
			wattron(w, A_REVERSE);
		tui_card_line(w, y++, line);
		if (i == is->sel)
			wattroff(w, A_REVERSE);
	}
	y++;
	if (o->r == 0) {
		snprintf(line, sizeof(line), "%s %s", _("Reason:"), o->reason);
		tui_card_line(w, y++, line);
		fee_text(&o->fee, fee, sizeof(fee));
		snprintf(line, sizeof(line), "%s %s   %s %s", _("Fee:"), fee, _("Waiver:"),
		    waiver_text(is, wbuf, sizeof(wbuf)));
	} else
		snprintf(line, sizeof(line), "%s %s", _("Not allowed:"), o->reason);
	tui_card_line(w, y++, line);
	print_plan_text(is, target, sizeof(target));
	snprintf(line, sizeof(line), "%s %s", _("Print:"), target);
	y += tui_card_wrap(w, y, 2, line);
	snprintf(line, sizeof(line), "%s %s", _("Card to insert:"),
	    card_to_insert(issue_paths[is->sel]));
	tui_card_line(w, y++, line);
	if (is->note != NULL)
		tui_card_line(w, y + 1, is->note);
}

/*
 * The items a refused card differs in, in the clerk's words ("name,
 * address" -> "氏名、住所"), from the card layer's detail, which names
 * them (never their values). 0, or -1 when the detail does not say.
 */
static int
mismatch_items(const char *why, char *buf, size_t cap)
{
	static const struct {
		const char	*en;
		const char	*label;
	} items[] = {
		{ "name", N_("name") },
		{ "birth date", N_("birth date") },
		{ "sex", N_("sex") },
		{ "address", N_("address") },
	};
	const char *p = strstr(why, "chosen resident: "), *end;
	size_t i, n = 0;

	if (p == NULL || (end = strstr(p, " differ")) == NULL)
		return -1;
	p += strlen("chosen resident: ");
	buf[0] = '\0';
	for (i = 0; i < NHI_ARRAY_LEN(items); i++) {
		const char *hit = strstr(p, items[i].en);

		if (hit == NULL || hit >= end)
			continue;
		snprintf(buf + n, cap - n, "%s%s", n > 0 ? _(", ") : "", _(items[i].label));
		n = strlen(buf);
	}
	return n > 0 ? 0 : -1;
}

static void
draw_result(struct tui *t, struct issue_screen *is, WINDOW *w)
{
	const struct perso_result *c = &is->res.card;
	char line[1280], items[256];
	int y = 2;

	(void)t;
	if (is->phase == ISSUE_DONE) {
		tui_card_line(w, y++, is->r == 0 ? _("The card is issued.") :
		    _("The card is issued, but printing failed (see below)."));
		snprintf(line, sizeof(line), "%s %s  %s %s", _("Card:"), path_text(
		    issue_paths[is->sel]), _("serial"), c->serial_hex);
		tui_card_line(w, y++, line);
		snprintf(line, sizeof(line), "%s %d", _("Key generation:"), c->key_generation);
		tui_card_line(w, y++, line);
		if (is->replaced != 0) {
			snprintf(line, sizeof(line), _("Replaces card record %lld (now revoked:"
			    " replaced)."), (long long)is->replaced);
			tui_card_line(w, y++, line);
		}
		/* 「印刷しました」 only when paper came out; a PDF was saved. */
		if (is->res.certificate_printed && is->target.dir != NULL)
			snprintf(line, sizeof(line), "%s %s", is->sleeve ?
			    _("Sleeve insert saved as PDF:") : _("Certificate saved as PDF:"),
			    is->cert_serial[0] != '\0' ? is->cert_serial : "-");
		else if (is->res.certificate_printed)
			snprintf(line, sizeof(line), "%s %s", is->sleeve ?
			    _("Sleeve insert printed:") : _("Certificate printed:"),
			    is->cert_serial[0] != '\0' ? is->cert_serial : "-");
		else if (!is->sleeve && is->valid_cert[0] != '\0')
			snprintf(line, sizeof(line), _("Certificate %s stays valid."),
			    is->valid_cert);
		else
			snprintf(line, sizeof(line), "%s", is->sleeve ?
			    _("Sleeve insert: not printed") : _("Certificate: not printed"));
		tui_card_line(w, y++, line);
		tui_card_line(w, y++, !is->res.receipt_printed ? _("Counter receipt: not printed") :
		    is->target.dir != NULL ? _("Counter receipt: saved as PDF") :
		    _("Counter receipt: printed"));
		if (is->target.dir != NULL && is->res.certificate_printed) {
			snprintf(line, sizeof(line), "%s %s/%s-%s.pdf", _("PDF:"), is->target.dir,
			    is->sleeve ? "sleeve" : "certificate", is->who);
			tui_card_line(w, y++, line);
			if (is->res.receipt_printed) {
				snprintf(line, sizeof(line), "%s %s/receipt-%s.pdf", _("PDF:"),
				    is->target.dir, is->who);
				tui_card_line(w, y++, line);
			}
		} else if (is->target.printer != NULL && is->res.certificate_printed) {
			snprintf(line, sizeof(line), _("Sent to printer %s."), is->target.printer);
			tui_card_line(w, y++, line);
		}
		if (is->r != 0) {
			snprintf(line, sizeof(line), "%s %s", _("Print problem:"), is->why);
			y += tui_card_wrap(w, y, 4, line);
		}
		y++;
		tui_card_line(w, y, _("Enter: done"));
		return;
	}
	tui_card_line(w, y++, _("The card was not issued."));
	if (is->unfinished) {
		tui_card_line(w, y++, _("The card is unfinished: the writing stopped half-way."));
		tui_card_line(w, y++, _("Put the same card back in the reader and issue again"
		    " to finish it."));
	}
	if (is->r == NHI_EMISMATCH && mismatch_items(is->why, items, sizeof(items)) == 0) {
		snprintf(line, sizeof(line), _("This is not the resident's card: %s differ."),
		    items);
		tui_card_line(w, y++, line);
		tui_card_line(w, y++, _("Check that it is the resident's own card; nothing"
		    " was written."));
	}
	if (is->why_key != NULL && tui_reason(is->why_key) != NULL &&
	    strcmp(is->why_key, "card.mismatch") != 0) {
		snprintf(line, sizeof(line), "%s %s", _("Reason:"), tui_reason(is->why_key));
		y += tui_card_wrap(w, y, 4, line);
	}
	snprintf(line, sizeof(line), "%s %s", _("Details:"), is->why);
	y += tui_card_wrap(w, y, 4, line);
	y++;
	tui_card_line(w, y, _("Enter: back to the card path (issue again)  ESC: back"));
}

static void
issue_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct issue_screen *is = s->priv;

	werase(w);
	tui_card_line(w, 0, is->heading);
	if (is->phase == ISSUE_CHOOSE)
		draw_choose(t, is, w);
	else
		draw_result(t, is, w);
}

/* ---- Running the flow --------------------------------------------------- */

/* After a card error: did the writing stop half-way (an unfinished row)? */
static int
issue_left_unfinished(struct tui *t, const struct issue_screen *is)
{
	struct store_card c;
	struct store *st;
	int r;

	if (nhi_exit_code(is->r) != NHI_EXIT_CARD || session_store(tui_ctx(t), &st) != 0)
		return 0;
	r = store_card_latest_for_resident(st, is->rid, "unfinished", &c);
	return r == 0;
}

/* The resident's card left unfinished, if any: 0 and *c, else -1. */
static int
unfinished_card(struct tui *t, const struct issue_screen *is, struct store_card *c)
{
	struct store *st;

	if (session_store(tui_ctx(t), &st) != 0 ||
	    store_card_latest_for_resident(st, is->rid, "unfinished", c) != 0) {
		err_clear();
		return -1;
	}
	return 0;
}

/* Give up card c (left unfinished) with a reason the clerk picks. 0, or
 * NHI_ECANCELLED. */
static int
abandon_ask(struct tui *t, const struct store_card *c)
{
	static const struct {
		const char	*code;
		const char	*label;
	} whys[] = {
		{ "lost", N_("the card was pulled out and is lost") },
		{ "damaged", N_("the card is damaged") },
		{ "other", N_("another card is used instead") },
	};
	const char *items[3];
	struct store_card after;
	int choice, r;
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(whys); i++)
		items[i] = _(whys[i].label);
	if (tui_choose(t, _("Why is the unfinished card given up?"), items,
	    (int)NHI_ARRAY_LEN(whys), &choice) != 0)
		return NHI_ECANCELLED;
	if ((r = issue_abandon_unfinished(tui_ctx(t), c->id, whys[choice].code, &after)) != 0) {
		tui_error(t, _("Giving up the unfinished card"), r);
		return r;
	}
	tui_status_message(t, _("The unfinished card %s is given up (%s)."), c->card_serial,
	    _(whys[choice].label));
	return 0;
}

/*
 * Before a new write: a card of this resident was left unfinished (pulled
 * half-way). The clerk finishes it (the same card goes in) or gives it up
 * with a reason, never leaves it unfinished without a word. 0 to go on
 * (*same set when that card is to be finished), NHI_ECANCELLED.
 */
static int
unfinished_decide(struct tui *t, struct issue_screen *is, int *same)
{
	struct store_card c;
	const char *items[2];
	char *first;
	int choice, r;

	*same = 0;
	if (unfinished_card(t, is, &c) != 0)
		return 0;
	/* The title stays short (80 columns); the serial goes with the
	 * choice that needs it. */
	first = xasprintf(_("Finish it: insert that same card (%s)"), c.card_serial);
	items[0] = first;
	items[1] = _("Give it up (say why), then issue on another card");
	tui_status_message(t, _("Card %s was left unfinished (the writing stopped half-way)"),
	    c.card_serial);
	r = tui_choose(t, _("A card was left unfinished"), items, 2, &choice);
	free(first);
	if (r != 0)
		return NHI_ECANCELLED;
	if (choice == 0) {
		*same = 1;
		return 0;
	}
	return abandon_ask(t, &c) == 0 ? 0 : NHI_ECANCELLED;
}

static void
confirm_text(const struct issue_screen *is, const struct issue_plan *plan, char *buf,
    size_t cap)
{
	char fee[96], printed[768], nm[512];

	fee_text(&plan->fee, fee, sizeof(fee));
	print_plan_text(is, printed, sizeof(printed));
	snprintf(buf, cap, _("An NHI card is issued to %s.\n"
	    "Card path: %s\n"
	    "Fee: %s\n"
	    "Insert: %s\n"
	    "Printed: %s\n"
	    "%s"
	    "Issue the card?"),
	    tui_name(plan->res.name_kanji, nm, sizeof(nm)), path_text(plan->path), fee,
	    card_to_insert(plan->path),
	    printed, is->reissue ? _("The card reported lost is replaced (its key stays revoked).\n") :
	    "");
}

/*
 * Ask a supervisor's login and password for a two-person action and put
 * them in the command context for the next plan. 0, or NHI_ECANCELLED.
 */
static int
issue_approval_ask(struct tui *t, int waiver)
{
	struct session *ctx = tui_ctx(t);
	char login[64] = "", pw[256] = "", *label;
	int r;

	if (waiver)
		tui_message(t, _("Approval needed"), _("This fee waiver needs a supervisor's"
		    " approval. A supervisor other than you enters their login and"
		    " password."));
	if (tui_prompt(t, _("Approving supervisor:"), login, sizeof(login), 0) != 0 ||
	    login[0] == '\0')
		return NHI_ECANCELLED;
	label = xasprintf(_("Password for %s:"), login);
	r = tui_prompt(t, label, pw, sizeof(pw), 1);
	free(label);
	if (r != 0) {
		util_wipe(pw, sizeof(pw));
		return NHI_ECANCELLED;
	}
	ctx->approver = xstrdup(login);
	ctx->approver_password = xstrdup(pw);
	util_wipe(pw, sizeof(pw));
	return 0;
}

/* Forget the approver and wipe the password (after the one plan). */
static void
issue_approval_clear(struct tui *t)
{
	struct session *ctx = tui_ctx(t);

	if (ctx->approver_password != NULL)
		util_free_secret((char *)ctx->approver_password,
		    strlen(ctx->approver_password));
	free((char *)ctx->approver);
	ctx->approver = NULL;
	ctx->approver_password = NULL;
}

static int	gaiji_hold(int r);
static int	gaiji_decide(struct tui *t, struct issue_screen *is,
		    const struct issue_plan *plan);

static void
issue_go(struct tui *t, struct issue_screen *is)
{
	struct issue_request req;
	struct issue_plan plan;
	struct tui_card_events ce;
	struct tui_progress *p;
	struct flow_events ev;
	char body[2048], title[256];
	struct store_card left;
	int r, approval = 0, same = 0;

	is->note = NULL;
	if (is->opts[is->sel].r != 0 && is->opts[is->sel].r != NHI_EDENIED) {
		tui_message(t, _("This card path is not allowed"), is->opts[is->sel].reason);
		return;
	}
	if (tui_authorize(t, "issue", NULL) != 0)
		return;
	/* Plan again: the store may have changed since the screen opened. */
	issue_fill_request(is, is->sel, &req);
	r = issue_plan(tui_ctx(t), &req, &plan);
	if (r == NHI_EDENIED && plan.fee.needs_supervisor) {
		/* The waiver needs a second person: a supervisor approves here,
		 * through the same two-person rule as --approver. */
		issue_plan_free(&plan);
		if (issue_approval_ask(t, 1) != 0) {
			is->note = _("Not approved: nothing was written.");
			return;
		}
		r = issue_plan(tui_ctx(t), &req, &plan);
		issue_approval_clear(t);
		approval = 1;
	} else if (r == 0 && plan.fee.needs_supervisor) {
		/* The built-in operator (demo, setup) plans without a second
		 * person; the screen shows the approval step all the same, so
		 * that training matches production (docs/tui.md). */
		char detail[96];

		snprintf(detail, sizeof(detail), "resident:%lld waived %d yen",
		    (long long)plan.res.id, plan.fee.waived);
		if (issue_approval_ask(t, 1) != 0) {
			is->note = _("Not approved: nothing was written.");
			issue_plan_free(&plan);
			return;
		}
		r = operator_require_approval_shown(tui_ctx(t), "issue.fee_waiver", detail);
		issue_approval_clear(t);
		approval = 1;
	}
	if (r != 0) {
		tui_error(t, approval ? _("The supervisor's approval") : _("planning the card"), r);
		issue_plan_free(&plan);
		issue_replan(t, is);
		return;
	}
	issue_valid_cert(is, &plan);
	if (unfinished_decide(t, is, &same) != 0) {
		is->note = _("Cancelled: nothing was written.");
		goto out;
	}
	confirm_text(is, &plan, body, sizeof(body));
	if (!tui_confirm(t, _("Issue an NHI card"), body))
		goto out;
	snprintf(title, sizeof(title), "%s", same ? _("Insert the unfinished card to finish it") :
	    _("Insert the card"));
	if (tui_card_wait(t, title, card_to_insert(plan.path)) != 0) {
		is->note = _("Cancelled: nothing was written.");
		goto out;
	}
	for (;;) {
		p = tui_progress_open(t, _("Issuing the card"), 1);
		tui_card_events(&ce, p, ISSUE_STEPS, &ev);
		r = issue_execute(tui_ctx(t), &req, &plan, &ev, &is->res);
		tui_progress_close(p, 0);
		if (r != NHI_EMISMATCH || req.gaiji_decided || !gaiji_hold(r))
			break;
		/* The card differs only at the resident's 外字: held for a
		 * supervisor's decision, never written silently, never refused
		 * as another person's card. */
		if (gaiji_decide(t, is, &plan) != 0) {
			is->note = _("Held for a supervisor's decision: nothing was written.");
			goto out;
		}
		req.gaiji_decided = 1;
	}
	is->r = r;
	snprintf(is->why, sizeof(is->why), "%s", r != 0 ? err_text(r) : "");
	is->why_key = r != 0 ? err_reason_of(r) : NULL;
	if (r == NHI_ECANCELLED) {
		is->note = _("Cancelled: nothing was written.");
		goto out;
	}
	if (r == 0 || is->res.card.card_id != 0) {
		is->phase = ISSUE_DONE;
		is->replaced = is->res.replaced_card_id;
		snprintf(is->cert_serial, sizeof(is->cert_serial), "%s", ce.printed);
		if (r != 0)
			tui_error(t, _("printing after the card was issued"), r);
		/* Another card was used while one stayed unfinished: say what
		 * became of the first, and offer to give it up now. */
		if (unfinished_card(t, is, &left) == 0 && left.id != is->res.card.card_id) {
			char *msg = xasprintf(_("The card is issued on card %s. The first card %s"
			    " stays unfinished: it cannot be used. Give it up now (say why)?"),
			    is->res.card.serial_hex, left.card_serial);

			if (tui_confirm(t, _("A card stays unfinished"), msg))
				(void)abandon_ask(t, &left);
			free(msg);
		}
	} else {
		is->phase = ISSUE_FAILED;
		is->unfinished = issue_left_unfinished(t, is);
		tui_error(t, _("issuing the card"), r);
	}
out:
	issue_plan_free(&plan);
}

/* 1 when error r is the four-item match failing only at 外字 positions. */
static int
gaiji_hold(int r)
{
	const char *why = err_reason_of(r);

	return why != NULL && strcmp(why, "card.mismatch_gaiji") == 0;
}

/*
 * The supervisor's decision on a card whose name differs from the
 * resident's only at 外字: the clerk sees the held issuance, the name with
 * its 外字 marked and their codes; a supervisor (another person, as for a
 * waiver) approves, audited as issue.gaiji_match. 0 when approved.
 */
static int
gaiji_decide(struct tui *t, struct issue_screen *is, const struct issue_plan *plan)
{
	struct tbuf name = { 0 };
	char codes[128], *body;
	int r;

	text_gaiji_mark(plan->res.name_kanji, &name, codes, sizeof(codes));
	body = xasprintf(_("Issuance held: %s\n\nName in the register: %s (gaiji: %s)\n\n"
	    "Has a supervisor checked that this is the resident's own card (an"
	    " identity document, the card's face)? y: the supervisor approves and the"
	    " card is issued. n: nothing is written."), tui_reason("card.mismatch_gaiji"),
	    name.p, codes);
	free(name.p);
	r = tui_confirm(t, _("Supervisor's decision: gaiji in the name"), body);
	free(body);
	if (!r || issue_approval_ask(t, 0) != 0)
		return NHI_ECANCELLED;
	r = issue_gaiji_approve(tui_ctx(t), is->rid);
	issue_approval_clear(t);
	if (r != 0)
		tui_error(t, _("The supervisor's approval"), r);
	return r;
}

static enum tui_key_result
issue_choose_key(struct tui *t, struct issue_screen *is, const struct tui_key *k)
{
	const char *items[RULES_MAX_WAIVERS + 1];
	char labels[RULES_MAX_WAIVERS][96];
	int i, n = 0, choice;

	if (k->func && k->code == KEY_UP) {
		is->sel = (is->sel + NPATHS - 1) % NPATHS;
		return TUI_KEY_HANDLED;
	}
	if (k->func && k->code == KEY_DOWN) {
		is->sel = (is->sel + 1) % NPATHS;
		return TUI_KEY_HANDLED;
	}
	if ((k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\n' ||
	    k->code == '\r'))) {
		issue_go(t, is);
		return TUI_KEY_HANDLED;
	}
	if (k->func)
		return TUI_KEY_UNHANDLED;
	if (k->code >= '1' && k->code < '1' + NPATHS) {
		is->sel = (int)(k->code - '1');
		return TUI_KEY_HANDLED;
	}
	if (k->code == 's') {
		is->sleeve = !is->sleeve;
		return TUI_KEY_HANDLED;
	}
	if (k->code == 'w') {
		items[n++] = _("no waiver");
		for (i = 0; i < (int)is->policy.nwaivers; i++) {
			struct issue_screen tmp = *is;

			tmp.waiver = i;
			waiver_text(&tmp, labels[i], sizeof(labels[i]));
			items[n++] = labels[i];
		}
		if (is->policy.nwaivers == 0) {
			tui_message(t, _("Fee waiver"), _("No fee waivers are configured"
			    " ([fee] waivers)."));
			return TUI_KEY_HANDLED;
		}
		if (tui_choose(t, _("Fee waiver"), items, n, &choice) == 0) {
			is->waiver = choice - 1;
			issue_replan(t, is);
		}
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

static enum tui_key_result
issue_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct issue_screen *is = s->priv;
	int enter = (k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\n' ||
	    k->code == '\r'));

	if (is->phase == ISSUE_CHOOSE)
		return issue_choose_key(t, is, k);
	if (!enter)
		return TUI_KEY_UNHANDLED;
	if (is->phase == ISSUE_DONE)
		return TUI_KEY_CLOSE;
	/* Failed: back to the paths, planned again (the card is back). */
	is->phase = ISSUE_CHOOSE;
	is->unfinished = 0;
	memset(&is->res, 0, sizeof(is->res));
	issue_replan(t, is);
	return TUI_KEY_HANDLED;
}

/* The reader changed: the screen shows the state on the status line; a
 * result screen stays as it is. */
static void
issue_card_changed(struct tui *t, struct tui_screen *s, const struct card_slot *slot)
{
	(void)slot;
	(void)s;
	tui_dirty(t);
}

/* The keys and the help of the screen's phase (F1, the hints line). */
static const char *
issue_hints_now(struct tui_screen *s)
{
	const struct issue_screen *is = s->priv;

	if (is == NULL || is->phase == ISSUE_CHOOSE)
		return NULL;
	return is->phase == ISSUE_DONE ? N_("Enter done") :
	    N_("Enter back to the card paths  ESC back");
}

static const char *
issue_help_now(struct tui_screen *s)
{
	const struct issue_screen *is = s->priv;

	if (is == NULL || is->phase == ISSUE_CHOOSE)
		return NULL;
	return is->phase == ISSUE_DONE ? N_("The card is issued. Hand the card, the"
	    " certificate and the receipt to the resident; Enter closes this screen.") :
	    N_("The card was not issued: the message said why and whether anything was"
	    " written. Enter goes back to the card paths to try again (an unfinished"
	    " card is finished when it is inserted again).");
}

#define ISSUE_HELP N_("Choose how the card is issued: the resident's own resident card," \
	" a new resident card, or a standalone card. The rules' choice is marked; a" \
	" path the rules refuse says why (read it to the resident). w: a fee waiver" \
	" (beyond the limit a supervisor approves). s: the sleeve insert instead of" \
	" the certificate. Enter shows what will happen before anything is written.")

const struct tui_screen_ops tui_issue_ops = {
	.name = "issue",
	.title = N_("Issue an NHI card"),
	.hints = N_("Enter issue  1-3 card path  w waiver  s sleeve  ESC back"),
	.open = issue_open,
	.draw = issue_draw,
	.key = issue_key,
	.card_changed = issue_card_changed,
	.close = issue_close,
	.hints_now = issue_hints_now,
	.help = ISSUE_HELP,
	.help_now = issue_help_now,
};

const struct tui_screen_ops tui_reissue_ops = {
	.name = "reissue",
	.title = N_("Reissue an NHI card"),
	.hints = N_("Enter issue  1-3 card path  w waiver  s sleeve  ESC back"),
	.open = reissue_open,
	.draw = issue_draw,
	.key = issue_key,
	.card_changed = issue_card_changed,
	.close = issue_close,
	.hints_now = issue_hints_now,
	.help = ISSUE_HELP,
	.help_now = issue_help_now,
};

/*
 * tui-reprint.c: the clerk's certificate reprint screen (tui-int.h): a
 * new certificate for one resident with a reason, which voids the valid
 * one, printed as `nhicard print certificate --reason` prints it
 * (flow_print_run, flow-print.h) under a progress box.
 *
 *   show     the resident and the valid certificate's serial
 *   go       the role check ("print certificate"), the reason (a list and
 *            free text), "what will happen" (the old serial is voided, a
 *            new one printed to the target) and yes/no, then printing
 *   result   the new serial and where it went, or the error
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificate.h"
#include "error.h"
#include "flow-print.h"
#include "flow.h"
#include "print.h"
#include "store.h"
#include "tui-card.h"
#include "util.h"

#define REPRINT_REASON_MAX	128

struct reprint_screen {
	int64_t			 rid;
	char			 who[24];
	char			 heading[512];
	char			 serial[32];	/* the valid certificate, or "" */
	struct tui_print_target	 target;
	int			 done;
	char			 old_serial[32];
	char			 new_serial[32];
	char			 reason[REPRINT_REASON_MAX + 32];	/* recorded */
	char			 reason_text[REPRINT_REASON_MAX + 256];	/* shown */
	char			 path[1024];	/* the PDF written, or "" */
};

/* The reasons a clerk picks from: the word recorded, and the label. */
static const struct {
	const char	*code;
	const char	*label;
} reprint_reasons[] = {
	{ "soiled", N_("soiled or worn") },
	{ "lost", N_("the certificate was lost") },
	{ "damaged", N_("damaged") },
	{ "changed", N_("the printed details changed") },
	{ "other", N_("other (say why)") },
};

/* The valid certificate's serial into buf ("" when none). */
static int
reprint_serial(struct tui *t, int64_t rid, char *buf, size_t cap)
{
	struct print_receipt rc;
	struct store *st;
	int r;

	buf[0] = '\0';
	memset(&rc, 0, sizeof(rc));
	if ((r = session_store(tui_ctx(t), &st)) != 0 ||
	    (r = store_receipt_load(st, rid, 0, &rc)) != 0)
		return r;
	if (rc.cert_serial != NULL)
		snprintf(buf, cap, "%s", rc.cert_serial);
	print_receipt_clear(&rc);
	return 0;
}

static int
reprint_open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct reprint_screen *rs;
	int r;

	if (arg == NULL)
		return err_set(NHI_EUSAGE, "reprint screen: no resident given");
	rs = xcalloc(1, sizeof(*rs));
	rs->rid = *(const int64_t *)arg;
	snprintf(rs->who, sizeof(rs->who), "%lld", (long long)rs->rid);
	tui_card_print_target(t, &rs->target);
	if ((r = tui_card_resident_line(t, rs->rid, rs->heading, sizeof(rs->heading))) != 0 ||
	    (r = reprint_serial(t, rs->rid, rs->serial, sizeof(rs->serial))) != 0) {
		free(rs);
		return r;
	}
	s->priv = rs;
	return 0;
}

static void
reprint_close(struct tui *t, struct tui_screen *s)
{
	(void)t;
	free(s->priv);
	s->priv = NULL;
}

static void
reprint_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct reprint_screen *rs = s->priv;
	char line[1536], target[512];
	int y = 2;

	(void)t;
	werase(w);
	tui_card_line(w, 0, rs->heading);
	if (rs->done) {
		tui_card_line(w, y++, rs->path[0] != '\0' ?
		    _("The certificate is reissued and saved as a PDF.") :
		    _("The certificate is reprinted."));
		snprintf(line, sizeof(line), "%s %s", _("New certificate:"), rs->new_serial);
		tui_card_line(w, y++, line);
		if (rs->old_serial[0] != '\0') {
			snprintf(line, sizeof(line), _("Certificate %s is void."), rs->old_serial);
			tui_card_line(w, y++, line);
		}
		snprintf(line, sizeof(line), "%s %s", _("Reason:"), rs->reason_text);
		tui_card_line(w, y++, line);
		if (rs->path[0] != '\0')
			snprintf(line, sizeof(line), "%s %s", _("PDF:"), rs->path);
		else
			snprintf(line, sizeof(line), _("Sent to printer %s."), rs->target.printer);
		tui_card_line(w, y++, line);
		y++;
		tui_card_line(w, y, _("Enter: done"));
		return;
	}
	if (rs->serial[0] != '\0')
		snprintf(line, sizeof(line), "%s %s", _("Valid certificate:"), rs->serial);
	else
		snprintf(line, sizeof(line), "%s", _("Valid certificate: none"));
	tui_card_line(w, y++, line);
	tui_card_print_target_text(&rs->target, target, sizeof(target));
	snprintf(line, sizeof(line), "%s %s", _("Print to:"), target);
	tui_card_line(w, y++, line);
	y++;
	tui_card_line(w, y, _("Enter: reprint the certificate (asks for the reason)"));
}

/* The reason: a word from the list, and free text (required for
 * "other"). 0, or NHI_ECANCELLED. */
static int
reprint_ask_reason(struct tui *t, struct reprint_screen *rs)
{
	const char *items[NHI_ARRAY_LEN(reprint_reasons)];
	char text[REPRINT_REASON_MAX + 1] = "";
	size_t i;
	int choice, r;

	for (i = 0; i < NHI_ARRAY_LEN(reprint_reasons); i++)
		items[i] = _(reprint_reasons[i].label);
	if ((r = tui_choose(t, _("Reason for the reprint"), items,
	    (int)NHI_ARRAY_LEN(reprint_reasons), &choice)) != 0)
		return r;
	for (;;) {
		if ((r = tui_prompt(t, _("Details (optional; required for other):"), text,
		    sizeof(text), 0)) != 0)
			return r;
		if (text[0] != '\0' || strcmp(reprint_reasons[choice].code, "other") != 0)
			break;
		tui_message(t, _("Reason for the reprint"), _("Say why the certificate is"
		    " reprinted."));
	}
	/* The store records the reason's word and the clerk's text; the
	 * clerk reads the label. */
	if (text[0] != '\0')
		snprintf(rs->reason, sizeof(rs->reason), "%s: %s",
		    reprint_reasons[choice].code, text);
	else
		snprintf(rs->reason, sizeof(rs->reason), "%s", reprint_reasons[choice].code);
	if (strcmp(reprint_reasons[choice].code, "other") == 0)
		snprintf(rs->reason_text, sizeof(rs->reason_text), "%s", text);
	else if (text[0] != '\0')
		snprintf(rs->reason_text, sizeof(rs->reason_text), _("%s: %s"),
		    _(reprint_reasons[choice].label), text);
	else
		snprintf(rs->reason_text, sizeof(rs->reason_text), "%s",
		    _(reprint_reasons[choice].label));
	return 0;
}

static void
reprint_go(struct tui *t, struct reprint_screen *rs)
{
	struct print_request a;
	struct tui_card_events ce;
	struct tui_progress *p;
	struct flow_events ev;
	char body[2048], target[512], *pos[1], *path = NULL;
	int r;

	if (rs->target.printer == NULL && rs->target.dir == NULL) {
		tui_message(t, _("Reprint the certificate"), _("No printer and no print"
		    " directory are configured: set print.printer or ui.print_dir."));
		return;
	}
	if (tui_authorize(t, "print", "certificate") != 0)
		return;
	if (reprint_ask_reason(t, rs) != 0)
		return;
	/* The serial may have changed since the screen opened. */
	if ((r = reprint_serial(t, rs->rid, rs->serial, sizeof(rs->serial))) != 0) {
		tui_error(t, _("reading the certificate"), r);
		return;
	}
	tui_card_print_target_text(&rs->target, target, sizeof(target));
	if (rs->serial[0] != '\0')
		snprintf(body, sizeof(body), _("The valid certificate %s is voided (reason: %s)"
		    " and a new certificate with a new serial is printed to %s.\n"
		    "Reprint the certificate?"), rs->serial, rs->reason_text, target);
	else
		snprintf(body, sizeof(body), _("No certificate is valid now: a new certificate"
		    " is printed to %s.\nPrint the certificate?"), target);
	if (!tui_confirm(t, _("Reprint the certificate"), body))
		return;
	memset(&a, 0, sizeof(a));
	p = tui_progress_open(t, _("Printing the certificate"), 0);
	tui_card_events(&ce, p, 1, &ev);
	if ((r = flow_print_defaults(tui_ctx(t), &a)) == 0) {
		a.sub = "certificate";
		pos[0] = rs->who;
		a.pos = pos;
		a.npos = 1;
		a.reason = rs->reason;
		a.events = &ev;
		if (rs->target.dir != NULL) {
			path = xasprintf("%s/certificate-%s.pdf", rs->target.dir, rs->who);
			a.out = path;
		} else
			a.printer = rs->target.printer;
		flow_step(&ev, "certificate");
		r = flow_print_run(tui_ctx(t), &a);
	}
	tui_progress_close(p, 0);
	if (r != 0) {
		tui_error(t, _("printing the certificate"), r);
		goto out;
	}
	snprintf(rs->old_serial, sizeof(rs->old_serial), "%s", rs->serial);
	if ((r = reprint_serial(t, rs->rid, rs->new_serial, sizeof(rs->new_serial))) != 0) {
		tui_error(t, _("reading the certificate"), r);
		goto out;
	}
	snprintf(rs->serial, sizeof(rs->serial), "%s", rs->new_serial);
	snprintf(rs->path, sizeof(rs->path), "%s", path != NULL ? path : "");
	rs->done = 1;
out:
	free(path);
}

static enum tui_key_result
reprint_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct reprint_screen *rs = s->priv;

	if (!((k->func && k->code == KEY_ENTER) || (!k->func && (k->code == '\n' ||
	    k->code == '\r'))))
		return TUI_KEY_UNHANDLED;
	if (rs->done)
		return TUI_KEY_CLOSE;
	reprint_go(t, rs);
	return TUI_KEY_HANDLED;
}

const struct tui_screen_ops tui_reprint_ops = {
	.name = "reprint",
	.title = N_("Reprint the certificate"),
	.hints = N_("Enter reprint  ESC back"),
	.help = N_("A new certificate for one lost, soiled or damaged: Enter"
	    " asks the reason and shows what will happen; the valid certificate is"
	    " voided with that reason and a new one with a new serial is printed. ESC"
	    " goes back without a change."),
	.open = reprint_open,
	.draw = reprint_draw,
	.key = reprint_key,
	.close = reprint_close,
};

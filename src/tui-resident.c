/*
 * tui-resident.c: one resident as the clerk checks them at the counter:
 * name, kana, birth date, sex, address and household (with its members),
 * the eligibility history (superseded periods too), the cards with their
 * state and the certificates with theirs. The same store calls as
 * `nhicard resident show`, plus the card and certificate lists of
 * store-view.h. Keys open the card screens: i issue, r reprint, l loss
 * report (tui-issue.c, tui-reprint.c, tui-loss.c); they check the role.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "error.h"
#include "operator.h"
#include "reasons.h"
#include "rules.h"
#include "store.h"
#include "store-view.h"
#include "text.h"
#include "tui-priv.h"
#include "tui-search.h"
#include "util.h"

#define MEMBERS_MAX	50

struct row {
	char	*text;
	int	 heading;
	int64_t	 member;	/* a household member's row: their id */
};

struct resident_view {
	int64_t		 id;
	struct row	*rows;
	int		 n;
	int		 first;
	int		 width;		/* the columns a row may take */
	int64_t		 sel;		/* the household member selected, 0 none */
	int		 sex_on_back;	/* 性別 on the back (residents.sex_on_back) */
};

/* A stored word in the clerk's words. */
struct word {
	const char	*value;
	const char	*text;
};

static const struct word status_words[] = {
	{ "resident", N_("resident") },
	{ "moved_out", N_("moved out") },
	{ "deceased", N_("deceased") },
	{ NULL, NULL },
};

static const struct word cert_kind_words[] = {
	{ "hihokensha", N_("insurance certificate") },
	{ "tanki", N_("short-term certificate") },
	{ "shikaku_shomei", N_("eligibility certificate") },
	{ "kakunin", N_("eligibility confirmation") },
	{ NULL, NULL },
};

static const struct word card_kind_words[] = {
	{ "juki_existing", N_("resident card held") },
	{ "juki_new", N_("new resident card") },
	{ "standalone", N_("standalone card") },
	{ NULL, NULL },
};

static const struct word document_words[] = {
	{ "certificate", N_("certificate") },
	{ "sleeve", N_("sleeve insert") },
	{ NULL, NULL },
};

/* A date ("YYYY-MM-DD") in 和暦 when the clerk reads Japanese
 * (令和7年4月1日), else as it is. */
static const char *
era_text(const char *iso, char *buf, size_t cap)
{
	struct nhi_date d;
	char era[ERA_FORMAT_MAX];

	if (date_parse(iso, &d) != 0 || era_format(&d, 0, era, sizeof(era)) != 0 ||
	    strcmp(_("(era dates)"), "(era dates)") == 0) {
		err_clear();
		snprintf(buf, cap, "%s", iso);
		return buf;
	}
	snprintf(buf, cap, "%s", era);
	return buf;
}

/* A birth date with the age today: 「昭和55年4月1日（46歳）」. */
static const char *
birth_text(const char *iso, char *buf, size_t cap)
{
	struct nhi_date d, today;
	char date[64];

	time_today_jst(&today.y, &today.m, &today.d);
	era_text(iso, date, sizeof(date));
	if (date_parse(iso, &d) != 0) {
		err_clear();
		snprintf(buf, cap, "%s", iso);
		return buf;
	}
	snprintf(buf, cap, _("%s (age %d)"), date, date_age(&d, &today));
	return buf;
}

/* Why a certificate was voided: the reason's word ("lost", "soiled: ...",
 * "superseded by renewal ...") in the clerk's words, the clerk's own text
 * after it. */
static const char *
void_text(const char *reason, char *buf, size_t cap)
{
	size_t n = strcspn(reason, ": ");
	char w[32];

	snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), reason);
	if (reason_word("void", w) == NULL)
		return reason;
	if (reason[n] == ':' && reason[n + 1] != '\0')
		snprintf(buf, cap, _("%s (%s)"), tui_reason_word("void", w),
		    reason + n + 1 + (reason[n + 1] == ' '));
	else
		snprintf(buf, cap, "%s", tui_reason_word("void", w));
	return buf;
}

static const char *
word(const struct word *table, const char *value)
{
	for (; table->value != NULL; table++)
		if (strcmp(table->value, value) == 0)
			return _(table->text);
	return value;
}

static void
add_row(struct resident_view *rv, int heading, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line of the screen, as it is. */
static void
push_row(struct resident_view *rv, int heading, int64_t member, char *text)
{
	rv->rows = xreallocarray(rv->rows, (size_t)rv->n + 1, sizeof(*rv->rows));
	rv->rows[rv->n].text = text;
	rv->rows[rv->n].heading = heading;
	rv->rows[rv->n].member = member;
	rv->n++;
}

/*
 * A row, wrapped at the screen's width: nothing that matters is cut at
 * 80 columns (a long address, the 「(訂正済み)」 mark, end dates); the
 * continuation lines are indented by `indent` columns.
 */
static void
add_wrapped(struct resident_view *rv, int heading, int indent, const char *text)
{
	char **lines;
	int n, i, w = rv->width > indent + 8 ? rv->width : indent + 8;

	n = tui_wrap(text, w, w - indent, &lines);
	for (i = 0; i < n; i++) {
		if (i == 0)
			push_row(rv, heading, 0, lines[i]);
		else {
			push_row(rv, heading, 0, xasprintf("%*s%s", indent, "", lines[i]));
			free(lines[i]);
		}
	}
	free(lines);
}

static void
add_row(struct resident_view *rv, int heading, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	add_wrapped(rv, heading, 4, text);
	free(text);
}

/* A labelled field whose value wraps under itself: 「住所  東京都…」. */
static void
add_field(struct resident_view *rv, const char *label, const char *value)
{
	char *text = xasprintf("%s  %s", label, value);

	add_wrapped(rv, 0, tui_text_width(label) + 2, text);
	free(text);
}

static void
clear_rows(struct resident_view *rv)
{
	int i;

	for (i = 0; i < rv->n; i++)
		free(rv->rows[i].text);
	free(rv->rows);
	rv->rows = NULL;
	rv->n = 0;
}

static void
add_members(struct resident_view *rv, struct store *st, const struct resident *res)
{
	struct resident_query q;
	struct resident *list = NULL;
	size_t n = 0, i;
	char c1[128], c2[128], nm[512], role[96];
	int pass;

	if (res->household_code[0] == '\0')
		return;
	memset(&q, 0, sizeof(q));
	q.household_code = res->household_code;
	q.include_gone = 1;
	if (store_resident_search(st, &q, MEMBERS_MAX, &list, &n) != 0) {
		err_clear();
		return;
	}
	add_row(rv, 1, _("%s (%zu)"), _("Household members"), n);
	/* The head first, then the others as the register lists them. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			if ((pass == 0) != (list[i].is_head != 0))
				continue;
			tui_fit(c1, sizeof(c1), tui_name(list[i].name_kanji, nm, sizeof(nm)), 16);
			tui_fit(c2, sizeof(c2), tui_name(list[i].name_kana, nm, sizeof(nm)), 16);
			snprintf(role, sizeof(role), "%s", list[i].is_head ?
			    (list[i].id == res->id ? _("head (this resident)") : _("head")) :
			    (list[i].id == res->id ? _("(this resident)") : ""));
			push_row(rv, 0, list[i].id, xasprintf("%s %s %s %s %s  %s",
			    list[i].id == rv->sel ? ">" : " ", c1, c2, list[i].birth_date,
			    tui_sex_text(list[i].sex), role));
		}
	store_resident_list_free(list, n);
}

static int
load(struct tui *t, struct resident_view *rv)
{
	struct resident res;
	struct eligibility *el = NULL;
	struct store_card_brief *cards = NULL;
	struct store_certificate_brief *certs = NULL;
	struct store *st;
	char *head = NULL, kind[64], why[256], nm[512], codes[128], born[96], stay[64];
	struct tbuf gb = { 0 };
	size_t ne = 0, nc = 0, nt = 0, i;
	int r;

	memset(&res, 0, sizeof(res));
	clear_rows(rv);
	if ((r = session_store(tui_ctx(t), &st)) != 0 ||
	    (r = store_resident_get(st, rv->id, &res)) != 0)
		return r;
	/* A read of personal data is on record, as `resident show` is. */
	snprintf(kind, sizeof(kind), "resident:%lld", (long long)res.id);
	operator_audit(st, tui_ctx(t)->operator_login, "resident.show", kind, AUDIT_OK,
	    "screen");
	add_field(rv, _("Name"), tui_name(res.name_kanji, nm, sizeof(nm)));
	/* 外字: marked wherever the name is shown; here what they are. */
	if (text_gaiji_mark(res.name_kanji, &gb, codes, sizeof(codes)) > 0 ||
	    text_gaiji_mark(res.address, &gb, codes, sizeof(codes)) > 0)
		add_row(rv, 0, "%s  %s", _("Gaiji (marked on the screen):"), codes);
	add_field(rv, _("Kana"), tui_name(res.name_kana, nm, sizeof(nm)));
	/* 性別 on the back at the person's request (kept, used by every
	 * print; s changes it): said beside the sex when it is so. */
	rv->sex_on_back = res.sex_on_back;
	add_row(rv, 0, "%s  %s   %s  %s%s   %s  %s", _("Born"),
	    birth_text(res.birth_date, born, sizeof(born)), _("Sex"), tui_sex_text(res.sex),
	    res.sex_on_back ? _(" (printed on the back)") : "",
	    _("Status"), word(status_words, res.status));
	/* A foreign resident: what the NHI rules look at, on the screen. */
	if (res.nationality != NULL && res.nationality[0] != '\0')
		add_row(rv, 0, "%s  %s   %s  %s   %s  %s", _("Nationality"), res.nationality,
		    _("Status of residence"), res.residence_status != NULL &&
		    res.residence_status[0] != '\0' ? res.residence_status : "-",
		    _("Period of stay until"), res.stay_until[0] != '\0' ?
		    era_text(res.stay_until, stay, sizeof(stay)) : "-");
	add_field(rv, _("Address"), tui_name(res.address, nm, sizeof(nm)));
	if (res.household_id != 0 && store_household_head_name(st, res.household_id,
	    &head) != 0)
		err_clear();
	if (res.household_code[0] != '\0')
		add_row(rv, 0, "%s  %s   %s  %s", _("Household"), res.household_code,
		    _("Head"), head != NULL ? tui_name(head, nm, sizeof(nm)) : "-");
	add_members(rv, st, &res);

	if ((r = store_eligibility_list(st, rv->id, 1, &el, &ne)) != 0)
		goto out;
	add_row(rv, 1, _("%s (%zu)"), _("NHI eligibility"), ne);
	for (i = 0; i < ne; i++) {
		char until[64] = "";

		/* Two lines a period: the 「(訂正済み)」 mark and the end dates
		 * are never cut at 80 columns. */
		if (el[i].valid_until[0] != '\0')
			snprintf(until, sizeof(until), _("valid until %s"), el[i].valid_until);
		add_row(rv, 0, "  %s %s-%s%s%s %s%s", el[i].insurer_number,
		    el[i].symbol, el[i].number, el[i].branch[0] ? "-" : "", el[i].branch,
		    word(cert_kind_words, el[i].cert_kind),
		    el[i].superseded_by ? _(" (superseded)") : "");
		add_row(rv, 0, "      %s %s..%s%s%s", _("Period"), el[i].acquired_on,
		    el[i].lost_on, until[0] != '\0' ? "  " : "", until);
	}

	if ((r = store_card_list_for_resident(st, rv->id, &cards, &nc)) != 0)
		goto out;
	add_row(rv, 1, _("%s (%zu)"), _("Cards"), nc);
	for (i = 0; i < nc; i++) {
		tui_fit(kind, sizeof(kind), word(card_kind_words, cards[i].kind), 18);
		add_row(rv, 0, "  #%lld %s %s %s%s%s%s %s", (long long)cards[i].id, kind,
		    cards[i].card_serial[0] ? cards[i].card_serial : "-",
		    tui_reason_word("state", cards[i].state),
		    cards[i].state_reason[0] ? _(" (") : "",
		    cards[i].state_reason[0] ? tui_reason_word("why", cards[i].state_reason) : "",
		    cards[i].state_reason[0] ? _(")") : "", cards[i].issued_on);
	}

	if ((r = store_certificate_list_for_resident(st, rv->id, &certs, &nt)) != 0)
		goto out;
	add_row(rv, 1, _("%s (%zu)"), _("Certificates"), nt);
	for (i = 0; i < nt; i++)
		add_row(rv, 0, "  %s %s%s%s %s %s%s%s", certs[i].serial,
		    strcmp(certs[i].document, "certificate") != 0 ?
		    word(document_words, certs[i].document) : "",
		    strcmp(certs[i].document, "certificate") != 0 ? " " : "",
		    word(cert_kind_words, certs[i].cert_kind), certs[i].issued_on,
		    certs[i].voided ? _("voided") : _("valid"),
		    certs[i].voided && certs[i].void_reason[0] ? _(": ") : "",
		    certs[i].voided ? void_text(certs[i].void_reason, why, sizeof(why)) : "");
	r = 0;
out:
	free(el);
	free(cards);
	free(certs);
	free(head);
	free(gb.p);
	store_resident_free(&res);
	return r;
}

static int
resident_open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct resident_view *rv;
	int r;

	if ((r = tui_authorize(t, "resident", "show")) != 0)
		return r;
	rv = xcalloc(1, sizeof(*rv));
	rv->id = *(const int64_t *)arg;
	rv->width = COLS - 3;
	if ((r = load(t, rv)) != 0) {
		clear_rows(rv);
		free(rv);
		return r;
	}
	s->priv = rv;
	return 0;
}

static void
resident_close(struct tui *t, struct tui_screen *s)
{
	struct resident_view *rv = s->priv;

	clear_rows(rv);
	free(rv);
}

static void
resident_draw(struct tui *t, struct tui_screen *s, WINDOW *w)
{
	struct resident_view *rv = s->priv;
	int rows = getmaxy(w), cols = getmaxx(w), i;

	/* Fresh after a card screen changed something. */
	rv->width = cols - 3;
	if (load(t, rv) != 0)
		err_clear();
	/* The selected household member stays in view. */
	for (i = 0; rv->sel != 0 && i < rv->n; i++)
		if (rv->rows[i].member == rv->sel) {
			if (i < rv->first)
				rv->first = i;
			else if (i >= rv->first + rows)
				rv->first = i - rows + 1;
			break;
		}
	if (rv->first > rv->n - rows)
		rv->first = rv->n - rows > 0 ? rv->n - rows : 0;
	for (i = 0; i < rows && rv->first + i < rv->n; i++) {
		if (rv->rows[rv->first + i].heading)
			wattron(w, A_BOLD);
		tui_put(w, i, rv->rows[rv->first + i].heading ? 1 : 2,
		    cols - 3, rv->rows[rv->first + i].text);
		wattroff(w, A_BOLD);
	}
}

/* Tab: the next household member (the head first), round to the first. */
static void
next_member(struct resident_view *rv)
{
	int i, at = -1;
	int64_t first = 0;

	for (i = 0; i < rv->n; i++) {
		if (rv->rows[i].member == 0)
			continue;
		if (first == 0)
			first = rv->rows[i].member;
		if (at >= 0) {
			rv->sel = rv->rows[i].member;
			return;
		}
		if (rv->rows[i].member == rv->sel)
			at = i;
	}
	rv->sel = first;
}

static const char *
resident_hints_now(struct tui_screen *s)
{
	const struct resident_view *rv = s->priv;

	if (rv != NULL && rv->sel != 0 && rv->sel != rv->id)
		return N_("Enter open member  Tab next  i issue  r reprint  l loss  ESC back");
	return NULL;
}

/*
 * s: 性別 on the back of certificates and sleeves (or the front again), at
 * the person's request, as `resident edit --sex-on-back` does: kept with
 * the resident and audited (resident.sex_on_back) in one transaction.
 */
static void
toggle_sex_back(struct tui *t, struct resident_view *rv)
{
	struct session *ctx = tui_ctx(t);
	struct store *st = NULL;
	char subject[32];
	int r, changed = 0, on = !rv->sex_on_back;

	if (tui_authorize(t, "resident", "edit") != 0) {
		err_clear();
		return;
	}
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)rv->id);
	if ((r = session_store(ctx, &st)) != 0 || (r = store_begin(st)) != 0)
		goto fail;
	if ((r = store_resident_set_sex_on_back(st, rv->id, on, &changed)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "resident.sex_on_back", subject,
	    AUDIT_OK, on ? "back (screen)" : "front (screen)")) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		operator_audit(st, ctx->operator_login, "resident.sex_on_back", subject,
		    AUDIT_FAILED, nhi_errname(r));
		goto fail;
	}
	rv->sex_on_back = on;
	tui_status_message(t, "%s", on ? _("Sex will be printed on the back of this"
	    " person's certificates.") : _("Sex will be printed on the front of this"
	    " person's certificates."));
	return;
fail:
	tui_status_message(t, _("Not changed: %s"), err_text(r));
	err_clear();
}

static enum tui_key_result
resident_key(struct tui *t, struct tui_screen *s, const struct tui_key *k)
{
	struct resident_view *rv = s->priv;
	int64_t id = rv->id;
	int page = LINES - 3;

	if (k->func) {
		switch (k->code) {
		case KEY_UP:
			if (rv->first > 0)
				rv->first--;
			return TUI_KEY_HANDLED;
		case KEY_DOWN:
			rv->first++;
			return TUI_KEY_HANDLED;
		case KEY_PPAGE:
			rv->first = rv->first > page ? rv->first - page : 0;
			return TUI_KEY_HANDLED;
		case KEY_NPAGE:
			rv->first += page;
			return TUI_KEY_HANDLED;
		case KEY_ENTER:
			if (rv->sel != 0 && rv->sel != rv->id)
				(void)tui_push(t, &tui_resident_ops, &rv->sel);
			return TUI_KEY_HANDLED;
		}
		return TUI_KEY_UNHANDLED;
	}
	switch (k->code) {
	case '\t':
		next_member(rv);
		return TUI_KEY_HANDLED;
	case '\n':
	case '\r':
		if (rv->sel != 0 && rv->sel != rv->id)
			(void)tui_push(t, &tui_resident_ops, &rv->sel);
		return TUI_KEY_HANDLED;
	case 'i':
		(void)tui_push(t, &tui_issue_ops, &id);
		return TUI_KEY_HANDLED;
	case 'r':
		(void)tui_push(t, &tui_reprint_ops, &id);
		return TUI_KEY_HANDLED;
	case 'l':
		(void)tui_push(t, &tui_loss_ops, &id);
		return TUI_KEY_HANDLED;
	case 's':
		toggle_sex_back(t, rv);
		return TUI_KEY_HANDLED;
	}
	return TUI_KEY_UNHANDLED;
}

const struct tui_screen_ops tui_resident_ops = {
	.name = "resident",
	.title = N_("Resident"),
	.hints = N_("i issue  r reprint  l loss report  Up/Down scroll  ESC back"),
	.hints_now = resident_hints_now,
	.help = N_("The resident's record: name (gaiji marked), birth date with age,"
	    " the whole address, the household (the head first), NHI eligibility,"
	    " cards and certificates; long lines wrap. Tab selects a household"
	    " member (> ) and Enter opens their record; ESC comes back. i issues a"
	    " card, r reprints the certificate with a reason, l takes a loss report"
	    " (a card found is reinstated there). s prints the sex on the back of the"
	    " person's certificates from now on, at the person's request (s again: on"
	    " the front)."),
	.open = resident_open,
	.draw = resident_draw,
	.key = resident_key,
	.close = resident_close,
};

/*
 * rules-lifecycle.c: the card life cycle as two tables: the whitelist of
 * transitions (from state and reason, event -> to state and reason) and
 * the reasons a clerk is given when an event is refused. Pure: no store,
 * no card; store-card.c asks lifecycle_next() before every state change.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "lifecycle.h"

const char *const lifecycle_states[] = {
	"personalizing", "unfinished", "active", "suspended", "revoked", NULL
};

const char *const lifecycle_events[] = {
	LC_EV_RESTART, LC_EV_FAILED, LC_EV_ACTIVATED, LC_EV_REPORT_LOST,
	LC_EV_REVOKE_STOLEN, LC_EV_REVOKE_DAMAGED, LC_EV_REVOKE_DIED,
	LC_EV_REVOKE_ELIG, LC_EV_REPLACE, LC_EV_REINSTATE, LC_EV_ABANDON, NULL
};

const char *const lifecycle_reasons[] = {
	"lost", "stolen", "damaged", "died", "eligibility_ended", "replaced", NULL
};

/* One allowed transition. from_reasons: comma-separated list, NULL any.
 * to_reason: a reason, "" to clear, NULL to keep the caller's text. */
struct lc_rule {
	const char	*from;
	const char	*from_reasons;
	const char	*event;
	const char	*to;
	const char	*to_reason;
};

static const struct lc_rule lc_rules[] = {
	/* Personalization (docs/personalization.md). */
	{ "personalizing", NULL, LC_EV_RESTART,	"personalizing", NULL },
	{ "unfinished",	NULL, LC_EV_RESTART,	"personalizing", NULL },
	{ "personalizing", NULL, LC_EV_FAILED,	"unfinished", NULL },
	{ "unfinished",	NULL, LC_EV_FAILED,	"unfinished", NULL },
	{ "personalizing", NULL, LC_EV_ACTIVATED, "active", "" },
	{ "unfinished",	NULL, LC_EV_ACTIVATED,	"active", "" },
	/* A card left unfinished (pulled half-way, then another card used):
	 * given up with a reason; its key was never issued, so the center
	 * has nothing to revoke. */
	{ "personalizing", NULL, LC_EV_ABANDON,	"revoked", "abandoned" },
	{ "unfinished",	NULL, LC_EV_ABANDON,	"revoked", "abandoned" },
	/* Loss reports and revocations. */
	{ "active",	NULL, LC_EV_REPORT_LOST, "suspended", "lost" },
	{ "active",	NULL, LC_EV_REVOKE_STOLEN, "revoked", "stolen" },
	{ "suspended",	NULL, LC_EV_REVOKE_STOLEN, "revoked", "stolen" },
	{ "active",	NULL, LC_EV_REVOKE_DAMAGED, "revoked", "damaged" },
	{ "suspended",	NULL, LC_EV_REVOKE_DAMAGED, "revoked", "damaged" },
	{ "active",	NULL, LC_EV_REVOKE_DIED, "revoked", "died" },
	{ "suspended",	NULL, LC_EV_REVOKE_DIED, "revoked", "died" },
	{ "active",	NULL, LC_EV_REVOKE_ELIG, "revoked", "eligibility_ended" },
	{ "suspended",	NULL, LC_EV_REVOKE_ELIG, "revoked", "eligibility_ended" },
	/* A replacement was issued: final. */
	{ "suspended",	NULL, LC_EV_REPLACE,	"revoked", "replaced" },
	{ "revoked",	"lost,stolen,damaged", LC_EV_REPLACE, "revoked", "replaced" },
	/* A card reported lost turned up before it was replaced. */
	{ "suspended",	NULL, LC_EV_REINSTATE,	"active", "" },
	{ "revoked",	"lost", LC_EV_REINSTATE, "active", "" },
};

/* Why an event is refused, most specific first: from state (and reasons),
 * events (comma-separated), and what follows "card N is STATE (REASON)". */
struct lc_refusal {
	const char	*from;
	const char	*from_reasons;
	const char	*events;
	const char	*why;
};

#define LC_REVOKES LC_EV_REPORT_LOST "," LC_EV_REVOKE_STOLEN "," LC_EV_REVOKE_DAMAGED \
	"," LC_EV_REVOKE_DIED "," LC_EV_REVOKE_ELIG
#define LC_PERSO LC_EV_RESTART "," LC_EV_FAILED "," LC_EV_ACTIVATED "," LC_EV_ABANDON

static const struct lc_refusal lc_refusals[] = {
	{ "revoked", "replaced", LC_EV_REINSTATE,
	    "; it cannot be reinstated after a replacement was issued" },
	{ "revoked", NULL, LC_EV_REINSTATE,
	    "; only a card reported lost (suspended) can be reinstated" },
	{ "active", NULL, LC_EV_REINSTATE, "; there is nothing to reinstate" },
	{ "personalizing,unfinished", NULL, LC_REVOKES "," LC_EV_REPLACE "," LC_EV_REINSTATE,
	    ": its key was never issued, so it cannot be revoked, replaced or"
	    " reinstated; finish or abandon the personalization" },
	{ "suspended", NULL, LC_EV_REPORT_LOST, ": the loss was already reported" },
	{ "revoked", NULL, LC_REVOKES, ": it is already revoked" },
	{ "active", NULL, LC_EV_REPLACE,
	    ": record the loss report (nhicard revoke) before a replacement" },
	{ "revoked", NULL, LC_EV_REPLACE, "; no replacement is issued for it" },
	{ "active,suspended,revoked", NULL, LC_PERSO, ": its personalization is over" },
};

/* 1 if `s` is one of the comma-separated `list` (NULL list: any). */
static int
lc_in(const char *s, const char *list)
{
	size_t n = strlen(s);
	const char *p = list;

	if (list == NULL)
		return 1;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, s, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

static int
lc_known(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

int
lifecycle_next(int64_t card_id, const char *state, const char *reason,
    const char *event, const char **to_state, const char **to_reason)
{
	const struct lc_refusal *f;
	size_t i;

	if (state == NULL || !lc_known(lifecycle_states, state))
		return err_set(NHI_EUSAGE, "card %lld: unknown card state '%s'",
		    (long long)card_id, state != NULL ? state : "(none)");
	if (event == NULL || !lc_known(lifecycle_events, event))
		return err_set(NHI_EUSAGE, "card %lld: unknown card event '%s'",
		    (long long)card_id, event != NULL ? event : "(none)");
	/* Only suspended and revoked records carry a revocation reason; the
	 * others may hold a failure text, which is not part of the state. */
	if (reason == NULL || (strcmp(state, "suspended") != 0 &&
	    strcmp(state, "revoked") != 0))
		reason = "";
	for (i = 0; i < sizeof(lc_rules) / sizeof(lc_rules[0]); i++) {
		if (strcmp(lc_rules[i].from, state) != 0 ||
		    strcmp(lc_rules[i].event, event) != 0 ||
		    !lc_in(reason, lc_rules[i].from_reasons))
			continue;
		*to_state = lc_rules[i].to;
		*to_reason = lc_rules[i].to_reason;
		return 0;
	}
	for (i = 0; i < sizeof(lc_refusals) / sizeof(lc_refusals[0]); i++) {
		f = &lc_refusals[i];
		if (lc_in(state, f->from) && lc_in(event, f->events) &&
		    lc_in(reason, f->from_reasons))
			return err_reason(err_set(NHI_ESTATE, "card %lld is %s%s%s%s%s",
			    (long long)card_id, state, reason[0] ? " (" : "", reason,
			    reason[0] ? ")" : "", f->why), "card.not_allowed");
	}
	return err_reason(err_set(NHI_ESTATE, "card %lld is %s%s%s%s: '%s' is not allowed",
	    (long long)card_id, state, reason[0] ? " (" : "", reason,
	    reason[0] ? ")" : "", event), "card.not_allowed");
}

const char *
lifecycle_revoke_event(const char *reason)
{
	static const char *const map[][2] = {
		{ "lost", LC_EV_REPORT_LOST }, { "stolen", LC_EV_REVOKE_STOLEN },
		{ "damaged", LC_EV_REVOKE_DAMAGED }, { "died", LC_EV_REVOKE_DIED },
		{ "eligibility_ended", LC_EV_REVOKE_ELIG }, { "replaced", LC_EV_REPLACE },
	};
	size_t i;

	if (reason == NULL)
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], reason) == 0)
			return map[i][1];
	return NULL;
}

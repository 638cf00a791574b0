/*
 * reasons.c: the one table of reasons a clerk reads aloud (reasons.h).
 * The texts are msgids: the clerk's screen shows their Japanese from
 * po/ja.po; the wording follows what municipalities print on their pages
 * and forms (docs/tui.md, "Words").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "reasons.h"

#define N_(s) s

static const struct {
	const char	*key;
	const char	*text;
} reasons[] = {
	/* Which card the rules give (rules-card.c). */
	{ "card.not_insured", N_("Not insured by this town's National Health Insurance.") },
	{ "card.late_elderly", N_("At 75 and over the late-elderly medical care scheme applies, not National Health Insurance.") },
	{ "card.foreign_stay", N_("The period of stay does not meet the condition for joining National Health Insurance.") },
	{ "card.foreign_status", N_("This status of residence is excluded from National Health Insurance.") },
	{ "card.foreign_unregistered", N_("Not recorded in the basic resident register.") },
	{ "card.tokurei", N_("Special rule for residents living elsewhere: this town cannot issue a resident card, a standalone card is issued.") },
	{ "card.foreign_no_juki", N_("A resident card cannot be issued to a foreign resident: a standalone card is issued.") },
	{ "card.has_juki", N_("The insurance is written onto the resident card the resident holds.") },
	{ "card.other_town_card", N_("The resident card is another municipality's: a standalone card is issued.") },
	{ "card.wants_juki", N_("A new resident card is issued with the insurance written on it.") },
	{ "card.no_juki", N_("No resident card is held or applied for.") },
	/* The plan of an issue (flow-issue.c) and the rules of the day. */
	{ "issue.finding_open", N_("A finding from the import is not resolved: no certificate or card until it is checked and resolved at the counter.") },
	{ "issue.excluded_today", N_("The rules of today exclude this person: nothing can be issued.") },
	{ "issue.juki_expired", N_("The resident card has expired (valid 10 years from its issue).") },
	{ "issue.juki_new_ended", N_("New resident cards are no longer issued (issuance ended in December 2015).") },
	{ "law.late_elderly", N_("The insurance ended the day before the 75th birthday: the late-elderly medical care scheme applies.") },
	{ "law.lost", N_("The insurance has been lost (the date is in the details).") },
	{ "law.stay_status", N_("This status of residence (short-term stay, diplomat, some designated activities) cannot join National Health Insurance.") },
	{ "law.stay_ended", N_("The period of stay has ended.") },
	{ "law.stay_short", N_("The period of stay granted is too short for National Health Insurance.") },
	{ "law.kind_ended", N_("This document is no longer issued: an eligibility confirmation certificate is issued instead.") },
	{ "law.child_short_term", N_("A child up to the March 31 after turning 18 receives a short-term insurance certificate, not an eligibility certificate.") },
	{ "law.over_75_start", N_("75 or older on the start date: the late-elderly medical care scheme applies.") },
	/* The card in the reader (card-perso.c, card-profile.c). */
	/* The My Number card at the counter (flow-mynumber.c). */
	{ "mynumber.pin_wrong", N_("The PIN is wrong. The card counts the tries: ask the resident to type it again carefully; after the last try the PIN is locked.") },
	{ "mynumber.pin_locked", N_("The My Number card's PIN is locked. It is reset at the resident's municipal office counter (the My Number card desk) with the card and an identity check; nothing can be linked until then.") },
	{ "mynumber.items_differ", N_("The four basic items on the My Number card differ from the resident register: nothing was linked, a supervisor checks the case.") },
	{ "mynumber.cert_unknown_ca", N_("The card's certificate is not from a certification authority this station trusts: nothing was linked.") },
	{ "mynumber.cert_expired", N_("The card's electronic certificate has expired: it is renewed at the municipal office, then the card is linked again.") },
	{ "mynumber.cert_not_yet_valid", N_("The card's electronic certificate is not valid yet: check the station's clock.") },
	{ "mynumber.cert_revoked", N_("The card's electronic certificate has been revoked (the card was reported lost or replaced): nothing was linked, and a link it held has ended.") },
	{ "mynumber.not_linked", N_("No My Number card is linked to this resident: there is nothing to unlink.") },
	{ "mynumber.crl_unknown_ca", N_("The revocation list is not from a certification authority this station trusts: it was not applied.") },
	{ "mynumber.crl_bad_signature", N_("The revocation list's signature does not verify: it may be damaged or forged. It was not applied; fetch it again.") },
	{ "mynumber.crl_older", N_("The revocation list is older than the one applied last: it was not applied. Fetch the current one.") },
	{ "card.is_juki", N_("This card is a resident card, not a standalone card: insert the standalone card, or choose the resident card.") },
	{ "card.is_standalone", N_("This card is a standalone card, not a resident card: insert the resident's own resident card, or choose the standalone card.") },
	{ "card.already_active", N_("This card already holds valid insurance data. Nothing was written.") },
	{ "card.not_ours", N_("This card holds insurance data this station did not write: it cannot be written here.") },
	{ "card.suspended", N_("This card was reported lost: if it was found, reinstate it first.") },
	{ "card.state_conflict", N_("The card and the station's records disagree about this card's state: ask a supervisor.") },
	{ "card.unfinished_other", N_("This card has an unfinished write for another resident: finish that one first.") },
	{ "card.not_new", N_("This card is not a newly issued resident card: choose the card the resident holds.") },
	{ "card.is_new", N_("This card is a newly issued resident card with nothing on it yet: choose the new resident card.") },
	{ "card.holder_has_active", N_("The resident already has a valid card: stop that card first (loss report or return).") },
	{ "card.revoked_locked", N_("This card was revoked: its insurance data on the card has now been locked.") },
	{ "card.mismatch", N_("The card's four basic items (name, birth date, sex, address) do not match this resident.") },
	{ "card.mismatch_gaiji", N_("The card matches this resident except where the name holds a non-standard character (gaiji). A supervisor decides whether this is the resident's own card; nothing was written.") },
	{ "card.no_ap", N_("This card holds no insurance data.") },
	{ "card.already_locked", N_("This card's insurance data is already locked or unlocked as asked.") },
	{ "card.unfinished", N_("This card's write is unfinished: finish it instead.") },
	{ "card.not_allowed", N_("This is not possible in the card's current state.") },
	{ "cert.not_resident", N_("Moved out or deceased: no certificate is printed.") },
	/* Logging in and a supervisor's approval (operator-auth.c). */
	{ "login.wrong_password", N_("The login name or the password is wrong. Enter them again; after several wrong passwords the account is locked.") },
	{ "login.disabled", N_("This operator account is disabled. Ask a supervisor.") },
	{ "login.locked", N_("This operator account is locked after too many wrong passwords. A supervisor can unlock it.") },
	{ "approval.needed", N_("This needs a supervisor's approval.") },
	{ "approval.same_person", N_("The approver must be a supervisor other than you.") },
	{ "approval.not_supervisor", N_("The approver is not a supervisor: a supervisor must approve.") },
	{ "approval.wrong_password", N_("The supervisor's login name or password is wrong. Nothing was approved; the supervisor may enter it again.") },
	/* A card's state, and why it changed (cards.state, state_reason). */
	{ "state.personalizing", N_("being written") },
	{ "state.unfinished", N_("unfinished") },
	{ "state.active", N_("active") },
	{ "state.suspended", N_("suspended (reported lost)") },
	{ "state.revoked", N_("revoked") },
	{ "why.lost", N_("lost") },
	{ "why.stolen", N_("stolen") },
	{ "why.damaged", N_("damaged") },
	{ "why.died", N_("died") },
	{ "why.eligibility_ended", N_("eligibility ended") },
	{ "why.replaced", N_("replaced") },
	{ "why.abandoned", N_("abandoned") },
	{ "why.reissue", N_("reissue") },
	{ "why.defaced", N_("defaced") },
	{ "why.correction", N_("correction") },
	{ "why.other", N_("other") },
	/* Why a certificate was voided (the reprint's reason word). */
	{ "void.soiled", N_("soiled or worn") },
	{ "void.lost", N_("the certificate was lost") },
	{ "void.damaged", N_("damaged") },
	{ "void.changed", N_("the printed details changed") },
	{ "void.other", N_("other") },
	{ "void.superseded", N_("replaced by the renewal") },
	/* Why the center rejected a record (center-batch.c, center-intake.c). */
	{ "center.unknown_kind", N_("The center does not know this kind of record.") },
	{ "center.wrong_lane", N_("The record was sent in the wrong lane.") },
	{ "center.malformed", N_("The record is incomplete or malformed.") },
	{ "center.conflict", N_("The center already holds this record under another id.") },
	{ "center.unknown_person", N_("The center has no such person.") },
	{ "center.test_reject", N_("Rejected by a test setting of the center.") },
	/* The printer, while a job waits or when it failed (print-cups.c). */
	{ "printer.stopped", N_("The printer is stopped: ask whoever looks after the printer to resume it. The job prints when it resumes.") },
	{ "printer.no_paper", N_("The printer is out of paper: load paper. Printing continues when paper is loaded.") },
	{ "printer.unreachable", N_("The printer cannot be reached: check that it is switched on and its cable or network is connected.") },
	{ "printer.no_service", N_("The print service cannot be reached: ask the IT staff.") },
	{ "printer.no_queue", N_("There is no printer of this name: check the printer setting.") },
	{ "printer.resumed", N_("The printer is printing again.") },
	{ "printer.job_failed", N_("Printing failed. No certificate number was recorded: print it again.") },
	{ "printer.timeout", N_("Printing did not finish in time and was cancelled. No certificate number was recorded.") },
	/* What a record for the center is. */
	{ "kind.card_issued", N_("card issued") },
	{ "kind.card_revoked", N_("card stopped") },
	{ "kind.card_reinstated", N_("card reinstated") },
	{ "kind.certificate_issued", N_("certificate issued") },
	{ "kind.certificate_voided", N_("certificate voided") },
	{ "kind.eligibility_changed", N_("eligibility changed") },
};

const char *
reason_text(const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].key, key) == 0)
			return reasons[i].text;
	return NULL;
}

const char *
reason_word(const char *prefix, const char *word)
{
	char key[96];

	if (prefix == NULL || word == NULL ||
	    (size_t)snprintf(key, sizeof(key), "%s.%s", prefix, word) >= sizeof(key))
		return NULL;
	return reason_text(key);
}

const char *
reason_key_at(size_t i, const char **text)
{
	if (i >= sizeof(reasons) / sizeof(reasons[0]))
		return NULL;
	if (text != NULL)
		*text = reasons[i].text;
	return reasons[i].key;
}

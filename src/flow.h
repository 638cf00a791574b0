/*
 * flow.h: the counter's actions as library functions, shared by the
 * commands (cmd-*.c), the clerk's screens (tui-*.c) and batch runs
 * (batch-*.c), so no rule or step lives only in one front end.
 *
 * A flow runs over the layers (card, store, print, queue, rules) with the
 * same struct session the commands get. It never writes to stdout or
 * stderr: what a clerk should be told goes through struct flow_events,
 * which a command turns into lines and a screen into a progress box.
 *
 * Issuing a card is two calls: issue_plan() finds the resident, applies
 * the rules and the queue's limits and says what will happen (card path,
 * fee) without touching a card; issue_execute() then writes the card in
 * the reader and prints the documents. A screen asks the clerk to confirm
 * between the two.
 */
#ifndef NHI_FLOW_H
#define NHI_FLOW_H

#include <stdint.h>

#include "card-perso.h"
#include "events.h"
#include "rules.h"
#include "session.h"
#include "store.h"

/* ---- Issuing a card (flow-issue.c) ------------------------------------- */

struct issue_request {
	const char		*who;		/* store id or person code */
	int			 path_given;	/* 0: the rules' default path */
	enum perso_path		 path;
	const char		*waiver;	/* fee waiver reason, or NULL */
	const char		*print_dir;	/* write PDFs into DIR, or NULL */
	const char		*printer;	/* CUPS queue, or NULL */
	int			 sleeve;	/* the sleeve insert, not the certificate */
	int			 sex_on_back;	/* 性別 on the back, at the resident's request */
	int			 no_print;
	int			 gaiji_decided;	/* a supervisor decided that the card
						 * whose name differs only at 外字
						 * positions is the resident's
						 * (approved and audited by the caller) */
};

/* What issue_plan() decided; filled by it, freed by issue_plan_free(). */
struct issue_plan {
	struct resident		 res;
	int			 have_res;
	struct eligibility	 elig;
	struct rules_policy	 policy;
	struct rules_card_decision decision;	/* reason_key / reason_en when refused */
	enum perso_path		 path;
	struct rules_fee_out	 fee;		/* due, waived, needs_supervisor */
	int			 replaces_card;	/* a lost, stolen or damaged card is
						   replaced: the reissue fee */
	/* The serial of the resident's still valid certificate, or "": a new
	 * card needs no new paper, so issue_execute prints no certificate then
	 * (the receipt still) and says so; a reprint with a reason voids it. */
	char			 valid_certificate[32];
	/* The document the rules give today (rules_document_kind), 0 when
	 * the plan did not get that far; its title for the clerk. */
	enum rules_cert_kind	 document;
	const char		*document_title;
};

struct issue_result {
	struct perso_result	 card;
	int64_t			 replaced_card_id;	/* 0: none */
	int			 certificate_printed;
	int			 receipt_printed;
};

/*
 * Find the resident, apply the rules (card path, fee; a waiver above the
 * supervisor's limit needs ctx->approver) and the queue's backlog limits.
 * Touches no card and changes nothing. Returns 0 and fills *plan, or
 * NHI_ENOTFOUND, NHI_ESTATE (moved out, deceased), NHI_EREFUSED (not
 * insured here, path not allowed: plan->decision says why, queue backlog),
 * NHI_EDENIED (approval missing) or a store error. Call issue_plan_free()
 * in every case.
 */
int	issue_plan(struct session *ctx, const struct issue_request *req,
	    struct issue_plan *plan);
void	issue_plan_free(struct issue_plan *plan);

/*
 * The rules step of issue_plan() alone, for a caller that already loaded
 * the resident (plan->res, have_res), the period in force (plan->elig) and
 * the policy (plan->policy), such as a batch run that plans thousands of
 * residents and checks the queue's backlog once: sets plan->decision,
 * plan->path (the rules' default unless req->path_given) and plan->fee.
 * Does not ask for a waiver's approval (batch runs waive nothing).
 * Returns 0, NHI_EREFUSED (the path is not allowed: plan->decision says
 * why), or rules_fee's errors.
 */
int	issue_plan_decide(const struct issue_request *req, struct issue_plan *plan);

/*
 * Write the card in the reader (ctx->reader) for `plan`, mark a card it
 * replaces, then print the certificate (or sleeve insert) and the counter
 * receipt as `req` says. Events: steps, notes, and cancel() once before
 * the card is written. The card is issued once the card step succeeded: a
 * later print failure returns its error with a detail that says the card
 * is issued and how to print again (res->card.card_id is then set).
 * Appends the "card.issue" audit entry. Returns 0 and fills *res, or the
 * first error (NHI_ECANCELLED when cancelled: nothing changed).
 */
int	issue_execute(struct session *ctx, const struct issue_request *req,
	    struct issue_plan *plan, const struct flow_events *ev,
	    struct issue_result *res);

/*
 * issue_plan() then issue_execute(), for a caller that asks nobody in
 * between (the command line, a replacement after a loss report). A plan
 * the rules or the queue refuse is audited ("card.issue") as an executed
 * one is. Returns 0 and fills *res, or the first error.
 */
int	issue_run(struct session *ctx, const struct issue_request *req,
	    const struct flow_events *ev, struct issue_result *res);

/* ---- Loss reports and revocation (flow-revoke.c) ------------------------ */

struct revoke_request {
	const char	*who;		/* RESIDENT (store id or person code), or NULL */
	int64_t		 card_id;	/* the card, or 0: the resident's active card
					   (for other reasons than "lost" also the one
					   already reported lost) */
	const char	*reason;	/* lost, stolen, damaged, died, eligibility_ended */
	const char	*reported_by;	/* who reported: holder, family, register, ... */
	const char	*how;		/* counter, phone, mail */
	const char	*receipt;	/* loss-report receipt PDF, or NULL */
	const char	*printer;	/* or a CUPS queue; both NULL: not printed */
	int		 replace;	/* the receipt says a replacement follows */
};

struct revoke_result {
	int64_t		 card_id;
	int64_t		 resident_id;
	char		 state_before[24], state_after[24];
	int64_t		 queue_seq;	/* 0: nothing queued (already revoked there) */
	int		 receipt_printed;
};

/*
 * Check `req` (NHI_EUSAGE naming the field), find the card, and in one
 * store transaction: change its state, record the report, queue the
 * revocation in the revocation lane and append the "card.revoke" audit
 * entry; then print the loss-report receipt when asked. Returns 0 and
 * fills *res, or the first error (nothing changed unless the detail says
 * the report is recorded). A replacement is a separate issue_plan() +
 * issue_execute() with the new card.
 */
int	revoke_execute(struct session *ctx, const struct revoke_request *req,
	    const struct flow_events *ev, struct revoke_result *res);

/*
 * A card left unfinished (pulled half-way, and another card used, or the
 * card lost): given up, `why` a word ("lost", "damaged", "other"). The
 * record becomes revoked (abandoned) through the life cycle (anything but
 * an unfinished or personalizing card is NHI_ESTATE), audited as
 * card.abandon, in one store transaction. Its key was never issued: the
 * center is not told. *after: the card now.
 */
int	issue_abandon_unfinished(struct session *ctx, int64_t card_id, const char *why,
	    struct store_card *after);

/* The words issue_abandon_unfinished() takes, NULL-terminated: lost (the
 * card was pulled and is lost), damaged, other (another card is used). */
extern const char *const issue_abandon_whys[];

/*
 * A supervisor's decision that the card in the reader, whose name differs
 * from resident `resident_id`'s only at 外字 positions, is the resident's
 * own: the two-person rule of a fee waiver (ctx->approver and the
 * approver's password; the built-in operator's demo approval is shown and
 * audited as not checked), audited as issue.gaiji_match. 0 when approved:
 * the caller then sets issue_request.gaiji_decided. The screen's hold and
 * `nhicard issue --gaiji-decided` both come here.
 */
int	issue_gaiji_approve(struct session *ctx, int64_t resident_id);

/*
 * A card reported lost that was found before a replacement: active again
 * (`nhicard reinstate`, the loss screen's `f`). In one store transaction:
 * the transition (the life cycle rules refuse any other state, NHI_ESTATE
 * with the reason card.not_allowed), the reinstatement queued for the
 * center (*seq), the audit entry card.reinstate. *after: the card now.
 */
int	reinstate_execute(struct session *ctx, int64_t card_id, struct store_card *after,
	    int64_t *seq);

/*
 * After the issue flow made card `new_card_id` active for resident
 * `resident_id`: the card it replaces (reported lost, stolen or damaged)
 * becomes revoked (replaced), with an audit entry, one transaction. Its
 * card id is put in *old_id (0 when there was none). Returns 0 or the
 * store error.
 */
int	flow_lifecycle_replaced(struct session *ctx, int64_t resident_id,
	    int64_t new_card_id, int64_t *old_id);

#endif

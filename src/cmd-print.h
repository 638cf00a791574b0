/*
 * cmd-print.h: what `nhicard print` shares with the commands that print as
 * one of their steps (`nhicard issue`): one print request, filled from the
 * configuration by cmd_print_defaults() and run by cmd_print_run(), the
 * same code path as the print command itself.
 */
#ifndef NHI_CMD_PRINT_H
#define NHI_CMD_PRINT_H

#include "cmd.h"
#include "print.h"
#include "rules.h"

struct flow_events;

struct print_request {
	const char	*sub;		/* certificate, sleeve, sheet, receipt */
	const char	*out;		/* -o FILE.pdf */
	const char	*printer;	/* --printer NAME */
	const char	*preview;	/* --preview FILE.png */
	const char	*reason;	/* --reason TEXT: voids the valid one */
	struct nhi_date	 day;		/* --date: 交付年月日 / receipt date */
	int		 all;		/* sheet --all */
	int		 sex_on_back;	/* --sex-on-back: 性別 on the back */
	long		 volume_size;
	char		*actions;	/* receipt --action, joined by '\n'; freed by the caller */
	char		*next_steps;	/* receipt --next; freed by the caller */
	struct print_opts opts;
	char		**pos;		/* positional arguments after sub */
	int		 npos;
	/* Where lines for the clerk go (flow.h); NULL: stdout and stderr. */
	const struct flow_events *events;
};

/*
 * Fill the configured defaults: templates, fonts, volume size, today (JST)
 * and the creation time (SOURCE_DATE_EPOCH, else now). Returns 0 or
 * NHI_ECONFIG naming the key.
 */
int	cmd_print_defaults(struct session *ctx, struct print_request *a);

/*
 * Print what `a` asks for, exactly as `nhicard print` would: serials are
 * recorded only when the document was written or accepted by the printer.
 * Returns 0 or the print, store or usage error with detail.
 */
int	cmd_print_run(struct session *ctx, struct print_request *a);

/* ---- The rules of every certificate path (cmd-certrules.c) ---------- */

struct store;

/* The kinds of the print layer and of the rules layer, both ways. */
enum rules_cert_kind cmd_cert_kind_to_rules(enum print_cert_kind k);
enum print_cert_kind cmd_cert_kind_from_rules(enum rules_cert_kind k);

/*
 * 0 when no import finding about the resident is open, else NHI_EREFUSED
 * naming the finding (its id and code, never its text) and how to resolve
 * it, in English and Japanese; or a store error.
 */
int	cmd_finding_check(struct store *st, int64_t resident_id);

/*
 * Apply the rules of the day c->issued to certificate *c as
 * store_certificate_load() filled it for the period `eligibility_id`:
 * refuse while a finding is open (cmd_finding_check) or when the rules
 * exclude the person that day (rules_certificate_decide: 75 and over,
 * lost, stay; detail in English and Japanese), else set c->kind to the
 * document of the day and c->valid_until to the rules' end (a typed end
 * on the period only shortens it). Returns 0, NHI_EREFUSED, NHI_ERANGE or
 * a store error.
 */
int	cmd_certificate_rules(const struct rules_policy *p, struct store *st,
	    int64_t resident_id, int64_t eligibility_id, struct print_certificate *c);

/* cmd_certificate_rules without the finding check, for a batch run that
 * checked the findings of all its residents at once. */
int	cmd_certificate_apply(const struct rules_policy *p, struct store *st,
	    int64_t resident_id, int64_t eligibility_id, struct print_certificate *c);

struct resident;
struct eligibility;
/*
 * The same rules for a caller that holds the resident and the period in
 * force already (batch runs): the document of kind `kind` issued on `on`,
 * typed_end (may be NULL) the period's typed end. No store access, no
 * finding check (call cmd_finding_check). 0 and *out set, or
 * NHI_EREFUSED / NHI_ERANGE with the detail of cmd_certificate_rules.
 */
int	cmd_person_rules(const struct rules_policy *p, const struct resident *res,
	    const struct eligibility *e, const struct nhi_date *on, enum rules_cert_kind kind,
	    const struct nhi_date *typed_end, struct rules_certificate_out *out);

#endif

/*
 * flow-certrules.h: the rules of every certificate path (flow-certrules.c),
 * applied before a document is recorded or printed and before a card is
 * issued, by commands, flows, screens and batch runs alike.
 */
#ifndef NHI_FLOW_CERTRULES_H
#define NHI_FLOW_CERTRULES_H

#include <stdint.h>

#include "print.h"
#include "rules.h"

struct store;

/* The kinds of the print layer and of the rules layer, both ways. */
enum rules_cert_kind flow_cert_kind_to_rules(enum print_cert_kind k);
enum print_cert_kind flow_cert_kind_from_rules(enum rules_cert_kind k);

/*
 * 0 when no import finding about the resident is open, else NHI_EREFUSED
 * naming the finding (its id and code, never its text) and how to resolve
 * it, in English and Japanese; or a store error.
 */
int	flow_finding_check(struct store *st, int64_t resident_id);

/*
 * Apply the rules of the day c->issued to certificate *c as
 * store_certificate_load() filled it for the period `eligibility_id`:
 * refuse while a finding is open (flow_finding_check) or when the rules
 * exclude the person that day (rules_certificate_decide: 75 and over,
 * lost, stay; detail in English and Japanese), else set c->kind to the
 * document of the day and c->valid_until to the rules' end (a typed end
 * on the period only shortens it). Returns 0, NHI_EREFUSED, NHI_ERANGE or
 * a store error.
 */
int	flow_certificate_rules(const struct rules_policy *p, struct store *st,
	    int64_t resident_id, int64_t eligibility_id, struct print_certificate *c);

/* flow_certificate_rules without the finding check, for a batch run that
 * checked the findings of all its residents at once. */
int	flow_certificate_apply(const struct rules_policy *p, struct store *st,
	    int64_t resident_id, int64_t eligibility_id, struct print_certificate *c);

struct resident;
struct eligibility;
/*
 * The same rules for a caller that holds the resident and the period in
 * force already (batch runs): the document of kind `kind` issued on `on`,
 * typed_end (may be NULL) the period's typed end. No store access, no
 * finding check (call flow_finding_check). 0 and *out set, or
 * NHI_EREFUSED / NHI_ERANGE with the detail of flow_certificate_rules.
 */
int	flow_person_rules(const struct rules_policy *p, const struct resident *res,
	    const struct eligibility *e, const struct nhi_date *on, enum rules_cert_kind kind,
	    const struct nhi_date *typed_end, struct rules_certificate_out *out);

#endif

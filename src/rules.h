/*
 * rules.h: the rules layer: pure functions with no I/O. Check digits, dates
 * and Japanese eras, validity ends, which card a person may get, fees, and
 * the sanity checks on imported eligibility. Everything here is table-driven
 * tested (tests/unit/test-rules-*.c) and configurable where the law changed.
 */
#ifndef NHI_RULES_H
#define NHI_RULES_H

#include <stddef.h>
#include <stdint.h>

/* A calendar date (proleptic Gregorian). */
struct nhi_date {
	int	y, m, d;
};

/* ---- Dates (rules-date.c) -------------------------------------------- */

/* Parse "YYYY-MM-DD" (also "YYYYMMDD"); 0 or NHI_EPARSE / NHI_ERANGE. */
int	date_parse(const char *s, struct nhi_date *out);
/* Format as "YYYY-MM-DD" into buf (at least 11 bytes). */
void	date_format(const struct nhi_date *d, char *buf, size_t len);
/* 1 if d is a real calendar date between 1868-01-01 and 2200-12-31. */
int	date_valid(const struct nhi_date *d);
/* <0, 0, >0 like strcmp. */
int	date_cmp(const struct nhi_date *a, const struct nhi_date *b);
/* Age in whole years on `on`; born on Feb 29, one turns a year older on Mar 1
 * in common years (the civil-law rule counts the day before the birthday;
 * see rules-date.c). */
int	date_age(const struct nhi_date *birth, const struct nhi_date *on);
/* 1 in leap years. */
int	date_is_leap(int y);
/* Days in month m (1-12) of year y; 0 for a bad month. */
int	date_days_in_month(int y, int m);
/* Days since 1970-01-01 (negative before), and back. Exact for any date
 * date_valid() accepts; d must be a real date. */
long	date_to_days(const struct nhi_date *d);
void	date_from_days(long days, struct nhi_date *out);
/* d + n days (n may be negative). out may be d. */
void	date_add_days(const struct nhi_date *d, long n, struct nhi_date *out);
/* d + n months, the day clamped to the end of the month (01-31 + 1 month =
 * 02-28 or 02-29). out may be d. */
void	date_add_months(const struct nhi_date *d, int n, struct nhi_date *out);
/* The last day of a period of `months` months starting on (and counting)
 * `from` (民法 143): the day before the corresponding day, or the month's
 * last day when there is none (Jan 31 + 1 month ends Feb 28 or 29). */
void	date_period_end(const struct nhi_date *from, int months, struct nhi_date *out);
/* Whole months from a to b (negative if b is before a): Jan 31 to Feb 28
 * is 1, Jan 15 to Feb 14 is 0. For stay lengths ("over 3 months"). */
int	date_months_between(const struct nhi_date *a, const struct nhi_date *b);
/* The last day of d's month; the first day of the month after d's. */
void	date_last_of_month(const struct nhi_date *d, struct nhi_date *out);
void	date_first_of_next_month(const struct nhi_date *d, struct nhi_date *out);
/* Day of the week: 0 Sunday .. 6 Saturday. */
int	date_weekday(const struct nhi_date *d);
/* The first day one is `years` old: the birthday, or Mar 1 for a Feb 29
 * birth in a common year. */
void	date_birthday(const struct nhi_date *birth, int years, struct nhi_date *out);
/* The day one legally reaches `years` (年齢に達する日): the day before
 * date_birthday(). Rules worded "達する日" use this one. */
void	date_reach_age(const struct nhi_date *birth, int years, struct nhi_date *out);

/* ---- Check digits (rules-checkdigit.c) ------------------------------- */

/*
 * 保険者番号: 6 digits (NHI) or 8 digits, last digit the check digit.
 * Returns 0, NHI_EPARSE (not 6 or 8 digits) or NHI_ECHECKDIGIT.
 */
int	rules_insurer_number_check(const char *s);
/* 公費負担者番号: 8 digits, same rule. */
int	rules_payer_number_check(const char *s);
/* 全国地方公共団体コード: 6 digits (5 + check). */
int	rules_municipality_code_check(const char *s);
/*
 * All three checks above accept ASCII digits only (normalize full-width
 * first) and return NHI_ERANGE when the prefecture part is not 01-47 (for
 * 8-digit numbers, digits 3-4; otherwise digits 1-2). The detail names the
 * field and the expected check digit.
 */

/*
 * Check digits for generators: the modulus-10 check digit (insurer and
 * payer numbers) of `body` (1-32 ASCII digits, e.g. the 5 or 7 digits before
 * the check), and the modulus-11 one of a 5-digit municipality code.
 * 0 and *digit set (0-9), or NHI_EPARSE.
 */
int	rules_mod10_checkdigit(const char *body, int *digit);
int	rules_municipality_checkdigit(const char *body, int *digit);


/* ---- Japanese era dates (rules-era.c) ---------------------------------- */

/* Era codes, as in GYYMMDD receipt dates. */
enum nhi_era {
	NHI_ERA_MEIJI = 1,	/* 明治: from 1868-01-01 (proclaimed 10-23) */
	NHI_ERA_TAISHO = 2,	/* 大正: from 1912-07-30 */
	NHI_ERA_SHOWA = 3,	/* 昭和: from 1926-12-25 */
	NHI_ERA_HEISEI = 4,	/* 平成: from 1989-01-08 */
	NHI_ERA_REIWA = 5,	/* 令和: from 2019-05-01 */
};

/* A date in era form: 令和7年11月24日 is { NHI_ERA_REIWA, 7, 11, 24 }. */
struct nhi_era_date {
	int	era, year, m, d;
};

/* The kanji name of an era code ("令和"), or NULL for an unknown code. */
const char *era_name(int era);
/* Gregorian to era form. 0, or NHI_ERANGE if !date_valid(d). */
int	era_from_date(const struct nhi_date *d, struct nhi_era_date *out);
/* Era form to Gregorian. 0, or NHI_ERANGE (unknown era, no such year, month
 * or day, or a day outside the era: 平成32年, 昭和64年1月8日), detail set. */
int	era_to_date(const struct nhi_era_date *e, struct nhi_date *out);

#define ERA_FMT_FULLWIDTH	0x1	/* digits as full-width (７年１１月) */
#define ERA_FMT_NO_GANNEN	0x2	/* "1年" instead of "元年" */
#define ERA_FORMAT_MAX		48	/* bytes era_format needs, NUL included */
/*
 * Format d as UTF-8 "令和7年11月24日" ("令和元年5月1日" for the first year)
 * into buf of len >= ERA_FORMAT_MAX bytes. 0, NHI_ERANGE (bad date) or
 * NHI_EINTERNAL (buffer too small).
 */
int	era_format(const struct nhi_date *d, unsigned flags, char *buf, size_t len);
/*
 * Parse an era date: "令和7年11月24日", "令和元年5月1日", full-width digits,
 * blanks (ASCII or U+3000) between parts, or the short form "R7.11.24" /
 * "H31.04.30" (letters M T S H R, either case). 0 and *out set, NHI_EPARSE
 * (shape) or NHI_ERANGE (no such day in that era); the detail quotes s.
 */
int	era_parse(const char *s, struct nhi_date *out);
/* GYYMMDD: "5071124" is 令和7年11月24日. Format needs len >= 8; years above
 * 99 of an era are NHI_ERANGE. Parse: 0, NHI_EPARSE or NHI_ERANGE. */
int	era_gyymmdd_format(const struct nhi_date *d, char *buf, size_t len);
int	era_gyymmdd_parse(const char *s, struct nhi_date *out);

/* ---- Policy (rules-policy.c) ------------------------------------------- */

/*
 * Law-era switches: where domain.md says the study (2005) and today's law
 * differ, both rules are built and the town's configuration picks one.
 */
enum rules_law {
	RULES_LAW_2005 = 2005,	/* as in the study */
	RULES_LAW_2012 = 2012,	/* 2012-07 revision of the register law */
};

/* What a resident without a Juki card who does not want one gets. */
enum rules_no_juki {
	RULES_NO_JUKI_PAPER = 0,	/* the paper certificate only */
	RULES_NO_JUKI_STANDALONE = 1,	/* a standalone card (独自カード) too */
};

/* 記号番号 layouts: fixed per household, or address code + household code. */
enum rules_kigo_scheme {
	RULES_KIGO_FIXED = 0,		/* does not change on a move */
	RULES_KIGO_ADDRESS_HOUSEHOLD = 1, /* 記号 = address code, 番号 = household */
};

#define RULES_MAX_WAIVERS	16
#define RULES_WAIVER_NAME_MAX	32
#define RULES_WAIVE_ALL		(-1)	/* a waiver of the whole fee */

#define RULES_WAIVER_LABEL_MAX	96

struct rules_waiver {
	char	name[RULES_WAIVER_NAME_MAX];	/* [a-z0-9_]: "low_income" */
	int	yen;				/* amount waived, or RULES_WAIVE_ALL */
	char	label[RULES_WAIVER_LABEL_MAX];	/* fee.waiver_labels: what the
						 * clerk and the receipt say
						 * ("低所得世帯"); "" none */
};


struct rules_policy {
	/* Validity (rules-validity.c), config section [validity]. */
	int	renewal_month, renewal_day;	/* renewal = 07-31 */
	int	renewal_cycle_years;		/* renewal_cycle_years = 1 | 2 */
	int	renewal_anchor_year;		/* renewal_anchor_year: a renewal year */
	int	under18_march31;		/* under18_march31 = yes | no */
	int	kakunin_years;			/* kakunin_years = 1..5 */
	int	kakunin_follows_renewal;	/* kakunin_follows_renewal = yes | no */
	/* Who is in NHI and gets which card, config section [rules]. */
	enum rules_law	foreign_stay;		/* foreign_stay = 2005 | 2012 */
	enum rules_law	foreign_juki;		/* foreign_juki = 2005 | 2012 */
	int	late_elderly;			/* late_elderly = yes | no (2008-04) */
	enum rules_no_juki no_juki;		/* no_juki = paper | standalone */
	/* Fees in yen (rules-fee.c), config section [fee]. */
	int	card_fee;			/* card_fee = 500 */
	int	reissue_fee;			/* reissue_fee = 500 */
	int	standalone_fee;			/* standalone_fee = 0 */
	int	supervisor_limit;		/* supervisor_limit = 0 */
	struct rules_waiver waivers[RULES_MAX_WAIVERS]; /* waivers = a:all, b:250 */
	size_t	nwaivers;
	/* 記号番号 (rules-kigo.c), config section [kigo]. */
	enum rules_kigo_scheme kigo_scheme;	/* scheme = fixed | address_household */
	int	kigo_address_digits;		/* address_digits = 1..8 */
	int	kigo_household_digits;		/* household_digits = 1..10 */
	/* The law of the day (rules-law.c), config section [rules]:
	 * law = today | pilot sets both defaults below (pilot: none). */
	int	has_kakunin_from;		/* kakunin_from = 2024-12-02 | none */
	struct nhi_date kakunin_from;		/* first day of 資格確認書 only */
	int	has_juki_new_until;		/* juki_new_until = 2015-12-31 | none */
	struct nhi_date juki_new_until;		/* last day a Juki card was issued */
};

/* The built-in defaults (documented in docs/rules.md). */
void	rules_policy_defaults(struct rules_policy *p);

struct config;
/*
 * Fill *out from the defaults overridden by the configuration's keys (see
 * docs/rules.md). 0, or NHI_ECONFIG with a detail naming the key ("fee.
 * card_fee: ..."); *out is set only on success. No I/O.
 */
int	rules_policy_from_config(const struct config *cfg, struct rules_policy *out);

/* ---- Validity ends and ages 70-74 (rules-validity.c) ------------------- */

enum rules_cert_kind {
	RULES_CERT_REGULAR = 1,		/* 被保険者証 */
	RULES_CERT_SHORT = 2,		/* 短期被保険者証 (1, 3 or 6 months) */
	RULES_CERT_SHIKAKU = 3,		/* 被保険者資格証明書 */
	RULES_CERT_KAKUNIN = 4,		/* 資格確認書 (since 2024-12) */
};

/* Why a certificate ends when it does (the earliest applicable rule). */
enum rules_end_reason {
	RULES_END_RENEWAL = 1,		/* the town's renewal day */
	RULES_END_AGE18,		/* March 31 after reaching 18 */
	RULES_END_SHORT,		/* 短期被保険者証 months */
	RULES_END_KAKUNIN,		/* 資格確認書 years */
	RULES_END_AGE75,		/* the day before the 75th birthday */
	RULES_END_STAY,			/* last day of a foreigner's stay */
	RULES_END_LOSS,			/* the day before the loss date */
	RULES_END_TYPED,		/* a typed end, earlier than the rules' */
};

struct rules_validity_in {
	enum rules_cert_kind kind;
	int		short_months;	/* 1, 3 or 6 for RULES_CERT_SHORT */
	struct nhi_date	from;		/* first valid day (交付日 or 適用開始日) */
	struct nhi_date	birth;
	int		has_stay_end;
	struct nhi_date	stay_end;	/* last authorized day of stay */
	int		has_loss;
	struct nhi_date	loss;		/* 喪失年月日: first day without NHI */
};

/*
 * The last valid day (inclusive) of a certificate: the earliest of every
 * rule that applies (docs/rules.md). *end and *why (may be NULL) set on
 * success. NHI_ERANGE for a bad date, kind or month count, or a loss or
 * stay end before `from`; NHI_EREFUSED when the person is 75 or older on
 * `from` (late-elderly scheme, when the policy has it).
 */
int	rules_validity_end(const struct rules_policy *p,
	    const struct rules_validity_in *in, struct nhi_date *end,
	    enum rules_end_reason *why);
/* The text of a reason, for messages: "renewal day", ... Never NULL. */
const char *rules_end_reason_name(enum rules_end_reason why);

/*
 * 高齢受給者 (ages 70-74): the burden ratio applies from the first day of the
 * month after the month one reaches 70 (the birthday month itself if born
 * on the 1st, since one reaches 70 the day before) ...
 */
void	rules_elderly_start(const struct nhi_date *birth, struct nhi_date *out);
/* ... to the last day in NHI: the day before the 75th birthday. */
void	rules_nhi_last_day(const struct nhi_date *birth, struct nhi_date *out);
/* 1 if the 70-74 burden ratio applies on `on`. */
int	rules_elderly_applies(const struct nhi_date *birth, const struct nhi_date *on);

/* ---- Which card (rules-card.c) ----------------------------------------- */

/* Status of residence relevant to NHI membership. */
enum rules_stay_status {
	RULES_STAY_ORDINARY = 0,	/* any status that may join NHI */
	RULES_STAY_SHORT_TERM,		/* 短期滞在 */
	RULES_STAY_DIPLOMAT,		/* 外交, 公用 */
	RULES_STAY_DESIGNATED_EXCLUDED,	/* 特定活動 for medical stay, sightseeing */
};

/*
 * The status of residence (在留資格) as written in the register, mapped for
 * the rules: 短期滞在 -> SHORT_TERM; 外交, 公用 -> DIPLOMAT; 特定活動 for
 * 医療滞在 or 観光・保養 (long stay) -> DESIGNATED_EXCLUDED; anything else
 * (including an empty text) -> ORDINARY. UTF-8 text; NULL is ORDINARY.
 */
enum rules_stay_status rules_stay_status_from_text(const char *status);

enum rules_juki {
	RULES_JUKI_NONE = 0,		/* holds no Juki card */
	RULES_JUKI_THIS_TOWN,		/* issued (or taken over) by this town */
	RULES_JUKI_OTHER_TOWN,		/* issued by another town */
};

struct rules_person {
	int		age;		/* on the day of the decision */
	int		insured_here;	/* this town's NHI records say insured */
	int		foreign;	/* foreign resident */
	int		stay_months;	/* length of the authorized stay */
	enum rules_stay_status stay_status;
	int		in_register;	/* in the resident register (2012 rule) */
	int		tokurei;	/* 住所地特例: lives in another town */
	enum rules_juki	juki;
	int		wants_juki;	/* asks for a new Juki card */
};

enum rules_card_kind {
	RULES_CARD_NONE = 0,		/* nothing on a card */
	RULES_CARD_JUKI_EXISTING,	/* NHI AP onto the Juki card held */
	RULES_CARD_JUKI_NEW,		/* a new Juki card with the NHI AP */
	RULES_CARD_STANDALONE,		/* 独自カード with the NHI AP */
};

enum rules_card_reason {
	RULES_REASON_NOT_INSURED = 1,	/* not insured by this town */
	RULES_REASON_LATE_ELDERLY,	/* 75+: 後期高齢者医療 */
	RULES_REASON_FOREIGN_STAY,	/* stay too short for NHI */
	RULES_REASON_FOREIGN_STATUS,	/* status excluded from NHI */
	RULES_REASON_FOREIGN_UNREGISTERED, /* not in the register (2012) */
	RULES_REASON_TOKUREI,		/* 住所地特例: no Juki card from us */
	RULES_REASON_FOREIGN_NO_JUKI,	/* 2005: no Juki card for foreigners */
	RULES_REASON_HAS_JUKI,		/* upgrade the card held */
	RULES_REASON_OTHER_TOWN_CARD,	/* card of another town, none wanted */
	RULES_REASON_WANTS_JUKI,	/* new Juki card on request */
	RULES_REASON_NO_JUKI,		/* no Juki card, none wanted */
};

struct rules_card_decision {
	enum rules_card_kind	card;
	enum rules_card_reason	reason;
	int			paper_certificate; /* print the paper one too */
	const char		*reason_key;	/* the reason table's key (reasons.h) */
	const char		*reason_en;	/* its text (the msgid) */
};

/* The words for waiver `name` (fee.waiver_labels): its label, else the
 * name; NULL if no such waiver. */
const char *rules_waiver_label(const struct rules_policy *p, const char *name);

/* Decide (study table 3-1, fig. 5-1, domain.md). Always fills *out. */
void	rules_card_decide(const struct rules_policy *p,
	    const struct rules_person *person, struct rules_card_decision *out);

/* ---- The law of the day (rules-law.c) -------------------------------- */

/* 1 if on `on` only the 資格確認書 is issued (policy kakunin_from). */
int	rules_law_kakunin(const struct rules_policy *p, const struct nhi_date *on);
/*
 * The kind of document issued on `on` for a period recorded as `stored`:
 * RULES_CERT_KAKUNIN from the policy's kakunin_from on; before it the
 * stored kind, except a 資格証明書 for a child up to the March 31 after
 * reaching 18, who gets a 短期被保険者証.
 */
enum rules_cert_kind rules_document_kind(const struct rules_policy *p,
	    enum rules_cert_kind stored, const struct nhi_date *birth,
	    const struct nhi_date *on);
/* The printed title of a kind; `elderly` (ages 70-74 with a burden ratio)
 * titles the combined 被保険者証兼高齢受給者証. Static UTF-8, never NULL. */
const char *rules_cert_kind_title(enum rules_cert_kind kind, int elderly);
/* The length of a stay as granted, in whole months, from the day it
 * started (or NHI's acquisition when that is all that is known) to its
 * last day inclusive; 0 when unknown. */
int	rules_stay_granted_months(const struct nhi_date *from,
	    const struct nhi_date *until);

enum rules_refusal {
	RULES_REFUSE_NONE = 0,
	RULES_REFUSE_LATE_ELDERLY,	/* past the last NHI day (75) */
	RULES_REFUSE_LOST,		/* on or after the loss date */
	RULES_REFUSE_STAY_STATUS,	/* status of residence excluded */
	RULES_REFUSE_STAY_ENDED,	/* the stay ended */
	RULES_REFUSE_STAY_SHORT,	/* stay granted for too short */
	RULES_REFUSE_KIND,		/* the kind asked for is not issued */
	RULES_REFUSE_VALIDITY,		/* no validity end (bad dates) */
};

/* One certificate about to be built, on any path. */
struct rules_certificate_in {
	struct nhi_date	on;		/* the issue day (交付年月日) */
	struct nhi_date	birth;
	enum rules_cert_kind stored_kind; /* the period's recorded kind */
	int		explicit_kind;	/* a clerk asked for stored_kind itself */
	int		short_months;	/* 1, 3, 6 (else 6 for a 短期証) */
	int		has_loss;
	struct nhi_date	loss;		/* the period's loss date */
	int		foreign;
	enum rules_stay_status stay_status;
	int		stay_granted_months; /* 0: unknown */
	int		has_stay_end;
	struct nhi_date	stay_end;
	int		has_typed_end;	/* a typed 有効期限 (--valid-until) */
	struct nhi_date	typed_end;
};

struct rules_certificate_out {
	enum rules_cert_kind	kind;	/* the document to print */
	struct nhi_date		end;	/* 有効期限, inclusive */
	enum rules_end_reason	why;
	enum rules_refusal	refusal; /* set when refused */
};

/*
 * Decide the document for `in`: who gets none on that day (NHI_EREFUSED,
 * detail naming the rule and the day: 75 and over, lost, excluded status,
 * stay ended or too short, an old kind asked for after the switch), the
 * kind (rules_document_kind) and the validity end (rules_validity_end on
 * that kind; a typed end only shortens it; NHI_ERANGE when it is before
 * the issue day). *out always filled (refusal says which rule refused).
 */
int	rules_certificate_decide(const struct rules_policy *p,
	    const struct rules_certificate_in *in,
	    struct rules_certificate_out *out);

/* The clerk's words for a refusal (static UTF-8, "" for none). */
const char *rules_refusal_ja(enum rules_refusal refusal);

#define RULES_JUKI_VALID_YEARS	10
/* 0 if a new Juki card may be issued on `on`, else NHI_EREFUSED with the
 * reason (issuance ended on juki_new_until; pilot rules: never ends). */
int	rules_juki_new_allowed(const struct rules_policy *p, const struct nhi_date *on);
/*
 * 0 if a Juki card is still valid on `on`: 10 years from its issue day
 * (that day counted). With the issue day unknown (has_issue 0) the last
 * possible expiry applies (juki_new_until + 10 years; pilot: valid).
 * NHI_EREFUSED with the expiry day in the detail, NHI_ERANGE for a bad day.
 */
int	rules_juki_card_check(const struct rules_policy *p, int has_issue,
	    const struct nhi_date *issue, const struct nhi_date *on);

/* ---- Fees (rules-fee.c) ------------------------------------------------ */

enum rules_fee_kind {
	RULES_FEE_NEW_CARD = 1,		/* a new Juki card */
	RULES_FEE_UPGRADE,		/* NHI AP onto a card already held */
	RULES_FEE_REISSUE,		/* reissue after loss or damage */
	RULES_FEE_STANDALONE,		/* a standalone card */
};

struct rules_fee_in {
	enum rules_fee_kind	kind;
	int			already_paid;	/* this card's fee was paid */
	const char		*waiver;	/* a configured reason, or NULL */
};

struct rules_fee_out {
	int	fee;			/* before the waiver, yen */
	int	waived;			/* yen */
	int	due;			/* fee - waived */
	int	needs_supervisor;	/* waived > policy supervisor_limit */
};

/* 0 and *out set, NHI_ENOTFOUND (unknown waiver, named) or NHI_ERANGE. */
int	rules_fee(const struct rules_policy *p, const struct rules_fee_in *in,
	    struct rules_fee_out *out);

/* ---- Sanity checks on imported NHI data (rules-eligibility.c) ---------- */

/* A period [from, to): `to` is the first day outside (like a loss date). */
struct rules_period {
	struct nhi_date	from;
	int		has_to;
	struct nhi_date	to;
};

struct rules_nhi_record {
	struct nhi_date	birth;
	struct rules_period nhi;	/* acquisition .. loss */
	int		has_burden;
	int		burden_pct;	/* 10, 20 or 30 */
	int		has_burden_from;
	struct nhi_date	burden_from;	/* 発効期日: the ratio applies from it */
	struct nhi_date	on;		/* the day the burden and age apply */
	int		foreign;
	int		stay_months;
	enum rules_stay_status stay_status;
	int		has_welfare;	/* 生活保護 period known */
	struct rules_period welfare;
	int		has_employee;	/* employee insurance period known */
	struct rules_period employee;
};

enum rules_finding_code {
	RULES_F_BAD_DATE = 1,
	RULES_F_BEFORE_BIRTH,
	RULES_F_LOSS_NOT_AFTER_ACQ,
	RULES_F_LATE_ELDERLY,
	RULES_F_WELFARE_OVERLAP,
	RULES_F_EMPLOYEE_OVERLAP,
	RULES_F_BURDEN_OUTSIDE,
	RULES_F_BURDEN_MISSING,
	RULES_F_BURDEN_VALUE,
	RULES_F_FOREIGN_STAY,
	RULES_F_FOREIGN_STATUS,
};

struct rules_finding {
	enum rules_finding_code	code;
	const char		*field;		/* static: "nhi.from", ... */
	char			 message[160];
};

#define RULES_MAX_FINDINGS	16

/*
 * Check one record against the rules; never fails. Fills up to `max`
 * findings and returns how many there are (it may exceed max: then only
 * the first max were written). 0 means nothing contradicts the rules.
 */
size_t	rules_check_nhi_record(const struct rules_policy *p,
	    const struct rules_nhi_record *rec, struct rules_finding *out,
	    size_t max);
/* "LATE_ELDERLY", ...; never NULL. */
const char *rules_finding_name(enum rules_finding_code code);

/* ---- 記号番号 (rules-kigo.c) -------------------------------------------- */

struct rules_kigo_bango {
	char	kigo[16];	/* 記号 */
	char	bango[16];	/* 番号 */
	char	edaban[4];	/* 枝番 (2 digits, may be empty) */
};

/*
 * The 記号番号 after a move within the town to `address_code`, staying in
 * the household (new_household NULL) or joining/forming `new_household`.
 * RULES_KIGO_FIXED: unchanged. RULES_KIGO_ADDRESS_HOUSEHOLD: 記号 is the
 * address code, 番号 the household code, each left-padded with zeros to
 * the configured digits; 枝番 is kept. 0 and *out set, or NHI_EPARSE /
 * NHI_ERANGE naming the bad code. This never sees nor changes the card key
 * (the card key is random and unrelated to 記号番号; docs/rules.md).
 */
int	rules_kigo_bango_on_move(const struct rules_policy *p,
	    const struct rules_kigo_bango *old, const char *address_code,
	    const char *new_household, struct rules_kigo_bango *out);

#endif

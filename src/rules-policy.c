/*
 * rules-policy.c: the town's rule settings (struct rules_policy): built-in
 * defaults and their overrides from the configuration file. Reads only an
 * already parsed struct config (no I/O). Every error names the key.
 *
 * Keys (docs/rules.md has the reasons and sources):
 *   [validity] renewal, renewal_cycle_years, renewal_anchor_year,
 *              under18_march31, kakunin_years, kakunin_follows_renewal
 *   [rules]    foreign_stay, foreign_juki, late_elderly, no_juki, law,
 *              kakunin_from, juki_new_until
 *   [fee]      card_fee, reissue_fee, standalone_fee, supervisor_limit,
 *              waivers
 *   [kigo]     scheme, address_digits, household_digits
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "nhiconf.h"
#include "rules.h"

void
rules_policy_defaults(struct rules_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->renewal_month = 7;
	p->renewal_day = 31;
	p->renewal_cycle_years = 1;
	p->renewal_anchor_year = 2000;
	p->under18_march31 = 0;
	p->kakunin_years = 5;
	p->kakunin_follows_renewal = 0;
	p->foreign_stay = RULES_LAW_2012;
	p->foreign_juki = RULES_LAW_2012;
	p->late_elderly = 1;
	p->no_juki = RULES_NO_JUKI_PAPER;
	p->card_fee = 500;
	p->reissue_fee = 500;
	p->standalone_fee = 0;
	p->supervisor_limit = 0;
	p->nwaivers = 0;
	p->kigo_scheme = RULES_KIGO_FIXED;
	p->kigo_address_digits = 3;
	p->kigo_household_digits = 5;
	p->has_kakunin_from = 1;
	p->kakunin_from = (struct nhi_date){ 2024, 12, 2 };
	p->has_juki_new_until = 1;
	p->juki_new_until = (struct nhi_date){ 2015, 12, 31 };
}

/* "YYYY-MM-DD" or "none" into *has / *d. */
static int
get_day_or_none(const struct config *cfg, const char *key, int *has,
    struct nhi_date *d)
{
	const char *v = config_get(cfg, key, NULL);

	if (v == NULL)
		return 0;
	if (strcmp(v, "none") == 0) {
		*has = 0;
		return 0;
	}
	if (date_parse(v, d) != 0 || !date_valid(d))
		return err_set(NHI_ECONFIG, "%s: '%.32s' is not YYYY-MM-DD or none",
		    key, v);
	*has = 1;
	return 0;
}

static int
get_int(const struct config *cfg, const char *key, int def, long min,
    long max, int *out)
{
	long v;
	int r;

	if ((r = config_get_int(cfg, key, def, min, max, &v)) != 0)
		return r;
	*out = (int)v;
	return 0;
}

static int
get_bool(const struct config *cfg, const char *key, int def, int *out)
{
	const char *v = config_get(cfg, key, NULL);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
		*out = 0;
	else
		return err_set(NHI_ECONFIG, "%s: '%.32s' is not yes or no", key, v);
	return 0;
}

static int
get_law(const struct config *cfg, const char *key, enum rules_law def,
    enum rules_law *out)
{
	const char *v = config_get(cfg, key, NULL);

	if (v == NULL)
		*out = def;
	else if (strcmp(v, "2005") == 0)
		*out = RULES_LAW_2005;
	else if (strcmp(v, "2012") == 0)
		*out = RULES_LAW_2012;
	else
		return err_set(NHI_ECONFIG, "%s: '%.32s' is not 2005 or 2012",
		    key, v);
	return 0;
}

/* "MM-DD", a day that exists in every year (so not 02-29). */
static int
get_month_day(const struct config *cfg, const char *key, int *m, int *d)
{
	const char *v = config_get(cfg, key, NULL);
	int mm, dd;

	if (v == NULL)
		return 0;
	if (strlen(v) != 5 || v[2] != '-' ||
	    v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9' ||
	    v[3] < '0' || v[3] > '9' || v[4] < '0' || v[4] > '9')
		return err_set(NHI_ECONFIG, "%s: '%.32s' is not MM-DD", key, v);
	mm = (v[0] - '0') * 10 + (v[1] - '0');
	dd = (v[3] - '0') * 10 + (v[4] - '0');
	if (mm < 1 || mm > 12 || dd < 1 || dd > date_days_in_month(2001, mm))
		return err_set(NHI_ECONFIG, "%s: '%s' is not a day of every "
		    "year", key, v);
	*m = mm;
	*d = dd;
	return 0;
}

/* "name:label", comma separated: the words for a configured waiver
 * (UTF-8, no ',' or ':', at most RULES_WAIVER_LABEL_MAX - 1 bytes). */
static int
parse_waiver_labels(const char *key, const char *v, struct rules_policy *p)
{
	const char *s = v, *e, *colon, *l;
	size_t i, namelen, llen;

	while (*s != '\0') {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		while (e > s && e[-1] == ' ')
			e--;
		colon = memchr(s, ':', (size_t)(e - s));
		if (colon == NULL)
			return err_set(NHI_ECONFIG, "%s: '%.*s' is not name:label", key,
			    (int)(e - s > 64 ? 64 : e - s), s);
		namelen = (size_t)(colon - s);
		for (i = 0; i < p->nwaivers; i++)
			if (strlen(p->waivers[i].name) == namelen &&
			    memcmp(p->waivers[i].name, s, namelen) == 0)
				break;
		if (i == p->nwaivers)
			return err_set(NHI_ECONFIG, "%s: '%.*s' is not a waiver of"
			    " fee.waivers", key, (int)(namelen > 32 ? 32 : namelen), s);
		for (l = colon + 1; *l == ' '; l++)
			;
		llen = (size_t)(e - l);
		if (llen == 0 || llen >= RULES_WAIVER_LABEL_MAX || memchr(l, ':', llen) != NULL)
			return err_set(NHI_ECONFIG, "%s: waiver '%s': the label must have"
			    " 1-%d bytes and no ':'", key, p->waivers[i].name,
			    RULES_WAIVER_LABEL_MAX - 1);
		for (size_t k = 0; k < llen; k++)
			if ((unsigned char)l[k] < 0x20 || l[k] == 0x7f)
				return err_set(NHI_ECONFIG, "%s: waiver '%s': the label has"
				    " a control character", key, p->waivers[i].name);
		memcpy(p->waivers[i].label, l, llen);
		p->waivers[i].label[llen] = '\0';
		s = e;
	}
	return 0;
}

const char *
rules_waiver_label(const struct rules_policy *p, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < p->nwaivers; i++)
		if (strcmp(p->waivers[i].name, name) == 0)
			return p->waivers[i].label[0] != '\0' ? p->waivers[i].label :
			    p->waivers[i].name;
	return NULL;
}

/* "name:yen" or "name:all", comma separated. */
static int
parse_waivers(const char *key, const char *v, struct rules_policy *p)
{
	const char *s = v, *e, *colon;
	size_t n = 0, i, namelen;
	char amount[16];

	while (*s != '\0') {
		struct rules_waiver *w;
		char *end;
		long yen;

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e != '\0' && *e != ','; e++)
			;
		while (e > s && e[-1] == ' ')
			e--;
		colon = memchr(s, ':', (size_t)(e - s));
		if (colon == NULL)
			return err_set(NHI_ECONFIG, "%s: '%.*s' is not "
			    "name:yen or name:all", key, (int)(e - s), s);
		namelen = (size_t)(colon - s);
		if (namelen == 0 || namelen >= RULES_WAIVER_NAME_MAX)
			return err_set(NHI_ECONFIG, "%s: waiver name must have "
			    "1-%d characters", key, RULES_WAIVER_NAME_MAX - 1);
		for (i = 0; i < namelen; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
				return err_set(NHI_ECONFIG, "%s: waiver name "
				    "'%.*s' may hold only a-z, 0-9 and _", key,
				    (int)namelen, s);
		if (n == RULES_MAX_WAIVERS)
			return err_set(NHI_ECONFIG, "%s: more than %d waivers",
			    key, RULES_MAX_WAIVERS);
		for (i = 0; i < n; i++)
			if (strlen(p->waivers[i].name) == namelen &&
			    memcmp(p->waivers[i].name, s, namelen) == 0)
				return err_set(NHI_ECONFIG, "%s: waiver '%.*s' "
				    "given twice", key, (int)namelen, s);
		if ((size_t)(e - colon - 1) == 0 ||
		    (size_t)(e - colon - 1) >= sizeof(amount))
			return err_set(NHI_ECONFIG, "%s: waiver '%.*s': bad "
			    "amount", key, (int)namelen, s);
		memcpy(amount, colon + 1, (size_t)(e - colon - 1));
		amount[e - colon - 1] = '\0';
		w = &p->waivers[n];
		memcpy(w->name, s, namelen);
		w->name[namelen] = '\0';
		if (strcmp(amount, "all") == 0)
			w->yen = RULES_WAIVE_ALL;
		else {
			if (amount[0] < '0' || amount[0] > '9')
				goto bad_amount;
			yen = strtol(amount, &end, 10);
			if (*end != '\0' || yen > 1000000)
				goto bad_amount;
			w->yen = (int)yen;
		}
		n++;
		s = e;
		continue;
bad_amount:
		return err_set(NHI_ECONFIG, "%s: waiver '%s': amount '%s' is "
		    "not yen (0-1000000) or all", key, w->name, amount);
	}
	p->nwaivers = n;
	return 0;
}

int
rules_policy_from_config(const struct config *cfg, struct rules_policy *out)
{
	struct rules_policy p;
	const char *v;
	int r;

	rules_policy_defaults(&p);
	if ((r = get_month_day(cfg, "validity.renewal", &p.renewal_month,
	    &p.renewal_day)) != 0 ||
	    (r = get_int(cfg, "validity.renewal_cycle_years",
	    p.renewal_cycle_years, 1, 2, &p.renewal_cycle_years)) != 0 ||
	    (r = get_int(cfg, "validity.renewal_anchor_year",
	    p.renewal_anchor_year, 1900, 2200, &p.renewal_anchor_year)) != 0 ||
	    (r = get_bool(cfg, "validity.under18_march31", p.under18_march31,
	    &p.under18_march31)) != 0 ||
	    (r = get_int(cfg, "validity.kakunin_years", p.kakunin_years, 1, 5,
	    &p.kakunin_years)) != 0 ||
	    (r = get_bool(cfg, "validity.kakunin_follows_renewal",
	    p.kakunin_follows_renewal, &p.kakunin_follows_renewal)) != 0 ||
	    (r = get_law(cfg, "rules.foreign_stay", p.foreign_stay,
	    &p.foreign_stay)) != 0 ||
	    (r = get_law(cfg, "rules.foreign_juki", p.foreign_juki,
	    &p.foreign_juki)) != 0 ||
	    (r = get_bool(cfg, "rules.late_elderly", p.late_elderly,
	    &p.late_elderly)) != 0 ||
	    (r = get_int(cfg, "fee.card_fee", p.card_fee, 0, 100000,
	    &p.card_fee)) != 0 ||
	    (r = get_int(cfg, "fee.reissue_fee", p.reissue_fee, 0, 100000,
	    &p.reissue_fee)) != 0 ||
	    (r = get_int(cfg, "fee.standalone_fee", p.standalone_fee, 0, 100000,
	    &p.standalone_fee)) != 0 ||
	    (r = get_int(cfg, "fee.supervisor_limit", p.supervisor_limit, 0,
	    1000000, &p.supervisor_limit)) != 0 ||
	    (r = get_int(cfg, "kigo.address_digits", p.kigo_address_digits, 1,
	    8, &p.kigo_address_digits)) != 0 ||
	    (r = get_int(cfg, "kigo.household_digits", p.kigo_household_digits,
	    1, 10, &p.kigo_household_digits)) != 0)
		return r;
	if ((v = config_get(cfg, "rules.no_juki", NULL)) != NULL) {
		if (strcmp(v, "paper") == 0)
			p.no_juki = RULES_NO_JUKI_PAPER;
		else if (strcmp(v, "standalone") == 0)
			p.no_juki = RULES_NO_JUKI_STANDALONE;
		else
			return err_set(NHI_ECONFIG, "rules.no_juki: '%.32s' is "
			    "not paper or standalone", v);
	}
	if ((v = config_get(cfg, "kigo.scheme", NULL)) != NULL) {
		if (strcmp(v, "fixed") == 0)
			p.kigo_scheme = RULES_KIGO_FIXED;
		else if (strcmp(v, "address_household") == 0)
			p.kigo_scheme = RULES_KIGO_ADDRESS_HOUSEHOLD;
		else
			return err_set(NHI_ECONFIG, "kigo.scheme: '%.32s' is not "
			    "fixed or address_household", v);
	}
	/* The pilot's rules: the old kinds and Juki cards, with no end. */
	if ((v = config_get(cfg, "rules.law", NULL)) != NULL) {
		if (strcmp(v, "pilot") == 0)
			p.has_kakunin_from = p.has_juki_new_until = 0;
		else if (strcmp(v, "today") != 0)
			return err_set(NHI_ECONFIG, "rules.law: '%.32s' is not today or"
			    " pilot", v);
	}
	if ((r = get_day_or_none(cfg, "rules.kakunin_from", &p.has_kakunin_from,
	    &p.kakunin_from)) != 0 ||
	    (r = get_day_or_none(cfg, "rules.juki_new_until", &p.has_juki_new_until,
	    &p.juki_new_until)) != 0)
		return r;
	if ((v = config_get(cfg, "fee.waivers", NULL)) != NULL &&
	    (r = parse_waivers("fee.waivers", v, &p)) != 0)
		return r;
	if ((v = config_get(cfg, "fee.waiver_labels", NULL)) != NULL &&
	    (r = parse_waiver_labels("fee.waiver_labels", v, &p)) != 0)
		return r;
	*out = p;
	return 0;
}

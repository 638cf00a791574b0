/*
 * store-resident.c: residents: reading, counter enrolment, edits, search
 * and the four basic items (see store.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "rules.h"
#include "store-int.h"
#include "store-res-int.h"
#include "text.h"
#include "util.h"

#define RESIDENT_COLUMNS \
	"r.id, r.person_code, coalesce(r.household_id, 0), coalesce(h.household_code, ''),"\
	" r.is_head, r.name_kanji, r.name_kana, r.name_kana_norm, r.birth_date, r.sex,"\
	" r.address, coalesce(h.address_code, ''), coalesce(r.nationality, ''),"\
	" coalesce(r.residence_status, ''), coalesce(r.stay_until, ''), r.status,"\
	" coalesce(r.status_date, ''), r.name_flags, r.origin, coalesce(r.last_event_date, ''),"\
	" r.sex_on_back"
#define RESIDENT_FROM " FROM residents r LEFT JOIN households h ON h.id = r.household_id"

static void
resident_from_row(sqlite3_stmt *s, struct resident *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(s, 0);
	r->person_code = sqlite3_column_type(s, 1) == SQLITE_NULL ? NULL : store_col_dup(s, 1);
	r->household_id = sqlite3_column_int64(s, 2);
	r->household_code = store_col_dup(s, 3);
	r->is_head = sqlite3_column_int(s, 4);
	r->name_kanji = store_col_dup(s, 5);
	r->name_kana = store_col_dup(s, 6);
	r->name_kana_norm = store_col_dup(s, 7);
	store_col_text(s, 8, r->birth_date, sizeof(r->birth_date));
	r->sex = sqlite3_column_int(s, 9);
	r->address = store_col_dup(s, 10);
	r->address_code = store_col_dup(s, 11);
	r->nationality = store_col_dup(s, 12);
	r->residence_status = store_col_dup(s, 13);
	store_col_text(s, 14, r->stay_until, sizeof(r->stay_until));
	store_col_text(s, 15, r->status, sizeof(r->status));
	store_col_text(s, 16, r->status_date, sizeof(r->status_date));
	r->name_flags = (unsigned)sqlite3_column_int(s, 17);
	store_col_text(s, 18, r->origin, sizeof(r->origin));
	store_col_text(s, 19, r->last_event_date, sizeof(r->last_event_date));
	r->sex_on_back = sqlite3_column_int(s, 20);
}

void
store_resident_free(struct resident *r)
{
	if (r == NULL)
		return;
	free(r->person_code);
	free(r->household_code);
	free(r->name_kanji);
	free(r->name_kana);
	free(r->name_kana_norm);
	free(r->address);
	free(r->address_code);
	free(r->nationality);
	free(r->residence_status);
	memset(r, 0, sizeof(*r));
}

void
store_resident_list_free(struct resident *list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		store_resident_free(&list[i]);
	free(list);
}

static int
resident_one(struct store *st, const char *where, const char *key, int64_t id,
    struct resident *out)
{
	sqlite3_stmt *s = NULL;
	char *sql = xasprintf("SELECT " RESIDENT_COLUMNS RESIDENT_FROM " WHERE %s", where);
	int r, rc;

	if ((r = store_prepare(st, sql, &s)) != 0)
		goto out;
	if (key != NULL)
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		r = key != NULL ?
		    err_set(NHI_ENOTFOUND, "no resident with person code %s", key) :
		    err_set(NHI_ENOTFOUND, "no resident #%lld", (long long)id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = store_err(st, rc, "read resident");
		goto out;
	}
	resident_from_row(s, out);
	r = 0;
out:
	sqlite3_finalize(s);
	free(sql);
	return r;
}

int
store_resident_get(struct store *st, int64_t id, struct resident *out)
{
	return resident_one(st, "r.id = ?1", NULL, id, out);
}

int
store_resident_find_by_code(struct store *st, const char *person_code, struct resident *out)
{
	return resident_one(st, "r.person_code = ?1", person_code, 0, out);
}

int
store_resident_basic_items(struct store *st, int64_t id, struct text_basic_items *out)
{
	struct resident r;
	int rc;

	if ((rc = store_resident_get(st, id, &r)) != 0)
		return rc;
	text_basic_items_make(r.name_kanji, r.birth_date, r.sex, r.address, out);
	store_resident_free(&r);
	return 0;
}

/* Check what a clerk typed; the detail names the field. */
static int
resident_check(const struct resident *r)
{
	struct nhi_date d;

	if (r->name_kanji == NULL || r->name_kanji[0] == '\0')
		return err_set(NHI_EPARSE, "name_kanji: missing");
	if (r->name_kana == NULL || r->name_kana[0] == '\0')
		return err_set(NHI_EPARSE, "name_kana: missing");
	if (text_utf8_invalid_at(r->name_kanji, strlen(r->name_kanji)) != strlen(r->name_kanji))
		return err_set(NHI_EENCODING, "name_kanji: not valid UTF-8");
	if (!text_is_kana(r->name_kana))
		return err_set(NHI_EPARSE, "name_kana: not kana");
	if (date_parse(r->birth_date, &d) != 0 || !date_valid(&d))
		return err_set(NHI_EPARSE, "birth_date: '%s' is not a date", r->birth_date);
	if (r->sex != 1 && r->sex != 2 && r->sex != 9)
		return err_set(NHI_EPARSE, "sex: must be 1 (male), 2 (female) or 9");
	if (r->address == NULL || r->address[0] == '\0')
		return err_set(NHI_EPARSE, "address: missing");
	if (text_utf8_invalid_at(r->address, strlen(r->address)) != strlen(r->address))
		return err_set(NHI_EENCODING, "address: not valid UTF-8");
	return 0;
}

static const char *
empty_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static void
bind_opt(sqlite3_stmt *s, int i, const char *v)
{
	if (empty_null(v) != NULL)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Residents whose four items equal `b` (or differ in at most `maxdiff`
 * items when partial is wanted): ids of exact matches into *exact. */
int
store_resident_same_person(struct store *st, const struct text_basic_items *b,
    int64_t exclude, int64_t *exact)
{
	sqlite3_stmt *s = NULL;
	struct text_basic_items o;
	int r, rc;

	*exact = 0;
	if ((r = store_prepare(st, "SELECT id, name_kanji, birth_date, sex, address FROM residents"
	    " WHERE birth_date = ?1 AND status = 'resident' AND id != ?2", &s)) != 0)
		return r;
	sqlite3_bind_text(s, 1, b->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, exclude);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		text_basic_items_make((const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2), sqlite3_column_int(s, 3),
		    (const char *)sqlite3_column_text(s, 4), &o);
		if (text_basic_items_diff(&o, b) == 0)
			*exact = sqlite3_column_int64(s, 0);
		text_basic_items_free(&o);
		if (*exact != 0)
			break;
	}
	r = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_err(st, rc, "match residents");
	sqlite3_finalize(s);
	return r;
}

int
store_resident_add(struct store *st, struct resident *res)
{
	sqlite3_stmt *s = NULL;
	struct text_basic_items b = { 0 };
	struct tbuf norm = { 0 };
	int64_t hh = 0, same = 0;
	char now[24];
	int r, rc, own = !st->in_txn;

	if ((r = resident_check(res)) != 0)
		return r;
	store_now(now, sizeof(now));
	if (own && (r = store_begin(st)) != 0)
		return r;
	text_basic_items_make(res->name_kanji, res->birth_date, res->sex, res->address, &b);
	if ((r = store_resident_same_person(st, &b, 0, &same)) != 0)
		goto out;
	if (same != 0) {
		r = err_set(NHI_EEXISTS, "resident #%lld already has the same name, birth date, "
		    "sex and address", (long long)same);
		goto out;
	}
	if (empty_null(res->household_code) != NULL &&
	    (r = store_household_upsert(st, res->household_code, res->address,
	    res->address_code, now, &hh)) != 0)
		goto out;
	text_kana_normalize(res->name_kana, &norm);
	if ((r = store_prepare(st, "INSERT INTO residents (person_code, household_id, is_head,"
	    " name_kanji, name_kana, name_kana_norm, birth_date, sex, address, nationality,"
	    " residence_status, stay_until, name_flags, origin, created_at, updated_at)"
	    " VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'counter', ?13, ?13)",
	    &s)) != 0)
		goto out;
	if (hh != 0)
		sqlite3_bind_int64(s, 1, hh);
	sqlite3_bind_int(s, 2, res->is_head ? 1 : 0);
	sqlite3_bind_text(s, 3, res->name_kanji, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, res->name_kana, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, norm.p, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, res->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, res->sex);
	sqlite3_bind_text(s, 8, res->address, -1, SQLITE_STATIC);
	bind_opt(s, 9, res->nationality);
	bind_opt(s, 10, res->residence_status);
	bind_opt(s, 11, res->stay_until);
	res->name_flags = text_flags_of(res->name_kanji) | text_flags_of(res->name_kana);
	if (text_flags_of(res->address) & TEXT_F_GAIJI)
		res->name_flags |= STORE_ADDRESS_GAIJI;
	sqlite3_bind_int(s, 12, (int)res->name_flags);
	sqlite3_bind_text(s, 13, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		r = store_err(st, rc, "add resident");
		goto out;
	}
	res->id = sqlite3_last_insert_rowid(st->db);
	if (own && (r = store_commit(st)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0 && own)
		store_rollback(st);
	sqlite3_finalize(s);
	text_basic_items_free(&b);
	free(norm.p);
	return r;
}

int
store_resident_set_sex_on_back(struct store *st, int64_t id, int on, int *changed)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	int r, rc;

	*changed = 0;
	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "UPDATE residents SET sex_on_back = ?2, updated_at = ?3"
	    " WHERE id = ?1 AND sex_on_back <> ?2", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, on ? 1 : 0);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE)
		r = store_err(st, rc, "update resident");
	else if (sqlite3_changes(st->db) > 0)
		*changed = 1;
	sqlite3_finalize(s);
	if (r == 0 && !*changed) {
		/* Unchanged, or no such resident? */
		if ((r = store_prepare(st, "SELECT 1 FROM residents WHERE id = ?1", &s)) != 0)
			return r;
		sqlite3_bind_int64(s, 1, id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			r = err_set(NHI_ENOTFOUND, "no resident #%lld", (long long)id);
		else if (rc != SQLITE_ROW)
			r = store_err(st, rc, "read resident");
	}
	return r;
}

int
store_resident_update(struct store *st, const struct resident *res)
{
	sqlite3_stmt *s = NULL;
	struct tbuf norm = { 0 };
	unsigned flags;
	char now[24];
	int r, rc;

	if ((r = resident_check(res)) != 0)
		return r;
	store_now(now, sizeof(now));
	text_kana_normalize(res->name_kana, &norm);
	flags = text_flags_of(res->name_kanji) | text_flags_of(res->name_kana);
	if (text_flags_of(res->address) & TEXT_F_GAIJI)
		flags |= STORE_ADDRESS_GAIJI;
	if ((r = store_prepare(st, "UPDATE residents SET name_kanji = ?2, name_kana = ?3,"
	    " name_kana_norm = ?4, birth_date = ?5, sex = ?6, address = ?7, nationality = ?8,"
	    " residence_status = ?9, stay_until = ?10, is_head = ?11, name_flags = ?12,"
	    " updated_at = ?13 WHERE id = ?1", &s)) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, res->id);
	sqlite3_bind_text(s, 2, res->name_kanji, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, res->name_kana, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, norm.p, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, res->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, res->sex);
	sqlite3_bind_text(s, 7, res->address, -1, SQLITE_STATIC);
	bind_opt(s, 8, res->nationality);
	bind_opt(s, 9, res->residence_status);
	bind_opt(s, 10, res->stay_until);
	sqlite3_bind_int(s, 11, res->is_head ? 1 : 0);
	sqlite3_bind_int(s, 12, (int)flags);
	sqlite3_bind_text(s, 13, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
		r = store_err(st, rc, "update resident");
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		r = err_set(NHI_ENOTFOUND, "no resident #%lld", (long long)res->id);
		goto out;
	}
	r = 0;
out:
	sqlite3_finalize(s);
	free(norm.p);
	return r;
}

static int
resident_rows(struct store *st, sqlite3_stmt *s, size_t limit, struct resident **out,
    size_t *n)
{
	struct resident *list = NULL;
	size_t cnt = 0, cap = 0;
	int rc;

	while (cnt < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		resident_from_row(s, &list[cnt++]);
	}
	if (cnt < limit && rc != SQLITE_DONE) {
		store_resident_list_free(list, cnt);
		return store_err(st, rc, "search residents");
	}
	*out = list;
	*n = cnt;
	return 0;
}

/*
 * The forms of a kanji name query as a stored name may begin: the query
 * without blanks, and with one blank (ASCII or U+3000) after each of its
 * characters, as the register writes 「山崎 太郎」 or 「山崎　太郎」; the
 * query as typed, blanks made ASCII or U+3000 (names of three parts); each
 * with the 異体字 of its characters when `fold`. *forms gets pairs (the
 * form, the form + 0xFF: an index range), *n the number of pairs.
 */
#define KANJI_FORMS_MAX	96
#define KANJI_CHARS_MAX	32

static void
add_form(char ***forms, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*forms)[2 * i]) == len && memcmp((*forms)[2 * i], s, len) == 0)
			return;
	*forms = xreallocarray(*forms, 2 * (*n + 1), sizeof(**forms));
	(*forms)[2 * *n] = xasprintf("%.*s", (int)len, s);
	(*forms)[2 * *n + 1] = xasprintf("%s\xff", (*forms)[2 * *n]);
	(*n)++;
}

static void
kanji_forms(const char *query, int fold, char ***forms, size_t *n)
{
	struct tbuf norm = { 0 }, b = { 0 };
	uint32_t cps[KANJI_CHARS_MAX], alts[KANJI_CHARS_MAX][4], cp;
	size_t nalts[KANJI_CHARS_MAX];
	size_t ncp = 0, len, i = 0, k, m, combos = 1, c;
	static const char *const blanks[] = { " ", "\xe3\x80\x80" };
	size_t bl;

	text_name_normalize(query, &norm);
	len = norm.len;
	while (i < len && ncp < KANJI_CHARS_MAX) {
		if ((m = text_utf8_next(norm.p + i, len - i, &cp)) == 0)
			break;
		cps[ncp++] = cp;
		i += m;
	}
	if (ncp == 0) {
		free(norm.p);
		return;
	}
	/* The variants of each character, while the forms stay few (a name
	 * has one or two such characters). */
	for (k = 0; k < ncp; k++) {
		nalts[k] = fold ? text_kanji_variants(cps[k], alts[k], 4) : 0;
		if (nalts[k] == 0 || combos * nalts[k] > 9) {
			nalts[k] = 1;
			alts[k][0] = cps[k];
		}
		combos *= nalts[k];
	}
	for (c = 0; c < combos; c++) {
		uint32_t form[KANJI_CHARS_MAX];
		size_t rest = c;

		for (k = 0; k < ncp; k++) {
			form[k] = alts[k][rest % nalts[k]];
			rest /= nalts[k];
		}
		tbuf_reset(&b);
		tbuf_add(&b, "", 0);
		for (k = 0; k < ncp; k++)
			tbuf_add_cp(&b, form[k]);
		add_form(forms, n, b.p, b.len);
		/* One blank after character k (not after the last). */
		for (k = 1; k < ncp && *n + 2 <= KANJI_FORMS_MAX; k++)
			for (bl = 0; bl < 2; bl++) {
				tbuf_reset(&b);
				tbuf_add(&b, "", 0);
				for (m = 0; m < ncp; m++) {
					if (m == k)
						tbuf_add(&b, blanks[bl], strlen(blanks[bl]));
					tbuf_add_cp(&b, form[m]);
				}
				add_form(forms, n, b.p, b.len);
			}
	}
	/* As typed, every run of blanks one ASCII or one full-width blank. */
	for (bl = 0; bl < 2 && *n < KANJI_FORMS_MAX; bl++) {
		const char *p = query;
		int in_blank = 0;

		tbuf_reset(&b);
		tbuf_add(&b, "", 0);
		while (*p == ' ' || *p == '\t' || strncmp(p, "\xe3\x80\x80", 3) == 0)
			p += *p == ' ' || *p == '\t' ? 1 : 3;
		for (; *p != '\0'; ) {
			if (*p == ' ' || *p == '\t' || strncmp(p, "\xe3\x80\x80", 3) == 0) {
				in_blank = 1;
				p += *p == ' ' || *p == '\t' ? 1 : 3;
				continue;
			}
			if (in_blank && p[0] != '\0')
				tbuf_add(&b, blanks[bl], strlen(blanks[bl]));
			in_blank = 0;
			tbuf_addc(&b, *p++);
		}
		add_form(forms, n, b.p, b.len);
	}
	free(norm.p);
	free(b.p);
}

static int
cmp_kanji(const void *a, const void *b)
{
	const struct resident *x = a, *y = b;
	int c = strcmp(x->name_kanji, y->name_kanji);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_kana(const void *a, const void *b)
{
	const struct resident *x = a, *y = b;
	int c = strcmp(x->name_kana_norm, y->name_kana_norm);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

int
store_resident_search(struct store *st, const struct resident_query *q, size_t limit,
    struct resident **out, size_t *n)
{
	struct tbuf sql = { 0 }, kana = { 0 }, upper = { 0 };
	const char *binds[12];
	const char *order = "r.name_kana_norm, r.id";
	size_t nb = 0, i, k, nkanji = 0, kpos = 0, nall = 0;
	struct resident *all = NULL;
	sqlite3_stmt *s = NULL;
	char **forms = NULL;
	int r, by_kanji = 0;

	tbuf_add(&sql, "SELECT " RESIDENT_COLUMNS RESIDENT_FROM " WHERE 1",
	    strlen("SELECT " RESIDENT_COLUMNS RESIDENT_FROM " WHERE 1"));
#define ADD(text) tbuf_add(&sql, text, strlen(text))
	if (empty_null(q->kana_prefix) != NULL) {
		text_kana_normalize(q->kana_prefix, &kana);
		tbuf_add(&upper, kana.p, kana.len);
		tbuf_addc(&upper, '\xff');
		ADD(" AND r.name_kana_norm >= ? AND r.name_kana_norm < ?");
		binds[nb++] = kana.p;
		binds[nb++] = upper.p;
	}
	if (empty_null(q->kanji_prefix) != NULL) {
		kanji_forms(q->kanji_prefix, q->fold_variants, &forms, &nkanji);
		if (nkanji == 0) {
			r = err_set(NHI_EUSAGE, "search: the kanji name is blank");
			goto out;
		}
		/* One index range, run once per form (below): a stored name
		 * starting with a form starts, blanks removed, with the query.
		 * Each run stops at the limit, so no form scans. */
		ADD(" AND r.name_kanji >= ? AND r.name_kanji < ?");
		kpos = nb;
		binds[nb++] = forms[0];
		binds[nb++] = forms[1];
		if (empty_null(q->kana_prefix) == NULL) {
			order = "r.name_kanji, r.id";
			by_kanji = 1;
		}
	}
	if (empty_null(q->birth_date) != NULL) {
		ADD(" AND r.birth_date = ?");
		binds[nb++] = q->birth_date;
	}
	if (empty_null(q->symbol) != NULL || empty_null(q->number) != NULL) {
		ADD(" AND r.id IN (SELECT resident_id FROM eligibility_periods WHERE"
		    " superseded_by IS NULL");
		if (empty_null(q->symbol) != NULL) {
			/* As clerks type it: 2 finds 02 (leading zeros
			 * are not significant in a 記号番号). */
			ADD(" AND " STORE_NO_ZEROS("symbol") " = ltrim(?, '0')");
			binds[nb++] = q->symbol;
		}
		if (empty_null(q->number) != NULL) {
			ADD(" AND " STORE_NO_ZEROS("number") " = ltrim(?, '0')");
			binds[nb++] = q->number;
		}
		ADD(")");
	}
	if (empty_null(q->household_code) != NULL) {
		ADD(" AND r.household_id = (SELECT id FROM households WHERE household_code = ?)");
		binds[nb++] = q->household_code;
	}
	if (empty_null(q->person_code) != NULL) {
		ADD(" AND r.person_code = ?");
		binds[nb++] = q->person_code;
	}
	if (nb == 0) {
		r = err_set(NHI_EUSAGE, "search: give at least one criterion");
		goto out;
	}
	if (!q->include_gone)
		ADD(" AND r.status = 'resident'");
	ADD(" ORDER BY ");
	ADD(order);
	ADD(" LIMIT ?");
#undef ADD
	if ((r = store_prepare(st, sql.p, &s)) != 0)
		goto out;
	/* The forms (index ranges), then, for a kanji query, one pass for the
	 * given name alone: 翔太 finds 「山田 翔太」 (what follows the name's
	 * first blank, of either width, starts with it), as a clerk types what
	 * the resident says; a range of index residents_given. */
	for (k = 0; k < (nkanji > 0 ? nkanji + 1 : 1); k++) {
		struct resident *part = NULL;
		size_t npart = 0;

		if (nkanji > 0 && k == nkanji) {
			static const char range[] = " AND r.name_kanji >= ? AND r.name_kanji < ?";
			char *at = strstr(sql.p, range);
			char *given;

			given = xasprintf("%.*s AND " STORE_GIVEN_NAME("r.name_kanji") " >= ? AND "
			    STORE_GIVEN_NAME("r.name_kanji") " < ?%s",
			    (int)(at - sql.p), sql.p, at + strlen(range));
			sqlite3_finalize(s);
			s = NULL;
			r = store_prepare(st, given, &s);
			free(given);
			if (r != 0) {
				store_resident_list_free(all, nall);
				goto out;
			}
			binds[kpos] = forms[0];
			binds[kpos + 1] = forms[1];
		} else if (nkanji > 0) {
			binds[kpos] = forms[2 * k];
			binds[kpos + 1] = forms[2 * k + 1];
		}
		sqlite3_reset(s);
		for (i = 0; i < nb; i++)
			sqlite3_bind_text(s, (int)i + 1, binds[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, (int)nb + 1, (sqlite3_int64)limit);
		r = resident_rows(st, s, limit, &part, &npart);
		st->search_fullscan += (uint64_t)sqlite3_stmt_status(s,
		    SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
		if (r != 0) {
			store_resident_list_free(all, nall);
			goto out;
		}
		all = xreallocarray(all, nall + npart + 1, sizeof(*all));
		if (npart > 0)
			memcpy(all + nall, part, npart * sizeof(*all));
		nall += npart;
		free(part);
	}
	/* The passes' rows in one order, each resident once, up to the limit. */
	if (nkanji > 0) {
		qsort(all, nall, sizeof(*all), by_kanji ? cmp_kanji : cmp_kana);
		for (i = 0, k = 0; i < nall; i++) {
			if (k > 0 && all[k - 1].id == all[i].id) {
				store_resident_free(&all[i]);
				continue;
			}
			if (k != i)
				all[k] = all[i];
			k++;
		}
		nall = k;
		while (nall > limit)
			store_resident_free(&all[--nall]);
	}
	*out = all;
	*n = nall;
	r = 0;
out:
	sqlite3_finalize(s);
	free(sql.p);
	free(kana.p);
	free(upper.p);
	for (i = 0; i < 2 * nkanji; i++)
		free(forms[i]);
	free(forms);
	return r;
}

uint64_t
store_search_fullscan_steps(const struct store *st)
{
	return st->search_fullscan;
}

int
store_resident_list_gaiji(struct store *st, size_t limit, struct resident **out, size_t *n)
{
	sqlite3_stmt *s = NULL;
	int r;

	if ((r = store_prepare(st, "SELECT " RESIDENT_COLUMNS RESIDENT_FROM
	    " WHERE (r.name_flags & 5) != 0 ORDER BY r.id LIMIT ?1", &s)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)limit);
	r = resident_rows(st, s, limit, out, n);
	sqlite3_finalize(s);
	return r;
}

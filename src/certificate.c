/*
 * certificate.c: what printing needs from the store: a certificate's
 * items (resident, household head, current eligibility period), the serials
 * of printed certificates (a reprint voids the earlier one with a reason:
 * the partial unique index certificates_one_valid keeps two valid ones from
 * ever existing), and the items of a receipt.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "certificate.h"
#include "error.h"
#include "print.h"
#include "queue.h"
#include "rules.h"
#include "store-int.h"
#include "util.h"

static char *
col_text(sqlite3_stmt *stmt, int i)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	return s != NULL && *s != '\0' ? xstrdup((const char *)s) : NULL;
}

/* A date column, or {0} when NULL or not a date. */
static void
col_date(sqlite3_stmt *stmt, int i, struct nhi_date *out)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	memset(out, 0, sizeof(*out));
	if (s != NULL && date_parse((const char *)s, out) != 0)
		memset(out, 0, sizeof(*out));
}

int
store_certificate_find_resident(struct store *st, const char *key, int64_t *out)
{
	sqlite3_stmt *stmt = NULL;
	char *end;
	long long id;
	int r, rc;

	if ((r = store_prepare(st, "SELECT id FROM residents WHERE person_code = ?1"
	    " UNION ALL SELECT id FROM residents WHERE id = ?2 LIMIT 1", &stmt)) != 0)
		return r;
	id = strtoll(key, &end, 10);
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (*key != '\0' && *end == '\0' && id > 0)
		sqlite3_bind_int64(stmt, 2, id);
	else
		sqlite3_bind_null(stmt, 2);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = err_set(NHI_ENOTFOUND, "no resident with person code or id '%s'", key);
	else
		r = store_err(st, rc, "find resident");
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_load(struct store *st, int64_t resident_id, const struct nhi_date *on,
    struct print_certificate *out, int64_t *eligibility_id)
{
	/* The current period: not superseded, acquired by `on`, not lost
	 * before it; the latest acquired one if several. */
	static const char sql[] =
	    "SELECT r.name_kanji, r.name_flags, r.sex, r.birth_date, r.address,"
	    "  h.name_kanji, h.name_flags,"
	    "  e.id, e.insurer_number, e.symbol, e.number, e.branch, e.cert_kind,"
	    "  e.acquired_on, e.valid_until, e.burden_pct, e.burden_from, r.status,"
	    "  r.sex_on_back"
	    " FROM residents r"
	    " LEFT JOIN eligibility_periods e ON e.resident_id = r.id"
	    "  AND e.superseded_by IS NULL AND e.acquired_on <= ?2"
	    "  AND (e.lost_on IS NULL OR e.lost_on > ?2)"
	    " LEFT JOIN residents h ON h.household_id = r.household_id"
	    "  AND r.household_id IS NOT NULL AND h.is_head = 1 AND h.status = 'resident'"
	    " WHERE r.id = ?1"
	    " ORDER BY e.acquired_on DESC, e.id DESC, h.id LIMIT 1";
	struct print_certificate c = { 0 };
	sqlite3_stmt *stmt = NULL;
	char day[16];
	int r, rc, age;

	date_format(on, day, sizeof(day));
	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, day, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE) {
		r = err_set(NHI_ENOTFOUND, "no resident with id %lld", (long long)resident_id);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		r = store_err(st, rc, "read certificate items");
		goto out;
	}
	if (sqlite3_column_type(stmt, 7) == SQLITE_NULL) {
		r = err_set(NHI_ENOTFOUND, "resident %lld has no NHI eligibility on %s: no"
		    " certificate can be printed", (long long)resident_id, day);
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(stmt, 17), "resident") != 0) {
		r = err_reason(err_set(NHI_ESTATE, "resident %lld is %s: no certificate is printed",
		    (long long)resident_id, (const char *)sqlite3_column_text(stmt, 17)), "cert.not_resident");
		goto out;
	}
	c.name = col_text(stmt, 0);
	c.name_flags = sqlite3_column_int(stmt, 1) & PRINT_NAME_GAIJI;
	c.sex = sqlite3_column_int(stmt, 2);
	c.sex_on_back = sqlite3_column_int(stmt, 18) != 0;	/* the person's choice */
	col_date(stmt, 3, &c.birth);
	c.address = col_text(stmt, 4);
	c.head_name = col_text(stmt, 5);
	c.head_name_flags = sqlite3_column_int(stmt, 6) & PRINT_NAME_GAIJI;
	c.insurer_number = col_text(stmt, 8);
	c.symbol = col_text(stmt, 9);
	c.number = col_text(stmt, 10);
	c.branch = col_text(stmt, 11);
	if ((r = print_cert_kind_parse((const char *)sqlite3_column_text(stmt, 12),
	    &c.kind)) != 0)
		goto out;
	col_date(stmt, 13, &c.acquired);
	col_date(stmt, 14, &c.valid_until);
	c.issued = *on;
	/* 一部負担金の割合 and 発効期日 only for ages 70-74 (兼高齢受給者証). */
	age = c.birth.y != 0 ? date_age(&c.birth, on) : 0;
	if (sqlite3_column_type(stmt, 15) != SQLITE_NULL && age >= 70 && age <= 74) {
		c.burden_pct = sqlite3_column_int(stmt, 15);
		col_date(stmt, 16, &c.burden_from);
	}
	if (eligibility_id != NULL)
		*eligibility_id = sqlite3_column_int64(stmt, 7);
	*out = c;
	memset(&c, 0, sizeof(c));
	r = 0;
out:
	print_certificate_clear(&c);
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_batch(struct store *st, const struct nhi_date *on, int64_t **ids,
    size_t *n)
{
	static const char sql[] =
	    "SELECT DISTINCT r.id FROM residents r JOIN eligibility_periods e"
	    " ON e.resident_id = r.id AND e.superseded_by IS NULL AND e.acquired_on <= ?1"
	    " AND (e.lost_on IS NULL OR e.lost_on > ?1)"
	    " WHERE r.status = 'resident' ORDER BY r.id";
	sqlite3_stmt *stmt = NULL;
	int64_t *list = NULL;
	size_t count = 0, cap = 0;
	char day[16];
	int r, rc;

	date_format(on, day, sizeof(day));
	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_text(stmt, 1, day, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		list[count++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "list residents for a batch");
		free(list);
		goto out;
	}
	*ids = list;
	*n = count;
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}

/* The valid certificate of (resident, document): *id 0 when none. */
static int
valid_certificate(struct store *st, int64_t resident_id, const char *document,
    int64_t *id, char **serial)
{
	sqlite3_stmt *find = NULL;
	int r = 0, rc;

	*id = 0;
	*serial = NULL;
	if ((r = store_prepare(st, "SELECT id, serial FROM certificates WHERE resident_id = ?1"
	    " AND document = ?2 AND voided_at IS NULL", &find)) != 0)
		return r;
	sqlite3_bind_int64(find, 1, resident_id);
	sqlite3_bind_text(find, 2, document, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(find)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(find, 0);
		*serial = xstrdup((const char *)sqlite3_column_text(find, 1));
	} else if (rc != SQLITE_DONE)
		r = store_err(st, rc, "find the valid certificate");
	sqlite3_finalize(find);
	return r;
}

/* A reprint needs a reason: NHI_EEXISTS naming the valid serial. */
static int
need_reason(const char *document, const char *old_serial, int64_t resident_id,
    const char *reason)
{
	if (reason != NULL && *reason != '\0')
		return 0;
	return err_set(NHI_EEXISTS, "%s %s of resident %lld is still valid; a reprint"
	    " voids it: give the reason (--reason TEXT)", document, old_serial,
	    (long long)resident_id);
}

/* The next certificate id: past every recorded and every reserved one
 * (print_pending), so a pending serial is never given twice. */
static int
next_certificate_id(struct store *st, int64_t *out)
{
	sqlite3_stmt *next = NULL;
	int r, rc;

	if ((r = store_prepare(st, "SELECT max(coalesce((SELECT max(id) FROM certificates), 0),"
	    " coalesce((SELECT max(id) FROM print_pending), 0)) + 1", &next)) != 0)
		return r;
	if ((rc = sqlite3_step(next)) != SQLITE_ROW)
		r = store_err(st, rc, "number the certificate");
	else
		*out = sqlite3_column_int64(next, 0);
	sqlite3_finalize(next);
	return r;
}

static char *
serial_of(const char *document, int64_t id)
{
	return xasprintf("%c-%08lld", strcmp(document, "sleeve") == 0 ? 'S' : 'C',
	    (long long)id);
}

/* ?1 to ?7 of a certificate's row and of its pending print's: id, serial,
 * resident, eligibility period (NULL when 0), document, kind, issued on. */
static void
bind_certificate(sqlite3_stmt *ins, int64_t id, const char *ser, int64_t resident_id,
    int64_t eligibility_id, const char *document, const char *cert_kind, const char *day)
{
	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_text(ins, 2, ser, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, resident_id);
	if (eligibility_id > 0)
		sqlite3_bind_int64(ins, 4, eligibility_id);
	else
		sqlite3_bind_null(ins, 4);
	sqlite3_bind_text(ins, 5, document, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, cert_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, day, -1, SQLITE_STATIC);
}

/* This host's name, for the pending prints it leaves. */
static void
this_host(char *host, size_t len)
{
	if (gethostname(host, len) != 0)
		snprintf(host, len, "unknown");
	host[len - 1] = '\0';
}

/* store_certificate_issue with the id `new_id` when not 0 (a reserved one). */
static int
issue(struct store *st, int64_t resident_id, int64_t eligibility_id,
    const char *document, const char *cert_kind, const char *day,
    const char *reason, int64_t new_id, char **serial)
{
	sqlite3_stmt *voidit = NULL, *ins = NULL, *link = NULL;
	char now[32], *ser = NULL, *old_serial = NULL;
	int64_t old_id = 0;
	int r, rc;

	if (!st->in_txn)
		return err_set(NHI_EINTERNAL, "store_certificate_issue outside a transaction");
	store_now(now, sizeof(now));
	if ((r = valid_certificate(st, resident_id, document, &old_id, &old_serial)) != 0)
		goto out;
	if (old_id != 0) {
		if ((r = need_reason(document, old_serial, resident_id, reason)) != 0)
			goto out;
		if ((r = store_prepare(st, "UPDATE certificates SET voided_at = ?2,"
		    " void_reason = ?3 WHERE id = ?1", &voidit)) != 0)
			goto out;
		sqlite3_bind_int64(voidit, 1, old_id);
		sqlite3_bind_text(voidit, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(voidit, 3, reason, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(voidit)) != SQLITE_DONE) {
			r = store_err(st, rc, "void the earlier certificate");
			goto out;
		}
	}
	if (new_id == 0 && (r = next_certificate_id(st, &new_id)) != 0)
		goto out;
	ser = serial_of(document, new_id);
	if ((r = store_prepare(st, "INSERT INTO certificates (id, serial, resident_id,"
	    " eligibility_id, document, cert_kind, issued_on, issued_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &ins)) != 0)
		goto out;
	bind_certificate(ins, new_id, ser, resident_id, eligibility_id, document, cert_kind,
	    day);
	sqlite3_bind_text(ins, 8, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(ins)) != SQLITE_DONE) {
		r = store_err(st, rc, "record the certificate");
		goto out;
	}
	if (old_id != 0) {
		if ((r = store_prepare(st, "UPDATE certificates SET replaced_by = ?2"
		    " WHERE id = ?1", &link)) != 0)
			goto out;
		sqlite3_bind_int64(link, 1, old_id);
		sqlite3_bind_int64(link, 2, new_id);
		if ((rc = sqlite3_step(link)) != SQLITE_DONE) {
			r = store_err(st, rc, "link the voided certificate");
			goto out;
		}
		if ((r = queue_certificate_voided(st, old_id, reason, NULL)) != 0)
			goto out;
	}
	/* The center learns of both in this same transaction (queue.h). */
	if ((r = queue_certificate_issued(st, new_id, NULL)) != 0)
		goto out;
	*serial = ser;
	ser = NULL;
	r = 0;
out:
	free(ser);
	free(old_serial);
	sqlite3_finalize(voidit);
	sqlite3_finalize(ins);
	sqlite3_finalize(link);
	return r;
}

int
store_certificate_issue(struct store *st, int64_t resident_id, int64_t eligibility_id,
    const char *document, const char *cert_kind, const struct nhi_date *issued_on,
    const char *reason, char **serial)
{
	char day[16];

	date_format(issued_on, day, sizeof(day));
	return issue(st, resident_id, eligibility_id, document, cert_kind, day, reason, 0,
	    serial);
}

int
store_certificate_reserve(struct store *st, int64_t resident_id, int64_t eligibility_id,
    const char *document, const char *cert_kind, const struct nhi_date *issued_on,
    const char *reason, const char *printer, int64_t *pending_id, char **serial)
{
	sqlite3_stmt *busy = NULL, *ins = NULL;
	char now[32], day[16], host[256], *old_serial = NULL, *ser = NULL;
	int64_t old_id, id = 0;
	int r, rc;

	if (!st->in_txn)
		return err_set(NHI_EINTERNAL, "store_certificate_reserve outside a transaction");
	store_now(now, sizeof(now));
	date_format(issued_on, day, sizeof(day));
	if ((r = valid_certificate(st, resident_id, document, &old_id, &old_serial)) != 0 ||
	    (old_id != 0 && (r = need_reason(document, old_serial, resident_id, reason)) != 0))
		goto out;
	if ((r = store_prepare(st, "SELECT serial, printer, station_pid, created_at,"
	    " coalesce(job_id, 0) FROM print_pending WHERE resident_id = ?1 AND"
	    " document = ?2 AND state = 'pending'",
	    &busy)) != 0)
		goto out;
	sqlite3_bind_int64(busy, 1, resident_id);
	sqlite3_bind_text(busy, 2, document, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(busy)) == SQLITE_ROW) {
		r = err_set(NHI_ESTATE, "%s %s of resident %lld is being printed on '%s' (job %d,"
		    " station pid %lld, since %s): wait for that job to finish", document,
		    (const char *)sqlite3_column_text(busy, 0), (long long)resident_id,
		    (const char *)sqlite3_column_text(busy, 1), sqlite3_column_int(busy, 4),
		    (long long)sqlite3_column_int64(busy, 2),
		    (const char *)sqlite3_column_text(busy, 3));
		goto out;
	} else if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "find a pending print");
		goto out;
	}
	if ((r = next_certificate_id(st, &id)) != 0)
		goto out;
	ser = serial_of(document, id);
	this_host(host, sizeof(host));
	if ((r = store_prepare(st, "INSERT INTO print_pending (id, serial, resident_id,"
	    " eligibility_id, document, cert_kind, issued_on, reason, printer, station_host,"
	    " station_pid, state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, 'pending', ?12)", &ins)) != 0)
		goto out;
	bind_certificate(ins, id, ser, resident_id, eligibility_id, document, cert_kind, day);
	if (reason != NULL)
		sqlite3_bind_text(ins, 8, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 8);
	sqlite3_bind_text(ins, 9, printer, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 10, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 11, (int64_t)getpid());
	sqlite3_bind_text(ins, 12, now, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(ins)) != SQLITE_DONE) {
		r = store_err(st, rc, "record the pending print");
		goto out;
	}
	*pending_id = id;
	*serial = ser;
	ser = NULL;
	r = 0;
out:
	free(ser);
	free(old_serial);
	sqlite3_finalize(busy);
	sqlite3_finalize(ins);
	return r;
}

int
store_certificate_pending_job(struct store *st, int64_t pending_id, int job_id)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "UPDATE print_pending SET job_id = ?2 WHERE id = ?1"
	    " AND state = 'pending'", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, pending_id);
	sqlite3_bind_int64(stmt, 2, job_id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "record the print job's id");
	sqlite3_finalize(stmt);
	return r;
}

/* A pending row to `state` with a note; NHI_ESTATE when it is no longer
 * pending (settled by someone else). */
static int
pending_set(struct store *st, int64_t pending_id, const char *state, const char *note)
{
	sqlite3_stmt *stmt = NULL;
	char now[32];
	int r, rc;

	store_now(now, sizeof(now));
	if ((r = store_prepare(st, "UPDATE print_pending SET state = ?2, settled_at = ?3,"
	    " settle_note = ?4 WHERE id = ?1 AND state = 'pending'", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, pending_id);
	sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
	if (note != NULL)
		sqlite3_bind_text(stmt, 4, note, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 4);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "settle the pending print");
	else if (sqlite3_changes(st->db) != 1)
		r = err_set(NHI_ESTATE, "pending print %lld was already settled (a `db check`"
		    " found its station stopped)", (long long)pending_id);
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_settle(struct store *st, int64_t pending_id, int printed, const char *note)
{
	sqlite3_stmt *row = NULL;
	char *ser = NULL, *document = NULL, *kind = NULL, *day = NULL, *reason = NULL;
	int64_t rid, eid;
	int r, rc;

	if (!st->in_txn)
		return err_set(NHI_EINTERNAL, "store_certificate_settle outside a transaction");
	if (!printed)
		return pending_set(st, pending_id, "failed", note);
	if ((r = store_prepare(st, "SELECT resident_id, coalesce(eligibility_id, 0), document,"
	    " cert_kind, issued_on, reason FROM print_pending WHERE id = ?1", &row)) != 0)
		return r;
	sqlite3_bind_int64(row, 1, pending_id);
	if ((rc = sqlite3_step(row)) != SQLITE_ROW) {
		r = rc == SQLITE_DONE ? err_set(NHI_ENOTFOUND, "no pending print %lld",
		    (long long)pending_id) : store_err(st, rc, "read the pending print");
		goto out;
	}
	rid = sqlite3_column_int64(row, 0);
	eid = sqlite3_column_int64(row, 1);
	document = col_text(row, 2);
	kind = col_text(row, 3);
	day = col_text(row, 4);
	reason = col_text(row, 5);
	if ((r = pending_set(st, pending_id, "printed", note)) != 0 ||
	    (r = issue(st, rid, eid, document, kind, day, reason, pending_id, &ser)) != 0)
		goto out;
out:
	free(ser);
	free(document);
	free(kind);
	free(day);
	free(reason);
	sqlite3_finalize(row);
	return r;
}

/* Is the station that left a pending print still running? */
static int station_alive(const char *host, int64_t pid);

int
store_certificate_pending_left(struct store *st, int64_t resident_id, const char *document,
    const char *reason, const char *target, const struct nhi_date *issued_on,
    int64_t *pending_id, char **serial)
{
	sqlite3_stmt *stmt = NULL;
	char day[16];
	int r, rc;

	date_format(issued_on, day, sizeof(day));
	if ((r = store_prepare(st, "SELECT id, serial, station_host, station_pid FROM"
	    " print_pending WHERE resident_id = ?1 AND document = ?2 AND state = 'pending'"
	    " AND reason IS ?3 AND printer = ?4 AND issued_on = ?5", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, document, -1, SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 3);
	sqlite3_bind_text(stmt, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, day, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW && !station_alive((const char *)
	    sqlite3_column_text(stmt, 2), sqlite3_column_int64(stmt, 3))) {
		*pending_id = sqlite3_column_int64(stmt, 0);
		*serial = col_text(stmt, 1);
		r = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		r = NHI_ENOTFOUND;
	else
		r = store_err(st, rc, "find a pending print");
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_pending_take(struct store *st, int64_t pending_id)
{
	sqlite3_stmt *stmt = NULL;
	char host[256];
	int r, rc;

	this_host(host, sizeof(host));
	if ((r = store_prepare(st, "UPDATE print_pending SET station_host = ?2,"
	    " station_pid = ?3 WHERE id = ?1 AND state = 'pending'", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, pending_id);
	sqlite3_bind_text(stmt, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)getpid());
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "take over the pending print");
	else if (sqlite3_changes(st->db) != 1)
		r = err_set(NHI_ESTATE, "pending print %lld was settled meanwhile (a `db check`"
		    " found its station stopped): print again", (long long)pending_id);
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_unreserve(struct store *st, int64_t pending_id)
{
	sqlite3_stmt *stmt = NULL;
	int r, rc;

	if ((r = store_prepare(st, "DELETE FROM print_pending WHERE id = ?1 AND"
	    " state = 'pending'", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, pending_id);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "release the pending print");
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_reprinted(struct store *st, int64_t resident_id, const char *document,
    const char *reason, const char *target, const struct nhi_date *issued_on, char **serial)
{
	sqlite3_stmt *stmt = NULL;
	char day[16];
	int r, rc;

	date_format(issued_on, day, sizeof(day));
	if ((r = store_prepare(st, "SELECT c.serial FROM certificates c JOIN print_pending p"
	    " ON p.id = c.id WHERE c.resident_id = ?1 AND c.document = ?2 AND c.voided_at IS"
	    " NULL AND p.state = 'printed' AND p.reason = ?3 AND p.printer = ?4 AND"
	    " p.issued_on = ?5", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_text(stmt, 2, document, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, day, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*serial = col_text(stmt, 0);
		r = 0;
	} else if (rc == SQLITE_DONE)
		r = NHI_ENOTFOUND;
	else
		r = store_err(st, rc, "find the reprint");
	sqlite3_finalize(stmt);
	return r;
}

/* Is the station that left a pending print still running? Only a station
 * on this host can be asked; one elsewhere counts as running. */
static int
station_alive(const char *host, int64_t pid)
{
	char me[256];

	this_host(me, sizeof(me));
	if (host == NULL || strcmp(host, me) != 0)
		return 1;
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
store_certificate_list_stale(struct store *st, struct certificate_stale **out, size_t *n)
{
	sqlite3_stmt *list = NULL;
	struct certificate_stale *v = NULL;
	size_t count = 0;
	int r = 0, rc;

	*out = NULL;
	*n = 0;
	if ((r = store_prepare(st, "SELECT p.id, p.serial, p.printer, coalesce(p.job_id, 0),"
	    " p.station_host, p.station_pid, p.resident_id, p.document, p.reason,"
	    " p.issued_on, r.person_code FROM print_pending p JOIN residents r ON"
	    " r.id = p.resident_id WHERE p.state = 'pending' ORDER BY p.id", &list)) != 0)
		return r;
	while ((rc = sqlite3_step(list)) == SQLITE_ROW) {
		struct certificate_stale *s;

		if (station_alive((const char *)sqlite3_column_text(list, 4),
		    sqlite3_column_int64(list, 5)))
			continue;
		v = xrealloc(v, (count + 1) * sizeof(*v));
		s = &v[count++];
		s->id = sqlite3_column_int64(list, 0);
		s->serial = col_text(list, 1);
		s->printer = col_text(list, 2);
		s->job_id = sqlite3_column_int(list, 3);
		s->station_host = col_text(list, 4);
		s->station_pid = sqlite3_column_int64(list, 5);
		s->resident_id = sqlite3_column_int64(list, 6);
		s->document = col_text(list, 7);
		s->reason = col_text(list, 8);
		s->issued_on = col_text(list, 9);
		s->person_code = col_text(list, 10);
	}
	if (rc != SQLITE_DONE) {
		r = store_err(st, rc, "list the pending prints");
		certificate_stale_free(v, count);
	} else {
		*out = v;
		*n = count;
	}
	sqlite3_finalize(list);
	return r;
}

int
store_certificate_claim(struct store *st, const struct certificate_stale *s)
{
	sqlite3_stmt *stmt = NULL;
	char host[256];
	int r, rc;

	this_host(host, sizeof(host));
	if ((r = store_prepare(st, "UPDATE print_pending SET station_host = ?2,"
	    " station_pid = ?3 WHERE id = ?1 AND state = 'pending' AND station_host = ?4"
	    " AND station_pid = ?5", &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, s->id);
	sqlite3_bind_text(stmt, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (int64_t)getpid());
	sqlite3_bind_text(stmt, 4, s->station_host != NULL ? s->station_host : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, s->station_pid);
	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		r = store_err(st, rc, "take over the pending print");
	else if (sqlite3_changes(st->db) != 1)
		r = err_set(NHI_ESTATE, "pending print %s was settled or taken over meanwhile",
		    s->serial);
	sqlite3_finalize(stmt);
	return r;
}

int
store_certificate_void(struct store *st, int64_t pending_id, const char *note)
{
	return pending_set(st, pending_id, "void", note);
}

void
certificate_stale_free(struct certificate_stale *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].serial);
		free(v[i].printer);
		free(v[i].station_host);
		free(v[i].document);
		free(v[i].reason);
		free(v[i].issued_on);
		free(v[i].person_code);
	}
	free(v);
}

int
store_receipt_load(struct store *st, int64_t resident_id, int loss, struct print_receipt *out)
{
	static const char sql[] =
	    "SELECT r.name_kanji, r.name_flags,"
	    " (SELECT card_serial FROM cards c WHERE c.resident_id = r.id"
	    "   AND (CASE WHEN ?2 THEN c.state IN ('revoked', 'suspended')"
	    "        ELSE c.state = 'active' END)"
	    "   ORDER BY c.updated_at DESC, c.id DESC LIMIT 1),"
	    " (SELECT serial FROM certificates t WHERE t.resident_id = r.id"
	    "   AND t.document = 'certificate' AND t.voided_at IS NULL)"
	    " FROM residents r WHERE r.id = ?1";
	struct print_receipt rc = { 0 };
	sqlite3_stmt *stmt = NULL;
	int r, step;

	if ((r = store_prepare(st, sql, &stmt)) != 0)
		return r;
	sqlite3_bind_int64(stmt, 1, resident_id);
	sqlite3_bind_int(stmt, 2, loss != 0);
	if ((step = sqlite3_step(stmt)) == SQLITE_DONE) {
		r = err_set(NHI_ENOTFOUND, "no resident with id %lld", (long long)resident_id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		r = store_err(st, step, "read receipt items");
		goto out;
	}
	rc.kind = loss ? PRINT_RECEIPT_LOSS : PRINT_RECEIPT_COUNTER;
	rc.name = col_text(stmt, 0);
	rc.name_flags = sqlite3_column_int(stmt, 1) & PRINT_NAME_GAIJI;
	rc.card_serial = col_text(stmt, 2);
	rc.cert_serial = col_text(stmt, 3);
	*out = rc;
	r = 0;
out:
	sqlite3_finalize(stmt);
	return r;
}

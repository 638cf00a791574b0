/*
 * batch-bureau-import.c: `batch preissue import-result` (batch-bureau.h,
 * docs/batch.md "Importing the result"): which card each exported item
 * got. Every record is checked against its prepared item and the card the
 * station signed a record for; a card that verifies becomes active with
 * its `card_issued` record queued and its item done, in one transaction;
 * anything else sets the item aside with the reason. Nothing that does not
 * verify is marked done; a re-import changes nothing.
 *
 * The file is read twice from its opened content (an unlinked temporary
 * file): once whole, so a malformed line refuses it before anything
 * changes; then record by record, committing every BUREAU_COMMIT_RECORDS.
 * Memory does not grow with the file's length beyond the CMS layers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "batch-bureau.h"
#include "batch-preissue.h"
#include "batch.h"
#include "error.h"
#include "lifecycle.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define BUREAU_COMMIT_RECORDS	256

struct import_run {
	struct session	*ctx;
	struct bureau_walk w;
	struct bureau_import_result *res;
};

/* Set item `it` aside with `code` and `why`, giving up the card row signed
 * for it (if any and not yet active): its key is never issued. */
static int
set_aside(struct import_run *s, const struct preissue_item *it,
    const struct store_card *card, const char *code, const char *why)
{
	char detail[256];
	int r;

	if (card != NULL && card->id != 0 && (strcmp(card->state, "personalizing") == 0 ||
	    strcmp(card->state, "unfinished") == 0)) {
		snprintf(detail, sizeof(detail), "card bureau run %lld: %s", (long long)s->w.run_id,
		    code);
		if ((r = store_card_transition(s->w.st, card->id, LC_EV_ABANDON, detail, NULL, NULL,
		    NULL)) != 0)
			return r;
	}
	if ((r = batch_item_exception(s->w.st, it->item_id, code, why)) != 0)
		return r;
	if (strcmp(code, BUREAU_EX_SPOILED) == 0)
		s->res->spoiled++;
	else
		s->res->exceptions++;
	bureau_walk_note(&s->w, "item %lld: set aside (%s): %s", (long long)it->seq, code, why);
	return 0;
}

/* The card came back undeliverable: revoked at the center as lost
 * (suspended here, so the resident can collect it and a clerk reinstate
 * it), with its record queued in the revocation lane and an audit entry. */
static int
undeliverable(struct import_run *s, const struct preissue_item *it, int64_t card_id)
{
	char by[64], subject[48], detail[96];
	int r;

	snprintf(by, sizeof(by), "card bureau (run %lld)", (long long)s->w.run_id);
	snprintf(subject, sizeof(subject), "card:%lld", (long long)card_id);
	snprintf(detail, sizeof(detail), "resident:%lld returned undeliverable by the card"
	    " bureau (run %lld)", (long long)it->resident_id, (long long)s->w.run_id);
	if ((r = store_card_transition(s->w.st, card_id, LC_EV_REPORT_LOST,
	    "returned undeliverable", by, "mail", NULL)) != 0 ||
	    (r = queue_card_revoked(s->w.st, card_id, QUEUE_REASON_LOST, NULL)) != 0 ||
	    (r = audit_append(s->w.st, s->ctx->operator_login, "card.revoke", subject, AUDIT_OK,
	    detail)) != 0)
		return r;
	s->res->undeliverable++;
	bureau_walk_note(&s->w, "item %lld: the card came back undeliverable: revoked at the center as"
	    " lost (card record %lld suspended until collected)", (long long)it->seq,
	    (long long)card_id);
	return 0;
}

/* An item already done or set aside: a record that repeats the import
 * changes nothing, anything else is rejected. */
static int
import_closed(struct import_run *s, const struct bureau_record *rec,
    const struct preissue_item *it)
{
	struct store_card card;
	int r;

	if (strcmp(it->state, BATCH_ITEM_EXCEPTION) == 0) {
		s->res->unchanged++;
		return 0;
	}
	if ((r = store_card_get(s->w.st, it->card_id, &card)) != 0)
		return r;
	if (rec->status == BUREAU_SPOILED || strcmp(card.card_serial, rec->serial) != 0 ||
	    card.key_record_len != rec->record_len ||
	    memcmp(card.key_record, rec->record, rec->record_len) != 0) {
		s->res->rejected++;
		bureau_walk_note(&s->w, "%s:%ld: item %lld is already done with card record %lld; this"
		    " record differs from it: nothing changed", s->w.source, rec->line,
		    (long long)it->seq, (long long)card.id);
		return 0;
	}
	if (rec->status == BUREAU_UNDELIVERABLE && strcmp(card.state, "active") == 0)
		return undeliverable(s, it, card.id);
	s->res->unchanged++;
	return 0;
}

/* Check a made (or undeliverable) record; why[0] = '\0' when it verifies. */
static int
made_check(struct import_run *s, const struct bureau_record *rec,
    const struct preissue_item *it, const struct store_card *card, const char **code,
    char *why, size_t n)
{
	struct card_key_record kr;
	char date[9];
	int64_t other;
	int r, used;

	why[0] = '\0';
	if (card->id == 0 || strcmp(card->card_serial, rec->serial) != 0 ||
	    (strcmp(card->state, "personalizing") != 0 && strcmp(card->state, "unfinished") != 0)) {
		*code = BUREAU_EX_NOT_SIGNED;
		snprintf(why, n, "the station signed no record for card %s with this user"
		    " number", rec->serial);
		return 0;
	}
	if ((r = store_preissue_serial_active(s->w.st, rec->serial, card->id, &other)) != 0)
		return r;
	if (other != 0) {
		*code = BUREAU_EX_SERIAL;
		snprintf(why, n, "card serial %s is in use by card record %lld", rec->serial,
		    (long long)other);
		return 0;
	}
	*code = BUREAU_EX_MISMATCH;
	if (card_key_record_parse(rec->record, rec->record_len, &kr) != 0) {
		snprintf(why, n, "the key record does not parse: %s", err_detail());
		err_clear();
		return 0;
	}
	snprintf(date, sizeof(date), "%.4s%.2s%.2s", it->issue_date, it->issue_date + 5,
	    it->issue_date + 8);
	if (kr.raw_len != rec->record_len)
		snprintf(why, n, "bytes after the key record");
	else if (rec->seq != it->seq)
		snprintf(why, n, "the user number is item %lld's, not item %lld's",
		    (long long)it->seq, (long long)rec->seq);
	else if (memcmp(kr.user_number, it->user_number, CARD_USER_NUMBER_LEN) != 0)
		snprintf(why, n, "the record's user number (DF01) is not the item's");
	else if (strcmp(kr.insurer_number, s->w.prof.insurer_number) != 0)
		snprintf(why, n, "the record's insurer number (DF02) is not this town's");
	else if (strcmp(kr.municipality_code, s->w.prof.municipality_code) != 0)
		snprintf(why, n, "the record's municipality code (DF03) is not this town's");
	else if (kr.key_generation != it->key_generation)
		snprintf(why, n, "the record's key generation (DF04) is %d, the item's %d",
		    kr.key_generation, it->key_generation);
	else if (strcmp(kr.issue_date, date) != 0)
		snprintf(why, n, "the record's issue date (DF05) is not the run's");
	else if (kr.kind != card_kind_code("standalone"))
		snprintf(why, n, "the record's card kind (DF06) is %d, not 3", kr.kind);
	else if (memcmp(kr.public_key, rec->public_key, CARD_PUBKEY_LEN) != 0)
		snprintf(why, n, "the record's public key (DF07) is not the card's");
	if (why[0] != '\0')
		return 0;
	r = card_record_check_signature(s->w.keys, &kr);
	if (r == NHI_EAUTH || r == NHI_ENOTFOUND || r == NHI_EKEY) {
		*code = BUREAU_EX_SIGNATURE;
		snprintf(why, n, "%s", err_detail());
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	if ((r = store_preissue_key_used(s->w.st, rec->public_key, CARD_PUBKEY_LEN, card->id,
	    &used)) != 0)
		return r;
	if (used) {
		*code = BUREAU_EX_DUP_KEY;
		snprintf(why, n, "the public key is already on another card record");
	}
	return 0;
}

static int
import_open(struct import_run *s, const struct bureau_record *rec,
    const struct preissue_item *it)
{
	struct store_card card;
	const char *code = NULL;
	char why[256], detail[96];
	int r;

	memset(&card, 0, sizeof(card));
	r = store_card_by_user_number(s->w.st, it->user_number, &card);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		memset(&card, 0, sizeof(card));
	} else if (r != 0)
		return r;
	if (rec->status == BUREAU_SPOILED) {
		snprintf(why, sizeof(why), "the bureau spoiled the card%s%s", rec->serial[0] ?
		    " " : "", rec->serial);
		return set_aside(s, it, &card, BUREAU_EX_SPOILED, why);
	}
	if ((r = made_check(s, rec, it, &card, &code, why, sizeof(why))) != 0)
		return r;
	if (why[0] != '\0')
		return set_aside(s, it, &card, code, why);
	snprintf(detail, sizeof(detail), "card bureau: run %lld item %lld",
	    (long long)s->w.run_id, (long long)it->seq);
	if ((r = queue_card_activate(s->w.st, card.id, rec->public_key, CARD_PUBKEY_LEN,
	    rec->record, rec->record_len, it->issue_date, detail)) != 0 ||
	    (r = batch_item_done(s->w.st, it->item_id, card.id, NULL)) != 0)
		return r;
	s->res->made++;
	/* Test hook: killed here, the group's transaction never commits. */
	queue_test_crash("bureau.import.made");
	if (rec->status == BUREAU_UNDELIVERABLE)
		return undeliverable(s, it, card.id);
	return 0;
}

static int
import_one(void *arg, const struct bureau_record *rec)
{
	struct import_run *s = arg;
	struct preissue_item it;
	int r;

	if ((r = bureau_walk_group(&s->w, BUREAU_COMMIT_RECORDS)) != 0)
		return r;
	r = store_preissue_by_user_number(s->w.st, s->w.run_id, rec->user_number, &it);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		r = 0;
		s->res->rejected++;
		bureau_walk_note(&s->w, "%s:%ld: the user number is no item of run %lld: nothing changed",
		    s->w.source, rec->line, (long long)s->w.run_id);
	} else if (r != 0)
		return r;
	else if (strcmp(it.state, BATCH_ITEM_DONE) == 0 ||
	    strcmp(it.state, BATCH_ITEM_EXCEPTION) == 0)
		r = import_closed(s, rec, &it);
	else if (strcmp(it.path, "standalone") != 0 || it.exported_at[0] == '\0' ||
	    strcmp(it.state, BATCH_ITEM_PREPARED) != 0) {
		s->res->rejected++;
		bureau_walk_note(&s->w, "%s:%ld: item %lld was not exported to the bureau: nothing changed",
		    s->w.source, rec->line, (long long)it.seq);
	} else
		r = import_open(s, rec, &it);
	return r;
}

int
bureau_import_result(struct session *ctx, int64_t run_id, const char *path,
    void (*note)(void *arg, const char *text), void *arg,
    struct bureau_import_result *res)
{
	struct import_run s;
	int r, finished = 0;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.w.note = note;
	s.w.note_arg = arg;
	s.res = res;
	if ((r = bureau_file_walk(ctx, run_id, path, BUREAU_PASS_RESULT, &s.w, import_one,
	    &s)) != 0 ||
	    (r = batch_run_finish_if_complete(s.w.st, run_id, &finished)) != 0)
		goto out;
	res->run_done = finished;
	r = 0;
out:
	bureau_walk_end(&s.w);
	return r;
}

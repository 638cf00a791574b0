/*
 * batch-feed.c: the pre-issuance feed loop (batch-preissue.h,
 * docs/batch.md): one reader, card after card.
 *
 *   wait      the card monitor blocks in SCardGetStatusChange until a
 *             card is in the reader (never a busy loop; --max-wait ends it)
 *   recognize connect, recognize (the card layer), and find its item:
 *             - a card whose NHI AP is active: the item with its user
 *               number (a feed killed after the card became active: only
 *               the certificate and the checkpoint are left), else set
 *               aside: never written twice;
 *             - a Juki card: the open item whose resident's four basic
 *               items match the card's (never by order), exactly one;
 *             - a standalone card: the item its serial was bound to (a
 *               card pulled mid-write), else the next open standalone item
 *               in mailing order, which the serial is then bound to
 *   check     the resident is unchanged since the preparation (digest of
 *             the certificate items, the period, the key generation): a
 *             changed one is an exception, never printed with stale data
 *   write     card_personalize with the prepared user number (the card
 *             layer records the card and queues "card issued" when it is
 *             active)
 *   finish    print the certificate (or sleeve), mark the item done
 *   remove    "remove the card", and wait until the reader is empty
 *
 * A card pulled mid-write leaves its item open (and bound): put back, the
 * card layer restarts or finishes it with the same card record and user
 * number.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch-preissue.h"
#include "batch.h"
#include "card-perso.h"
#include "card.h"
#include "error.h"
#include "flow-perso.h"
#include "flow-print.h"
#include "flow.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

#define FEED_POLL_MS	500

struct feed {
	struct session			*ctx;
	const struct preissue_feed_opts	*o;
	struct preissue_feed_result	*res;
	struct store			*st;
	struct card_profile		 prof;
	struct card_keys		*keys;
	struct card_monitor		*mon;
	struct batch_run		 run;
	int64_t				 base_done;	/* run.done + exceptions at start */
	int64_t				 base_exc;
};

/* The progress reporter (o->progress, may be NULL): the run's items handled
 * so far, this feed's cards included. */
static void
feed_report(const struct feed *f)
{
	batch_progress_update(f->o->progress,
	    f->base_done + (int64_t)f->res->issued + (int64_t)f->res->exceptions,
	    f->base_exc + (int64_t)f->res->exceptions);
}

/* Sleep `ms` milliseconds (only while pcscd or the reader is missing:
 * the monitor then answers at once instead of waiting). */
static void
feed_nap(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	(void)nanosleep(&ts, NULL);
}

/*
 * Wait until the reader holds a card (`present`) or is empty. Returns 1
 * when it does, 0 when the wait ended (max-wait or a key: res->ended set),
 * or an error.
 */
static int
feed_wait(struct feed *f, int present, struct card_slot *slot)
{
	uint64_t t0 = time_mono_ns(), limit = (uint64_t)f->o->max_wait_s * 1000000000ULL;

	for (;;) {
		(void)card_monitor_poll(f->mon, FEED_POLL_MS, slot);
		/* The time passes on the bar (and the periodic lines) while the
		 * station waits for the clerk. */
		feed_report(f);
		if (present ? slot->state == CARD_SLOT_PRESENT || slot->state == CARD_SLOT_MUTE :
		    slot->state == CARD_SLOT_EMPTY)
			return 1;
		if (slot->state == CARD_SLOT_NO_SERVICE || slot->state == CARD_SLOT_NO_READER)
			feed_nap(FEED_POLL_MS);
		if (f->o->stop != NULL && f->o->stop(f->o->stop_arg)) {
			f->res->ended = "key";
			return 0;
		}
		if (limit != 0 && time_mono_ns() - t0 >= limit) {
			f->res->ended = "max-wait";
			return 0;
		}
	}
}

/* ---- Items ------------------------------------------------------------- */

/* The item is set aside for a clerk with `why` (an exception of the run). */
static int
feed_except(struct feed *f, const struct preissue_item *it, const char *code,
    const char *why)
{
	int r;

	if ((r = batch_item_exception(f->st, it->item_id, code, why)) != 0)
		return r;
	f->res->exceptions++;
	flow_note(f->o->ev, "item %lld (resident %lld): exception %s: %s",
	    (long long)it->seq, (long long)it->resident_id, code, why);
	return 0;
}

/*
 * Is the resident still as selected (the batch engine's snapshot: status,
 * eligibility, the printed data, a printable name), without an active
 * card, at the key generation prepared? 0 if so; 1 after recording an
 * exception; or an error.
 */
static int
feed_check(struct feed *f, const struct preissue_item *it)
{
	struct batch_item bi;
	struct store_card other;
	char code[32], text[256];
	int r, gen;

	if ((r = batch_item_get(f->st, it->item_id, &bi)) != 0 ||
	    (r = batch_item_check(f->st, &f->run, &bi, 1, code, text)) != 0)
		return r;
	if (code[0] != '\0')
		return (r = feed_except(f, it, code, text)) != 0 ? r : 1;
	r = store_card_active_for_resident(f->st, it->resident_id, &other);
	if (r == 0)
		return (r = feed_except(f, it, "has_card", "the resident got an active NHI"
		    " card since the selection")) != 0 ? r : 1;
	if (r != NHI_ENOTFOUND)
		return r;
	/* A card record with this user number is this item's torn write. */
	r = store_card_by_user_number(f->st, it->user_number, &other);
	if (r == NHI_ENOTFOUND) {
		if ((r = store_card_max_generation(f->st, it->resident_id, &gen)) != 0)
			return r;
		if (gen + 1 != it->key_generation)
			return (r = feed_except(f, it, BATCH_EX_CHANGED, "the resident's key"
			    " generation changed since the preparation")) != 0 ? r : 1;
	} else if (r != 0)
		return r;
	err_clear();
	return 0;
}

/* Print the certificate (or sleeve) of the item's resident. */
static int
feed_print(struct feed *f, const struct preissue_item *it, char serial[32])
{
	const char *sub = f->o->sleeve ? "sleeve" : "certificate";
	struct print_request a;
	char *pos[1], *path = NULL, id[24], reason[64];
	int r;

	serial[0] = '\0';
	if (f->o->print_dir == NULL && f->o->printer == NULL)
		return 0;
	memset(&a, 0, sizeof(a));
	if ((r = flow_print_defaults(f->ctx, &a)) != 0)
		return r;
	snprintf(id, sizeof(id), "%lld", (long long)it->resident_id);
	snprintf(reason, sizeof(reason), "card issued in batch run %lld",
	    (long long)it->run_id);
	a.sub = sub;
	a.events = f->o->ev;
	a.reason = reason;
	if (f->o->print_dir != NULL) {
		path = xasprintf("%s/%s-%s.pdf", f->o->print_dir, sub, id);
		a.out = path;
	} else
		a.printer = f->o->printer;
	pos[0] = id;
	a.pos = pos;
	a.npos = 1;
	r = flow_print_run(f->ctx, &a);
	free(path);
	if (r == 0 && (r = store_preissue_valid_certificate(f->st, it->resident_id, sub,
	    serial)) == NHI_ENOTFOUND)
		r = err_set(NHI_EINTERNAL, "the %s of resident %lld was printed but no valid"
		    " serial is recorded", sub, (long long)it->resident_id);
	return r;
}

/*
 * The card is active: print, then the item's checkpoint, which marks the
 * run done with its last item in the same transaction (a feed killed
 * between left a run whose items were all done but which stayed running:
 * the next feed found nothing open and never finished it). `resumed`: the
 * card was found active (a feed killed after the write): a certificate
 * printed since the card became active was printed by that feed, killed
 * before its checkpoint; it is not printed (and voided) once more.
 */
static int
feed_finish(struct feed *f, const struct preissue_item *it, int64_t card_id, int resumed)
{
	const char *sub = f->o->sleeve ? "sleeve" : "certificate";
	char serial[32];
	int r, finished;

	serial[0] = '\0';
	if (resumed && (f->o->print_dir != NULL || f->o->printer != NULL) &&
	    (r = store_preissue_certificate_since_card(f->st, it->resident_id, sub, card_id,
	    serial)) != NHI_ENOTFOUND) {
		if (r != 0)
			return r;
		flow_note(f->o->ev, "item %lld: the %s %s was printed for this card before the"
		    " feed stopped: not printed again", (long long)it->seq, sub, serial);
	} else if (resumed)
		err_clear();
	if (serial[0] == '\0' && (r = feed_print(f, it, serial)) != 0) {
		/* The card is issued whatever the printer says. */
		flow_note(f->o->ev, "item %lld: the card is issued but the %s was not printed"
		    " (%s); print it with 'nhicard print %s %lld'", (long long)it->seq,
		    sub, err_text(r), sub, (long long)it->resident_id);
		serial[0] = '\0';
	}
	if ((r = store_begin(f->st)) != 0)
		return r;
	if ((r = batch_item_done(f->st, it->item_id, card_id, serial)) != 0 ||
	    (r = batch_run_finish_if_complete(f->st, it->run_id, &finished)) != 0 ||
	    (r = store_commit(f->st)) != 0) {
		store_rollback(f->st);
		return r;
	}
	f->res->issued++;
	flow_note(f->o->ev, "item %lld (resident %lld): done, card record %lld%s%s",
	    (long long)it->seq, (long long)it->resident_id, (long long)card_id,
	    serial[0] ? ", certificate " : "", serial);
	return 0;
}

static void
feed_progress(void *arg, const char *step)
{
	const struct feed *f = arg;
	char id[48];

	snprintf(id, sizeof(id), "card.%s", step);
	flow_step(f->o->ev, id);
	snprintf(id, sizeof(id), "preissue.card.%s", step);
	queue_test_crash(id);
}

/* Write the card for `it`. */
static int
feed_write(struct feed *f, struct card *card, const struct preissue_item *it)
{
	struct perso_request preq;
	struct perso_result pres;
	struct resident res;
	enum perso_path path;
	int r;

	memset(&res, 0, sizeof(res));
	if ((r = perso_path_parse(it->path, &path)) != 0 ||
	    (r = store_resident_get(f->st, it->resident_id, &res)) != 0)
		return r;
	memset(&preq, 0, sizeof(preq));
	flow_perso_request(&preq, &f->prof, f->keys, f->st, &res);
	preq.path = path;
	preq.prepared_user_number = it->user_number;
	preq.progress = feed_progress;
	preq.hook_arg = f;
	r = card_personalize(card, &preq, &pres);
	store_resident_free(&res);
	if (r == 0) {
		flow_note(f->o->ev, "card %s: %s for item %lld (%lu APDUs)", pres.serial_hex,
		    pres.action, (long long)it->seq, pres.apdus);
		queue_test_crash("preissue.after_write");
		return feed_finish(f, it, pres.card_id, 0);
	}
	if (r == NHI_ECARD_REMOVED || r == NHI_ECARD_RESET) {
		f->res->retry++;
		flow_note(f->o->ev, "item %lld: the card was pulled during the write: put the"
		    " same card back to finish it", (long long)it->seq);
		return 0;
	}
	if (nhi_exit_code(r) == NHI_EXIT_CARD) {
		/* The card misbehaved: the item stays open for another card. */
		f->res->rejected++;
		flow_note(f->o->ev, "item %lld: the card failed (%s): set it aside; the item"
		    " stays open", (long long)it->seq, err_text(r));
		return 0;
	}
	if (nhi_exit_code(r) == NHI_EXIT_SYSTEM || nhi_exit_code(r) == NHI_EXIT_INTERNAL)
		return r;
	return feed_except(f, it, "card_refused", err_text(r));
}

/* A card whose NHI AP is active: only an item of this run killed after
 * the write may still need its certificate and checkpoint. */
static int
feed_active(struct feed *f, struct card *card, const struct card_info *info)
{
	struct card_nhi_state nhi;
	struct preissue_item it;
	struct store_card row;
	int r;

	if ((r = card_select_nhi(card, &f->prof, &nhi)) != 0)
		return r;
	if (nhi.has_record) {
		r = store_preissue_by_user_number(f->st, f->o->run_id, nhi.rec.user_number,
		    &it);
		if (r != 0 && r != NHI_ENOTFOUND)
			return r;
		err_clear();
		if (r == 0 && strcmp(it.state, BATCH_ITEM_DONE) == 0) {
			flow_note(f->o->ev, "card %s was already issued for item %lld: set it"
			    " aside", info->serial_hex, (long long)it.seq);
			return 0;
		}
		if (r == 0 && strcmp(it.state, BATCH_ITEM_OPEN) == 0 &&
		    store_card_by_user_number(f->st, it.user_number, &row) == 0 &&
		    strcmp(row.state, "active") == 0) {
			flow_note(f->o->ev, "card %s: already active for item %lld; finishing"
			    " the item", info->serial_hex, (long long)it.seq);
			return feed_finish(f, &it, row.id, 1);
		}
		if (r == 0 && strcmp(it.state, BATCH_ITEM_OPEN) == 0 &&
		    store_card_by_user_number(f->st, it.user_number, &row) == 0 &&
		    (strcmp(row.state, "personalizing") == 0 ||
		    strcmp(row.state, "unfinished") == 0)) {
			/* Written but not yet verified and recorded: the card
			 * layer finishes it (read back, challenge, record). */
			flow_note(f->o->ev, "card %s: item %lld (resident %lld, %s): written,"
			    " not yet recorded", info->serial_hex, (long long)it.seq,
			    (long long)it.resident_id, it.path);
			if ((r = feed_check(f, &it)) != 0)
				return r == 1 ? 0 : r;
			return feed_write(f, card, &it);
		}
		err_clear();
	}
	f->res->rejected++;
	flow_note(f->o->ev, "card %s already carries an active NHI AP that is not an"
	    " open item of run %lld: set it aside", info->serial_hex,
	    (long long)f->o->run_id);
	return 0;
}

/* The one open item whose resident matches the Juki card's four items. */
static int
feed_match_juki(struct feed *f, const struct card_info *info, struct preissue_item *out,
    int *found)
{
	struct preissue_item *cand = NULL;
	struct resident res;
	struct card_person p;
	char birth[11];
	size_t n = 0, i, hits = 0, hit = 0;
	int r;

	*found = 0;
	snprintf(birth, sizeof(birth), "%.4s-%.2s-%.2s", info->items.birth,
	    info->items.birth + 4, info->items.birth + 6);
	if ((r = store_preissue_juki_candidates(f->st, f->o->run_id, birth, &cand, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		memset(&res, 0, sizeof(res));
		if ((r = store_resident_get(f->st, cand[i].resident_id, &res)) != 0)
			goto out;
		p.name = res.name_kanji;
		p.birth_date = res.birth_date;
		p.sex = res.sex;
		p.address = res.address;
		if (card_items_match(&info->items, &p) == 0) {
			hits++;
			hit = i;
		}
		store_resident_free(&res);
	}
	err_clear();
	if (hits == 0) {
		f->res->rejected++;
		flow_note(f->o->ev, "card %s matches no open prepared person of run %lld:"
		    " set it aside", info->serial_hex, (long long)f->o->run_id);
	} else if (hits > 1) {
		f->res->rejected++;
		flow_note(f->o->ev, "card %s matches %zu prepared persons of run %lld on all"
		    " four basic items: set it aside for a clerk", info->serial_hex, hits,
		    (long long)f->o->run_id);
	} else if (hits == 1) {
		*out = cand[hit];
		*found = 1;
	}
	r = 0;
out:
	free(cand);
	return r;
}

/* The item a blank (or torn) standalone card is for. */
static int
feed_match_standalone(struct feed *f, const struct card_info *info,
    struct preissue_item *out, int *found)
{
	int r;

	*found = 0;
	r = store_preissue_by_serial(f->st, f->o->run_id, info->serial_hex, out);
	if (r == 0 && strcmp(out->state, BATCH_ITEM_OPEN) == 0) {
		*found = 1;
		return 0;
	}
	if (r != 0 && r != NHI_ENOTFOUND)
		return r;
	if (r == 0) {
		/* Bound to an item that was set aside: not for another one. */
		f->res->rejected++;
		flow_note(f->o->ev, "card %s belongs to item %lld, which is %s: set it aside",
		    info->serial_hex, (long long)out->seq, out->state);
		return 0;
	}
	if (info->nhi_present) {
		err_clear();
		f->res->rejected++;
		flow_note(f->o->ev, "card %s holds an NHI AP not started by run %lld: set it"
		    " aside", info->serial_hex, (long long)f->o->run_id);
		return 0;
	}
	r = store_preissue_next_standalone(f->st, f->o->run_id, out);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		f->res->rejected++;
		flow_note(f->o->ev, "card %s: run %lld has no standalone item left: set it"
		    " aside", info->serial_hex, (long long)f->o->run_id);
		return 0;
	}
	if (r != 0)
		return r;
	*found = 1;
	return 0;
}

/* One card in the reader, from recognition to the checkpoint. */
static int
feed_card(struct feed *f)
{
	struct card *card = NULL;
	struct card_info info;
	struct preissue_item it;
	int r, found = 0, began = 0;

	f->res->cards++;
	if ((r = session_card_connect(f->ctx, &card)) != 0)
		goto card_error;
	if ((r = card_profile_atr_check(&f->prof, card->atr, card->atrlen)) != 0 ||
	    (r = card_begin(card)) != 0)
		goto card_error;
	began = 1;
	r = card_recognize(card, &f->prof, &info);
	(void)card_end(card);
	began = 0;
	if (r != 0)
		goto card_error;
	if (info.nhi_present && info.nhi_lcs == CARD_LCS_ACTIVATED) {
		r = feed_active(f, card, &info);
		goto out;
	}
	if (info.family == CARD_FAMILY_JUKI)
		r = feed_match_juki(f, &info, &it, &found);
	else
		r = feed_match_standalone(f, &info, &it, &found);
	if (r != 0 || !found)
		goto out;
	flow_note(f->o->ev, "card %s: item %lld (resident %lld, %s)", info.serial_hex,
	    (long long)it.seq, (long long)it.resident_id, it.path);
	if ((r = feed_check(f, &it)) != 0) {
		if (r == 1)
			r = 0;
		goto out;
	}
	if (strcmp(it.path, "standalone") == 0 && it.card_serial[0] == '\0' &&
	    (r = store_preissue_bind(f->st, it.item_id, info.serial_hex)) != 0)
		goto out;
	queue_test_crash("preissue.after_bind");
	r = feed_write(f, card, &it);
	goto out;
card_error:
	if (nhi_exit_code(r) == NHI_EXIT_CARD) {
		f->res->rejected++;
		flow_note(f->o->ev, "card not usable (%s): set it aside", err_text(r));
		r = 0;
	}
out:
	if (began)
		(void)card_end(card);
	card_close(card);
	return r;
}

int
preissue_feed(struct session *ctx, const struct preissue_feed_opts *o,
    struct preissue_feed_result *res)
{
	struct feed f;
	struct card_slot slot;
	int64_t open = 0;
	int r;

	memset(&f, 0, sizeof(f));
	memset(res, 0, sizeof(*res));
	f.ctx = ctx;
	f.o = o;
	f.res = res;
	if ((r = session_store(ctx, &f.st)) != 0 ||
	    (r = batch_run_check(f.st, o->run_id, BATCH_KIND_PREISSUE)) != 0 ||
	    (r = batch_run_get(f.st, o->run_id, &f.run)) != 0 ||
	    (r = flow_perso_setup(ctx, &f.prof, &f.keys)) != 0 ||
	    (r = card_monitor_new(ctx->reader, &f.mon)) != 0)
		goto out;
	f.base_done = f.run.done + f.run.exceptions;
	f.base_exc = f.run.exceptions;
	batch_progress_per_minute(o->progress, f.base_done);
	feed_report(&f);
	if (o->print_dir == NULL && o->printer == NULL)
		flow_note(o->ev, "certificates are not printed (no --print-to, --printer or"
		    " print.printer); print them later with 'nhicard print certificate"
		    " RESIDENT'");
	for (;;) {
		if ((r = store_preissue_open_count(f.st, o->run_id, &open)) != 0)
			goto out;
		if (open == 0) {
			/* Nothing open: the run is done (also one whose last
			 * checkpoint was written by an older feed without it). */
			if ((r = batch_run_finish_if_complete(f.st, o->run_id, NULL)) != 0)
				goto out;
			res->ended = "run complete";
			break;
		}
		if (o->count > 0 && res->cards >= (size_t)o->count) {
			res->ended = "count";
			break;
		}
		flow_note(o->ev, "next card: put a card in the reader (run %lld: %lld open)",
		    (long long)o->run_id, (long long)open);
		if ((r = feed_wait(&f, 1, &slot)) <= 0)
			goto out;
		if (slot.state == CARD_SLOT_MUTE) {
			res->cards++;
			res->rejected++;
			flow_note(o->ev, "the card does not answer: set it aside");
		} else if ((r = feed_card(&f)) != 0)
			goto out;
		feed_report(&f);
		flow_note(o->ev, "remove the card");
		/* The last card of the run or of --count: end now, the clerk takes
		 * it out; no wait for the removal. */
		if ((r = store_preissue_open_count(f.st, o->run_id, &open)) != 0)
			goto out;
		if (open == 0 || (o->count > 0 && res->cards >= (size_t)o->count))
			continue;
		if ((r = feed_wait(&f, 0, &slot)) <= 0)
			goto out;
	}
	r = 0;
out:
	if (r > 0)
		r = 0;
	if (r == 0)
		flow_note(o->ev, "feed ended: %s (%zu cards, %zu issued, %zu exceptions,"
		    " %zu set aside, %zu to put back)", res->ended != NULL ? res->ended : "?",
		    res->cards, res->issued, res->exceptions, res->rejected, res->retry);
	card_monitor_free(f.mon);
	card_keys_free(f.keys);
	return r;
}

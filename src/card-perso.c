/*
 * card-perso.c: personalizing a card with the NHI AP (docs/card-profile.md
 * sections 5 and 6): the three card kinds, re-keying, finishing or
 * restarting after a tear, and locking.
 *
 * The order makes tearing safe. The store row is written (personalizing)
 * before the first write to the card; the NHI AP stays in LCS 01 (not
 * valid) until ACTIVATE FILE, the last write; the row becomes active only
 * after the AP was read back and answered a fresh challenge. Any failure
 * after the row exists turns it unfinished with the step reached, in one
 * transaction. A retry reads the card and the store and restarts (same
 * row, same user number), deletes a half-written AP first, or only
 * verifies and finishes (section 5.2).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgcall.h"
#include "card.h"
#include "card-perso.h"
#include "crypto.h"
#include "error.h"
#include "queue.h"
#include "store.h"
#include "util.h"

#define PERSO_USER_NUMBER_TRIES	5

/* What the run decided from the card and the store. */
enum perso_plan {
	PLAN_NEW = 1,		/* no NHI AP, no pending row: a new row */
	PLAN_RESTART,		/* pending row, AP absent or in 01: write again */
	PLAN_FINISH,		/* pending row, AP complete: verify and record */
	PLAN_REKEY,		/* AP locked, its key revoked: a new key */
	PLAN_LOCK,		/* AP usable, its key revoked: lock it, refuse */
	PLAN_DONE,		/* AP active, its key this resident's active one
				 * (req->resume_issued): verify, record nothing */
};

struct perso_run {
	const struct perso_request *req;
	const struct card_profile *prof;
	struct card		*card;
	struct card_info	 info;
	struct card_nhi_state	 nhi;
	struct store_card	 row;
	int			 have_row;
	struct bgcall		 row_bg;	/* the new row's insert and commit */
	const char		*row_kind;
	int			 row_pending;	/* row_bg started, not joined */
	int			 row_failed;	/* ... and it failed: no row */
	struct store_card	 revoked;	/* PLAN_LOCK: the revoked key's row */
	enum perso_plan		 plan;
	const char		*step;
	struct scp03		*sc;
	struct card_key_record	 rec;
	struct apdu_resp	*resp;
	uint64_t		 t0;		/* start, for the debug log */
	double			 cpu0;		/* its thread CPU time, ms */
};

static int	row_ready(struct perso_run *);

/* Enter a step: remember it (for unfinished rows) and tell the caller. */
static void
perso_step(struct perso_run *run, const char *step)
{
	run->step = step;
	if (run->req->progress != NULL)
		run->req->progress(run->req->hook_arg, step);
}

/*
 * End the card transaction after a run that ended with `r`: the card's
 * answer to ending it (a card already pulled says "removed" again) must
 * not replace the detail of what failed first.
 */
static void
perso_end(struct card *card, int r)
{
	const char *why = err_reason_of(r);
	char *saved;

	if (r == 0) {
		(void)card_end(card);
		return;
	}
	saved = xstrdup(err_text(r));
	(void)card_end(card);
	(void)err_reason(err_set(r, "%s", saved), why);
	free(saved);
}

/* Debug log of where the time goes; names steps only. */
static void
perso_trace(const struct perso_run *run, const char *what)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	log_debug("perso: %s %s at %.3f ms (cpu %.3f ms)", what, run->step,
	    (double)(time_mono_ns() - run->t0) / 1e6,
	    ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6) - run->cpu0);
}

int
perso_path_parse(const char *s, enum perso_path *out)
{
	if (strcmp(s, "existing") == 0)
		*out = PERSO_PATH_EXISTING;
	else if (strcmp(s, "new-juki") == 0)
		*out = PERSO_PATH_NEW_JUKI;
	else if (strcmp(s, "standalone") == 0)
		*out = PERSO_PATH_STANDALONE;
	else
		return err_set(NHI_EUSAGE, "unknown card path '%s': expected existing,"
		    " new-juki or standalone", s);
	return 0;
}

const char *
perso_path_name(enum perso_path path)
{
	switch (path) {
	case PERSO_PATH_EXISTING:
		return "existing";
	case PERSO_PATH_NEW_JUKI:
		return "new-juki";
	case PERSO_PATH_STANDALONE:
		return "standalone";
	}
	return "?";
}

/* ---- Commands ---------------------------------------------------------- */

/* Send one command through the secure channel and require `want`. */
static int
sc_cmd(struct perso_run *run, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
    const uint8_t *data, size_t lc, int has_le, uint16_t want)
{
	/* Le 00 on every protected command: with R-MAC the card answers at
	 * least the MAC, which a case 3 command could not carry back. */
	struct apdu a = { .cla = cla, .ins = ins, .p1 = p1, .p2 = p2, .data = data,
	    .lc = lc, .le = 0, .has_le = 1 };
	int r;

	(void)has_le;

	if ((r = scp03_xfer(run->sc, &a, run->resp)) != 0)
		return r;
	perso_trace(run, "answered");
	if (run->resp->sw != want)
		return err_set(NHI_ECARD_SW, "card %s, step %s: the card answered %s",
		    run->info.serial_hex, run->step, card_sw_text(run->resp->sw));
	return 0;
}

/* "84 AID" followed by `tail`, into buf. */
static size_t
aid_ref(const uint8_t *aid, size_t aidlen, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	if (tlv_put(buf, cap, &n, 0x84, aid, aidlen) != 0)
		fatal("aid_ref: buffer too small");
	return n;
}

static int
open_channel(struct perso_run *run, uint8_t kvn, struct scp03_keyset *keys)
{
	struct scp03_params params = { .kvn = kvn, .level = run->prof->level, .s16 = 0,
	    .host_challenge = run->req != NULL ? run->req->test_host_challenge : NULL,
	    .sd_aid = run->prof->aid_sd, .sd_aid_len = run->prof->aid_sd_len };
	int r;

	perso_step(run, "open_channel");
	if ((r = scp03_init_update(run->card, &params, &run->sc)) != 0)
		return r;
	if (memcmp(scp03_divdata(run->sc), run->info.serial, CARD_SERIAL_LEN) != 0)
		return err_set(NHI_ECARD_UNKNOWN, "card %s: INITIALIZE UPDATE names another"
		    " card serial than its security domain", run->info.serial_hex);
	if ((r = card_keys_diversify(run->req->keys, kvn, run->info.serial, keys)) != 0)
		return r;
	return scp03_authenticate(run->sc, keys);
}

/* PUT KEY: replace the transport key set by the municipality's (3.2). */
static int
put_key(struct perso_run *run, const struct scp03_keyset *transport)
{
	struct scp03_keyset mk;
	uint8_t data[1 + 3 * (3 + SCP03_KEY_MAX + 4)], want[10];
	size_t n = 0, i;
	int r;

	perso_step(run, "put_key");
	memset(&mk, 0, sizeof(mk));
	if ((r = card_keys_diversify(run->req->keys, run->prof->kvn, run->info.serial,
	    &mk)) != 0)
		goto out;
	if (mk.keylen != 16 && mk.keylen != 32) {
		r = err_set(NHI_EKEY, "PUT KEY: keys of %zu bytes are not supported",
		    mk.keylen);
		goto out;
	}
	data[n++] = run->prof->kvn;
	want[0] = run->prof->kvn;
	for (i = 0; i < 3; i++) {
		data[n++] = 0x88;
		data[n++] = (uint8_t)(1 + mk.keylen);
		data[n++] = (uint8_t)mk.keylen;
		/* Encrypted under the DEK and its KCV: by the token when
		 * the keys are in it. */
		if ((r = crypto_scp03_put_key_value(transport, &mk, (int)i, data + n,
		    data + n + mk.keylen + 1)) != 0)
			goto out;
		n += mk.keylen;
		data[n++] = 3;
		memcpy(want + 1 + 3 * i, data + n, 3);
		n += 3;
	}
	if ((r = sc_cmd(run, 0x80, 0xD8, run->prof->transport_kvn, 0x81, data, n, 1,
	    0x9000)) != 0)
		goto out;
	if (run->resp->len != sizeof(want) ||
	    memcmp(run->resp->data, want, sizeof(want)) != 0) {
		r = err_set(NHI_EAUTH, "card %s: PUT KEY answered other key check values"
		    " than the keys sent", run->info.serial_hex);
		goto out;
	}
	r = 0;
out:
	util_wipe(data, sizeof(data));
	crypto_scp03_keyset_wipe(&mk);
	return r;
}

static int
create_df(struct perso_run *run, const uint8_t *aid, size_t aidlen, const uint8_t *parent,
    size_t parentlen, uint8_t lcs)
{
	static const uint8_t df = 0x38;
	uint8_t inner[64], par[CARD_AID_MAX + 2], fcp[80];
	size_t ni = 0, np = 0, nf = 0;

	if (tlv_put(inner, sizeof(inner), &ni, 0x82, &df, 1) != 0 ||
	    tlv_put(inner, sizeof(inner), &ni, 0x84, aid, aidlen) != 0 ||
	    tlv_put(par, sizeof(par), &np, 0x84, parent, parentlen) != 0 ||
	    tlv_put(inner, sizeof(inner), &ni, 0x86, par, np) != 0 ||
	    tlv_put(inner, sizeof(inner), &ni, 0x8A, &lcs, 1) != 0 ||
	    tlv_put(fcp, sizeof(fcp), &nf, 0x62, inner, ni) != 0)
		return err_set(NHI_EINTERNAL, "CREATE FILE: AID too long");
	return sc_cmd(run, 0x00, 0xE0, 0x00, 0x00, fcp, nf, 0, 0x9000);
}

/* Build the key record around the card's public key and sign it. */
static int
make_record(struct perso_run *run, const uint8_t *public_key)
{
	const struct perso_request *req = run->req;
	struct card_key_record *rec = &run->rec;
	int r;

	memset(rec, 0, sizeof(*rec));
	memcpy(rec->user_number, run->row.user_number, CARD_USER_NUMBER_LEN);
	snprintf(rec->insurer_number, sizeof(rec->insurer_number), "%s",
	    run->prof->insurer_number);
	snprintf(rec->municipality_code, sizeof(rec->municipality_code), "%s",
	    run->prof->municipality_code);
	rec->key_generation = run->row.key_generation;
	snprintf(rec->issue_date, sizeof(rec->issue_date), "%s", req->issue_date);
	rec->kind = card_kind_code(run->row.kind);
	memcpy(rec->public_key, public_key, CARD_PUBKEY_LEN);
	memcpy(rec->signer_id, card_keys_signer_id(req->keys), CARD_SIGNER_ID_LEN);
	if ((r = card_key_record_encode(rec)) != 0)
		return r;
	if (req->test_signature != NULL)
		memcpy(rec->signature, req->test_signature, CARD_SIG_LEN);
	else if ((r = card_keys_sign(req->keys, rec->raw + rec->signed_off,
	    rec->signed_len, rec->signature)) != 0)
		return r;
	return card_key_record_seal(rec);
}

/* The writes of section 5.1, from the secure channel to ACTIVATE FILE. */
static int
write_card(struct perso_run *run, struct perso_result *res)
{
	const struct card_profile *prof = run->prof;
	struct scp03_keyset keys;
	uint8_t ref[CARD_AID_MAX + 2], data[CARD_AID_MAX + 2 + sizeof(run->rec.raw)];
	struct tlv pk, pt;
	size_t n;
	int r, r2, standalone_blank;

	memset(&keys, 0, sizeof(keys));
	standalone_blank = run->info.family == CARD_FAMILY_STANDALONE &&
	    card_info_has_kvn(&run->info, prof->transport_kvn) &&
	    !card_info_has_kvn(&run->info, prof->kvn);
	if (!standalone_blank && !card_info_has_kvn(&run->info, prof->kvn)) {
		r = err_set(NHI_ECARD_UNKNOWN, "card %s: its security domain holds neither"
		    " this town's key set (%02X) nor a blank card's transport key set",
		    run->info.serial_hex, prof->kvn);
		goto out;
	}
	r = open_channel(run, standalone_blank ? prof->transport_kvn : prof->kvn, &keys);
	/* The row must be durable before the first write; its failure is
	 * the one to report (no row: nothing to mark unfinished). */
	if ((r2 = row_ready(run)) != 0)
		r = r2;
	if (r != 0)
		goto out;
	if (standalone_blank && (r = put_key(run, &keys)) != 0)
		goto out;
	n = aid_ref(prof->aid_nhi, prof->aid_nhi_len, ref, sizeof(ref));
	if (run->info.nhi_present) {
		perso_step(run, "delete_old");
		if ((r = sc_cmd(run, 0x00, 0xE4, 0x04, 0x00, ref, n, 0, 0x9000)) != 0)
			goto out;
	}
	if (!run->info.town_present) {
		perso_step(run, "create_town");
		if ((r = create_df(run, prof->aid_town, prof->aid_town_len, prof->aid_sd,
		    prof->aid_sd_len, CARD_LCS_ACTIVATED)) != 0)
			goto out;
		res->town_created = 1;
	}
	perso_step(run, "create_nhi");
	if ((r = create_df(run, prof->aid_nhi, prof->aid_nhi_len, prof->aid_town,
	    prof->aid_town_len, CARD_LCS_CREATION)) != 0)
		goto out;
	perso_step(run, "generate_key");
	if ((r = sc_cmd(run, 0x00, 0x46, 0x00, 0x81, ref, n, 1, 0x9000)) != 0)
		goto out;
	if (tlv_find(run->resp->data, run->resp->len, 0x7F49, &pt) != 0 ||
	    tlv_find(pt.value, pt.len, 0x86, &pk) != 0 || pk.len != CARD_PUBKEY_LEN ||
	    pk.value[0] != 0x04) {
		r = err_set(NHI_ECARD_PROTO, "card %s: GENERATE ASYMMETRIC KEY PAIR did not"
		    " answer an uncompressed P-256 public key", run->info.serial_hex);
		goto out;
	}
	if ((r = make_record(run, pk.value)) != 0)
		goto out;
	perso_step(run, "put_record");
	memcpy(data, ref, n);
	memcpy(data + n, run->rec.raw, run->rec.raw_len);
	if ((r = sc_cmd(run, 0x00, 0xDA, 0x00, 0x70, data, n + run->rec.raw_len, 0,
	    0x9000)) != 0)
		goto out;
	perso_step(run, "activate");
	if ((r = sc_cmd(run, 0x00, 0x44, 0x04, 0x00, ref, n, 0, 0x9000)) != 0)
		goto out;
	r = 0;
out:
	if ((r2 = row_ready(run)) != 0)
		r = r2;
	crypto_scp03_keyset_wipe(&keys);
	scp03_close(run->sc);
	run->sc = NULL;
	return r;
}

/*
 * A record found on the card when finishing an earlier attempt: it must be
 * the one that attempt wrote: this row's user number, key generation and
 * kind, this town's numbers, and a signature by this station's key.
 */
static int
check_found_record(struct perso_run *run, const struct card_key_record *rec)
{
	int r;

	if (memcmp(rec->user_number, run->row.user_number, CARD_USER_NUMBER_LEN) != 0 ||
	    rec->key_generation != run->row.key_generation ||
	    rec->kind != card_kind_code(run->row.kind) ||
	    strcmp(rec->insurer_number, run->prof->insurer_number) != 0 ||
	    strcmp(rec->municipality_code, run->prof->municipality_code) != 0)
		return err_set(NHI_EAUTH, "card %s: the key record on the card is not the one"
		    " written for card record %lld", run->info.serial_hex,
		    (long long)run->row.id);
	if (run->req->test_signature != NULL)
		return 0;
	if ((r = card_record_check_signature(run->req->keys, rec)) != 0)
		return err_wrap(r, "card %s: ", run->info.serial_hex);
	return 0;
}

/* Section 5.2 step 3: read back, compare, challenge. */
static int
read_back(struct perso_run *run, int selected)
{
	const struct perso_request *req = run->req;
	int r;

	perso_step(run, "read_back");
	if (!selected && (r = card_select_nhi(run->card, run->prof, &run->nhi)) != 0)
		return r;
	if (!run->nhi.present || run->nhi.lcs != CARD_LCS_ACTIVATED || !run->nhi.has_record)
		return err_set(NHI_EAUTH, "card %s: after personalization the NHI AP is %s",
		    run->info.serial_hex, !run->nhi.present ? "missing" :
		    !run->nhi.has_record ? "without its key record" : "not activated");
	if (run->rec.raw_len != 0) {
		/* Written in this run: it must be byte for byte what we sent. */
		if (run->nhi.rec.raw_len != run->rec.raw_len ||
		    memcmp(run->nhi.rec.raw, run->rec.raw, run->rec.raw_len) != 0)
			return err_set(NHI_EAUTH, "card %s: the key record read back is not"
			    " the one written", run->info.serial_hex);
	} else if ((r = check_found_record(run, &run->nhi.rec)) != 0)
		return r;
	perso_step(run, "challenge");
	return card_challenge(run->card, &run->nhi.rec, req->test_challenge);
}

/* ---- Deciding what to do (section 5.2's table) ------------------------- */

static int
refuse_active(struct perso_run *run, const struct store_card *row)
{
	char fp[9];

	card_user_number_fingerprint(row->user_number, fp);
	return err_reason(err_set(NHI_ESTATE, "card %s already carries an active NHI AP (card record"
	    " %lld, user number %s..., key generation %d): nothing was written",
	    run->info.serial_hex, (long long)row->id, fp, row->key_generation), "card.already_active");
}

static int
decide(struct perso_run *run)
{
	const struct perso_request *req = run->req;
	struct store *st = req->store;
	struct store_card other;
	int r;

	r = store_card_pending_by_serial(st, run->info.serial_hex, &run->row);
	if (r == 0)
		run->have_row = 1;
	else if (r != NHI_ENOTFOUND)
		return r;
	err_clear();

	if (run->info.nhi_present && run->info.nhi_lcs == CARD_LCS_ACTIVATED) {
		perso_step(run, "read_back");
		if ((r = card_select_nhi(run->card, run->prof, &run->nhi)) != 0)
			return r;
		if (!run->nhi.has_record)
			return err_set(NHI_ECARD_UNKNOWN, "card %s: its NHI AP is active but"
			    " holds no key record: not a card of this profile",
			    run->info.serial_hex);
		r = store_card_by_user_number(st, run->nhi.rec.user_number, &other);
		if (r == NHI_ENOTFOUND)
			return err_reason(err_set(NHI_ESTATE, "card %s carries an active NHI AP that was"
			    " not issued by this station; it cannot be personalized here",
			    run->info.serial_hex), "card.not_ours");
		if (r != 0)
			return r;
		if (strcmp(other.state, "active") == 0) {
			/* An issue killed after the card was recorded active,
			 * run again with the same card: finish what follows. */
			if (req->issue_finished != NULL && other.resident_id == req->resident_id &&
			    strcmp(other.card_serial, run->info.serial_hex) == 0 &&
			    (!run->have_row || run->row.id == other.id) &&
			    !req->issue_finished(req->hook_arg, other.id)) {
				run->row = other;
				run->have_row = 1;
				run->plan = PLAN_DONE;
				return 0;
			}
			return refuse_active(run, &other);
		}
		if (strcmp(other.state, "revoked") == 0) {
			/* Lock when presented (docs/lifecycle.md). */
			run->revoked = other;
			run->plan = PLAN_LOCK;
			return 0;
		}
		if (strcmp(other.state, "suspended") == 0)
			return err_reason(err_set(NHI_ESTATE, "card %s: its NHI key (card record %lld) is"
			    " suspended (reported lost): if the card was found, reinstate it"
			    " with 'nhicard reinstate --card %lld'", run->info.serial_hex,
			    (long long)other.id, (long long)other.id), "card.suspended");
		if (strcmp(other.state, "personalizing") != 0 &&
		    strcmp(other.state, "unfinished") != 0)
			return err_reason(err_set(NHI_ESTATE, "card %s: its NHI AP is still usable but"
			    " its key (card record %lld) is %s: lock the card with 'nhicard"
			    " card lock' first, then issue again", run->info.serial_hex,
			    (long long)other.id, other.state), "card.state_conflict");
		if (!run->have_row || other.id != run->row.id)
			return err_reason(err_set(NHI_ESTATE, "card %s: its NHI AP belongs to card record"
			    " %lld, which is not this card's unfinished personalization",
			    run->info.serial_hex, (long long)other.id), "card.state_conflict");
		run->plan = PLAN_FINISH;
	} else if (run->info.nhi_present && run->info.nhi_lcs == CARD_LCS_CREATION) {
		if (!run->have_row)
			return err_reason(err_set(NHI_ESTATE, "card %s holds an unfinished NHI AP that this"
			    " station did not start; it cannot be personalized here",
			    run->info.serial_hex), "card.not_ours");
		run->plan = PLAN_RESTART;
	} else if (run->info.nhi_present && run->info.nhi_lcs == CARD_LCS_DEACTIVATED) {
		r = store_card_latest_by_serial(st, run->info.serial_hex, &other);
		if (r == NHI_ENOTFOUND)
			return err_reason(err_set(NHI_ESTATE, "card %s holds a locked NHI AP that was not"
			    " issued by this station", run->info.serial_hex), "card.not_ours");
		if (r != 0)
			return r;
		if (run->have_row)
			run->plan = PLAN_RESTART;	/* a re-key torn before: go on */
		else if (strcmp(other.state, "revoked") == 0)
			run->plan = PLAN_REKEY;
		else
			return err_reason(err_set(NHI_ESTATE, "card %s: its NHI AP is locked but its key"
			    " (card record %lld) is %s, not revoked: unlock it with 'nhicard"
			    " card unlock' or revoke the key first", run->info.serial_hex,
			    (long long)other.id, other.state), "card.state_conflict");
		if (run->plan == PLAN_REKEY && other.resident_id != req->resident_id)
			return err_reason(err_set(NHI_ESTATE, "card %s: its revoked NHI key belonged to"
			    " another resident (card record %lld)", run->info.serial_hex,
			    (long long)other.id), "card.state_conflict");
	} else if (run->info.nhi_present) {
		return err_set(NHI_ECARD_UNKNOWN, "card %s: its NHI AP has life cycle status"
		    " %02X, which this profile does not use", run->info.serial_hex,
		    run->info.nhi_lcs);
	} else
		run->plan = run->have_row ? PLAN_RESTART : PLAN_NEW;

	if (run->have_row && run->row.resident_id != req->resident_id)
		return err_reason(err_set(NHI_ESTATE, "card %s has an unfinished personalization for"
		    " another resident (card record %lld); finish that one first",
		    run->info.serial_hex, (long long)run->row.id), "card.unfinished_other");
	/* A person holds at most one active NHI key. */
	r = store_card_active_for_resident(st, req->resident_id, &other);
	if (r == 0)
		return err_reason(err_set(NHI_ESTATE, "the resident already has an active NHI card"
		    " (card record %lld, serial %s): revoke or lock that key first",
		    (long long)other.id, other.card_serial), "card.holder_has_active");
	if (r != NHI_ENOTFOUND)
		return r;
	err_clear();
	return 0;
}

/*
 * A card whose NHI AP is still usable but whose key was revoked (replaced,
 * stolen, holder died, eligibility ended) is locked as soon as it is
 * presented (DEACTIVATE FILE, a "locked" event), and nothing else is
 * written: the clerk is told, and may issue again to re-key it.
 */
static int
lock_presented(struct perso_run *run)
{
	const struct store_card *old = &run->revoked;
	int r;

	r = card_set_locked(run->card, run->prof, run->req->keys, run->req->store, 1, NULL);
	if (r != 0)
		return err_wrap(r, "card %s: its NHI key (card record %lld) is revoked (%s)"
		    " but locking its NHI AP failed: ", run->info.serial_hex,
		    (long long)old->id, old->state_reason);
	log_info("card record %lld: revoked key presented, NHI AP locked", (long long)old->id);
	return err_reason(err_set(NHI_ESTATE, "card %s: its NHI key (card record %lld) is revoked (%s);"
	    " its NHI AP has now been locked (LCS 04) and the card stays revoked%s",
	    run->info.serial_hex, (long long)old->id,
	    old->state_reason[0] ? old->state_reason : "no reason recorded",
	    strcmp(old->state_reason, "replaced") == 0 ? ": a replacement was issued" :
	    "; issue again to give the card a new key"), "card.revoked_locked");
}

/*
 * The card's kind, from what it holds (docs/card-profile.md 1, "Card
 * kinds"): a standalone card by its family; a Juki card whose free area
 * (the SD) has no child at all is newly issued, any other Juki card is an
 * existing one.
 */
static const char *
card_kind_found(const struct card_info *info)
{
	if (info->family == CARD_FAMILY_STANDALONE)
		return "standalone";
	return info->child_count == 0 ? "juki_new" : "juki_existing";
}

/* The card's family must fit the clerk's path (before anything else). */
static int
check_family(struct perso_run *run)
{
	const struct perso_request *req = run->req;

	if (req->path == PERSO_PATH_STANDALONE) {
		if (run->info.family != CARD_FAMILY_STANDALONE)
			return err_reason(err_set(NHI_ESTATE, "card %s is a Juki card, not a standalone"
			    " card: put the standalone card in the reader, or choose the"
			    " Juki card path", run->info.serial_hex), "card.is_juki");
		return 0;
	}
	if (run->info.family != CARD_FAMILY_JUKI)
		return err_reason(err_set(NHI_ESTATE, "card %s is a standalone card, not a Juki card:"
		    " put the resident's Juki card in the reader, or choose the"
		    " standalone path", run->info.serial_hex), "card.is_standalone");
	return 0;
}

/*
 * The kind a new row gets: the card's, and the clerk's path must say the
 * same (the paths differ in fee and in what the clerk tells the
 * resident). A restarted or finished run keeps its row's kind: a torn
 * new-card run may have created the town area already.
 */
static int
check_path(struct perso_run *run, const char **kind)
{
	const struct perso_request *req = run->req;

	*kind = card_kind_found(&run->info);
	if (strcmp(*kind, "juki_new") == 0 && req->path == PERSO_PATH_EXISTING)
		return err_reason(err_set(NHI_ESTATE, "card %s is a newly issued Juki card (its free"
		    " area is empty), not an existing one: choose the new Juki card path"
		    " (--path new-juki), which has its own fee; nothing was written",
		    run->info.serial_hex), "card.is_new");
	if (strcmp(*kind, "juki_existing") == 0 && req->path == PERSO_PATH_NEW_JUKI)
		return err_reason(err_set(NHI_ESTATE, "card %s is not a newly issued Juki card: its"
		    " free area already holds %s; choose the existing-card path (--path"
		    " existing); nothing was written", run->info.serial_hex,
		    run->info.town_present ? "this town's area" : "other applications"),
		    "card.not_new");
	return 0;
}

/* Insert the row (new user number, next key generation), retrying when
 * the random user number collides. */
static int
new_row(struct perso_run *run, const char *kind)
{
	const struct perso_request *req = run->req;
	struct store_card *c = &run->row;
	char detail[160];
	int r, gen, tries;

	if ((r = store_card_max_generation(req->store, req->resident_id, &gen)) != 0)
		return r;
	memset(c, 0, sizeof(*c));
	c->resident_id = req->resident_id;
	snprintf(c->kind, sizeof(c->kind), "%s", kind);
	snprintf(c->card_serial, sizeof(c->card_serial), "%s", run->info.serial_hex);
	c->key_generation = gen + 1;
	c->fee_yen = req->fee_yen;
	c->fee_waived = req->fee_waived;
	snprintf(detail, sizeof(detail), "%s card, key generation %d%s%s%s",
	    kind, c->key_generation, run->plan == PLAN_REKEY ? ", re-key" : "",
	    req->fee_reason != NULL ? ", fee waived: " : "",
	    req->fee_reason != NULL ? req->fee_reason : "");
	for (tries = 0; tries < PERSO_USER_NUMBER_TRIES; tries++) {
		if (req->prepared_user_number != NULL && tries == 0)
			memcpy(c->user_number, req->prepared_user_number, CARD_USER_NUMBER_LEN);
		else if (req->test_user_number != NULL && tries == 0)
			memcpy(c->user_number, req->test_user_number, CARD_USER_NUMBER_LEN);
		else if ((r = crypto_random(c->user_number, CARD_USER_NUMBER_LEN)) != 0)
			return r;
		r = store_card_insert(req->store, c, detail);
		if (r != NHI_EDUPLICATE)
			break;
		if (req->prepared_user_number != NULL) {
			/* A prepared number is reserved for its batch item (and
			 * may be in a card bureau's file): never replace it by a
			 * random one. */
			char fp[9];

			card_user_number_fingerprint(c->user_number, fp);
			r = err_set(NHI_EDUPLICATE, "card %s: the prepared user number %s..."
			    " is already on another card record; nothing was written",
			    run->info.serial_hex, fp);
			break;
		}
		log_warn("user number collision, drawing another (try %d)", tries + 1);
	}
	if (r == 0)
		run->have_row = 1;
	return r;
}

static int
new_row_call(void *arg)
{
	struct perso_run *run = arg;

	return new_row(run, run->row_kind);
}

/*
 * The new row is inserted and committed (an fsync) on a second thread
 * while this one opens the secure channel, which changes nothing on the
 * card that the store must know of (docs/personalization.md "Overlap");
 * row_ready waits for it before the first write. Nothing here touches the
 * store nor run->row between the two.
 */
static void
new_row_start(struct perso_run *run, const char *kind)
{
	run->row_kind = kind;
	run->row_pending = 1;
	bgcall_start(&run->row_bg, new_row_call, run, !store_threads_ok());
}

static int
row_ready(struct perso_run *run)
{
	int r;

	if (!run->row_pending)
		return 0;
	run->row_pending = 0;
	if ((r = bgcall_join(&run->row_bg)) != 0)
		run->row_failed = 1;
	return r;
}

/* Record the failure on the row, keep the original error for the caller. */
static int
mark_unfinished(struct perso_run *run, int err)
{
	char *why = xstrdup(err_text(err)), reason[256];
	int r;

	snprintf(reason, sizeof(reason), "%s: %s", nhi_errname(err), why);
	r = store_card_set_state(run->req->store, run->row.id, "personalizing,unfinished",
	    "unfinished", run->step, reason, "personalize_failed", reason);
	if (r != 0)
		err = err_set(err, "%s (and recording it failed: %s)", why, err_text(r));
	else
		err = err_set(err, "%s; card record %lld is unfinished at step %s: put the"
		    " same card back and issue again to finish", why,
		    (long long)run->row.id, run->step);
	free(why);
	return err;
}

int
card_personalize(struct card *card, const struct perso_request *req,
    struct perso_result *out)
{
	struct perso_run run;
	struct perso_result res;
	unsigned long apdus0 = card->apdus;
	const char *kind = NULL;
	char detail[96], issued[11];
	int r, began = 0, selected = 0;

	memset(&run, 0, sizeof(run));
	memset(&res, 0, sizeof(res));
	run.req = req;
	run.prof = req->prof;
	run.card = card;
	run.resp = xmalloc(sizeof(*run.resp));
	run.t0 = time_mono_ns();
	{
		struct timespec ts;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		run.cpu0 = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	}
	perso_step(&run, "recognize");

	if ((r = card_profile_atr_check(req->prof, card->atr, card->atrlen)) != 0)
		goto out;
	if ((r = card_begin(card)) != 0)
		goto out;
	began = 1;
	if ((r = card_recognize(card, req->prof, &run.info)) != 0 ||
	    (r = check_family(&run)) != 0)
		goto out;
	perso_step(&run, "match");
	if (run.info.has_juki && (r = card_items_match(&run.info.items, &req->person)) != 0)
		goto out;
	perso_step(&run, "decide");
	if ((r = decide(&run)) != 0)
		goto out;
	if ((run.plan == PLAN_NEW || run.plan == PLAN_REKEY) &&
	    (r = check_path(&run, &kind)) != 0)
		goto out;
	if (run.plan != PLAN_LOCK && req->cancel != NULL && req->cancel(req->hook_arg)) {
		r = err_set(NHI_ECANCELLED, "cancelled before anything was written: the card"
		    " and the store are unchanged");
		goto out;
	}
	if (run.plan == PLAN_LOCK) {
		(void)card_end(card);
		began = 0;
		r = lock_presented(&run);
		goto out;
	}
	selected = run.plan == PLAN_FINISH || run.plan == PLAN_DONE;
	perso_trace(&run, "decided after");

	switch (run.plan) {
	case PLAN_NEW:
	case PLAN_REKEY:
		new_row_start(&run, kind);
		res.action = run.plan == PLAN_REKEY ? "re-keyed" : "personalized";
		break;
	case PLAN_RESTART:
		snprintf(detail, sizeof(detail), "restart after step %s",
		    run.row.step[0] ? run.row.step : "?");
		if ((r = store_card_set_state(req->store, run.row.id,
		    "personalizing,unfinished", "personalizing", "restart", NULL,
		    "personalize_restart", detail)) != 0)
			goto out;
		res.action = "restarted";
		break;
	case PLAN_FINISH:
		res.action = "finished";
		break;
	case PLAN_DONE:
		res.action = "already issued";
		break;
	case PLAN_LOCK:
		break;
	}
	/* A new row is still committing on its thread (new_row_start). */
	perso_trace(&run, run.row_pending ? "store row started after" : "store row ready after");
	if (run.plan != PLAN_FINISH && run.plan != PLAN_DONE &&
	    (r = write_card(&run, &res)) != 0) {
		if (!run.row_failed)
			r = mark_unfinished(&run, r);
		goto out;
	}
	perso_trace(&run, "written after");
	if ((r = read_back(&run, selected)) != 0) {
		/* An active card that does not answer stays active: it is
		 * the card's problem, not an unfinished personalization. */
		if (run.plan != PLAN_DONE)
			r = mark_unfinished(&run, r);
		goto out;
	}
	perso_trace(&run, "read back after");
	snprintf(detail, sizeof(detail), "read back and challenge verified (%lu APDUs)",
	    card->apdus - apdus0);
	snprintf(issued, sizeof(issued), "%.4s-%.2s-%.2s", run.nhi.rec.issue_date,
	    run.nhi.rec.issue_date + 4, run.nhi.rec.issue_date + 6);
	perso_step(&run, "record");
	if (run.plan != PLAN_DONE && (r = queue_card_activate(req->store, run.row.id,
	    run.nhi.rec.public_key, CARD_PUBKEY_LEN, run.nhi.rec.raw, run.nhi.rec.raw_len,
	    issued, detail)) != 0)
		goto out;
	perso_trace(&run, "recorded active after");
	res.card_id = run.row.id;
	snprintf(res.kind, sizeof(res.kind), "%s", run.row.kind);
	snprintf(res.serial_hex, sizeof(res.serial_hex), "%s", run.info.serial_hex);
	res.key_generation = run.row.key_generation;
	memcpy(res.user_number, run.row.user_number, CARD_USER_NUMBER_LEN);
	res.other_apps = run.info.other_apps;
	res.apdus = card->apdus - apdus0;
	*out = res;
	r = 0;
out:
	if (run.row_pending) {
		int r2 = row_ready(&run);

		if (r == 0)
			r = r2;
	}
	if (began)
		perso_end(card, r);
	scp03_close(run.sc);
	util_wipe(&run.rec, sizeof(run.rec));
	free(run.resp);
	return r;
}

/* ---- Locking (section 6) ----------------------------------------------- */

int
card_set_locked(struct card *card, const struct card_profile *prof,
    struct card_keys *keys, struct store *store, int lock, char *serial_hex)
{
	struct perso_request req;
	struct perso_run run;
	struct scp03_keyset ks;
	struct store_card row;
	uint8_t ref[CARD_AID_MAX + 2];
	size_t n;
	int r, began = 0, have_row = 0;

	memset(&run, 0, sizeof(run));
	memset(&req, 0, sizeof(req));
	memset(&ks, 0, sizeof(ks));
	req.prof = prof;
	req.keys = keys;
	req.store = store;
	run.req = &req;
	run.prof = prof;
	run.card = card;
	run.resp = xmalloc(sizeof(*run.resp));
	run.step = "recognize";
	if ((r = card_begin(card)) != 0)
		goto out;
	began = 1;
	if ((r = card_recognize(card, prof, &run.info)) != 0)
		goto out;
	if (serial_hex != NULL)
		snprintf(serial_hex, 2 * CARD_SERIAL_LEN + 1, "%s", run.info.serial_hex);
	if (!run.info.nhi_present) {
		r = err_reason(err_set(NHI_ESTATE, "card %s has no NHI AP to %s", run.info.serial_hex,
		    lock ? "lock" : "unlock"), "card.no_ap");
		goto out;
	}
	if (lock ? run.info.nhi_lcs == CARD_LCS_DEACTIVATED :
	    run.info.nhi_lcs == CARD_LCS_ACTIVATED) {
		r = err_reason(err_set(NHI_ESTATE, "card %s: its NHI AP is already %s",
		    run.info.serial_hex, lock ? "locked" : "unlocked"), "card.already_locked");
		goto out;
	}
	if (run.info.nhi_lcs == CARD_LCS_CREATION) {
		r = err_reason(err_set(NHI_ESTATE, "card %s: its NHI AP is unfinished (LCS 01); finish"
		    " the personalization instead", run.info.serial_hex), "card.unfinished");
		goto out;
	}
	if (store != NULL) {
		r = store_card_latest_by_serial(store, run.info.serial_hex, &row);
		if (r == 0)
			have_row = 1;
		else if (r != NHI_ENOTFOUND)
			goto out;
		err_clear();
		if (!lock && have_row && strcmp(row.state, "active") != 0) {
			r = err_reason(err_set(NHI_ESTATE, "card %s: its key (card record %lld) is %s in"
			    " the store; a locked card is unlocked only while its key is"
			    " active", run.info.serial_hex, (long long)row.id, row.state), "card.state_conflict");
			goto out;
		}
	}
	if ((r = open_channel(&run, prof->kvn, &ks)) != 0)
		goto out;
	n = aid_ref(prof->aid_nhi, prof->aid_nhi_len, ref, sizeof(ref));
	run.step = lock ? "deactivate" : "activate";
	if ((r = sc_cmd(&run, 0x00, lock ? 0x04 : 0x44, 0x04, 0x00, ref, n, 0,
	    0x9000)) != 0)
		goto out;
	if (have_row && (r = store_card_event(store, row.id, lock ? "locked" : "unlocked",
	    lock ? "NHI AP deactivated (LCS 04)" : "NHI AP activated (LCS 05)")) != 0)
		goto out;
	r = 0;
out:
	if (began)
		perso_end(card, r);
	crypto_scp03_keyset_wipe(&ks);
	scp03_close(run.sc);
	free(run.resp);
	return r;
}

/* ---- The card bureau's two passes (nhicard-bureau) --------------------- */

/* Start a storeless run: the card transaction begun, the card recognized. */
static int
bureau_begin(struct perso_run *run, struct perso_request *req, struct card *card,
    const struct card_profile *prof, struct card_keys *keys, int *began)
{
	int r;

	*began = 0;
	memset(run, 0, sizeof(*run));
	memset(req, 0, sizeof(*req));
	req->prof = prof;
	req->keys = keys;
	run->req = req;
	run->prof = prof;
	run->card = card;
	run->resp = xmalloc(sizeof(*run->resp));
	run->step = "recognize";
	if ((r = card_profile_atr_check(prof, card->atr, card->atrlen)) != 0 ||
	    (r = card_begin(card)) != 0)
		return r;
	*began = 1;
	if ((r = card_recognize(card, prof, &run->info)) != 0)
		return r;
	if (run->info.family != CARD_FAMILY_STANDALONE || run->info.has_juki)
		return err_set(NHI_ESTATE, "card %s is not a standalone card: a bureau makes"
		    " standalone cards only", run->info.serial_hex);
	return 0;
}

static void
bureau_finish(struct perso_run *run, int began, int r)
{
	scp03_close(run->sc);
	run->sc = NULL;
	if (began)
		perso_end(run->card, r);
	free(run->resp);
}

int
card_bureau_generate(struct card *card, const struct card_profile *prof,
    struct card_keys *keys, char serial_hex[2 * CARD_SERIAL_LEN + 1],
    uint8_t pub[CARD_PUBKEY_LEN])
{
	struct perso_request req;
	struct perso_run run;
	struct scp03_keyset ks;
	uint8_t ref[CARD_AID_MAX + 2];
	struct tlv pk, pt;
	size_t n;
	int r, began;

	memset(&ks, 0, sizeof(ks));
	r = bureau_begin(&run, &req, card, prof, keys, &began);
	if (r != 0)
		goto out;
	snprintf(serial_hex, 2 * CARD_SERIAL_LEN + 1, "%s", run.info.serial_hex);
	if (run.info.nhi_present || card_info_has_kvn(&run.info, prof->kvn) ||
	    !card_info_has_kvn(&run.info, prof->transport_kvn)) {
		r = err_set(NHI_ESTATE, "card %s is not a blank card (it holds %s)",
		    run.info.serial_hex, run.info.nhi_present ? "an NHI AP" : "other keys");
		goto out;
	}
	if ((r = open_channel(&run, prof->transport_kvn, &ks)) != 0 ||
	    (r = put_key(&run, &ks)) != 0)
		goto out;
	if (!run.info.town_present) {
		perso_step(&run, "create_town");
		if ((r = create_df(&run, prof->aid_town, prof->aid_town_len, prof->aid_sd,
		    prof->aid_sd_len, CARD_LCS_ACTIVATED)) != 0)
			goto out;
	}
	perso_step(&run, "create_nhi");
	if ((r = create_df(&run, prof->aid_nhi, prof->aid_nhi_len, prof->aid_town,
	    prof->aid_town_len, CARD_LCS_CREATION)) != 0)
		goto out;
	perso_step(&run, "generate_key");
	n = aid_ref(prof->aid_nhi, prof->aid_nhi_len, ref, sizeof(ref));
	if ((r = sc_cmd(&run, 0x00, 0x46, 0x00, 0x81, ref, n, 1, 0x9000)) != 0)
		goto out;
	if (tlv_find(run.resp->data, run.resp->len, 0x7F49, &pt) != 0 ||
	    tlv_find(pt.value, pt.len, 0x86, &pk) != 0 || pk.len != CARD_PUBKEY_LEN ||
	    pk.value[0] != 0x04) {
		r = err_set(NHI_ECARD_PROTO, "card %s: GENERATE ASYMMETRIC KEY PAIR did not"
		    " answer an uncompressed P-256 public key", run.info.serial_hex);
		goto out;
	}
	memcpy(pub, pk.value, CARD_PUBKEY_LEN);
	r = 0;
out:
	crypto_scp03_keyset_wipe(&ks);
	bureau_finish(&run, began, r);
	return r;
}

int
card_bureau_write(struct card *card, const struct card_profile *prof,
    struct card_keys *keys, const uint8_t *record, size_t len,
    char serial_hex[2 * CARD_SERIAL_LEN + 1])
{
	struct perso_request req;
	struct perso_run run;
	struct scp03_keyset ks;
	uint8_t ref[CARD_AID_MAX + 2], data[CARD_AID_MAX + 2 + sizeof(run.rec.raw)];
	size_t n;
	int r, began;

	memset(&ks, 0, sizeof(ks));
	r = bureau_begin(&run, &req, card, prof, keys, &began);
	if (r != 0)
		goto out;
	snprintf(serial_hex, 2 * CARD_SERIAL_LEN + 1, "%s", run.info.serial_hex);
	if (!run.info.nhi_present || run.info.nhi_lcs != CARD_LCS_CREATION) {
		r = err_set(NHI_ESTATE, "card %s: its NHI AP is %s, not keyed and waiting for"
		    " its record", run.info.serial_hex, run.info.nhi_present ? "active or locked" :
		    "missing");
		goto out;
	}
	if (len > sizeof(run.rec.raw) || card_key_record_parse(record, len, &run.rec) != 0) {
		r = err_set(NHI_EPARSE, "card %s: the signed record does not parse",
		    run.info.serial_hex);
		goto out;
	}
	if ((r = open_channel(&run, prof->kvn, &ks)) != 0)
		goto out;
	n = aid_ref(prof->aid_nhi, prof->aid_nhi_len, ref, sizeof(ref));
	perso_step(&run, "put_record");
	memcpy(data, ref, n);
	memcpy(data + n, record, len);
	if ((r = sc_cmd(&run, 0x00, 0xDA, 0x00, 0x70, data, n + len, 0, 0x9000)) != 0)
		goto out;
	perso_step(&run, "activate");
	if ((r = sc_cmd(&run, 0x00, 0x44, 0x04, 0x00, ref, n, 0, 0x9000)) != 0)
		goto out;
	scp03_close(run.sc);
	run.sc = NULL;
	/* Read back (byte for byte what was written) and challenge (the key
	 * in the record is the card's own). */
	r = read_back(&run, 0);
out:
	crypto_scp03_keyset_wipe(&ks);
	bureau_finish(&run, began, r);
	return r;
}

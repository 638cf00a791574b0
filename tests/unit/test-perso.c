/*
 * Unit tests of card personalization: the profile's parsers and checks,
 * and the whole flow replayed from APDU transcripts recorded from the
 * emulator (tests/data/perso-*.apdu, written by bench/card-bench --record
 * with the fixed test values below). A change in the APDUs the station
 * sends makes the scripted transport fail, so these tests catch it.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "card.h"
#include "card-perso.h"
#include "error.h"
#include "nhiconf.h"
#include "store.h"
#include "util.h"

/* The values card-bench --record uses. */
static const uint8_t host_chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static uint8_t user_number[16], challenge[32], signature[64];

struct fixture {
	char			 dir[64];
	struct config		*cfg;
	struct card_profile	 prof;
	struct card_keys	*keys;
	struct store		*st;
	struct perso_request	 req;
	int64_t			 resident;
};

static const char *
srcdir(void)
{
	const char *d = getenv("top_srcdir");

	return d != NULL ? d : ".";
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct resident r;
	char *path, *keys;

	memset(user_number, 0x11, sizeof(user_number));
	memset(challenge, 0x22, sizeof(challenge));
	memset(signature, 0x33, sizeof(signature));
	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-perso.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->cfg = config_new();
	keys = xasprintf("%s/keys", srcdir());
	config_set(f->cfg, "keys.dir", keys);
	free(keys);
	config_set(f->cfg, "station.mode", "test");
	config_set(f->cfg, "station.municipality_code", "131016");
	config_set(f->cfg, "station.insurer_number", "133116");
	if (card_profile_load(f->cfg, &f->prof) != 0 ||
	    card_keys_load(f->cfg, &f->prof, &f->keys) != 0)
		return -1;
	path = xasprintf("%s/s.db", f->dir);
	if (store_open(path, STORE_CREATE, &f->st) != 0)
		return -1;
	free(path);
	memset(&r, 0, sizeof(r));
	r.name_kanji = (char *)"試験 太郎0";
	r.name_kana = (char *)"シケン タロウ";
	snprintf(r.birth_date, sizeof(r.birth_date), "1980-04-01");
	r.sex = 1;
	r.address = (char *)"東京都千代田区千代田1-1";
	r.household_code = (char *)"";
	r.nationality = (char *)"";
	r.residence_status = (char *)"";
	if (store_resident_add(f->st, &r) != 0)
		return -1;
	f->resident = r.id;
	f->req.prof = &f->prof;
	f->req.store = f->st;
	f->req.keys = f->keys;
	f->req.resident_id = r.id;
	f->req.person.name = "試験 太郎0";
	f->req.person.birth_date = "1980-04-01";
	f->req.person.sex = 1;
	f->req.person.address = "東京都千代田区千代田1-1";
	f->req.path = PERSO_PATH_EXISTING;
	snprintf(f->req.issue_date, sizeof(f->req.issue_date), "20250401");
	f->req.test_host_challenge = host_chal;
	f->req.test_user_number = user_number;
	f->req.test_challenge = challenge;
	f->req.test_signature = signature;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->st);
	card_keys_free(f->keys);
	config_free(f->cfg);
	(void)system(cmd);
	free(cmd);
	free(f);
	return 0;
}

static char *
transcript(const char *name)
{
	char *path = xasprintf("%s/tests/data/%s", srcdir(), name), *text = NULL;
	size_t len;

	assert_int_equal(fs_read_file(path, 1 << 20, &text, &len), 0);
	free(path);
	return text;
}

static void
replay_ok(struct fixture *f, const char *file, enum perso_path path, const char *kind,
    unsigned long apdus)
{
	struct perso_result res;
	struct store_card row;
	struct card *card = NULL;
	char *path_s = xasprintf("%s/tests/data/%s", srcdir(), file);

	f->req.path = path;
	assert_int_equal(card_script_open(path_s, &card), 0);
	if (card_personalize(card, &f->req, &res) != 0)
		fail_msg("%s: %s", file, err_text(err_last()));
	assert_true(card_script_done(card));
	assert_int_equal(res.apdus, apdus);
	assert_string_equal(res.kind, kind);
	assert_string_equal(res.action, "personalized");
	assert_int_equal(res.key_generation, 1);
	assert_memory_equal(res.user_number, user_number, 16);
	assert_int_equal(store_card_get(f->st, res.card_id, &row), 0);
	assert_string_equal(row.state, "active");
	assert_string_equal(row.issued_on, "2025-04-01");
	assert_int_equal(row.public_key_len, 65);
	assert_true(row.key_record_len > 200);
	card_close(card);
	free(path_s);
}

static void
test_replay_existing_juki(void **state)
{
	replay_ok(*state, "perso-juki.apdu", PERSO_PATH_EXISTING, "juki_existing", 11);
}

static void
test_replay_new_juki(void **state)
{
	replay_ok(*state, "perso-juki-new.apdu", PERSO_PATH_NEW_JUKI, "juki_new", 12);
}

static void
test_replay_standalone(void **state)
{
	replay_ok(*state, "perso-standalone.apdu", PERSO_PATH_STANDALONE, "standalone", 12);
}

/* The existing-card transcript cut after `n` exchanges, the card then
 * removed. */
static char *
torn_text(const char *text, int n)
{
	const char *p = text;
	char *out;
	int seen = 0;

	while (*p != '\0') {
		if (*p == '>' && seen++ == n)
			break;
		p = strchr(p, '\n');
		p = p == NULL ? text + strlen(text) : p + 1;
	}
	out = xmalloc((size_t)(p - text) + 16);
	memcpy(out, text, (size_t)(p - text));
	strcpy(out + (p - text), "!removed\n");
	return out;
}

static void
test_torn_at_every_apdu(void **state)
{
	struct fixture *f = *state;
	char *text = transcript("perso-juki.apdu"), *torn, sql_state[16];
	struct perso_result res;
	struct store_card row;
	struct card *card;
	int n, r;

	for (n = 0; n < 11; n++) {
		torn = torn_text(text, n);
		card = NULL;
		assert_int_equal(card_script_open_mem("torn", torn, &card), 0);
		r = card_personalize(card, &f->req, &res);
		assert_int_equal(r, NHI_ECARD_REMOVED);
		/* Before SELECT SD answered (3 exchanges) there is no row. */
		r = store_card_get(f->st, 1, &row);
		if (n < 3)
			assert_int_equal(r, NHI_ENOTFOUND);
		else {
			assert_int_equal(r, 0);
			snprintf(sql_state, sizeof(sql_state), "%s", row.state);
			assert_string_equal(sql_state, "unfinished");
			assert_true(row.step[0] != '\0');
			assert_non_null(strstr(row.state_reason, "CARD_REMOVED"));
		}
		card_close(card);
		free(torn);
	}
	/* The retry against the whole transcript finishes on the same row
	 * (the card of the transcript is blank again: restart). */
	card = NULL;
	assert_int_equal(card_script_open_mem("retry", text, &card), 0);
	assert_int_equal(card_personalize(card, &f->req, &res), 0);
	assert_int_equal(res.card_id, 1);
	assert_string_equal(res.action, "restarted");
	assert_int_equal(store_card_get(f->st, 1, &row), 0);
	assert_string_equal(row.state, "active");
	card_close(card);
	free(text);
}

static void
test_changed_flow_fails(void **state)
{
	struct fixture *f = *state;
	char *text = transcript("perso-juki.apdu"), *p;
	struct perso_result res;
	struct card *card = NULL;
	int r;

	/* Another insurer number changes the PUT DATA the station sends. */
	snprintf(f->prof.insurer_number, sizeof(f->prof.insurer_number), "01040013");
	assert_int_equal(card_script_open_mem("changed", text, &card), 0);
	r = card_personalize(card, &f->req, &res);
	assert_int_equal(r, NHI_ECARD_PROTO);
	assert_non_null(p = strstr(err_detail(), "command differs from the script"));
	assert_non_null(strstr(p, "unfinished at step put_record"));
	card_close(card);
	free(text);
}

static void
test_wrong_person(void **state)
{
	struct fixture *f = *state;
	struct perso_result res;
	struct card *card = NULL;
	char *text = transcript("perso-juki.apdu");
	int64_t n;

	f->req.person.address = "東京都千代田区千代田1-2";
	assert_int_equal(card_script_open_mem("wrong", text, &card), 0);
	assert_int_equal(card_personalize(card, &f->req, &res), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), "address differs"));
	assert_null(strstr(err_detail(), "千代田"));
	assert_int_equal(store_count(f->st, "cards", &n), 0);
	assert_int_equal(n, 0);
	card_close(card);
	free(text);
}

/* ---- progress and the cancel point ---- */

struct hooks {
	char	 steps[512];
	int	 asked;		/* cancel() calls */
	int	 answer;	/* what cancel() says */
};

static void
hook_progress(void *arg, const char *step)
{
	struct hooks *h = arg;
	size_t n = strlen(h->steps);

	snprintf(h->steps + n, sizeof(h->steps) - n, "%s%s", n > 0 ? "," : "", step);
}

static int
hook_cancel(void *arg)
{
	struct hooks *h = arg;

	h->asked++;
	return h->answer;
}

/* A cancel asked for after recognition: nothing written, not to the card
 * (no secure channel opened) and not to the store. */
static void
test_cancel_before_write(void **state)
{
	struct fixture *f = *state;
	struct perso_result res;
	struct card *card = NULL;
	struct hooks h;
	char *text = transcript("perso-juki.apdu");
	int64_t n;

	memset(&h, 0, sizeof(h));
	h.answer = 1;
	f->req.progress = hook_progress;
	f->req.cancel = hook_cancel;
	f->req.hook_arg = &h;
	assert_int_equal(card_script_open_mem("cancel", text, &card), 0);
	assert_int_equal(card_personalize(card, &f->req, &res), NHI_ECANCELLED);
	if (strstr(err_detail(), "before anything was written") == NULL)
		fail_msg("detail: %s", err_detail());
	assert_int_equal(h.asked, 1);
	assert_string_equal(h.steps, "recognize,match,decide");
	assert_int_equal(store_count(f->st, "cards", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_count(f->st, "card_events", &n), 0);
	assert_int_equal(n, 0);
	assert_false(card_script_done(card));
	card_close(card);
	free(text);
}

/* A run not cancelled reports every step in order and is asked once. */
static void
test_progress_steps(void **state)
{
	struct fixture *f = *state;
	struct hooks h;

	memset(&h, 0, sizeof(h));
	f->req.progress = hook_progress;
	f->req.cancel = hook_cancel;
	f->req.hook_arg = &h;
	replay_ok(f, "perso-juki.apdu", PERSO_PATH_EXISTING, "juki_existing", 11);
	assert_int_equal(h.asked, 1);
	assert_non_null(strstr(h.steps, "recognize,match,decide,open_channel,"));
	assert_non_null(strstr(h.steps, ",generate_key,"));
	assert_non_null(strstr(h.steps, ",read_back,challenge,record"));
	assert_int_equal(strcmp(h.steps + strlen(h.steps) - strlen("record"), "record"), 0);
}

/* ---- pure parts ---- */

static const uint8_t items_ok[] = {
	0xE0, 0x28,
	0xDF, 0x21, 0x03, 'A', 'B', 'C',
	0xDF, 0x22, 0x08, '1', '9', '8', '0', '0', '4', '0', '1',
	0xDF, 0x23, 0x01, '1',
	0xDF, 0x24, 0x04, 'T', 'o', 'w', 'n',
	0xDF, 0x25, 0x06, '1', '3', '1', '0', '1', '6',
	0xDF, 0x26, 0x00,
};

static void
test_items_parse(void **state)
{
	struct card_items it;
	uint8_t bad[sizeof(items_ok)];

	(void)state;
	assert_int_equal(card_items_parse(items_ok, sizeof(items_ok), &it), 0);
	assert_string_equal(it.name, "ABC");
	assert_string_equal(it.birth, "19800401");
	assert_string_equal(it.municipality, "131016");
	memcpy(bad, items_ok, sizeof(bad));
	bad[22] = '3';		/* sex */
	assert_int_equal(card_items_parse(bad, sizeof(bad), &it), NHI_ECARD_UNKNOWN);
	memcpy(bad, items_ok, sizeof(bad));
	bad[10] = 0x09;		/* a birth date of 9 bytes */
	assert_int_equal(card_items_parse(bad, sizeof(bad), &it), NHI_ECARD_UNKNOWN);
	assert_int_equal(card_items_parse(items_ok, 10, &it), NHI_ECARD_UNKNOWN);
}

static void
test_items_match_each(void **state)
{
	struct card_items it;
	struct card_person p = { "ABC", "1980-04-01", 1, "Town", 0 };
	struct card_person q;

	(void)state;
	assert_int_equal(card_items_parse(items_ok, sizeof(items_ok), &it), 0);
	assert_int_equal(card_items_match(&it, &p), 0);
	q = p; q.name = "ABD";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), ": name differs;"));
	q = p; q.birth_date = "1980-04-02";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), ": birth date differs;"));
	q = p; q.sex = 2;
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), ": sex differs;"));
	q = p; q.address = "Town2";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), ": address differs;"));
	q = p; q.name = "A B C";	/* blanks do not count */
	assert_int_equal(card_items_match(&it, &q), 0);
	q = p; q.sex = 2; q.address = "X";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_non_null(strstr(err_detail(), ": sex, address differ;"));
	/* The name differs only where the resident's name holds 外字: held
	 * for a supervisor (its own reason), a match once decided. */
	q = p; q.name = "A\xee\x80\x80" "C";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_string_equal(err_reason_of(NHI_EMISMATCH), "card.mismatch_gaiji");
	q.gaiji_decided = 1;
	assert_int_equal(card_items_match(&it, &q), 0);
	/* 外字 and another difference: another person, decided or not. */
	q = p; q.name = "A{SJIS:8540}C"; q.sex = 2; q.gaiji_decided = 1;
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_string_equal(err_reason_of(NHI_EMISMATCH), "card.mismatch");
	q = p; q.name = "X\xee\x80\x80" "C";
	assert_int_equal(card_items_match(&it, &q), NHI_EMISMATCH);
	assert_string_equal(err_reason_of(NHI_EMISMATCH), "card.mismatch");
}

static void
test_key_record_roundtrip(void **state)
{
	struct card_key_record rec, back;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	memset(rec.user_number, 0xAB, 16);
	strcpy(rec.insurer_number, "133116");
	strcpy(rec.municipality_code, "131016");
	rec.key_generation = 2;
	strcpy(rec.issue_date, "20250401");
	rec.kind = 3;
	rec.public_key[0] = 0x04;
	memset(rec.signer_id, 0x5A, 8);
	memset(rec.signature, 0x77, 64);
	assert_int_equal(card_key_record_encode(&rec), 0);
	assert_int_equal(card_key_record_seal(&rec), 0);
	assert_int_equal(card_key_record_parse(rec.raw, rec.raw_len, &back), 0);
	assert_memory_equal(back.user_number, rec.user_number, 16);
	assert_int_equal(back.key_generation, 2);
	assert_int_equal(back.kind, 3);
	assert_string_equal(back.insurer_number, "133116");
	assert_int_equal(back.signed_len, rec.signed_len);
	assert_memory_equal(back.raw + back.signed_off, rec.raw + rec.signed_off,
	    rec.signed_len);
	/* Truncated, or a field out of order: refused, naming the field. */
	assert_int_equal(card_key_record_parse(rec.raw, rec.raw_len - 1, &back),
	    NHI_ECARD_UNKNOWN);
	rec.raw[rec.signed_off + 1] = 0x02;	/* DF01 -> DF02 */
	assert_int_equal(card_key_record_parse(rec.raw, rec.raw_len, &back),
	    NHI_ECARD_UNKNOWN);
	assert_non_null(strstr(err_detail(), "user number"));
}

static void
test_profile_config(void **state)
{
	struct fixture *f = *state;
	struct card_profile p;
	static const uint8_t juki_atr[] = { 0x3b, 0x88, 0x80, 0x01, 'J', 'U', 'K', 'I',
	    'T', 'E', 'S', 'T', 0x02 };
	uint8_t other[sizeof(juki_atr)];

	assert_int_equal(f->prof.aid_town_len, 9);
	assert_int_equal(f->prof.aid_town[6], 0x13);
	assert_int_equal(f->prof.aid_town[8], 0x16);
	assert_int_equal(card_profile_atr_check(&f->prof, juki_atr, sizeof(juki_atr)), 0);
	memcpy(other, juki_atr, sizeof(other));
	other[12] ^= 1;
	assert_int_equal(card_profile_atr_check(&f->prof, other, sizeof(other)),
	    NHI_ECARD_UNKNOWN);
	config_set(f->cfg, "card.atr_allow", "3b8880014a554b4954455354ff/ffffffffffffffffffffffff00");
	assert_int_equal(card_profile_load(f->cfg, &p), 0);
	assert_int_equal(card_profile_atr_check(&p, other, sizeof(other)), 0);
	config_set(f->cfg, "card.atr_allow", "3b88/ff");
	assert_int_equal(card_profile_load(f->cfg, &p), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "card.atr_allow"));
	config_set(f->cfg, "card.atr_allow", "3b8880014a554b495445535402");
	config_set(f->cfg, "card.kvn", "zz");
	assert_int_equal(card_profile_load(f->cfg, &p), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "card.kvn"));
	config_set(f->cfg, "card.kvn", "30");
	config_set(f->cfg, "station.municipality_code", "131017");
	assert_int_equal(card_profile_load(f->cfg, &p), NHI_ECONFIG);
	assert_non_null(strstr(err_detail(), "station.municipality_code"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_existing_juki, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_new_juki, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_standalone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_at_every_apdu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_flow_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_person, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_before_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_steps, setup, teardown),
		cmocka_unit_test(test_items_parse),
		cmocka_unit_test(test_items_match_each),
		cmocka_unit_test(test_key_record_roundtrip),
		cmocka_unit_test_setup_teardown(test_profile_config, setup, teardown),
	};

	return cmocka_run_group_tests_name("perso", tests, NULL, NULL);
}

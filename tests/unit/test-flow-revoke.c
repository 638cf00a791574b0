/* Unit tests of the loss-report flow (flow-revoke.c) without a card or a
 * command: each bad request names its field and changes nothing; a
 * report changes the card's state, queues one revocation and tells the
 * caller through its events only (nothing on stdout); a second report on
 * a card already reported lost queues nothing; an unknown card is audited
 * as refused; a receipt that cannot be written leaves the report
 * recorded and says so. */
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

#include "error.h"
#include "flow.h"
#include "nhiconf.h"
#include "queue.h"
#include "session.h"
#include "store.h"
#include "util.h"

struct fixture {
	char		 dir[64];
	char		 path[96];
	struct session	 ctx;
	int64_t		 resident;
	int64_t		 card;
	/* What the events saw. */
	char		 steps[256];
	char		 notes[2048];
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct resident add = { 0 };
	struct store_card c;
	uint8_t pk[65] = { 0x04 }, rec[8] = { 0x70 };
	char *conf;

	snprintf(f->dir, sizeof(f->dir), "/tmp/nhicard-fr.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->ctx.progname = "nhicard";
	f->ctx.db_path = f->path;
	f->ctx.config_path = "test.conf";
	f->ctx.operator_login = "demo";
	f->ctx.cfg = config_new();
	conf = xasprintf("[print]\ntemplates_dir = %s/templates\n[rules]\nlaw = pilot\n",
	    getenv("top_srcdir") != NULL ? getenv("top_srcdir") : "..");
	if (config_parse(f->ctx.cfg, "test.conf", conf, strlen(conf)) != 0)
		return -1;
	free(conf);
	if (store_open(f->path, STORE_CREATE, &f->ctx.store) != 0)
		return -1;
	add.name_kanji = (char *)"山田 太郎";
	add.name_kana = (char *)"やまだ たろう";
	snprintf(add.birth_date, sizeof(add.birth_date), "1980-04-01");
	add.sex = 1;
	add.address = (char *)"千代田1-1";
	add.household_code = (char *)"";
	if (store_resident_add(f->ctx.store, &add) != 0)
		return -1;
	f->resident = add.id;
	memset(&c, 0, sizeof(c));
	c.resident_id = f->resident;
	snprintf(c.kind, sizeof(c.kind), "juki_existing");
	snprintf(c.card_serial, sizeof(c.card_serial), "00112233445566778899");
	memset(c.user_number, 7, sizeof(c.user_number));
	c.key_generation = 1;
	if (store_card_insert(f->ctx.store, &c, "test") != 0 ||
	    queue_card_activate(f->ctx.store, c.id, pk, sizeof(pk), rec, sizeof(rec),
	    "2026-11-25", "test") != 0)
		return -1;
	f->card = c.id;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);

	store_close(f->ctx.store);
	config_free(f->ctx.cfg);
	(void)system(cmd);
	free(cmd);
	free(f);
	return 0;
}

static void
ev_step(void *arg, const char *id)
{
	struct fixture *f = arg;
	size_t n = strlen(f->steps);

	snprintf(f->steps + n, sizeof(f->steps) - n, "%s%s", n > 0 ? "," : "", id);
}

static void
ev_note(void *arg, const char *text)
{
	struct fixture *f = arg;
	size_t n = strlen(f->notes);

	snprintf(f->notes + n, sizeof(f->notes) - n, "%s\n", text);
}

static int64_t
count(struct fixture *f, const char *table)
{
	int64_t n = -1;

	assert_int_equal(store_count(f->ctx.store, table, &n), 0);
	return n;
}

static void
base_request(struct revoke_request *req, const char *reason)
{
	memset(req, 0, sizeof(*req));
	req->who = "1";
	req->reason = reason;
	req->reported_by = "holder";
	req->how = "phone";
}

/* Bad requests: NHI_EUSAGE naming the field, and nothing changes. */
static void
test_bad_requests(void **state)
{
	struct fixture *f = *state;
	struct flow_events ev = { .step = ev_step, .note = ev_note, .arg = f };
	struct revoke_request req;
	struct revoke_result res;
	int64_t q0 = count(f, "queue_records"), e0 = count(f, "card_events");
	char longer[80];
	const struct {
		const char *field, *value, *want;
	} cases[] = {
		{ "reason", NULL, "--reason is required" },
		{ "reason", "misplaced", "--reason: expected lost, stolen" },
		{ "reason", "replaced", "--reason: expected lost, stolen" },
		{ "reported_by", NULL, "--reported-by is required" },
		{ "reported_by", "", "--reported-by is required" },
		{ "reported_by", longer, "--reported-by: at most 64 bytes" },
		{ "how", "fax", "--how: expected counter, phone or mail" },
		{ "how", NULL, "--how: expected counter, phone or mail" },
		{ "who", NULL, "expected RESIDENT or --card ID" },
	};
	size_t i;

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	for (i = 0; i < NHI_ARRAY_LEN(cases); i++) {
		base_request(&req, "lost");
		if (strcmp(cases[i].field, "reason") == 0)
			req.reason = cases[i].value;
		else if (strcmp(cases[i].field, "reported_by") == 0)
			req.reported_by = cases[i].value;
		else if (strcmp(cases[i].field, "how") == 0)
			req.how = cases[i].value;
		else
			req.who = cases[i].value;
		assert_int_equal(revoke_execute(&f->ctx, &req, &ev, &res), NHI_EUSAGE);
		assert_non_null(strstr(err_detail(), cases[i].want));
	}
	base_request(&req, "died");
	req.replace = 1;
	assert_int_equal(revoke_execute(&f->ctx, &req, &ev, &res), NHI_EUSAGE);
	assert_non_null(strstr(err_detail(), "no replacement is issued when the holder died"));
	assert_int_equal(count(f, "queue_records"), q0);
	assert_int_equal(count(f, "card_events"), e0);
	assert_string_equal(f->steps, "");
	assert_string_equal(f->notes, "");
}

/* A loss report, then the same card stolen; the events carry every line
 * and stdout gets none. */
static void
test_report(void **state)
{
	struct fixture *f = *state;
	struct flow_events ev = { .step = ev_step, .note = ev_note, .arg = f };
	struct revoke_request req;
	struct revoke_result res;
	struct store_card c;
	int64_t q0 = count(f, "queue_records");
	char out[96];
	long size;
	FILE *fp;
	int saved, r;

	snprintf(out, sizeof(out), "%s/stdout", f->dir);
	fflush(stdout);
	saved = dup(1);
	assert_non_null(fp = freopen(out, "w", stdout));
	base_request(&req, "lost");
	r = revoke_execute(&f->ctx, &req, &ev, &res);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(r, 0);
	fp = fopen(out, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fclose(fp);
	assert_int_equal(size, 0);

	assert_int_equal(res.card_id, f->card);
	assert_int_equal(res.resident_id, f->resident);
	assert_string_equal(res.state_before, "active");
	assert_string_equal(res.state_after, "suspended");
	assert_true(res.queue_seq > 0);
	assert_int_equal(res.receipt_printed, 0);
	assert_string_equal(f->steps, "revoke,receipt");
	assert_non_null(strstr(f->notes, "(serial 00112233445566778899) of resident 1:"
	    " suspended (lost)"));
	assert_non_null(strstr(f->notes, "revocation queued for the center: record"));
	assert_non_null(strstr(f->notes, "receipt: not printed"));
	assert_int_equal(count(f, "queue_records"), q0 + 1);

	/* The same card, now stolen: revoked; the center already knew. */
	f->steps[0] = f->notes[0] = '\0';
	base_request(&req, "stolen");
	req.who = NULL;
	req.card_id = f->card;
	assert_int_equal(revoke_execute(&f->ctx, &req, &ev, &res), 0);
	assert_string_equal(res.state_before, "suspended");
	assert_string_equal(res.state_after, "revoked");
	assert_int_equal(res.queue_seq, 0);
	assert_non_null(strstr(f->notes, "the center was told when the card was reported"
	    " lost"));
	assert_int_equal(count(f, "queue_records"), q0 + 1);
	assert_int_equal(store_card_get(f->ctx.store, f->card, &c), 0);
	assert_string_equal(c.state_reason, "stolen");

	/* Revoked for good: a further report is refused and audited. */
	base_request(&req, "damaged");
	req.card_id = f->card;
	assert_int_equal(revoke_execute(&f->ctx, &req, &ev, &res), NHI_ESTATE);
	assert_int_equal(res.card_id, 0);
}

/* No such card: NHI_ENOTFOUND, nothing queued, the refusal audited. */
static void
test_unknown_card(void **state)
{
	struct fixture *f = *state;
	struct revoke_request req;
	struct revoke_result res;
	int64_t a0 = count(f, "audit_log"), q0 = count(f, "queue_records");

	base_request(&req, "lost");
	req.who = NULL;
	req.card_id = 999;
	assert_int_equal(revoke_execute(&f->ctx, &req, NULL, &res), NHI_ENOTFOUND);
	assert_int_equal(count(f, "queue_records"), q0);
	assert_int_equal(count(f, "audit_log"), a0 + 1);
	/* Another resident's card. */
	base_request(&req, "lost");
	req.who = "2";
	req.card_id = f->card;
	assert_true(revoke_execute(&f->ctx, &req, NULL, &res) < 0);
	assert_int_equal(count(f, "queue_records"), q0);
}

/* A receipt that cannot be written: the report stands, the error says so. */
static void
test_receipt_fails(void **state)
{
	struct fixture *f = *state;
	struct revoke_request req;
	struct revoke_result res;
	struct store_card c;
	int64_t q0 = count(f, "queue_records");
	char path[128];

	snprintf(path, sizeof(path), "%s/no/such/dir/loss.pdf", f->dir);
	base_request(&req, "lost");
	req.receipt = path;
	assert_true(revoke_execute(&f->ctx, &req, NULL, &res) < 0);
	assert_non_null(strstr(err_detail(), "the report is recorded and card"));
	assert_non_null(strstr(err_detail(), "the loss-report receipt was not printed"));
	assert_int_equal(res.card_id, f->card);
	assert_int_equal(res.receipt_printed, 0);
	assert_int_equal(store_card_get(f->ctx.store, f->card, &c), 0);
	assert_string_equal(c.state, "suspended");
	assert_int_equal(count(f, "queue_records"), q0 + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_card, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_fails, setup, teardown),
	};

	return cmocka_run_group_tests_name("flow-revoke", tests, NULL, NULL);
}

/*
 * flow-perso.c: the steps the issue flow, batch feeds and `nhicard card
 * personalize` share: resident, profile and keys, card, report (flow-perso.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card-perso.h"
#include "card.h"
#include "error.h"
#include "flow-perso.h"
#include "flow.h"
#include "session.h"
#include "store.h"
#include "util.h"

int
flow_perso_resident(struct store *st, const char *arg, struct resident *out)
{
	struct resident res;
	char *end;
	long long id;
	int r = NHI_ENOTFOUND;

	memset(&res, 0, sizeof(res));
	id = strtoll(arg, &end, 10);
	if (*arg != '\0' && *end == '\0' && id > 0)
		r = store_resident_get(st, id, &res);
	if (r == NHI_ENOTFOUND)
		r = store_resident_find_by_code(st, arg, &res);
	if (r == NHI_ENOTFOUND)
		return err_set(NHI_ENOTFOUND, "no resident with id or person code '%s'", arg);
	if (r != 0)
		return r;
	if (strcmp(res.status, "resident") != 0) {
		r = err_set(NHI_ESTATE, "resident %lld is %s: no card is issued",
		    (long long)res.id, res.status);
		store_resident_free(&res);
		return r;
	}
	*out = res;
	return 0;
}

int
flow_perso_setup(struct session *ctx, struct card_profile *prof, struct card_keys **keys)
{
	int r;

	if ((r = card_profile_load(ctx->cfg, prof)) != 0)
		return err_wrap(r, "%s: ", ctx->config_path);
	return card_keys_load(ctx->cfg, prof, keys);
}

void
flow_perso_today(char *buf)
{
	int y, m, d;

	time_today_jst(&y, &m, &d);
	snprintf(buf, 9, "%04d%02d%02d", y, m, d);
}

int
flow_perso_run(struct session *ctx, struct perso_request *req, struct perso_result *res)
{
	struct card *card = NULL;
	int r;

	if ((r = session_card_connect(ctx, &card)) != 0)
		return r;
	r = card_personalize(card, req, res);
	card_close(card);
	return r;
}

void
flow_perso_request(struct perso_request *req, const struct card_profile *prof,
    struct card_keys *keys, struct store *st, const struct resident *res)
{
	req->prof = prof;
	req->store = st;
	req->keys = keys;
	req->resident_id = res->id;
	req->person.name = res->name_kanji;
	req->person.birth_date = res->birth_date;
	req->person.sex = res->sex;
	req->person.address = res->address;
	flow_perso_today(req->issue_date);
}

void
flow_perso_report(const struct flow_events *ev, const struct perso_result *res)
{
	char fp_hex[9];

	card_user_number_fingerprint(res->user_number, fp_hex);
	flow_note(ev, "card: %s, serial %s: %s (%lu APDUs)", res->kind, res->serial_hex,
	    res->action, res->apdus);
	flow_note(ev, "key generation: %d", res->key_generation);
	flow_note(ev, "user number: %s... (fingerprint)", fp_hex);
	if (res->town_created)
		flow_note(ev, "town area: created");
	if (res->other_apps > 0)
		flow_note(ev, "other town applications: %zu, untouched", res->other_apps);
	flow_note(ev, "store: card record %lld active", (long long)res->card_id);
}

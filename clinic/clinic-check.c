/*
 * clinic-check.c: one check at the reception (docs/card-profile.md
 * section 7, docs/clinic-api.md section 5): wait for a card in any reader,
 * SELECT the NHI AP, check the key record's signature with the trust
 * list's key, INTERNAL AUTHENTICATE with a fresh challenge (its first 8
 * bytes the time, so the center can refuse old ones), then ask the center
 * and show its signed answer; without the center, say so and show what
 * the card and the kept lists prove. Each check writes a visit file.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "card.h"
#include "card-mynumber.h"
#include "clinic.h"
#include "crypto.h"
#include "crypto-jpki.h"
#include "error.h"
#include "nhiconf.h"
#include "secret.h"
#include "util.h"

struct check {
	const struct clinic_opts *o;
	struct clinic_net	*net;
	struct clinic_state	*st;
	FILE			*out;
	int			 online;	/* lists fetched from the center */
	int			 mynumber;	/* a My Number card: the center names
						   the user number in its answer */
	char			 offline_why[512];
	char			 un[33];	/* user number, hex */
	char			 fp[9];		/* its fingerprint */
	char			 visit[11];
	const struct config	*cfg;		/* mynumber.ca, mynumber.crl */
	char			*answer_json;
	char			*answer_file;
};

/* Fetch the trust list and the revocations since our version. */
static void
refresh_lists(struct check *c)
{
	long status = 0;
	char *content = NULL, path[64];
	int r;

	if ((r = clinic_net_call(c->net, "/v1/trust", NULL, &status, &content, NULL,
	    NULL)) == 0 && status == 200)
		r = clinic_state_take_trust(c->st, content);
	else if (r == 0)
		r = err_set(NHI_EREFUSED, "the center answered %ld: %s", status, content);
	free(content);
	content = NULL;
	if (r == 0) {
		snprintf(path, sizeof(path), "/v1/revoked?since=%lld",
		    (long long)c->st->revoked_version);
		if ((r = clinic_net_call(c->net, path, NULL, &status, &content, NULL,
		    NULL)) == 0 && status == 200)
			r = clinic_state_take_revoked(c->st, content);
		else if (r == 0)
			r = err_set(NHI_EREFUSED, "the center answered %ld: %s", status,
			    content);
		free(content);
	}
	if (r == 0) {
		c->online = 1;
		return;
	}
	snprintf(c->offline_why, sizeof(c->offline_why), "%s", err_text(r));
}

/* Wait for a card in the chosen reader or any reader; *reader set. */
static int
wait_card(const struct clinic_opts *o, char *reader, size_t len)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	time_t until = time(NULL) + o->wait_s;
	char **names = NULL;
	size_t n = 0, i;
	int r, present;

	for (;;) {
		if ((r = card_list_readers(&names, &n)) != 0)
			return r;
		for (i = 0; i < n; i++) {
			present = 0;
			if ((o->reader == NULL || strcmp(o->reader, names[i]) == 0) &&
			    card_reader_present(names[i], &present) == 0 && present &&
			    reader[0] == '\0')
				snprintf(reader, len, "%s", names[i]);
			free(names[i]);
		}
		free(names);
		names = NULL;
		if (reader[0] != '\0')
			return 0;
		if (time(NULL) >= until)
			return err_set(NHI_ENO_CARD, "no card in %s within %ld s",
			    o->reader != NULL ? o->reader : "any reader", o->wait_s);
		nanosleep(&ts, NULL);
	}
}

static void
visit_file(struct check *c, const char *result, const char *reason, const char *source)
{
	struct clinic_visit v = {
		.clinic = c->o->clinic_code, .visit_date = c->visit, .result = result,
		.reason = reason, .source = source, .answer_json = c->answer_json,
		.answer_file = c->answer_file, .fingerprint = c->fp[0] ? c->fp : NULL,
	};
	char *name = NULL;

	if (c->o->out_dir == NULL)
		return;
	if (clinic_visit_write(c->o->out_dir, &v, &name) != 0) {
		fprintf(c->out, "visit file: NOT WRITTEN: %s\n", err_detail());
		return;
	}
	fprintf(c->out, "visit file: %s\n", name);
	free(name);
}

static const char *
jstr(json_t *a, const char *k)
{
	const char *v = json_string_value(json_object_get(a, k));

	return v != NULL ? v : "-";
}

/* Show an answer of the center; the exit code it means. */
static int
show_answer(struct check *c, json_t *a, const char *when)
{
	const char *reason = jstr(a, "reason");

	if (json_is_true(json_object_get(a, "insured"))) {
		fprintf(c->out, "%s: INSURED on %s\n", when, jstr(a, "visit_date"));
		fprintf(c->out, "  insurer: %s %s\n", jstr(a, "insurer_number"),
		    jstr(a, "insurer_name"));
		fprintf(c->out, "  記号: %s  番号: %s  枝番: %s\n", jstr(a, "symbol"),
		    jstr(a, "number"), jstr(a, "branch"));
		fprintf(c->out, "  document: %s, valid from %s until %s\n",
		    jstr(a, "document"), jstr(a, "valid_from"), jstr(a, "valid_until"));
		fprintf(c->out, "  burden: %lld%%%s\n",
		    (long long)json_integer_value(json_object_get(a, "burden_pct")),
		    json_is_true(json_object_get(a, "elderly")) ?
		    " (高齢受給者)" : "");
		fprintf(c->out, "  限度額 category: %s\n",
		    json_is_string(json_object_get(a, "limit_category")) ?
		    jstr(a, "limit_category") : "not known to the center");
		return CLINIC_INSURED;
	}
	if (strcmp(reason, "revoked") == 0) {
		fprintf(c->out, "%s: NOT INSURED: the card is revoked (%s, %s): ask for"
		    " the holder's new card or certificate\n", when,
		    jstr(a, "revoked_reason"), jstr(a, "revoked_on"));
		return CLINIC_REVOKED;
	}
	if (strcmp(reason, "period_ended") == 0)
		fprintf(c->out, "%s: NOT INSURED on %s: the NHI period ended on %s\n", when,
		    jstr(a, "visit_date"), jstr(a, "ended_on"));
	else if (strcmp(reason, "other_insurer") == 0)
		fprintf(c->out, "%s: NOT INSURED under this card's insurer on %s: the"
		    " person is under another insurer now\n", when, jstr(a, "visit_date"));
	else if (strcmp(reason, "no_such_card") == 0)
		fprintf(c->out, "%s: NOT INSURED: the center knows no card with this user"
		    " number\n", when);
	else
		fprintf(c->out, "%s: NOT INSURED on %s: no NHI period covers the day (%s)\n",
		    when, jstr(a, "visit_date"), reason);
	return CLINIC_NOT_INSURED;
}

/* The center's answer to our query; *code the exit code. 1 if answered. */
static int
ask_center_body(struct check *c, char *body, const char *chex, int *code)
{
	char *content = NULL;
	uint8_t *der = NULL;
	size_t derlen = 0;
	long status = 0;
	json_t *a = NULL;
	int r, answered = 0;

	if (body == NULL)
		return 0;
	/* Test hook: keep the query, so a test can replay it (docs/clinic-api.md). */
	if (NHI_TEST_HOOKS && getenv("NHICARD_CLINIC_SAVE_QUERY") != NULL)
		(void)fs_write_atomic(getenv("NHICARD_CLINIC_SAVE_QUERY"), body,
		    strlen(body), 0600);
	r = clinic_net_call(c->net, "/v1/eligibility", body, &status, &content, &der,
	    &derlen);
	free(body);
	if (r != 0) {
		snprintf(c->offline_why, sizeof(c->offline_why), "%s", err_text(r));
		goto out;
	}
	a = json_loads(content, JSON_REJECT_DUPLICATES, NULL);
	if (status != 200) {
		const char *e = jstr(a, "error");

		fprintf(c->out, "center: REFUSED (%ld %s): %s\n", status, e, jstr(a, "detail"));
		*code = strcmp(e, "challenge_failed") == 0 ? CLINIC_COPIED : CLINIC_REFUSED;
		visit_file(c, strcmp(e, "challenge_failed") == 0 ? "copied" : "refused", e,
		    "center");
		answered = 1;
		goto out;
	}
	/* The signed answer must be about this card and this challenge (a
	 * My Number card's user number is the center's to name). */
	if (a != NULL && c->mynumber && strcmp(jstr(a, "card"), "mynumber") == 0) {
		uint8_t un[CARD_USER_NUMBER_LEN];

		snprintf(c->un, sizeof(c->un), "%s", jstr(a, "user_number"));
		if (strlen(c->un) == 32 && hex_decode(c->un, un, sizeof(un)) == (int)sizeof(un))
			card_user_number_fingerprint(un, c->fp);
		err_clear();
	}
	if (a == NULL || strcmp(jstr(a, "user_number"), c->un) != 0 ||
	    strcmp(jstr(a, "challenge"), chex) != 0 ||
	    strcmp(jstr(a, "visit_date"), c->visit) != 0) {
		snprintf(c->offline_why, sizeof(c->offline_why), "the center's signed answer"
		    " is not about this card, challenge and day: not used");
		goto out;
	}
	c->answer_json = content;
	content = NULL;
	if (clinic_state_keep_answer(c->st, c->un, der, derlen, c->answer_json,
	    &c->answer_file) != 0)
		fprintf(c->out, "warning: the answer was not kept: %s\n", err_detail());
	*code = show_answer(c, a, "center");
	visit_file(c, *code == CLINIC_INSURED ? "insured" : *code == CLINIC_REVOKED ?
	    "revoked" : "not_insured", json_is_true(json_object_get(a, "insured")) ?
	    NULL : jstr(a, "reason"), "center");
	answered = 1;
out:
	json_decref(a);
	free(content);
	free(der);
	return answered;
}

/* The center's answer to an NHI card's query; *code the exit code. 1 if
 * answered. */
static int
ask_center(struct check *c, const uint8_t *chal, const uint8_t *answer,
    const char *insurer, int *code)
{
	char chex[65], ahex[129], *body;
	json_t *q;

	hex_encode(chal, CARD_CHALLENGE_LEN, chex);
	hex_encode(answer, CARD_SIG_LEN, ahex);
	q = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "version", 1, "user_number",
	    c->un, "insurer_number", insurer, "challenge", chex, "answer", ahex,
	    "visit_date", c->visit);
	body = json_dumps(q, JSON_COMPACT);
	json_decref(q);
	return ask_center_body(c, body, chex, code);
}

/* A My Number card's query (docs/clinic-api.md section 3.3): its
 * certificate and its signature over the challenge. */
static int
ask_center_mynumber(struct check *c, const uint8_t *chal, const uint8_t *cert,
    size_t certlen, const uint8_t *sig, size_t siglen, int *code)
{
	char chex[65], *certhex = xmalloc(2 * certlen + 1), *sighex = xmalloc(2 * siglen + 1);
	char *body;
	json_t *q;

	hex_encode(chal, CARD_CHALLENGE_LEN, chex);
	hex_encode(cert, certlen, certhex);
	hex_encode(sig, siglen, sighex);
	q = json_pack("{s:i, s:s, s:s, s:s, s:s}", "version", 1, "certificate", certhex,
	    "challenge", chex, "signature", sighex, "visit_date", c->visit);
	body = json_dumps(q, JSON_COMPACT);
	json_decref(q);
	free(certhex);
	free(sighex);
	return ask_center_body(c, body, chex, code);
}

static int
fail(struct check *c, int code, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct check *c, int code, const char *result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
	visit_file(c, result, NULL, "card");
	return code;
}

/*
 * The certificate's chain, validity and revocation against the clinic's
 * own JPKI settings (mynumber.ca, mynumber.crl of --config), before any
 * PIN is asked: an unknown CA, a revoked or expired certificate is
 * refused at the desk. Returns -1 when it verifies, else the exit code.
 */
static int
verify_mynumber_cert(struct check *c, const uint8_t *cert, size_t certlen, time_t now)
{
	struct jpki_trust trust;
	enum crypto_mode mode;
	const char *why;
	int r;

	memset(&trust, 0, sizeof(trust));
	trust.cas = config_get(c->cfg, "mynumber.ca", NULL);
	trust.crls = config_get(c->cfg, "mynumber.crl", NULL);
	if (trust.cas == NULL || trust.crls == NULL)
		return fail(c, CLINIC_EXIT_SYSTEM, "error", "configuration: My Number cards"
		    " need the JPKI CA certificates and revocation lists (mynumber.ca and"
		    " mynumber.crl in the --config file)");
	if ((r = crypto_station_mode(c->cfg, &mode)) != 0)
		return fail(c, CLINIC_EXIT_SYSTEM, "error", "configuration: %s", err_text(r));
	trust.production = mode == CRYPTO_MODE_PRODUCTION;
	if ((r = crypto_jpki_verify(&trust, cert, certlen, now, NULL)) == 0)
		return -1;
	why = err_reason_of(r) != NULL ? err_reason_of(r) : "";
	if (strcmp(why, "mynumber.cert_revoked") == 0)
		return fail(c, CLINIC_REVOKED, "revoked", "My Number card: NOT VALID: %s;"
		    " the PIN was not asked", err_text(r));
	if (strcmp(why, "mynumber.cert_expired") == 0 ||
	    strcmp(why, "mynumber.cert_not_yet_valid") == 0)
		return fail(c, CLINIC_REVOKED, "expired", "My Number card: NOT VALID: %s;"
		    " the PIN was not asked", err_text(r));
	if (strcmp(why, "mynumber.cert_unknown_ca") == 0 || r == NHI_ETESTKEY)
		return fail(c, CLINIC_UNKNOWN_MUNI, "unknown_ca", "My Number card: NOT"
		    " ACCEPTED: %s; the PIN was not asked", err_text(r));
	return fail(c, CLINIC_EXIT_SYSTEM, "error", "configuration: %s", err_text(r));
}

/*
 * A My Number card (docs/card-profile.md "The My Number card"): its
 * user-authentication certificate (no PIN) checked against the clinic's
 * JPKI CA and CRL, the patient's PIN (asked once,
 * never kept), its signature over a fresh challenge, then the center
 * answers by the station's link. Face recognition is not done here.
 */
static int
check_mynumber(struct check *c, struct card **cardp, const char *reader, time_t now)
{
	static uint8_t cert[MYNUMBER_CERT_MAX];
	struct jpki_cert_info ci;
	uint8_t chal[CARD_CHALLENGE_LEN], di[JPKI_DIGESTINFO_LEN], sig[JPKI_SIG_MAX];
	size_t certlen, siglen;
	char *pin = NULL, prompt[96];
	int r, tries, code, i;

	c->mynumber = 1;
	if ((r = mynumber_read_cert(*cardp, cert, sizeof(cert), &certlen)) != 0 ||
	    (r = crypto_jpki_cert_info(cert, certlen, &ci)) != 0)
		return fail(c, CLINIC_EXIT_CARD, "no_card", "My Number card: %s", err_text(r));
	fprintf(c->out, "card: My Number card, user-authentication certificate serial %s,"
	    " valid until %s, reader %s\n", ci.serial, ci.not_after, reader);
	if (strcmp(c->visit, ci.not_after) > 0)
		return fail(c, CLINIC_REVOKED, "expired", "My Number card: NOT VALID: its"
		    " electronic certificate expired on %s: the patient renews it at the"
		    " municipal office", ci.not_after);
	if ((code = verify_mynumber_cert(c, cert, certlen, now)) >= 0)
		return code;
	fprintf(c->out, "card: its certificate chains to a configured JPKI CA and is not"
	    " revoked\n");
	if ((r = mynumber_pin_tries(*cardp, MYNUMBER_PIN_AUTH, &tries)) != 0)
		return fail(c, CLINIC_EXIT_CARD, "no_card", "My Number card: %s", err_text(r));
	if (tries == 0)
		return fail(c, CLINIC_EXIT_CARD, "pin_locked", "My Number card: the PIN is"
		    " LOCKED: it is reset at the patient's municipal office; show the"
		    " eligibility notice (資格情報のお知らせ) instead");
	snprintf(prompt, sizeof(prompt), "PIN of the My Number card (4 digits, %d %s"
	    " left): ", tries, tries == 1 ? "try" : "tries");
	if (tries > 0) {
		if ((r = operator_read_secret("NHICARD_PIN_FD", prompt, &pin)) != 0)
			return fail(c, CLINIC_EXIT_CARD, "no_card", "PIN: %s", err_text(r));
		r = mynumber_verify_pin(*cardp, MYNUMBER_PIN_AUTH, pin, &tries);
		util_free_secret(pin, strlen(pin));
		if (r != 0)
			return fail(c, CLINIC_EXIT_CARD, tries == 0 ? "pin_locked" : "pin_wrong",
			    "My Number card: %s", err_text(r));
	}
	for (i = 0; i < 8; i++)
		chal[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
	if ((r = crypto_random(chal + 8, sizeof(chal) - 8)) != 0 ||
	    (r = crypto_jpki_digestinfo(chal, sizeof(chal), di)) != 0)
		return fail(c, CLINIC_EXIT_SYSTEM, "error", "random: %s", err_text(r));
	if ((r = mynumber_sign(*cardp, di, sizeof(di), sig, sizeof(sig), &siglen)) != 0)
		return fail(c, CLINIC_EXIT_CARD, "no_card", "My Number card: %s", err_text(r));
	if (crypto_jpki_sig_verify(cert, certlen, chal, sizeof(chal), sig, siglen) != 0)
		return fail(c, CLINIC_COPIED, "copied", "My Number card: its signature does"
		    " not verify with its own certificate: do not accept it");
	fprintf(c->out, "card: signs the challenge with its authentication key\n");
	card_close(*cardp);
	*cardp = NULL;
	if (ask_center_mynumber(c, chal, cert, certlen, sig, siglen, &code))
		return code;
	fprintf(c->out, "OFFLINE: the center did not answer: %s\n", c->offline_why);
	fprintf(c->out, "offline: the My Number card is genuine; eligibility on %s NOT"
	    " CONFIRMED (the link is the center's)\n", c->visit);
	visit_file(c, "offline", c->offline_why, "offline");
	return CLINIC_OFFLINE;
}

int
clinic_check(const struct clinic_opts *o, struct clinic_net *net,
    struct clinic_state *st, FILE *out)
{
	struct check c = { .o = o, .net = net, .st = st, .out = out };
	struct config *cfg = config_new();
	struct card_profile prof;
	struct card_nhi_state nhi;
	struct card *card = NULL;
	const struct clinic_trust_key *tk;
	uint8_t chal[CARD_CHALLENGE_LEN], answer[CARD_SIG_LEN];
	char reader[128] = "", sid[17];
	time_t now = time(NULL);
	int r, code, i;

	if (o->visit_date != NULL)
		snprintf(c.visit, sizeof(c.visit), "%s", o->visit_date);
	else	/* the JST calendar day, as the station's dates */
		time_today_jst_iso(c.visit, sizeof(c.visit));
	if ((o->config != NULL && (r = config_load(cfg, o->config)) != 0) ||
	    (r = card_profile_load_reader(cfg, &prof)) != 0) {
		fprintf(out, "configuration: %s\n", err_text(r));
		code = CLINIC_EXIT_SYSTEM;
		goto out;
	}
	c.cfg = cfg;
	refresh_lists(&c);
	if (!c.online)
		fprintf(out, "OFFLINE: %s; using the trust list version %lld and"
		    " revocation list version %lld kept here\n", c.offline_why,
		    (long long)st->trust_version, (long long)st->revoked_version);
	if ((r = wait_card(o, reader, sizeof(reader))) != 0 ||
	    (r = card_connect(reader, &card)) != 0) {
		code = fail(&c, CLINIC_EXIT_CARD, "no_card", "card: %s", err_text(r));
		goto out;
	}
	/* 1. SELECT the NHI AP: anything but LCS 05 is no valid NHI card. */
	if ((r = card_select_nhi(card, &prof, &nhi)) != 0) {
		code = fail(&c, CLINIC_EXIT_CARD, "no_card", "card: %s", err_text(r));
		goto out;
	}
	if (!nhi.present && mynumber_detect(card) == 0) {
		code = check_mynumber(&c, &card, reader, now);
		goto out;
	}
	err_clear();
	if (!nhi.present || !nhi.has_record) {
		code = fail(&c, CLINIC_EXIT_CARD, "no_card", "card: NOT AN NHI CARD: no"
		    " NHI application on this card (reader %s)", reader);
		goto out;
	}
	hex_encode(nhi.rec.user_number, CARD_USER_NUMBER_LEN, c.un);
	card_user_number_fingerprint(nhi.rec.user_number, c.fp);
	if (nhi.lcs != CARD_LCS_ACTIVATED) {
		code = fail(&c, nhi.lcs == CARD_LCS_DEACTIVATED ? CLINIC_REVOKED :
		    CLINIC_EXIT_CARD, nhi.lcs == CARD_LCS_DEACTIVATED ? "revoked" : "no_card",
		    "card %s: NOT VALID: its NHI application is %s", c.fp,
		    nhi.lcs == CARD_LCS_DEACTIVATED ? "locked (revoked at the town"
		    " office)" : "not finished (LCS not 05)");
		goto out;
	}
	fprintf(out, "card: %s... (fingerprint), insurer %s, municipality %s, reader %s\n",
	    c.fp, nhi.rec.insurer_number, nhi.rec.municipality_code, reader);
	/* 2. The key record's signature, with the municipality's key. */
	hex_encode(nhi.rec.signer_id, CARD_SIGNER_ID_LEN, sid);
	tk = clinic_state_key(st, nhi.rec.signer_id);
	if (tk == NULL && !c.online && st->nkeys == 0) {
		code = fail(&c, CLINIC_OFFLINE, "offline", "card %s: OFFLINE and no trust"
		    " list kept here: the key record cannot be checked", c.fp);
		goto out;
	}
	if (tk == NULL || strcmp(tk->municipality, nhi.rec.municipality_code) != 0) {
		code = fail(&c, CLINIC_UNKNOWN_MUNI, "unknown_municipality", "card %s:"
		    " UNKNOWN MUNICIPALITY: the key record is signed by key %s for"
		    " municipality %s, which the trust list (version %lld) %s", c.fp, sid,
		    nhi.rec.municipality_code, (long long)st->trust_version,
		    tk == NULL ? "does not hold" : "holds for another municipality");
		goto out;
	}
	if (crypto_ecdsa_verify(tk->public_key, nhi.rec.raw + nhi.rec.signed_off,
	    nhi.rec.signed_len, nhi.rec.signature) != 0) {
		code = fail(&c, CLINIC_FORGED, "forged", "card %s: FORGED CARD: the key"
		    " record's signature does not verify with municipality %s's key %s:"
		    " do not accept it", c.fp, tk->municipality, sid);
		goto out;
	}
	fprintf(out, "key record: signature verifies (municipality %s, trust list"
	    " version %lld)\n", tk->municipality, (long long)st->trust_version);
	/* 3. A fresh challenge: 8 bytes of time, 24 random bytes. */
	for (i = 0; i < 8; i++)
		chal[i] = (uint8_t)((uint64_t)now >> (56 - 8 * i));
	if ((r = crypto_random(chal + 8, sizeof(chal) - 8)) != 0) {
		code = fail(&c, CLINIC_EXIT_SYSTEM, "error", "random: %s", err_text(r));
		goto out;
	}
	r = card_challenge_answer(card, &nhi.rec, chal, answer);
	if (r == NHI_EAUTH) {
		code = fail(&c, CLINIC_COPIED, "copied", "card %s: COPIED CARD: its answer"
		    " to the challenge does not verify with the key in its record: not"
		    " the card that was issued: do not accept it", c.fp);
		goto out;
	}
	if (r != 0) {
		code = fail(&c, CLINIC_EXIT_CARD, "no_card", "card %s: %s", c.fp, err_text(r));
		goto out;
	}
	fprintf(out, "card: answers the challenge (genuine)\n");
	card_close(card);
	card = NULL;
	/* 4. Ask the center about this card. */
	if (ask_center(&c, chal, answer, nhi.rec.insurer_number, &code))
		goto out;
	/* Offline: what the card and the lists kept here prove. */
	fprintf(out, "OFFLINE: the center did not answer: %s\n", c.offline_why);
	if (clinic_state_is_revoked(st, c.un)) {
		code = fail(&c, CLINIC_REVOKED, "revoked", "card %s: REVOKED (revocation"
		    " list version %lld kept here)", c.fp, (long long)st->revoked_version);
		goto out;
	}
	fprintf(out, "offline: the card is genuine and not on the revocation list"
	    " (version %lld); eligibility on %s NOT CONFIRMED\n",
	    (long long)st->revoked_version, c.visit);
	if (clinic_state_last_answer(st, c.un, &c.answer_json) == 0 &&
	    c.answer_json != NULL) {
		json_t *a = json_loads(c.answer_json, 0, NULL);

		fprintf(out, "last answer kept here (%s):\n", jstr(a, "answered_at"));
		(void)show_answer(&c, a, "  last answer");
		json_decref(a);
	} else
		fprintf(out, "no earlier answer for this card is kept here\n");
	code = CLINIC_OFFLINE;
	visit_file(&c, "offline", c.offline_why, "offline");
out:
	card_close(card);
	config_free(cfg);
	free(c.answer_json);
	free(c.answer_file);
	return code;
}

/*
 * flow-mynumber-end.c: ending My Number card links (flow-mynumber.h):
 * one link in one store transaction with its mynumber_unlinked record
 * (revocation lane) and its audit entry; a clerk's unlink; the batch that
 * applies a new JPKI CRL to every link (`nhicard mynumber
 * check-revoked`).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto.h"
#include "crypto-jpki.h"
#include "error.h"
#include "flow-mynumber.h"
#include "flow-perso.h"
#include "nhiconf.h"
#include "queue-mynumber.h"
#include "session.h"
#include "store-mynumber.h"
#include "util.h"

#define CRL_META_PREFIX	"mynumber.crl_applied:"

int
flow_mynumber_end_link(struct session *ctx, struct store *st,
    const struct mynumber_link *l, const char *why, const char *queue_reason)
{
	char subject[40], detail[160];
	int r;

	snprintf(subject, sizeof(subject), "resident:%lld", (long long)l->resident_id);
	snprintf(detail, sizeof(detail), "link %lld ended: %s", (long long)l->id, why);
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = store_mynumber_end(st, l->id, "ended", why)) != 0 ||
	    (r = queue_mynumber_unlinked(st, l, queue_reason, NULL)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "mynumber.unlink", subject,
	    AUDIT_OK, detail)) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		return r;
	}
	return 0;
}

static int
unlink_reason_ok(const char *reason)
{
	return strcmp(reason, "lost") == 0 || strcmp(reason, "returned") == 0 ||
	    strcmp(reason, "other") == 0;
}

int
flow_mynumber_unlink(struct session *ctx, const char *who, const char *reason,
    const struct flow_events *ev, int64_t *link_id)
{
	struct resident res;
	struct mynumber_link l;
	struct store *st;
	char subject[40], why[32];
	int have = 0, r;

	*link_id = 0;
	if (!unlink_reason_ok(reason))
		return err_set(NHI_EUSAGE, "--reason '%s': expected lost, returned or other",
		    reason);
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	if ((r = flow_perso_resident(st, who, &res)) != 0)
		return r;
	have = 1;
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)res.id);
	if ((r = store_mynumber_current(st, res.id, &l)) == NHI_ENOTFOUND) {
		r = err_reason(err_set(NHI_ESTATE, "resident %lld has no My Number card"
		    " linked: nothing to unlink", (long long)res.id), "mynumber.not_linked");
		goto out;
	}
	if (r != 0)
		goto out;
	snprintf(why, sizeof(why), "clerk: %s", reason);
	flow_step(ev, "mynumber.unlink");
	if ((r = flow_mynumber_end_link(ctx, st, &l, why, "clerk")) != 0)
		goto out;
	*link_id = l.id;
	flow_note(ev, "link %lld ended (%s)", (long long)l.id, reason);
out:
	if (r != 0)
		(void)audit_refusal(st, ctx->operator_login, "mynumber.unlink", subject, r,
		    reason);
	if (have)
		store_resident_free(&res);
	return r;
}

/* ---- A new JPKI CRL applied to every link ----------------------------- */

struct crl_walk {
	struct session			*ctx;
	struct store			*st;
	const struct jpki_crl_info	*info;
	struct mynumber_crl_result	*res;
	const struct flow_events	*ev;
};

static int
crl_serial(void *arg, const char *serial)
{
	struct crl_walk *w = arg;
	struct mynumber_link l;
	char why[120];
	int r;

	if ((r = store_mynumber_by_cert(w->st, w->info->issuer, serial, &l)) ==
	    NHI_ENOTFOUND) {
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	if (strcmp(l.state, "linked") != 0) {
		w->res->already++;
		return 0;
	}
	snprintf(why, sizeof(why), "revoked (CRL %s of %.20s)",
	    w->info->number[0] != '\0' ? w->info->number : "-", w->info->this_update);
	if ((r = flow_mynumber_end_link(w->ctx, w->st, &l, why, "revoked")) != 0)
		return r;
	w->res->ended++;
	flow_note(w->ev, "link %lld ended: certificate serial %s is revoked",
	    (long long)l.id, serial);
	return 0;
}

/* Apply one CRL file: check, freshness, links, then its meta. */
static int
crl_apply(struct session *ctx, struct store *st, const char *path, const char *cas,
    int production, const struct flow_events *ev, struct mynumber_crl_result *res)
{
	struct jpki_crl *crl = NULL;
	struct jpki_crl_info info;
	struct crl_walk w;
	char *key, *last = NULL, *sp, value[120];
	int r;

	if ((r = crypto_jpki_crl_read(path, cas, production, &crl, &info)) != 0)
		return r;
	key = xasprintf("%s%s", CRL_META_PREFIX, info.issuer);
	if ((r = store_meta_get(st, key, &last)) == 0) {
		/* "NUMBER THISUPDATE", NUMBER "-" when the CRL had none */
		if ((sp = strchr(last, ' ')) != NULL)
			*sp++ = '\0';
		if (crypto_jpki_crl_older(&info, strcmp(last, "-") == 0 ? NULL : last, sp)) {
			r = err_reason(err_set(NHI_EREFUSED, "JPKI CRL %s (number %s, %s) is"
			    " older than the one applied last (number %s, %s): not applied",
			    path, info.number[0] ? info.number : "-", info.this_update, last,
			    sp != NULL ? sp : "?"), "mynumber.crl_older");
			goto out;
		}
	} else if (r == NHI_ENOTFOUND) {
		err_clear();
		r = 0;
	} else
		goto out;
	flow_step(ev, "mynumber.crl");
	flow_note(ev, "CRL %s: issuer %s, number %s, thisUpdate %s, %zu revoked", path,
	    info.issuer, info.number[0] ? info.number : "-", info.this_update,
	    info.revoked);
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.st = st;
	w.info = &info;
	w.res = res;
	w.ev = ev;
	res->crls++;
	res->revoked += info.revoked;
	if ((r = crypto_jpki_crl_each(crl, crl_serial, &w)) != 0)
		goto out;
	snprintf(value, sizeof(value), "%s %s", info.number[0] ? info.number : "-",
	    info.this_update);
	r = store_meta_set(st, key, value);
out:
	free(last);
	free(key);
	crypto_jpki_crl_free(crl);
	return r;
}

int
flow_mynumber_check_revoked(struct session *ctx, const struct flow_events *ev,
    struct mynumber_crl_result *res)
{
	enum crypto_mode mode;
	struct store *st;
	const char *crls, *cas;
	char *copy, *tok, *save = NULL, detail[160];
	int r = 0;

	memset(res, 0, sizeof(*res));
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	crls = config_get(ctx->cfg, "mynumber.crl", NULL);
	cas = config_get(ctx->cfg, "mynumber.ca", NULL);
	if (crls == NULL || strspn(crls, " \t,") == strlen(crls))
		return err_set(NHI_ECONFIG, "no JPKI CRL configured (mynumber.crl)");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	copy = xstrdup(crls);
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL && r == 0;
	    tok = strtok_r(NULL, " \t,", &save))
		r = crl_apply(ctx, st, tok, cas, mode == CRYPTO_MODE_PRODUCTION, ev, res);
	free(copy);
	snprintf(detail, sizeof(detail), "%zu CRL, %zu revoked, %zu links ended,"
	    " %zu ended before", res->crls, res->revoked, res->ended, res->already);
	return session_audit(ctx, r, "mynumber.check_revoked", NULL, detail);
}

/*
 * batch-renew.c: annual renewal of certificates as a batch run (batch.h,
 * docs/batch.md "Renewal"): a new certificate for everyone still insured
 * on the first day of the new validity, the validity end and the kind
 * from the rules and the person's period (short-term certificates for
 * arrears stay short-term), printed as A4 sheets in volumes or one PDF per
 * household, in mailing order. No card is touched.
 *
 * Exactly once, per volume: (1) one transaction records the serials (the
 * valid certificate superseded, the center's records queued) and marks
 * the items prepared; (2) the PDF is written atomically; (3) one
 * transaction marks the items done. A crash after (1) leaves prepared
 * items: the resumed run writes the same volume again from the recorded
 * serials, byte for byte the same (fixed creation date).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "batch.h"
#include "certificate.h"
#include "error.h"
#include "flow-certrules.h"
#include "flow-print.h"
#include "nhiconf.h"
#include "print.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "util.h"

/* One item of the volume being worked, with its certificate once loaded. */
struct renew_slot {
	struct batch_item	 it;
	struct print_certificate c;
	int			 loaded;
	int64_t			 eligibility_id;
};

struct renew {
	struct session		*ctx;
	struct store		*st;
	struct batch_run	*run;
	struct rules_policy	 policy;
	struct print_request	 pr;		/* print defaults (opts) */
	const char		*insurer_name;
	char			 from_s[11], issued_s[11];
	struct nhi_date		 from, issued;
	char			 out_dir[1024];
	enum batch_renew_layout	 layout;
	long			 volume_size;
	struct renew_slot	*slots;
	size_t			 nslots, cap;
	char key[80];	/* the volume the slots belong to */
	int64_t			*held;		/* residents with open findings, sorted */
	size_t			 nheld;
	struct batch_progress	*pg;
	int			 (*stop)(void *arg);
	void			*stop_arg;
	int			 stopped;
	struct batch_renew_result *res;
};

static const char *
layout_name(enum batch_renew_layout l)
{
	return l == BATCH_RENEW_HOUSEHOLD ? "household" : "sheet";
}

/* The first day after the current cycle's renewal day (rules). */
static int
default_from(const struct rules_policy *p, char out[11])
{
	struct rules_validity_in in;
	struct nhi_date end;
	int y, m, d, r;

	memset(&in, 0, sizeof(in));
	time_today_jst(&y, &m, &d);
	in.kind = RULES_CERT_REGULAR;
	in.from.y = y;
	in.from.m = m;
	in.from.d = d;
	/* A 40-year-old: only the renewal day applies. */
	in.birth.y = y - 40;
	in.birth.m = 1;
	in.birth.d = 1;
	if ((r = rules_validity_end(p, &in, &end, NULL)) != 0)
		return r;
	date_add_days(&end, 1, &end);
	date_format(&end, out, 11);
	return 0;
}

static int
held_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether the resident has an open finding (the run's list, read once). */
static int
held_has(const struct renew *rn, int64_t resident_id)
{
	return rn->nheld > 0 && bsearch(&resident_id, rn->held, rn->nheld,
	    sizeof(*rn->held), held_cmp) != NULL;
}

/*
 * The certificate of the slot's resident as the renewal prints it: the
 * items as of `from`, the new validity end, the issue date. 0 with code
 * set when the person cannot get one (an exception), or an error.
 */
static int
renew_load(struct renew *rn, struct renew_slot *s, char code[32], char text[256])
{
	int r;

	code[0] = text[0] = '\0';
	r = store_certificate_load(rn->st, s->it.resident_id, &rn->from, &s->c,
	    &s->eligibility_id);
	if (r == NHI_ENOTFOUND || r == NHI_ESTATE) {
		err_clear();
		snprintf(code, 32, "%s", BATCH_EX_NOT_INSURED);
		snprintf(text, 256, "no certificate on %s: not insured or not resident",
		    rn->from_s);
		return 0;
	}
	if (r != 0)
		return r;
	s->loaded = 1;
	if ((s->c.name_flags | s->c.head_name_flags) & PRINT_NAME_GAIJI) {
		snprintf(code, 32, "%s", BATCH_EX_NAME);
		snprintf(text, 256, "%s holds a vendor character (外字): a clerk must check"
		    " it before anything is printed", s->c.name_flags & PRINT_NAME_GAIJI ?
		    "the name" : "the household head's name");
		return 0;
	}
	/* The rules of every certificate path (flow-certrules.c): an open
	 * finding holds the person, the rules may exclude them on `from`, the
	 * document is the kind of that day, the end the rules' one (an earlier
	 * typed end on the period still shortens it). */
	if (held_has(rn, s->it.resident_id) &&
	    (r = flow_finding_check(rn->st, s->it.resident_id)) == NHI_EREFUSED) {
		snprintf(code, 32, "finding_open");
		snprintf(text, 256, "%s", err_text(r));
		err_clear();
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	if (s->c.valid_until.y != 0 && date_cmp(&s->c.valid_until, &rn->from) < 0)
		memset(&s->c.valid_until, 0, sizeof(s->c.valid_until));
	s->c.issued = rn->from;
	r = flow_certificate_apply(&rn->policy, rn->st, s->it.resident_id, s->eligibility_id,
	    &s->c);
	if (r == NHI_EREFUSED || r == NHI_ERANGE) {
		snprintf(code, 32, "rules_refused");
		snprintf(text, 256, "the rules give no new validity from %s: %s", rn->from_s,
		    err_text(r));
		err_clear();
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	s->c.issued = rn->issued;
	free(s->c.insurer_name);
	s->c.insurer_name = xstrdup(rn->insurer_name);
	r = 0;
out:
	return r;
}

static void
slots_clear(struct renew *rn)
{
	size_t i;

	for (i = 0; i < rn->nslots; i++)
		print_certificate_clear(&rn->slots[i].c);
	rn->nslots = 0;
	rn->key[0] = '\0';
}

/* The volume's file name for the current slots. */
static void
volume_name(struct renew *rn, char *buf, size_t n)
{
	const struct batch_item *first = &rn->slots[0].it;

	if (first->volume[0] != '\0')
		snprintf(buf, n, "%s", first->volume);
	else if (rn->layout == BATCH_RENEW_HOUSEHOLD)
		snprintf(buf, n, "%s-h%06lld.pdf", rn->run->uid, (long long)first->seq);
	else
		snprintf(buf, n, "%s-v%04lld.pdf", rn->run->uid,
		    (long long)((first->seq - 1) / rn->volume_size + 1));
}

/* Step 1: serials and prepared marks for the pending slots, one transaction. */
static int
renew_prepare(struct renew *rn, const char *volume)
{
	char code[32], text[256], reason[64], *serial = NULL;
	struct renew_slot *s;
	size_t i;
	int r;

	snprintf(reason, sizeof(reason), "superseded by renewal %s", rn->run->uid);
	if ((r = store_begin(rn->st)) != 0)
		return r;
	for (i = 0; i < rn->nslots; i++) {
		s = &rn->slots[i];
		if ((r = batch_item_check(rn->st, rn->run, &s->it, 1, code, text)) != 0)
			goto out;
		if (code[0] == '\0' && (r = renew_load(rn, s, code, text)) != 0)
			goto out;
		if (code[0] != '\0') {
			if ((r = batch_item_exception(rn->st, s->it.id, code, text)) != 0)
				goto out;
			snprintf(s->it.state, sizeof(s->it.state), "%s", BATCH_ITEM_EXCEPTION);
			continue;
		}
		if ((r = store_certificate_issue(rn->st, s->it.resident_id, s->eligibility_id,
		    "certificate", print_cert_kind_name(s->c.kind), &rn->issued, reason,
		    &serial)) != 0 ||
		    (r = batch_item_prepared(rn->st, s->it.id, NULL, 0, serial, volume)) != 0)
			goto out;
		snprintf(s->it.state, sizeof(s->it.state), "%s", BATCH_ITEM_PREPARED);
		snprintf(s->it.cert_serial, sizeof(s->it.cert_serial), "%s", serial);
		snprintf(s->it.volume, sizeof(s->it.volume), "%s", volume);
		free(serial);
		serial = NULL;
		batch_test_crash("renew.item");
	}
	batch_test_crash("renew.prepare");
	r = store_commit(rn->st);
out:
	free(serial);
	if (r != 0)
		store_rollback(rn->st);
	return r;
}

/* Steps 2 and 3: the volume's PDF from the prepared slots, then done. */
static int
renew_write(struct renew *rn, const char *volume)
{
	struct print_certificate *certs = NULL;
	struct print_job *job = NULL;
	struct renew_slot *s;
	char code[32], text[256], *path = NULL;
	size_t i, n = 0;
	int r;

	certs = xcalloc(rn->nslots, sizeof(*certs));
	for (i = 0; i < rn->nslots; i++) {
		s = &rn->slots[i];
		if (strcmp(s->it.state, BATCH_ITEM_PREPARED) != 0)
			continue;
		if (!s->loaded) {
			/* A resumed volume: the same items, read again. */
			if ((r = renew_load(rn, s, code, text)) != 0)
				goto out;
			if (code[0] != '\0') {
				char why[256];

				snprintf(why, sizeof(why), "certificate %s was recorded but the"
				    " resident changed before it was printed (%s): void or"
				    " reprint it", s->it.cert_serial, code);
				if ((r = batch_item_exception(rn->st, s->it.id, BATCH_EX_CHANGED,
				    why)) != 0)
					goto out;
				snprintf(s->it.state, sizeof(s->it.state), "%s",
				    BATCH_ITEM_EXCEPTION);
				continue;
			}
		}
		certs[n] = s->c;	/* borrowed: the slot owns the strings */
		certs[n].serial = s->it.cert_serial;
		n++;
	}
	if (n > 0) {
		path = xasprintf("%s/%s", rn->out_dir, volume);
		if ((r = print_job_new(&rn->pr.opts, &job)) != 0)
			goto out;
		if (rn->layout == BATCH_RENEW_SHEET)
			r = print_job_add_sheet(job, certs, n);
		else
			for (i = 0, r = 0; i < n && r == 0; i++)
				r = print_job_add_certificate(job, &certs[i]);
		if (r != 0 || (r = print_job_save(job, path)) != 0)
			goto out;
		rn->res->volumes++;
		batch_test_crash("renew.written");
	}
	if ((r = store_begin(rn->st)) != 0)
		goto out;
	for (i = 0; i < rn->nslots; i++) {
		s = &rn->slots[i];
		if (strcmp(s->it.state, BATCH_ITEM_PREPARED) != 0)
			continue;
		if ((r = batch_item_done(rn->st, s->it.id, 0, NULL)) != 0) {
			store_rollback(rn->st);
			goto out;
		}
		snprintf(s->it.state, sizeof(s->it.state), "%s", BATCH_ITEM_DONE);
	}
	batch_test_crash("renew.done");
	if ((r = store_commit(rn->st)) != 0) {
		store_rollback(rn->st);
		goto out;
	}
	r = 0;
out:
	print_job_free(job);
	free(path);
	free(certs);
	return r;
}

/* Work the volume in the slots: prepare when pending, write, done. */
static int
renew_flush(struct renew *rn)
{
	char volume[64];
	size_t i;
	int r, pending = 0;

	if (rn->nslots == 0)
		return 0;
	volume_name(rn, volume, sizeof(volume));
	for (i = 0; i < rn->nslots; i++)
		if (strcmp(rn->slots[i].it.state, BATCH_ITEM_PENDING) == 0)
			pending = 1;
	if ((pending && (r = renew_prepare(rn, volume)) != 0) ||
	    (r = renew_write(rn, volume)) != 0)
		goto out;
	for (i = 0; i < rn->nslots; i++) {
		if (strcmp(rn->slots[i].it.state, BATCH_ITEM_DONE) == 0)
			rn->res->renewed++;
		else if (strcmp(rn->slots[i].it.state, BATCH_ITEM_EXCEPTION) == 0)
			rn->res->exceptions++;
	}
	batch_progress_update(rn->pg, rn->res->skipped + rn->res->renewed +
	    rn->res->exceptions, rn->run->exceptions + rn->res->exceptions);
	r = 0;
out:
	slots_clear(rn);
	return r;
}

/* The volume an item belongs to: by seq (sheets) or by household. */
static int
renew_key(struct renew *rn, const struct batch_item *it, char key[80])
{
	struct resident res;
	int r;

	if (rn->layout == BATCH_RENEW_SHEET) {
		snprintf(key, 80, "v%lld", (long long)((it->seq - 1) / rn->volume_size));
		return 0;
	}
	if (it->volume[0] != '\0') {
		/* Prepared before: its volume is recorded. */
		snprintf(key, 80, "f%s", it->volume);
		return 0;
	}
	memset(&res, 0, sizeof(res));
	if ((r = store_resident_get(rn->st, it->resident_id, &res)) != 0)
		return r;
	snprintf(key, 80, "h%lld", res.household_id != 0 ? (long long)res.household_id :
	    -(long long)it->resident_id);
	store_resident_free(&res);
	return 0;
}

static int
renew_item(void *arg, struct batch_item *it)
{
	struct renew *rn = arg;
	char key[80];
	int r;

	if (it->resident_id == 0) {
		/* A list line naming nobody is excepted at creation. */
		return 0;
	}
	if ((r = renew_key(rn, it, key)) != 0)
		return r;
	if (rn->nslots > 0 && strcmp(key, rn->key) != 0) {
		if ((r = renew_flush(rn)) != 0)
			return r;
		if (rn->stop != NULL && rn->stop(rn->stop_arg)) {
			rn->stopped = 1;
			return 1;
		}
	}
	if (rn->nslots == rn->cap) {
		rn->cap = rn->cap ? rn->cap * 2 : 64;
		rn->slots = xreallocarray(rn->slots, rn->cap, sizeof(*rn->slots));
	}
	memset(&rn->slots[rn->nslots], 0, sizeof(rn->slots[0]));
	rn->slots[rn->nslots++].it = *it;
	snprintf(rn->key, sizeof(rn->key), "%s", key);
	return 0;
}

/* Read the run's parameters and the configuration into rn. */
static int
renew_setup(struct renew *rn, struct session *ctx, struct batch_run *run)
{
	char buf[64];
	int r;

	rn->ctx = ctx;
	rn->run = run;
	if ((r = session_store(ctx, &rn->st)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &rn->policy)) != 0 ||
	    (r = flow_print_defaults(ctx, &rn->pr)) != 0 ||
	    (r = store_held_finding_residents(rn->st, &rn->held, &rn->nheld)) != 0)
		return r;
	rn->insurer_name = config_get(ctx->cfg, "print.insurer_name", "");
	if (batch_param_get(run->params, "from", rn->from_s, sizeof(rn->from_s)) != 0 ||
	    batch_param_get(run->params, "issued", rn->issued_s, sizeof(rn->issued_s)) != 0 ||
	    batch_param_get(run->params, "out", rn->out_dir, sizeof(rn->out_dir)) != 0 ||
	    batch_param_get(run->params, "layout", buf, sizeof(buf)) != 0 ||
	    date_parse(rn->from_s, &rn->from) != 0 || date_parse(rn->issued_s, &rn->issued) != 0)
		return err_set(NHI_ESTORE_CORRUPT, "batch run %s: its parameters are incomplete",
		    run->uid);
	rn->layout = strcmp(buf, "household") == 0 ? BATCH_RENEW_HOUSEHOLD : BATCH_RENEW_SHEET;
	if (batch_param_get(run->params, "volume_size", buf, sizeof(buf)) != 0 ||
	    (rn->volume_size = strtol(buf, NULL, 10)) < 1)
		return err_set(NHI_ESTORE_CORRUPT, "batch run %s: no volume size", run->uid);
	if (batch_param_get(run->params, "created", buf, sizeof(buf)) != 0)
		return err_set(NHI_ESTORE_CORRUPT, "batch run %s: no creation date", run->uid);
	rn->pr.opts.creation_time = strtoll(buf, NULL, 10);
	rn->pr.opts.proof = 0;
	return 0;
}

int
batch_renew_execute(struct session *ctx, struct batch_run *run, struct batch_progress *pg,
    int (*stop)(void *arg), void *stop_arg, struct batch_renew_result *res)
{
	struct renew rn;
	int r;

	memset(&rn, 0, sizeof(rn));
	memset(res, 0, sizeof(*res));
	if (strcmp(run->kind, BATCH_KIND_RENEW) != 0)
		return err_set(NHI_ESTATE, "batch run %s is a %s run, not renew", run->uid,
		    run->kind);
	res->selected = run->total;
	res->skipped = run->done + run->exceptions;
	if (strcmp(run->state, BATCH_RUN_DONE) == 0)
		return 0;
	if (strcmp(run->state, BATCH_RUN_CANCELLED) == 0)
		return err_set(NHI_ESTATE, "batch run %s was cancelled", run->uid);
	if ((r = renew_setup(&rn, ctx, run)) != 0)
		return r;
	rn.pg = pg;
	rn.stop = stop;
	rn.stop_arg = stop_arg;
	rn.res = res;
	if ((r = batch_run_set_running(rn.st, run->id)) != 0)
		goto out;
	r = batch_item_walk(rn.st, run->id, BATCH_ITEM_PENDING "," BATCH_ITEM_PREPARED,
	    renew_item, &rn);
	if (r == 1 && rn.stopped)
		r = 0;
	if (r == 0 && !rn.stopped)
		r = renew_flush(&rn);
	if (r != 0)
		goto out;
	if (!rn.stopped && (r = batch_run_finish_audited(rn.st, run->id, NULL)) != 0)
		goto out;
	r = batch_run_get(rn.st, run->id, run);
out:
	slots_clear(&rn);
	free(rn.slots);
	free(rn.held);
	return r;
}

/* Options checked and completed (defaults from the rules and today). */
static int
renew_opts(struct session *ctx, const struct batch_renew_opts *o, char from[11],
    char issued[11], long *volume_size)
{
	struct rules_policy p;
	struct print_request pr;
	struct nhi_date d;
	int r;

	memset(&pr, 0, sizeof(pr));
	if ((r = rules_policy_from_config(ctx->cfg, &p)) != 0 ||
	    (r = flow_print_defaults(ctx, &pr)) != 0)
		return r;
	if (o->from != NULL) {
		if (date_parse(o->from, &d) != 0)
			return err_set(NHI_EUSAGE, "--from: expected YYYY-MM-DD, not '%s'", o->from);
		snprintf(from, 11, "%s", o->from);
	} else if ((r = default_from(&p, from)) != 0)
		return r;
	if (o->issued != NULL) {
		if (date_parse(o->issued, &d) != 0)
			return err_set(NHI_EUSAGE, "--issued: expected YYYY-MM-DD, not '%s'",
			    o->issued);
		snprintf(issued, 11, "%s", o->issued);
	} else
		time_today_jst_iso(issued, 11);
	*volume_size = o->volume_size > 0 ? o->volume_size : pr.volume_size;
	return 0;
}

int
batch_renew_create(struct session *ctx, const struct batch_selection *sel,
    const struct batch_renew_opts *o, struct batch_run *run)
{
	struct print_request pr;
	struct store *st;
	struct stat sb;
	char params[1536] = "", from[11], issued[11], buf[32];
	long vs;
	int r;

	memset(&pr, 0, sizeof(pr));
	if (o->out_dir == NULL || o->out_dir[0] == '\0')
		return err_set(NHI_EUSAGE, "renewal: give the directory for the PDFs (-d DIR)");
	if (strlen(o->out_dir) >= 1000)
		return err_set(NHI_EUSAGE, "-d: the directory name is too long");
	if (stat(o->out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return err_set(NHI_ENOFILE, "-d %s: no such directory", o->out_dir);
	if (access(o->out_dir, W_OK) != 0)
		return err_set(NHI_EPERM, "-d %s: the directory is not writable", o->out_dir);
	if ((r = renew_opts(ctx, o, from, issued, &vs)) != 0 ||
	    (r = flow_print_defaults(ctx, &pr)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	snprintf(buf, sizeof(buf), "%ld", vs);
	if ((r = batch_param_add(params, sizeof(params), "from", from)) != 0 ||
	    (r = batch_param_add(params, sizeof(params), "issued", issued)) != 0 ||
	    (r = batch_param_add(params, sizeof(params), "layout", layout_name(o->layout))) != 0 ||
	    (r = batch_param_add(params, sizeof(params), "volume_size", buf)) != 0 ||
	    (r = batch_param_add(params, sizeof(params), "out", o->out_dir)) != 0)
		return r;
	snprintf(buf, sizeof(buf), "%lld", (long long)pr.opts.creation_time);
	if ((r = batch_param_add(params, sizeof(params), "created", buf)) != 0)
		return r;
	return batch_run_create(st, BATCH_KIND_RENEW, sel, from, params, ctx->operator_login,
	    run);
}

/* ---- Dry run ------------------------------------------------------------- */

struct renew_dry {
	struct renew		 rn;
	int64_t			 pos;		/* the person's seq, as the run would number it */
	int64_t			 last_volume;
	int64_t			 last_household;
	char			 codes[8][32];
	int64_t			 counts[8];
	int			 ncodes;
};

static void
dry_count(struct renew_dry *d, const char *code)
{
	int i;

	for (i = 0; i < d->ncodes; i++)
		if (strcmp(d->codes[i], code) == 0)
			break;
	if (i == d->ncodes) {
		if (d->ncodes == 8)
			i = 7;
		else
			snprintf(d->codes[d->ncodes++], sizeof(d->codes[0]), "%s", code);
	}
	d->counts[i]++;
}

static int
dry_person(void *arg, int64_t resident_id, const struct batch_list_entry *e)
{
	struct renew_dry *d = arg;
	struct renew_slot s;
	struct resident res;
	char code[32], text[256];
	int r;

	(void)e;
	d->rn.res->selected++;
	d->pos++;
	memset(&s, 0, sizeof(s));
	s.it.resident_id = resident_id;
	if (resident_id == 0) {
		snprintf(code, sizeof(code), "%s", BATCH_EX_NOT_FOUND);
		r = 0;
	} else if ((r = batch_person_check(d->rn.st, resident_id, d->rn.from_s, 1, code,
	    text)) == 0 && code[0] == '\0')
		r = renew_load(&d->rn, &s, code, text);
	print_certificate_clear(&s.c);
	if (r != 0)
		return r;
	if (code[0] != '\0') {
		d->rn.res->exceptions++;
		dry_count(d, code);
		return 0;
	}
	d->rn.res->renewed++;
	if (d->rn.layout == BATCH_RENEW_SHEET) {
		/* Volumes are cut by position in the run, exceptions included. */
		if ((d->pos - 1) / d->rn.volume_size + 1 != d->last_volume)
			d->rn.res->volumes++;
		d->last_volume = (d->pos - 1) / d->rn.volume_size + 1;
	} else {
		memset(&res, 0, sizeof(res));
		if ((r = store_resident_get(d->rn.st, resident_id, &res)) != 0)
			return r;
		if (res.household_id == 0 || res.household_id != d->last_household)
			d->rn.res->volumes++;
		d->last_household = res.household_id;
		store_resident_free(&res);
	}
	return 0;
}

int
batch_renew_dry(struct session *ctx, const struct batch_selection *sel,
    const struct batch_renew_opts *o, struct batch_renew_result *res)
{
	struct renew_dry d;
	size_t len = 0;
	int r, i;

	memset(&d, 0, sizeof(d));
	memset(res, 0, sizeof(*res));
	d.rn.res = res;
	d.rn.ctx = ctx;
	d.rn.layout = o->layout;
	if ((r = renew_opts(ctx, o, d.rn.from_s, d.rn.issued_s, &d.rn.volume_size)) != 0 ||
	    (r = session_store(ctx, &d.rn.st)) != 0 ||
	    (r = rules_policy_from_config(ctx->cfg, &d.rn.policy)) != 0 ||
	    (r = store_held_finding_residents(d.rn.st, &d.rn.held, &d.rn.nheld)) != 0)
		return r;
	d.rn.insurer_name = "";
	if (date_parse(d.rn.from_s, &d.rn.from) != 0 ||
	    date_parse(d.rn.issued_s, &d.rn.issued) != 0)
		return err_set(NHI_EINTERNAL, "renewal: bad dates");
	r = batch_select_walk(d.rn.st, sel, d.rn.from_s, dry_person, &d);
	free(d.rn.held);
	if (r != 0)
		return r;
	for (i = 0; i < d.ncodes && len < sizeof(res->by_code); i++)
		len += (size_t)snprintf(res->by_code + len, sizeof(res->by_code) - len, "%s%s=%lld",
		    i ? " " : "", d.codes[i], (long long)d.counts[i]);
	return 0;
}

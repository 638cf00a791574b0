/*
 * batch.c: the batch engine (batch.h, docs/batch.md): selections, run
 * creation with each person's snapshot, the stale-data check before an
 * item is acted on, and the one-item-at-a-time driver. SQL is in
 * batch-store.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch-int.h"
#include "crypto.h"
#include "error.h"
#include "rules.h"
#include "store.h"
#include "util.h"

void
batch_test_crash(const char *point)
{
#if NHI_TEST_HOOKS
	static const char *at;
	static int looked;
	static long count;
	size_t n;
	long want;
	char *end;

	if (!looked) {
		at = getenv("NHICARD_TEST_CRASH_AT");
		if (at != NULL && strncmp(at, "batch:", 6) != 0)
			at = NULL;
		looked = 1;
	}
	if (at == NULL)
		return;
	n = strlen(point);
	if (strncmp(at + 6, point, n) != 0 || at[6 + n] != ':')
		return;
	want = strtol(at + 6 + n + 1, &end, 10);
	if (*end != '\0' || want < 1)
		return;
	if (++count == want)
		_exit(99);
#else
	(void)point;	/* a production build has no test hooks */
#endif
}

/* ---- Selections -------------------------------------------------------- */

int
batch_selection_parse(int argc, char **argv, struct batch_selection *out, int *used)
{
	struct batch_selection sel;

	memset(&sel, 0, sizeof(sel));
	if (argc < 1)
		return err_set(NHI_EUSAGE, "no selection: give all, district D or list FILE");
	if (strcmp(argv[0], "all") == 0) {
		sel.kind = BATCH_SEL_ALL;
		*used = 1;
	} else if (strcmp(argv[0], "district") == 0 || strcmp(argv[0], "list") == 0) {
		if (argc < 2 || argv[1][0] == '\0')
			return err_set(NHI_EUSAGE, "selection '%s' needs %s", argv[0],
			    argv[0][0] == 'd' ? "a district (address code or address start)" :
			    "a list file");
		if (argv[0][0] == 'd') {
			sel.kind = BATCH_SEL_DISTRICT;
			sel.district = argv[1];
		} else {
			sel.kind = BATCH_SEL_LIST;
			sel.list_path = argv[1];
		}
		*used = 2;
	} else
		return err_set(NHI_EUSAGE, "unknown selection '%s': give all, district D or"
		    " list FILE", argv[0]);
	*out = sel;
	return 0;
}

void
batch_selection_format(const struct batch_selection *sel, char *buf, size_t n)
{
	switch (sel->kind) {
	case BATCH_SEL_ALL:
		snprintf(buf, n, "all");
		break;
	case BATCH_SEL_DISTRICT:
		snprintf(buf, n, "district %s", sel->district);
		break;
	case BATCH_SEL_LIST:
		snprintf(buf, n, "list %s", sel->list_path);
		break;
	default:
		snprintf(buf, n, "?");
	}
}

/* ---- Checks ------------------------------------------------------------ */

/* The check on a person read by batch_store_person. */
static void
person_verdict(const struct batch_person *p, const char *on, int need_printable_name,
    char code[32], char text[256])
{
	code[0] = text[0] = '\0';
	if (strcmp(p->status, "deceased") == 0) {
		snprintf(code, 32, "%s", BATCH_EX_DIED);
		snprintf(text, 256, "the resident died");
	} else if (strcmp(p->status, "resident") != 0) {
		snprintf(code, 32, "%s", BATCH_EX_MOVED_AWAY);
		snprintf(text, 256, "the resident moved away");
	} else if (!p->insured) {
		snprintf(code, 32, "%s", BATCH_EX_NOT_INSURED);
		snprintf(text, 256, "no NHI eligibility on %s", on);
	} else if (need_printable_name && (p->name_flags & STORE_NAME_GAIJI)) {
		snprintf(code, 32, "%s", BATCH_EX_NAME);
		snprintf(text, 256, "the name holds a vendor character (外字): a clerk must"
		    " check it before anything is printed");
	}
}

int
batch_person_check(struct store *st, int64_t resident_id, const char *on,
    int need_printable_name, char code[32], char text[256])
{
	struct batch_person p;
	int r;

	if ((r = batch_store_person(st, resident_id, on, &p)) == NHI_ENOTFOUND) {
		err_clear();
		snprintf(code, 32, "%s", BATCH_EX_NOT_FOUND);
		snprintf(text, 256, "no such resident");
		return 0;
	}
	if (r != 0)
		return r;
	person_verdict(&p, on, need_printable_name, code, text);
	batch_person_clear(&p);
	return 0;
}

int
batch_item_check(struct store *st, const struct batch_run *run,
    const struct batch_item *it, int need_printable_name, char code[32], char text[256])
{
	struct batch_person p;
	uint8_t now[BATCH_SNAPSHOT_LEN];
	int r;

	code[0] = text[0] = '\0';
	if (it->resident_id == 0) {
		snprintf(code, 32, "%s", BATCH_EX_NOT_FOUND);
		snprintf(text, 256, "the list names nobody the station knows");
		return 0;
	}
	if ((r = batch_store_person(st, it->resident_id, run->on, &p)) != 0)
		return r;
	person_verdict(&p, run->on, 0, code, text);
	if (code[0] == '\0') {
		if ((r = crypto_sha256(p.snapshot_text, p.snapshot_len, now)) != 0)
			goto out;
		if (memcmp(now, it->snapshot, sizeof(now)) != 0) {
			snprintf(code, 32, "%s", BATCH_EX_CHANGED);
			snprintf(text, 256, "the resident's data changed since the selection"
			    " (%s): check and select again", run->created_at);
		}
	}
	if (code[0] == '\0' && need_printable_name)
		person_verdict(&p, run->on, 1, code, text);
	r = 0;
out:
	batch_person_clear(&p);
	return r;
}

/* ---- Creating runs ------------------------------------------------------ */

struct create {
	struct store	*st;
	int64_t		 run_id;
	int64_t		 seq;
};

static int
create_person(void *arg, const struct batch_person *p)
{
	struct create *c = arg;
	struct batch_item it;
	int r;

	memset(&it, 0, sizeof(it));
	it.run_id = c->run_id;
	it.seq = ++c->seq;
	it.resident_id = p->resident_id;
	if ((r = crypto_sha256(p->snapshot_text, p->snapshot_len, it.snapshot)) != 0)
		return r;
	return batch_store_item_insert(c->st, &it);
}

/* Resolve a list entry: 0 and *p (resident_id 0 when unknown). */
static int
list_person(struct store *st, const struct batch_list_entry *e, const char *on,
    struct batch_person *p)
{
	int64_t rid = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = batch_store_resolve(st, e, &rid)) != 0 || rid == 0)
		return r;
	return batch_store_person(st, rid, on, p);
}

struct create_list {
	struct create	 c;
	const char	*on;
};

static int
create_listed(void *arg, const struct batch_list_entry *e)
{
	struct create_list *cl = arg;
	struct batch_person p;
	struct batch_item it;
	int r, dup = 0;

	memset(&it, 0, sizeof(it));
	it.run_id = cl->c.run_id;
	it.seq = ++cl->c.seq;
	snprintf(it.list_key, sizeof(it.list_key), "%s", e->who);
	it.list_line = e->line;
	snprintf(it.arg, sizeof(it.arg), "%s", e->reason);
	if ((r = list_person(cl->c.st, e, cl->on, &p)) != 0)
		return r;
	if (p.resident_id == 0) {
		snprintf(it.exception, sizeof(it.exception), "%s", BATCH_EX_NOT_FOUND);
		snprintf(it.exception_text, sizeof(it.exception_text), "line %ld: the station"
		    " knows no resident '%s'", e->line, e->who);
	} else {
		it.resident_id = p.resident_id;
		if ((r = crypto_sha256(p.snapshot_text, p.snapshot_len, it.snapshot)) != 0 ||
		    (r = batch_store_item_open_for(cl->c.st, cl->c.run_id, p.resident_id,
		    &dup)) != 0)
			goto out;
		if (dup) {
			snprintf(it.exception, sizeof(it.exception), "%s", BATCH_EX_DUPLICATE);
			snprintf(it.exception_text, sizeof(it.exception_text), "line %ld: the"
			    " resident is listed on an earlier line", e->line);
		}
	}
	r = batch_store_item_insert(cl->c.st, &it);
out:
	batch_person_clear(&p);
	return r;
}

int
batch_run_create(struct store *st, const char *kind, const struct batch_selection *sel,
    const char *on, const char *params, const char *operator_login, struct batch_run *out)
{
	struct batch_run run;
	struct create_list cl;
	struct nhi_date d;
	int r;

	memset(&run, 0, sizeof(run));
	memset(&cl, 0, sizeof(cl));
	if (strcmp(kind, BATCH_KIND_PREISSUE) != 0 && strcmp(kind, BATCH_KIND_RENEW) != 0 &&
	    strcmp(kind, BATCH_KIND_REVOKE) != 0)
		return err_set(NHI_EUSAGE, "unknown batch kind '%s'", kind);
	if (date_parse(on, &d) != 0)
		return err_set(NHI_EUSAGE, "batch run: bad day '%s' (expected YYYY-MM-DD)", on);
	snprintf(run.kind, sizeof(run.kind), "%s", kind);
	batch_selection_format(sel, run.selection, sizeof(run.selection));
	snprintf(run.params, sizeof(run.params), "%s", params != NULL ? params : "");
	snprintf(run.on, sizeof(run.on), "%s", on);
	snprintf(run.operator_login, sizeof(run.operator_login), "%s",
	    operator_login != NULL ? operator_login : "");
	if ((r = store_begin(st)) != 0)
		return r;
	if ((r = batch_store_run_insert(st, &run)) != 0)
		goto out;
	cl.c.st = st;
	cl.c.run_id = run.id;
	cl.on = on;
	if (sel->kind == BATCH_SEL_LIST)
		r = batch_list_read(sel->list_path, create_listed, &cl);
	else
		r = batch_store_select(st, sel, on, create_person, &cl.c);
	if (r != 0 || (r = batch_store_run_count(st, run.id, cl.c.seq)) != 0)
		goto out;
	batch_test_crash("create");
	if ((r = store_commit(st)) != 0)
		goto out;
	r = batch_run_get(st, run.id, out);
out:
	if (r != 0)
		store_rollback(st);
	return r;
}

/* ---- Dry runs ------------------------------------------------------------ */

struct walk {
	int	(*fn)(void *arg, int64_t resident_id, const struct batch_list_entry *e);
	void	*arg;
	struct store *st;
	const char *on;
};

static int
walk_person(void *arg, const struct batch_person *p)
{
	struct walk *w = arg;

	return w->fn(w->arg, p->resident_id, NULL);
}

static int
walk_listed(void *arg, const struct batch_list_entry *e)
{
	struct walk *w = arg;
	int64_t rid = 0;
	int r;

	if ((r = batch_store_resolve(w->st, e, &rid)) != 0)
		return r;
	return w->fn(w->arg, rid, e);
}

int
batch_select_walk(struct store *st, const struct batch_selection *sel, const char *on,
    int (*fn)(void *arg, int64_t resident_id, const struct batch_list_entry *e), void *arg)
{
	struct walk w;
	struct nhi_date d;

	if (date_parse(on, &d) != 0)
		return err_set(NHI_EUSAGE, "batch run: bad day '%s' (expected YYYY-MM-DD)", on);
	w.fn = fn;
	w.arg = arg;
	w.st = st;
	w.on = on;
	if (sel->kind == BATCH_SEL_LIST)
		return batch_list_read(sel->list_path, walk_listed, &w);
	return batch_store_select(st, sel, on, walk_person, &w);
}

/* ---- The one-at-a-time driver ------------------------------------------ */

struct drive {
	struct store		*st;
	const struct batch_run	*run;
	const struct batch_ops	*ops;
	struct batch_progress	*pg;
	int64_t			 handled, exceptions;
	int			 stopped;
};

static int
drive_item(void *arg, struct batch_item *it)
{
	struct drive *d = arg;
	struct batch_item after;
	int r;

	if (d->ops->stop != NULL && d->ops->stop(d->ops->arg)) {
		d->stopped = 1;
		return 1;
	}
	if ((r = d->ops->item(d->ops->arg, d->st, d->run, it)) != 0)
		return r;
	if ((r = batch_item_get(d->st, it->id, &after)) != 0)
		return r;
	if (strcmp(after.state, BATCH_ITEM_DONE) == 0 ||
	    strcmp(after.state, BATCH_ITEM_EXCEPTION) == 0) {
		d->handled++;
		if (after.state[0] == 'e')
			d->exceptions++;
	}
	batch_progress_update(d->pg, d->handled, d->exceptions);
	return 0;
}

int
batch_run_items(struct store *st, struct batch_run *run, const struct batch_ops *ops,
    struct batch_progress *pg)
{
	struct drive d;
	int r;

	if (strcmp(run->state, BATCH_RUN_DONE) == 0)
		return 0;
	if (strcmp(run->state, BATCH_RUN_CANCELLED) == 0)
		return err_set(NHI_ESTATE, "batch run %s was cancelled", run->uid);
	memset(&d, 0, sizeof(d));
	d.st = st;
	d.run = run;
	d.ops = ops;
	d.pg = pg;
	d.handled = run->done + run->exceptions;
	d.exceptions = run->exceptions;
	if ((r = batch_run_set_running(st, run->id)) != 0)
		return r;
	r = batch_item_walk(st, run->id, BATCH_ITEM_PENDING "," BATCH_ITEM_PREPARED,
	    drive_item, &d);
	if (r == 1 && d.stopped)
		r = 0;
	if (r != 0)
		return r;
	if (!d.stopped && (r = batch_run_finish_audited(st, run->id, NULL)) != 0)
		return r;
	return batch_run_get(st, run->id, run);
}

/* ---- Parameters ----------------------------------------------------------- */

int
batch_param_get(const char *params, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key), vlen;
	const char *p = params, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if ((size_t)(nl - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			vlen = (size_t)(nl - p) - klen - 1;
			snprintf(buf, n, "%.*s", (int)vlen, p + klen + 1);
			return 0;
		}
		p = *nl != '\0' ? nl + 1 : nl;
	}
	return NHI_ENOTFOUND;
}

int
batch_param_add(char *params, size_t n, const char *key, const char *value)
{
	size_t len = strlen(params);
	int w;

	if (strchr(value, '\n') != NULL)
		return err_set(NHI_ERANGE, "batch parameter %s: a line break in the value", key);
	w = snprintf(params + len, n - len, "%s=%s\n", key, value);
	if (w < 0 || (size_t)w >= n - len) {
		params[len] = '\0';
		return err_set(NHI_ERANGE, "batch parameter %s: too long", key);
	}
	return 0;
}

int
batch_snapshot_changed(const struct batch_person *p, const struct batch_item *it,
    int *changed)
{
	uint8_t now[BATCH_SNAPSHOT_LEN];
	int r;

	if ((r = crypto_sha256(p->snapshot_text, p->snapshot_len, now)) != 0)
		return r;
	*changed = memcmp(now, it->snapshot, sizeof(now)) != 0;
	return 0;
}

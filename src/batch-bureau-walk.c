/*
 * batch-bureau-walk.c: the opening sequence the station's two bureau steps
 * share (batch-bureau.h: bureau_file_walk): `batch preissue sign-keys`
 * (batch-bureau-sign.c) and `batch preissue import-result`
 * (batch-bureau-import.c). The run is checked, the bureau's CMS file is
 * unsealed to an unlinked temporary file, read whole once (a malformed
 * line refuses it before anything changes), the card profile and the
 * municipality's keys are loaded, then the file is read again record by
 * record through the step's callback, which commits in groups; the last
 * group is committed here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-bureau.h"
#include "batch.h"
#include "crypto-cms.h"
#include "error.h"
#include "flow-perso.h"
#include "session.h"
#include "store.h"
#include "util.h"

int
bureau_file_walk(struct session *ctx, int64_t run_id, const char *path, int pass,
    struct bureau_walk *w, int (*each)(void *arg, const struct bureau_record *rec),
    void *arg)
{
	FILE *fp = NULL;
	int r;

	w->source = path;
	w->run_id = run_id;
	if ((r = session_store(ctx, &w->st)) != 0 ||
	    (r = batch_run_check(w->st, run_id, BATCH_KIND_PREISSUE)) != 0 ||
	    (r = bureau_keys_load(ctx, &w->ck)) != 0 ||
	    (r = store_meta_get(w->st, "station_id", &w->station)) != 0 ||
	    (r = crypto_cms_unseal_file(w->ck, path, "card bureau", &fp)) != 0)
		goto out;
	/* The whole file first: a bad line anywhere refuses it before
	 * anything is signed or recorded. */
	if ((r = bureau_read_file(fp, path, pass, w->station, run_id, NULL, NULL)) != 0)
		goto out;
	rewind(fp);
	if ((r = flow_perso_setup(ctx, &w->prof, &w->keys)) != 0 ||
	    (r = bureau_read_file(fp, path, pass, w->station, run_id, each, arg)) != 0)
		goto out;
	if (w->in_txn) {
		w->in_txn = 0;
		if ((r = store_commit(w->st)) != 0)
			goto out;
	}
	r = 0;
out:
	if (fp != NULL)
		fclose(fp);
	return r;
}

int
bureau_walk_group(struct bureau_walk *w, size_t group)
{
	int r;

	if (!w->in_txn) {
		if ((r = store_begin(w->st)) != 0)
			return r;
		w->in_txn = 1;
		w->in_group = 0;
	}
	if (group > 0 && w->in_group >= group) {
		/* Commit before this record: the group so far is whole. */
		w->in_txn = 0;
		if ((r = store_commit(w->st)) != 0 || (r = store_begin(w->st)) != 0)
			return r;
		w->in_txn = 1;
		w->in_group = 0;
	}
	w->in_group++;
	return 0;
}

void
bureau_walk_note(struct bureau_walk *w, const char *fmt, ...)
{
	va_list ap;
	char *t;

	va_start(ap, fmt);
	t = xvasprintf(fmt, ap);
	va_end(ap);
	if (w->note != NULL)
		w->note(w->note_arg, t);
	free(t);
}

void
bureau_walk_end(struct bureau_walk *w)
{
	if (w->in_txn)
		store_rollback(w->st);
	w->in_txn = 0;
	free(w->station);
	w->station = NULL;
	card_keys_free(w->keys);
	w->keys = NULL;
	crypto_cms_keys_free(w->ck);
	w->ck = NULL;
}

/*
 * queue-mynumber.c: the records of My Number card links
 * (queue-mynumber.h). They carry the certificate's issuer and serial, the
 * user number the center answers a clinic by, the person by the station's
 * row id and the insurer of the person's current period; never the
 * 個人番号 and never the four items.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "queue-int.h"
#include "queue-mynumber.h"
#include "queue.h"
#include "store.h"
#include "util.h"

static void
link_fields(struct jbuf *b, const struct mynumber_link *l)
{
	jb_hex(b, "user_number", l->user_number, sizeof(l->user_number));
	jb_int(b, "person", l->resident_id);
	jb_str(b, "cert_issuer", l->cert_issuer);
	jb_str(b, "cert_serial", l->cert_serial);
	jb_str(b, "cert_not_after", l->not_after);
	jb_str(b, "cert_sha256", l->cert_sha256);
}

int
queue_mynumber_linked(struct store *st, const struct mynumber_link *l,
    const char *replaces, int64_t *seq)
{
	struct eligibility e;
	struct jbuf b;
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_mynumber_linked outside a store"
		    " transaction");
	r = store_eligibility_current(st, l->resident_id, NULL, &e);
	if (r != 0 && r != NHI_ENOTFOUND)
		return r;
	jb_init(&b);
	jb_open(&b);
	link_fields(&b, l);
	jb_str(&b, "insurer_number", r == 0 ? e.insurer_number : NULL);
	jb_str(&b, "replaces_serial", replaces);
	jb_str(&b, "linked_at", l->linked_at);
	jb_close(&b);
	r = queue_append(st, QUEUE_LANE_BULK, "mynumber_linked", &b, seq);
	jb_free(&b);
	return r;
}

int
queue_mynumber_unlinked(struct store *st, const struct mynumber_link *l,
    const char *reason, int64_t *seq)
{
	struct jbuf b;
	char today[11];
	int r;

	if (!store_queue_in_txn(st))
		return err_set(NHI_EINTERNAL, "queue_mynumber_unlinked outside a store"
		    " transaction");
	time_today_jst_iso(today, sizeof(today));
	jb_init(&b);
	jb_open(&b);
	link_fields(&b, l);
	jb_str(&b, "reason", reason);
	jb_str(&b, "date", today);
	jb_close(&b);
	r = queue_append(st, QUEUE_LANE_REVOCATION, "mynumber_unlinked", &b, seq);
	jb_free(&b);
	return r;
}

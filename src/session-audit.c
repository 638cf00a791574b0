/*
 * session-audit.c: session_audit(), the one call every action makes at its
 * end to append its audit entry with the session's operator (session.h).
 */
#include "config.h"

#include <stdlib.h>

#include "audit.h"
#include "error.h"
#include "session.h"
#include "store.h"
#include "util.h"

const char *
session_audit_outcome(int r)
{
	if (r == 0)
		return AUDIT_OK;
	switch (nhi_exit_code(r)) {
	case NHI_EXIT_REFUSED:
	case NHI_EXIT_USAGE:
		return AUDIT_REFUSED;
	default:
		return AUDIT_FAILED;
	}
}

int
session_audit(struct session *ctx, int r, const char *action, const char *subject,
    const char *detail)
{
	struct store *st;
	char *saved = NULL, *text = NULL;
	const char *why = err_reason_of(r);
	int ar;

	/* A command that failed before it could open the store did nothing
	 * on record (usage, configuration, a store that is not there). */
	if (r != 0 && ctx->store == NULL)
		return r;
	if (r != 0)
		saved = xstrdup(err_text(r));
	if (r != 0)
		text = xasprintf("%s%s%s", detail != NULL ? detail : "",
		    detail != NULL ? "; " : "", nhi_errname(r));
	if ((ar = session_store(ctx, &st)) == 0)
		ar = audit_append(st, ctx->operator_login, action, subject,
		    session_audit_outcome(r), r != 0 ? text : detail);
	if (ar != 0)
		log_error("audit: could not record %s: %s", action, err_text(ar));
	if (r != 0)
		(void)err_reason(err_set(r, "%s", saved), why);
	else if (ar != 0)
		r = ar;
	free(saved);
	free(text);
	return r;
}


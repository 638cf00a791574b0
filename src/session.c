/*
 * session.c: the station session's store, opened on demand (session.h).
 */
#include "config.h"

#include "session.h"
#include "store.h"

int
session_store(struct session *ctx, struct store **out)
{
	int r;

	if (ctx->store == NULL &&
	    (r = store_open(ctx->db_path, 0, &ctx->store)) != 0)
		return r;
	store_set_actor(ctx->store, ctx->operator_login);
	*out = ctx->store;
	return 0;
}

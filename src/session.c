/*
 * session.c: the station session's store, opened on demand (session.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "crypto.h"
#include "error.h"
#include "session.h"
#include "store.h"
#include "util.h"

/*
 * Is the audit chain keyed (docs/audit.md "The keyed seal")? It is when
 * keys.dir holds audit.key; a production store must be.
 */
void
session_audit_keying(struct session *ctx, struct store *st)
{
	enum crypto_mode mode = CRYPTO_MODE_PRODUCTION;
	const char *dir;
	char *path = NULL, *v = NULL;
	int required;

	if (store_meta_get(st, STORE_META_STATION_MODE, &v) == 0)
		required = strcmp(v, "production") == 0;
	else {
		err_clear();
		required = crypto_station_mode(ctx->cfg, &mode) != 0 ||
		    mode == CRYPTO_MODE_PRODUCTION;
		err_clear();
	}
	free(v);
	if (crypto_keys_dir(ctx->cfg, &dir) == 0) {
		path = xasprintf("%s/audit.key", dir);
		if (access(path, F_OK) != 0) {
			free(path);
			path = NULL;
		}
	} else
		err_clear();
	audit_keying(path, required);
	free(path);
}

int
session_store(struct session *ctx, struct store **out)
{
	int r;

	if (ctx->store == NULL) {
		if ((r = store_open(ctx->db_path, 0, &ctx->store)) != 0)
			return r;
		session_audit_keying(ctx, ctx->store);
	}
	store_set_actor(ctx->store, ctx->operator_login);
	*out = ctx->store;
	return 0;
}

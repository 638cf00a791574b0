/*
 * cmd-db.c: `nhicard db init|check|version`: create and check the store.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "crypto.h"
#include "error.h"
#include "flow-print.h"
#include "nhiconf.h"
#include "store.h"
#include "util.h"

/* A station id as the center knows it (its certificate's name): 1 to 32
 * letters, digits or '-'. */
static int
station_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-')
			return 0;
	return 1;
}

static int
db_init(struct session *ctx)
{
	const char *id = config_get(ctx->cfg, "station.id", NULL);
	struct store *st = NULL;
	enum crypto_mode mode;
	char *have = NULL;
	int r, removed = 0;

	if (id != NULL && !station_id_valid(id))
		return err_set(NHI_ECONFIG, "configuration key station.id: '%s' is not 1 to 32"
		    " letters, digits or '-'", id);
	if ((r = crypto_station_mode(ctx->cfg, &mode)) != 0)
		return r;
	/* A production station is the one the center's certificate names:
	 * a random id would be found only at the first send. Production is
	 * also what an unset station.mode means (issue 19). */
	if (mode == CRYPTO_MODE_PRODUCTION && id == NULL)
		return err_set(NHI_ECONFIG, "station.id is not set in %s: a production"
		    " station needs the id its certificate names (the center assigns it)%s",
		    ctx->config_path != NULL ? ctx->config_path : "the configuration",
		    config_get(ctx->cfg, "station.mode", NULL) == NULL ? "; station.mode"
		    " is not set either, which means production (a test or training"
		    " station says station.mode = test or demo)" : "");
	/* Built whole in a temporary file, then put in place (store_create):
	 * a kill leaves no store or a complete one. */
	if ((r = store_create(ctx->db_path, &removed, &st)) != 0)
		return r;
	if (removed > 0)
		printf("removed %d unfinished store file%s of a db init that stopped\n",
		    removed, removed == 1 ? "" : "s");
	/* The store remembers what it is: a later configuration cannot make a
	 * production store a test or demo one. */
	if ((r = store_meta_set(st, STORE_META_STATION_MODE, crypto_mode_name(mode))) != 0)
		goto out;
	if (id != NULL && (r = store_meta_set(st, "station_id", id)) != 0)
		goto out;
	if ((r = store_meta_get(st, "station_id", &have)) != 0)
		goto out;
	/* The store's first audit entry: who made it, for which station. */
	{
		char *d = xasprintf("store created: station %s, mode %s", have,
		    crypto_mode_name(mode));

		r = audit_append(st, ctx->operator_login != NULL ? ctx->operator_login :
		    "system", "db.init", NULL, AUDIT_OK, d);
		free(d);
		if (r != 0)
			goto out;
	}
	r = store_publish(st);
	st = NULL;
	if (r != 0)
		goto out;
	printf("created store %s (schema version %d, station %s)\n"
	    "station mode %s, fixed for this store\n", ctx->db_path,
	    store_schema_latest(), have, crypto_mode_name(mode));
	r = 0;
out:
	free(have);
	store_close(st);
	return r;
}

static int
db_check(struct session *ctx)
{
	static const char *tables[] = { "households", "residents", "eligibility_periods",
	    "cards", "certificates", "queue_records", "operators", "audit_log" };
	struct store *st = NULL;
	char *report = NULL;
	int64_t n, bad = 0;
	size_t i;
	int r, version, ok;

	if ((r = store_open(ctx->db_path, 0, &st)) != 0)
		return r;
	session_audit_keying(ctx, st);
	if ((r = store_schema_version(st, &version)) != 0 ||
	    (r = store_check(st, &report, &ok)) != 0)
		goto out;
	printf("store %s\nschema version %d\nintegrity %s\n", ctx->db_path, version,
	    ok ? "ok" : "FAILED");
	if (!ok) {
		fputs(report, stdout);
		r = err_set(NHI_ESTORE_CORRUPT, "store %s failed its integrity check", ctx->db_path);
		goto out;
	}
	for (i = 0; i < NHI_ARRAY_LEN(tables); i++) {
		if ((r = store_count(st, tables[i], &n)) != 0)
			goto out;
		printf("%-20s %lld\n", tables[i], (long long)n);
	}
	/* A store whose audit trail was cut or edited is damaged too. */
	if ((r = audit_verify(st, &n, &bad)) == NHI_ESTORE_CORRUPT) {
		printf("audit chain FAILED: first bad entry %lld\n", (long long)bad);
		r = err_wrap(r, "store %s: ", ctx->db_path);
		goto out;
	}
	if (r != 0)
		goto out;
	printf("audit chain ok (%lld entries)\n", (long long)n);
	/* A certificate left pending on a printer by a station that stopped. */
	if ((r = flow_print_settle_stale(ctx, st, NULL)) != 0)
		goto out;
	r = 0;
out:
	free(report);
	store_close(st);
	return r;
}

static int
cmd_db_exec(struct session *ctx, int argc, char **argv)
{
	if (argc > 2)
		return cmd_operands(&cmd_db_entry, "db", argc, argv, 2, 0);
	if (argc != 2)
		return cmd_usage(&cmd_db_entry, "expected one of: init, check");
	if (strcmp(argv[1], "init") == 0)
		return db_init(ctx);
	if (strcmp(argv[1], "check") == 0)
		return db_check(ctx);
	return cmd_usage(&cmd_db_entry, "expected one of: init, check");
}

const struct cmd_entry cmd_db_entry = {
	.name = "db",
	.usage = "init|check",
	.summary = "create or check the store",
	.help =
	    "  init    create a new store at --db (file mode 0600, WAL mode);\n"
	    "          refuses to overwrite an existing file. Built whole in a\n"
	    "          temporary file .NAME.init-PID next to it and put in place\n"
	    "          at the end: a killed init leaves no store, and the next\n"
	    "          init removes its temporary file. The station id the\n"
	    "          center knows it by is station.id in the configuration\n"
	    "          (its certificate's name), else a random one\n"
	    "  check   run SQLite's integrity and foreign-key checks, print the\n"
	    "          schema version and row counts, verify the audit chain\n"
	    "          (docs/audit.md); exits 3 if damaged or the chain is broken.\n"
	    "          A certificate left pending on a printer by a station that\n"
	    "          stopped: CUPS is asked about its job first (exit 5 and\n"
	    "          nothing changed if it cannot be reached); completed, it is\n"
	    "          recorded as printed; still queued, left pending; else\n"
	    "          voided and its job cancelled (docs/printing.md)\n",
	.exec = cmd_db_exec,
};

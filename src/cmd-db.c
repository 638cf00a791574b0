/*
 * cmd-db.c: `nhicard db init|check|version`: create and check the store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "store.h"
#include "util.h"

static int
db_init(struct cmd_ctx *ctx)
{
	struct store *st = NULL;
	int r;

	if ((r = store_open(ctx->db_path, STORE_CREATE, &st)) != 0)
		return r;
	printf("created store %s (schema version %d)\n", ctx->db_path, store_schema_latest());
	store_close(st);
	return 0;
}

static int
db_check(struct cmd_ctx *ctx)
{
	static const char *tables[] = { "households", "residents", "eligibility_periods",
	    "cards", "certificates", "queue_records", "operators", "audit_log" };
	struct store *st = NULL;
	char *report = NULL;
	int64_t n;
	size_t i;
	int r, version, ok;

	if ((r = store_open(ctx->db_path, 0, &st)) != 0)
		return r;
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
	r = 0;
out:
	free(report);
	store_close(st);
	return r;
}

static int
cmd_db_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
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
	    "          refuses to overwrite an existing file\n"
	    "  check   run SQLite's integrity and foreign-key checks, print the\n"
	    "          schema version and row counts; exits 3 if damaged\n",
	.exec = cmd_db_exec,
};

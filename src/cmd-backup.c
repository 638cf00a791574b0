/*
 * cmd-backup.c: `nhicard backup DIR` and `nhicard restore [--replace] DIR`
 * (flow-backup.h, docs/backup.md): the commands parse and print; the work
 * is the flow's.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "crypto.h"
#include "error.h"
#include "flow-backup.h"
#include "nhiconf.h"
#include "store.h"

static void
where(struct session *ctx, struct backup_where *w)
{
	const char *dir = NULL;

	memset(w, 0, sizeof(*w));
	w->db_path = ctx->db_path;
	w->config_path = ctx->config_path;
	/* A demo or test station without keys.dir uses the shipped test keys:
	 * nothing of its own to keep. */
	if (crypto_keys_dir(ctx->cfg, &dir) == 0 &&
	    config_get(ctx->cfg, "keys.dir", NULL) != NULL)
		w->keys_dir = dir;
	err_clear();
}

static int
cmd_backup(struct session *ctx, int argc, char **argv)
{
	struct backup_where w;
	struct backup_result res;
	struct store *st;
	int r;

	if (argc != 2)
		return argc > 2 ? cmd_operands(&cmd_backup_entry, "backup", argc, argv, 1, 1) :
		    cmd_usage(&cmd_backup_entry, "the backup directory to create is missing");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	where(ctx, &w);
	if ((r = flow_backup(st, &w, argv[1], &res)) != 0)
		return r;
	printf("backup %s: station %s, the store and %zu other file(s) (%zu from the key"
	    " folder %s)\n", argv[1], res.station, res.files - 1, res.keys,
	    w.keys_dir != NULL ? w.keys_dir : "(none: shipped test keys)");
	return 0;
}

static int
cmd_restore(struct session *ctx, int argc, char **argv)
{
	struct backup_where w;
	struct backup_result res;
	int replace = 0, r;

	if (argc >= 2 && strcmp(argv[1], "--replace") == 0) {
		replace = 1;
		argc--;
		argv++;
	}
	if (argc != 2)
		return argc > 2 ? cmd_operands(&cmd_restore_entry, "restore", argc, argv, 1, 1) :
		    cmd_usage(&cmd_restore_entry, "the backup directory is missing");
	where(ctx, &w);
	/* The store about to be replaced must not stay open here. */
	store_close(ctx->store);
	ctx->store = NULL;
	if ((r = flow_restore(argv[1], &w, replace, &res)) != 0)
		return r;
	printf("restored station %s from %s: the store and %zu other file(s)\n",
	    res.station, argv[1], res.files - 1);
	if (res.config_differs)
		printf("the backup's configuration differs from %s, which was left as it"
		    " is: compare with %s/nhicard.conf\n", ctx->config_path, argv[1]);
	printf("the store makes no new queue record until the center has said what it"
	    " holds: run 'nhicard queue send' (or export and import the center's newest"
	    " acknowledgement) first\n");
	return 0;
}

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.usage = "DIR",
	.summary = "back up the store, the configuration and the key folder",
	.help =
	    "Creates DIR (0700) with a consistent copy of the store (SQLite's online\n"
	    "backup: clerks may keep working), the configuration file, every file of\n"
	    "keys.dir (wrapped key files as they are) and a MANIFEST of SHA-256 sums.\n"
	    "See docs/backup.md.\n",
	.exec = cmd_backup,
};

const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.usage = "[--replace] DIR",
	.summary = "restore a backup made by 'nhicard backup'",
	.help =
	    "Checks DIR's MANIFEST, then puts its store in place (an existing store\n"
	    "needs --replace and is kept as STORE.before-restore-TIME), its key files\n"
	    "where missing (a different file of the same name is refused first) and\n"
	    "its configuration where none exists. The restored store makes no new\n"
	    "queue record until 'nhicard queue send' (or an imported acknowledgement)\n"
	    "has told it what the center holds; numbers the center holds from after\n"
	    "the backup are never given again. See docs/backup.md.\n",
	.exec = cmd_restore,
};

/*
 * main.c: nhicard's entry point: global options, configuration, and the
 * dispatch of one subcommand from the table in cmd.c.
 */
#include "config.h"

#include <getopt.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "crypto-keystore.h"
#include "error.h"
#include "crypto-agent.h"
#include "nhiconf.h"
#include "operator.h"
#include "store.h"
#include "util.h"

#ifndef NHI_SYSCONFDIR
#define NHI_SYSCONFDIR "/etc"
#endif
#ifndef NHI_LOCALSTATEDIR
#define NHI_LOCALSTATEDIR "/var"
#endif

#define DEFAULT_CONFIG	NHI_SYSCONFDIR "/nhicard/nhicard.conf"
#define DEFAULT_DB	NHI_LOCALSTATEDIR "/lib/nhicard/nhicard.db"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: nhicard [--db PATH] [--config PATH] [--reader NAME]\n"
	    "               [--operator LOGIN] [--approver LOGIN] COMMAND [ARGS]\n"
	    "Run 'nhicard help' for the commands.\n");
}

/* Load the configuration: explicit paths must exist, the default may not. */
static int
load_config(struct session *ctx, int explicit_path)
{
	struct stat sb;

	ctx->cfg = config_new();
	if (!explicit_path && stat(ctx->config_path, &sb) != 0)
		return 0;
	return config_load(ctx->cfg, ctx->config_path);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "reader", required_argument, NULL, 'r' },
		{ "operator", required_argument, NULL, 'o' },
		{ "approver", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct session ctx = { .progname = "nhicard" };
	const struct cmd_entry *entry;
	const char *db_opt = NULL, *config_opt = NULL, *env;
	int c, i, r, explicit_config = 0;

	/* Everything the station writes (store, -wal/-shm, PDFs, exports,
	 * reject files, key files) is for the station's user alone. */
	umask(077);
	setlocale(LC_ALL, "");
	/* What a clerk is told while a command runs (a printer out of paper)
	 * comes from the catalog in the environment's language; the screen
	 * binds it again with ui.language (tui-i18n.c). */
	env = getenv("NHICARD_LOCALEDIR");
	bindtextdomain("nhicard", env != NULL && *env != '\0' ? env : NHI_LOCALEDIR);
	bind_textdomain_codeset("nhicard", "UTF-8");
	log_init("nhicard");
	/* '+' stops at the first non-option: the command's options are its own. */
	while ((c = getopt_long(argc, argv, "+d:c:r:o:a:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_opt = optarg;
			break;
		case 'c':
			config_opt = optarg;
			break;
		case 'r':
			ctx.reader = optarg;
			break;
		case 'o':
			ctx.operator_login = optarg;
			break;
		case 'a':
			ctx.approver = optarg;
			break;
		case 'h':
			return cmd_help_entry.exec(&ctx, 1, argv) == 0 ? 0 : NHI_EXIT_INTERNAL;
		case 'V':
			argv[optind - 1] = (char *)"version";
			return cmd_version_entry.exec(&ctx, 1, &argv[optind - 1]);
		default:
			usage(stderr);
			return NHI_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return NHI_EXIT_USAGE;
	}
	if ((entry = cmd_find(argv[0])) == NULL) {
		fprintf(stderr, "nhicard: unknown command '%s'; 'nhicard help' lists them\n",
		    argv[0]);
		return NHI_EXIT_USAGE;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_print_help(stdout, entry);
			return 0;
		}
	}

	if (config_opt != NULL) {
		ctx.config_path = config_opt;
		explicit_config = 1;
	} else if ((env = getenv("NHICARD_CONFIG")) != NULL && *env != '\0') {
		ctx.config_path = env;
		explicit_config = 1;
	} else
		ctx.config_path = DEFAULT_CONFIG;
	if ((r = load_config(&ctx, explicit_config)) != 0)
		goto out;

	if (db_opt != NULL)
		ctx.db_path = db_opt;
	else if ((env = getenv("NHICARD_DB")) != NULL && *env != '\0')
		ctx.db_path = env;
	else
		ctx.db_path = config_get(ctx.cfg, "store.path", DEFAULT_DB);
	/* The key agent's socket: keys.agent_socket, else beside the store
	 * (its folder is the station account's, 0700: docs/keys.md 4.8). */
	if ((env = config_get(ctx.cfg, "keys.agent_socket", NULL)) != NULL)
		crypto_agent_set_socket(env);
	else {
		const char *slash = strrchr(ctx.db_path, '/');
		char *sock = slash != NULL ? xasprintf("%.*s/keys-agent.sock",
		    (int)(slash - ctx.db_path), ctx.db_path) : xstrdup("keys-agent.sock");

		crypto_agent_set_socket(sock);
		free(sock);
	}
	if (ctx.reader == NULL)
		ctx.reader = config_get(ctx.cfg, "card.reader", NULL);

	if (ctx.operator_login == NULL && (env = getenv("NHICARD_OPERATOR")) != NULL &&
	    *env != '\0')
		ctx.operator_login = env;
	if (ctx.approver == NULL && (env = getenv("NHICARD_APPROVER")) != NULL &&
	    *env != '\0')
		ctx.approver = env;
	/* Who acts, and may they (the role table in operator-roles.c). */
	if ((r = operator_authorize(&ctx, entry->name, argc, argv)) != 0)
		goto out;
	r = entry->exec(&ctx, argc, argv);
out:
	/* Every configuration error names the file and line of the key. */
	if (r == NHI_ECONFIG)
		config_error_where(ctx.cfg, r);
	if (r != 0)
		fprintf(stderr, "nhicard: %s\n", err_text(r));
	crypto_keystore_forget();
	crypto_agent_set_socket(NULL);
	store_close(ctx.store);
	config_free(ctx.cfg);
	return r == 0 ? 0 : nhi_exit_code(r);
}

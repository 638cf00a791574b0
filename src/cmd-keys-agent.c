/*
 * cmd-keys-agent.c: `nhicard keys agent start|lock|status` (docs/keys.md
 * 4.8): the key officer's start of day. The agent itself is crypto-agent.c;
 * this file reads the options, asks the officer's passphrase once, starts
 * the agent in the background and says what it did.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-keys.h"
#include "crypto-agent.h"
#include "crypto-keystore.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "store.h"
#include "util.h"



static int
agent_audit(struct session *ctx, const char *action, const char *detail)
{
	struct store *st;
	int r;

	if ((r = session_store(ctx, &st)) != 0)
		return r;
	return audit_append(st, ctx->operator_login != NULL ? ctx->operator_login : "demo",
	    action, "keys", AUDIT_OK, detail);
}

static int
agent_start(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "idle", required_argument, NULL, 'i' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "foreground", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct crypto_agent *a = NULL;
	const char *dir = NULL, *pass, *sock = crypto_agent_socket();
	char *detail = NULL, *end;
	long idle = 0, life = 0;
	size_t n = 0;
	int c, r, fg = 0;

	if ((r = config_get_int(ctx->cfg, "keys.agent_idle", 1800, 10, 86400, &idle)) != 0 ||
	    (r = config_get_int(ctx->cfg, "keys.agent_lifetime", 43200, 60, 7 * 86400,
	    &life)) != 0)
		return r;
	optind = 0;
	while ((c = getopt_long(argc, argv, "i:l:f", longopts, NULL)) != -1) {
		if (c == 'i' || c == 'l') {
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > 7 * 86400)
				return cmd_usage(&cmd_keys_entry, "--idle/--lifetime: seconds,"
				    " 1 to 604800");
			if (c == 'i')
				idle = v;
			else
				life = v;
		} else if (c == 'f')
			fg = 1;
		else
			return cmd_usage(&cmd_keys_entry, "keys agent start [--idle S]"
			    " [--lifetime S] [--foreground]");
	}
	if (optind < argc)
		return cmd_operands(&cmd_keys_entry, "keys agent start", argc, argv, optind, 0);
	if ((r = crypto_keys_dir(ctx->cfg, &dir)) != 0)
		return r;
	if (sock == NULL)
		return err_set(NHI_ECONFIG, "keys.agent_socket is not set");
	/* The key officer's passphrase, once: every wrapped file must open. */
	if ((r = crypto_keystore_passphrase(&pass)) != 0 ||
	    (r = crypto_agent_load(dir, pass, &a, &n)) != 0)
		return r;
	crypto_keystore_forget();
	if ((r = crypto_agent_listen(a, sock)) != 0)
		goto fail;
	detail = xasprintf("agent started: %zu key files, idle timeout %ld s, lifetime"
	    " %ld s", n, idle, life);
	/* This entry seals what was written while the keys were locked; the
	 * agent does not serve yet, so the key it holds seals it here. */
	{
		uint8_t key[32];

		if (crypto_agent_audit_key(a, key) == 0)
			audit_key_hold(key);
		else
			err_clear();
		util_wipe(key, sizeof(key));
	}
	r = agent_audit(ctx, "keys.agent_start", detail);
	audit_key_forget();
	if (r != 0)
		goto fail;
	printf("key agent: %zu key file(s) of %s unlocked, socket %s; it locks after %ld s"
	    " without a request, after %ld s in all, or on 'nhicard keys agent lock'\n",
	    n, dir, sock, idle, life);
	fflush(stdout);
	free(detail);
	if (fg)
		return crypto_agent_serve(a, idle, life);
	/* The agent goes to the background; this process forgets the keys. */
	return crypto_agent_background(a, idle, life);
fail:
	free(detail);
	crypto_agent_free(a);
	return r;
}

int
cmd_keys_agent(struct session *ctx, int argc, char **argv)
{
	char *answer = NULL;
	int r = 0;

	if (argc < 2)
		return cmd_usage(&cmd_keys_entry, "keys agent start|lock|status");
	if (strcmp(argv[1], "start") == 0)
		return agent_start(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "lock") != 0 && strcmp(argv[1], "status") != 0)
		return cmd_usage(&cmd_keys_entry, "keys agent start|lock|status");
	if (argc > 2)
		return cmd_operands(&cmd_keys_entry, argv[1][0] == 'l' ? "keys agent lock" :
		    "keys agent status", argc, argv, 2, 0);
	/* The lock's entry is written while the agent still runs, so that it
	 * seals it (after LOCK nothing holds the audit key). */
	if (argv[1][0] == 'l' && (r = crypto_agent_request("STATUS", &answer)) == 0) {
		free(answer);
		answer = NULL;
		if ((r = agent_audit(ctx, "keys.agent_lock", "agent lock")) != 0)
			return r;
	} else if (argv[1][0] == 'l')
		return r;
	r = crypto_agent_request(argv[1][0] == 'l' ? "LOCK" : "STATUS", &answer);
	if (r == NHI_ENOFILE && argv[1][0] == 's') {
		printf("key agent: locked (none runs at %s)\n", crypto_agent_socket());
		err_clear();
		return 0;
	}
	if (r != 0)
		return r;
	if (argv[1][0] == 'l') {
		printf("key agent at %s: locked; the keys are gone from memory\n",
		    crypto_agent_socket());
	} else
		printf("key agent at %s: %s\n", crypto_agent_socket(), answer);
	free(answer);
	return r;
}

/*
 * cmd-keys.h: the `keys` command's parts in other files.
 */
#ifndef NHI_CMD_KEYS_H
#define NHI_CMD_KEYS_H

struct session;

/* `keys agent start|lock|status` (cmd-keys-agent.c); argv[0] is "agent". */
int	cmd_keys_agent(struct session *ctx, int argc, char **argv);

#endif

/*
 * cmd-keys.h: the `keys` command's parts in other files.
 */
#ifndef NHI_CMD_KEYS_H
#define NHI_CMD_KEYS_H

struct session;

/* `keys agent start|lock|status` (cmd-keys-agent.c); argv[0] is "agent". */
int	cmd_keys_agent(struct session *ctx, int argc, char **argv);

/* `keys create|rotate|import|list|kcv|passwd` with keys.store = pkcs11
 * (cmd-keys-token.c); argv[0] is "keys". */
int	cmd_keys_token(struct session *ctx, int argc, char **argv);

/* Overwrite a clear key file with zeros, sync and remove it (cmd-keys.c).
 * 0 or NHI_EIO naming the file. */
int	cmd_keys_remove_clear(const char *file);

#endif

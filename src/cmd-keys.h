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

/* The steps every key ceremony shares, with either key store (cmd-keys.c):
 * an audited success of `action` on `subject` (0 or the store error); the
 * clear file after an import, overwritten and removed (`remove`) or kept
 * with a warning, audited as keys.import on `subject`; and a failed
 * ceremony (r not 0 nor NHI_EUSAGE) audited as a refusal, the error
 * message kept for the caller. */
int	cmd_keys_audit_ok(struct session *ctx, const char *action, const char *subject,
	    const char *detail);
int	cmd_keys_clear_file(struct session *ctx, const char *file, const char *subject,
	    int remove);
void	cmd_keys_audit_refused(struct session *ctx, const char *action,
	    const char *subject, int r);

#endif

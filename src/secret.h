/*
 * secret.h: reading a password or passphrase (secret.c), for operators'
 * logins and approvals and for the wrapped key store.
 */
#ifndef NHI_SECRET_H
#define NHI_SECRET_H

/*
 * Read one secret line: from the file descriptor named by environment
 * variable `fd_env` if set (one line, the newline dropped), else from
 * /dev/tty with echo off after printing `prompt` there. Never from argv.
 * Returns 0 and *out (free with util_free_secret(s, strlen(s))), or
 * NHI_EUSAGE (no fd and no terminal: says which variable to set), NHI_EIO.
 */
int	operator_read_secret(const char *fd_env, const char *prompt, char **out);

#endif

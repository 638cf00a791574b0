/*
 * operator.h: who is acting. Operator accounts and roles, how a command
 * learns its operator (--operator / $NHICARD_OPERATOR and a password read
 * from the terminal or $NHICARD_PASSWORD_FD), the role table every
 * command is checked against before it runs, lockout after repeated
 * failures, and two-person approval. docs/operators.md is the reference.
 */
#ifndef NHI_OPERATOR_H
#define NHI_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "secret.h"

struct config;
struct store;

/* Roles, as bits (an operator holds one; the built-in demo holds all). */
#define OPERATOR_ROLE_CLERK		0x01u
#define OPERATOR_ROLE_SUPERVISOR	0x02u
#define OPERATOR_ROLE_KEY_OFFICER	0x04u
#define OPERATOR_ROLE_AUDITOR		0x08u
#define OPERATOR_ROLE_ALL		0x0fu
#define OPERATOR_ROLE_NONE		0x00u	/* the command needs no operator */

/* The built-in operator of demo and test mode, and of a store with no
 * operator account yet (bootstrap). */
#define OPERATOR_DEMO_LOGIN	"demo"

/* Role name <-> bit; 0 / NULL when unknown. */
unsigned	 operator_role_bit(const char *name);
const char	*operator_role_name(unsigned bit);
/* "clerk, supervisor" for a set of bits; caller must free. */
char		*operator_roles_text(unsigned bits);

/* ---- The role table (operator-roles.c) ---- */

/*
 * The roles allowed to run `cmd` with sub-command `sub` (argv[1] or NULL).
 * OPERATOR_ROLE_NONE: anyone, no operator needed (help, version). A
 * command missing from the table needs a supervisor (fail closed).
 */
unsigned	 operator_roles_for(const char *cmd, const char *sub);

/* ---- Reading secrets (secret.c) ---- */

/* operator_read_secret(): secret.h. */

/*
 * Whether `password` is too weak for `login`: shorter than
 * OPERATOR_PASSWORD_MIN, one character repeated, too few different
 * characters, a run (abcd..., 9876...) or a short pattern repeated, the
 * login itself (or reversed) inside it, or a word of a short deny list.
 * Returns 0, or NHI_ERANGE with a detail saying why (never the password).
 */
#define OPERATOR_PASSWORD_MIN	10
int	operator_password_check(const char *login, const char *password);

/* ---- Accounts (operator-store.c) ---- */

struct operator_account {
	int64_t	 id;
	char	 login[64];
	char	 display_name[128];
	unsigned role;			/* one OPERATOR_ROLE_* bit */
	char	*password_hash;		/* caller frees (operator_account_clear) */
	int	 failed_logins;
	char	 locked_until[24];	/* "" when not locked; UTC store time */
	int	 disabled;
	char	 created_at[24];
};

void	operator_account_clear(struct operator_account *a);

/* The number of operator accounts. */
int	store_operator_count(struct store *st, int64_t *out);
/* Insert (a->id set). NHI_EEXISTS if the login is taken. */
int	store_operator_insert(struct store *st, struct operator_account *a);
/* By login: 0 or NHI_ENOTFOUND. */
int	store_operator_get(struct store *st, const char *login,
	    struct operator_account *out);
/* All accounts ordered by login; *out an array of *count (free each with
 * operator_account_clear, then free the array). */
int	store_operator_list(struct store *st, struct operator_account **out,
	    size_t *count);
/* Set the password hash (and reset failures and lock). */
int	store_operator_set_password(struct store *st, const char *login,
	    const char *hash);
/* Set failures and lock time ("" / NULL: unlocked). */
int	store_operator_set_failures(struct store *st, const char *login,
	    int failed, const char *locked_until);
/*
 * Count one login attempt for `login` before its password is checked, in
 * one write transaction (or the caller's), so parallel attempts cannot all
 * read the same count: a lock that has passed (locked_until <= `now`)
 * starts the count again; an account already at `max_failures` is locked
 * until `lock_until` and the attempt refused. On return *out holds the
 * account as it is now (caller clears it) and *verdict says what to do:
 * OPERATOR_ATTEMPT_CHECK (counted: check the password), _DISABLED or
 * _LOCKED (refuse without checking). Returns 0, NHI_ENOTFOUND or a store
 * error.
 */
enum operator_attempt {
	OPERATOR_ATTEMPT_CHECK,
	OPERATOR_ATTEMPT_DISABLED,
	OPERATOR_ATTEMPT_LOCKED,
};
int	store_operator_attempt(struct store *st, const char *login, const char *now,
	    int max_failures, const char *lock_until, struct operator_account *out,
	    enum operator_attempt *verdict);
/* Disable (1) or enable (0). */
int	store_operator_set_disabled(struct store *st, const char *login, int disabled);

/* ---- Authentication (operator-auth.c) ---- */

/*
 * Check `password` for `login`: refuses a disabled or locked account
 * (NHI_EDENIED, saying until when), counts a failure and locks the
 * account after operators.max_failures (default 5) for
 * operators.lockout_minutes (default 15); success resets the count. Every
 * failure, lockout and refusal is audited. Returns 0 and *roles, or
 * NHI_EDENIED (unknown login and wrong password give the same text).
 */
int	operator_login(struct store *st, const struct config *cfg, const char *login,
	    const char *password, unsigned *roles);

/* The lowest operators.scrypt_n a production station accepts (16 MiB). */
#define OPERATOR_SCRYPT_N_FLOOR	16384u

/* The scrypt parameters for new password hashes and wrapped key files:
 * operators.scrypt_n, scrypt_r, scrypt_p (defaults in crypto-keystore.h);
 * in production N must be at least OPERATOR_SCRYPT_N_FLOOR. 0 or
 * NHI_ECONFIG. */
struct crypto_scrypt_params;
int	operator_scrypt_params(const struct config *cfg,
	    struct crypto_scrypt_params *out);

/* Audit an operator event (wraps audit_append; failures are logged, not
 * fatal, so a refusal is still a refusal). */
void	operator_audit(struct store *st, const char *login, const char *action,
	    const char *subject, const char *outcome, const char *detail);

#endif

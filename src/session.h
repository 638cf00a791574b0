/*
 * session.h: the station session: who acts at this station, against which
 * store, configuration and reader. Commands (main.c), the clerk's screen
 * and batch runs create one; flows and the layers above the operators take
 * it. The clock is the station's one clock, time_today_jst() (util.h).
 */
#ifndef NHI_SESSION_H
#define NHI_SESSION_H

struct card;
struct config;
struct store;

struct session {
	const char	*progname;
	const char	*db_path;	/* --db, $NHICARD_DB, store.path, default */
	const char	*config_path;	/* --config, $NHICARD_CONFIG, default */
	const char	*reader;	/* --reader, or card.reader from config */
	struct config	*cfg;		/* always loaded before a command runs */
	struct store	*store;		/* opened by session_store() on demand */
	const char	*operator_login; /* who acts: --operator, $NHICARD_OPERATOR, "demo" */
	unsigned	operator_roles;	/* OPERATOR_ROLE_* bits of the authenticated operator */
	const char	*approver;	/* --approver LOGIN for two-person actions, or NULL */
	const char	*approver_password; /* set by a screen for one action and wiped
					   by it; NULL: read from the fd or terminal */
};

/*
 * Open the store named by s->db_path (once; later calls return the same
 * one). Returns 0 and sets *out (owned by s), or the store_open error.
 */
int	session_store(struct session *s, struct store **out);

/* The audit entry of an action (session-audit.c). */
/* The outcome word for a command's result: "ok" (0), "refused" (exit
 * class 1, 2: rules, states, usage) or "failed". */
const char *session_audit_outcome(int r);

/*
 * Append an audit entry for a command that ended with `r` (0 or an NHI_E*
 * code): operator ctx->operator_login, `action` ("card.lock"), `subject`
 * ("card:7", "resident:12"; may be NULL), `detail` (no personal data, no
 * secrets; may be NULL; for a failure the error's name is added). Opens
 * the store if needed; a command that failed before the store was opened
 * is not recorded. Returns `r` unchanged, keeping its detail text: an
 * audit failure is logged and, when the command succeeded, returned.
 */
int	session_audit(struct session *ctx, int r, const char *action, const char *subject,
	    const char *detail);

/* The reader (session-card.c). */
/*
 * Connect to the card in the reader the station uses: --reader or
 * card.reader from the configuration, else the only reader present.
 * Applies card.extended (auto|yes|no, default auto: as the ATR says).
 * Returns 0 and sets *out (caller must card_close), or the card_connect
 * error (NHI_ENO_SERVICE, NHI_ENO_READER, NHI_ENO_CARD, ...) or
 * NHI_ECONFIG. Refuses the vpcd virtual reader in production mode unless
 * card.allow_virtual_reader = yes.
 */
int	session_card_connect(struct session *ctx, struct card **out);

/*
 * Decide who runs `command` (argv[0] the command, argv[1] maybe a
 * sub-command) before main() calls it, and check the role: sets
 * s->operator_login and s->operator_roles (session-auth.c). See
 * docs/operators.md for the rules (demo/test mode, bootstrap, production).
 * Returns 0 or NHI_EDENIED / NHI_EUSAGE / a store error.
 */
int	operator_authorize(struct session *s, const char *command, int argc, char **argv);

/*
 * Two-person rule for `action` ("keys.create", "print.sheet.reprint",
 * "issue.fee_waiver"): a supervisor other than the acting operator must
 * log in (s->approver, password from s->approver_password when a
 * screen asked for it, else $NHICARD_APPROVER_PASSWORD_FD or the terminal).
 * The built-in demo operator approves its own actions.
 * `detail` (no personal data) goes into the audit entry. Returns 0 or
 * NHI_EDENIED.
 */
int	operator_require_approval(struct session *s, const char *action,
	    const char *detail);

/*
 * The same approval step for the built-in operator too (demo and setup),
 * so that training shows what production asks: with operator accounts in
 * the store the approver is checked exactly as above; with none, the
 * approver's name is audited ("demo: not checked") and the step passes.
 * Other operators: operator_require_approval().
 */
int	operator_require_approval_shown(struct session *s, const char *action,
	    const char *detail);

/* Tell the audit layer whether this station's chain is keyed (keys.dir
 * holds audit.key) and must be (a production store): session_store does it
 * on open; a command that opens a store itself calls it. */
void	session_audit_keying(struct session *ctx, struct store *st);

#endif

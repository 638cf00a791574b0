/*
 * operator-auth.c: logging an operator in (scrypt hash check, failure
 * count, lockout) and auditing what an operator did. Who acts in a
 * session, the role check and the two-person rule are session-auth.c.
 * Every refusal is audited; no password ever reaches a log, an audit
 * entry or an error detail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "crypto-keystore.h"
#include "crypto.h"
#include "error.h"
#include "nhiconf.h"
#include "operator.h"
#include "store.h"
#include "util.h"

void
operator_audit(struct store *st, const char *login, const char *action,
    const char *subject, const char *outcome, const char *detail)
{
	char *saved = err_detail() != NULL ? xstrdup(err_detail()) : NULL;
	int code = err_last(), r;
	const char *why = err_reason_of(code);

	if (st == NULL) {
		free(saved);
		return;
	}
	if ((r = audit_append(st, login, action, subject, outcome, detail)) != 0)
		log_warn("audit entry %s not written: %s", action, err_text(r));
	/* Keep the caller's error detail: the refusal is what the user sees. */
	if (saved != NULL)
		err_reason(err_set(code, "%s", saved), why);
	free(saved);
}

int
operator_scrypt_params(const struct config *cfg, struct crypto_scrypt_params *out)
{
	enum crypto_mode mode;
	long n, r, p;
	int rc;

	if ((rc = config_get_int(cfg, "operators.scrypt_n", CRYPTO_SCRYPT_N,
	    CRYPTO_SCRYPT_N_MIN, CRYPTO_SCRYPT_N_MAX, &n)) != 0 ||
	    (rc = config_get_int(cfg, "operators.scrypt_r", CRYPTO_SCRYPT_R, 1,
	    CRYPTO_SCRYPT_R_MAX, &r)) != 0 ||
	    (rc = config_get_int(cfg, "operators.scrypt_p", CRYPTO_SCRYPT_P, 1,
	    CRYPTO_SCRYPT_P_MAX, &p)) != 0)
		return rc;
	out->n = (uint64_t)n;
	out->r = (uint32_t)r;
	out->p = (uint32_t)p;
	if ((rc = crypto_scrypt_check(out, "operators.scrypt_n")) != 0)
		return err_set(NHI_ECONFIG, "operators.scrypt_n: a power of two from %u to %u",
		    CRYPTO_SCRYPT_N_MIN, CRYPTO_SCRYPT_N_MAX);
	/* The cost protects every password hash and wrapped key file: a
	 * production station keeps it at or above a floor. */
	if ((rc = crypto_station_mode(cfg, &mode)) != 0)
		return rc;
	if (mode == CRYPTO_MODE_PRODUCTION && n < OPERATOR_SCRYPT_N_FLOOR)
		return err_set(NHI_ECONFIG, "operators.scrypt_n = %ld is below the production"
		    " floor of %u (docs/operators.md): refused in production mode", n,
		    OPERATOR_SCRYPT_N_FLOOR);
	return 0;
}

/* UTC time `plus` seconds from now, in the store's format. */
static void
utc_stamp(time_t plus, char *buf, size_t len)
{
	time_t t = time(NULL) + plus;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * A stored hash no password matches, with the configured parameters: an
 * unknown login is checked against it, so it costs one scrypt run as a
 * known one does and cannot be told apart by the time taken. Caller frees.
 */
static int
dummy_hash(const struct config *cfg, char **out)
{
	struct crypto_scrypt_params p;
	int r;

	if ((r = operator_scrypt_params(cfg, &p)) != 0)
		return r;
	*out = xasprintf("scrypt$%llu$%u$%u$%032d$%064d", (unsigned long long)p.n,
	    (unsigned)p.r, (unsigned)p.p, 0, 0);
	return 0;
}

int
operator_login(struct store *st, const struct config *cfg, const char *login,
    const char *password, unsigned *roles)
{
	struct operator_account a;
	enum operator_attempt verdict;
	char now[32], until[32], *detail = NULL, *dummy;
	long max_fail, minutes;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = config_get_int(cfg, "operators.max_failures", 5, 1, 100, &max_fail)) != 0 ||
	    (r = config_get_int(cfg, "operators.lockout_minutes", 15, 1, 525600,
	    &minutes)) != 0)
		return r;
	utc_stamp(0, now, sizeof(now));
	utc_stamp(minutes * 60, until, sizeof(until));
	/* The attempt is counted before the password is checked, atomically:
	 * parallel guesses each take one of the tries. */
	r = store_operator_attempt(st, login, now, (int)max_fail, until, &a, &verdict);
	if (r == NHI_ENOTFOUND) {
		err_clear();
		/* Same work and same words as a wrong password. */
		if ((r = dummy_hash(cfg, &dummy)) != 0)
			return r;
		(void)crypto_password_verify(password, dummy);
		free(dummy);
		err_clear();
		r = err_reason(err_set(NHI_EDENIED, "login failed for operator '%s': unknown operator"
		    " or wrong password", login), "login.wrong_password");
		operator_audit(st, login, "operator.login", "operator", AUDIT_FAILED,
		    "unknown operator");
		return r;
	}
	if (r != 0)
		return r;
	if (verdict == OPERATOR_ATTEMPT_DISABLED) {
		r = err_reason(err_set(NHI_EDENIED, "operator '%s' is disabled", login), "login.disabled");
		operator_audit(st, login, "operator.login", "operator", AUDIT_REFUSED,
		    "disabled");
		goto out;
	}
	if (verdict == OPERATOR_ATTEMPT_LOCKED) {
		r = err_reason(err_set(NHI_EDENIED, "operator '%s' is locked after %d failed logins"
		    " until %s (UTC); a supervisor can unlock it now with 'nhicard"
		    " operator unlock %s'", login, a.failed_logins, a.locked_until, login), "login.locked");
		operator_audit(st, login, "operator.login", "operator", AUDIT_REFUSED,
		    "locked");
		goto out;
	}
	if ((r = crypto_password_verify(password, a.password_hash)) == NHI_EDENIED) {
		if (a.failed_logins >= max_fail) {
			if ((r = store_operator_set_failures(st, login, a.failed_logins,
			    until)) != 0)
				goto out;
			r = err_reason(err_set(NHI_EDENIED, "login failed for operator '%s': wrong"
			    " password; %d failures: the account is locked until %s (UTC);"
			    " a supervisor can unlock it with 'nhicard operator unlock %s'",
			    login, a.failed_logins, until, login), "login.locked");
			detail = xasprintf("locked after %d failures until %s",
			    a.failed_logins, until);
			operator_audit(st, login, "operator.lockout", "operator",
			    AUDIT_REFUSED, detail);
			goto out;
		}
		/* The count stays with the audit trail: telling it to the caller
		 * would tell a known login from an unknown one. */
		r = err_reason(err_set(NHI_EDENIED, "login failed for operator '%s': unknown operator"
		    " or wrong password", login), "login.wrong_password");
		detail = xasprintf("wrong password (%d of %ld)", a.failed_logins, max_fail);
		operator_audit(st, login, "operator.login", "operator", AUDIT_FAILED,
		    detail);
		goto out;
	}
	if (r != 0) {
		r = err_wrap(r, "operator '%s': ", login);
		goto out;
	}
	if ((r = store_operator_set_failures(st, login, 0, NULL)) != 0)
		goto out;
	*roles = a.role;
out:
	free(detail);
	operator_account_clear(&a);
	return r;
}

/*
 * operator-password.c: the password policy of operators' accounts: length,
 * the login in it, the words every guesser tries first (operator.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "operator.h"
#include "util.h"

/* Words every guesser tries first (lower case letters): a password whose
 * letters are one of them ("Password123!") is refused. Kept short on
 * purpose: the other rules do the rest. */
static const char *const password_deny[] = {
	"password", "passw", "qwerty", "qwertyuiop", "asdfghjkl", "zxcvbnm",
	"letmein", "welcome", "iloveyou", "admin", "administrator", "changeme",
	"nhicard", "monkey", "dragon", "sunshine", "qazwsx", "kokuho", "hokensho",
	"abc", "qwe", "asd",
};

/* The letters of `s`, lower case; caller frees. */
static char *
letters_of(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++)
		if (isalpha((unsigned char)*s))
			*o++ = (char)tolower((unsigned char)*s);
	*o = '\0';
	return out;
}

int
operator_password_check(const char *login, const char *pw)
{
	size_t n = strlen(pw), i, distinct = 0, period, m;
	unsigned char seen[256];
	char *pl, *ll;
	int up = 1, down = 1, same = 0, reversed = 0, denied = 0;

	if (n < OPERATOR_PASSWORD_MIN)
		return err_set(NHI_ERANGE, "the new password for '%s' is too short: at least"
		    " %d characters", login, OPERATOR_PASSWORD_MIN);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		if (!seen[(unsigned char)pw[i]]++)
			distinct++;
		if (i > 0 && (unsigned char)pw[i] != (unsigned char)pw[i - 1] + 1)
			up = 0;
		if (i > 0 && (unsigned char)pw[i] + 1 != (unsigned char)pw[i - 1])
			down = 0;
	}
	if (distinct == 1)
		return err_set(NHI_ERANGE, "the new password for '%s' is one character"
		    " repeated: choose another", login);
	if (distinct < 4)
		return err_set(NHI_ERANGE, "the new password for '%s' uses only %zu different"
		    " characters: at least 4", login, distinct);
	if (up || down)
		return err_set(NHI_ERANGE, "the new password for '%s' is a run of"
		    " consecutive characters (like abcd... or 9876...): choose another", login);
	for (period = 2; period <= n / 2 && period <= 4; period++) {
		for (i = period; i < n && pw[i] == pw[i - period]; i++)
			;
		if (i == n)
			return err_set(NHI_ERANGE, "the new password for '%s' repeats a pattern"
			    " of %zu characters: choose another", login, period);
	}
	/* The login with digits or symbols around it, or reversed. */
	pl = letters_of(pw);
	ll = letters_of(login);
	m = strlen(ll);
	if (m > 0 && strcmp(pl, ll) == 0)
		same = 1;
	if (m > 0 && strlen(pl) == m) {
		for (i = 0; i < m && pl[i] == ll[m - 1 - i]; i++)
			;
		reversed = i == m;
	}
	for (i = 0; i < NHI_ARRAY_LEN(password_deny); i++)
		if (strcmp(pl, password_deny[i]) == 0)
			denied = 1;
	free(pl);
	free(ll);
	if (same || reversed)
		return err_set(NHI_ERANGE, "the new password for '%s' is the login%s with"
		    " digits or symbols added: choose another", login,
		    reversed && !same ? " reversed" : "");
	if (denied)
		return err_set(NHI_ERANGE, "the new password for '%s' is a word every"
		    " guesser tries first: choose another", login);
	return 0;
}

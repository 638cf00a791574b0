/*
 * error.h: nhicard's error codes, their messages and their exit codes.
 *
 * Every function that can fail returns 0 or one of the negative NHI_E*
 * codes below. Codes, messages and the exit class a command ends with live
 * together in one table (NHI_ERRORS), so adding a code means adding one line.
 *
 * A code says what kind of thing went wrong; err_set() attaches the detail a
 * clerk or IT staff needs (which file, which line, which field, which card).
 * The detail is kept per thread until the next err_set() or err_clear().
 * Detail text must never contain keys, PINs or more personal data than the
 * clerk must see.
 */
#ifndef NHI_ERROR_H
#define NHI_ERROR_H

#include <stdarg.h>

/* Exit classes: the process exit codes documented in nhicard(1). */
enum nhi_exit {
	NHI_EXIT_OK = 0,
	NHI_EXIT_REFUSED = 1,	/* a rule or a state forbids the action */
	NHI_EXIT_USAGE = 2,	/* the command line is wrong */
	NHI_EXIT_DATA = 3,	/* bad input, unknown record, conflict */
	NHI_EXIT_CARD = 4,	/* card, reader or PC/SC service problem */
	NHI_EXIT_SYSTEM = 5,	/* file, store, disk or network unavailable */
	NHI_EXIT_INTERNAL = 6,	/* a bug or an unexpected library failure */
};

/*   name            exit class         message */
#define NHI_ERRORS(_) \
	_(OK,            OK,       "success") \
	_(USAGE,         USAGE,    "usage error") \
	_(NOMEM,         INTERNAL, "out of memory") \
	_(INTERNAL,      INTERNAL, "internal error") \
	_(CRYPTO,        INTERNAL, "cryptographic library failure") \
	_(IO,            SYSTEM,   "input/output error") \
	_(NOSPACE,       SYSTEM,   "disk full") \
	_(PERM,          SYSTEM,   "permission denied") \
	_(NOFILE,        SYSTEM,   "file or directory not found") \
	_(STORE,         SYSTEM,   "store error") \
	_(STORE_BUSY,    SYSTEM,   "store is busy") \
	_(STORE_CORRUPT, DATA,     "store is damaged") \
	_(STORE_VERSION, DATA,     "store schema is newer than this program") \
	_(STORE_NOINIT,  DATA,     "store is not initialized") \
	_(NETWORK,       SYSTEM,   "network error") \
	_(CONFIG,        DATA,     "configuration error") \
	_(PARSE,         DATA,     "malformed input") \
	_(ENCODING,      DATA,     "bad character encoding") \
	_(CHECKDIGIT,    DATA,     "wrong check digit") \
	_(RANGE,         DATA,     "value out of range") \
	_(NOTFOUND,      DATA,     "not found") \
	_(EXISTS,        DATA,     "already exists") \
	_(CONFLICT,      DATA,     "conflicting data") \
	_(DUPLICATE,     DATA,     "duplicate") \
	_(STATE,         REFUSED,  "not allowed in the current state") \
	_(REFUSED,       REFUSED,  "refused") \
	_(DENIED,        REFUSED,  "operator not authorized") \
	_(MISMATCH,      REFUSED,  "card holder does not match the resident") \
	_(KEY,           DATA,     "key error") \
	_(TESTKEY,       REFUSED,  "test keys refused outside demo or test mode") \
	_(AUTH,          CARD,     "card authentication failed") \
	_(CRYPTOGRAM,    CARD,     "card cryptogram is wrong") \
	_(RMAC,          CARD,     "response MAC is wrong") \
	_(NO_SERVICE,    CARD,     "PC/SC service not running") \
	_(NO_READER,     CARD,     "no card reader") \
	_(READER_GONE,   CARD,     "card reader was removed") \
	_(NO_CARD,       CARD,     "no card in the reader") \
	_(CARD_REMOVED,  CARD,     "card was removed") \
	_(CARD_RESET,    CARD,     "card was reset") \
	_(CARD_UNKNOWN,  CARD,     "unknown card") \
	_(CARD_SW,       CARD,     "card returned an error status") \
	_(CARD_PROTO,    CARD,     "card protocol error") \
	_(CARD_BUSY,     CARD,     "card is in use by another program") \
	_(TIMEOUT,       CARD,     "timed out") \
	_(CANCELLED,     REFUSED,  "cancelled by the operator")

#define NHI_ERR_ENUM(name, cls, msg) NHI_E##name##_POS,
enum { NHI_ERRORS(NHI_ERR_ENUM) NHI_E_COUNT };
#undef NHI_ERR_ENUM

/* The codes themselves are the negated positions: NHI_ENOMEM == -2, ... */
#define NHI_ERR_CODE(name, cls, msg) NHI_E##name = -NHI_E##name##_POS,
enum nhi_err { NHI_ERRORS(NHI_ERR_CODE) };
#undef NHI_ERR_CODE

/* The fixed message of a code; never NULL. */
const char *nhi_strerror(int code);

/* The exit class of a code (enum nhi_exit). */
int nhi_exit_code(int code);

/* The symbolic name of a code ("NOMEM"); for tests and logs. */
const char *nhi_errname(int code);

/*
 * Record the detail of an error for this thread and return `code`, so that
 * callers can write `return err_set(NHI_EPARSE, "%s:%zu: ...", ...)`.
 * The detail is cut at 1023 bytes.
 */
int err_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int err_setv(int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Prefix the current detail with more context ("store /var/x.db: " + old
 * detail) and return `code`. If there is no detail yet, the code's message is
 * used as the old detail.
 */
int err_wrap(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The detail last set in this thread, or NULL if none (or after err_clear). */
const char *err_detail(void);

/* The code last passed to err_set in this thread, or 0. */
int err_last(void);

/*
 * Name the reason of the error last set (a key of the reason table,
 * reasons.h: the text a clerk reads aloud; the detail stays below it) and
 * return `code`: `return err_reason(err_set(NHI_EREFUSED, ...), "law.lost")`.
 * err_set and err_clear forget it; err_wrap keeps it.
 */
int err_reason(int code, const char *key);
/* The reason key of the error last set, if it is `code`'s; else NULL. */
const char *err_reason_of(int code);
/* Forget the detail. */
void err_clear(void);

/* The best text for `code`: the detail if it belongs to this code, else the
 * fixed message. Never NULL. */
const char *err_text(int code);

/*
 * A usage error of `nhicard NAME` (error-usage.c): sets the detail "WHY",
 * the usage line and where the help is, and returns NHI_EUSAGE. The
 * command table's cmd_usage() and the flows that check a command's
 * operands (flow-print.c) both use it.
 */
int err_usage(const char *name, const char *usage, const char *why);

/*
 * The operands argv[first..argc) after a command's options: more than `max`
 * is a usage error of `nhicard NAME` (err_usage) that names every one
 * beyond (`what`: "resident add"), so that a value with blanks left
 * unquoted is never cut silently. 0 when they fit.
 */
int err_operands(const char *name, const char *usage, const char *what, int argc,
    char **argv, int first, int max);

#endif

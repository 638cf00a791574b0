/*
 * util.h: memory, logging, strings and small helpers shared by every layer.
 *
 * Allocation failure is fatal (as in tmux's xmalloc): callers of x*() never
 * check for NULL. fatal() is only for bugs and out-of-memory; everything else
 * returns an NHI_E* code (error.h).
 *
 * Logging goes to stderr, filtered by level (NHICARD_LOG=debug|info|warn|
 * error, default warn). Log lines must never contain keys, PINs or personal
 * data: log record ids, not names.
 */
#ifndef NHI_UTIL_H
#define NHI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define NHI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* xmalloc.c */
void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *ptr, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
void	*xmemdup(const void *p, size_t n);
/* Caller must free the result. */
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Wipe secret memory so the compiler cannot drop the write. NULL is a no-op. */
void	 util_wipe(void *p, size_t n);
/* Wipe then free. NULL is a no-op. */
void	 util_free_secret(void *p, size_t n);

/* log.c */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };
void	 log_init(const char *progname);
void	 log_set_level(enum log_level level);
enum log_level log_get_level(void);
void	 log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* hex.c */
/* Lower-case hex of `len` bytes into `out`, which must hold 2*len+1 bytes. */
void	 hex_encode(const uint8_t *in, size_t len, char *out);
/*
 * Parse hex (spaces allowed between bytes) into `out` of capacity `cap`.
 * Returns the byte count, or NHI_EPARSE (odd digits, bad char) or NHI_ERANGE
 * (too long).
 */
int	 hex_decode(const char *in, uint8_t *out, size_t cap);

/* fsutil.c */
/*
 * Write `len` bytes to `path` atomically: a temporary file in the same
 * directory with mode `mode`, fsync, rename, fsync of the directory.
 * Returns 0, NHI_ENOSPACE, NHI_EPERM, NHI_ENOFILE or NHI_EIO (with detail).
 */
int	 fs_write_atomic(const char *path, const void *data, size_t len, int mode);
/*
 * Read a whole file. On success *out (caller must free) and *outlen are set;
 * a NUL is appended after the data for convenience. `max` bounds the size.
 */
int	 fs_read_file(const char *path, size_t max, char **out, size_t *outlen);

/* timeutil.c */
/* Monotonic clock in nanoseconds. */
uint64_t time_mono_ns(void);
/*
 * Today's civil date in Japan (JST, UTC+9 all year: Japan has had no
 * daylight saving time since 1951), whatever the machine's time zone. Every
 * date the station writes on a card, a certificate or a record is this one,
 * so a card issued at 08:50 JST carries the same day as its certificate.
 */
void	 time_today_jst(int *y, int *m, int *d);
/* The same as "YYYY-MM-DD" into buf (at least 11 bytes). */
void	 time_today_jst_iso(char *buf, size_t len);

/* 1 when configure --enable-test-hooks compiled in the test suite's crash
 * and fault hooks (NHICARD_TEST_CRASH_AT, NHICARD_CENTER_FAULT); 0 in a
 * production build. */
#ifndef NHI_TEST_HOOKS
#define NHI_TEST_HOOKS 0
#endif

/*
 * Load shared library `soname` (what: its name for the clerk, e.g.
 * "libcurl") and look up `n` symbols `names` into fns (dl.c), for a
 * library only some commands use. 0, NHI_ENOFILE (the library is not
 * installed) or NHI_EINTERNAL (a symbol is missing), naming the library.
 */
int	util_dl_load(const char *soname, const char *what, const char *const *names,
	    void **fns, size_t n);

#endif

/*
 * nhiconf.h: the station's configuration file.
 *
 * The format is INI-like UTF-8 text:
 *
 *   # comment
 *   [section]
 *   key = value
 *
 * Keys are looked up as "section.key". Values run to the end of the line with
 * surrounding blanks removed; a value may be wrapped in double quotes to keep
 * blanks. Unknown keys are kept (later layers look them up); a key given
 * twice, a line without '=', an unterminated quote or a bad section header is
 * an error naming the file, line and key. The parser is fuzzed
 * (fuzz/fuzz-config.c).
 */
#ifndef NHI_NHICONF_H
#define NHI_NHICONF_H

#include <stddef.h>

struct config;

/* An empty configuration (built-in defaults only). Caller must config_free. */
struct config	*config_new(void);
void		 config_free(struct config *cfg);

/*
 * Parse `len` bytes of configuration text into `cfg`. `name` is used in
 * error details ("nhicard.conf:12: ..."). Returns 0, or NHI_ECONFIG with
 * detail. On error `cfg` keeps the entries of the lines before the bad one.
 */
int		 config_parse(struct config *cfg, const char *name, const char *text, size_t len);

/* Read and parse a file. Returns 0, NHI_ECONFIG, or a file error. */
int		 config_load(struct config *cfg, const char *path);

/* Set (or replace) a value. */
void		 config_set(struct config *cfg, const char *key, const char *value);

/* The value of "section.key", or `def` if unset. Never frees. */
const char	*config_get(const struct config *cfg, const char *key, const char *def);
/* "FILE:LINE" where `key` was read, or NULL (unset, or set by code). */
const char	*config_origin(const struct config *cfg, const char *key);
/*
 * Make a configuration error name its file and line: if the current error
 * detail (error.h) belongs to `code` and names a key read from a file,
 * prefix it with that key's "FILE:LINE: ". Returns `code`.
 */
int		 config_error_where(const struct config *cfg, int code);

/*
 * An integer value in [min, max]. Returns 0 and sets *out (def if unset), or
 * NHI_ECONFIG naming the key when the value is not a number or out of range.
 */
int		 config_get_int(const struct config *cfg, const char *key, long def,
		    long min, long max, long *out);

/* The number of entries, and the i-th key and value (for listing). */
size_t		 config_count(const struct config *cfg);
const char	*config_key_at(const struct config *cfg, size_t i);
const char	*config_value_at(const struct config *cfg, size_t i);

#endif

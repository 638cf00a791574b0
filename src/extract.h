/*
 * extract.h: parsing resident-register extracts (pure parsing, no store).
 *
 * An extract is a file of records, one per line, as CSV (UTF-8 or CP932)
 * or as a fixed-length CP932 layout; both are described in docs/formats.md.
 * A record is either a resident record (a full-extract line, or one change
 * event: birth, move in, move out, move within the town, death, name
 * change, household change) carrying the person, the household and, when
 * the person is insured by the town, one NHI eligibility period; or a
 * benefit record attaching another benefit certificate (受給者証) to a
 * person.
 *
 * extract_parse_line() turns one raw line into a struct extract_record with
 * every field decoded to UTF-8 and checked (dates, digits, check digits of
 * insurer and payer numbers, code lists). A rejected line yields
 * NHI_EPARSE / NHI_EENCODING / NHI_ECHECKDIGIT / NHI_ERANGE and fills
 * struct extract_error with the field and the reason; the caller adds the
 * file and the line number.
 *
 * The person code is the town's internal 宛名番号, never the 住民票コード.
 */
#ifndef NHI_EXTRACT_H
#define NHI_EXTRACT_H

#include <stddef.h>

#include "text.h"

enum extract_format {
	EXTRACT_CSV = 1,
	EXTRACT_FIXED,
};

enum extract_event {
	EXTRACT_EV_FULL = 0,		/* a full-extract line: the person as of now */
	EXTRACT_EV_BIRTH,
	EXTRACT_EV_MOVE_IN,
	EXTRACT_EV_MOVE_OUT,
	EXTRACT_EV_MOVE_WITHIN,
	EXTRACT_EV_DEATH,
	EXTRACT_EV_NAME_CHANGE,
	EXTRACT_EV_HOUSEHOLD_CHANGE,
	EXTRACT_EV_BENEFIT,		/* a benefit certificate for a known person */
	EXTRACT_EV_COUNT
};

/* Certificate kinds, as stored (eligibility_periods.cert_kind). */
#define EXTRACT_CERT_KINDS "hihokensha", "tanki", "shikaku_shomei", "kakunin"

/* The largest field, in bytes after decoding. */
#define EXTRACT_FIELD_MAX 512

/*
 * One parsed record. Strings are UTF-8, owned by the record (free with
 * extract_record_clear); empty optional fields are "" (never NULL). Dates
 * are "YYYY-MM-DD" or "".
 */
struct extract_record {
	enum extract_event event;
	char	event_date[11];
	char	*person_code;		/* 宛名番号: 1-15 digits */
	/* Resident records. */
	char	*household_code;	/* 1-15 digits */
	int	 is_head;
	char	*name_kanji;		/* as received (外字 kept, see text.h) */
	char	*name_kana;		/* as received (may be half-width) */
	char	 birth_date[11];
	int	 sex;			/* 1 male, 2 female, 9 not applicable */
	char	*address;
	char	*address_code;
	char	*nationality;		/* "" for Japanese */
	char	*residence_status;
	char	 stay_until[11];
	unsigned name_flags;		/* TEXT_F_* of the kanji and kana names */
	unsigned address_flags;
	/* NHI eligibility; has_nhi 0 when the person is not insured here. */
	int	 has_nhi;
	char	*insurer_number;
	char	*symbol;		/* 記号 */
	char	*number;		/* 番号 */
	char	*branch;		/* 枝番: "" or 2 digits */
	const char *cert_kind;		/* one of EXTRACT_CERT_KINDS */
	int	 short_months;		/* tanki only: 1, 3 or 6; else 0 */
	char	 acquired_on[11];
	char	 lost_on[11];
	char	 valid_until[11];
	int	 burden_pct;		/* 0 or 10, 20, 30 (ages 70-74) */
	char	 burden_from[11];	/* 発効期日 */
	int	 special_address;	/* 住所地特例 */
	/* Benefit records. */
	char	*benefit_kind;
	char	*payer_number;
	char	*recipient_number;
	char	 valid_from[11];
	char	 benefit_until[11];
};

/* Why a line was rejected: the field (its name in docs/formats.md, or
 * "line") and the reason. */
struct extract_error {
	char	field[32];
	char	reason[160];
};

struct extract_parser;

/*
 * The file's header record (docs/formats.md, "Header"): who wrote the
 * extract and the day it speaks for. Optional; when given it is the first
 * record of the file.
 */
struct extract_header {
	int	present;
	char	date[11];		/* YYYY-MM-DD */
	char	municipality_code[7];	/* 全国地方公共団体コード, 6 digits */
	char	insurer_number[9];	/* 保険者番号, 6 or 8 digits */
};

/*
 * A parser for one file. `enc` must be decided (UTF8 or CP932; fixed-length
 * files are CP932). Caller must extract_parser_free.
 */
int	extract_parser_new(enum extract_format fmt, enum text_encoding enc,
	    struct extract_parser **out);
void	extract_parser_free(struct extract_parser *p);

/*
 * What the lines are checked against beyond their own fields, both
 * optional ("" or NULL: not checked). `insurer_number`: the station's
 * 保険者番号; an NHI period of another insurer is rejected unless the line
 * is 住所地特例 (special_address 1). `today`: YYYY-MM-DD; no birth, event
 * or acquisition date may lie after it (nor after the header's date).
 */
void	extract_parser_set_station(struct extract_parser *p, const char *insurer_number,
	    const char *today);

/* The header read so far (present 0 when none). */
const struct extract_header *extract_parser_header(const struct extract_parser *p);

/*
 * Parse one line (without its line end; a trailing CR is ignored).
 * Returns:
 *   0             *rec filled (clear it with extract_record_clear)
 *   1             the line is a comment, a column-name line, the file's
 *                 header record (see extract_parser_header) or blank
 *   NHI_EPARSE, NHI_EENCODING, NHI_ECHECKDIGIT, NHI_ERANGE
 *                 the line is rejected; *err says which field and why
 * *rec is cleared first in every case.
 */
int	extract_parse_line(struct extract_parser *p, const char *line, size_t len,
	    struct extract_record *rec, struct extract_error *err);

/* Free the strings of a record and zero it. */
void	extract_record_clear(struct extract_record *rec);

/* "FULL", "BIRTH", ... and back (case-insensitive). */
const char *extract_event_name(enum extract_event ev);
int	extract_event_parse(const char *s, enum extract_event *out);

/* 1 if `kind` is a known benefit kind (docs/formats.md, table 4-1). */
int	extract_benefit_kind_known(const char *kind);

/*
 * Guess the format of a file from its first line: a fixed-length record has
 * no comma and the fixed record length. Returns EXTRACT_CSV or
 * EXTRACT_FIXED.
 */
enum extract_format extract_detect_format(const char *buf, size_t len);

/* The byte length of a fixed-length record (without the line end). */
size_t	extract_fixed_record_len(void);

/*
 * Write one record as a CSV line (UTF-8, with '\n') or as a fixed-length
 * line (CP932, with "\r\n") into `out` (reset first); for the generator and
 * tests. Returns 0 or NHI_EENCODING / NHI_ERANGE (a field too long for its
 * fixed-length slot).
 */
int	extract_format_csv(const struct extract_record *rec, struct tbuf *out);
int	extract_format_fixed(const struct extract_record *rec, struct tbuf *out);

#endif

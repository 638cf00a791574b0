/*
 * extract-int.h: what the extract*.c files share and nothing else sees.
 */
#ifndef NHI_EXTRACT_INT_H
#define NHI_EXTRACT_INT_H

#include "extract.h"

struct extract_parser {
	enum extract_format	 fmt;
	struct text_decoder	*dec;
	const char		*dec_name;	/* "UTF-8" or "Shift_JIS", for reasons */
	struct tbuf		 buf;		/* decoding scratch */
	struct tbuf		 line;		/* a CSV line, split in place */
	char			 station_insurer[9];	/* "" not checked */
	char			 today[11];		/* "" not checked */
	struct extract_header	 header;
	size_t			 records;	/* records parsed (header excluded) */
};

/* A raw field: bytes of the line, not decoded. */
struct extract_slice {
	const char	*p;
	size_t		 len;
};

/* Resident record fields, in CSV column order (docs/formats.md). */
enum {
	EXF_EVENT, EXF_EVENT_DATE, EXF_PERSON, EXF_HOUSEHOLD, EXF_HEAD,
	EXF_NAME_KANJI, EXF_NAME_KANA, EXF_BIRTH, EXF_SEX, EXF_ADDRESS,
	EXF_ADDRESS_CODE, EXF_NATIONALITY, EXF_RESIDENCE, EXF_STAY_UNTIL,
	EXF_INSURER, EXF_SYMBOL, EXF_NUMBER, EXF_BRANCH, EXF_CERT_KIND,
	EXF_SHORT_MONTHS, EXF_ACQUIRED, EXF_LOST, EXF_VALID_UNTIL, EXF_BURDEN,
	EXF_BURDEN_FROM, EXF_SPECIAL,
	EXF_COUNT
};

/* Benefit record fields. */
enum {
	EXB_EVENT, EXB_EVENT_DATE, EXB_PERSON, EXB_KIND, EXB_PAYER,
	EXB_RECIPIENT, EXB_VALID_FROM, EXB_VALID_UNTIL,
	EXB_COUNT
};

/* Fill *err and return code. */
int	extract_reject(struct extract_error *err, int code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Check and decode the fields of a resident (EXF_COUNT slices) or benefit
 * (EXB_COUNT slices) record; rec->event is already set. */
int	extract_fill_resident(struct extract_parser *p, const struct extract_slice *f,
	    struct extract_record *rec, struct extract_error *err);
int	extract_fill_benefit(struct extract_parser *p, const struct extract_slice *f,
	    struct extract_record *rec, struct extract_error *err);

/* The header record's fields: the extract's date, the municipality code
 * and the insurer number (raw, blank-padded). Returns 1 (header stored in
 * p->header) or a rejection. */
int	extract_fill_header(struct extract_parser *p, const struct extract_slice *date,
	    const struct extract_slice *municipality, const struct extract_slice *insurer,
	    struct extract_error *err);

/* Fixed-length event codes ("00", "11", ...). */
int	extract_event_from_code(const char *code, enum extract_event *out);
const char *extract_event_code(enum extract_event ev);

int	extract_csv_parse(struct extract_parser *p, const char *line, size_t len,
	    struct extract_record *rec, struct extract_error *err);
int	extract_fixed_parse(struct extract_parser *p, const char *line, size_t len,
	    struct extract_record *rec, struct extract_error *err);

#endif

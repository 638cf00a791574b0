/*
 * extract-csv.c: the CSV form of a register extract (docs/formats.md):
 * comma-separated, optionally double-quoted fields ("" inside quotes is a
 * quote), one record per line, UTF-8 or CP932. Lines starting with '#' and
 * a header line starting with "event," are skipped.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "extract-int.h"
#include "util.h"

#define CSV_MAX_FIELDS	40

/* Column names, for error reports (docs/formats.md). */
static const char *const resident_columns[EXF_COUNT] = {
	"event", "event_date", "person_code", "household_code", "head",
	"name_kanji", "name_kana", "birth_date", "sex", "address",
	"address_code", "nationality", "residence_status", "stay_until",
	"insurer_number", "symbol", "number", "branch", "cert_kind",
	"short_months", "acquired_on", "lost_on", "valid_until", "burden_pct",
	"burden_from", "special_address",
};

/* Split `line` (a private copy, unescaped in place) into fields. */
static int
csv_split(char *line, size_t len, struct extract_slice *f, size_t *nf,
    struct extract_error *err)
{
	size_t i = 0, n = 0, w;

	for (;;) {
		if (n == CSV_MAX_FIELDS)
			return extract_reject(err, NHI_EPARSE, "line", "more than %d fields",
			    CSV_MAX_FIELDS);
		if (i < len && line[i] == '"') {
			/* Quoted: unescape "" in place. */
			size_t start = ++i;
			w = start;
			for (;;) {
				if (i >= len)
					return extract_reject(err, NHI_EPARSE,
					    n < EXF_COUNT ? resident_columns[n] : "line",
					    "unterminated quote");
				if (line[i] == '"') {
					if (i + 1 < len && line[i + 1] == '"') {
						line[w++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				line[w++] = line[i++];
			}
			f[n].p = line + start;
			f[n].len = w - start;
			n++;
			if (i < len && line[i] != ',')
				return extract_reject(err, NHI_EPARSE,
				    n - 1 < EXF_COUNT ? resident_columns[n - 1] : "line",
				    "text after the closing quote");
		} else {
			size_t start = i;
			while (i < len && line[i] != ',')
				i++;
			for (w = start; w < i; w++)
				if (line[w] == '"')
					return extract_reject(err, NHI_EPARSE,
					    n < EXF_COUNT ? resident_columns[n] : "line",
					    "quote inside an unquoted field");
			f[n].p = line + start;
			f[n].len = i - start;
			n++;
		}
		if (i >= len)
			break;
		i++;	/* the comma */
	}
	*nf = n;
	return 0;
}

int
extract_csv_parse(struct extract_parser *p, const char *line, size_t len,
    struct extract_record *rec, struct extract_error *err)
{
	struct extract_slice f[CSV_MAX_FIELDS];
	char *copy = NULL, ev[24];
	size_t nf = 0, i, want;
	int r;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || line[i] == '#')
		return 1;
	/* `line` need not be NUL-terminated: copy exactly len bytes (into
	 * the parser's buffer, reused line after line). */
	tbuf_reset(&p->line);
	tbuf_add(&p->line, line, len);
	copy = p->line.p;
	if ((r = csv_split(copy, len, f, &nf, err)) != 0)
		goto out;
	if (f[0].len >= sizeof(ev)) {
		r = extract_reject(err, NHI_EPARSE, "event", "unknown event");
		goto out;
	}
	memcpy(ev, f[0].p, f[0].len);
	ev[f[0].len] = '\0';
	if (strcmp(ev, "event") == 0) {
		r = 1;
		goto out;
	}
	if (strcmp(ev, "HEADER") == 0) {
		r = nf != 4 ? extract_reject(err, NHI_EPARSE, "line", "a HEADER record has 4 "
		    "fields (HEADER,date,municipality_code,insurer_number), found %zu", nf) :
		    extract_fill_header(p, &f[1], &f[2], &f[3], err);
		goto out;
	}
	if (extract_event_parse(ev, &rec->event) != 0) {
		r = extract_reject(err, NHI_EPARSE, "event", "unknown event '%.20s'", ev);
		goto out;
	}
	want = rec->event == EXTRACT_EV_BENEFIT ? EXB_COUNT : EXF_COUNT;
	if (nf != want) {
		r = extract_reject(err, NHI_EPARSE, nf < want ? resident_columns[nf] : "line",
		    "%s: expected %zu fields, found %zu%s", nf < want ? "missing" : "too many fields",
		    want, nf, nf < want ? " (truncated line?)" : "");
		goto out;
	}
	if (rec->event == EXTRACT_EV_BENEFIT)
		r = extract_fill_benefit(p, f, rec, err);
	else
		r = extract_fill_resident(p, f, rec, err);
out:
	if (r < 0)
		extract_record_clear(rec);
	return r;
}

static void
csv_field(struct tbuf *out, const char *s, int last)
{
	const char *c;

	if (strpbrk(s, ",\"") != NULL) {
		tbuf_addc(out, '"');
		for (c = s; *c; c++) {
			if (*c == '"')
				tbuf_addc(out, '"');
			tbuf_addc(out, *c);
		}
		tbuf_addc(out, '"');
	} else
		tbuf_add(out, s, strlen(s));
	tbuf_addc(out, last ? '\n' : ',');
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

int
extract_format_csv(const struct extract_record *rec, struct tbuf *out)
{
	char num[8][8];

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	csv_field(out, extract_event_name(rec->event), 0);
	csv_field(out, rec->event_date, 0);
	csv_field(out, nz(rec->person_code), 0);
	if (rec->event == EXTRACT_EV_BENEFIT) {
		csv_field(out, nz(rec->benefit_kind), 0);
		csv_field(out, nz(rec->payer_number), 0);
		csv_field(out, nz(rec->recipient_number), 0);
		csv_field(out, rec->valid_from, 0);
		csv_field(out, rec->benefit_until, 1);
		return 0;
	}
	snprintf(num[0], 8, "%d", rec->is_head);
	snprintf(num[1], 8, "%d", rec->sex);
	csv_field(out, nz(rec->household_code), 0);
	csv_field(out, num[0], 0);
	csv_field(out, nz(rec->name_kanji), 0);
	csv_field(out, nz(rec->name_kana), 0);
	csv_field(out, rec->birth_date, 0);
	csv_field(out, num[1], 0);
	csv_field(out, nz(rec->address), 0);
	csv_field(out, nz(rec->address_code), 0);
	csv_field(out, nz(rec->nationality), 0);
	csv_field(out, nz(rec->residence_status), 0);
	csv_field(out, rec->stay_until, 0);
	if (!rec->has_nhi) {
		tbuf_add(out, ",,,,,,,,,,,\n", 12);
		return 0;
	}
	snprintf(num[2], 8, "%d", rec->cert_kind == NULL ? 1 :
	    strcmp(rec->cert_kind, "tanki") == 0 ? 2 :
	    strcmp(rec->cert_kind, "shikaku_shomei") == 0 ? 3 :
	    strcmp(rec->cert_kind, "kakunin") == 0 ? 4 : 1);
	if (rec->short_months)
		snprintf(num[3], 8, "%d", rec->short_months);
	else
		num[3][0] = '\0';
	if (rec->burden_pct)
		snprintf(num[4], 8, "%d", rec->burden_pct);
	else
		num[4][0] = '\0';
	snprintf(num[5], 8, "%d", rec->special_address);
	csv_field(out, nz(rec->insurer_number), 0);
	csv_field(out, nz(rec->symbol), 0);
	csv_field(out, nz(rec->number), 0);
	csv_field(out, nz(rec->branch), 0);
	csv_field(out, num[2], 0);
	csv_field(out, num[3], 0);
	csv_field(out, rec->acquired_on, 0);
	csv_field(out, rec->lost_on, 0);
	csv_field(out, rec->valid_until, 0);
	csv_field(out, num[4], 0);
	csv_field(out, rec->burden_from, 0);
	csv_field(out, num[5], 1);
	return 0;
}

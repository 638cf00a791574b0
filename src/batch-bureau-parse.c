/*
 * batch-bureau-parse.c: the parser of the card bureau's keys and result
 * files (batch-bureau.h, docs/batch.md "The bureau's files"). Outside
 * input: every line is checked whole, a refusal names the file and line
 * and never a user number or key. Line by line, no memory that grows with
 * the file. Fuzzed (fuzz/fuzz-bureau-result.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch-bureau.h"
#include "error.h"
#include "util.h"

enum {
	ST_MAGIC = 0, ST_PASS, ST_STATION, ST_RUN, ST_CREATED, ST_RECORDS, ST_BODY,
	ST_AFTER
};

static const char *const status_names[] = { NULL, "keyed", "spoiled", "made",
    "undeliverable" };

const char *
bureau_status_name(int status)
{
	return status >= BUREAU_KEYED && status <= BUREAU_UNDELIVERABLE ?
	    status_names[status] : "?";
}

void
bureau_parse_init(struct bureau_parse *p, const char *source)
{
	memset(p, 0, sizeof(*p));
	p->source = source;
}

static int
perr(const struct bureau_parse *p, const char *what)
{
	return err_set(NHI_EPARSE, "%s:%ld: %s", p->source, p->line, what);
}

/* A decimal number of 1..18 digits, no sign, no leading zero. */
static int
dec(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Exactly 2*len lower-case hex digits. */
static int
lhex(const char *s, size_t n, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (n != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		hi = s[2 * i] >= '0' && s[2 * i] <= '9' ? s[2 * i] - '0' :
		    s[2 * i] >= 'a' && s[2 * i] <= 'f' ? s[2 * i] - 'a' + 10 : -1;
		lo = s[2 * i + 1] >= '0' && s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' :
		    s[2 * i + 1] >= 'a' && s[2 * i + 1] <= 'f' ? s[2 * i + 1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* "KEY VALUE": the value after "KEY " into *v, *vn; -1 if another key. */
static int
header(const char *text, size_t len, const char *key, const char **v, size_t *vn)
{
	size_t k = strlen(key);

	if (len <= k + 1 || memcmp(text, key, k) != 0 || text[k] != ' ')
		return -1;
	*v = text + k + 1;
	*vn = len - k - 1;
	return 0;
}

/* Printable ASCII without blanks. */
static int
token_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return n > 0;
}

static int
parse_record(struct bureau_parse *p, const char *text, size_t len,
    struct bureau_record *rec)
{
	const char *f[6];
	size_t fn[6], nf = 0, i, start = 0;
	int64_t v;

	for (i = 0; i <= len && nf < 7; i++) {
		if (i == len || text[i] == '\t') {
			if (nf == 6)
				return perr(p, "a record has more than 6 fields");
			f[nf] = text + start;
			fn[nf] = i - start;
			nf++;
			start = i + 1;
		}
	}
	if (nf != 6)
		return perr(p, "a record has 6 fields separated by TAB: SEQ, USER-NUMBER,"
		    " CARD-SERIAL, STATUS, PUBLIC-KEY, KEY-RECORD");
	memset(rec, 0, sizeof(*rec));
	rec->line = p->line;
	if (dec(f[0], fn[0], &v) != 0 || v < 1)
		return perr(p, "SEQ is not a positive decimal number");
	rec->seq = v;
	if (lhex(f[1], fn[1], rec->user_number, CARD_USER_NUMBER_LEN) != 0)
		return perr(p, "USER-NUMBER is not 32 lower-case hex digits");
	for (i = BUREAU_KEYED; i <= BUREAU_UNDELIVERABLE; i++)
		if (fn[3] == strlen(status_names[i]) && memcmp(f[3], status_names[i], fn[3]) == 0)
			rec->status = (int)i;
	if (rec->status == 0)
		return perr(p, "STATUS is not keyed, spoiled, made or undeliverable");
	if (rec->status != BUREAU_SPOILED && (p->pass == BUREAU_PASS_KEYS) !=
	    (rec->status == BUREAU_KEYED))
		return perr(p, p->pass == BUREAU_PASS_KEYS ? "STATUS of a keys file is keyed"
		    " or spoiled" : "STATUS of a result file is made, spoiled or undeliverable");
	if (fn[2] == 1 && f[2][0] == '-') {
		if (rec->status != BUREAU_SPOILED)
			return perr(p, "CARD-SERIAL is '-' but the card is not spoiled");
	} else {
		uint8_t serial[CARD_SERIAL_LEN];

		if (lhex(f[2], fn[2], serial, CARD_SERIAL_LEN) != 0)
			return perr(p, "CARD-SERIAL is not 20 lower-case hex digits or '-'");
		memcpy(rec->serial, f[2], fn[2]);
		rec->serial[fn[2]] = '\0';
	}
	if (fn[4] == 1 && f[4][0] == '-') {
		if (rec->status != BUREAU_SPOILED)
			return perr(p, "PUBLIC-KEY is '-' but the card is not spoiled");
	} else {
		if (lhex(f[4], fn[4], rec->public_key, CARD_PUBKEY_LEN) != 0 ||
		    rec->public_key[0] != 0x04)
			return perr(p, "PUBLIC-KEY is not 130 lower-case hex digits of an"
			    " uncompressed point (04 X Y)");
		rec->has_public_key = 1;
	}
	if (fn[5] == 1 && f[5][0] == '-') {
		if (rec->status == BUREAU_MADE || rec->status == BUREAU_UNDELIVERABLE)
			return perr(p, "KEY-RECORD is '-' for a card that was made");
	} else {
		if (rec->status == BUREAU_KEYED || rec->status == BUREAU_SPOILED)
			return perr(p, "KEY-RECORD must be '-' for a keyed or spoiled card");
		if (fn[5] == 0 || fn[5] % 2 != 0 || fn[5] / 2 > sizeof(rec->record) ||
		    lhex(f[5], fn[5], rec->record, fn[5] / 2) != 0)
			return perr(p, "KEY-RECORD is not the record's bytes in lower-case hex"
			    " (at most 256 bytes)");
		rec->record_len = fn[5] / 2;
	}
	if ((rec->status == BUREAU_MADE || rec->status == BUREAU_UNDELIVERABLE ||
	    rec->status == BUREAU_KEYED) && (!rec->has_public_key || rec->serial[0] == '\0'))
		return perr(p, "a keyed or made card needs its serial and public key");
	return 0;
}

int
bureau_parse_line(struct bureau_parse *p, const char *text, size_t len,
    struct bureau_record *rec, int *is_record)
{
	const char *v;
	size_t vn;
	int64_t n;

	p->line++;
	*is_record = 0;
	if (len > BUREAU_LINE_MAX)
		return perr(p, "line longer than 4096 bytes");
	if (memchr(text, '\0', len) != NULL || memchr(text, '\r', len) != NULL)
		return perr(p, "a NUL or CR byte in the line");
	switch (p->stage) {
	case ST_MAGIC:
		if (len != strlen("nhicard-bureau-result 1") ||
		    memcmp(text, "nhicard-bureau-result 1", len) != 0)
			return perr(p, "not a bureau result file (expected"
			    " \"nhicard-bureau-result 1\")");
		break;
	case ST_PASS:
		if (header(text, len, "pass", &v, &vn) != 0)
			return perr(p, "expected \"pass keys\" or \"pass result\"");
		if (vn == 4 && memcmp(v, "keys", 4) == 0)
			p->pass = BUREAU_PASS_KEYS;
		else if (vn == 6 && memcmp(v, "result", 6) == 0)
			p->pass = BUREAU_PASS_RESULT;
		else
			return perr(p, "pass is neither keys nor result");
		break;
	case ST_STATION:
		if (header(text, len, "station", &v, &vn) != 0 || !token_ok(v, vn) ||
		    vn >= sizeof(p->station))
			return perr(p, "expected \"station STATION-ID\"");
		memcpy(p->station, v, vn);
		p->station[vn] = '\0';
		break;
	case ST_RUN:
		if (header(text, len, "run", &v, &vn) != 0 || dec(v, vn, &n) != 0 || n < 1)
			return perr(p, "expected \"run N\"");
		p->run_id = n;
		break;
	case ST_CREATED:
		if (header(text, len, "created", &v, &vn) != 0 || !token_ok(v, vn) ||
		    vn >= sizeof(p->created))
			return perr(p, "expected \"created TIME\"");
		memcpy(p->created, v, vn);
		p->created[vn] = '\0';
		break;
	case ST_RECORDS:
		if (header(text, len, "records", &v, &vn) != 0 || dec(v, vn, &n) != 0 ||
		    n > 100000000)
			return perr(p, "expected \"records N\"");
		p->records = (long)n;
		break;
	case ST_BODY:
		if (header(text, len, "end", &v, &vn) == 0) {
			if (dec(v, vn, &n) != 0 || n != p->records || n != p->seen)
				return perr(p, "\"end N\" does not match the records line and"
				    " the records in the file");
			break;
		}
		if (p->seen >= p->records)
			return perr(p, "more records than the records line says");
		if (parse_record(p, text, len, rec) != 0)
			return NHI_EPARSE;
		p->seen++;
		*is_record = 1;
		return 0;
	default:
		return perr(p, "text after the end line");
	}
	p->stage++;
	return 0;
}

int
bureau_parse_finish(struct bureau_parse *p)
{
	if (p->stage != ST_AFTER)
		return err_set(NHI_EPARSE, "%s:%ld: the file ends before its \"end N\" line"
		    " (cut short?)", p->source, p->line);
	return 0;
}

int
bureau_read_file(FILE *fp, const char *source, int want_pass, const char *station,
    int64_t run_id, int (*fn)(void *arg, const struct bureau_record *rec), void *arg)
{
	static const char *const pass_names[] = { "", "keys", "result" };
	struct bureau_parse p;
	struct bureau_record rec;
	char buf[BUREAU_LINE_MAX + 2];
	size_t len;
	int r, is_record, checked = 0;

	bureau_parse_init(&p, source);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		len = strlen(buf);
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		else if (!feof(fp)) {
			p.line++;
			return perr(&p, "line longer than 4096 bytes");
		}
		if ((r = bureau_parse_line(&p, buf, len, &rec, &is_record)) != 0)
			return r;
		if (!checked && p.stage >= ST_BODY) {
			checked = 1;
			if (p.pass != want_pass)
				return err_set(NHI_EPARSE, "%s: a %s file, not the %s file this"
				    " step reads", source, pass_names[p.pass], pass_names[want_pass]);
			if (strcmp(p.station, station) != 0)
				return err_set(NHI_ESTATE, "%s: made for station %s, not this"
				    " station (%s): refused", source, p.station, station);
			if (p.run_id != run_id)
				return err_set(NHI_ESTATE, "%s: made for run %lld, not run %lld:"
				    " refused", source, (long long)p.run_id, (long long)run_id);
		}
		if (is_record && fn != NULL && (r = fn(arg, &rec)) != 0)
			return r;
	}
	if (ferror(fp))
		return err_set(NHI_EIO, "%s: read error", source);
	return bureau_parse_finish(&p);
}

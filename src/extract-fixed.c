/*
 * extract-fixed.c: the fixed-length Shift_JIS (CP932) form of a register
 * extract (docs/formats.md): one record of FIXED_LEN bytes per line, each
 * field at a fixed byte position, left-justified and padded with ASCII
 * spaces (or full-width spaces, 0x8140, in text fields).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "extract-int.h"
#include "util.h"

#define FIXED_LEN	319

struct slot {
	const char	*name;
	int		 field;		/* EXF_* */
	size_t		 pos;		/* 1-based byte position, as documented */
	size_t		 len;
};

static const struct slot resident_slots[] = {
	{ "event", EXF_EVENT, 1, 2 },
	{ "event_date", EXF_EVENT_DATE, 3, 8 },
	{ "person_code", EXF_PERSON, 11, 15 },
	{ "household_code", EXF_HOUSEHOLD, 26, 15 },
	{ "head", EXF_HEAD, 41, 1 },
	{ "name_kanji", EXF_NAME_KANJI, 42, 40 },
	{ "name_kana", EXF_NAME_KANA, 82, 40 },
	{ "birth_date", EXF_BIRTH, 122, 8 },
	{ "sex", EXF_SEX, 130, 1 },
	{ "address", EXF_ADDRESS, 131, 80 },
	{ "address_code", EXF_ADDRESS_CODE, 211, 11 },
	{ "nationality", EXF_NATIONALITY, 222, 3 },
	{ "residence_status", EXF_RESIDENCE, 225, 20 },
	{ "stay_until", EXF_STAY_UNTIL, 245, 8 },
	{ "insurer_number", EXF_INSURER, 253, 8 },
	{ "symbol", EXF_SYMBOL, 261, 10 },
	{ "number", EXF_NUMBER, 271, 10 },
	{ "branch", EXF_BRANCH, 281, 2 },
	{ "cert_kind", EXF_CERT_KIND, 283, 1 },
	{ "short_months", EXF_SHORT_MONTHS, 284, 1 },
	{ "acquired_on", EXF_ACQUIRED, 285, 8 },
	{ "lost_on", EXF_LOST, 293, 8 },
	{ "valid_until", EXF_VALID_UNTIL, 301, 8 },
	{ "burden_pct", EXF_BURDEN, 309, 2 },
	{ "burden_from", EXF_BURDEN_FROM, 311, 8 },
	{ "special_address", EXF_SPECIAL, 319, 1 },
};

static const struct slot benefit_slots[] = {
	{ "event", EXB_EVENT, 1, 2 },
	{ "event_date", EXB_EVENT_DATE, 3, 8 },
	{ "person_code", EXB_PERSON, 11, 15 },
	{ "benefit_kind", EXB_KIND, 26, 20 },
	{ "payer_number", EXB_PAYER, 46, 8 },
	{ "recipient_number", EXB_RECIPIENT, 54, 20 },
	{ "valid_from", EXB_VALID_FROM, 74, 8 },
	{ "valid_until", EXB_VALID_UNTIL, 82, 8 },
};

size_t
extract_fixed_record_len(void)
{
	return FIXED_LEN;
}

enum extract_format
extract_detect_format(const char *buf, size_t len)
{
	size_t n;

	for (n = 0; n < len && buf[n] != '\n'; n++)
		;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == FIXED_LEN && memchr(buf, ',', n) == NULL)
		return EXTRACT_FIXED;
	return EXTRACT_CSV;
}

/* A slot must not cut a double-byte character in two: find whether the
 * byte at `pos` (0-based) starts a character, scanning from the line start. */
static int
cut_character(const unsigned char *s, size_t pos)
{
	size_t i = 0;

	while (i < pos) {
		if ((s[i] >= 0x81 && s[i] <= 0x9f) || (s[i] >= 0xe0 && s[i] <= 0xfc))
			i += 2;
		else
			i++;
	}
	return i != pos;
}

int
extract_fixed_parse(struct extract_parser *p, const char *line, size_t len,
    struct extract_record *rec, struct extract_error *err)
{
	struct extract_slice f[EXF_COUNT];
	const struct slot *slots;
	size_t nslots, i;
	char code[3];
	int r;

	for (i = 0; i < len && line[i] == ' '; i++)
		;
	if (i == len || line[0] == '#')
		return 1;
	if (len != FIXED_LEN)
		return extract_reject(err, NHI_EPARSE, "line", "%zu bytes, expected %d%s", len,
		    FIXED_LEN, len < FIXED_LEN ? " (truncated line?)" : "");
	memcpy(code, line, 2);
	code[2] = '\0';
	if (strcmp(code, "HD") == 0) {
		struct extract_slice hd[3] = { { line + 2, 8 }, { line + 10, 6 }, { line + 16, 8 } };
		for (i = 24; i < FIXED_LEN; i++)
			if (line[i] != ' ')
				return extract_reject(err, NHI_EPARSE, "line", "byte %zu: a header "
				    "record is blank after byte 24", i + 1);
		return extract_fill_header(p, &hd[0], &hd[1], &hd[2], err);
	}
	if (extract_event_from_code(code, &rec->event) != 0)
		return extract_reject(err, NHI_EPARSE, "event", "unknown event code '%.2s'", code);
	if (rec->event == EXTRACT_EV_BENEFIT) {
		slots = benefit_slots;
		nslots = NHI_ARRAY_LEN(benefit_slots);
		for (i = 89; i < FIXED_LEN; i++)
			if (line[i - 1] != ' ')
				return extract_reject(err, NHI_EPARSE, "line", "byte %zu: a benefit "
				    "record is blank after byte 89", i);
	} else {
		slots = resident_slots;
		nslots = NHI_ARRAY_LEN(resident_slots);
	}
	for (i = 0; i < nslots; i++) {
		if (cut_character((const unsigned char *)line, slots[i].pos - 1) ||
		    cut_character((const unsigned char *)line, slots[i].pos - 1 + slots[i].len))
			return extract_reject(err, NHI_EENCODING, slots[i].name, "a double-byte "
			    "character crosses the field boundary (bytes %zu-%zu)", slots[i].pos,
			    slots[i].pos + slots[i].len - 1);
		f[slots[i].field].p = line + slots[i].pos - 1;
		f[slots[i].field].len = slots[i].len;
	}
	if (rec->event == EXTRACT_EV_BENEFIT)
		r = extract_fill_benefit(p, f, rec, err);
	else
		r = extract_fill_resident(p, f, rec, err);
	if (r < 0)
		extract_record_clear(rec);
	return r;
}

/* Put UTF-8 `s` into a slot as CP932, space-padded; dates lose dashes. */
static int
put(struct tbuf *out, const struct slot *sl, const char *s, int is_date, struct tbuf *tmp)
{
	char d[9];
	int r;

	if (s == NULL)
		s = "";
	if (is_date && s[0] != '\0') {
		if (strlen(s) != 10)
			return err_set(NHI_EPARSE, "field %s: bad date '%s'", sl->name, s);
		memcpy(d, s, 4);
		memcpy(d + 4, s + 5, 2);
		memcpy(d + 6, s + 8, 2);
		d[8] = '\0';
		s = d;
	}
	if ((r = text_encode_cp932(s, tmp)) != 0)
		return err_wrap(r, "field %s: ", sl->name);
	if (tmp->len > sl->len)
		return err_set(NHI_ERANGE, "field %s: %zu bytes do not fit in %zu", sl->name,
		    tmp->len, sl->len);
	memcpy(out->p + sl->pos - 1, tmp->p, tmp->len);
	return 0;
}

int
extract_format_fixed(const struct extract_record *rec, struct tbuf *out)
{
	const struct slot *s = resident_slots;
	struct tbuf tmp = { 0 };
	char num[8];
	int r;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	for (size_t i = 0; i < FIXED_LEN; i++)
		tbuf_addc(out, ' ');
	memcpy(out->p, extract_event_code(rec->event), 2);
	if (rec->event == EXTRACT_EV_BENEFIT) {
		s = benefit_slots;
		if ((r = put(out, &s[1], rec->event_date, 1, &tmp)) != 0 ||
		    (r = put(out, &s[2], rec->person_code, 0, &tmp)) != 0 ||
		    (r = put(out, &s[3], rec->benefit_kind, 0, &tmp)) != 0 ||
		    (r = put(out, &s[4], rec->payer_number, 0, &tmp)) != 0 ||
		    (r = put(out, &s[5], rec->recipient_number, 0, &tmp)) != 0 ||
		    (r = put(out, &s[6], rec->valid_from, 1, &tmp)) != 0 ||
		    (r = put(out, &s[7], rec->benefit_until, 1, &tmp)) != 0)
			goto out;
		goto done;
	}
	if ((r = put(out, &s[1], rec->event_date, 1, &tmp)) != 0 ||
	    (r = put(out, &s[2], rec->person_code, 0, &tmp)) != 0 ||
	    (r = put(out, &s[3], rec->household_code, 0, &tmp)) != 0 ||
	    (r = put(out, &s[4], rec->is_head ? "1" : "0", 0, &tmp)) != 0 ||
	    (r = put(out, &s[5], rec->name_kanji, 0, &tmp)) != 0 ||
	    (r = put(out, &s[6], rec->name_kana, 0, &tmp)) != 0 ||
	    (r = put(out, &s[7], rec->birth_date, 1, &tmp)) != 0)
		goto out;
	snprintf(num, sizeof(num), "%d", rec->sex);
	if ((r = put(out, &s[8], num, 0, &tmp)) != 0 ||
	    (r = put(out, &s[9], rec->address, 0, &tmp)) != 0 ||
	    (r = put(out, &s[10], rec->address_code, 0, &tmp)) != 0 ||
	    (r = put(out, &s[11], rec->nationality, 0, &tmp)) != 0 ||
	    (r = put(out, &s[12], rec->residence_status, 0, &tmp)) != 0 ||
	    (r = put(out, &s[13], rec->stay_until, 1, &tmp)) != 0)
		goto out;
	if (rec->has_nhi) {
		const char *k = rec->cert_kind == NULL ? "1" :
		    strcmp(rec->cert_kind, "tanki") == 0 ? "2" :
		    strcmp(rec->cert_kind, "shikaku_shomei") == 0 ? "3" :
		    strcmp(rec->cert_kind, "kakunin") == 0 ? "4" : "1";
		if ((r = put(out, &s[14], rec->insurer_number, 0, &tmp)) != 0 ||
		    (r = put(out, &s[15], rec->symbol, 0, &tmp)) != 0 ||
		    (r = put(out, &s[16], rec->number, 0, &tmp)) != 0 ||
		    (r = put(out, &s[17], rec->branch, 0, &tmp)) != 0 ||
		    (r = put(out, &s[18], k, 0, &tmp)) != 0)
			goto out;
		if (rec->short_months) {
			snprintf(num, sizeof(num), "%d", rec->short_months);
			if ((r = put(out, &s[19], num, 0, &tmp)) != 0)
				goto out;
		}
		if ((r = put(out, &s[20], rec->acquired_on, 1, &tmp)) != 0 ||
		    (r = put(out, &s[21], rec->lost_on, 1, &tmp)) != 0 ||
		    (r = put(out, &s[22], rec->valid_until, 1, &tmp)) != 0)
			goto out;
		if (rec->burden_pct) {
			snprintf(num, sizeof(num), "%d", rec->burden_pct);
			if ((r = put(out, &s[23], num, 0, &tmp)) != 0 ||
			    (r = put(out, &s[24], rec->burden_from, 1, &tmp)) != 0)
				goto out;
		}
		if ((r = put(out, &s[25], rec->special_address ? "1" : "0", 0, &tmp)) != 0)
			goto out;
	}
done:
	tbuf_add(out, "\r\n", 2);
	r = 0;
out:
	free(tmp.p);
	return r;
}

/*
 * clinic-visit.c: the file the terminal writes for the receipt computer
 * (レセコン) at each check (docs/clinic-api.md section 6): one file per
 * visit, "KEY VALUE" lines between a header and "end", UTF-8, written
 * under a temporary name (NAME.visit.tmp.PID), fsynced and renamed to
 * NAME.visit, so a program taking *.visit files sees whole files only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "clinic.h"
#include "crypto.h"
#include "error.h"
#include "util.h"

static void
line(char **text, const char *key, const char *value)
{
	char *t, *v = xstrdup(value != NULL && *value != '\0' ? value : "-");
	size_t i;

	/* One line per item: no control characters in a value. */
	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x20)
			v[i] = ' ';
	t = xasprintf("%s%s %s\n", *text, key, v);
	free(*text);
	free(v);
	*text = t;
}

static void
answer_line(char **text, json_t *a, const char *key)
{
	json_t *v = json_object_get(a, key);
	char num[32];

	if (json_is_string(v))
		line(text, key, json_string_value(v));
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		line(text, key, num);
	} else if (json_is_boolean(v))
		line(text, key, json_is_true(v) ? "1" : "0");
	else
		line(text, key, NULL);
}

int
clinic_visit_write(const char *dir, const struct clinic_visit *v, char **name)
{
	static const char *const fields[] = {
		"insurer_number", "insurer_name", "symbol", "number", "branch",
		"document", "valid_from", "valid_until", "burden_pct", "elderly",
		"limit_category", "revoked_reason", "ended_on", "answered_at",
	};
	char *text = xstrdup("nhicard-visit 1\n"), now[32], stamp[32], rnd[9];
	char *path = NULL, *base = NULL;
	uint8_t rb[4];
	json_t *a = NULL;
	time_t t = time(NULL);
	struct tm tm;
	size_t i;
	int r;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	if ((r = crypto_random(rb, sizeof(rb))) != 0)
		goto out;
	hex_encode(rb, sizeof(rb), rnd);
	if (v->answer_json != NULL)
		a = json_loads(v->answer_json, 0, NULL);
	line(&text, "checked_at", now);
	line(&text, "clinic", v->clinic);
	line(&text, "visit_date", v->visit_date);
	line(&text, "result", v->result);
	line(&text, "reason", v->reason);
	line(&text, "source", v->source);
	line(&text, "card", v->fingerprint);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		answer_line(&text, a, fields[i]);
	line(&text, "answer_file", v->answer_file);
	base = xasprintf("%s", text);
	free(text);
	text = xasprintf("%send\n", base);
	free(base);
	base = xasprintf("%s-%s-%s.visit", stamp, v->fingerprint != NULL ?
	    v->fingerprint : "nocard", rnd);
	path = xasprintf("%s/%s", dir, base);
	/* fs_write_atomic: a temporary file in the same folder, fsync, rename. */
	if ((r = fs_write_atomic(path, text, strlen(text), 0644)) != 0)
		goto out;
	*name = base;
	base = NULL;
	r = 0;
out:
	json_decref(a);
	free(text);
	free(path);
	free(base);
	return r;
}

/*
 * cmd-resident.c: `nhicard resident add|show|search|edit|gaiji`.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "cmd-lifecycle.h"
#include "audit.h"
#include "error.h"
#include "rules.h"
#include "search.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define SEARCH_LIMIT_DEFAULT	50

enum {
	O_KANJI = 1000, O_KANA, O_BIRTH, O_SEX, O_ADDRESS, O_HOUSEHOLD, O_HEAD, O_NOT_HEAD,
	O_NATIONALITY, O_STATUS, O_STAY, O_SYMBOL, O_NUMBER, O_CODE, O_ALL, O_LIMIT,
	O_VARIANTS, O_SEX_BACK,
};

static const struct option resident_longopts[] = {
	{ "name-kanji", required_argument, NULL, O_KANJI },
	{ "kanji", required_argument, NULL, O_KANJI },
	{ "name-kana", required_argument, NULL, O_KANA },
	{ "kana", required_argument, NULL, O_KANA },
	{ "birth", required_argument, NULL, O_BIRTH },
	{ "sex", required_argument, NULL, O_SEX },
	{ "address", required_argument, NULL, O_ADDRESS },
	{ "household", required_argument, NULL, O_HOUSEHOLD },
	{ "head", no_argument, NULL, O_HEAD },
	{ "not-head", no_argument, NULL, O_NOT_HEAD },
	{ "nationality", required_argument, NULL, O_NATIONALITY },
	{ "residence-status", required_argument, NULL, O_STATUS },
	{ "stay-until", required_argument, NULL, O_STAY },
	{ "symbol", required_argument, NULL, O_SYMBOL },
	{ "number", required_argument, NULL, O_NUMBER },
	{ "code", required_argument, NULL, O_CODE },
	{ "all", no_argument, NULL, O_ALL },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "variants", no_argument, NULL, O_VARIANTS },
	{ "sex-on-back", required_argument, NULL, O_SEX_BACK },
	{ NULL, 0, NULL, 0 }
};

/* What the options gave; NULL when absent. */
struct fields {
	const char	*kanji, *kana, *birth, *sex, *address, *household;
	const char	*nationality, *status, *stay, *symbol, *number, *code, *limit;
	const char	*sex_back;	/* --sex-on-back yes|no */
	int		 head;		/* -1 absent, 0, 1 */
	int		 all;
	int		 variants;	/* --variants: fold 異体字 in a kanji search */
	char		 birth_iso[11], stay_iso[11];
};

static int
parse_date_opt(const char *what, const char *s, char out[11])
{
	struct nhi_date d;

	if (date_parse(s, &d) != 0 || !date_valid(&d))
		return cmd_usage(&cmd_resident_entry, what);
	date_format(&d, out, 11);
	return 0;
}

static int
parse_fields(int argc, char **argv, struct fields *f)
{
	int ch, r;

	memset(f, 0, sizeof(*f));
	f->head = -1;
	optind = 0;	/* 0: glibc re-reads the option string (main used "+") */
	while ((ch = getopt_long(argc, argv, "", resident_longopts, NULL)) != -1) {
		switch (ch) {
		case O_KANJI: f->kanji = optarg; break;
		case O_KANA: f->kana = optarg; break;
		case O_BIRTH: f->birth = optarg; break;
		case O_SEX: f->sex = optarg; break;
		case O_ADDRESS: f->address = optarg; break;
		case O_HOUSEHOLD: f->household = optarg; break;
		case O_HEAD: f->head = 1; break;
		case O_NOT_HEAD: f->head = 0; break;
		case O_NATIONALITY: f->nationality = optarg; break;
		case O_STATUS: f->status = optarg; break;
		case O_STAY: f->stay = optarg; break;
		case O_SYMBOL: f->symbol = optarg; break;
		case O_NUMBER: f->number = optarg; break;
		case O_CODE: f->code = optarg; break;
		case O_ALL: f->all = 1; break;
		case O_LIMIT: f->limit = optarg; break;
		case O_VARIANTS: f->variants = 1; break;
		case O_SEX_BACK: f->sex_back = optarg; break;
		default:
			return cmd_usage(&cmd_resident_entry, "unknown option");
		}
	}
	/* A birth date as a clerk types it (search.h): 1980-04-01, 1980/04/01,
	 * S55.4.1, 昭和55年4月1日, full-width digits. */
	if (f->birth != NULL && (r = search_date_parse(f->birth, f->birth_iso)) != 0) {
		err_clear();
		return cmd_usage(&cmd_resident_entry, r == NHI_ERANGE ? "--birth: date not "
		    "understood (no such day)" : "--birth: expected a date such as 1980-04-01, "
		    "S55.4.1 or 昭和55年4月1日");
	}
	if (f->stay != NULL && (r = parse_date_opt("--stay-until: expected YYYY-MM-DD",
	    f->stay, f->stay_iso)) != 0)
		return r;
	return 0;
}

static int
parse_sex(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcasecmp(s, "m") == 0 || strcasecmp(s, "male") == 0)
		*out = 1;
	else if (strcmp(s, "2") == 0 || strcasecmp(s, "f") == 0 || strcasecmp(s, "female") == 0)
		*out = 2;
	else if (strcmp(s, "9") == 0)
		*out = 9;
	else
		return cmd_usage(&cmd_resident_entry, "--sex: expected 1 (male), 2 (female) or 9");
	return 0;
}

static int
parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		return cmd_usage(&cmd_resident_entry, "expected a resident id (a number)");
	*out = v;
	return 0;
}

static const char *
sex_name(int sex)
{
	return sex == 1 ? "male" : sex == 2 ? "female" : "n/a";
}

static void
print_row(const struct resident *r)
{
	printf("%-7lld %-15s %-20s %-20s %s %-6s %-15s %s%s\n", (long long)r->id,
	    r->person_code != NULL ? r->person_code : "(counter)", r->name_kanji,
	    r->name_kana, r->birth_date, sex_name(r->sex),
	    r->household_code[0] ? r->household_code : "-", r->status,
	    (r->name_flags & (STORE_NAME_GAIJI | STORE_ADDRESS_GAIJI)) ? " 外字" : "");
}

static int
resident_add(struct session *ctx, int argc, char **argv)
{
	struct fields f;
	struct resident res = { 0 };
	struct store *st;
	char subject[32];
	int r;

	if ((r = parse_fields(argc, argv, &f)) != 0 ||
	    (r = cmd_operands(&cmd_resident_entry, "resident add", argc, argv, optind, 0)) != 0)
		return r;
	if (f.kanji == NULL || f.kana == NULL || f.birth == NULL || f.sex == NULL ||
	    f.address == NULL)
		return cmd_usage(&cmd_resident_entry, "add needs --name-kanji, --name-kana, "
		    "--birth, --sex and --address");
	res.name_kanji = (char *)f.kanji;
	res.name_kana = (char *)f.kana;
	snprintf(res.birth_date, sizeof(res.birth_date), "%s", f.birth_iso);
	if ((r = parse_sex(f.sex, &res.sex)) != 0)
		return r;
	res.address = (char *)f.address;
	res.household_code = (char *)(f.household != NULL ? f.household : "");
	res.is_head = f.head == 1;
	res.nationality = (char *)f.nationality;
	res.residence_status = (char *)f.status;
	snprintf(res.stay_until, sizeof(res.stay_until), "%s", f.stay_iso);
	/* The resident and the audit entry commit together. */
	if ((r = session_store(ctx, &st)) != 0 || (r = store_begin(st)) != 0)
		return session_audit(ctx, r, "resident.add", NULL, NULL);
	if ((r = store_resident_add(st, &res)) != 0) {
		store_rollback(st);
		return session_audit(ctx, r, "resident.add", NULL, NULL);
	}
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)res.id);
	if ((r = audit_append(st, ctx->operator_login, "resident.add", subject, AUDIT_OK,
	    "counter enrolment")) != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		return session_audit(ctx, r, "resident.add", NULL, NULL);
	}
	printf("enrolled resident #%lld at the counter (no person code yet: the next "
	    "extract that holds the same name, birth date, sex and address is merged)\n",
	    (long long)res.id);
	if (res.name_flags & (STORE_NAME_GAIJI | STORE_ADDRESS_GAIJI))
		printf("note: 外字 kept and flagged for the clerk\n");
	return 0;
}

static int
resident_lookup(struct store *st, const char *arg, const char *code, struct resident *out)
{
	int64_t id = 0;
	int r;

	if (code != NULL)
		return store_resident_find_by_code(st, code, out);
	if (arg == NULL)
		return cmd_usage(&cmd_resident_entry, "expected a resident id or --code");
	if ((r = parse_id(arg, &id)) != 0)
		return r;
	return store_resident_get(st, id, out);
}

static int
resident_show(struct session *ctx, int argc, char **argv)
{
	struct fields f;
	struct resident res = { 0 };
	struct eligibility *el = NULL;
	struct benefit *ben = NULL;
	struct text_basic_items b = { 0 };
	struct store *st;
	char *head = NULL, subject[32];
	size_t n = 0, nb = 0, i;
	int r;

	if ((r = parse_fields(argc, argv, &f)) != 0 ||
	    (r = cmd_operands(&cmd_resident_entry, "resident show", argc, argv, optind,
	    f.code != NULL ? 0 : 1)) != 0)
		return r;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = resident_lookup(st, optind < argc ? argv[optind] : NULL, f.code, &res)) != 0)
		return r;
	/* A read of personal data is on record before it is shown. */
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)res.id);
	if ((r = session_audit(ctx, 0, "resident.show", subject, NULL)) != 0)
		goto out;
	printf("resident #%lld (%s)\n", (long long)res.id, res.origin);
	printf("  person code      %s\n", res.person_code != NULL ? res.person_code :
	    "(none yet: counter enrolment)");
	printf("  name             %s\n  kana             %s (search: %s)\n", res.name_kanji,
	    res.name_kana, res.name_kana_norm);
	printf("  birth date       %s\n  sex              %s\n  address          %s\n",
	    res.birth_date, sex_name(res.sex), res.address);
	printf("  household        %s%s\n", res.household_code[0] ? res.household_code : "-",
	    res.is_head ? " (head)" : "");
	if (res.household_id != 0 && store_household_head_name(st, res.household_id, &head) == 0)
		printf("  世帯主氏名       %s\n", head);
	if (res.nationality[0])
		printf("  nationality      %s, %s, stay until %s\n", res.nationality,
		    res.residence_status[0] ? res.residence_status : "-",
		    res.stay_until[0] ? res.stay_until : "-");
	printf("  status           %s%s%s\n", res.status, res.status_date[0] ? " since " : "",
	    res.status_date);
	printf("  性別の記載       %s\n", res.sex_on_back ? "裏面 (at the person's request)" :
	    "表面");
	if (res.name_flags & (STORE_NAME_GAIJI | STORE_ADDRESS_GAIJI))
		printf("  外字             kept in the %s: check the printed form\n",
		    (res.name_flags & STORE_NAME_GAIJI) ? "name" : "address");
	if (store_resident_basic_items(st, res.id, &b) == 0) {
		printf("  four items       %s / %s / %d / %s\n", b.name, b.birth_date, b.sex,
		    b.address);
		text_basic_items_free(&b);
	}
	if ((r = store_eligibility_list(st, res.id, 1, &el, &n)) != 0)
		goto out;
	printf("NHI eligibility (%zu period%s)\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		printf("  #%-6lld %s %s-%s%s%s %-14s %s..%s%s\n", (long long)el[i].id,
		    el[i].insurer_number, el[i].symbol, el[i].number, el[i].branch[0] ? "-" : "",
		    el[i].branch, el[i].cert_kind, el[i].acquired_on,
		    el[i].lost_on[0] ? el[i].lost_on : "", el[i].superseded_by ?
		    " (superseded)" : "");
	if ((r = store_benefit_list(st, res.id, &ben, &nb)) != 0)
		goto out;
	printf("other benefits (%zu)\n", nb);
	for (i = 0; i < nb; i++)
		printf("  %-18s payer %-8s recipient %-10s %s..%s\n", ben[i].kind,
		    ben[i].payer_number[0] ? ben[i].payer_number : "-",
		    ben[i].recipient_number[0] ? ben[i].recipient_number : "-",
		    ben[i].valid_from, ben[i].valid_until);
	r = 0;
out:
	free(el);
	free(ben);
	free(head);
	store_resident_free(&res);
	return r;
}

static int
resident_search(struct session *ctx, int argc, char **argv)
{
	struct fields f;
	struct resident_query q = { 0 };
	struct resident *list = NULL;
	struct store *st;
	char detail[128];
	size_t n = 0, i, limit = SEARCH_LIMIT_DEFAULT;
	char text_arg[256], text_number[256];
	int r;

	if ((r = parse_fields(argc, argv, &f)) != 0 ||
	    (r = cmd_operands(&cmd_resident_entry, "resident search", argc, argv, optind, 1)) != 0)
		return r;
	/* One TEXT read as the screen reads it (search_classify), alone: next
	 * to a criterion option it is a word left over (an unquoted name). */
	if (optind < argc && (f.kanji != NULL || f.kana != NULL || f.birth != NULL ||
	    f.symbol != NULL || f.number != NULL || f.household != NULL || f.code != NULL))
		return cmd_operands(&cmd_resident_entry, "resident search", argc, argv, optind, 0);
	if (optind < argc) {
		switch (search_classify(argv[optind], text_arg, sizeof(text_arg), text_number,
		    sizeof(text_number))) {
		case SEARCH_BIRTH:
			snprintf(f.birth_iso, sizeof(f.birth_iso), "%.10s", text_arg);
			f.birth = f.birth_iso;
			break;
		case SEARCH_KANA:
			f.kana = text_arg;
			break;
		case SEARCH_SYMBOL:
			f.symbol = text_arg;
			f.number = text_number;
			break;
		case SEARCH_KANJI:
			f.kanji = text_arg;
			break;
		case SEARCH_BAD_DATE:
			err_clear();
			return cmd_usage(&cmd_resident_entry, "date not understood (no such day): "
			    "not searched as a name");
		}
	}
	if (f.limit != NULL && ((limit = strtoul(f.limit, NULL, 10)) == 0 || limit > 10000))
		return cmd_usage(&cmd_resident_entry, "--limit: expected 1 to 10000");
	q.kana_prefix = f.kana;
	q.kanji_prefix = f.kanji;
	q.fold_variants = f.variants;
	q.birth_date = f.birth != NULL ? f.birth_iso : NULL;
	q.symbol = f.symbol;
	q.number = f.number;
	q.household_code = f.household;
	q.person_code = f.code;
	q.include_gone = f.all;
	if (q.kana_prefix == NULL && q.kanji_prefix == NULL && q.birth_date == NULL &&
	    q.symbol == NULL && q.number == NULL && q.household_code == NULL &&
	    q.person_code == NULL)
		return cmd_usage(&cmd_resident_entry, "search needs --kana, --kanji, --birth, "
		    "--symbol/--number, --household or --code");
	if (q.kana_prefix != NULL && !text_is_kana(q.kana_prefix))
		return cmd_usage(&cmd_resident_entry, "--kana: not kana");
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_resident_search(st, &q, limit, &list, &n)) != 0)
		return r;
	/* Which fields were searched and how many rows were shown: never the
	 * values searched for. */
	snprintf(detail, sizeof(detail), "%zu found by%s%s%s%s%s%s%s", n,
	    q.kana_prefix ? " kana" : "", q.kanji_prefix ? " kanji" : "",
	    q.birth_date ? " birth" : "", q.symbol ? " symbol" : "",
	    q.number ? " number" : "", q.household_code ? " household" : "",
	    q.person_code ? " code" : "");
	if ((r = session_audit(ctx, 0, "resident.search", NULL, detail)) != 0) {
		store_resident_list_free(list, n);
		return r;
	}
	for (i = 0; i < n; i++)
		print_row(&list[i]);
	printf("%zu resident%s found%s\n", n, n == 1 ? "" : "s", n == limit ?
	    " (limit reached: narrow the search)" : "");
	store_resident_list_free(list, n);
	return n == 0 ? err_set(NHI_ENOTFOUND, "no resident matches") : 0;
}

/*
 * 性別 on the back (or the front again) at the person's request, with its
 * audit entry resident.sex_on_back in the same transaction; a refusal or
 * failure is audited after the rollback.
 */
static int
resident_sex_back(struct session *ctx, struct store *st, int64_t id, int on)
{
	char subject[32];
	int r, changed = 0;

	snprintf(subject, sizeof(subject), "resident:%lld", (long long)id);
	if ((r = store_begin(st)) != 0)
		return session_audit(ctx, r, "resident.sex_on_back", subject, NULL);
	if ((r = store_resident_set_sex_on_back(st, id, on, &changed)) != 0 ||
	    (r = session_audit(ctx, 0, "resident.sex_on_back", subject,
	    on ? (changed ? "back" : "back (unchanged)") :
	    (changed ? "front" : "front (unchanged)"))) != 0 ||
	    (r = store_commit(st)) != 0) {
		store_rollback(st);
		return session_audit(ctx, r, "resident.sex_on_back", subject, NULL);
	}
	printf("resident #%lld: 性別 printed on the %s%s\n", (long long)id,
	    on ? "back (at the person's request)" : "front", changed ? "" : " (as before)");
	return 0;
}

static int
resident_edit(struct session *ctx, int argc, char **argv)
{
	struct fields f;
	struct resident res = { 0 };
	struct store *st;
	char *saved[5] = { NULL }, subject[32];
	int r;

	if ((r = parse_fields(argc, argv, &f)) != 0 ||
	    (r = cmd_operands(&cmd_resident_entry, "resident edit", argc, argv, optind,
	    f.code != NULL ? 0 : 1)) != 0)
		return r;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = resident_lookup(st, optind < argc ? argv[optind] : NULL, f.code, &res)) != 0)
		return r;
	/* Keep the fetched strings to free them; point at the options. */
	saved[0] = res.name_kanji;
	saved[1] = res.name_kana;
	saved[2] = res.address;
	saved[3] = res.nationality;
	saved[4] = res.residence_status;
	if (f.kanji != NULL)
		res.name_kanji = (char *)f.kanji;
	if (f.kana != NULL)
		res.name_kana = (char *)f.kana;
	if (f.address != NULL)
		res.address = (char *)f.address;
	if (f.nationality != NULL)
		res.nationality = (char *)f.nationality;
	if (f.status != NULL)
		res.residence_status = (char *)f.status;
	if (f.birth != NULL)
		snprintf(res.birth_date, sizeof(res.birth_date), "%s", f.birth_iso);
	if (f.stay != NULL)
		snprintf(res.stay_until, sizeof(res.stay_until), "%s", f.stay_iso);
	if (f.sex != NULL && (r = parse_sex(f.sex, &res.sex)) != 0)
		goto out;
	if (f.head >= 0)
		res.is_head = f.head;
	if (f.sex_back != NULL) {
		if (strcmp(f.sex_back, "yes") != 0 && strcmp(f.sex_back, "no") != 0) {
			r = cmd_usage(&cmd_resident_entry, "--sex-on-back: expected yes (性別 on"
			    " the back, at the person's request) or no");
			goto out;
		}
		/* Only this: its own entry, in the change's transaction. */
		if (f.kanji == NULL && f.kana == NULL && f.address == NULL &&
		    f.nationality == NULL && f.status == NULL && f.birth == NULL &&
		    f.stay == NULL && f.sex == NULL && f.head < 0) {
			r = resident_sex_back(ctx, st, res.id, strcmp(f.sex_back, "yes") == 0);
			goto done;
		}
	}
	/* The change and its audit entry commit together. */
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)res.id);
	if ((r = store_begin(st)) != 0)
		goto out;
	if ((r = store_resident_update(st, &res)) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "resident.edit", subject, AUDIT_OK,
	    NULL)) != 0 || (r = store_commit(st)) != 0) {
		store_rollback(st);
		goto out;
	}
	printf("resident #%lld updated\n", (long long)res.id);
out:
	snprintf(subject, sizeof(subject), "resident:%lld", (long long)res.id);
	if (r != 0)
		r = session_audit(ctx, r, "resident.edit", subject, NULL);
	if (r == 0 && f.sex_back != NULL)
		r = resident_sex_back(ctx, st, res.id, strcmp(f.sex_back, "yes") == 0);
done:
	res.name_kanji = saved[0];
	res.name_kana = saved[1];
	res.address = saved[2];
	res.nationality = saved[3];
	res.residence_status = saved[4];
	store_resident_free(&res);
	return r;
}

static int
resident_gaiji(struct session *ctx, int argc, char **argv)
{
	struct resident *list = NULL;
	struct store *st;
	size_t n = 0, i;
	int r;

	if ((r = cmd_operands(&cmd_resident_entry, "resident gaiji", argc, argv, 1, 0)) != 0)
		return r;
	if ((r = session_store(ctx, &st)) != 0 ||
	    (r = store_resident_list_gaiji(st, 100000, &list, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		printf("%-7lld %-15s %s: %s\n", (long long)list[i].id,
		    list[i].person_code != NULL ? list[i].person_code : "(counter)",
		    (list[i].name_flags & STORE_NAME_GAIJI) ? "name" : "address",
		    (list[i].name_flags & STORE_NAME_GAIJI) ? list[i].name_kanji : list[i].address);
	}
	printf("%zu resident%s with 外字 (private-use characters or {SJIS:XXXX} codes kept "
	    "as received)\n", n, n == 1 ? "" : "s");
	store_resident_list_free(list, n);
	return 0;
}

static int
cmd_resident_exec(struct session *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage(&cmd_resident_entry, "expected add, show, search, edit or gaiji");
	if (strcmp(argv[1], "add") == 0)
		return resident_add(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return resident_show(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "search") == 0)
		return resident_search(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "edit") == 0)
		return resident_edit(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "gaiji") == 0)
		return resident_gaiji(ctx, argc - 1, argv + 1);
	return cmd_usage(&cmd_resident_entry, "expected add, show, search, edit or gaiji");
}

const struct cmd_entry cmd_resident_entry = {
	.name = "resident",
	.usage = "add|show|search|edit|gaiji [OPTIONS]",
	.summary = "enrol, show, search and edit residents",
	.help =
	    "  add --name-kanji N --name-kana K --birth DATE --sex 1|2|9 --address A\n"
	    "      [--household CODE] [--head] [--nationality CC --residence-status S\n"
	    "      --stay-until D]\n"
	    "      enrol at the counter a person the last extract does not hold yet; an\n"
	    "      extract bringing the same four basic items (name, birth date, sex,\n"
	    "      address) later is merged, a partial match is held for a clerk.\n"
	    "      Quote a value with blanks: --name-kanji '佐藤 一郎'; a word left over\n"
	    "      is a usage error naming it\n"
	    "  show ID | show --code PERSON_CODE\n"
	    "      the person, household head, eligibility history and other benefits\n"
	    "  search [TEXT] [--kana K] [--kanji K] [--variants] [--birth D]\n"
	    "      [--symbol S] [--number N] [--household CODE] [--code PERSON_CODE]\n"
	    "      [--all] [--limit N]\n"
	    "      kana and kanji are name prefixes; blanks of any width are ignored;\n"
	    "      kana matches any width and hiragana or katakana; --variants folds\n"
	    "      the 異体字 髙/高, 﨑/崎, 濵/浜, 邊/邉/辺 in a kanji search (the stored\n"
	    "      names are kept as they are); --all includes moved-out and deceased\n"
	    "      people. A date is 1980-04-01, 19800401, 1980/04/01, S55.4.1 or\n"
	    "      昭和55年4月1日 (full-width digits too). TEXT is read as the screen\n"
	    "      reads it: a date, kana, SYMBOL-NUMBER, else a kanji name; a date that\n"
	    "      is no day (S64.1.8) is an error, not a name search.\n"
	    "      Exit status 3 when nothing matches.\n"
	    "  edit ID [--name-kanji N] [--name-kana K] [--birth D] [--sex S]\n"
	    "      [--address A] [--head|--not-head] [--nationality CC]\n"
	    "      [--residence-status S] [--stay-until D] [--sex-on-back yes|no]\n"
	    "      --sex-on-back yes: 性別 printed on the back of every certificate and\n"
	    "      sleeve of this person from now on, at the person's request (no: the\n"
	    "      front again); kept, audited as resident.sex_on_back\n"
	    "  gaiji\n"
	    "      residents whose name or address holds 外字 kept as received\n",
	.exec = cmd_resident_exec,
};

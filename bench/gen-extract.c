/*
 * gen-extract.c: a generator of synthetic resident-register extracts for
 * tests and benchmarks, deterministic by seed.
 *
 *   gen-extract [--residents N] [--seed S] [--format csv|fixed]
 *       [--encoding utf-8|cp932] [--halfwidth PCT] [--foreign PCT]
 *       [--fault-rate PERMILLE] [--faults LIST] [--benefits] [-o FILE]
 *
 * The population looks like the study's towns (本山町: 4,314 residents,
 * 1,973 insured; 香北町: 5,590 / 2,790): an old rural age mix, households
 * of 1-6 (mean about 2.2), NHI for about 46% (nobody 75 or over since
 * 2008), 70-74s with a burden ratio, some short-term certificates and
 * 資格証明書, about 1% foreign residents with a status and a stay end.
 * Kana is half-width in --halfwidth percent of the records.
 *
 * Faults (--faults bad_check,bad_date,truncated,misencoded,duplicate,gaiji;
 * default all) are injected into --fault-rate per mille of the records;
 * each faulty line is listed on stderr as "fault LINE KIND" so tests can
 * check the importer names exactly those lines.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "rules.h"
#include "text.h"
#include "util.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
pick(int n)
{
	return (int)(rng() % (uint64_t)n);
}

static int
pct(int p)
{
	return pick(1000) < p * 10;
}

static const struct { const char *kanji, *kana; } surnames[] = {
	{ "山田", "ヤマダ" }, { "田中", "タナカ" }, { "佐藤", "サトウ" }, { "鈴木", "スズキ" },
	{ "高橋", "タカハシ" }, { "伊藤", "イトウ" }, { "渡辺", "ワタナベ" }, { "中村", "ナカムラ" },
	{ "小松", "コマツ" }, { "岡林", "オカバヤシ" }, { "川村", "カワムラ" }, { "森", "モリ" },
	{ "西村", "ニシムラ" }, { "山本", "ヤマモト" }, { "浜田", "ハマダ" }, { "和田", "ワダ" },
	{ "松本", "マツモト" }, { "吉村", "ヨシムラ" }, { "大石", "オオイシ" }, { "竹内", "タケウチ" },
	{ "近藤", "コンドウ" }, { "筒井", "ツツイ" }, { "野村", "ノムラ" }, { "藤田", "フジタ" },
	{ "坂本", "サカモト" }, { "橋本", "ハシモト" }, { "池田", "イケダ" }, { "古味", "コミ" },
	{ "植田", "ウエダ" }, { "永野", "ナガノ" }, { "別府", "ベップ" }, { "弘田", "ヒロタ" },
};
static const struct { const char *kanji, *kana; } male_names[] = {
	{ "太郎", "タロウ" }, { "一郎", "イチロウ" }, { "健", "ケン" }, { "浩", "ヒロシ" },
	{ "誠", "マコト" }, { "茂", "シゲル" }, { "勇", "イサム" }, { "大輔", "ダイスケ" },
	{ "翔太", "ショウタ" }, { "蓮", "レン" }, { "悠真", "ユウマ" }, { "正男", "マサオ" },
	{ "義雄", "ヨシオ" }, { "博", "ヒロシ" }, { "健太", "ケンタ" }, { "陽翔", "ハルト" },
};
static const struct { const char *kanji, *kana; } female_names[] = {
	{ "花子", "ハナコ" }, { "幸子", "サチコ" }, { "和子", "カズコ" }, { "恵子", "ケイコ" },
	{ "陽子", "ヨウコ" }, { "美咲", "ミサキ" }, { "結衣", "ユイ" }, { "葵", "アオイ" },
	{ "千代", "チヨ" }, { "久美子", "クミコ" }, { "由美", "ユミ" }, { "陽菜", "ヒナ" },
	{ "トミ", "トミ" }, { "静香", "シズカ" }, { "芽依", "メイ" }, { "明美", "アケミ" },
};
static const struct { const char *kanji, *kana; } foreign_names[] = {
	{ "グエン ヴァン アン", "グエン ヴァン アン" }, { "王 偉", "ワン ウェイ" },
	{ "サントス マリア", "サントス マリア" }, { "李 明", "リ ミン" },
	{ "レイエス アナ", "レイエス アナ" }, { "金 民俊", "キム ミンジュン" },
};
static const char *const nationalities[] = { "VNM", "CHN", "PHL", "CHN", "PHL", "KOR" };
static const char *const statuses[] = { "技能実習", "永住者", "特定技能", "留学", "定住者" };
static const char *const districts[] = { "本山", "吉野", "寺家", "下津野", "古田", "木能津",
	"汗見川", "助藤", "北山" };

/* Full-width katakana to half-width (voiced marks split), for names. */
static const uint16_t halfwidth_of[] = {
	0x3002, 0x300c, 0x300d, 0x3001, 0x30fb, 0x30f2,
	0x30a1, 0x30a3, 0x30a5, 0x30a7, 0x30a9, 0x30e3, 0x30e5, 0x30e7, 0x30c3,
	0x30fc,
	0x30a2, 0x30a4, 0x30a6, 0x30a8, 0x30aa,
	0x30ab, 0x30ad, 0x30af, 0x30b1, 0x30b3,
	0x30b5, 0x30b7, 0x30b9, 0x30bb, 0x30bd,
	0x30bf, 0x30c1, 0x30c4, 0x30c6, 0x30c8,
	0x30ca, 0x30cb, 0x30cc, 0x30cd, 0x30ce,
	0x30cf, 0x30d2, 0x30d5, 0x30d8, 0x30db,
	0x30de, 0x30df, 0x30e0, 0x30e1, 0x30e2,
	0x30e4, 0x30e6, 0x30e8,
	0x30e9, 0x30ea, 0x30eb, 0x30ec, 0x30ed,
	0x30ef, 0x30f3, 0x309b, 0x309c,
};

static int
half_index(uint32_t cp)
{
	size_t i;

	for (i = 0; i < NHI_ARRAY_LEN(halfwidth_of); i++)
		if (halfwidth_of[i] == cp)
			return (int)i;
	return -1;
}

static void
to_halfwidth(const char *s, struct tbuf *out)
{
	size_t len = strlen(s), i = 0, n;
	uint32_t cp;
	int k;

	tbuf_reset(out);
	tbuf_add(out, "", 0);
	while (i < len) {
		if ((n = text_utf8_next(s + i, len - i, &cp)) == 0)
			break;
		i += n;
		if (cp == 0x3000) {
			tbuf_addc(out, ' ');
		} else if ((k = half_index(cp)) >= 0) {
			tbuf_add_cp(out, 0xff61 + (uint32_t)k);
		} else if (cp == 0x30f4) {
			tbuf_add_cp(out, 0xff73);
			tbuf_add_cp(out, 0xff9e);
		} else if ((k = half_index(cp - 1)) >= 0) {
			tbuf_add_cp(out, 0xff61 + (uint32_t)k);
			tbuf_add_cp(out, 0xff9e);
		} else if ((k = half_index(cp - 2)) >= 0) {
			tbuf_add_cp(out, 0xff61 + (uint32_t)k);
			tbuf_add_cp(out, 0xff9f);
		} else
			tbuf_add_cp(out, cp);
	}
}

struct gen {
	long	residents;
	int	fixed, cp932, halfwidth, foreign, fault_rate, benefits;
	unsigned faults;
	FILE	*out;
	long	line;
	int	year;		/* the extract's year */
};

enum { F_BAD_CHECK = 1, F_BAD_DATE = 2, F_TRUNCATED = 4, F_MISENCODED = 8,
	F_DUPLICATE = 16, F_GAIJI = 32, F_ALL = 63 };
static const char *const fault_names[] = { "bad_check", "bad_date", "truncated",
	"misencoded", "duplicate", "gaiji" };

static void
date_str(char *buf, int y, int m, int d)
{
	snprintf(buf, 11, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000, (m % 100 + 100) % 100,
	    (d % 100 + 100) % 100);
}

static void
emit(struct gen *g, struct extract_record *rec, struct tbuf *line, struct tbuf *tmp)
{
	char *insurer_shared = rec->insurer_number, bad_insurer[16];
	unsigned fault = 0;
	int k;

	if (g->fault_rate > 0 && pick(1000) < g->fault_rate) {
		/* Choose one enabled fault. */
		do
			k = pick(6);
		while (!(g->faults & (1u << k)));
		fault = 1u << k;
	}
	if (fault == F_BAD_CHECK && !rec->has_nhi)
		fault = F_BAD_DATE;
	if (fault == F_BAD_CHECK) {
		/* The insurer number is shared by every record: spoil a copy. */
		snprintf(bad_insurer, sizeof(bad_insurer), "%s", rec->insurer_number);
		bad_insurer[5] = (char)('0' + (bad_insurer[5] - '0' + 1) % 10);
		rec->insurer_number = bad_insurer;
	}
	if (fault == F_BAD_DATE)
		memcpy(rec->birth_date + 5, "02-30", 5);
	if (fault == F_GAIJI) {
		/* A vendor character: private use (U+E001, CP932 F040 area) or, in
		 * CP932, an unmappable code written as its bytes. */
		char *n = xasprintf("%s%s", g->cp932 && pick(2) ? "{SJIS:8540}" : "\xee\x80\x81",
		    rec->name_kanji + 3);
		free(rec->name_kanji);
		rec->name_kanji = n;
	}
	if (g->fixed)
		(void)extract_format_fixed(rec, line);
	else {
		(void)extract_format_csv(rec, line);
		if (g->cp932) {
			(void)text_encode_cp932(line->p, tmp);
			tbuf_reset(line);
			tbuf_add(line, tmp->p, tmp->len);
		}
	}
	if (fault == F_MISENCODED) {
		/* A byte no encoding allows, inside the kanji name. */
		size_t at = g->fixed ? 41 : strlen(extract_event_name(rec->event)) + 1 +
		    strlen(rec->event_date) + 1 + strlen(rec->person_code) + 1 +
		    strlen(rec->household_code) + 1 + 2;
		line->p[at] = (char)0xff;
	}
	if (fault == F_TRUNCATED) {
		line->len = line->len / 2;
		line->p[line->len++] = '\n';
	}
	g->line++;
	fwrite(line->p, 1, line->len, g->out);
	if (fault != 0) {
		k = 0;
		while (!(fault & (1u << k)))
			k++;
		fprintf(stderr, "fault %ld %s\n", fault == F_DUPLICATE ? g->line + 1 : g->line,
		    fault_names[k]);
	}
	if (fault == F_DUPLICATE) {
		g->line++;
		fwrite(line->p, 1, line->len, g->out);
	}
	rec->insurer_number = insurer_shared;
}

static int
age_pick(void)
{
	int r = pick(100);

	if (r < 9)
		return pick(15);
	if (r < 27)
		return 15 + pick(25);
	if (r < 58)
		return 40 + pick(25);
	if (r < 76)
		return 65 + pick(10);
	return 75 + pick(25);
}

static void
generate(struct gen *g)
{
	struct extract_record rec;
	struct tbuf line = { 0 }, tmp = { 0 }, half = { 0 };
	char insurer[9], body[8], num[24], code[24], hh[24], addr[160];
	long person = 0, household = 0;
	int d, size, i, check, age, sex, district, lot;

	snprintf(body, sizeof(body), "39001");
	(void)rules_mod10_checkdigit(body, &check);
	snprintf(insurer, sizeof(insurer), "%s%d", body, check);
	while (person < g->residents) {
		int r = pick(100);
		size = r < 35 ? 1 : r < 70 ? 2 : r < 85 ? 3 : r < 95 ? 4 : 5 + pick(2);
		household++;
		district = pick((int)NHI_ARRAY_LEN(districts));
		lot = 1 + pick(3000);
		snprintf(addr, sizeof(addr), "高知県長岡郡本山町%s%d番地%s", districts[district],
		    lot, pick(3) == 0 ? "1" : "");
		snprintf(hh, sizeof(hh), "%ld", 500000 + household);
		int sname = pick((int)NHI_ARRAY_LEN(surnames));
		int foreign = pct(g->foreign);
		int hh_nhi = pick(100) < 55;
		for (i = 0; i < size && person < g->residents; i++) {
			memset(&rec, 0, sizeof(rec));
			person++;
			rec.event = EXTRACT_EV_FULL;
			date_str(rec.event_date, g->year, 4, 1);
			snprintf(code, sizeof(code), "%ld", 100000000 + person);
			rec.person_code = code;
			rec.household_code = hh;
			rec.is_head = i == 0;
			sex = 1 + pick(2);
			rec.sex = sex;
			age = i == 0 ? 20 + pick(70) : age_pick();
			if (foreign)
				age = 18 + pick(40);
			/* Age `age` on April 1 of the extract's year. */
			d = 1 + pick(28);
			int bmon = 1 + pick(12);
			date_str(rec.birth_date, g->year - age - (bmon >= 4 ? 1 : 0), bmon, d);
			char *kanji, *kana;
			if (foreign) {
				int f = pick((int)NHI_ARRAY_LEN(foreign_names));
				kanji = xstrdup(foreign_names[f].kanji);
				kana = xstrdup(foreign_names[f].kana);
				rec.nationality = (char *)nationalities[pick(6)];
				rec.residence_status = (char *)statuses[pick(5)];
				if (strcmp(rec.residence_status, "永住者") != 0)
					date_str(rec.stay_until, g->year + 1 + pick(3), 1 + pick(12), 1 + pick(28));
			} else {
				const char *gk, *gn;
				int gi = pick(16);
				gk = sex == 1 ? male_names[gi].kanji : female_names[gi].kanji;
				gn = sex == 1 ? male_names[gi].kana : female_names[gi].kana;
				kanji = xasprintf("%s %s", surnames[sname].kanji, gk);
				kana = xasprintf("%s %s", surnames[sname].kana, gn);
				rec.nationality = (char *)"";
				rec.residence_status = (char *)"";
			}
			if (pct(g->halfwidth)) {
				to_halfwidth(kana, &half);
				free(kana);
				kana = xstrdup(half.p);
			}
			rec.name_kanji = kanji;
			rec.name_kana = kana;
			rec.address = addr;
			snprintf(num, sizeof(num), "%02d", district + 1);
			rec.address_code = num;
			/* NHI: under 75 and not in employee insurance. */
			int y = atoi(rec.birth_date);
			int real_age = age;
			rec.has_nhi = real_age < 75 && (real_age >= 65 ? pick(100) < 85 : hh_nhi);
			char sym[8], nb[16], br[4];
			if (rec.has_nhi) {
				rec.insurer_number = insurer;
				snprintf(sym, sizeof(sym), "%02d", district + 1);
				snprintf(nb, sizeof(nb), "%06ld", household % 1000000);
				snprintf(br, sizeof(br), "%02d", (i + 1) % 100);
				rec.symbol = sym;
				rec.number = nb;
				rec.branch = br;
				r = pick(1000);
				rec.cert_kind = r < 30 ? "tanki" : r < 35 ? "shikaku_shomei" : "hihokensha";
				if (strcmp(rec.cert_kind, "tanki") == 0)
					rec.short_months = r < 10 ? 1 : r < 20 ? 3 : 6;
				int acq_y = y + 20 > g->year - 1 ? y : g->year - 1 - pick(20);
				if (acq_y < y)
					acq_y = y;
				date_str(rec.acquired_on, acq_y, 4, 1);
				if (strcmp(rec.acquired_on, rec.birth_date) < 0)
					memcpy(rec.acquired_on, rec.birth_date, 11);
				date_str(rec.valid_until, g->year + 1, 7, 31);
				if (real_age >= 70 && real_age <= 74) {
					rec.burden_pct = pick(10) == 0 ? 30 : 20;
					/* 発効期日: the first of the month after the 70th
					 * birthday (that month for a birthday on the 1st). */
					int bm = bmon + (d == 1 ? 0 : 1), by = y + 70;
					if (bm > 12) {
						bm = 1;
						by++;
					}
					date_str(rec.burden_from, by, bm, 1);
				}
				rec.special_address = pick(500) == 0;
			} else {
				rec.insurer_number = (char *)"";
				rec.symbol = (char *)"";
				rec.number = (char *)"";
				rec.branch = (char *)"";
			}
			emit(g, &rec, &line, &tmp);
			if (g->benefits && real_age >= 65 && pick(3) == 0) {
				struct extract_record b = { 0 };
				b.event = EXTRACT_EV_BENEFIT;
				memcpy(b.event_date, rec.event_date, 11);
				b.person_code = code;
				b.benefit_kind = (char *)"kaigo";
				b.payer_number = (char *)"";
				b.recipient_number = code;
				date_str(b.valid_from, y + 65, 4, 1);
				(void)extract_format_csv(&b, &line);
				if (g->fixed)
					(void)extract_format_fixed(&b, &line);
				g->line++;
				fwrite(line.p, 1, line.len, g->out);
			}
			free(rec.name_kanji);
			free(rec.name_kana);
		}
	}
	free(line.p);
	free(tmp.p);
	free(half.p);
}

static unsigned
parse_faults(const char *s)
{
	unsigned f = 0;
	char *copy = xstrdup(s), *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NHI_ARRAY_LEN(fault_names); i++)
			if (strcmp(tok, fault_names[i]) == 0)
				f |= 1u << i;
		if (strcmp(tok, "all") == 0)
			f |= F_ALL;
	}
	free(copy);
	return f;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "residents", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "halfwidth", required_argument, NULL, 'h' },
		{ "foreign", required_argument, NULL, 'F' },
		{ "fault-rate", required_argument, NULL, 'r' },
		{ "faults", required_argument, NULL, 'x' },
		{ "benefits", no_argument, NULL, 'b' },
		{ "year", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen g = { .residents = 1000, .halfwidth = 10, .foreign = 1, .faults = F_ALL,
	    .year = 2024 };
	const char *outpath = NULL;
	uint64_t seed = 1;
	int c;

	while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': g.residents = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'f': g.fixed = strcmp(optarg, "fixed") == 0; break;
		case 'e': g.cp932 = strcmp(optarg, "cp932") == 0; break;
		case 'h': g.halfwidth = atoi(optarg); break;
		case 'F': g.foreign = atoi(optarg); break;
		case 'r': g.fault_rate = atoi(optarg); break;
		case 'x': g.faults = parse_faults(optarg); break;
		case 'b': g.benefits = 1; break;
		case 'y': g.year = atoi(optarg); break;
		case 'o': outpath = optarg; break;
		default:
			fprintf(stderr, "usage: gen-extract [--residents N] [--seed S] "
			    "[--format csv|fixed] [--encoding utf-8|cp932] [--halfwidth PCT] "
			    "[--foreign PCT] [--fault-rate PERMILLE] [--faults LIST] "
			    "[--benefits] [--year Y] [-o FILE]\n");
			return 2;
		}
	}
	if (g.faults == 0)
		g.faults = F_ALL;
	if (g.fixed)
		g.cp932 = 1;
	rng_state = seed;
	g.out = stdout;
	if (outpath != NULL && (g.out = fopen(outpath, "wb")) == NULL) {
		perror(outpath);
		return 1;
	}
	setvbuf(g.out, NULL, _IOFBF, 1 << 20);
	generate(&g);
	if (fclose(g.out) != 0) {
		perror("write");
		return 1;
	}
	return 0;
}

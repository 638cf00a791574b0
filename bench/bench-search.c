/*
 * bench-search.c: resident search latency over a loaded store.
 *
 *   bench-search --db PATH [--queries N] [--seed S] [--warm]
 *
 * Runs N searches (default 2000) through the store API, mixing kana
 * prefixes (full-width, half-width and hiragana), kanji prefixes, birth
 * dates, 記号番号 and households as a counter does, 50 results at most, and
 * prints "search_p99_ms VALUE ms" and "search_p50_ms VALUE ms"; on stderr
 * the p50 and p99 of each kind of query, to see which one is slow. With
 * --warm the same N searches run once first, so that the pages they touch
 * are in memory, as on a station in use, and that first pass's p99 is
 * printed as "search_first_p99_ms VALUE ms": on a machine that gives back
 * its page cache quickly, the first pass over a store of millions measures
 * the disk. "search_fullscan_steps VALUE rows" counts the rows all the
 * searches (both passes) stepped over in full scans of a table or index:
 * 0 when every search runs on an index, as it must at any size.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"
#include "util.h"

static uint64_t state = 7;

static uint64_t
rng(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define NKINDS	5

static const char *const kind_names[NKINDS] = { "kana", "kanji", "birth", "number",
    "household" };

/* One pass of nq searches from the generator's state `seed`: the latency of
 * each in lat[], and by kind in by_kind[k][0..nk[k]). 0, or the store's
 * error. */
static int
search_pass(struct store *st, uint64_t seed, size_t nq, uint64_t *lat,
    uint64_t *by_kind[NKINDS], size_t nk[NKINDS], size_t *total)
{
	static const char *const kana[] = { "ヤマ", "ﾀﾅｶ", "さとう", "スズキ", "ﾀｶﾊｼ", "いとう",
	    "ワタナベ", "ﾅｶﾑﾗ", "こまつ", "オカバ", "カワ", "モリ", "ﾆｼﾑﾗ", "やまもと", "ハマダ" };
	static const char *const kanji[] = { "山田", "田中", "佐藤 花", "鈴木", "高橋 太",
	    "伊藤", "渡辺", "中村", "小松", "岡林", "川村", "森" };
	struct resident *list;
	char birth[11], number[16], symbol[8], hh[16];
	uint64_t t0;
	size_t n, i;
	int r;

	state = seed;
	memset(nk, 0, NKINDS * sizeof(*nk));
	*total = 0;
	for (i = 0; i < nq; i++) {
		struct resident_query q = { 0 };
		switch (i % NKINDS) {
		case 0:
			q.kana_prefix = kana[rng() % NHI_ARRAY_LEN(kana)];
			break;
		case 1:
			q.kanji_prefix = kanji[rng() % NHI_ARRAY_LEN(kanji)];
			break;
		case 2:
			snprintf(birth, sizeof(birth), "%04d-%02d-%02d", 1930 + (int)(rng() % 94),
			    1 + (int)(rng() % 12), 1 + (int)(rng() % 28));
			q.birth_date = birth;
			break;
		case 3:
			snprintf(symbol, sizeof(symbol), "%02d", 1 + (int)(rng() % 9));
			snprintf(number, sizeof(number), "%06d", 1 + (int)(rng() % 450000));
			q.symbol = symbol;
			q.number = number;
			break;
		default:
			snprintf(hh, sizeof(hh), "%d", 500001 + (int)(rng() % 450000));
			q.household_code = hh;
			break;
		}
		t0 = time_mono_ns();
		if ((r = store_resident_search(st, &q, 50, &list, &n)) != 0)
			return r;
		lat[i] = time_mono_ns() - t0;
		by_kind[i % NKINDS][nk[i % NKINDS]++] = lat[i];
		*total += n;
		store_resident_list_free(list, n);
	}
	return 0;
}

static double
percentile_ms(uint64_t *v, size_t n, int pct)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[(n * (size_t)pct) / 100] / 1e6;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "queries", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "warm", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st = NULL;
	const char *db = NULL;
	uint64_t *lat, *by_kind[NKINDS], seed;
	size_t nk[NKINDS], nq = 2000, total, k;
	int c, r, warm = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'n': nq = strtoul(optarg, NULL, 10); break;
		case 's': state = strtoull(optarg, NULL, 10); break;
		case 'w': warm = 1; break;
		default:
			goto usage;
		}
	}
	if (db == NULL || nq == 0)
		goto usage;
	if ((r = store_open(db, STORE_READONLY, &st)) != 0)
		goto fail;
	seed = state;
	lat = xcalloc(nq, sizeof(*lat));
	for (k = 0; k < NKINDS; k++)
		by_kind[k] = xcalloc(nq, sizeof(*lat));
	if (warm) {
		if ((r = search_pass(st, seed, nq, lat, by_kind, nk, &total)) != 0)
			goto fail;
		printf("search_first_p99_ms %.3f ms\n", percentile_ms(lat, nq, 99));
	}
	if ((r = search_pass(st, seed, nq, lat, by_kind, nk, &total)) != 0)
		goto fail;
	printf("search_p50_ms %.3f ms\n", percentile_ms(lat, nq, 50));
	printf("search_fullscan_steps %llu rows\n",
	    (unsigned long long)store_search_fullscan_steps(st));
	printf("search_p99_ms %.3f ms\n", percentile_ms(lat, nq, 99));
	fprintf(stderr, "bench-search: %zu queries, %zu results\n", nq, total);
	for (k = 0; k < NKINDS; k++) {
		if (nk[k] > 0) {
			double p50 = percentile_ms(by_kind[k], nk[k], 50);

			/* Sorted now: the last is the slowest. */
			fprintf(stderr, "bench-search: %-9s p50 %.3f ms, p99 %.3f ms, max %.3f "
			    "ms\n", kind_names[k], p50, percentile_ms(by_kind[k], nk[k], 99),
			    (double)by_kind[k][nk[k] - 1] / 1e6);
		}
		free(by_kind[k]);
	}
	free(lat);
	store_close(st);
	return 0;
fail:
	fprintf(stderr, "bench-search: %s\n", err_text(r));
	return 1;
usage:
	fprintf(stderr, "usage: bench-search --db PATH [--queries N] [--seed S] [--warm]\n");
	return 2;
}

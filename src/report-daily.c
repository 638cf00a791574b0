/*
 * report-daily.c: the supervisor's daily report (report.h): the store's
 * day (store-report.c) put into Japanese sections and charts, drawn by
 * the print layer (print-report.c). Times are shown in JST.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "nhiconf.h"
#include "print-report.h"
#include "print.h"
#include "queue.h"
#include "report.h"
#include "rules.h"
#include "session.h"
#include "store-report.h"
#include "util.h"

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) as "HH:MM" JST, or "MM/DD HH:MM" JST when
 * `with_day`. */
static void
jst(const char *utc, int with_day, char *out, size_t len)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(out, len, "%s", utc);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) + 9 * 3600;
	gmtime_r(&t, &tm);
	if (with_day)
		snprintf(out, len, "%02d/%02d %02d:%02d", tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min);
	else
		snprintf(out, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static const char *
path_name(const char *kind)
{
	if (strcmp(kind, "juki_existing") == 0)
		return "既存の住基カードに追加";
	if (strcmp(kind, "juki_new") == 0)
		return "住基カードを新たに交付";
	if (strcmp(kind, "standalone") == 0)
		return "独自カード";
	return kind;
}

static const char *
cert_name(const char *kind)
{
	enum print_cert_kind k;

	return print_cert_kind_parse(kind, &k) == 0 ? print_cert_kind_title(k) : kind;
}

static const char *
how_name(const char *how)
{
	return strcmp(how, "counter") == 0 ? "窓口" : strcmp(how, "phone") == 0 ? "電話" :
	    strcmp(how, "mail") == 0 ? "郵送" : how;
}

static const char *
held_name(const char *kind)
{
	return strcmp(kind, "unknown_person") == 0 ? "該当者不明" :
	    strcmp(kind, "out_of_order") == 0 ? "順序違い" :
	    strcmp(kind, "conflict") == 0 ? "照合の不一致" :
	    strcmp(kind, "finding") == 0 ? "規則の所見" : kind;
}

static const char *
gaiji_note(int gaiji)
{
	return gaiji ? "（外字あり：〓は字形のない文字）" : "";
}

/* "—" for an empty column. */
static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "—";
}

static void
none_if_empty(struct print_report *r, size_t n)
{
	if (n == 0)
		print_report_line(r, "なし");
}

static void
sections(struct print_report *r, const struct store_daily *d, int deadline_days,
    int warn_days)
{
	char t[32];
	int64_t total = 0, fee = 0, waived = 0;
	size_t i;

	print_report_section(r, "1. カードと証の交付（経路・種別）");
	for (i = 0; i < d->cards.n; i++) {
		print_report_line(r, "カード　%s：%lld 枚", path_name(d->cards.r[i].c[0]),
		    (long long)d->cards.r[i].n);
		total += d->cards.r[i].n;
	}
	for (i = 0; i < d->certs.n; i++)
		print_report_line(r, "%s　%s：%lld 件",
		    strcmp(d->certs.r[i].c[0], "sleeve") == 0 ? "カード用挿入紙" : "証",
		    cert_name(d->certs.r[i].c[1]), (long long)d->certs.r[i].n);
	if (d->cards.n > 0)
		print_report_line(r, "カード交付 合計 %lld 枚", (long long)total);
	none_if_empty(r, d->cards.n + d->certs.n);

	print_report_section(r, "2. 再交付・無効（理由）");
	for (i = 0; i < d->voids.n; i++) {
		const struct store_report_row *w = &d->voids.r[i];

		jst(w->c[0], 0, t, sizeof(t));
		print_report_line(r, "%s　%s　証番号 %s　%s%s　理由：%s", t,
		    w->c[4][0] != '\0' ? "再交付（旧証を無効）" : "無効", w->c[1], w->c[2],
		    gaiji_note(w->gaiji), or_dash(w->c[3]));
	}
	none_if_empty(r, d->voids.n);

	print_report_section(r, "3. 紛失届");
	for (i = 0; i < d->losses.n; i++) {
		const struct store_report_row *w = &d->losses.r[i];

		jst(w->c[0], 0, t, sizeof(t));
		print_report_line(r, "%s　カード %s　%s%s　届出者：%s　方法：%s", t, w->c[1],
		    w->c[2], gaiji_note(w->gaiji), or_dash(w->c[3]), how_name(w->c[4]));
	}
	none_if_empty(r, d->losses.n);

	print_report_section(r, "4. 手数料と免除");
	for (i = 0; i < d->fees.n; i++) {
		const struct store_report_row *w = &d->fees.r[i];

		if (w->c[3][0] != '\0')
			waived++;
		else
			fee += w->n;
		print_report_line(r, "カード %s　%s%s　%s　%s", w->c[0], w->c[1],
		    gaiji_note(w->gaiji), path_name(w->c[2]), w->c[3][0] != '\0' ?
		    "手数料免除" : w->n > 0 ? "手数料あり" : "手数料なし");
		if (w->c[3][0] == '\0' && w->n > 0)
			print_report_line(r, "　手数料 %lld 円", (long long)w->n);
	}
	if (d->fees.n > 0)
		print_report_line(r, "手数料 合計 %lld 円、免除 %lld 件", (long long)fee,
		    (long long)waived);
	none_if_empty(r, d->fees.n);

	print_report_section(r, "5. センターへの送信キュー（この日の終わり）");
	print_report_line(r, "未確認（送信待ち・確認待ち）：%lld 件（うち失効レーン %lld 件）",
	    (long long)d->q_waiting, (long long)d->q_revocation);
	print_report_line(r, "期限（%d 日）まで %d 日以内：%lld 件　期限超過：%lld 件",
	    deadline_days, warn_days, (long long)d->q_near, (long long)d->q_past);
	print_report_line(r, "センターが受け付けなかった記録（再送待ち）：%lld 件",
	    (long long)d->q_rejected);

	print_report_section(r, "6. 未完了のカード");
	for (i = 0; i < d->unfinished.n; i++) {
		const struct store_report_row *w = &d->unfinished.r[i];

		jst(w->c[0], 1, t, sizeof(t));
		print_report_line(r, "%s 作成　カード %s　%s%s　到達した手順：%s　理由：%s", t,
		    w->c[1], w->c[2], gaiji_note(w->gaiji), or_dash(w->c[3]),
		    or_dash(w->c[4]));
	}
	none_if_empty(r, d->unfinished.n);

	print_report_section(r, "7. 保留中の項目（職員の確認待ち）");
	for (i = 0; i < d->held.n; i++) {
		const struct store_report_row *w = &d->held.r[i];

		jst(w->c[0], 1, t, sizeof(t));
		print_report_line(r, "%s 保留　%s　%s　%s", t, held_name(w->c[1]),
		    or_dash(w->c[2]), w->c[3]);
	}
	none_if_empty(r, d->held.n);

	print_report_section(r, "8. 操作者の操作（監査記録）");
	for (i = 0; i < d->actions.n; i++)
		print_report_line(r, "%s　%s：%lld 回", d->actions.r[i].c[0],
		    d->actions.r[i].c[1], (long long)d->actions.r[i].n);
	none_if_empty(r, d->actions.n);

	print_report_section(r, "9. 拒否・失敗した操作（監査記録）");
	for (i = 0; i < d->refusals.n; i++) {
		const struct store_report_row *w = &d->refusals.r[i];

		jst(w->c[0], 0, t, sizeof(t));
		print_report_line(r, "%s　%s　%s　%s　%s", t, w->c[1], w->c[2], w->c[3],
		    or_dash(w->c[4]));
	}
	none_if_empty(r, d->refusals.n);
}

int
report_daily(struct store *st, const char *day, const char *station, int deadline_days,
    int warn_days, const struct print_opts *po, const char *path,
    struct report_daily_result *res)
{
	static const char *const ages[STORE_REPORT_AGES] = {
		"1日未満", "1日", "2日", "3日", "4日", "5日以上" };
	struct store_daily d;
	struct print_report r;
	struct nhi_date nd;
	char title[160], *subtitle, *footer, labels[STORE_REPORT_WEEK][8];
	size_t i;
	int rc;

	if ((rc = date_parse(day, &nd)) != 0)
		return err_set(rc, "report day '%s': expected a date YYYY-MM-DD", day);
	memset(res, 0, sizeof(*res));
	if ((rc = store_report_daily(st, day, deadline_days, warn_days, &d)) != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	res->empty = d.cards.n == 0 && d.certs.n == 0 && d.voids.n == 0 &&
	    d.losses.n == 0 && d.actions.n == 0 && d.refusals.n == 0;
	for (i = 0; i < d.cards.n; i++)
		res->cards += d.cards.r[i].n;
	res->refusals = (int64_t)d.refusals.n;
	snprintf(title, sizeof(title), "業務日報　%04d年%02d月%02d日", nd.y, nd.m, nd.d);
	subtitle = xasprintf("%s　（日本時間 %s 0:00〜24:00、キューと保留は同日 24:00 時点）",
	    station != NULL && *station != '\0' ? station : "", day);
	footer = xasprintf("nhicard 業務日報 %s", day);
	r.title = title;
	r.subtitle = subtitle;
	r.footer = footer;
	r.ncharts = 2;
	r.charts[0].title = "この週のカード交付（枚/日）";
	r.charts[0].n = STORE_REPORT_WEEK;
	for (i = 0; i < STORE_REPORT_WEEK; i++) {
		snprintf(labels[i], sizeof(labels[i]), "%.5s", d.week_day[i] + 5);
		r.charts[0].labels[i] = labels[i];
		r.charts[0].values[i] = d.week[i];
	}
	r.charts[1].title = "送信待ちの記録の経過日数（件）";
	r.charts[1].n = STORE_REPORT_AGES;
	for (i = 0; i < STORE_REPORT_AGES; i++) {
		r.charts[1].labels[i] = ages[i];
		r.charts[1].values[i] = d.q_age[i];
	}
	if (res->empty) {
		print_report_section(&r, "この日の活動");
		print_report_line(&r, "この日の活動はありません（交付・無効・紛失届・操作の記録なし）。");
	}
	sections(&r, &d, deadline_days, warn_days);
	rc = print_report_save(&r, po, path, &res->pages);
	print_report_clear(&r);
	free(subtitle);
	free(footer);
	store_report_daily_free(&d);
	return rc;
}

int
report_daily_session(struct session *ctx, const char *day, const char *path,
    struct report_daily_result *res)
{
	struct print_opts po = { .creation_time = -1 };
	struct queue_limits lim;
	struct store *st;
	int r;

	po.font_path = config_get(ctx->cfg, "print.font_path", NULL);
	if ((r = queue_limits_load(ctx->cfg, &lim)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	return report_daily(st, day, config_get(ctx->cfg, "print.insurer_name", ""),
	    lim.deadline_days, lim.warn_days, &po, path, res);
}

int
report_daily_figures(struct session *ctx, const char *day, struct store_daily *out)
{
	struct queue_limits lim;
	struct nhi_date nd;
	struct store *st;
	int r;

	if ((r = date_parse(day, &nd)) != 0)
		return err_set(r, "report day '%s': expected a date YYYY-MM-DD", day);
	if ((r = queue_limits_load(ctx->cfg, &lim)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	return store_report_daily(st, day, lim.deadline_days, lim.warn_days, out);
}

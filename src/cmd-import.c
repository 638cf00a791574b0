/*
 * cmd-import.c: `nhicard import`: read register extracts (CSV or
 * fixed-length, UTF-8 or CP932) and apply them to the store.
 *
 * Policy (docs/formats.md): good lines in, a reject file out. Every
 * rejected line is reported as FILE:LINE: FIELD: REASON and copied, as
 * received, to FILE.rej (after a '#' comment line with the reason), so it
 * can be corrected and imported again. One file is one transaction: a
 * crash or a store error leaves nothing of the file applied, and importing
 * the same file again changes nothing.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "extract.h"
#include "import.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "nhiconf.h"
#include "util.h"

#define DETECT_SAMPLE	(64 * 1024)
#define REPORT_MAX	1000	/* per kind on the terminal; the reject file has all */

/*
 * Line numbers of what a file already held, to report duplicates. Keys and
 * lines sit in dense arrays in the order they came (12 bytes a record, grown
 * by realloc, which moves large blocks without copying); the open-addressing
 * table holds only their 1-based index (4 bytes a slot, at most three
 * quarters full, grown by half: any size, not a power of two). A full
 * extract of 4 million residents needs some 75 MB here, and no rehash ever
 * holds two tables of keys (docs/performance.md "residents").
 */
struct seen {
	uint64_t	*keys;		/* [n], in file order */
	uint32_t	*lines;		/* [n] */
	uint32_t	*slot;		/* [cap]: index + 1 into keys, 0 free */
	size_t		 cap, n, room;
};

static size_t
seen_home(const struct seen *s, uint64_t key)
{
	uint32_t m = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 32);

	return (size_t)(((uint64_t)m * s->cap) >> 32);
}

static uint32_t
seen_put(struct seen *s, uint64_t key, uint32_t line)
{
	size_t i, k;

	if (key == 0)
		key = 1;
	if (4 * (s->n + 1) > 3 * s->cap) {
		s->cap = s->cap ? s->cap + s->cap / 2 : 1024;
		free(s->slot);
		s->slot = xcalloc(s->cap, sizeof(*s->slot));
		for (k = 0; k < s->n; k++) {
			i = seen_home(s, s->keys[k]);
			while (s->slot[i] != 0)
				i = i + 1 == s->cap ? 0 : i + 1;
			s->slot[i] = (uint32_t)k + 1;
		}
	}
	for (i = seen_home(s, key); s->slot[i] != 0; i = i + 1 == s->cap ? 0 : i + 1)
		if (s->keys[s->slot[i] - 1] == key)
			return s->lines[s->slot[i] - 1];
	if (s->n == s->room) {
		s->room = s->room ? s->room * 2 : 1024;
		s->keys = xreallocarray(s->keys, s->room, sizeof(*s->keys));
		s->lines = xreallocarray(s->lines, s->room, sizeof(*s->lines));
	}
	s->keys[s->n] = key;
	s->lines[s->n] = line;
	s->slot[i] = (uint32_t)++s->n;
	return 0;
}

static uint64_t
fnv64(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A person code (1-15 digits) as an exact key: value and length. */
static uint64_t
person_key(const char *code)
{
	uint64_t v = 0;
	size_t n = strlen(code), i;

	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(code[i] - '0');
	return (v << 4 | n) | (1ULL << 63);
}

struct counts {
	size_t	lines, records, new_, updated, unchanged, merged, held, rejected;
	size_t	gaiji, findings;
};

struct opts {
	const char		*station_insurer;	/* station.insurer_number, or NULL */
	const char		*station_municipality;	/* station.municipality_code, or NULL */
	int			 dry_run;
	enum text_encoding	 enc;
	int			 fmt;		/* 0 auto */
	const char		*rejects;	/* NULL: FILE.rej; "-" none */
	struct rules_policy	 policy;
	int			 quiet;
};

static void
report(struct counts *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
report(struct counts *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

/*
 * Reading and parsing run in a thread of their own, ahead of the store:
 * batches of parsed lines go through a small queue, and the store applies
 * them in file order. Every decision (reject, apply, hold) is still taken
 * line by line in order; only the parsing is done ahead.
 */
#define BATCH_LINES	2048
#define QUEUE_DEPTH	4

struct item {
	size_t			 line;
	int			 status;	/* 0 parsed, <0 rejected */
	struct extract_record	 rec;
	struct extract_error	 err;
	char			*raw;		/* rejected lines only: as received */
	size_t			 rawlen;
};

struct batch {
	size_t		 n;
	int		 eof;		/* the last batch */
	int		 read_error;
	struct item	 items[BATCH_LINES];
};

struct reader {
	FILE			*fp;
	struct extract_parser	*p;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct batch		*queue[QUEUE_DEPTH];
	size_t			 head, count;
	/* Used batches come back to be cleared where their strings were
	 * allocated (the reader's malloc arena) and reused. */
	struct batch		*spare[QUEUE_DEPTH + 2];
	size_t			 nspare;
	int			 stop;		/* the consumer gave up */
	size_t			 lines;
};

static void
batch_free(struct batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		extract_record_clear(&b->items[i].rec);
		free(b->items[i].raw);
	}
	free(b);
}

/* Hand a batch to the consumer; 0, or -1 when the consumer stopped. */
static int
reader_push(struct reader *rd, struct batch *b)
{
	int stop;

	pthread_mutex_lock(&rd->mu);
	while (rd->count == QUEUE_DEPTH && !rd->stop)
		pthread_cond_wait(&rd->cv, &rd->mu);
	stop = rd->stop;
	if (!stop) {
		rd->queue[(rd->head + rd->count) % QUEUE_DEPTH] = b;
		rd->count++;
		pthread_cond_broadcast(&rd->cv);
	}
	pthread_mutex_unlock(&rd->mu);
	if (stop)
		batch_free(b);
	return stop ? -1 : 0;
}

static struct batch *
reader_pop(struct reader *rd)
{
	struct batch *b;

	pthread_mutex_lock(&rd->mu);
	while (rd->count == 0)
		pthread_cond_wait(&rd->cv, &rd->mu);
	b = rd->queue[rd->head];
	rd->head = (rd->head + 1) % QUEUE_DEPTH;
	rd->count--;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	return b;
}

/* Give a used batch back to the reader (or free it when there is no room). */
static void
reader_recycle(struct reader *rd, struct batch *b)
{
	pthread_mutex_lock(&rd->mu);
	if (rd->nspare < NHI_ARRAY_LEN(rd->spare)) {
		rd->spare[rd->nspare++] = b;
		b = NULL;
	}
	pthread_mutex_unlock(&rd->mu);
	batch_free(b);
}

/* A cleared batch for the reader: a recycled one, or a new one. */
static struct batch *
reader_batch(struct reader *rd)
{
	struct batch *b = NULL;
	size_t i;

	pthread_mutex_lock(&rd->mu);
	if (rd->nspare > 0)
		b = rd->spare[--rd->nspare];
	pthread_mutex_unlock(&rd->mu);
	if (b == NULL)
		return xcalloc(1, sizeof(*b));
	for (i = 0; i < b->n; i++) {
		extract_record_clear(&b->items[i].rec);
		free(b->items[i].raw);
		b->items[i].raw = NULL;
	}
	b->n = 0;
	return b;
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct seen seen = { 0 };
	struct batch *b = reader_batch(rd);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint32_t prev;
	int r;

	(void)pthread_setname_np(pthread_self(), "nhicard-read");
	while ((len = getline(&line, &cap, rd->fp)) >= 0) {
		size_t n = (size_t)len;
		struct item *it = &b->items[b->n];

		rd->lines++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		r = extract_parse_line(rd->p, line, n, &it->rec, &it->err);
		if (r == 1)
			continue;
		if (r == 0) {
			/* A person twice in a full extract, or a change line
			 * twice, is reported with the line it repeats. */
			uint64_t key = it->rec.event == EXTRACT_EV_FULL ?
			    person_key(it->rec.person_code) : fnv64(line, n) & ~(1ULL << 63);
			if ((prev = seen_put(&seen, key, (uint32_t)rd->lines)) != 0) {
				if (it->rec.event == EXTRACT_EV_FULL) {
					snprintf(it->err.field, sizeof(it->err.field), "person_code");
					snprintf(it->err.reason, sizeof(it->err.reason), "person %s given "
					    "twice in this file (first on line %u)", it->rec.person_code,
					    prev);
				} else {
					snprintf(it->err.field, sizeof(it->err.field), "line");
					snprintf(it->err.reason, sizeof(it->err.reason), "duplicate of "
					    "line %u", prev);
				}
				extract_record_clear(&it->rec);
				r = NHI_EDUPLICATE;
			}
		}
		it->line = rd->lines;
		it->status = r;
		if (r != 0) {
			it->raw = xmemdup(line, (size_t)len);
			it->rawlen = (size_t)len;
		}
		if (++b->n == BATCH_LINES) {
			if (reader_push(rd, b) != 0)
				goto out;
			b = reader_batch(rd);
		}
	}
	b->eof = 1;
	b->read_error = ferror(rd->fp);
	(void)reader_push(rd, b);
out:
	free(line);
	/* The bench (bench/residents.sh) reads this: memory that grows with
	 * the extract, in bytes a record. */
	{
		struct timespec ts;

		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
			log_debug("import: reading and parsing: cpu %.2f s (the reader thread)",
			    (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
	}
	log_debug("import: codes already read: %zu bytes for %zu records",
	    seen.n * (sizeof(*seen.keys) + sizeof(*seen.lines)) +
	    seen.cap * sizeof(*seen.slot), seen.n);
	free(seen.keys);
	free(seen.lines);
	free(seen.slot);
	return NULL;
}

struct sink {
	const char	*path;
	const struct opts *o;
	FILE		*rej;
	char		*rej_path;
	size_t		 printed_rej, printed_other;
};

static int
reject(struct sink *k, struct counts *c, const struct item *it)
{
	c->rejected++;
	if (k->printed_rej++ < REPORT_MAX)
		fprintf(stderr, "%s:%zu: %s: %s\n", k->path, it->line, it->err.field,
		    it->err.reason);
	if (k->o->dry_run || (k->o->rejects != NULL && strcmp(k->o->rejects, "-") == 0))
		return 0;
	if (k->rej == NULL) {
		k->rej_path = k->o->rejects != NULL ? xstrdup(k->o->rejects) :
		    xasprintf("%s.rej", k->path);
		if ((k->rej = fopen(k->rej_path, "wb")) == NULL)
			return err_set(NHI_EIO, "%s: cannot write the reject file: %s",
			    k->rej_path, strerror(errno));
	}
	fprintf(k->rej, "# %s:%zu: %s: %s\n", k->path, it->line, it->err.field, it->err.reason);
	fwrite(it->raw, 1, it->rawlen, k->rej);
	if (it->rawlen == 0 || it->raw[it->rawlen - 1] != '\n')
		fputc('\n', k->rej);
	return 0;
}

static int
apply(struct sink *k, struct store_import *im, struct counts *c, const struct item *it)
{
	const struct extract_record *rec = &it->rec;
	struct store_import_result res;
	int r;

	c->records++;
	if ((r = store_import_apply(im, rec, k->path, it->line, 0, &res)) != 0)
		return err_wrap(r, "%s:%zu: ", k->path, it->line);
	switch (res.outcome) {
	case STORE_IMPORT_NEW: c->new_++; break;
	case STORE_IMPORT_UPDATED: c->updated++; break;
	case STORE_IMPORT_UNCHANGED: c->unchanged++; break;
	case STORE_IMPORT_MERGED: c->merged++; break;
	case STORE_IMPORT_HELD: c->held++; break;
	}
	c->findings += (size_t)res.findings;
	/* --quiet: the summary and the rejected lines only. A dry run writes
	 * nothing, so it names no held item (its number would not exist). */
	if (res.outcome == STORE_IMPORT_MERGED && !k->o->quiet &&
	    k->printed_other++ < REPORT_MAX)
		report(c, "%s:%zu: person %s %s with counter enrolment #%lld "
		    "(all four basic items match)\n", k->path, it->line, rec->person_code,
		    k->o->dry_run ? "would be merged" : "merged", (long long)res.resident_id);
	if (res.outcome == STORE_IMPORT_HELD && !k->o->quiet &&
	    k->printed_other++ < REPORT_MAX) {
		if (k->o->dry_run)
			report(c, "%s:%zu: would be held for a clerk: %s\n", k->path, it->line,
			    res.reason);
		else
			report(c, "%s:%zu: held #%lld for a clerk: %s\n", k->path, it->line,
			    (long long)res.held_id, res.reason);
	}
	if (res.findings > 0 && !k->o->quiet && k->printed_other++ < REPORT_MAX)
		report(c, "%s:%zu: %d rule finding(s) for resident #%lld %s for a clerk\n",
		    k->path, it->line, res.findings, (long long)res.resident_id,
		    k->o->dry_run ? "would be held" : "held");
	if (((rec->name_flags | rec->address_flags) & TEXT_F_GAIJI) &&
	    res.outcome != STORE_IMPORT_HELD) {
		c->gaiji++;
		if (!k->o->quiet && k->printed_other++ < REPORT_MAX)
			report(c, "%s:%zu: person %s: 外字 kept in the %s (see 'nhicard "
			    "resident gaiji')\n", k->path, it->line, rec->person_code,
			    (rec->name_flags & TEXT_F_GAIJI) ? "name" : "address");
	}
	return 0;
}

/* " (the file's header names municipality M, insurer I; this station is
 * municipality M', insurer I')" when they differ, else "". */
static void
header_note(const struct opts *o, const struct extract_header *h, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!h->present)
		return;
	if ((o->station_municipality != NULL &&
	    strcmp(h->municipality_code, o->station_municipality) != 0) ||
	    (o->station_insurer != NULL && strcmp(h->insurer_number, o->station_insurer) != 0))
		snprintf(buf, len, " (the file's header names municipality %s, insurer %s; "
		    "this station is municipality %s, insurer %s)", h->municipality_code,
		    h->insurer_number, o->station_municipality != NULL ?
		    o->station_municipality : "(not configured)", o->station_insurer != NULL ?
		    o->station_insurer : "(not configured)");
}

/* A file whose header names another town is refused before any line. */
static int
check_header(const char *path, const struct opts *o, const struct extract_header *h,
    struct store_import *im)
{
	char note[200];

	if (!h->present)
		return 0;
	store_import_set_extract_date(im, h->date);
	header_note(o, h, note, sizeof(note));
	if (note[0] != '\0')
		return err_set(NHI_ECONFLICT, "%s: refused, another town's extract%s; nothing "
		    "was imported", path, note);
	return 0;
}

/*
 * A file in which most known person codes carry another name or birth date
 * is a wrong file (another town's, whose codes overlap ours), not a wave of
 * corrections: refused as a whole, nothing applied. IDENTITY_MIN known codes
 * at least, so that a small change file of genuine corrections is held line
 * by line instead.
 */
#define IDENTITY_MIN	10

static int
check_identities(const char *path, const struct opts *o, const struct extract_header *h,
    const struct store_import *im)
{
	size_t known, disagreeing;
	char note[200];

	store_import_identity_counts(im, &known, &disagreeing);
	if (known < IDENTITY_MIN || 2 * disagreeing <= known)
		return 0;
	header_note(o, h, note, sizeof(note));
	return err_set(NHI_ECONFLICT, "%s: refused: %zu of the %zu known person codes in it "
	    "have another name, birth date or sex than the store's: another town's or a "
	    "wrong file, not corrections%s; nothing was imported (nor kept held)", path,
	    disagreeing, known, note);
}

static int
import_file(struct store *st, const char *path, const struct opts *o, struct counts *c)
{
	FILE *fp = NULL;
	char sample[DETECT_SAMPLE];
	size_t ns, i;
	enum text_encoding enc = o->enc;
	enum extract_format fmt;
	struct reader rd;
	struct sink k = { .path = path, .o = o };
	struct store_import *im = NULL;
	struct batch *b = NULL;
	pthread_t th;
	char today[11];
	int r, started = 0, eof = 0, read_error = 0, first = 1;

	memset(&rd, 0, sizeof(rd));
	if ((fp = fopen(path, "rb")) == NULL)
		return err_set(errno == ENOENT ? NHI_ENOFILE : errno == EACCES ? NHI_EPERM : NHI_EIO,
		    "%s: cannot open: %s", path, strerror(errno));
	ns = fread(sample, 1, sizeof(sample), fp);
	rewind(fp);
	fmt = o->fmt != 0 ? (enum extract_format)o->fmt : extract_detect_format(sample, ns);
	if (fmt == EXTRACT_FIXED) {
		if (enc == TEXT_ENC_UTF8) {
			r = err_set(NHI_EUSAGE, "%s: the fixed-length layout is Shift_JIS; "
			    "use --encoding cp932 or auto", path);
			goto out;
		}
		enc = TEXT_ENC_CP932;
	} else if (enc == TEXT_ENC_AUTO && (r = text_detect(sample, ns, &enc)) != 0) {
		r = err_wrap(r, "%s: cannot tell the encoding (give --encoding): ", path);
		goto out;
	}
	if ((r = extract_parser_new(fmt, enc, &rd.p)) != 0)
		goto out;
	time_today_jst_iso(today, sizeof(today));
	extract_parser_set_station(rd.p, o->station_insurer, today);
	if ((r = store_import_begin(st, &im)) != 0)
		goto out;
	store_import_set_policy(im, &o->policy);
	if (!o->quiet)
		printf("%s: %s, %s%s\n", path, fmt == EXTRACT_FIXED ? "fixed-length" : "CSV",
		    text_encoding_name(enc), o->dry_run ? " (dry run: nothing is written)" : "");
	rd.fp = fp;
	pthread_mutex_init(&rd.mu, NULL);
	pthread_cond_init(&rd.cv, NULL);
	if (pthread_create(&th, NULL, reader_main, &rd) != 0) {
		r = err_set(NHI_EINTERNAL, "%s: cannot start the reader thread", path);
		goto out;
	}
	started = 1;
	while (!eof) {
		b = reader_pop(&rd);
		eof = b->eof;
		read_error = b->read_error;
		/* The header, when there is one, is the first record: the
		 * reader has parsed it before handing over the first batch. */
		if (first) {
			first = 0;
			if ((r = check_header(path, o, extract_parser_header(rd.p), im)) != 0)
				goto out;
		}
		for (i = 0; i < b->n; i++) {
			r = b->items[i].status != 0 ? reject(&k, c, &b->items[i]) :
			    apply(&k, im, c, &b->items[i]);
			if (r != 0)
				goto out;
		}
		reader_recycle(&rd, b);
		b = NULL;
	}
	c->lines = rd.lines;
	if (read_error) {
		r = err_set(NHI_EIO, "%s: read error after line %zu", path, c->lines);
		goto out;
	}
	if ((r = check_identities(path, o, extract_parser_header(rd.p), im)) != 0)
		goto out;
	if (!o->dry_run && (r = store_import_commit(im)) != 0)
		goto out;
	r = 0;
out:
	batch_free(b);
	if (started) {
		/* Stop the reader if we gave up early, then drain what it queued. */
		pthread_mutex_lock(&rd.mu);
		rd.stop = 1;
		pthread_cond_broadcast(&rd.cv);
		pthread_mutex_unlock(&rd.mu);
		pthread_join(th, NULL);
		while (rd.count > 0) {
			batch_free(rd.queue[rd.head]);
			rd.head = (rd.head + 1) % QUEUE_DEPTH;
			rd.count--;
		}
		while (rd.nspare > 0)
			batch_free(rd.spare[--rd.nspare]);
		pthread_mutex_destroy(&rd.mu);
		pthread_cond_destroy(&rd.cv);
	}
	store_import_free(im);
	extract_parser_free(rd.p);
	if (k.rej != NULL && fclose(k.rej) != 0 && r == 0)
		r = err_set(NHI_EIO, "%s: cannot write the reject file", k.rej_path);
	if (r == 0 && k.rej_path != NULL && !o->quiet)
		printf("%s: rejected lines written to %s\n", path, k.rej_path);
	free(k.rej_path);
	fclose(fp);
	return r;
}

static int
cmd_import_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .enc = TEXT_ENC_AUTO };
	struct counts total = { 0 }, c;
	struct store *st;
	char detail[160];
	int ch, i, r;

	optind = 0;	/* 0: glibc re-reads the option string (main used "+") */
	while ((ch = getopt_long(argc, argv, "ne:f:r:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.dry_run = 1;
			break;
		case 'e':
			if (text_encoding_parse(optarg, &o.enc) != 0)
				return cmd_usage(&cmd_import_entry, "--encoding: expected utf-8, cp932 "
				    "or auto");
			break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				o.fmt = EXTRACT_CSV;
			else if (strcmp(optarg, "fixed") == 0)
				o.fmt = EXTRACT_FIXED;
			else if (strcmp(optarg, "auto") == 0)
				o.fmt = 0;
			else
				return cmd_usage(&cmd_import_entry, "--format: expected csv, fixed or "
				    "auto");
			break;
		case 'r':
			o.rejects = optarg;
			break;
		case 'q':
			o.quiet = 1;
			break;
		default:
			return cmd_usage(&cmd_import_entry, "unknown option");
		}
	}
	if (optind >= argc)
		return cmd_usage(&cmd_import_entry, "no extract file given");
	if (o.rejects != NULL && strcmp(o.rejects, "-") != 0 && argc - optind > 1)
		return cmd_usage(&cmd_import_entry, "--rejects FILE takes one extract at a time");
	if (ctx->store == NULL)
		store_import_prepare_process();
	o.station_insurer = config_get(ctx->cfg, "station.insurer_number", NULL);
	o.station_municipality = config_get(ctx->cfg, "station.municipality_code", NULL);
	if ((r = rules_policy_from_config(ctx->cfg, &o.policy)) != 0 ||
	    (r = session_store(ctx, &st)) != 0)
		return r;
	for (i = optind; i < argc; i++) {
		memset(&c, 0, sizeof(c));
		if ((r = import_file(st, argv[i], &o, &c)) != 0)
			return session_audit(ctx, r, "import.file", NULL, NULL);
		snprintf(detail, sizeof(detail), "%s%zu records: %zu new, %zu updated, %zu"
		    " unchanged, %zu merged, %zu held, %zu rejected", o.dry_run ? "dry run: " : "",
		    c.records, c.new_, c.updated, c.unchanged, c.merged, c.held, c.rejected);
		/* Every import is audited (who imported which file, with what
		 * outcome), even one that changed nothing: importing the same
		 * extract again adds this one audit entry and nothing else. A
		 * dry run writes nothing at all. */
		if (!o.dry_run && (r = session_audit(ctx, 0, "import.file", NULL, detail)) != 0)
			return r;
		printf("%s: %zu lines, %zu records: %zu new, %zu updated, %zu unchanged, "
		    "%zu merged, %zu held, %zu rejected; %zu with 外字; %zu findings\n",
		    argv[i], c.lines, c.records, c.new_, c.updated, c.unchanged, c.merged,
		    c.held, c.rejected, c.gaiji, c.findings);
		total.rejected += c.rejected;
		total.held += c.held;
	}
	/* Eligibility lost by these extracts revokes the card keys. */
	if (!o.dry_run && (r = cmd_lifecycle_eligibility_sweep(ctx, NULL)) != 0)
		return r;
	if (total.rejected > 0)
		return err_set(NHI_EPARSE, "%zu line(s) rejected (the good lines were %s)",
		    total.rejected, o.dry_run ? "checked, not written" : "imported");
	return 0;
}

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.usage = "[--dry-run] [--encoding utf-8|cp932|auto] [--format csv|fixed|auto] "
	    "[--rejects FILE|-] [--quiet] FILE...",
	.summary = "import resident-register extracts (full or change, CSV or fixed-length)",
	.help =
	    "Reads each FILE (layouts in docs/formats.md) and applies it to the store.\n"
	    "  --dry-run      check and report everything, write nothing\n"
	    "  --encoding E   utf-8, cp932 (Shift_JIS) or auto (the default: detected)\n"
	    "  --format F     csv, fixed or auto (the default: detected from the first line)\n"
	    "  --rejects F    where rejected lines go (default FILE.rej; '-' for none)\n"
	    "  --quiet        print only the summary and the rejected lines\n"
	    "\n"
	    "Good lines go in and bad ones out: each rejected line is reported as\n"
	    "FILE:LINE: FIELD: REASON and copied to the reject file; another insurer's\n"
	    "period (but 住所地特例) and a date after today or the header's date are\n"
	    "rejected too. A file is one transaction; importing it again adds one\n"
	    "audit entry and nothing else. Change records about an unknown person or\n"
	    "out of order, a known person code with another name or birth date, a new\n"
	    "code matching a resident on all four basic items, partial matches with a\n"
	    "counter enrolment and rule findings are held for a clerk: see 'nhicard\n"
	    "held'. A file whose header names another town, or in which most known\n"
	    "person codes disagree, is refused whole. A death or a move out ends the\n"
	    "NHI period the day after; a full line without insurance ends it on the\n"
	    "extract's date. Names with 外字 are kept and listed by 'nhicard resident\n"
	    "gaiji'.\n"
	    "Exit status 3 when any line was rejected or the file was refused.\n",
	.exec = cmd_import_exec,
};

/*
 * cmd-audit.c: `nhicard audit verify|export` (docs/audit.md), and
 * session_audit(), the one call every command makes at the end of its action
 * to append its audit entry (cmd-lifecycle.h).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "cmd-lifecycle.h"
#include "error.h"
#include "rules.h"
#include "store.h"
#include "util.h"

/* ---- nhicard audit verify ----------------------------------------------- */

/*
 * Check the local chain against the anchors in `path` (an export of this
 * station's log, or the center's copy of the heads it received): the log
 * must still hold every anchored entry with the same hash. A log that
 * rewrote itself from some entry on, or cut its tail and moved its head,
 * verifies alone but not against what left the station before.
 */
static int
audit_against(struct store *st, const char *path, int64_t n, int64_t *anchors,
    int64_t *bad)
{
	uint8_t want[AUDIT_HASH_LEN], have[AUDIT_HASH_LEN];
	char *text = NULL, *p, *end, *nl;
	size_t len = 0, lineno = 0;
	int64_t seq, count = 0;
	int r, found;

	if ((r = fs_read_file(path, 64 * 1024 * 1024, &text, &len)) != 0)
		return r;
	for (p = text, end = text + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		if (audit_anchor_parse(p, (size_t)(nl - p), &seq, want) != 0)
			continue;	/* a CSV header, a blank line */
		count++;
		if ((r = audit_hash_at(st, seq, have, &found)) != 0)
			goto out;
		if (!found) {
			*bad = n + 1;
			r = err_set(NHI_ESTORE_CORRUPT, "audit log: %s line %zu holds entry %"
			    PRId64 " but the log ends at entry %" PRId64 ": entries were"
			    " removed and the chain head moved back", path, lineno, seq, n);
			goto out;
		}
		if (memcmp(want, have, AUDIT_HASH_LEN) != 0) {
			*bad = seq;
			r = err_set(NHI_ESTORE_CORRUPT, "audit log: entry %" PRId64 " differs"
			    " from %s line %zu: the log was rewritten from there on", seq,
			    path, lineno);
			goto out;
		}
	}
	if (count == 0) {
		r = err_set(NHI_EPARSE, "%s: no audit entry or head in it (expected an"
		    " 'audit export' or the center's heads, 'SEQ HASH' a line)", path);
		goto out;
	}
	*anchors = count;
	r = 0;
out:
	free(text);
	return r;
}

/* What the keyed seal covers (docs/audit.md "The keyed seal"). */
static void
audit_seal_line(int64_t n)
{
	int64_t sealed = -1;

	if (!audit_seal_status(&sealed))
		printf("audit log: not keyed (no audit key in keys.dir)\n");
	else if (sealed < 0)
		printf("audit log: keyed, empty\n");
	else if (sealed == n)
		printf("audit log: sealed through entry %" PRId64 " (the audit key's seal"
		    " matches)\n", sealed);
	else
		printf("audit log: sealed through entry %" PRId64 " (the audit key's seal"
		    " matches); entries %" PRId64 " to %" PRId64 " were written while the"
		    " keys were locked and are not sealed yet\n", sealed, sealed + 1, n);
}

/* nhicard audit seal: the key officer seals the log through its head. */
static int
audit_seal_exec(struct session *ctx, int argc, char **argv)
{
	struct store *st;
	int64_t n = 0, bad = 0, through = 0;
	int r;

	if (argc != 1)
		return cmd_operands(&cmd_audit_entry, "audit seal", argc, argv, 1, 0);
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	/* Never seal a log that does not verify (a seal there would vouch for
	 * the damage); a log without any seal yet is sealed from entry 1. */
	r = audit_verify(st, &n, &bad);
	if (r == NHI_ESTORE_CORRUPT && audit_seal_status(&through) &&
	    err_detail() != NULL && strstr(err_detail(), "no seal although") != NULL)
		r = 0;
	if (r == NHI_ESTORE_CORRUPT) {
		printf("audit log: NOT intact: first bad entry %" PRId64 "; not sealed\n", bad);
		return r;
	}
	if (r != 0)
		return r;
	if ((r = session_audit(ctx, 0, "audit.seal", NULL, "seal requested")) != 0 ||
	    (r = audit_seal(st, &through)) != 0)
		return session_audit(ctx, r, "audit.seal", NULL, NULL);
	printf("audit log: sealed through entry %" PRId64 "\n", through);
	return 0;
}

static int
audit_verify_exec(struct session *ctx, int argc, char **argv)
{
	const char *against = NULL;
	struct store *st;
	int64_t n = 0, bad = 0, anchors = 0;
	int r;

	if (argc == 3 && strcmp(argv[1], "--against") == 0)
		against = argv[2];
	else if (argc > 1 && strcmp(argv[1], "--against") != 0)
		return cmd_operands(&cmd_audit_entry, "audit verify", argc, argv, 1, 0);
	else if (argc != 1)
		return cmd_usage(&cmd_audit_entry, "audit verify takes only --against FILE");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	r = audit_verify(st, &n, &bad);
	if (r == 0 && against != NULL)
		r = audit_against(st, against, n, &anchors, &bad);
	if (r == NHI_ESTORE_CORRUPT) {
		printf("audit log: NOT intact: first bad entry %" PRId64 "\n", bad);
		return r;
	}
	if (r != 0)
		return r;
	printf("audit log: %" PRId64 " entries, chain intact\n", n);
	audit_seal_line(n);
	if (against != NULL)
		printf("against %s: %" PRId64 " entries or heads match\n", against, anchors);
	return 0;
}

/* ---- nhicard audit export ----------------------------------------------- */

struct export_buf {
	char	*p;
	size_t	 len, cap;
	int	 jsonl;
};

static void
eb_add(struct export_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
eb_str(struct export_buf *b, const char *s)
{
	eb_add(b, s, strlen(s));
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break; NULL is empty. */
static void
eb_csv(struct export_buf *b, const char *s, int last)
{
	const char *p;

	if (s != NULL && strpbrk(s, ",\"\r\n") != NULL) {
		eb_str(b, "\"");
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				eb_str(b, "\"");	/* a quote is doubled */
			eb_add(b, p, 1);
		}
		eb_str(b, "\"");
	} else if (s != NULL)
		eb_str(b, s);
	eb_str(b, last ? "\r\n" : ",");
}

/* A JSON member "key": "value" (or null), UTF-8 passed through. */
static void
eb_json(struct export_buf *b, const char *key, const char *s, int first)
{
	char esc[8];
	const unsigned char *p;

	if (!first)
		eb_str(b, ",");
	eb_str(b, "\"");
	eb_str(b, key);
	eb_str(b, "\":");
	if (s == NULL) {
		eb_str(b, "null");
		return;
	}
	eb_str(b, "\"");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			eb_add(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			eb_str(b, esc);
		} else
			eb_add(b, (const char *)p, 1);
	}
	eb_str(b, "\"");
}

static int
export_one(const struct audit_entry *e, void *arg)
{
	struct export_buf *b = arg;
	char seq[24], ph[2 * AUDIT_HASH_LEN + 1], h[2 * AUDIT_HASH_LEN + 1];

	snprintf(seq, sizeof(seq), "%" PRId64, e->seq);
	hex_encode(e->prev_hash, AUDIT_HASH_LEN, ph);
	hex_encode(e->hash, AUDIT_HASH_LEN, h);
	if (b->jsonl) {
		eb_str(b, "{\"seq\":");
		eb_str(b, seq);
		eb_json(b, "at", e->at, 0);
		eb_json(b, "station", e->station, 0);
		eb_json(b, "operator", e->operator_login, 0);
		eb_json(b, "action", e->action, 0);
		eb_json(b, "subject", e->subject, 0);
		eb_json(b, "outcome", e->outcome, 0);
		eb_json(b, "detail", e->detail, 0);
		eb_json(b, "prev_hash", ph, 0);
		eb_json(b, "hash", h, 0);
		eb_str(b, "}\n");
	} else {
		eb_csv(b, seq, 0);
		eb_csv(b, e->at, 0);
		eb_csv(b, e->station, 0);
		eb_csv(b, e->operator_login, 0);
		eb_csv(b, e->action, 0);
		eb_csv(b, e->subject, 0);
		eb_csv(b, e->outcome, 0);
		eb_csv(b, e->detail, 0);
		eb_csv(b, ph, 0);
		eb_csv(b, h, 1);
	}
	return 0;
}

static int
export_date(const char *opt, const char *s)
{
	struct nhi_date d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || date_parse(s, &d) != 0)
		return cmd_usage(&cmd_audit_entry, opt[2] == 'f' ?
		    "--from: expected a date YYYY-MM-DD" : "--to: expected a date YYYY-MM-DD");
	return 0;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

static int
audit_export_exec(struct session *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct export_buf b = { NULL, 0, 0, 0 };
	const char *from = NULL, *to = NULL, *format = NULL, *out = NULL;
	struct store *st;
	char detail[96];
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:t:F:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'F':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_usage(&cmd_audit_entry, "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cmd_operands(&cmd_audit_entry, "audit export", argc, argv, optind, 0);
	if (optind != argc)
		return cmd_usage(&cmd_audit_entry, "audit export takes only options");
	if (out == NULL)
		return cmd_usage(&cmd_audit_entry, "audit export needs -o FILE");
	if ((from != NULL && (r = export_date("--from", from)) != 0) ||
	    (to != NULL && (r = export_date("--to", to)) != 0))
		return r;
	if (format == NULL)
		format = ends_with(out, ".csv") ? "csv" : "jsonl";
	if (strcmp(format, "csv") == 0)
		b.jsonl = 0;
	else if (strcmp(format, "jsonl") == 0 || strcmp(format, "json") == 0)
		b.jsonl = 1;
	else
		return cmd_usage(&cmd_audit_entry, "--format: expected csv or jsonl");
	if ((r = session_store(ctx, &st)) != 0)
		return r;
	/* An export is what auditors keep as the truth: never one of a
	 * broken chain. */
	if ((r = audit_verify(st, NULL, NULL)) != 0)
		return err_wrap(r, "audit export refused: ");
	if (!b.jsonl)
		eb_str(&b, "seq,at,station,operator,action,subject,outcome,detail,"
		    "prev_hash,hash\r\n");
	else
		eb_str(&b, "");		/* an empty log exports an empty file */
	if ((r = audit_foreach(st, from, to, export_one, &b)) != 0 ||
	    (r = fs_write_atomic(out, b.p, b.len, 0600)) != 0)
		goto out;
	printf("audit log exported to %s (%s)\n", out, b.jsonl ? "JSON lines" : "CSV");
	snprintf(detail, sizeof(detail), "format=%s from=%s to=%s", b.jsonl ? "jsonl" : "csv",
	    from != NULL ? from : "-", to != NULL ? to : "-");
	r = session_audit(ctx, 0, "audit.export", NULL, detail);
out:
	free(b.p);
	return r;
}

static int
cmd_audit_exec(struct session *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage(&cmd_audit_entry, "expected verify, export or seal");
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify_exec(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return audit_export_exec(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "seal") == 0)
		return audit_seal_exec(ctx, argc - 1, argv + 1);
	return cmd_usage(&cmd_audit_entry, "expected verify, export or seal");
}

const struct cmd_entry cmd_audit_entry = {
	.name = "audit",
	.usage = "verify [--against FILE] | export [--from DATE] [--to DATE] [--format csv|jsonl] -o FILE | seal",
	.summary = "check the hash-chained audit log, or export it for auditors",
	.help =
	    "Every action of the station (who, which station, when, what, on which\n"
	    "record, outcome) is appended to an append-only, hash-chained log in the\n"
	    "store. See docs/audit.md.\n"
	    "\n"
	    "  verify             recompute the chain: any entry changed, removed or\n"
	    "                     reordered, or a truncated tail, is reported with the\n"
	    "                     first bad entry's seq (exit 3)\n"
	    "  verify --against FILE\n"
	    "                     also check that every entry of FILE (an earlier\n"
	    "                     export, or the center's heads, SEQ HASH a line) is\n"
	    "                     still in the log with the same hash: catches a log\n"
	    "                     rewritten or cut back since (exit 3)\n"
	    "  export -o FILE     write the entries with their hashes, so an auditor\n"
	    "                     can re-verify them: CSV (FILE.csv, or --format csv)\n"
	    "                     or JSON lines (otherwise); the file is mode 0600;\n"
	    "                     refused (exit 3) when the chain is broken\n"
	    "  --from, --to DATE  only entries of those days (YYYY-MM-DD, UTC)\n"
	    "  seal               seal the log through its newest entry with the\n"
	    "                     station's audit key (by the key agent, or the\n"
	    "                     key officer's passphrase); from entry 1 on a store\n"
	    "                     never sealed. verify then also checks the seal:\n"
	    "                     a log rewritten or cut back to before it fails\n"
	    "\n"
	    "Exit codes: 0 intact / exported; 2 usage; 3 the log was tampered with;\n"
	    "5 store unavailable.\n",
	.exec = cmd_audit_exec,
};

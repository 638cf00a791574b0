/*
 * cmd-held.c: `nhicard held list|show|resolve`: what imports held for a
 * clerk (change records about unknown persons or out of order, partial
 * four-item matches with counter enrolments, rule findings).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd-lifecycle.h"
#include "audit.h"
#include "error.h"
#include "extract.h"
#include "import.h"
#include "store.h"
#include "util.h"

static int
usage(const char *why)
{
	return cmd_usage(&cmd_held_entry, why);
}

static void
print_item(const struct held_item *h, int long_form)
{
	printf("#%-5lld %-14s %-16s %-15s %s", (long long)h->id, h->kind, h->event,
	    h->person_code[0] ? h->person_code : "-", h->reason);
	if (h->resolved_at[0])
		printf(" [%s %s]", h->resolution, h->resolved_at);
	printf("\n");
	if (!long_form)
		return;
	if (h->source_file[0])
		printf("  from      %s:%lld\n", h->source_file, (long long)h->source_line);
	if (h->resident_id)
		printf("  resident  #%lld\n", (long long)h->resident_id);
	printf("  held at   %s\n", h->held_at);
	if (h->record[0])
		printf("  record    %s\n", h->record);
}

static int
held_list(struct store *st, int all)
{
	struct held_item *list = NULL;
	size_t n = 0, i;
	int r;

	if ((r = store_held_list(st, all, &list, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		print_item(&list[i], 0);
	printf("%zu %sitem%s\n", n, all ? "" : "open ", n == 1 ? "" : "s");
	store_held_list_free(list, n);
	return 0;
}

/* Apply a held record again (retry) or despite the order checks (force),
 * close the item and append the audit entry, in one transaction. */
static int
held_apply(struct session *ctx, struct store *st, struct held_item *h, int force,
    const char *subject, const char *detail)
{
	struct extract_parser *p = NULL;
	struct extract_record rec = { 0 };
	struct extract_error err;
	struct store_import *im = NULL;
	struct store_import_result res;
	int r;

	if (strcmp(h->kind, "finding") == 0)
		return err_set(NHI_EUSAGE, "held item #%lld is a rule finding: close it with "
		    "'ack' once checked (or correct the period)", (long long)h->id);
	if ((r = extract_parser_new(EXTRACT_CSV, TEXT_ENC_UTF8, &p)) != 0)
		return r;
	if ((r = extract_parse_line(p, h->record, strlen(h->record), &rec, &err)) != 0) {
		r = err_set(NHI_EINTERNAL, "held item #%lld: stored record unreadable: %s: %s",
		    (long long)h->id, err.field, err.reason);
		goto out;
	}
	if ((r = store_import_begin(st, &im)) != 0 ||
	    (r = store_import_apply(im, &rec, h->source_file, (size_t)h->source_line,
	    force ? STORE_IMPORT_FORCE : 0, &res)) != 0)
		goto out;
	if (res.outcome == STORE_IMPORT_HELD && res.held_id == h->id) {
		r = err_set(NHI_ESTATE, "held item #%lld still cannot be applied: %s (use "
		    "'force' after checking, or 'discard')", (long long)h->id, res.reason);
		goto out;
	}
	if ((r = store_held_resolve(st, h->id, res.outcome == STORE_IMPORT_HELD ?
	    "held again" : force ? "forced" : "applied")) != 0 ||
	    (r = audit_append(st, ctx->operator_login, "held.resolve", subject, AUDIT_OK,
	    detail)) != 0 ||
	    (r = store_import_commit(im)) != 0)
		goto out;
	if (res.outcome == STORE_IMPORT_HELD)
		printf("held item #%lld closed; held again as #%lld: %s\n", (long long)h->id,
		    (long long)res.held_id, res.reason);
	else
		printf("held item #%lld %s to resident #%lld\n", (long long)h->id,
		    force ? "forced" : "applied", (long long)res.resident_id);
	r = 0;
out:
	store_import_free(im);
	extract_record_clear(&rec);
	extract_parser_free(p);
	return r;
}

static int
cmd_held_exec(struct session *ctx, int argc, char **argv)
{
	struct held_item h = { 0 };
	struct store *st;
	char subject[32], detail[32];
	int64_t id;
	int r;

	if (argc < 2 || strcmp(argv[1], "list") == 0) {
		int all = argc == 3 && strcmp(argv[2], "--all") == 0;
		if (argc > 2 && !all)
			return cmd_operands(&cmd_held_entry, "held list", argc, argv, 2, 0);
		if ((r = session_store(ctx, &st)) != 0)
			return r;
		return held_list(st, all);
	}
	if (strcmp(argv[1], "show") == 0) {
		if (argc > 3)
			return cmd_operands(&cmd_held_entry, "held show", argc, argv, 2, 1);
		if (argc != 3)
			return usage("show takes one id");
		if ((r = cmd_parse_id(&cmd_held_entry, "a held item", argv[2], &id)) != 0 ||
		    (r = session_store(ctx, &st)) != 0 ||
		    (r = store_held_get(st, id, &h)) != 0)
			return r;
		print_item(&h, 1);
		store_held_free(&h);
		return 0;
	}
	if (strcmp(argv[1], "resolve") != 0)
		return usage("expected list, show or resolve");
	if (argc > 4)
		return cmd_operands(&cmd_held_entry, "held resolve", argc, argv, 2, 2);
	if (argc != 4)
		return usage("resolve takes an id and one of retry, force, discard, ack");
	if ((r = cmd_parse_id(&cmd_held_entry, "a held item", argv[2], &id)) != 0 ||
	    (r = session_store(ctx, &st)) != 0 ||
	    (r = store_held_get(st, id, &h)) != 0)
		return r;
	/* The resolution and its audit entry commit together. */
	snprintf(subject, sizeof(subject), "held:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "resolve %.16s", argv[3]);
	if (h.resolved_at[0]) {
		r = err_set(NHI_ESTATE, "held item #%lld is already resolved (%s)", (long long)id,
		    h.resolution);
	} else if (strcmp(argv[3], "retry") == 0 || strcmp(argv[3], "force") == 0) {
		r = held_apply(ctx, st, &h, strcmp(argv[3], "force") == 0, subject, detail);
	} else if (strcmp(argv[3], "discard") == 0 || strcmp(argv[3], "ack") == 0) {
		if ((r = store_begin(st)) == 0 &&
		    ((r = store_held_resolve(st, id, strcmp(argv[3], "ack") == 0 ?
		    "acknowledged" : "discarded")) != 0 ||
		    (r = audit_append(st, ctx->operator_login, "held.resolve", subject,
		    AUDIT_OK, detail)) != 0 || (r = store_commit(st)) != 0))
			store_rollback(st);
		if (r == 0)
			printf("held item #%lld %s\n", (long long)id,
			    strcmp(argv[3], "ack") == 0 ? "acknowledged" : "discarded");
	} else
		r = usage("resolve: expected retry, force, discard or ack");
	store_held_free(&h);
	if (r == 0)
		return 0;	/* audited with the change */
	return session_audit(ctx, r, "held.resolve", subject, detail);
}

const struct cmd_entry cmd_held_entry = {
	.name = "held",
	.usage = "[list [--all] | show ID | resolve ID retry|force|discard|ack]",
	.summary = "items imports held for a clerk",
	.help =
	    "  list [--all]   open items (--all: resolved ones too)\n"
	    "  show ID        one item with the record as received (UTF-8 CSV)\n"
	    "  resolve ID retry     apply the record again (after a later extract\n"
	    "                       brought the person, for example)\n"
	    "  resolve ID force     apply it despite the order checks or a partial\n"
	    "                       match (the clerk has checked it)\n"
	    "  resolve ID discard   drop the record\n"
	    "  resolve ID ack       close a rule finding once checked\n"
	    "Kinds: unknown_person, out_of_order, conflict (a partial four-item match\n"
	    "with a counter enrolment), finding (a rule check on eligibility).\n",
	.exec = cmd_held_exec,
};

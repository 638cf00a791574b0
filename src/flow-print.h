/*
 * flow-print.h: printing as a step of an action (flow-print.c): one print
 * request, filled from the configuration by flow_print_defaults() and run
 * by flow_print_run(), the same code path for `nhicard print`, the issue
 * and loss-report flows, reprints on the screen and batch runs.
 */
#ifndef NHI_FLOW_PRINT_H
#define NHI_FLOW_PRINT_H

#include "print.h"
#include "rules.h"
#include "session.h"

struct flow_events;
struct store;

/* The operands of `nhicard print`: the command's usage line, and what
 * flow_print_run() names in a usage error about them. */
#define FLOW_PRINT_USAGE "certificate|sleeve|notice|sheet|receipt ARGS (-o FILE.pdf | --printer NAME |" \
	" --preview FILE.png) [OPTIONS]"

struct print_request {
	const char	*sub;		/* certificate, sleeve, sheet, receipt */
	const char	*out;		/* -o FILE.pdf */
	const char	*printer;	/* --printer NAME (a CUPS queue) */
	const char	*media;		/* --media NAME, print.media */
	const char	*sides;		/* --duplex long|short|off, print.duplex */
	const char	*cups_server;	/* print.cups_server */
	long		 job_timeout;	/* print.job_timeout, seconds */
	int		 job_id;	/* out: the last CUPS job's id */
	const char	*job_title;	/* the CUPS job's name; NULL: sub */
	const char	*preview;	/* --preview FILE.png */
	const char	*reason;	/* --reason TEXT: voids the valid one */
	struct nhi_date	 day;		/* --date: 交付年月日 / receipt date */
	int		 all;		/* sheet --all */
	int		 sex_on_back;	/* --sex-on-back: 性別 on the back */
	long		 volume_size;
	char		*actions;	/* receipt --action, joined by '\n'; freed by the caller */
	char		*next_steps;	/* receipt --next; freed by the caller */
	struct print_opts opts;
	char		**pos;		/* positional arguments after sub */
	int		 npos;
	/* Where lines for the clerk go (flow.h); NULL: stdout and stderr. */
	const struct flow_events *events;
	/* A reprint to a file that this same request (resident, reason, file,
	 * day) already recorded, its PDF there, is not made again: the command
	 * line's rerun after a kill (docs/printing.md "A print that stopped").
	 * A screen asks the clerk instead and leaves it 0. */
	int		 reprint_once;
};

/*
 * Fill the configured defaults: templates, fonts, volume size, the
 * printer's media, duplex, CUPS server and job timeout, today (JST) and
 * the creation time (SOURCE_DATE_EPOCH, else now). Returns 0 or
 * NHI_ECONFIG naming the key.
 */
int	flow_print_defaults(struct session *ctx, struct print_request *a);

/* "long", "short" or "off" as the IPP sides keyword; NULL if unknown. */
const char *flow_print_sides(const char *duplex);

/*
 * Print what `a` asks for, exactly as `nhicard print` would: serials are
 * recorded (and the earlier one voided) only when the document was written
 * or its job on the CUPS queue completed; while the job waits, the clerk
 * is told why (printer stopped, out of paper, unreachable) in the
 * catalog's language.
 * Returns 0 or the print, store or usage error with detail.
 */
int	flow_print_run(struct session *ctx, struct print_request *a);

/*
 * Settle the certificates left pending by a station that stopped, telling
 * each to `events` (NULL: stdout): CUPS is asked about each one's job
 * first; completed, recorded as printed and audited; still queued, held or
 * processing, left pending; else (a file, no job id, a job ended or
 * unknown) voided and its job cancelled. A rerun of print does it first;
 * so does `db check`. Returns 0, a store error, or NHI_ENETWORK
 * ("printer.no_service") with nothing changed when CUPS cannot be asked.
 */
int	flow_print_settle_stale(struct session *ctx, struct store *st,
	    const struct flow_events *events);

#endif

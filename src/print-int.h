/*
 * print-int.h: what the print*.c files share and nothing else sees: the
 * parsed form of a template (docs/templates.md).
 */
#ifndef NHI_PRINT_INT_H
#define NHI_PRINT_INT_H

#include <stddef.h>

#include "print.h"

enum tmpl_kind { TMPL_FIELD, TMPL_TEXT, TMPL_LINE, TMPL_BOX };
enum tmpl_align { TMPL_LEFT, TMPL_CENTER, TMPL_RIGHT };
enum tmpl_fit { TMPL_SHRINK, TMPL_WRAP };
enum tmpl_side { TMPL_FRONT, TMPL_BACK };
enum tmpl_valign { TMPL_MIDDLE, TMPL_TOP, TMPL_BOTTOM };

/* One drawn thing. Lengths in mm from the page's top-left corner; sizes in
 * points. A line runs from (x, y) to (w, h). */
struct tmpl_item {
	enum tmpl_kind	 kind;
	enum tmpl_side	 side;
	int		 line;		/* line in the template file */
	double		 x, y, w, h;
	double		 size, min;	/* text size and its floor */
	double		 width;		/* stroke width of lines and boxes */
	int		 font;		/* index into fonts */
	enum tmpl_align	 align;
	enum tmpl_fit	 fit;
	enum tmpl_valign valign;
	char		*name;		/* field name */
	char		*text;		/* static text */
	char		*when;		/* condition name, or NULL */
	int		 when_not;	/* when=!cond */
};

struct tmpl_font {
	char	*name;
	char	*file;
	int	 line;
};

struct print_template {
	char		*file;		/* for error details */
	char		*document;	/* certificate, sleeve, sheet, receipt */
	double		 page_w, page_h;
	struct tmpl_font *fonts;
	size_t		 nfonts;
	struct tmpl_item *items;
	size_t		 nitems;
	/* sheet only: the grid of cards and the crop marks */
	int		 cols, rows;
	double		 gap_x, gap_y;
	double		 crop_len, crop_off;
};

/* The field and condition names a document type knows, NULL-terminated;
 * NULL if the document type is unknown. (print-template.c) */
const char *const *print_tmpl_fields(const char *document);
const char *const *print_tmpl_conditions(const char *document);

#define PRINT_MM_TO_PT(mm)	((mm) * 72.0 / 25.4)

/* ---- Between the engine (print-job.c) and the documents (print-docs.c) */

#define PRINT_MAX_VALUES	32
#define PRINT_MAX_CONDS		16

/* The values of one document's fields and the conditions that hold. */
struct print_values {
	struct {
		const char	*name;
		char		*value;		/* owned */
		int		 gaiji;		/* mark on the proof */
	}		 v[PRINT_MAX_VALUES];
	size_t		 n;
	const char	*conds[PRINT_MAX_CONDS];
	size_t		 nconds;
	const char	*ref;		/* names the document in warnings ("certificate C-00000012") */
};

/* Add a value (takes ownership of `value`; NULL means empty). */
void	print_values_add(struct print_values *v, const char *name, char *value, int gaiji);
void	print_values_cond(struct print_values *v, const char *cond);
void	print_values_clear(struct print_values *v);

/* The job's template `name` (loaded once). Returns 0 or a template error. */
int	print_job_template(struct print_job *job, const char *name,
	    const struct print_template **out);
/* Start a page of w x h mm; returns 0 or NHI_EINTERNAL. */
int	print_job_page_new(struct print_job *job, double w, double h);
/*
 * Draw one side of template `t` on the current page, its top-left corner at
 * (ox, oy) mm from the page's top-left. Returns 0, NHI_ERANGE (a field does
 * not fit, outside proof mode), NHI_ECONFIG (font) or NHI_EINTERNAL.
 */
int	print_job_draw(struct print_job *job, const struct print_template *t,
	    enum tmpl_side side, double ox, double oy, const struct print_values *v);
/* A line on the current page, in mm from its top-left corner. */
void	print_job_line(struct print_job *job, double x1, double y1, double x2, double y2,
	    double width_pt);
/* Whether the job is in proof mode. */
int	print_job_proof(const struct print_job *job);

#endif

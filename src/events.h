/*
 * events.h: what a long action reports while it runs (events.c): the
 * steps, the notes for the clerk and the cancel point of a flow (flow.h),
 * of a queue push (queue-push.h) and of batch runs. A command turns the
 * notes into lines, a screen into a progress box.
 */
#ifndef NHI_EVENTS_H
#define NHI_EVENTS_H

/*
 * What a flow reports while it runs. Any member may be NULL.
 *   step(arg, id)     a step starts: "resident", "rules", "queue", "card",
 *                     "card.<perso step>" (card-perso.h), "lifecycle",
 *                     "certificate", "receipt", "revoke", "replace"
 *   note(arg, text)   one line for the clerk (English; what a command
 *                     prints), e.g. "certificate NHI-... printed to F"
 *   cancel(arg)       asked where stopping is safe (before the card is
 *                     written); nonzero stops the flow with NHI_ECANCELLED
 */
struct flow_events {
	void	(*step)(void *arg, const char *id);
	void	(*note)(void *arg, const char *text);
	int	(*cancel)(void *arg);
	void	*arg;
};

/* What a command gives a flow: every note as a line on stdout. */
extern const struct flow_events flow_events_stdout;

/* Call the hooks when set (events may be NULL). */
void	flow_step(const struct flow_events *ev, const char *id);
void	flow_note(const struct flow_events *ev, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	flow_cancelled(const struct flow_events *ev);

#endif

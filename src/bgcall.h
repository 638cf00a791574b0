/*
 * bgcall.h: one function run on a second thread while the caller goes on,
 * its result and error detail handed back at the join.
 *
 * For overlapping a durable store commit (an fsync) with a card's answers
 * that do not depend on it (docs/personalization.md "Overlap"). The caller
 * must not touch what the function uses until bgcall_join. Where a thread
 * cannot be started the function runs at once, in the caller's thread:
 * the result is the same, only the overlap is lost.
 */
#ifndef NHICARD_BGCALL_H
#define NHICARD_BGCALL_H

#include <pthread.h>

struct bgcall {
	int		(*fn)(void *);
	void		*arg;
	pthread_t	 thread;
	int		 state;		/* 0 idle, 1 running, 2 done */
	int		 r;		/* fn's result */
	char		 detail[1024];	/* its error detail (err_text) */
	const char	*reason;	/* its err_reason key */
};

/* Start fn(arg); `inline_only` runs it at once in this thread. */
void	bgcall_start(struct bgcall *bg, int (*fn)(void *), void *arg, int inline_only);

/*
 * Wait for it; returns fn's result, with its error detail set in this
 * thread (err_text). An idle bgcall returns 0; a joined one returns its
 * result again.
 */
int	bgcall_join(struct bgcall *bg);

#endif

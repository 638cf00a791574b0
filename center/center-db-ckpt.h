/* center-db-ckpt.h: a serving SQLite center's WAL checkpoints on a thread
 * of their own (center-db-ckpt.c). */
#ifndef CENTER_DB_CKPT_H
#define CENTER_DB_CKPT_H

#include <stddef.h>

#include <sqlite3.h>

struct sl_ckpt;

/* Start checkpointing `target` from a connection of its own and stop the
 * serving connection's own checkpoints; 0, or -1 and a message in err. */
int	sl_ckpt_start(sqlite3 *serving, const char *target, struct sl_ckpt **out,
	    char *err, size_t errlen);
/* Stop the thread, give the serving connection its checkpoints back, and
 * checkpoint once more. NULL: nothing. */
void	sl_ckpt_stop(struct sl_ckpt *);

#endif

/*
 * queue-int.h: what the queue*.c files share: a small JSON writer (the
 * queue's payloads are flat JSON objects, docs/queue-format.md).
 */
#ifndef NHI_QUEUE_INT_H
#define NHI_QUEUE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "queue.h"

struct jbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 first;		/* no member written yet in the current object */
};

void	jb_init(struct jbuf *b);
void	jb_free(struct jbuf *b);
void	jb_reserve(struct jbuf *b, size_t more);
void	jb_raw(struct jbuf *b, const char *s, size_t len);
void	jb_open(struct jbuf *b);			/* { */
void	jb_close(struct jbuf *b);			/* } */
void	jb_str(struct jbuf *b, const char *key, const char *val);	/* "" -> null */
void	jb_int(struct jbuf *b, const char *key, int64_t val);
void	jb_hex(struct jbuf *b, const char *key, const uint8_t *p, size_t len);
/* A member whose value is raw JSON. */
void	jb_member_raw(struct jbuf *b, const char *key, const char *json, size_t len);

#define queue_now_utc(buf, len) queue_now_utc_offset((buf), (len), 0)

/* The CMS keys inside a struct queue_keys (queue-batch.c). */
struct crypto_cms_keys;
struct queue_keys;
struct crypto_cms_keys *queue_keys_cms(const struct queue_keys *k);

/* queue-record.c: queue `data` (a JSON object) as a record of `kind` in
 * `lane`, in the caller's store transaction (queue-mynumber.c uses it). */
struct store;
int	queue_append(struct store *st, enum queue_lane lane, const char *kind,
	    const struct jbuf *data, int64_t *seq);

#endif

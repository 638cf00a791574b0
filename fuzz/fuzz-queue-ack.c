/* Fuzz target: the parser of the center's acknowledgement text
 * (queue-ackparse.c, docs/queue-format.md section 4). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_ack a;
	size_t i;
	int64_t sum = 0;

	if (queue_ack_parse((const char *)data, size, "fuzz.ack", &a) == 0) {
		for (i = 0; i < a.nheld; i++)
			sum += a.held[i];
		for (i = 0; i < a.nrejects; i++)
			sum += a.rejects[i].seq + a.rejects[i].attempt;
		(void)sum;
		queue_ack_free(&a);
	}
	return 0;
}

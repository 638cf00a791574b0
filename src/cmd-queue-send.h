/*
 * cmd-queue-send.h: `nhicard queue send`, the online push (cmd-queue-send.c),
 * called by the `queue` command's dispatch in cmd-queue.c.
 */
#ifndef NHI_CMD_QUEUE_SEND_H
#define NHI_CMD_QUEUE_SEND_H

struct session;

/* Help lines for `queue send`, for cmd-queue.c's help text. */
#define CMD_QUEUE_SEND_HELP \
	"  send            push every open record (revocations first) to the\n" \
	"                  center over HTTPS with mutual TLS and apply its\n" \
	"                  acknowledgements (queue.center_url, client_cert,\n" \
	"                  client_key, center_ca)\n"

/*
 * `nhicard queue send` (argv[0] is "send"; no further arguments). Prints
 * what was pushed and acknowledged. Returns 0 or the codes of
 * queue_push_send (queue-push.h): NHI_ENETWORK (exit 5) leaves the station
 * consistent, the records stay queued.
 */
int	cmd_queue_send(struct session *ctx, int argc, char **argv);

#endif

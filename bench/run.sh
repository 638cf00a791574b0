#!/bin/sh
# run.sh [GROUP...]: run the benchmark groups (bench/GROUP.sh), all when none
# is named. Each prints lines "name value unit".
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
groups="$*"
if [ -z "$groups" ]; then
	for f in "$top_srcdir"/bench/*.sh; do
		[ "$f" = "$top_srcdir/bench/run.sh" ] && continue
		# Run by queue.sh as part of the queue group.
		[ "$f" = "$top_srcdir/bench/queue-push.sh" ] && continue
		# Run by batch.sh as part of the batch group.
		[ "$f" = "$top_srcdir/bench/batch-renew.sh" ] && continue
		g=${f##*/}
		groups="$groups ${g%.sh}"
	done
fi
status=0
for g in $groups; do
	if [ ! -f "$top_srcdir/bench/$g.sh" ]; then
		echo "bench: no group '$g' (bench/$g.sh)" >&2
		status=2
		continue
	fi
	$SHELL "$top_srcdir/bench/$g.sh" || status=1
done
exit $status

#!/bin/sh
# The screen harness itself (tests/lib/tui.sh): a wait takes the screen
# only once the program has finished drawing it. A curses update is many
# writes; a capture between them shows a new header over an old body, and
# every check on that capture fails (tests/tui-resident-view.sh 10 did so
# once in CI, under load). The program here is a stand-in for nhicard
# that draws a new header, stays on the CPU, then draws the body: a wait
# for the header must come back with the body on the screen. A screen
# that never stops changing must still be taken (after TUI_SETTLE polls),
# not waited for until the timeout.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/tui.sh"
tui_need_tmux
: "${PYTHON:=python3}"
command -v "$PYTHON" >/dev/null 2>&1 || skip_all "python3 is needed for the stand-in program"

tap_plan 7

cat >"$TEST_TMP/draw.py" <<'EOP'
import sys, time
out = sys.stdout
def put(s):
    out.write(s)
    out.flush()
put("\x1b[2J\x1b[H" + "HEADER old\r\nbody old\r\n")
sys.stdin.readline()
# The header, then the CPU held (as a process preempted mid-update), then the body.
put("\x1b[1;1H" + "HEADER new")
end = time.monotonic() + 1.5
while time.monotonic() < end:
    pass
put("\x1b[2;1H" + "body new")
sys.stdin.readline()
# A screen that never settles: a counter, redrawn every 10 ms.
n = 0
while True:
    put("\x1b[3;1H" + "TICK %d" % n)
    n += 1
    time.sleep(0.01)
EOP

NHICARD=$(command -v "$PYTHON")
tui_start "$TEST_TMP/draw.py"
tui_wait_for "body old"
ok $? "the stand-in draws its first screen"
tui_keys Enter
tui_wait_for "HEADER new"
ok $? "the new header comes"
tui_shows "body new" "the wait came back with the whole update on the screen, not the header over the old body"
tui_hides "body old" "nothing of the old screen is left in the capture"
tui_keys Enter
TUI_SETTLE=10
tui_wait_for "TICK"
ok $? "a screen that keeps changing is taken after a bounded settle, not after the timeout"
tui_wait_gone "HEADER new" 1
is $? 1 "a wait for what stays on the screen still times out"
tui_running
ok $? "the stand-in is still running (its screen was read, not ended)"

# tui.sh: black-box tests of the clerk's screen (`nhicard tui`) through a
# private tmux server, as tmux's own regress/ tests do: keys go in with
# send-keys, the screen comes out with capture-pane. Sourced after
# common.sh (and pcsc.sh / perso.sh for card tests).
#
#   tui_start ARGS...     start `nhicard ARGS...` (e.g. --config C --db D
#                         tui) in a detached 80x24 session of a tmux server
#                         of our own (its socket in the scratch directory,
#                         no configuration file)
#   tui_keys KEY...       tmux send-keys: key names (Enter, Escape, Down,
#                         C-c, ...) or single characters
#   tui_type TEXT         send TEXT literally (send-keys -l)
#   tui_screen            print the screen as text (capture-pane -p)
#   tui_wait_for TEXT [SEC]
#                         poll the screen until it shows TEXT (grep -F), at
#                         most SEC seconds (TUI_TIMEOUT, default 20); on a
#                         timeout print the screen as TAP comments and
#                         return 1. $screen holds the last capture, taken
#                         once the screen is settled (see _tui_poll).
#   tui_wait_gone TEXT [SEC]  the same, until TEXT is gone
#   tui_running           0 while the program still runs in the pane
#   tui_stop              kill the server (also done on exit)
#   tui_t MSGID           the screen's text for MSGID in Japanese, from the
#                         build's catalog (the screens of other files are
#                         found by their own words, whatever they are)
#   tui_tf MSGID ARG...   the same for a format: printf of the translation
#   tui_shows TEXT DESC   a TAP check that the last capture ($screen) holds
#                         TEXT (fixed string, not a pattern)
#   tui_hides TEXT DESC   ... that it does not
#   tui_login_demo        log in as the built-in operator (test mode)
#   tui_open_resident QUERY NAME
#                         from the menu: search QUERY, open the first
#                         resident found, wait for NAME on their screen
# Nothing here sleeps for a fixed time to let something happen: every wait
# polls for what the test expects and gives up after a bound.

: "${TMUX_BIN:=tmux}"
: "${TUI_TIMEOUT:=20}"
# The server's socket lives in the scratch directory (removed with it).
TUI_SOCKET=$TEST_TMP/tmux-$$
screen=

# The tests skip (only) when tmux is missing.
tui_need_tmux() {
	command -v "$TMUX_BIN" >/dev/null 2>&1 || skip_all "tmux is not installed"
}

_tui() { LC_ALL=C.UTF-8 "$TMUX_BIN" -S "$TUI_SOCKET" -f /dev/null "$@" 9>&-; }

tui_stop() {
	_tui kill-server >/dev/null 2>&1
	return 0
}
at_exit tui_stop

# Quote one argument for sh.
_tui_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

tui_start() {
	tui_stop
	TUI_PID=
	_run=$TEST_TMP/tui-run.sh
	{
		echo '#!/bin/sh'
		echo 'LANG=C.UTF-8 LC_ALL=C.UTF-8; export LANG LC_ALL'
		printf 'exec %s' "$(_tui_quote "$NHICARD")"
		for _a in "$@"; do
			printf ' %s' "$(_tui_quote "$_a")"
		done
		printf ' 2>>%s\n' "$(_tui_quote "$TEST_TMP/tui.err")"
	} >"$_run"
	chmod +x "$_run"
	_tui new-session -d -x 80 -y 24 -s nhicard "$_run" ||
		bail "tmux could not start a session"
	# Keep the pane after the program exits, to read its last screen.
	_tui set-option -t nhicard remain-on-exit on >/dev/null 2>&1
}

tui_keys() { _tui send-keys -t nhicard "$@"; }

tui_type() { _tui send-keys -t nhicard -l "$1"; }

tui_screen() { _tui capture-pane -p -t nhicard; }

tui_running() {
	[ "$(_tui display-message -p -t nhicard '#{pane_dead}' 2>/dev/null)" = 0 ]
}

# _tui_idle: 0 when the program in the pane is not on a CPU (it has
# written what it drew and waits: for a key, a card, its poll timer), or
# has ended. Its process is the pane's (tui-run.sh execs it).
_tui_idle() {
	[ -n "${TUI_PID:-}" ] || TUI_PID=$(_tui display-message -p -t nhicard '#{pane_pid}' 2>/dev/null)
	_st=$(sed -e 's/^.*) //' -e 's/ .*//' "/proc/$TUI_PID/stat" 2>/dev/null) || return 0
	[ "$_st" != R ]
}

# _tui_poll WANT TEXT SEC [E]: WANT 1 waits for TEXT, 0 for its absence;
# TEXT is a fixed string, or with E an extended regular expression.
# A screen is taken only once it is settled: the program idle before the
# capture, and the capture the same as one taken the same way before it.
# A curses update is many writes, and tmux shows what it has read of
# them: a capture in the middle shows the new screen's first lines over
# the old screen's rest (a header already new, a list still old). A
# screen that keeps changing is taken as it is after TUI_SETTLE polls
# (each at least 0.05 s).
: "${TUI_SETTLE:=100}"
_tui_poll() {
	_want=$1
	_text=$2
	_limit=$(( ${3:-$TUI_TIMEOUT} * 10 ))
	_mode=-${4:-F}q
	_i=0
	_prev=
	_same=0
	while :; do
		if _tui_idle; then _idle=1; else _idle=0; fi
		screen=$(tui_screen 2>/dev/null)
		if printf '%s\n' "$screen" | grep "$_mode" -- "$_text"; then
			_got=1
		else
			_got=0
		fi
		if [ "$_got" = "$_want" ]; then
			if [ "$_idle" = 1 ] && [ -n "$_prev" ] && [ "$screen" = "$_prev" ]; then
				return 0
			fi
			_same=$((_same + 1))
			[ $_same -gt "$TUI_SETTLE" ] && return 0
			[ -n "$_prev" ] || [ "$_idle" = 0 ] && sleep 0.05
			if [ "$_idle" = 1 ]; then _prev=$screen; else _prev=; fi
			continue
		fi
		_prev=
		_same=0
		[ $_i -ge $_limit ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "# timed out after ${3:-$TUI_TIMEOUT} s waiting for '$_text'$([ "$_want" = 0 ] && echo ' to go')"
	printf '%s\n' "$screen" | sed -e '/^ *$/d' -e 's/^/#   | /'
	[ -s "$TEST_TMP/tui.err" ] && sed 's/^/#   stderr: /' "$TEST_TMP/tui.err" | tail -5
	return 1
}

tui_wait_for() { _tui_poll 1 "$1" "${2:-}"; }
tui_wait_gone() { _tui_poll 0 "$1" "${2:-}"; }

# The text of the box in the last capture ($screen, taken by a wait), its
# borders cut and its lines joined by blanks. A body that scrolls (its
# lower border says " FIRST-LAST/ALL v ") is read at its top and, after
# End, at its end: the two pages hold a body of up to twice the box's
# height.
tui_box_text() {
	_box=$screen
	if printf '%s\n' "$_box" | grep -Eq ' [0-9]+-[0-9]+/[0-9]+ v -*[+]'; then
		tui_keys End
		_tui_poll 1 ' [0-9]+-([0-9]+)/\1 \^ -*[+]' "" E >&2
		_box="$_box
$screen"
	fi
	printf '%s\n' "$_box" | sed -e 's/^[^|]*|//' -e 's/|[^|]\{0,1\}$//' | tr '\n' ' '
}

# The catalog the screen reads (tui-i18n.c): the build tree's.
NHICARD_LOCALEDIR=${NHICARD_LOCALEDIR:-$top_builddir/po}
export NHICARD_LOCALEDIR

tui_t() {
	LC_ALL=C.UTF-8 LANGUAGE=ja TEXTDOMAINDIR=$NHICARD_LOCALEDIR gettext -e -d nhicard -- "$1"
}

tui_tf() {
	_f=$(tui_t "$1")
	shift
	# The translation is the format (msgfmt -c checked its directives).
	# shellcheck disable=SC2059
	printf "$_f" "$@"
}

tui_shows() {
	if printf '%s\n' "$screen" | grep -Fq -- "$1"; then
		ok 0 "$2"
	else
		ok 1 "$2"
		echo "#   not on the screen: '$1'"
		printf '%s\n' "$screen" | sed -e '/^ *$/d' -e 's/^/#   | /'
	fi
}

tui_hides() {
	if printf '%s\n' "$screen" | grep -Fq -- "$1"; then
		ok 1 "$2"
		echo "#   on the screen: '$1'"
		printf '%s\n' "$screen" | sed -e '/^ *$/d' -e 's/^/#   | /'
	else
		ok 0 "$2"
	fi
}

tui_login_demo() {
	tui_wait_for "$(tui_t 'Enter log in  q quit')" || return 1
	tui_keys Enter
	tui_wait_for "$(tui_t 'Operator name:')" || return 1
	tui_keys Enter
	tui_wait_for "$(tui_t 'Search residents')"
}

tui_open_resident() {
	tui_keys 1
	tui_wait_for "$(tui_t '/ search  Enter open  ESC back')" || return 1
	tui_keys /
	tui_wait_for "$(tui_t 'Search: kana, kanji name, birth date (1980-04-01 or S55.4.1) or symbol-number (1-2):' |
	    sed 's/[,、:：(（].*//')" ||
		return 1
	tui_type "$1"
	tui_keys Enter
	tui_wait_for "$2" || return 1
	tui_keys Enter
	tui_wait_for "$(tui_t 'i issue  r reprint  l loss report  Up/Down scroll  ESC back')"
}

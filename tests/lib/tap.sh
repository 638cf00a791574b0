# tap.sh: a small TAP producer for shell tests. Source it, call plan or let
# done_testing count, then ok/is/like/... Each test script is independent:
# it makes its own scratch directory and removes it on exit.

_tap_n=0
_tap_failed=0

tap_plan() { echo "1..$1"; _tap_planned=1; }

ok() {
	# ok STATUS DESCRIPTION: STATUS 0 passes.
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		# A "# TODO" test is a known failure (TAP): not a failed run.
		case $2 in
		*"# TODO"*) ;;
		*) _tap_failed=$((_tap_failed + 1)) ;;
		esac
	fi
}

is() {
	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

like() {
	# like TEXT PATTERN DESCRIPTION (grep -E pattern)
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   text:    '$(printf '%s' "$1" | head -c 400)'"
		echo "#   pattern: '$2'"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		echo "#   text matched '$2': '$(printf '%s' "$1" | head -c 400)'"
	else
		ok 0 "$3"
	fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

bail() { echo "Bail out! $1"; exit 1; }

done_testing() {
	[ -n "${_tap_planned:-}" ] || echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# run CMD...: run a command, capture stdout+stderr in $out and status in $rc.
run() {
	out=$("$@" 2>&1)
	rc=$?
}

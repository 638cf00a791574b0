# preissue.sh: what the pre-issuance tests share (after common.sh, pcsc.sh
# and perso.sh): a store with five insured residents, the selection of four
# of them, Juki cards of any resident, and a feed loop run in the
# background whose lines the test waits for (no fixed sleeps: the test
# polls the feed's output for the line it needs, with a deadline).

# Foreign residents get a standalone card (the study's rule), so the run
# has one standalone item.
sed -i 's/^\[rules\]$/[rules]\nforeign_juki = 2005/' "$CONF"

B_NAME="鈴木 花子" B_BIRTH=19900203 B_SEX=2 B_ADDR="東京都千代田区丸の内2-2"
C_NAME="高橋 一郎" C_BIRTH=19750505 C_SEX=1 C_ADDR="東京都千代田区神田1-5"
E_NAME="田中 次郎" E_BIRTH=19650707 E_SEX=1 E_ADDR="東京都千代田区内幸町4-4"

# add_insured NAME KANA BIRTH(YYYYMMDD) SEX ADDR [resident add options]: the
# new resident's id in $added.
add_insured() {
	_b=$(printf '%s' "$3" | sed 's/\(....\)\(..\)\(..\)/\1-\2-\3/')
	_n=$1 _k=$2 _s=$4 _a=$5
	shift 5
	"$NHICARD" --config "$CONF" --db "$DB" resident add --name-kanji "$_n" \
	    --name-kana "$_k" --birth "$_b" --sex "$_s" --address "$_a" "$@" >/dev/null ||
	    bail "resident add $_n"
	added=$(sql "SELECT max(id) FROM residents")
	"$NHICARD" --config "$CONF" --db "$DB" eligibility add --insurer 133116 --symbol 1 \
	    --number "$((10 + added))" --kind hihokensha --acquired 2020-04-01 "$added" \
	    >/dev/null || bail "eligibility add $_n"
}

# preissue_store: residents A (perso.sh's), B, C, D (foreign: standalone)
# and E (insured, not selected); $SELECT selects A to D.
preissue_store() {
	make_store "$DB"
	RID_A=1
	add_insured "$B_NAME" "スズキ ハナコ" "$B_BIRTH" "$B_SEX" "$B_ADDR"
	RID_B=$added
	add_insured "$C_NAME" "タカハシ イチロウ" "$C_BIRTH" "$C_SEX" "$C_ADDR"
	RID_C=$added
	add_insured "John SMITH" "ジョン スミス" 19850505 1 "東京都千代田区神田3-3" \
	    --nationality US --residence-status 技術 --stay-until 2030-01-01
	RID_D=$added
	add_insured "$E_NAME" "タナカ ジロウ" "$E_BIRTH" "$E_SEX" "$E_ADDR"
	RID_E=$added
	printf 'id:%s\n' "$RID_A" "$RID_B" "$RID_C" "$RID_D" >"$TEST_TMP/selection.txt"
	SELECT="list $TEST_TMP/selection.txt"
}

# insert_person_card FILE NAME BIRTH(YYYYMMDD) SEX ADDR [cardsim options]:
# that person's Juki card (created on first use) into slot 0.
insert_person_card() {
	_f=$1 _n=$2 _b=$3 _s=$4 _a=$5
	shift 5
	card_insert "$_f" --kind juki -o "name=$_n" -o "birth=$_b" -o "sex=$_s" \
	    -o "address=$_a" -o municipality=131016 -o "keys=$KEYS" "$@"
}

FEED_LOG=$TEST_TMP/feed.log
feed_pid=
feed_rc=

# feed_start RUN [feed options]: the feed loop in the background.
feed_start() {
	_run=$1
	shift
	: >"$FEED_LOG"
	"$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" batch preissue feed \
	    --max-wait "${FEED_MAX_WAIT:-60}" "$@" "$_run" >"$FEED_LOG" 2>&1 9>&- &
	feed_pid=$!
	at_exit 'if [ -n "$feed_pid" ]; then kill $feed_pid 2>/dev/null; fi'
}

feed_log() { cat "$FEED_LOG"; }

# feed_wait_line N PATTERN: wait until the feed printed PATTERN N times
# (bail out if it ended first or after 60 s).
feed_wait_line() {
	_i=0
	while [ "$(grep -c -- "$2" "$FEED_LOG")" -lt "$1" ]; do
		if ! kill -0 "$feed_pid" 2>/dev/null; then
			[ "$(grep -c -- "$2" "$FEED_LOG")" -ge "$1" ] && return 0
			bail "the feed ended before '$2' #$1: $(tail -5 "$FEED_LOG")"
		fi
		_i=$((_i + 1))
		[ "$_i" -gt 1200 ] && bail "no '$2' #$1 from the feed: $(tail -5 "$FEED_LOG")"
		sleep 0.05
	done
}

# feed_next N: wait until the feed asks for its Nth card.
feed_next() { feed_wait_line "$1" "next card:"; }

# feed_end: wait for the feed to exit; its status in $feed_rc.
feed_end() {
	wait "$feed_pid"
	feed_rc=$?
	feed_pid=
}

# perso.sh: what the personalization tests share (after common.sh and
# pcsc.sh): a configuration with the test keys, a store holding test
# residents, the emulator's card options, and store queries.

: "${SQLITE3:=sqlite3}"
KEYS=$top_srcdir/keys
CONF=$TEST_TMP/nhicard.conf
DB=$TEST_TMP/s.db
cat >"$CONF" <<EOC
[station]
mode = test
municipality_code = 131016
insurer_number = 133116
[keys]
dir = $KEYS
[rules]
no_juki = standalone
law = pilot
[print]
templates_dir = $top_srcdir/templates
insurer_name = 千代田区
EOC

# The resident the Juki test cards belong to (four basic items).
P_NAME="山田 太郎"
P_BIRTH=1980-04-01
P_SEX=1
P_ADDR="東京都千代田区千代田1-1"

# nhi ARGS: nhicard on our config, store and reader; $out and $rc.
nhi() { run "$NHICARD" --config "$CONF" --db "$DB" --reader "$PCSC_READER" "$@"; }

# sql QUERY: one query on the store.
sql() { "$SQLITE3" "$DB" "$1"; }

# insert_card FILE KIND [cardsim options...]: insert the card kept in FILE
# into slot $SLOT (default 0), created on first use as KIND (juki,
# juki-new: the test resident's card; standalone: a blank card).
insert_card() {
	_f=$1
	_k=$2
	shift 2
	if [ "$_k" = standalone ]; then
		card_insert --slot "${SLOT:-0}" "$_f" --kind standalone -o "keys=$KEYS" "$@"
	else
		card_insert --slot "${SLOT:-0}" "$_f" --kind "$_k" -o "name=$P_NAME" \
		    -o "birth=$(echo $P_BIRTH | tr -d -)" -o "sex=$P_SEX" \
		    -o "address=$P_ADDR" -o municipality=131016 -o "keys=$KEYS" "$@"
	fi
}

# make_store PATH: a store with resident 1 (the Juki cards' holder),
# insured today.
make_store() {
	"$NHICARD" --config "$CONF" --db "$1" db init >/dev/null &&
	"$NHICARD" --config "$CONF" --db "$1" resident add --name-kanji "$P_NAME" \
	    --name-kana "ヤマダ タロウ" --birth "$P_BIRTH" --sex "$P_SEX" \
	    --address "$P_ADDR" >/dev/null &&
	"$NHICARD" --config "$CONF" --db "$1" eligibility add --insurer 133116 \
	    --symbol 1 --number 2 --kind hihokensha --acquired 2020-04-01 1 >/dev/null ||
	bail "cannot make the test store $1"
}

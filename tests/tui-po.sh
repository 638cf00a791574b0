#!/bin/sh
# tui-po.sh: every message of the clerk's screen (src/tui*.c, marked with
# _() or N_()) and every reason a clerk reads aloud (the one table,
# src/reasons.c) has a Japanese translation in po/ja.po, the catalog
# compiles with its format strings checked, and every reason key the code
# names (err_reason, reason_key, tui_reason_word) is in the table.

. "$top_srcdir/tests/lib/common.sh"

: "${XGETTEXT:=xgettext}"
: "${MSGFMT:=msgfmt}"
command -v "$XGETTEXT" >/dev/null 2>&1 || skip_all "xgettext is not installed (gettext)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

PO=$top_srcdir/po/ja.po
run "$MSGFMT" --check-format --statistics -o "$TEST_TMP/ja.mo" "$PO"
is "$rc" 0 "po/ja.po compiles with its format strings checked"
unlike "$out" "fuzzy|untranslated" "no fuzzy or untranslated entries ($out)"

(cd "$top_srcdir" && LC_ALL=C.UTF-8 "$XGETTEXT" -k_ -kN_ --from-code=UTF-8 --no-wrap \
    --omit-header -o "$TEST_TMP/tui.pot" src/tui*.c src/reasons.c) 2>"$TEST_TMP/xgettext.err"
is "$?" 0 "xgettext reads src/tui*.c and src/reasons.c"

# msgid -> msgstr of a .po/.pot file, and the msgids missing a translation.
run python3 - "$TEST_TMP/tui.pot" "$PO" <<'PY'
import re, sys
def parse(path):
    text = open(path, encoding='utf-8').read()
    out = {}
    for m in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.M):
        j = lambda s: ''.join(eval(x) for x in s.strip().split('\n'))
        out[j(m.group(1))] = j(m.group(2))
    return out
used = parse(sys.argv[1])
ja = parse(sys.argv[2])
missing = [k for k in used if k and not ja.get(k)]
for k in missing:
    print('untranslated: %r' % k)
print('%d messages used, %d missing' % (len([k for k in used if k]), len(missing)))
sys.exit(1 if missing or not used else 0)
PY
is "$rc" 0 "every message of src/tui*.c and every reason is translated in po/ja.po"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -40
like "$out" "^[1-9][0-9]* messages used, 0 missing" "the messages were found ($out)"

# The reason keys the code names are in the table: a reason without a
# Japanese text would be shown as the English detail only.
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z_0-9]*\.[a-z_0-9]*\)", N_(.*/\1/p' "$top_srcdir/src/reasons.c" | sort -u)
used=$(cd "$top_srcdir/src" && cat ./*.c | tr '\n' ' ' |
    grep -oE 'err_reason\([^;]*\), "[a-z_]+\.[a-z_0-9]+"\)|reason_key = "[a-z_]+\.[a-z_0-9]+"|RULES_REASON_[A-Z_]+, "[a-z_]+\.[a-z_0-9]+"' |
    grep -oE '"[a-z_]+\.[a-z_0-9]+"' | tr -d '"' | sort -u)
missing=$(printf '%s\n' "$used" | while read -r k; do
	printf '%s\n' "$keys" | grep -qx "$k" || echo "$k"
done)
is "$missing" "" "every reason key the code names is in src/reasons.c"
ok "$([ "$(printf '%s\n' "$used" | wc -l)" -ge 30 ] && echo 0 || echo 1)" \
    "the code's reason keys were found ($(printf '%s\n' "$used" | wc -l))"
# The words the screens look up by prefix (cards.state, state_reason, the
# center's codes, record kinds) have a text for every value the store holds.
for w in state.personalizing state.unfinished state.active state.suspended state.revoked \
    why.lost why.stolen why.damaged why.died why.eligibility_ended why.replaced \
    center.unknown_kind center.wrong_lane center.malformed center.conflict \
    kind.card_issued kind.card_revoked kind.card_reinstated kind.certificate_issued \
    kind.certificate_voided kind.eligibility_changed; do
	printf '%s\n' "$keys" | grep -qx "$w" || echo "missing $w"
done >"$TEST_TMP/words"
is "$(cat "$TEST_TMP/words")" "" "every card state, reason, center code and record kind has a text"

done_testing

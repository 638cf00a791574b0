#!/bin/sh
# tui-po.sh: every message of the clerk's screen (src/tui*.c, marked with
# _() or N_()) has a Japanese translation in po/ja.po, and the catalog
# compiles with its format strings checked.

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
    --omit-header -o "$TEST_TMP/tui.pot" src/tui*.c) 2>"$TEST_TMP/xgettext.err"
is "$?" 0 "xgettext reads src/tui*.c"

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
is "$rc" 0 "every message of src/tui*.c is translated in po/ja.po"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -40
like "$out" "^[1-9][0-9]* messages used, 0 missing" "the messages were found ($out)"

done_testing

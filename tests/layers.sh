#!/bin/sh
# layers.sh: the code follows the layers of docs/design.md: no file of
# src/, cardsim/, center/, clinic/ or bureau/ includes a header of a higher layer, no two
# layers include each other's headers in a circle, and every file is in a
# layer (tests/layers.py reads the table and the #include lines). The
# check is run on a copy with one upward include and one circle added, to
# show it catches them.

. "$top_srcdir/tests/lib/common.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
CHECK=$top_srcdir/tests/layers.py

run python3 "$CHECK" "$top_srcdir"
is "$rc" 0 "every include points down the layers of docs/design.md"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -60
like "$out" "^checked [1-9][0-9]* files in [1-9][0-9]* layers" "the table was read ($out)"

run python3 "$CHECK" "$top_srcdir" --table
unlike "$out" "\(none\)" "every file of src/, cardsim/, center/, clinic/ and bureau/ is in a layer"

# The check itself: a copy with a store file including a flow header, two
# layers of one level including each other, and a file in no layer.
mkdir -p "$TEST_TMP/copy" || bail "mkdir failed"
cp -R "$top_srcdir/docs" "$top_srcdir/src" "$top_srcdir/cardsim" "$top_srcdir/center" "$top_srcdir/clinic" "$top_srcdir/bureau" \
    "$TEST_TMP/copy/" || bail "copy failed"
chmod -R u+w "$TEST_TMP/copy"
echo '#include "flow.h"' >>"$TEST_TMP/copy/src/store-card.c"
echo '#include "text.h"' >>"$TEST_TMP/copy/src/nhiconf.h"
echo '#include "nhiconf.h"' >>"$TEST_TMP/copy/src/text.h"
: >"$TEST_TMP/copy/src/stray.c"
run python3 "$CHECK" "$TEST_TMP/copy"
is "$rc" 1 "the check fails on a copy that breaks the layers"
like "$out" "upward src/store-card.c:[0-9]+ -> src/flow.h: layer store \(level 4\) includes a header of layer flows" \
    "an upward include is named with its file and line"
like "$out" "circle (config -> text -> config|text -> config -> text)" \
    "a circle between two layers of one level is named"
like "$out" "unplaced src/stray.c" "a file in no layer is named"

# A table that cannot be read is an error of its own, not a pass.
sed 's/^| level | layer | files/| tier | layer | files/' "$top_srcdir/docs/design.md" \
    >"$TEST_TMP/copy/docs/design.md"
run python3 "$CHECK" "$TEST_TMP/copy"
is "$rc" 2 "a Layers table without its columns is refused"
like "$out" "level \| layer \| files" "saying which columns it needs"

done_testing

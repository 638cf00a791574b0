#!/usr/bin/env python3
"""words.py: the wording audit of the clerk's screens (issue 18 item 7).

Checks the Japanese texts a clerk reads for the classes of fault the
issue found, in two places:

  po/ja.po            every translation (msgstr) of the catalog, which
                      holds every screen's and dialog's text, the reason
                      table and the help texts;
  DUMP...             screens as the screen walks draw them (the dumps of
                      tests/tui*/..., each a whole 80x24 or wider screen),
                      which also holds what C code composes from pieces.

Fault classes (each reported as FILE:LINE: CLASS: the text):

  space-bracket   a half-width blank between Japanese and a bracket
                  (`失効 (紛失)`): Japanese text takes full-width brackets
                  with no blank, `失効（紛失）`;
  halfwidth-paren half-width brackets around Japanese (`(訂正済み)`);
  ascii-colon     an ASCII ':' right after Japanese (`理由:`): `理由：`;
  ascii-question  an ASCII '?' after Japanese: `？`;
  ascii-comma     an ASCII ',' or '.' after Japanese: `、` `。`;
  line-punct      a line starting with 。 or 、 (a wrap at punctuation);
  term            a word from the list of variants below, instead of the
                  one name the screens use for that thing.

and for the help texts (the catalog only):

  help-keys       a help text (the msgid of a screen's `help`) whose
                  translation names a key outside 「」 (`i で` instead of
                  `「i」で`), which a wrap could leave at a line start;
  help-missing    a screen of src/tui-*.c without a help text, or a help
                  text without a Japanese translation;
  help-same       two screens with the same help text.

Data on the screens (names, addresses the register holds) is not the
screens' wording: the dumps' lines are checked only for the classes that
no register data produces (brackets, colons, question marks, terms), and
screens in English (a title line without Japanese) are skipped.

Usage: words.py TOP_SRCDIR [DUMP...] [--terms-only FILE...]
(FILE: a text checked for the variant terms only, such as the daily
report's kept text). Exit 0 clean, 1 faults, 2 usage.
"""
import glob
import os
import re
import sys

J = "[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e\u300c\u300d\u3002\u3001\u30fb\u3013]"

CLASSES = [
    ("space-bracket", re.compile(J + r" [(\uff08\u300c]")),
    ("halfwidth-paren", re.compile(r"\([^()]*" + J + r"[^()]*\)")),
    ("ascii-colon", re.compile(J + r":")),
    ("ascii-question", re.compile(J + r"\?")),
    ("ascii-comma", re.compile(J + r"[,.](?![0-9A-Za-z])")),
    ("line-punct", re.compile(r"(^|\\n|\n)[\u3002\u3001](?=\S)")),
]

# One name per thing: (variant not to use, the name the screens use).
TERMS = [
    ("単独カード", "独自カード"),
    ("再印刷", "再交付"),
    ("国保AP", "国保の機能 (or 国民健康保険の資格, for residents)"),
    ("未送信", "送信待ち"),
    ("システム管理者", "情報担当者"),
    ("カードリーダ", "読取機"),
    ("読み取り機", "読取機"),
    ("却下", "差し戻し"),
    ("住民番号", "the resident's name"),
    ("オペレータ", "操作者"),
    ("責任者", "監督者"),
    ("印刷しました", "「PDFに保存しました」 when a PDF was saved: checked by the tests of the card screens"),
]
TERMS_RE = [(re.compile(w), w, use) for w, use in TERMS if w != "印刷しました"]

# Dump lines that show the register's data or the operator's own typing,
# not the screens' words: skipped for the class that data can trigger.
DATA_CLASSES = {"line-punct"}


def po_entries(path):
    """(line, msgid, msgstr) of every entry with a translation."""
    out = []
    text = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(text):
        if text[i].startswith("msgid "):
            start = i + 1
            mid = [text[i][6:]]
            i += 1
            while i < len(text) and text[i].startswith('"'):
                mid.append(text[i])
                i += 1
            if i < len(text) and text[i].startswith("msgstr "):
                mstr = [text[i][7:]]
                i += 1
                while i < len(text) and text[i].startswith('"'):
                    mstr.append(text[i])
                    i += 1
                unq = lambda parts: "".join(p.strip()[1:-1] for p in parts)
                out.append((start, unq(mid), unq(mstr)))
            continue
        i += 1
    return out


def check_text(where, text, classes, faults):
    for name, rx in classes:
        m = rx.search(text)
        if m:
            faults.append("%s: %s: ...%s..." % (where, name,
                          text[max(0, m.start() - 12):m.end() + 12]))
    for rx, w, use in TERMS_RE:
        if rx.search(text):
            faults.append("%s: term: %s (the screens say %s)" % (where, w, use))


def c_unescape(s):
    return s.replace('\\"', '"').replace("\\\\", "\\")


def help_texts(top):
    """{file: help msgid} of the screens (the `.help = N_(...)` of src/tui-*.c)."""
    out = {}
    for f in sorted(glob.glob(os.path.join(top, "src", "tui-*.c"))):
        src = open(f, encoding="utf-8").read()
        # `.help = NAME` with `#define NAME N_("..." "...")`: the macro's text.
        for m in re.finditer(r"\.help\s*=\s*([A-Z_]+)\b", src):
            d = re.search(r"#define\s+" + m.group(1) + r"\s+N_\((.*?)\"\)\s*\n", src, re.S)
            if d:
                out.setdefault(os.path.basename(f), []).append(c_unescape("".join(
                    re.findall(r"\"((?:[^\"\\]|\\.)*)\"", d.group(1) + '"'))))
        for m in re.finditer(r"\.help\s*=\s*N_\(((?:\s*\"(?:[^\"\\]|\\.)*\")+)\s*\)", src):
            out.setdefault(os.path.basename(f), []).append(
                c_unescape("".join(re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1)))))
        if ".title" in src and "tui_screen_ops" in src and os.path.basename(f) not in out:
            out[os.path.basename(f)] = []
    return out


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n")[-1], file=sys.stderr)
        return 2
    top = argv[1]
    po = os.path.join(top, "po", "ja.po")
    faults = []
    entries = po_entries(po)
    trans = {}
    for line, mid, mstr in entries:
        trans[mid] = mstr
        if mstr == "" or not re.search(J, mstr):
            continue
        check_text("%s:%d" % (po, line), mstr, CLASSES, faults)
    # Help texts.
    seen = {}
    for f, helps in help_texts(top).items():
        if not helps:
            faults.append("src/%s: help-missing: a screen without a help text" % f)
        for h in helps:
            ja = trans.get(h, "")
            if ja == "":
                faults.append("src/%s: help-missing: no Japanese for %.50s..." % (f, h))
                continue
            if h in seen and seen[h] != f:
                faults.append("src/%s: help-same: the help text of %s" % (f, seen[h]))
            seen[h] = f
            # A key letter outside brackets: "i で", "p で", "ESC で".
            m = re.search(r"(^|[\u3001\u3002\s])([A-Za-z][A-Za-z0-9]{0,4}) ?[\u3067\u3092\u3082]", ja)
            if m and m.group(2) not in ("PDF", "ID", "IC"):
                faults.append("src/%s: help-keys: key %s outside 「」: ...%s..." %
                              (f, m.group(2), ja[max(0, m.start() - 8):m.end() + 8]))
    # Texts checked for the terms only (the daily report's kept text: a
    # printed document, laid out by its own rules).
    args = argv[2:]
    terms_only = []
    if "--terms-only" in args:
        k = args.index("--terms-only")
        args, terms_only = args[:k], args[k + 1:]
    for d in terms_only:
        for n, l in enumerate(open(d, encoding="utf-8").read().split("\n"), 1):
            check_text("%s:%d" % (d, n), l, [], faults)
    # Screens as drawn.
    for d in args:
        lines = open(d, encoding="utf-8").read().split("\n")
        # A screen in English (ui.language = en, title line without
        # Japanese) shows Japanese only as the register's data.
        if not re.search(J, lines[0]):
            continue
        for n, l in enumerate(lines, 1):
            if not re.search(J, l):
                continue
            check_text("%s:%d" % (d, n), l,
                       [c for c in CLASSES if c[0] not in DATA_CLASSES], faults)
    for f in faults:
        print(f)
    print("words: %d translations, %d screens, %d faults" %
          (len(entries), len(args), len(faults)))
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/sh
# deb-package.sh: the Debian packages (debian/): built with
# dpkg-buildpackage from a copy of the source, lintian-clean at the default
# level, installed on this machine with apt-get, a demo issuance run from
# the installed files only (the station, its templates and test keys, the
# emulator through pcscd and vpcd), then purged with nothing left behind.
#
# It installs on the host (as tools/test's CI machine does): the packages
# go under /usr, /etc/nhicard, /var/lib/nhicard and /var/lib/nhicard-center
# for about a minute. Every other test runs the build tree's programs by
# path ($NHICARD, $CARDSIM, $CENTER, $CLINIC) and its catalog
# (NHICARD_LOCALEDIR), never what is on $PATH, so the installed copies
# shadow nothing. The test refuses to touch a machine where nhicard is
# already installed or its folders exist.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"

command -v dpkg-buildpackage >/dev/null 2>&1 || skip_all "dpkg-buildpackage (dpkg-dev) not installed"
# .ci/run builds and installs the packages once, in its main run; its
# sanitizer build and distcheck (the same sources, other build flags) set
# this rather than build them twice more.
[ "${NHICARD_PACKAGE_TEST:-}" = "main-run-only" ] &&
    skip_all "the packages are built, installed and purged by .ci/run's main run"
# Skipped only without dpkg-buildpackage; tools/setup installs it and CI
# runs as root.
[ "$(id -u)" -eq 0 ] || bail "installing the packages needs root (tools/test runs as root)"
for d in /etc/nhicard /var/lib/nhicard /var/lib/nhicard-center; do
	[ ! -e "$d" ] || bail "$d exists: this machine has an nhicard installation; not touching it"
done
for p in nhicard nhicard-cardsim nhicard-center nhicard-clinic; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "installed" &&
		bail "package $p is installed here: not touching it"
done
[ -d "$top_srcdir/debian" ] || bail "no debian/ in $top_srcdir"

# ---- build from a copy (the source tree and its build directories stay as
# they are; debian/rules builds out of tree in debian/build) -----------------
SRC=$TEST_TMP/nhicard
mkdir -p "$SRC"
bd=""
case $top_builddir in
"$top_srcdir"/*) bd=${top_builddir#"$top_srcdir"/}; bd="--exclude=./${bd%%/*}" ;;
esac
tar -C "$top_srcdir" --exclude=./.git --exclude=./build --exclude='./build-*' \
    --exclude=./_build --exclude=./demo-out --exclude=./autom4te.cache \
    --exclude=./debian/build --exclude=./debian/tmp ${bd:+"$bd"} -cf - . | tar -C "$SRC" -xf - ||
	bail "cannot copy the source"
chmod -R u+w "$SRC"
# A source tree configured in place: clean the copy first.
if [ -f "$SRC/config.status" ]; then
	(cd "$SRC" && make -s distclean >/dev/null 2>&1)
fi
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2 noautodbgsym" \
    dpkg-buildpackage -us -uc -b >"$TEST_TMP/build.log" 2>&1)
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b builds"
[ "$rc" -eq 0 ] || { tail -30 "$TEST_TMP/build.log" | sed 's/^/# /'; bail "the build failed"; }
V=$(cd "$SRC" && dpkg-parsechangelog -S Version)
A=$(dpkg --print-architecture)
for p in nhicard nhicard-cardsim nhicard-center nhicard-clinic; do
	ok "$([ -f "$TEST_TMP/${p}_${V}_$A.deb" ]; echo $?)" "package $p built"
done
deb() { echo "$TEST_TMP/${1}_${V}_$A.deb"; }
# nhicard loads libcups and libcurl on first use (src/dl.c): dpkg-shlibdeps
# cannot see them, debian/control names them.
like "$(dpkg-deb -f "$(deb nhicard)" Depends)" "(^|, )libcups2(,|$)" "nhicard depends on libcups2"
like "$(dpkg-deb -f "$(deb nhicard)" Depends)" "(^|, )libcurl4(,|$)" "and on libcurl4"

# ---- lintian at its default level, warnings included ---------------------------
if command -v lintian >/dev/null 2>&1; then
	run lintian --fail-on error,warning "$TEST_TMP/nhicard_${V}_$A.changes"
	is "$rc" 0 "lintian: no error or warning"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
else
	ok 0 "lintian not installed (tools/setup installs it)"
fi

# ---- what the packages say and hold ---------------------------------------------
f=$(dpkg-deb -f "$(deb nhicard-cardsim)" Depends Pre-Depends Recommends)
unlike "$f" "vpcd" "nhicard-cardsim never pulls in the vpcd driver"
like "$(dpkg-deb -f "$(deb nhicard-cardsim)" Suggests)" "vsmartcard-vpcd" "it only suggests it"
like "$(dpkg-deb -f "$(deb nhicard-cardsim)" Description)" "training" \
    "its description says it is for training"
c=$(dpkg-deb -c "$(deb nhicard)" | awk '{print $6}')
for f in ./etc/nhicard/nhicard.conf ./usr/bin/nhicard ./usr/share/man/man1/nhicard.1.gz \
    ./usr/share/locale/ja/LC_MESSAGES/nhicard.mo ./usr/share/nhicard/templates/certificate.tmpl; do
	like "$c" "^$f\$" "nhicard ships $f"
done
u=$(dpkg-deb --fsys-tarfile "$(deb nhicard-center)" | tar -xOf - ./lib/systemd/system/nhicard-center.service)
for l in "User=nhicard-center" "ProtectSystem=strict" "PrivateTmp=yes" "NoNewPrivileges=yes" \
    "StateDirectory=nhicard-center"; do
	like "$u" "^$l\$" "the center's unit: $l"
done
unlike "$u" "^(ReadWritePaths|BindPaths)=" "the center writes nowhere but its state directory"

# ---- install on this machine ---------------------------------------------------
_purge() {
	apt-get purge -y -q -o DPkg::Lock::Timeout=600 nhicard nhicard-cardsim \
	    nhicard-center nhicard-clinic >"$TEST_TMP/purge.log" 2>&1
}
at_exit _purge
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "$(deb nhicard)" "$(deb nhicard-cardsim)" \
    "$(deb nhicard-center)" "$(deb nhicard-clinic)"
is "$rc" 0 "the four packages install"
[ "$rc" -eq 0 ] || { printf '%s\n' "$out" | tail -20 | sed 's/^/# /'; bail "install failed"; }
is "$(stat -c '%a %U' /var/lib/nhicard)" "700 root" "/var/lib/nhicard is 0700"
like "$(cat /var/lib/dpkg/info/nhicard.conffiles)" "^/etc/nhicard/nhicard.conf\$" \
    "/etc/nhicard/nhicard.conf is a conffile"
is "$(stat -c '%a %U' /var/lib/nhicard-center)" "700 nhicard-center" \
    "the center's state directory belongs to its own user"
ok "$([ -s /var/lib/nhicard-center/center.db ]; echo $?)" \
    "the postinst ran nhicard-center db migrate"
run runuser -u nhicard-center -- /usr/bin/nhicard-center --db /var/lib/nhicard-center/center.db \
    db version
like "$out" "schema version ([0-9]+) of \\1" "the installed center's store is at its schema version"
# An upgrade runs the postinst's configure again (db migrate).
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
    --reinstall "$(deb nhicard-center)"
is "$rc" 0 "the center's package reinstalls (its postinst configures again)"
is "$(stat -c '%a %U' /var/lib/nhicard-center)" "700 nhicard-center" \
    "its state directory is kept as it was"
# A store the migration cannot use fails the configuration, loudly (the
# installed postinst run by hand, so dpkg's own state is not touched).
mv /var/lib/nhicard-center/center.db "$TEST_TMP/center.db.kept"
echo "not a database" >/var/lib/nhicard-center/center.db
chown nhicard-center: /var/lib/nhicard-center/center.db
run /var/lib/dpkg/info/nhicard-center.postinst configure
ok "$([ "$rc" -ne 0 ]; echo $?)" "a failed db migrate fails the postinst"
like "$out" "'db migrate' of /var/lib/nhicard-center/center.db failed" "and says so"
mv "$TEST_TMP/center.db.kept" /var/lib/nhicard-center/center.db
run /var/lib/dpkg/info/nhicard-center.postinst configure
is "$rc" 0 "with the store back, the postinst configures again"
if command -v systemd-analyze >/dev/null 2>&1; then
	run systemd-analyze verify /lib/systemd/system/nhicard-center.service
	is "$rc" 0 "systemd-analyze verify accepts the center's unit"
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
fi
run /usr/bin/nhicard-clinic --help
like "$out" "nhicard-clinic" "the installed clinic terminal runs"

# ---- the demo from the installed files only ---------------------------------------
# The emulator and the station from /usr/bin, the templates and test keys
# from /usr/share/nhicard; the harness's wait helper is the build tree's.
CARDSIM=/usr/bin/nhicard-cardsim
export CARDSIM
. "$top_srcdir/tests/lib/pcsc.sh"
D=$TEST_TMP/demo
mkdir -p "$D"
cat >"$D/nhicard.conf" <<EOF
[station]
mode = demo
id = ST01
municipality_code = 131016
insurer_number = 133116
[keys]
dir = /usr/share/nhicard/keys
[print]
insurer_name = 千代田区
[rules]
no_juki = standalone
law = pilot
[card]
atr_allow = 3b8880014a554b495445535402,3b8880014e4849435445535413,3b084a554b4954455354
EOF
pcsc_start
nhi() { run /usr/bin/nhicard --config "$D/nhicard.conf" --db "$D/station.db" --reader "$PCSC_READER" "$@"; }
nhi db init
is "$rc" 0 "installed nhicard: db init"
nhi resident add --name-kanji "グエン ヴァン アン" --name-kana "グエン ヴァン アン" --birth 1995-07-15 \
    --sex 1 --address "東京都千代田区神田1-2" --nationality VN \
    --residence-status 技術・人文知識・国際業務 --stay-until 2027-07-14
is "$rc" 0 "resident enrolled"
nhi eligibility add --insurer 133116 --symbol 1 --number 3 --kind hihokensha --acquired 2024-10-01 1
is "$rc" 0 "eligibility added"
card_insert "$D/standalone.card" --kind standalone -o keys=/usr/share/nhicard/keys
nhi issue --path standalone --print-to "$D" 1
is "$rc" 0 "a card issued with the installed station and emulator"
like "$out" "certificate C-00000001 printed to" "its certificate printed from the installed templates"
nhi card verify
like "$out" "verdict: valid" "the card verifies"
card_remove
pcsc_stop
if command -v pdftotext >/dev/null 2>&1; then
	like "$(pdftotext "$D/certificate-1.pdf" - 2>/dev/null)" "グエン" "the certificate names the resident"
fi
run env LANGUAGE=ja LC_ALL=C.UTF-8 TEXTDOMAINDIR=/usr/share/locale gettext -d nhicard \
    "The printer is out of paper: load paper. Printing continues when paper is loaded."
like "$out" "用紙がありません" "the installed Japanese catalog answers"

# ---- purge: nothing left ---------------------------------------------------------
_purge
is "$?" 0 "the packages purge"
for d in /etc/nhicard /var/lib/nhicard /var/lib/nhicard-center /usr/share/nhicard; do
	ok "$([ ! -e "$d" ]; echo $?)" "nothing left under $d"
done
is "$(dpkg-query -W -f='${db:Status-Status}\n' nhicard nhicard-center 2>/dev/null | grep -vc not-installed)" 0 \
    "dpkg knows them as not installed"

done_testing

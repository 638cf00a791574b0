#!/bin/sh
# The center's operators' status page (docs/center.md "Status page") in a
# real browser: headless Chromium loads GET /status from the admin
# listener (127.0.0.1) of an nhicard-center that took real batches from a
# station (one record rejected); the numbers on the page are checked
# against the store and against `nhicard-center status`; the charts' bars
# against per-day counts in the store; a screenshot is taken; station ids,
# reasons and clinic names with markup in them show as text and make no
# element; the page is not served on the stations' TLS listener; bad
# --admin-port values are refused.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/center.sh"
CHROMIUM=${CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null 2>&1 || skip_all "chromium is not installed (tools/setup)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
cd "$TEST_TMP" || bail "cd"
center_tls

browser() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --user-data-dir="$TEST_TMP/chrome" "$@" 2>>chrome.log
}
# The page as the browser built it (its DOM), summarized one fact a line.
summary() {
	browser --dump-dom "$ADMIN/status" > dom.html
	python3 - dom.html <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.out = []; s.row = None; s.cell = None; s.tags = {}
        s.chart = None; s.cap = None
    def handle_starttag(s, tag, a):
        a = dict(a); s.tags[tag] = s.tags.get(tag, 0) + 1
        cls = a.get('class', '')
        if tag == 'tr' and 'station' in cls.split(): s.row = ['station', {}]
        if tag == 'tr' and cls == 'clinic': s.row = ['clinic', {}]
        if tag == 'td' and s.row is not None:
            s.cell = cls.split()[-1] if cls else 'x'; s.row[1][s.cell] = ''
        if tag == 'figure': s.chart = cls.split()[-1]
        if tag == 'figcaption': s.cap = ''
        if tag == 'rect' and a.get('class') == 'bar' and a.get('data-value') not in ('0', '0.0'):
            s.out.append('bar %s %s %s' % (s.chart, a['data-day'], a['data-value']))
    def handle_endtag(s, tag):
        if tag == 'td': s.cell = None
        if tag == 'tr' and s.row is not None:
            k, c = s.row; s.row = None
            if k == 'station':
                s.out.append('station %s held=%s contiguous=%s highest=%s gaps=%s rejected=%s' %
                    (c['id'], c['held'], c['contiguous'], c['highest'], c['gaps'], c['rejected']))
                s.out.append('audit %s %s' % (c['id'], c['audit']))
                s.out.append('ack %s %s' % (c['id'], c['last-ack']))
            else:
                s.out.append('clinic %s hour=%s day=%s refused=%s name=%s' %
                    (c['id'], c['hour'], c['day'], c['refused'], c['name']))
        if tag == 'figcaption':
            if s.chart == 'records': s.chart = 'records:' + s.cap.split('station ', 1)[1]
            s.cap = None
    def handle_data(s, d):
        if s.row is not None and s.cell is not None: s.row[1][s.cell] += d
        if s.cap is not None: s.cap += d
    def handle_startendtag(s, tag, a): s.handle_starttag(tag, a)
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
for l in p.out: print(l)
for t in ('script', 'img', 'b', 'iframe'):
    print('elements %s %d' % (t, p.tags.get(t, 0)))
PY
}

# A station sends its records; the center rejects seq 3 (attempt 1).
station_db st.db 40
station_conf st.conf
CENTER_ARGS="--admin-port 0" center_start NHICARD_CENTER_FAULT=reject-seq=3
ADMIN=$(sed -n 's|^nhicard-center: status page on \(http://127\.0\.0\.1:[0-9]*\)/status$|\1|p' center.log | tail -n 1)
like "$ADMIN" "^http://127.0.0.1:[0-9]" "the status page's address is logged, on 127.0.0.1"
station_conf st.conf "$CENTER_URL"
run "$NHICARD" --db st.db --config st.conf queue send
is "$rc" 3 "the station sent its batch; the center refused one record (exit 3, some refused)"
held=$(center_held ST01)
ok "$([ "$held" -ge 10 ]; echo $?)" "the center holds the station's records ($held)"

# History for the charts: some records arrived 3 and 12 days ago, a
# rejection 12 days ago, and a clinic's queries over the month.
center_sql "
UPDATE record SET received_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 days')
    WHERE station_id = 'ST01' AND seq BETWEEN 5 AND 9;
UPDATE record SET received_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-12 days')
    WHERE station_id = 'ST01' AND seq BETWEEN 10 AND 12;
INSERT INTO rejection_log VALUES ('ST01', 99, 'old',
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-12 days'));
" || bail "history"
"$CENTER" --db "$CENTER_DB" clinic add 1311234569 "Test clinic" >/dev/null || bail "clinic add"
center_sql "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO query_log (at, clinic, user_number, visit_date, outcome)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (i % 20) || ' days', '-' || (i % 3 * 10 + 5) || ' minutes'),
    '1311234569', NULL, NULL, CASE WHEN i % 4 = 0 THEN 'malformed' ELSE 'insured' END FROM n;
" || bail "queries"

summary > page.txt
grep -q '^station ST01 ' page.txt || { cat chrome.log >&2; bail "the browser did not show the page"; }

# The stations' table against the store and `nhicard-center status`.
st_line=$("$CENTER" --db "$CENTER_DB" status | grep '^station ST01:')
c_held=$(echo "$st_line" | sed 's/.*held \([0-9]*\),.*/\1/')
c_cont=$(echo "$st_line" | sed 's/.*contiguous \([0-9]*\),.*/\1/')
c_high=$(echo "$st_line" | sed 's/.*highest \([0-9]*\),.*/\1/')
c_gaps=$(echo "$st_line" | sed 's/.*gaps \(.*\)$/\1/')
c_rej=$(center_sql "SELECT count(*) FROM rejection WHERE station_id = 'ST01'")
is "$c_rej" 1 "the center has one rejection outstanding (seq 3)"
is "$(grep '^station ST01 ' page.txt)" \
    "station ST01 held=$held contiguous=$c_cont highest=$c_high gaps=$c_gaps rejected=$c_rej" \
    "the station's row: held, contiguous, highest, gaps, rejections as the store has them"
is "$c_held" "$held" "(status agrees on records held)"
is "$c_cont" "$(station_through st.db)" "(the contiguous mark is the one the station was acknowledged)"
heads=$(center_sql "SELECT count(*) || ' heads, up to entry ' || max(seq) FROM audit_head WHERE station_id = 'ST01'")
is "$(grep '^audit ST01 ' page.txt)" "audit ST01 continuous: $heads" \
    "the audit history: continuous, the heads held"
ack=$(center_sql "SELECT max(at) FROM ack_log WHERE station_id = 'ST01'")
serial=$(center_sql "SELECT ack_serial FROM station WHERE station_id = 'ST01'")
is "$(grep '^ack ST01 ' page.txt)" "ack ST01 $ack (serial $serial)" \
    "the last acknowledgement's time and serial"
grep -q "<td class=\"seq\">3</td>" dom.html
ok $? "the outstanding rejection (seq 3) is listed"

# The clinic's query rate against the query log.
q() { center_sql "SELECT count(*) FROM query_log WHERE clinic = '1311234569' AND $1"; }
hour=$(q "at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')")
day=$(q "at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day')")
refused=$(q "at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 day') AND outcome = 'malformed'")
ok "$([ "$hour" -gt 0 ] && [ "$refused" -gt 0 ]; echo $?)" "the log has queries in the last hour ($hour), refused ones ($refused)"
is "$(grep '^clinic ' page.txt)" "clinic 1311234569 hour=$hour day=$day refused=$refused name=Test clinic" \
    "the clinic's row: queries in the last hour and day, refused"

# Every bar of every chart against per-day counts in the store.
center_sql -s ' ' "
WITH d AS (SELECT date('now', '-29 days') AS first),
rec AS (SELECT substr(received_at, 1, 10) AS day, count(*) AS n FROM record, d
    WHERE received_at >= d.first GROUP BY 1),
rej AS (SELECT substr(at, 1, 10) AS day, count(*) AS n FROM rejection_log, d
    WHERE at >= d.first GROUP BY 1),
days AS (SELECT day FROM rec UNION SELECT day FROM rej)
SELECT 'bar queries', substr(at, 1, 10), CAST(count(*) AS TEXT) FROM query_log, d
    WHERE at >= d.first GROUP BY 2
UNION ALL
SELECT 'bar rejection-rate', days.day,
    (coalesce(rej.n, 0) * 1000 / (coalesce(rec.n, 0) + coalesce(rej.n, 0)) / 10) || '.' ||
    (coalesce(rej.n, 0) * 1000 / (coalesce(rec.n, 0) + coalesce(rej.n, 0)) % 10)
    FROM days LEFT JOIN rec USING (day) LEFT JOIN rej USING (day)
    WHERE coalesce(rej.n, 0) * 1000 / (coalesce(rec.n, 0) + coalesce(rej.n, 0)) > 0
UNION ALL
SELECT 'bar records:' || station_id, substr(received_at, 1, 10), CAST(count(*) AS TEXT)
    FROM record, d
    WHERE received_at >= d.first GROUP BY 1, 2;
" | sort > bars-store.txt
grep '^bar ' page.txt | sort > bars-page.txt
is "$(cat bars-page.txt)" "$(cat bars-store.txt)" \
    "every chart bar (queries, rejection rate, records per station) is the store's count for its day"
is "$(grep -c '^bar records:ST01 ' bars-page.txt)" 3 "the records chart has bars on three days"

# A screenshot, for people: a PNG of the whole page.
browser --window-size=1280,2400 --screenshot="$TEST_TMP/status.png" "$ADMIN/status" >/dev/null
ok "$([ "$(head -c 8 status.png | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] &&
    [ "$(wc -c < status.png)" -gt 20000 ]; echo $?)" "the browser took a screenshot of the page"
cp status.png "$top_builddir/tests/center-status-page.png" 2>/dev/null

# Markup in station ids, reasons and clinic names is text, never elements.
center_sql "
INSERT INTO station VALUES ('<b>ST</b><script>alert(1)</script>', 0, 0,
    '2026-01-01T00:00:00Z', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
INSERT INTO record VALUES ('<b>ST</b><script>alert(1)</script>', 'r1', 1, 1, 'bulk',
    'card_issued', NULL, '{}', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
INSERT INTO rejection VALUES ('<b>ST</b><script>alert(1)</script>', 'r\"><img src=x>', 2, 1,
    'bad<iframe>', 'name \"<img src=x onerror=alert(2)>\" & ''more''', 1,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
INSERT INTO audit_alert VALUES ('<b>ST</b><script>alert(1)</script>', 1, 'forked',
    '<img src=y>', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
INSERT INTO clinic VALUES ('1311234578', '<img src=z>Clinic & Co', '2026-01-01');
" || bail "markup rows"
summary > page2.txt
for t in script img b iframe; do
	is "$(grep "^elements $t " page2.txt)" "elements $t 0" "no <$t> element came from the store's text"
done
grep -q '^station <b>ST</b><script>alert(1)</script> held=1 ' page2.txt
ok $? "the station id with markup shows as its text, with its numbers"
grep -q '^audit <b>ST</b><script>alert(1)</script> ALERT (1): forked: <img src=y>$' page2.txt
ok $? "an audit alert shows, its detail as text"
grep -q '^clinic 1311234578 .* name=<img src=z>Clinic & Co$' page2.txt
ok $? "the clinic's name with markup shows as text"
grep -q 'name &quot;&lt;img src=x onerror=alert(2)&gt;&quot; &amp; &#39;more&#39;\|name "&lt;img src=x onerror=alert(2)&gt;" &amp; '"'"'more'"'" dom.html
ok $? "the reason with markup and quotes is in the page as text"
grep -q 'data-station="&lt;b&gt;ST&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' dom.html
ok $? "the station id in an attribute is escaped too"

# The page is only on the admin listener: the TLS one does not serve it.
run curl -s -o /dev/null -w '%{http_code}' --cacert "$KEYS/test-queue-ca.crt" \
    --cert "$KEYS/test-station.crt" --key "$KEYS/test-station.key" "$CENTER_URL/status"
is "$out" 404 "GET /status on the stations' TLS listener: 404"
run curl -s -o /dev/null -w '%{http_code}' -X POST "$ADMIN/status"
is "$out" 405 "the status page is read only (POST: 405)"
run curl -s -D - -o /dev/null "$ADMIN/status"
like "$out" "Content-Security-Policy: default-src 'none'" "the page forbids scripts (CSP)"

# A second center whose admin port is taken: refused, named, exit 5.
port=${ADMIN##*:}
run "$CENTER" --db center2.db serve --admin-port "$port" --key "$KEYS/test-center.key" \
    --cert "$KEYS/test-center.crt" --tls-key tls.key --tls-cert tls.crt \
    --ca "$KEYS/test-queue-ca.crt" --port 0
is "$rc" 5 "an admin port in use: exit 5"
like "$out" "cannot listen on 127.0.0.1 port $port for the status page" "the port is named"
center_stop

# Bad --admin-port values are refused before anything listens.
run "$CENTER" --db "$CENTER_DB" serve --admin-port 70000 --key x --cert x --ca x
is "$rc" 2 "--admin-port 70000: a usage error"
like "$out" "--admin-port 70000: expected a number from 0 to 65535" "the value is named"
done_testing

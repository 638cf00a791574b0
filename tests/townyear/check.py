"""check.py: the truth, compared (issue 26).

What the station and the center hold against what the model says, at a
checkpoint or at the end of the year. Each difference is one message
naming the person code or the card id and the field that differs, never
a name, a birth date or an address.
"""

import datetime as dt

KEYS = ("acquired_on", "lost_on", "symbol", "number", "branch", "burden_pct")


def periods(sim):
    """Every person's periods in force at the station against the model's."""
    got = {}
    for row in sim.P.sql(
            "SELECT r.person_code, e.acquired_on, coalesce(e.lost_on, ''), e.symbol, e.number, "
            "coalesce(e.branch, ''), coalesce(e.burden_pct, '') FROM eligibility_periods e "
            "JOIN residents r ON r.id = e.resident_id WHERE e.superseded_by IS NULL"):
        got.setdefault(row[0], {})[row[1]] = tuple(row[1:])
    msgs = []
    for code, p in sim.town.people.items():
        want = {q["acquired_on"]: tuple(q[k] for k in KEYS) for q in p.periods}
        have = got.pop(code, {})
        for acq in sorted(set(want) | set(have)):
            w, h = want.get(acq), have.get(acq)
            if w == h:
                continue
            if not w:
                msgs.append("person %s: the station has a period acquired %s the model has not" % (code, acq))
            elif not h:
                msgs.append("person %s: the station lacks the period acquired %s" % (code, acq))
            else:
                diff = [k for k, a, b in zip(KEYS, w, h) if a != b]
                detail = ", ".join("%s station %s model %s" % (k, h[KEYS.index(k)] or "-",
                                                               w[KEYS.index(k)] or "-")
                                   if k in ("lost_on", "burden_pct") else k + " differs"
                                   for k in diff)
                msgs.append("person %s: period acquired %s: %s" % (code, acq, detail))
    for code in sorted(got):
        msgs.append("person %s: the station has periods for a person the model does not know" % code)
    return msgs


def statuses(sim):
    st = {r[0]: r[1] for r in sim.P.sql("SELECT person_code, status FROM residents")}
    msgs = []
    for code, p in sim.town.people.items():
        if st.get(code) != p.status:
            msgs.append("person %s: status station %s model %s" % (code, st.get(code), p.status))
    if len(st) != len(sim.town.people):
        msgs.append("the station holds %d residents, the model %d" % (len(st), len(sim.town.people)))
    return msgs


def cards(sim):
    msgs = []
    rows = sim.P.sql("SELECT c.id, r.person_code, c.state FROM cards c JOIN residents r "
                     "ON r.id = c.resident_id")
    st = {int(r[0]): (r[1], r[2]) for r in rows}
    for cid, (code, state) in sorted(st.items()):
        c = sim.cards.get(cid)
        if state == "active" and (not c or c["owner"] != code):
            msgs.append("card %d: active at the station for person %s, the model says %s" % (
                cid, code, c["owner"] if c else "no such card"))
    for cid, c in sorted(sim.cards.items()):
        if cid not in st:
            msgs.append("card %d: the station does not know it" % cid)
        elif st[cid][1] != c["state"]:
            msgs.append("card %d: state station %s model %s" % (cid, st[cid][1], c["state"]))
    return msgs


def center(sim):
    """No record twice, none missing, nothing left open."""
    msgs = []
    dup = sim.P.csql("SELECT record_id FROM record GROUP BY station_id, record_id HAVING count(*) > 1")
    if dup:
        msgs.append("the center holds %d records twice" % len(dup))
    n_center = int(sim.P.csql("SELECT count(*) FROM record WHERE station_id = 'ST01'")[0][0])
    n_station = int(sim.P.sql("SELECT count(*) FROM queue_records")[0][0])
    n_open = int(sim.P.sql("SELECT count(*) FROM queue_records WHERE acked_at IS NULL")[0][0])
    ids_c = {r[0] for r in sim.P.csql("SELECT record_id FROM record WHERE station_id = 'ST01'")}
    ids_s = {r[0] for r in sim.P.sql("SELECT record_id FROM queue_records WHERE acked_at IS NOT NULL")}
    if ids_s - ids_c:
        msgs.append("%d records acknowledged at the station are missing at the center" % len(ids_s - ids_c))
    if n_open == 0 and n_center != n_station:
        msgs.append("the center holds %d records, the station queued %d" % (n_center, n_station))
    return msgs, n_open


def expected(sim, c, day):
    p = sim.town.people[c["owner"]]
    if c["state"] != "active":
        return "revoked", None
    per = p.open_period(day)
    if not per:
        return "not_insured", None
    return "insured", (per["symbol"], per["number"])


def clinic(sim, day, cids):
    """Each card through pcscd and nhicard-clinic, against the model."""
    msgs = []
    for cid in cids:
        c = sim.cards[cid]
        want, nums = expected(sim, c, day)
        sim.P.card_insert(c["file"])
        rc, out = sim.P.clinic("check")
        sim.P.card_remove()
        if "center: INSURED on" in out:
            got = "insured"
        elif "the card is revoked" in out:
            got = "revoked"
        elif "NOT INSURED" in out:
            got = "not_insured"
        else:
            got = "no answer (exit %d)" % rc
        if got != want:
            msgs.append("card %d (person %s): the clinic says %s, the model %s" % (cid, c["owner"], got, want))
        elif nums and ("記号: %s  番号: %s " % nums) not in out:
            msgs.append("card %d (person %s): the clinic's 記号番号 differ from the model's" % (cid, c["owner"]))
    return msgs


def held(sim):
    """Nothing the year's register sent should be held for a clerk: every
    change is in order and true, so an item held is a station that
    misjudged a normal event (kind, rule and person code named)."""
    msgs = []
    for kind, rule, code in sim.P.sql(
            "SELECT kind, substr(reason, 1, instr(reason || ':', ':') - 1), person_code "
            "FROM held_items WHERE id > %d ORDER BY id" % sim.held_base):
        msgs.append("person %s: held for a clerk: %s %s" % (code, kind, rule))
    return msgs


def all(sim, day, final):
    msgs = periods(sim) + statuses(sim) + cards(sim) + held(sim)
    rc, out = sim.P.nh("db", "check")
    if rc != 0:
        msgs.append("db check exited %d: %s" % (rc, out.strip().splitlines()[-1:]))
    rc, out = sim.P.nh("audit", "verify")
    if rc != 0:
        msgs.append("audit verify exited %d: %s" % (rc, out.strip().splitlines()[-1:]))
    if not sim.center_down:
        if not final:
            sim.P.nh("queue", "send")
        m, n_open = center(sim)
        msgs += m
        if final and n_open:
            msgs.append("%d records still open at the station after the last send" % n_open)
        cids = sorted(sim.cards)
        if not final:
            r = sim.rng
            cids = sorted(r.sample(cids, min(len(cids), sim.a.sample)))
        msgs += clinic(sim, day, cids)
    return msgs


def selfcheck(sim, day):
    """The checks can fail: one period changed at the station and one card
    revoked at the center behind the programs' backs must each be caught
    (then both are put back). Returns how many of the two were caught."""
    caught = 0
    row = sim.P.sql("SELECT e.id, r.person_code, coalesce(e.lost_on, '') FROM eligibility_periods e "
                    "JOIN residents r ON r.id = e.resident_id WHERE e.superseded_by IS NULL "
                    "ORDER BY e.id LIMIT 1")[0]
    sim.P.sql("UPDATE eligibility_periods SET lost_on = '2099-01-01' WHERE id = %s" % row[0])
    if any(m.startswith("person %s: period acquired" % row[1]) for m in periods(sim)):
        caught += 1
    sim.P.sql("UPDATE eligibility_periods SET lost_on = %s WHERE id = %s" % (
        "'%s'" % row[2] if row[2] else "NULL", row[0]))
    active = [cid for cid, c in sorted(sim.cards.items()) if c["state"] == "active"]
    if active:
        un = sim.cards[active[0]]["un"]
        sim.P.csql("UPDATE elig_card SET revoked = 1 WHERE user_number = '%s'" % un)
        if clinic(sim, day, active[:1]):
            caught += 1
        sim.P.csql("UPDATE elig_card SET revoked = 0 WHERE user_number = '%s'" % un)
    return caught

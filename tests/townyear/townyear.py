#!/usr/bin/env python3
"""townyear.py: a year in the life of a town (issue 26).

    townyear.py --full FULL.csv --days N [--seed S] [--cards K] [--faults]
                [--checkpoints N] [--summary FILE]

Replays a town's days through the real programs (tests/townyear/
station.py): each day the register's change extract, on business days the
counter (cards issued, loss reports, cards found and reinstated,
replacements with or without a fee waiver, certificates reprinted) and the
queue's send to the center (online, or on removable media on some days);
the annual renewal run; faults on a schedule. At checkpoints and at the end
it compares the station and the center with the model (tests/townyear/
check.py). Prints one `mismatch: ...` line per difference (ids only) and
writes the figures to --summary as `key value` lines.
"""

import argparse
import datetime as dt
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from town import Town, d  # noqa: E402
from station import Programs  # noqa: E402
import check  # noqa: E402


class Sim:
    def __init__(self, a):
        self.a = a
        self.P = Programs(os.environ)
        self.town = None
        self.rng = random.Random(a.seed + 1)
        self.cards = {}         # station card id -> dict(owner, file, state, un)
        self.faults = {}
        self.problems = []
        self.card_seq = 0
        self.pending = []       # late extract files to deliver
        self.center_down = False
        self.pre_seen = set()   # person codes a pre-issuance run has looked at
        self.pre_fault_done = False

    def fail(self, msg):
        self.problems.append(msg)
        print("mismatch: " + msg, flush=True)

    def fault(self, kind):
        self.faults[kind] = self.faults.get(kind, 0) + 1

    # ---- the register's extract
    def import_file(self, path, day, kill_at=None):
        extra = {"NHICARD_TEST_KILL_AT_COMMIT": str(kill_at)} if kill_at else None
        rc, out = self.P.nh("import", path, extra=extra)
        if kill_at:
            self.fault("kill9_import")
            if rc != -9:
                self.fail("day %s: import killed at commit %d exited %d, not SIGKILL" % (day, kill_at, rc))
            rc, out = self.P.nh("import", path)     # the clerk runs it again
        if rc != 0:
            self.fail("day %s: import %s exited %d: %s" % (day, os.path.basename(path), rc,
                                                          out.strip().splitlines()[-1:]))
        return out

    def full_disk(self, path, day):
        """The station's disk full for an "hour": the import and a send
        fail cleanly, the ballast goes, the clerk runs them again."""
        ballast = self.P.fill_disk()
        self.fault("full_disk")
        rc, out = self.P.nh("import", path)
        if rc == 0:
            self.fail("day %s: an import on a full disk exited 0" % day)
        elif "disk full" not in out and "No space" not in out and "full" not in out:
            self.fail("day %s: an import on a full disk exited %d without saying the disk is full: %s"
                      % (day, rc, out.strip().splitlines()[-1:]))
        rc, out = self.P.nh("queue", "send")
        os.unlink(ballast)
        self.P.log.write("# full disk: queue send exited %d\n" % rc)

    def extract(self, day, lines):
        path = os.path.join(self.P.tmp, "ext", "change-%s.csv" % day.isoformat())
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(l + "\n" for l in lines))
        return path

    # ---- the counter
    def card_file(self):
        self.card_seq += 1
        return os.path.join(self.P.tmp, "cards", "c%05d" % self.card_seq)

    def holder_card(self, code, states=("active",)):
        for cid, c in self.cards.items():
            if c["owner"] == code and c["state"] in states:
                return cid
        return None

    def record_new_card(self, code, path, day):
        rows = self.P.sql("SELECT c.id, lower(hex(c.user_number)) FROM cards c JOIN residents r "
                          "ON r.id = c.resident_id WHERE r.person_code = '%s' AND "
                          "c.state = 'active'" % code)
        if len(rows) != 1:
            self.fail("day %s: person %s: %d active cards after an issue" % (day, code, len(rows)))
            return
        cid = int(rows[0][0])
        self.cards[cid] = {"owner": code, "file": path, "state": "active", "un": rows[0][1]}

    def issue(self, day, p, faults, waived=False):
        """A card issued at the counter (a replacement when the person's
        card is suspended: that one becomes revoked, replaced)."""
        path = self.card_file()
        tear = faults and self.rng.random() < 0.25
        opts = ["--kind", "standalone", "-o", "keys=" + self.P.e["KEYS"]]
        args = ["issue", "--path", "standalone", "--no-print"]
        if waived:
            args += ["--fee-waived", "low_income"]
        if tear:
            n = 4 + self.rng.randrange(20)
            self.P.card_insert(path, *(opts + ["--tear-after", str(n)]))
        else:
            self.P.card_insert(path, *opts)
        kill = None
        # Replacements too: a kill between the new card's activation and
        # the old one's "replaced" is finished by the rerun (issue-26f's
        # fix 7; docs/reliability.md).
        if faults and self.a.kill and not tear and self.rng.random() < 0.2:
            kill = 1 + self.rng.randrange(3)
        extra = {"NHICARD_TEST_KILL_AT_COMMIT": str(kill)} if kill else None
        rc, out = self.P.nh(*(args + [p.code]), extra=extra)
        if kill and rc == -9:
            # The station died mid-issue: the clerk puts the same card back
            # and runs the same command again. Killed after the card was
            # recorded active, the rerun finds it issued and finishes the
            # steps after the card (a station without that fix refused:
            # "already carries an active NHI AP", taken as issued here, the
            # card check then sees any replacement left undone).
            self.fault("kill9_issue")
            self.P.card_insert(path)
            rc, out = self.P.nh(*(args + [p.code]))
            if rc == 1 and "already carries an active NHI AP" in out:
                rc = 0
        if tear and rc != 0:
            # The card was pulled: the clerk puts it back and runs it again.
            self.fault("card_pulled")
            self.P.card_insert(path)
            rc, out = self.P.nh(*(args + [p.code]))
        self.P.card_remove()
        if rc != 0:
            self.fail("day %s: issue to person %s exited %d: %s" % (day, p.code, rc,
                                                                  out.strip().splitlines()[-1:]))
            return
        for c in self.cards.values():
            if c["owner"] == p.code and c["state"] == "suspended":
                c["state"] = "revoked"      # replaced
        self.record_new_card(p.code, path, day)

    def preissue(self, day, faults):
        """The town's monthly pre-issuance run for newcomers (docs/batch.md
        "Pre-issuance"): the insured who joined since the last run and
        hold no card, at most --preissue-cap of them (the card volume a
        test can afford through pcscd), prepared as a list run and fed one
        blank standalone card each. One run has a kill -9 at a commit of
        the feed (or, without test hooks, a card pulled mid-write): the
        clerk puts the same card back and feeds again."""
        t = self.town
        new = sorted(c for c in t.people if c not in self.pre_seen)
        self.pre_seen.update(new)
        who = [c for c in new if t.people[c].status == "resident" and t.people[c].insured_on(day)
               and not self.holder_card(c, ("active", "suspended"))]
        who = who[:self.a.preissue_cap]
        if not who:
            return
        lst = os.path.join(self.P.tmp, "print", "preissue-%s.txt" % day.isoformat())
        with open(lst, "w") as f:
            f.write("".join(c + "\n" for c in who))
        rc, out = self.P.nh("batch", "preissue", "prepare", "list", lst)
        m = re.search(r"run (B-\S+) \(id (\d+)\)", out)
        if rc != 0 or not m:
            self.fail("day %s: batch preissue prepare exited %d: %s" % (day, rc, out.strip().splitlines()[-1:]))
            return
        run, rid = m.group(1), int(m.group(2))
        t.count("preissue_run")
        items = self.P.sql("SELECT r.person_code, p.path FROM batch_items b JOIN residents r ON "
                           "r.id = b.resident_id JOIN preissue_items p ON p.item_id = b.id "
                           "WHERE b.run_id = %d AND b.state = 'prepared' ORDER BY b.seq" % rid)
        n = len(items)
        fault = faults and day >= self.fault_day["preissue"] and not self.pre_fault_done
        for i, (code, kind) in enumerate(items):
            path = self.card_file()
            opts = ["-o", "keys=" + self.P.e["KEYS"]]
            if kind == "standalone":
                opts += ["--kind", "standalone"]
            else:
                # The newcomer's own Juki card, matched by its four items.
                rec = t.people[code].rec
                opts += ["--kind", "juki", "-o", "name=" + rec["name_kanji"], "-o",
                         "birth=" + rec["birth_date"].replace("-", ""), "-o", "sex=" + rec["sex"],
                         "-o", "address=" + rec["address"], "-o", "municipality=131016"]
            extra = None
            if fault and i == 0:
                self.pre_fault_done = True
                if self.a.kill:
                    extra = {"NHICARD_TEST_KILL_AT_COMMIT": str(1 + self.rng.randrange(3))}
                else:
                    opts += ["--tear-after", str(4 + self.rng.randrange(20))]
            rc, out = self.P.feed_one(run, path, opts, extra)
            if extra or "--tear-after" in opts:
                self.fault("kill9_preissue_feed" if extra else "preissue_card_pulled")
                if extra and rc != -9:
                    self.fail("day %s: a feed killed at a commit exited %d, not SIGKILL" % (day, rc))
                # The clerk puts the same card back and feeds again.
                rc, out = self.P.feed_one(run, path)
            if rc != 0:
                self.fail("day %s: preissue feed of run %s exited %d: %s" % (
                    day, run, rc, out.strip().splitlines()[-1:]))
            for (code,) in self.P.sql("SELECT r.person_code FROM batch_items b JOIN residents r ON "
                                      "r.id = b.resident_id WHERE b.run_id = %d AND "
                                      "b.state = 'done'" % rid):
                if not self.holder_card(code):
                    self.record_new_card(code, path, day)
                    t.count("preissue_card")
        done = self.P.sql("SELECT count(*) FROM batch_items WHERE run_id = %d AND state = 'done'" % rid)
        if int(done[0][0]) != n:
            self.fail("day %s: preissue run %s: %s of %d prepared items done" % (day, run, done[0][0], n))
        for _ in range(len(who) - n):
            t.count("preissue_exception")

    def counter(self, day, faults):
        t = self.town
        k = self.a.cards / 245.0      # business days in a year
        n_issue = self.rng.random() < k
        if n_issue:
            p = t.pick(lambda q: q.insured_on(day) and not self.holder_card(q.code, ("active", "suspended")))
            if p:
                self.issue(day, p, faults)
                t.count("counter_issue")
        # Loss reports: about a quarter of the cards in a year.
        active = sorted(cid for cid, c in self.cards.items() if c["state"] == "active"
                        and t.people[c["owner"]].status == "resident")
        if active and self.rng.random() < k / 4:
            cid = active[self.rng.randrange(len(active))]
            rc, out = self.P.nh("revoke", "--card", str(cid), "--reason", "lost",
                                "--reported-by", "holder", "--how", "counter")
            if rc != 0:
                self.fail("day %s: loss report of card %d exited %d" % (day, cid, rc))
            else:
                self.cards[cid]["state"] = "suspended"
                self.cards[cid]["since"] = day
                t.count("loss_report")
        # A suspended card found (half of them, within a week) or replaced.
        for cid, c in sorted(self.cards.items()):
            if c["state"] != "suspended" or t.people[c["owner"]].status != "resident":
                continue
            age = (day - c["since"]).days
            if age >= 3 and self.rng.random() < 0.5 and not c.get("decided"):
                c["decided"] = True
                rc, out = self.P.nh("reinstate", "--card", str(cid))
                if rc != 0:
                    self.fail("day %s: reinstating card %d exited %d" % (day, cid, rc))
                else:
                    c["state"] = "active"
                    t.count("found_reinstated")
            elif age >= 7 and t.people[c["owner"]].insured_on(day):
                waived = self.rng.random() < 0.3
                n = len(self.cards)
                self.issue(day, t.people[c["owner"]], faults, waived)
                if len(self.cards) > n:
                    t.count("replacement_waived" if waived else "replacement")
        # Reprints of a certificate.
        if self.rng.random() < k / 4:
            p = t.pick(lambda q: q.insured_on(day))
            if p:
                rc, out = self.P.nh("print", "certificate", p.code, "--reason", "worn", "-o",
                                    os.path.join(self.P.tmp, "print", "cert-%s.pdf" % p.code))
                if rc != 0:
                    self.fail("day %s: reprint for person %s exited %d: %s" % (day, p.code, rc,
                                                                              out.strip().splitlines()[-1:]))
                else:
                    t.count("reprint")

    def eligibility_ended(self, day):
        """After an import the station revokes every active card whose
        holder has no period in force today (docs/lifecycle.md)."""
        for c in self.cards.values():
            if c["state"] == "active" and not self.town.people[c["owner"]].insured_on(day):
                c["state"] = "revoked"
                self.town.count("revoke_eligibility_ended")

    def deaths_to_revoke(self, day):
        """The register's deaths: the clerk revokes the card (reason died)."""
        for cid, c in sorted(self.cards.items()):
            if c["state"] in ("active", "suspended") and self.town.people[c["owner"]].status == "deceased":
                rc, out = self.P.nh("revoke", "--card", str(cid), "--reason", "died",
                                    "--reported-by", "register", "--how", "mail")
                if rc != 0:
                    self.fail("day %s: revoking card %d (died) exited %d: %s" % (
                        day, cid, rc, out.strip().splitlines()[-1:]))
                else:
                    c["state"] = "revoked"
                    self.town.count("revoke_died")

    # ---- the queue
    def send(self, day, faults):
        if self.center_down:
            self.P.center_start()
            self.center_down = False
        media = day.toordinal() % 11 == 0
        if faults and day == self.fault_day["center_down"]:
            self.P.center_stop()
            self.center_down = True
            self.fault("center_down")
            rc, out = self.P.nh("queue", "send")
            if rc != 5 and not (rc == 0 and "nothing to send" in out):
                self.fail("day %s: queue send with the center down exited %d, not 5" % (day, rc))
            return
        if media:
            dd = os.path.join(self.P.tmp, "media", day.isoformat())
            os.makedirs(dd)
            rc, out = self.P.nh("queue", "export", dd)
            if rc != 0:
                self.fail("day %s: queue export exited %d" % (day, rc))
                return
            if not any(f.endswith(".cms") for f in os.listdir(dd)):
                return
            k = self.P.e["KEYS"]
            os.makedirs(dd + "/ack")
            rc, out = self.P.center_cmd("import", "--key", k + "/test-center.key", "--cert",
                                        k + "/test-center.crt", "--ca", k + "/test-queue-ca.crt",
                                        "--out", dd + "/ack", dd)
            if rc != 0:
                self.fail("day %s: nhicard-center import exited %d: %s" % (day, rc, out[-200:]))
                return
            acks = sorted(os.path.join(dd, "ack", f) for f in os.listdir(dd + "/ack"))
            rc, out = self.P.nh("queue", "import-ack", *acks)
            if rc != 0:
                self.fail("day %s: queue import-ack exited %d: %s" % (day, rc, out[-200:]))
            if faults and day >= self.fault_day["dup_ack"] and not self.faults.get("duplicate_ack"):
                self.fault("duplicate_ack")
                before = self.P.sql("SELECT count(*), max(acked_at) FROM queue_records")
                rc, out = self.P.nh("queue", "import-ack", *acks)
                if rc != 3 or "already imported; nothing changed" not in out:
                    self.fail("day %s: the same acknowledgement again exited %d: %s" % (
                        day, rc, out[-200:]))
                if self.P.sql("SELECT count(*), max(acked_at) FROM queue_records") != before:
                    self.fail("day %s: the same acknowledgement again changed the queue" % day)
            self.town.count("send_media")
            return
        if faults and day in self.fault_day["net_cut"]:
            # The network goes away mid-send; the clerk sends again later.
            direction = "up" if day.toordinal() % 2 else "down"
            self.P.cut_start(direction, 200 + self.rng.randrange(6000))
            rc, out = self.P.nh("queue", "send")
            self.P.cut_stop()
            self.fault("net_cut_" + direction)
            if rc not in (0, 5):
                self.fail("day %s: queue send cut %s exited %d (0 or 5 expected): %s" % (
                    day, direction, rc, out.strip().splitlines()[-1:]))
        kill = None
        if faults and self.a.kill and day in self.fault_day["kill_send"]:
            kill = 1 + self.rng.randrange(2)
            self.fault("kill9_send")
        extra = {"NHICARD_TEST_KILL_AT_COMMIT": str(kill)} if kill else None
        rc, out = self.P.nh("queue", "send", extra=extra)
        if kill:
            rc, out = self.P.nh("queue", "send")
        if rc != 0:
            self.fail("day %s: queue send exited %d: %s" % (day, rc, out.strip().splitlines()[-1:]))
        self.town.count("send_online")

    # ---- the year
    def schedule(self, first, days):
        r = random.Random(self.a.seed + 2)

        def weekday(x):
            while x.weekday() >= 5:
                x += dt.timedelta(days=1)
            return x

        def some(n):
            return {weekday(first + dt.timedelta(days=1 + r.randrange(days - 4))) for _ in range(n)}
        self.fault_day = {
            "dup_extract": some(2), "late_extract": some(2), "kill_import": some(3),
            "kill_send": some(3), "net_cut": some(2), "full_disk": some(1) if self.a.disk else set(),
            "center_down": weekday(first + dt.timedelta(days=days // 3)),
            "dup_ack": weekday(first + dt.timedelta(days=days // 2)),
            "preissue": first + dt.timedelta(days=days // 4),
        }

    def year(self):
        a = self.a
        P = self.P
        for sub in ("ext", "cards", "print", "media", "renew", "visits"):
            os.makedirs(os.path.join(P.tmp, sub), exist_ok=True)
        self.town = Town(a.full, a.seed, a.insurer)
        t = self.town
        first = d(a.start)
        P.set_day(first)
        rc, out = P.nh("import", a.full)
        if rc != 0:
            self.fail("the full extract: import exited %d: %s" % (rc, out[-300:]))
            return
        # Items the full extract itself left for a clerk are the town's
        # before the year; any later one is a mismatch (check.held).
        self.held_base = int(P.sql("SELECT coalesce(max(id), 0) FROM held_items")[0][0])
        P.center_start()
        self.pre_seen = set(t.people)       # the full extract's people are not newcomers
        self.schedule(first, a.days)
        checkpoints = {first + dt.timedelta(days=a.days * i // (a.checkpoints + 1))
                       for i in range(1, a.checkpoints + 1)}
        renewal = first + dt.timedelta(days=a.renewal_after)
        t0 = time.time()
        late = None
        for i in range(1, a.days + 1):
            day = first + dt.timedelta(days=i)
            P.set_day(day)
            if late is not None:
                t.fence = day - dt.timedelta(days=1)
            lines = t.day(day)
            t.fence = None
            path = self.extract(day, lines)
            f = a.faults
            if f and day in self.fault_day["late_extract"] and late is None:
                late = path         # arrives tomorrow, after tomorrow's
                self.fault("late_extract")
            else:
                kill = 1 if f and a.kill and day in self.fault_day["kill_import"] else None
                if f and day in self.fault_day["full_disk"]:
                    self.full_disk(path, day)
                self.import_file(path, day, kill)
                if late:
                    self.import_file(late, day)
                    late = None
                self.eligibility_ended(day)
                if f and day in self.fault_day["dup_extract"]:
                    self.fault("extract_twice")
                    out = self.import_file(path, day)
                    if "0 new, 0 updated" not in out:
                        self.fail("day %s: the same extract again changed something" % day)
            business = day.weekday() < 5
            if business:
                self.deaths_to_revoke(day)
                self.counter(day, f)
            # The first business day of a month: the pre-issuance run.
            if business and day.day <= 3 and (day.day == 1 or day.weekday() == 0):
                self.preissue(day, f)
            if day == renewal:
                dd = os.path.join(P.tmp, "renew")
                rc, out = P.nh("batch", "renew", "--quiet", "-d", dd, "--from", a.renewal_from, "all")
                if rc != 0:
                    self.fail("day %s: batch renew exited %d: %s" % (day, rc, out[-300:]))
                t.count("renewal_run")
            if business and late is None:
                self.send(day, f)
            if day in checkpoints:
                self.check(day, final=False)
        # The last day: everything sent, then the truth.
        if self.center_down:
            P.center_start()
        if late:
            self.import_file(late, day)
        rc, out = P.nh("queue", "send")
        if rc != 0:
            self.fail("the last send exited %d: %s" % (rc, out[-300:]))
        elapsed = time.time() - t0
        self.check(day, final=True)
        caught = check.selfcheck(self, day) if not self.problems else -1
        P.card_remove()
        P.center_stop()
        s = {"days": a.days, "residents": len(t.residents()), "seconds": "%.1f" % elapsed,
             "days_per_min": "%.1f" % (a.days * 60.0 / max(elapsed, 0.001)),
             "operations": P.ops, "events": sum(v for k, v in t.counts.items()),
             "faults": sum(self.faults.values()), "mismatches": len(self.problems),
             "cards": len(self.cards), "selfcheck_caught": caught}
        for k, v in sorted(t.counts.items()):
            s["count_" + k] = v
        for k, v in sorted(self.faults.items()):
            s["fault_" + k] = v
        with open(a.summary, "w") as f:
            for k, v in s.items():
                f.write("%s %s\n" % (k, v))

    def check(self, day, final):
        for m in check.all(self, day, final):
            self.fail("day %s: %s" % (day, m))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", required=True)
    ap.add_argument("--start", default="2027-04-01")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--cards", type=int, default=30)
    ap.add_argument("--insurer", default="390013")
    ap.add_argument("--faults", action="store_true")
    ap.add_argument("--full-disk", dest="disk", action="store_true",
                    help="the station's directory is a small tmpfs: fill it once")
    ap.add_argument("--no-kill", dest="kill", action="store_false",
                    help="no kill -9 at a commit (a build without --enable-test-hooks)")
    ap.add_argument("--preissue-cap", type=int, default=2,
                    help="newcomers pre-issued per monthly run (cards through pcscd)")
    ap.add_argument("--checkpoints", type=int, default=2)
    ap.add_argument("--sample", type=int, default=6)
    ap.add_argument("--renewal-after", type=int, default=105)
    ap.add_argument("--renewal-from", default="2027-08-01")
    ap.add_argument("--summary", required=True)
    a = ap.parse_args()
    sim = Sim(a)
    try:
        sim.year()
    finally:
        try:
            sim.P.card_remove()
        except Exception:
            pass
        sim.P.center_stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

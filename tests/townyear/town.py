"""town.py: the simulated town and its truth (issue 26).

The model starts from the full extract bench/gen-extract wrote and keeps,
for every person code, what the register says (household, name, address,
status) and every NHI period as the town's NHI system knows it. Each day
it draws the day's register events at a real town's rates (docs/
reliability.md "Rates"), applies them to itself and returns them as change
extract lines in the register's format (docs/formats.md). Deterministic by
seed: the same seed gives the same year.
"""

import csv
import datetime as dt
import math
import random

FIELDS = ["event", "event_date", "person_code", "household_code", "head",
          "name_kanji", "name_kana", "birth_date", "sex", "address",
          "address_code", "nationality", "residence_status", "stay_until",
          "insurer_number", "symbol", "number", "branch", "cert_kind",
          "short_months", "acquired_on", "lost_on", "valid_until",
          "burden_pct", "burden_from", "special_address"]
NHI = FIELDS[14:]

# Yearly rates per resident (docs/reliability.md "Rates" gives the sources).
RATES = {
    "birth": 0.0045,        # 本山町-like old town: fewer births than Japan's 6/1000
    "death": 0.019,         # old rural town (高知県 郡部 ~18-20/1000)
    "move_in": 0.030,       # 住民基本台帳人口移動報告: ~3% a year for small towns
    "move_out": 0.034,
    "move_within": 0.020,
    "name_change": 0.004,   # marriages 4/1000, mostly one spouse renamed
    "split": 0.006,         # households splitting (世帯分離)
    "nhi_loss": 0.060,      # of the insured: joining employee insurance
    "nhi_join": 0.025,      # of the uninsured under 75: leaving a job
}
SURNAMES = [("山田", "ヤマダ"), ("田中", "タナカ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"),
            ("高橋", "タカハシ"), ("伊藤", "イトウ"), ("中村", "ナカムラ"), ("小林", "コバヤシ"),
            ("岡林", "オカバヤシ"), ("和田", "ワダ"), ("森", "モリ"), ("西村", "ニシムラ")]
GIVEN = [("太郎", "タロウ", 1), ("一郎", "イチロウ", 1), ("健", "ケン", 1), ("翔", "ショウ", 1),
         ("大輝", "ダイキ", 1), ("花子", "ハナコ", 2), ("陽子", "ヨウコ", 2), ("美咲", "ミサキ", 2),
         ("結衣", "ユイ", 2), ("恵", "メグミ", 2)]
FOREIGN = [("グエン", "グエン", "VNM"), ("サントス", "サントス", "PHL"), ("ワン", "ワン", "CHN")]


def d(s):
    return dt.date.fromisoformat(s) if s else None


def years_on(birth, day):
    """Age in years on day (the birthday counts from the day before it,
    as the law counts; the model uses the calendar birthday)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def poisson(rng, lam):
    if lam <= 0:
        return 0
    k, p, L = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


class Person:
    __slots__ = ("code", "rec", "status", "periods", "touched")

    def __init__(self, code, rec):
        self.code = code
        self.rec = rec          # the register's fields 4-14 (dict)
        self.status = "resident"
        self.periods = []       # dicts of the NHI fields, acquired_on the key
        self.touched = None     # the last day an event was sent for

    def open_period(self, day):
        """The period in force on day, or None."""
        for p in self.periods:
            if d(p["acquired_on"]) <= day and (not p["lost_on"] or day < d(p["lost_on"])):
                return p
        return None

    def last_period(self):
        return self.periods[-1] if self.periods else None

    def insured_on(self, day):
        return self.open_period(day) is not None


class Town:
    def __init__(self, full_csv, seed, insurer):
        self.rng = random.Random(seed)
        self.insurer = insurer
        self.people = {}
        self.households = {}    # household code -> set of person codes
        self.next_code = 0
        self.next_hh = 0
        self.next_number = 0
        self.counts = {}
        self.fence = None       # persons touched since then are left alone
        self.today = None
        with open(full_csv, encoding="utf-8") as f:
            for row in csv.reader(f):
                if not row or row[0] != "FULL":
                    continue
                r = dict(zip(FIELDS, row))
                p = Person(r["person_code"], {k: r[k] for k in FIELDS[3:14]})
                if r["insurer_number"]:
                    p.periods.append({k: r[k] for k in NHI})
                self.people[p.code] = p
                self.households.setdefault(r["household_code"], set()).add(p.code)
                self.next_code = max(self.next_code, int(p.code))
                self.next_hh = max(self.next_hh, int(r["household_code"]))
                if r["number"].isdigit():
                    self.next_number = max(self.next_number, int(r["number"]))
        self.keys = sorted(self.people)
        self.four = {}          # the four basic items -> how many share them
        self.branches = {}      # 番号 -> the highest 枝番 given
        self.by_birthday = {}   # (month, day) -> person codes
        self.by_stay = {}       # stay_until -> person codes
        for p in self.people.values():
            self.index(p)
            self.four_add(p.rec, 1)
            for per in p.periods:
                self.branch_seen(per)

    # ---- helpers
    def residents(self):
        return [p for p in self.people.values() if p.status == "resident"]

    def line(self, event, day, p, nhi=None):
        r = dict(p.rec)
        r["event"] = event
        r["event_date"] = day.isoformat()
        r["person_code"] = p.code
        per = nhi if nhi is not None else p.last_period()
        for k in NHI:
            r[k] = per[k] if per else ""
        return ",".join(r[k] for k in FIELDS)

    def busy(self, p):
        """An event was sent for p today (or since the fence: a late file
        must not meet a later event for the same person)."""
        return p.touched is not None and p.touched >= (self.fence or self.today)

    def pick(self, pred, tries=60):
        """A resident not touched today for whom pred holds."""
        for _ in range(tries):
            p = self.people[self.keys[self.rng.randrange(len(self.keys))]]
            if p.status == "resident" and not self.busy(p) and pred(p):
                return p
        return None

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def new_code(self):
        self.next_code += 1
        return str(self.next_code)

    def new_household(self):
        self.next_hh += 1
        return str(self.next_hh)

    def new_number(self):
        self.next_number += 1
        return "%06d" % self.next_number

    @staticmethod
    def four_key(rec):
        return (rec["name_kanji"].replace(" ", ""), rec["birth_date"], rec["sex"],
                rec["address"])

    def four_add(self, rec, n):
        k = self.four_key(rec)
        self.four[k] = self.four.get(k, 0) + n

    def unique_person(self, rec):
        """True when nobody in the town shares the four basic items."""
        return self.four.get(self.four_key(rec), 0) == 0

    def index(self, p):
        b = p.rec["birth_date"]
        self.by_birthday.setdefault((int(b[5:7]), int(b[8:10])), []).append(p.code)
        if p.rec["stay_until"]:
            self.by_stay.setdefault(p.rec["stay_until"], []).append(p.code)

    def set_rec(self, p, rec):
        self.four_add(p.rec, -1)
        stay = p.rec["stay_until"]
        p.rec = rec
        self.four_add(rec, 1)
        if rec["stay_until"] and rec["stay_until"] != stay:
            self.by_stay.setdefault(rec["stay_until"], []).append(p.code)

    def branch_seen(self, per):
        if per["branch"].isdigit():
            self.branches[per["number"]] = max(self.branches.get(per["number"], 0),
                                               int(per["branch"]))

    def period_for(self, day, hh_number, branch, birth, addr_code):
        age70 = years_on(birth, day) >= 70
        if age70:
            b70 = dt.date(birth.year + 70, birth.month, min(birth.day, 28))
            start = b70 if birth.day == 1 else \
                dt.date(b70.year + b70.month // 12, b70.month % 12 + 1, 1)
            first = max(start, dt.date(day.year, day.month, 1))
        return {"insurer_number": self.insurer, "symbol": addr_code or "01",
                "number": hh_number, "branch": branch, "cert_kind": "1",
                "short_months": "", "acquired_on": day.isoformat(), "lost_on": "",
                "valid_until": self.valid_until(day),
                "burden_pct": "20" if age70 else "", "burden_from": first.isoformat() if age70 else "",
                "special_address": "0"}

    def valid_until(self, day):
        y = day.year + (1 if day.month >= 8 else 0)
        return "%d-07-31" % y

    def household_number(self, hh):
        for c in self.households.get(hh, ()):
            per = self.people[c].last_period()
            if per and not per["lost_on"]:
                return per["number"], per["symbol"]
        return None, None

    def next_branch(self, number):
        b = self.branches.get(number, 0) + 1
        self.branches[number] = b
        return "%02d" % b

    def end_open(self, p, lost):
        """Ends p's period open on `lost` (MOVE_OUT, DEATH: the day after)."""
        per = p.last_period()
        if per and (not per["lost_on"] or d(per["lost_on"]) > lost) and d(per["acquired_on"]) < lost:
            per["lost_on"] = lost.isoformat()

    def add(self, p):
        self.people[p.code] = p
        self.index(p)
        self.four_add(p.rec, 1)
        for per in p.periods:
            self.branch_seen(per)
        self.keys.append(p.code)
        self.households.setdefault(p.rec["household_code"], set()).add(p.code)

    # ---- one day
    def day(self, day):
        """The register's change lines for `day` (and applies them)."""
        self.today = day
        res = self.residents()
        n = len(res)
        insured = sum(1 for p in res if p.insured_on(day))
        lines = []

        def draw(rate, base):
            return poisson(self.rng, rate * base / 365.0)

        lines += self.ev_birthdays(day)
        lines += self.ev_stays(day)
        for _ in range(draw(RATES["birth"], n)):
            lines += self.ev_birth(day)
        for _ in range(draw(RATES["death"], n)):
            lines += self.ev_death(day)
        for _ in range(draw(RATES["move_in"], n)):
            lines += self.ev_move_in(day)
        for _ in range(draw(RATES["move_out"], n)):
            lines += self.ev_move_out(day)
        for _ in range(draw(RATES["move_within"], n)):
            lines += self.ev_move_within(day)
        for _ in range(draw(RATES["name_change"], n)):
            lines += self.ev_name_change(day)
        for _ in range(draw(RATES["split"], n)):
            lines += self.ev_split(day)
        for _ in range(draw(RATES["nhi_loss"], insured)):
            lines += self.ev_nhi_loss(day)
        for _ in range(draw(RATES["nhi_join"], n - insured)):
            lines += self.ev_nhi_join(day)
        return lines

    def touch(self, p):
        p.touched = self.today

    def ev_birth(self, day):
        mother = self.pick(lambda p: p.rec["sex"] == "2" and
                           20 <= years_on(d(p.rec["birth_date"]), day) < 45)
        if not mother:
            return []
        hh = mother.rec["household_code"]
        sur = mother.rec["name_kanji"].split(" ")[0]
        skana = mother.rec["name_kana"].split(" ")[0]
        g = GIVEN[self.rng.randrange(len(GIVEN))]
        rec = dict(mother.rec)
        rec.update(head="0", name_kanji="%s %s" % (sur, g[0]),
                   name_kana="%s %s" % (skana, g[1]), birth_date=day.isoformat(), sex=str(g[2]))
        if not self.unique_person(rec):
            return []
        p = Person(self.new_code(), rec)
        number, symbol = self.household_number(hh)
        if number:
            per = self.period_for(day, number, self.next_branch(number), day, rec["address_code"])
            per["symbol"] = symbol
            p.periods.append(per)
        self.add(p)
        self.touch(p)
        self.count("birth")
        return [self.line("BIRTH", day, p)]

    def ev_death(self, day):
        # The older, the likelier: the oldest of three drawn.
        cands = [self.pick(lambda p: True) for _ in range(3)]
        cands = [c for c in cands if c]
        if not cands:
            return []
        p = min(cands, key=lambda c: c.rec["birth_date"])
        self.touch(p)
        p.status = "deceased"
        self.end_open(p, day + dt.timedelta(days=1))
        self.households[p.rec["household_code"]].discard(p.code)
        self.count("death")
        # The register's line carries the person as known, no loss date.
        per = p.last_period()
        nhi = dict(per) if per else None
        if nhi and nhi["lost_on"] == (day + dt.timedelta(days=1)).isoformat():
            nhi["lost_on"] = ""
        return [self.line("DEATH", day, p, nhi if nhi else {})]

    def ev_move_in(self, day):
        hh = self.new_household()
        size = 1 + (self.rng.random() < 0.35) + (self.rng.random() < 0.2)
        insured = self.rng.random() < 0.45
        number = self.new_number() if insured else None
        foreign = self.rng.random() < 0.08
        code = "%02d" % (1 + self.rng.randrange(12))
        addr = "高知県長岡郡本山町本山%d番地" % (1000 + int(hh) % 9000)
        sur = FOREIGN[self.rng.randrange(len(FOREIGN))] if foreign else \
            SURNAMES[self.rng.randrange(len(SURNAMES))]
        lines = []
        for i in range(size):
            g = GIVEN[self.rng.randrange(len(GIVEN))]
            age = 20 + self.rng.randrange(50) if i == 0 else self.rng.randrange(60)
            birth = dt.date(day.year - age, 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
            if birth >= day:
                birth = day - dt.timedelta(days=400)
            rec = {"household_code": hh, "head": "1" if i == 0 else "0",
                   "name_kanji": "%s %s" % (sur[0], g[0]), "name_kana": "%s %s" % (sur[1], g[1]),
                   "birth_date": birth.isoformat(), "sex": str(g[2]), "address": addr,
                   "address_code": code, "nationality": sur[2] if foreign else "",
                   "residence_status": "技能実習" if foreign else "",
                   "stay_until": (day + dt.timedelta(days=200 + self.rng.randrange(500))).isoformat()
                   if foreign else ""}
            if not self.unique_person(rec):
                continue
            p = Person(self.new_code(), rec)
            if insured and years_on(birth, day) < 75:
                p.periods.append(self.period_for(day, number, "%02d" % (i + 1), birth, code))
            self.add(p)
            self.touch(p)
            lines.append(self.line("MOVE_IN", day, p))
            self.count("move_in")
        return lines

    def ev_move_out(self, day):
        p = self.pick(lambda p: True)
        if not p:
            return []
        # Whole household half of the time.
        who = [p]
        if self.rng.random() < 0.5:
            who = [self.people[c] for c in sorted(self.households[p.rec["household_code"]])
                   if self.people[c].status == "resident" and not self.busy(self.people[c])]
        lines = []
        for q in who:
            self.touch(q)
            q.status = "moved_out"
            self.households[q.rec["household_code"]].discard(q.code)
            per = q.last_period()
            nhi = dict(per) if per else {}
            self.end_open(q, day + dt.timedelta(days=1))
            lines.append(self.line("MOVE_OUT", day, q, nhi))
            self.count("move_out")
        return lines

    def ev_move_within(self, day):
        p = self.pick(lambda p: p.rec["head"] == "1")
        if not p:
            return []
        code = "%02d" % (1 + self.rng.randrange(12))
        addr = "高知県長岡郡本山町吉野%d番地" % (1000 + self.rng.randrange(9000))
        lines = []
        for c in sorted(self.households[p.rec["household_code"]]):
            q = self.people[c]
            if q.status != "resident" or (self.busy(q) and q is not p):
                continue
            rec = dict(q.rec, address=addr, address_code=code)
            if not self.unique_person(rec):
                continue
            self.set_rec(q, rec)
            self.touch(q)
            per = q.open_period(day)
            if per and per["symbol"] != code:
                per["symbol"] = code    # the 記号 follows the district
            lines.append(self.line("MOVE_WITHIN", day, q))
            self.count("move_within")
        return lines

    def ev_name_change(self, day):
        p = self.pick(lambda p: 20 <= years_on(d(p.rec["birth_date"]), day) < 50
                      and not p.rec["nationality"])
        if not p:
            return []
        s = SURNAMES[self.rng.randrange(len(SURNAMES))]
        given = p.rec["name_kanji"].split(" ")[-1]
        gkana = p.rec["name_kana"].split(" ")[-1]
        rec = dict(p.rec, name_kanji="%s %s" % (s[0], given), name_kana="%s %s" % (s[1], gkana))
        if rec["name_kanji"] == p.rec["name_kanji"] or not self.unique_person(rec):
            return []
        self.set_rec(p, rec)
        self.touch(p)
        self.count("name_change")
        return [self.line("NAME_CHANGE", day, p)]

    def ev_split(self, day):
        p = self.pick(lambda p: p.rec["head"] == "0" and
                      years_on(d(p.rec["birth_date"]), day) >= 18)
        if not p:
            return []
        hh = self.new_household()
        self.households[p.rec["household_code"]].discard(p.code)
        self.set_rec(p, dict(p.rec, household_code=hh, head="1"))
        self.households.setdefault(hh, set()).add(p.code)
        self.touch(p)
        per = p.open_period(day)
        if per:     # NHI numbers go by household: a new 番号
            per["number"] = self.new_number()
            per["branch"] = "01"
        self.count("split")
        return [self.line("HOUSEHOLD_CHANGE", day, p)]

    def ev_nhi_loss(self, day):
        p = self.pick(lambda p: p.insured_on(day) and d(p.open_period(day)["acquired_on"]) < day)
        if not p:
            return []
        per = p.open_period(day)
        per["lost_on"] = day.isoformat()
        self.touch(p)
        self.count("nhi_loss")
        return [self.line("FULL", day, p, per)]

    def ev_nhi_join(self, day):
        def can(p):
            last = p.last_period()
            stay = p.rec["stay_until"]
            return (not p.insured_on(day) and years_on(d(p.rec["birth_date"]), day) < 74
                    and (not stay or d(stay) > day + dt.timedelta(days=183))
                    and (not last or (last["lost_on"] and d(last["lost_on"]) < day)))
        p = self.pick(can)
        if not p:
            return []
        number, symbol = self.household_number(p.rec["household_code"])
        branch = self.next_branch(number) if number else "01"
        if not number:
            number = self.new_number()
        per = self.period_for(day, number, branch, d(p.rec["birth_date"]), p.rec["address_code"])
        p.periods.append(per)
        self.touch(p)
        self.count("nhi_join")
        return [self.line("FULL", day, p, per)]

    def ev_birthdays(self, day):
        """70th: the burden ratio from the first of the month after (the
        month itself for one born on the 1st); 75th: NHI ends on the
        birthday (後期高齢者医療). A person busy on the day (a late file's
        fence) gets it on one of the next days, dated then."""
        lines = []
        for back in range(8):
            b_day = day - dt.timedelta(days=back)
            for code in self.by_birthday.get((b_day.month, b_day.day), ()):
                p = self.people[code]
                if p.status != "resident" or self.busy(p):
                    continue
                b = d(p.rec["birth_date"])
                per = p.open_period(day)
                if not per:
                    continue
                age = years_on(b, day)
                if age == 75:
                    bd75 = b_day if (b.month, b.day) == (b_day.month, b_day.day) else day
                    if d(per["acquired_on"]) >= bd75:
                        continue
                    per["lost_on"] = bd75.isoformat()
                    self.touch(p)
                    self.count("age75")
                    lines.append(self.line("FULL", day, p, per))
                elif age == 70 and not per["burden_pct"]:
                    bd70 = b_day
                    start = bd70 if bd70.day == 1 else \
                        dt.date(bd70.year + bd70.month // 12, bd70.month % 12 + 1, 1)
                    per["burden_pct"] = "20"
                    per["burden_from"] = start.isoformat()
                    self.touch(p)
                    self.count("age70")
                    lines.append(self.line("FULL", day, p, per))
        return lines

    def ev_stays(self, day):
        """A foreign resident's stay ends: renewed (70%) or they leave."""
        lines = []
        for code in self.by_stay.get(day.isoformat(), ()):
            p = self.people[code]
            if p.status != "resident" or p.rec["stay_until"] != day.isoformat() or self.busy(p):
                continue
            self.touch(p)
            if self.rng.random() < 0.7:
                self.set_rec(p, dict(p.rec, stay_until=(day + dt.timedelta(days=365 * (1 + self.rng.randrange(3)))).isoformat()))
                self.count("stay_renewed")
                lines.append(self.line("FULL", day, p))
            else:
                p.status = "moved_out"
                self.households[p.rec["household_code"]].discard(p.code)
                per = p.last_period()
                nhi = dict(per) if per else {}
                self.end_open(p, day + dt.timedelta(days=1))
                self.count("stay_ended")
                lines.append(self.line("MOVE_OUT", day, p, nhi))
        return lines

"""Random cases, written as facts, for the parity tests of the screens: mostly lawful progressions whose
gaps sit on and around every limit of procedure.md (a month, three, six, a year, working days), with details
of the right kinds and now and then a wrong or missing one, so that every rule both fires and stays quiet.

`cases(seed, n)` is deterministic: a failing seed can be replayed.
"""

import datetime
import random
from dataclasses import replace
from typing import Any

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import LEDGER_COLUMNS, STEPS, STEPS_BY_CODE, Limits
from fazhan.procedure.engine import CaseFacts, MemberFacts, OrgFacts, Rec

D = datetime.date
ORGS = {
    "SZQ": OrgFacts("SZQ", "district_committee", "/SZQ/", 40),
    "LH": OrgFacts("LH", "committee", "/SZQ/LH/", 30),
    "LH-01": OrgFacts("LH-01", "branch", "/SZQ/LH/LH-01/", 9),
    "LH-02": OrgFacts("LH-02", "branch", "/SZQ/LH/LH-02/", 5),
    "LH-Z": OrgFacts("LH-Z", "general_branch", "/SZQ/LH/LH-Z/", 12),
    "LH-Z-1": OrgFacts("LH-Z-1", "branch", "/SZQ/LH/LH-Z/LH-Z-1/", 7),
    "TS": OrgFacts("TS", "committee", "/SZQ/TS/", 20),
    "TS-01": OrgFacts("TS-01", "branch", "/SZQ/TS/TS-01/", 8),
}
BRANCHES = ("LH-01", "LH-02", "LH-Z-1", "TS-01")
# Gaps in days: on and around the limits, and anything.
GAPS = (
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    12,
    14,
    20,
    27,
    28,
    29,
    30,
    31,
    32,
    33,
    45,
    58,
    59,
    60,
    61,
    62,
    89,
    90,
    91,
    92,
    93,
    120,
    150,
    179,
    180,
    181,
    182,
    183,
    184,
    200,
    270,
    300,
    330,
    360,
    364,
    365,
    366,
    367,
    400,
    500,
    540,
    600,
    730,
)
KINDS = ("examination", "thought_report", "training")


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.ids = iter(range(seed * 100_000 + 1, seed * 100_000 + 100_000))
        self.members = self._members()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def gap(self) -> int:
        r = self.rng
        return r.choice(GAPS) if r.random() < 0.85 else r.randint(0, 1500)

    def day(self) -> D:
        return D(2014, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 365 * 9))

    def _members(self) -> dict[str, MemberFacts]:
        out = {}
        for n in range(12):
            status = self.rng.choice(("full", "full", "full", "probationary", ""))
            joined = self.day() - datetime.timedelta(days=self.rng.choice((0, 200, 400, 2000, 4000)))
            full = self.rng.choice(
                (None, joined + datetime.timedelta(days=365 + self.rng.choice((0, 1, 30))))
            )
            probation = ()
            if self.chance(0.15):
                start = self.day()
                probation = ((start, self.rng.choice((None, start + datetime.timedelta(days=365)))),)
            pid = f"M{n:02d}"
            out[pid] = MemberFacts(pid, status, joined, full, probation, self.rng.choice(list(ORGS)))
        return out

    def pids(self, low: int = 0, high: int = 3) -> list[str]:
        pool = [*self.members, "P-OTHER", "M99"]
        return self.rng.sample(pool, self.rng.randint(low, high))

    def votes(self) -> dict[str, Any]:
        r = self.rng
        entitled = r.randint(3, 15)
        present = max(0, entitled - r.choice((0, 0, 1, 2, entitled // 2, entitled // 2 + 1, entitled)))
        yes = r.randint(0, present)
        no = r.randint(0, present - yes)
        out = {
            "entitled": entitled,
            "present": present + r.choice((0, 0, 0, 0, 1)),
            "for": yes,
            "against": no,
            "abstain": present - yes - no + r.choice((0, 0, 0, 0, -1, 1)),
        }
        if self.chance(0.2):
            out["written_for"] = r.randint(0, 3)
        if self.chance(0.2):
            out["written_against"] = r.randint(0, 2)
        if self.chance(0.5):
            out["secret_ballot"] = r.choice((True, False))
        if self.chance(0.7):
            out["one_by_one"] = r.choice((True, True, False))
        if self.chance(0.15):
            del out[r.choice(("entitled", "present", "for", "against", "abstain"))]
        return out

    def details(self, step: str, day: D, forms: list[str]) -> dict[str, Any]:
        r = self.rng
        spec = next(s for s in STEPS if s.code == step).details
        out: dict[str, Any] = {}
        if {"entitled", "present", "for"} <= set(spec):
            out.update(self.votes())
        for key, d in spec.items():
            if key in out or (not d.required and self.chance(0.3)) or self.chance(0.04):
                continue
            if d.kind == "pids":
                out[key] = self.pids(0 if self.chance(0.1) else 1, 3)
            elif d.kind == "orgs":
                out[key] = r.sample(list(ORGS), r.randint(0, 2))
            elif d.kind == "org":
                out[key] = r.choice([*ORGS, "NOPE"])
            elif d.kind == "form":
                out[key] = (
                    r.choice([*forms, "F-OTHER", "F-9999"]) if forms else r.choice(("F-OTHER", "F-9999"))
                )
            elif d.kind == "bool":
                out[key] = r.choice((True, False))
            elif d.kind == "date":
                out[key] = (
                    day + datetime.timedelta(days=r.choice((-12, -9, -7, -5, -3, -1, 0, 1, 3, 7, 9)))
                ).isoformat()
            elif d.kind == "int":
                if key == "extend_months":
                    out[key] = r.choice((0, 3, 6, 12, 13))
                elif key == "days":
                    out[key] = r.choice((0, 2, 3, 5))
                elif key == "hours":
                    out[key] = r.choice((0, 16, 23, 24, 40))
                else:
                    out[key] = r.randint(0, 20)
            elif d.kind == "choice":
                out[key] = r.choice(d.choices[:1] * 3 + d.choices)
            elif d.kind == "choices":
                out[key] = r.sample(list(d.choices), r.randint(0, len(d.choices)))
            elif d.kind == "flags":
                out[key] = {c: self.chance(0.1) for c in d.choices} if self.chance(0.8) else {}
            elif d.kind == "text":
                out[key] = r.choice(("", "理由"))
        if step == "S06" or step == "S21":
            out["kind"] = r.choice(KINDS)
        if step == "S23" and "decision" in out and self.chance(0.6):
            out["decision"] = "convert"
        return out

    def case(self, i: int) -> CaseFacts:
        r = self.rng
        pid = f"P{i:05d}"
        branch = ORGS[r.choice(BRANCHES)]
        forms_own = [f"F{i:05d}-{k}" for k in range(r.choice((0, 1, 1, 1, 2)))]
        upto = r.randint(0, len(STEPS))
        day = self.day()
        records: list[Rec] = []
        for step in STEPS[:upto]:
            if self.chance(0.04):
                continue  # a step missing
            times = 1
            if step.repeats:
                times = r.randint(1, 6 if step.code in ("S06", "S21") else 2)
                if step.code == "S23" and self.chance(0.3):
                    times = 2  # a second round after an extension, often
            for _ in range(times):
                delta = (
                    self.gap()
                    if step.code not in ("S06", "S21")
                    else r.choice((20, 45, 60, 89, 91, 120, 183, 200))
                )
                if self.chance(0.05):
                    delta = -r.randint(1, 60)  # out of order
                day = day + datetime.timedelta(days=delta)
                approval = next((x.date for x in records if x.step == "S17"), None)
                if step.code in ("S22", "S23") and approval and self.chance(0.5):
                    day = approval + datetime.timedelta(
                        days=r.choice((350, 358, 362, 364, 365, 366, 372, 380, 395))
                    )
                if step.code == "S23":
                    day = self.around_extended_end(records, day)
                details = self.details(step.code, day, forms_own)
                if step.code == "S23" and "S23" not in {x.step for x in records} and self.chance(0.3):
                    details.update(decision="extend", extend_months=r.choice((3, 6, 12)))
                if step.code in ("S17", "S24") and "result" in details and self.chance(0.8):
                    details["result"] = "approved"
                if step.code in ("S10", "S13") and "result" in details and self.chance(0.7):
                    details["result"] = "pass"
                recorded = None
                if self.chance(0.7):
                    lag = r.choice((-5, -1, 0, 0, 1, 5, 29, 30, 31, 89, 90, 91, 400))
                    recorded = datetime.datetime.combine(
                        day + datetime.timedelta(days=lag), datetime.time(2), tzinfo=datetime.UTC
                    )
                supersedes = next(self.ids) if self.chance(0.05) else None
                records.append(Rec(next(self.ids), step.code, day, details, recorded, supersedes))
        records.sort(key=lambda x: (x.date, x.id))
        if self.chance(0.25):
            records = self.as_ledger(records)
        last = records[-1].date if records else day
        as_of = last + datetime.timedelta(days=self.gap())
        facts = CaseFacts(
            person_pid=pid,
            birth_date=(records[0].date if records else day)
            - datetime.timedelta(
                days=365 * r.choice((16, 17, 18, 18, 25, 40, 60)) + r.choice((-3, 0, 3, 200))
            ),
            floating=self.chance(0.1),
            branch=branch,
            records=tuple(records),
            limits=Limits(),
            as_of=as_of,
            planned_departure=self.departure(records),
            resident_id_valid=not self.chance(0.05),
            work_unit_org=r.choice(("", "", "", *ORGS)),
            members=self.members,
            orgs=ORGS,
            forms=tuple(
                self.form(n, pid, last)
                for n in sorted({*forms_own, *(["F-OTHER"] if self.chance(0.1) else [])})
            ),
            transfers=tuple(self.transfer(records) for _ in range(r.choice((0, 0, 0, 1, 2)))),
            exited_on=(last + datetime.timedelta(days=self.gap())) if self.chance(0.1) else None,
            kin={p: r.choice(("spouse", "parent", "child")) for p in self.pids(0, 2)}
            if self.chance(0.2)
            else {},
            discipline=tuple(self.discipline() for _ in range(r.choice((0, 0, 0, 0, 1)))),
            branch_secretaries=tuple(sorted(self.pids(0, 1))),
            archive_reviews=tuple(self.review(records) for _ in range(r.choice((0, 0, 1)))),
            identities=self.identities(i, records),
            notice_feedback=self.notice_feedback(i, records),
        )
        if facts.exited_on and facts.exited_on > as_of:
            facts = facts.until(as_of)
        return facts

    def identities(self, i: int, records: list[Rec]) -> tuple[dict[str, Any], ...]:
        """Who the pass, form and branch-meeting records were about (FORM-MATCH): mostly the same person,
        sometimes renamed or with another ID number between them, sometimes none kept (imported history).
        Drawn from a generator of their own, so the other registers stay as they were."""
        rng = random.Random(f"identities-{i}-{len(records)}")
        out = []
        for record in records:
            if record.step not in ("S13", "S14", "S15") or rng.random() < 0.15:
                continue
            name = rng.choice(("张三", "张三", "张三", "张叁"))
            key = rng.choice(("k1", "k1", "k1", "k2"))
            out.append({"record": record.id, "name": name, "id_key": key})
        return tuple(out)

    def notice_feedback(self, i: int, records: list[Rec]) -> tuple[dict[str, Any], ...]:
        """What the public reported on a notice about the person (PUB-OBJECTION): now and then one or two
        reports around a step's date, looked into the same day, before or after the next step, or never.
        Drawn from a generator of their own, so the other registers stay as they were."""
        rng = random.Random(f"feedback-{i}-{len(records)}")
        if not records or rng.random() < 0.7:
            return ()
        out = []
        for n in range(rng.choice((1, 1, 2))):
            received = rng.choice(records).date + datetime.timedelta(days=rng.choice((-3, -1, 0, 1, 5)))
            wait = rng.choice((None, 0, 1, 2, 10, 40))
            out.append(
                {
                    "id": i * 10 + n,
                    "received_on": received,
                    "verified_on": None if wait is None else received + datetime.timedelta(days=wait),
                    "notice": "中共罗汉镇高桥村支部委员会 拟确定为发展对象公示 2021-06-01 至 2021-06-07",
                    "name": "张三",
                }
            )
        return tuple(out)

    def as_ledger(self, records: list[Rec]) -> list[Rec]:
        """The case migrated from an Excel ledger up to a day (procedure.md B0.10), and entered live after it:
        the ledger's steps (one record each, mostly) with only the details a row holds and the result the
        importer writes, no entry time; of the steps it has no column for, now and then one filled in live."""
        r = self.rng
        if not records:
            return records
        cut = r.choice(records).date + datetime.timedelta(days=r.choice((0, 0, -1, 1, 200)))
        passing = {"S10": "pass", "S13": "pass", "S17": "approved", "S24": "approved"}
        out, seen = [], set()
        for rec in records:
            if rec.date > cut:
                out.append(rec)
                continue
            if rec.step not in LEDGER_COLUMNS:
                if self.chance(0.15):  # filled in live later, entered long after
                    entered = datetime.datetime.combine(
                        cut + datetime.timedelta(days=r.choice((1, 30, 400))),
                        datetime.time(2),
                        tzinfo=datetime.UTC,
                    )
                    out.append(replace(rec, recorded_at=entered, supersedes=None))
                continue
            if rec.step in seen and not self.chance(0.1):
                continue
            seen.add(rec.step)
            held = {
                k: v for k, v in rec.details.items() if k in LEDGER_COLUMNS[rec.step] or self.chance(0.05)
            }
            if rec.step in passing and self.chance(0.9):
                held[STEPS_BY_CODE[rec.step].passing[0]] = passing[rec.step]  # type: ignore[index]
            if rec.step == "S23" and self.chance(0.8):
                held["decision"] = "convert"
            out.append(
                replace(
                    rec,
                    details=held,
                    recorded_at=None,
                    supersedes=None,
                    from_ledger=True,
                    date_inferred=rec.step in ("S05", "S09", "S14") and self.chance(0.5),
                )
            )
        return out

    def around_extended_end(self, records: list[Rec], day: D) -> D:
        """A conversion meeting after an extension: mostly on and around the extended probation end, so that
        the rules reading the end as it stood before a record (probation.end_before) are exercised."""
        meeting = next((x.date for x in records if x.step == "S15"), None)
        extended = [
            x.details["extend_months"]
            for x in records
            if x.step == "S23"
            and x.details.get("decision") == "extend"
            and isinstance(x.details.get("extend_months"), int)
        ]
        if meeting is None or not extended or not self.chance(0.7):
            return day
        end = add_months(meeting, Limits().probation_months + sum(extended))
        return end + datetime.timedelta(days=self.rng.choice((-40, -1, 0, 1, 30, 31, 32, 200)))

    def departure(self, records: list[Rec]) -> D | None:
        if not self.chance(0.2):
            return None
        base = next((x.date for x in records if x.step == "S13"), records[-1].date if records else self.day())
        return base + datetime.timedelta(days=self.rng.choice((-3, 0, 1, 30, 89, 91, 92, 93, 200)))

    def form(self, number: str, pid: str, last: D) -> dict[str, Any]:
        r = self.rng
        return {
            "number": number,
            "issued_to": r.choice((pid, pid, pid, "P-OTHER", None)),
            "issued_on": (last - datetime.timedelta(days=r.choice((0, 30, 400, 900)))).isoformat()
            if self.chance(0.9)
            else None,
            "issued_by": r.choice(("SZQ", "SZQ", "LH")),
            "status": r.choice(("issued", "used", "used", "voided", "lost", "in_stock", "returned")),
            "void_reason": r.choice(("", "污损")),
            "replaces": None,
        }

    def transfer(self, records: list[Rec]) -> dict[str, Any]:
        r = self.rng
        base = r.choice(records).date if records else self.day()
        return {
            "date": (base + datetime.timedelta(days=r.choice((-30, 0, 10, 100)))).isoformat(),
            "from": r.choice(BRANCHES),
            "to": r.choice(BRANCHES),
            "materials_transferred": r.choice((True, False)),
        }

    def discipline(self) -> dict[str, Any]:
        start = self.day()
        return {
            "kind": self.rng.choice(("investigation", "sanction", "criminal", "party_probation")),
            "from": start,
            "to": self.rng.choice((None, start + datetime.timedelta(days=300))),
        }

    def review(self, records: list[Rec]) -> dict[str, Any]:
        base = records[-1].date if records else self.day()
        return {
            "date": base + datetime.timedelta(days=self.rng.choice((-10, 30, 89, 90, 91, 120))),
            "reviewer": self.rng.choice(("LH", "TS", "SZQ")),
            "missing": self.rng.choice(([], [], ["application"])),
        }


def cases(seed: int, n: int = 200) -> list[CaseFacts]:
    gen = Gen(seed)
    return [gen.case(i) for i in range(n)]

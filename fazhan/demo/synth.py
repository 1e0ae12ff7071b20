"""Realistic records straight into the database, in bulk, with planted violations whose findings are known.

A district is townships of village, community and enterprise branches, each with its full members (a
secretary and a committee among them) and a township organizer; candidates follow the legal path of the
demo (demo.world.LEGAL_PATH) to a stop that fills every stage in the mix of a real pipeline, with the records
a careful branch enters: details, the numbered forms of the district, archive reviews, annual plans. Each
planted violation breaks one rule on one person (or org) and the generator says which: `Synth.planted`.
Clean cases are dated so that no deadline is passed on the as-of date (today).
"""

import datetime
import functools
import itertools
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Model
from django.utils import timezone
from stdnum.cn import ric

from fazhan.archive.models import ArchiveReview
from fazhan.auditlog.services import audit_record
from fazhan.core.calendar import add_months
from fazhan.core.pinyin import pinyin_initials
from fazhan.demo.world import EDUCATION_KINDS, GIVEN, LEGAL_PATH, SURNAMES, VILLAGES
from fazhan.organizations.models import Org
from fazhan.people.identity import id_number_key, id_tail_key
from fazhan.people.idnumber import birth_month_of
from fazhan.people.models import DisciplineRecord, Kinship, Person, PersonRole
from fazhan.plans.models import Plan
from fazhan.prereview.models import NumberedForm
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.due import stamp_bump
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.rules.outcome import case_outcome

SCALES = {"township": (1, 20, 1000), "district": (10, 25, 10_000)}  # townships, branches each, cases
MEMBERS_PER_BRANCH = 10
# Where candidates stop on the legal path (index of LEGAL_PATH) and how often: the stage mix of a pipeline.
STAGE_MIX = (
    (CaseStage.APPLICANT, (0, 1), 0.30),
    (CaseStage.ACTIVIST, tuple(range(2, 11)), 0.25),
    (CaseStage.TARGET, tuple(range(11, 22)), 0.10),
    (CaseStage.PROBATIONARY, tuple(range(22, 34)), 0.10),
    (CaseStage.FULL, (35,), 0.25),
)
S = {step: i for i, (step, _o) in reversed(list(enumerate(LEGAL_PATH)))}  # first index of each step
VIOLATIONS = (
    "APP-TALK",
    "VIO-BACKDATE",
    "VIO-VOTES",
    "VIO-DISCIPLINE",
    "VIO-KIN-ROLE",
    "VIO-DATE-ORDER",
    "TGT-1YEAR",
    "CNV-ONTIME",
    "ACC-QUORUM",
    "NEG-LIST",
    "VIO-FAVOUR",
    "ARC-REVIEW",
)


@dataclass(frozen=True)
class Planted:
    rule: str
    org: str
    person: str | None = None


@dataclass
class Synth:
    as_of: datetime.date
    counts: dict[str, int]
    planted: list[Planted] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)  # every candidate's pid


def _day(start: datetime.date, offset: int) -> datetime.date:
    return start + datetime.timedelta(days=offset)


class Builder:
    def __init__(self, *, today: datetime.date, seed: int, code: str = "SZQ"):
        self.today, self.rng, self.code = today, random.Random(seed), code
        self.region = "511002"  # the ID numbers' region code (a province gives each district its own)
        self.org_ids: Iterator[int] | None = None  # a province numbers its orgs and copies them in bulk
        self.orgs: list[Org] = []
        self.persons: list[Person] = []
        self.roles: list[PersonRole] = []
        self.numbers: set[str] = set()
        self.n = 0

    # identity -----------------------------------------------------------------------------------------
    def id_number(self, birth: datetime.date, gender: str) -> str:
        while True:
            sex = self.rng.choice("13579" if gender == "M" else "02468")
            body = f"{self.region}{birth:%Y%m%d}{self.rng.randrange(100):02d}{sex}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def person(self, org: Org, *, birth: datetime.date, member: bool = False, **extra: Any) -> Person:
        self.n += 1
        gender = self.rng.choice("MMF")
        name = self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )
        number = self.id_number(birth, gender)
        village = org.category == "village"
        p = Person(
            pid=f"{'M' if member else 'P'}{self.n:06d}",
            name=name,
            name_initials=_initials(name),
            id_number=number,
            id_number_key=id_number_key(number),
            id_tail_key=id_tail_key(number[-4:]),
            gender=gender,
            birth_date=birth,
            birth_month=birth_month_of(birth),
            ethnicity=self.rng.choice(["汉族"] * 12 + ["彝族", "回族"]),
            education=self.rng.choice(["大学本科", "大学专科", "中专", "高中", "初中及以下"]),
            occupation="农牧渔民"
            if village and self.rng.random() < 0.7
            else self.rng.choice(["工人", "专业技术人员", "管理人员", "其他"]),
            tags=[],
            org=org,
            **extra,
        )
        if member:
            joined = datetime.date(self.rng.randint(1985, 2010), self.rng.randint(1, 12), 1)
            p.party_status, p.joined_on, p.full_since = "full", joined, add_months(joined, 12)
        self.persons.append(p)
        return p

    def org(
        self, code: str, name: str, kind: str, parent: Org | None, category: str = "", **extra: Any
    ) -> Org:
        org = Org(
            code=code,
            name=name,
            kind=kind,
            category=category,
            parent=parent,
            path=f"{parent.path if parent else '/'}{code}/",
            depth=(parent.depth + 1) if parent else 0,
            **extra,
        )
        if self.org_ids is None:
            org.save()
        else:
            org.pk = next(self.org_ids)
        self.orgs.append(org)
        return org


def _details(step: str, n: int, *, day: datetime.date, b: dict[str, Any], form: str) -> dict[str, Any]:
    full = b["members"]
    votes = {
        "entitled": len(full),
        "present": len(full) - 1,
        "for": len(full) - 2,
        "against": 0,
        "abstain": 1,
    }
    return {
        "S02": {"talkers": full[:1]},
        "S03": {"method": "member_recommendation", "decided_by": "branch_committee"},
        "S04": {"filed_with": b["township"]},
        "S05": {"contacts": full[1:3]},
        "S06": {"kind": EDUCATION_KINDS["S06"][n % 6]},
        "S07": {
            "opinions_heard": ["party_group", "contacts", "members", "public"],
            "publicity_from": _day(day, -14).isoformat(),
            "publicity_to": _day(day, -4).isoformat(),
        },
        "S08": {"filed_with": b["township"], "agreed": True},
        "S09": {"introducers": full[3:5]},
        "S10": {"result": "pass", "negative_list": {}},
        "S11": {"days": 3, "hours": 24, "provider": b["township"]},
        "S13": {"reviewer": b["township"] if n == 0 else b["district"], "result": "pass"},
        "S14": {"form_number": form},
        "S15": votes,
        "S16": {"talkers": [b["organizer"]]},
        "S17": {"approver": b["township"], "result": "approved"},
        "S18": {"filed_with": b["district"]},
        "S19": {"branch": b["code"]},
        "S21": {"kind": EDUCATION_KINDS["S21"][n % 6]},
        "S23": {**votes, "decision": "convert"},
        "S24": {"approver": b["township"], "result": "approved"},
        "S25": {"archive_no": f"A-{form}"},
    }.get(step, {})


def _entered(day: datetime.date, lag: int, now: datetime.datetime) -> datetime.datetime:
    return min(_ten_oclock(_day(day, lag), timezone.get_current_timezone()), now)


# A district makes some 12,500 names of a few thousand and 155,000 entry times of a few thousand days: each
# worked out once (pypinyin's and make_aware's time was a seventh of a district's build).
_initials = functools.lru_cache(maxsize=None)(pinyin_initials)


@functools.lru_cache(maxsize=4096)
def _ten_oclock(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    """10:00 on the day in the time zone (make_aware of it): aware datetimes are immutable."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)), zone)


@dataclass
class District:
    """One district's records as built, before they are written."""

    org: Org
    branch_info: list[dict[str, Any]]
    case_rows: list[tuple[Case, list[StepRecord], dict[str, Any]]]
    forms: list
    reviews: list
    discipline: list
    kin: list
    empty: list[str]  # the villages planted with no activist (RES-VILLAGE)


def _district(
    b: Builder,
    synth: Synth,
    *,
    code: str,
    name: str,
    parent: Org | None,
    townships: int,
    branches_each: int,
    wanted: int,
    today: datetime.date,
    now: datetime.datetime,
) -> District:
    """A district committee, its townships, branches and members, and `wanted` candidates with their
    records and planted violations (each township gets the whole set), not yet written."""
    district = b.org(code, name, "district_committee", parent)
    branch_info: list[dict[str, Any]] = []
    for t in range(1, townships + 1):
        tcode = f"{code}-T{t:02d}"
        township = b.org(tcode, f"中共第{t}镇委员会", "committee", district, "township")
        organizer = b.person(township, birth=datetime.date(1975, 3, 3), member=True)
        b.roles.append(PersonRole(person=organizer, role="organizer"))
        for k in range(1, branches_each + 1):
            category = (
                "village"
                if k <= int(branches_each * 0.8)
                else ("community" if k % 2 else "private_enterprise")
            )
            name = VILLAGES[(k - 1) % len(VILLAGES)] if category == "village" else f"第{k}支部"
            branch_org = b.org(
                f"{tcode}-{k:02d}",
                f"中共第{t}镇{name}{k}支部委员会",
                "branch",
                township,
                category,
                election_dates=["2021-10-15"] if category == "village" else [],
            )
            members = [
                b.person(branch_org, birth=datetime.date(b.rng.randint(1950, 1985), 5, 1), member=True)
                for _ in range(MEMBERS_PER_BRANCH)
            ]
            b.roles.append(PersonRole(person=members[0], role="branch_secretary"))
            b.roles.append(PersonRole(person=members[1], role="branch_committee"))
            branch_info.append(
                {
                    "org": branch_org,
                    "code": branch_org.code,
                    "township": tcode,
                    "district": district.code,
                    "organizer": organizer.pid,
                    "member_objs": members,
                    "members": [m.pid for m in members],
                }
            )
    # Candidates and their stops ----------------------------------------------------------------------------
    villages = [bi for bi in branch_info if bi["org"].category == "village"]
    # Each township gets the whole set of planted violations, and one village with no activist on the as-of
    # date (RES-VILLAGE).
    empty_villages = {bi["township"]: bi for bi in villages}  # each township's last village
    empty = {bi["code"] for bi in empty_villages.values()}
    plan_of = {t: list(VIOLATIONS) for t in empty_villages}
    specs: list[tuple[dict[str, Any], str, int, str]] = []
    for i in range(wanted):
        branch = branch_info[i % len(branch_info)]
        if i < len(villages) and villages[i]["code"] not in empty:
            branch, stage, stop = villages[i], CaseStage.ACTIVIST, b.rng.choice(STAGE_MIX[1][1])
        else:
            stage, stops, _w = b.rng.choices(STAGE_MIX, weights=[m[2] for m in STAGE_MIX])[0]
            stop = b.rng.choice(stops)
            if branch["code"] in empty and stage == CaseStage.ACTIVIST:
                stage, stop = CaseStage.APPLICANT, 0
        todo = plan_of.get(branch["township"], [])
        plant = todo.pop(0) if todo and i >= len(villages) else ""
        specs.append((branch, stage, stop, plant))
    case_rows: list[tuple[Case, list[StepRecord], dict[str, Any]]] = []
    forms, reviews, discipline, kin = [], [], [], []
    path: list[list[Any]]
    for n, (branch, stage, stop, plant) in enumerate(specs):
        path = [list(x) for x in LEGAL_PATH[: stop + 1]]
        if plant == "TGT-1YEAR":
            stop = S["S07"] + 2
            path = [list(x) for x in LEGAL_PATH[: stop + 1]]
            for item in path[S["S07"] :]:
                item[1] -= 200  # the target decided 290 days after the activist date
            path = [item for item in path if item[0] != "S06" or item[1] < path[S["S07"]][1]]
        if plant == "CNV-ONTIME":
            stop = len(LEGAL_PATH) - 1
            path = [list(x) for x in LEGAL_PATH]
            for item in path[S["S23"] :]:
                item[1] += 45  # the conversion meeting 52 days after probation ended
        if plant in ("VIO-KIN-ROLE", "VIO-FAVOUR"):
            stop = max(stop, S["S03"])
            path = [list(x) for x in LEGAL_PATH[: stop + 1]]
        if plant in ("VIO-VOTES", "ACC-QUORUM", "NEG-LIST", "VIO-DISCIPLINE", "VIO-BACKDATE"):
            stop = max(stop, S["S15"] + 1)
            path = [list(x) for x in LEGAL_PATH[: stop + 1]]
        if plant == "ARC-REVIEW":
            stop = len(LEGAL_PATH) - 1
            path = [list(x) for x in LEGAL_PATH]
        if plant in ("APP-TALK",):
            path = [["S01", 0], ["S02", 50]]
        last = path[-1][1]
        if stop == len(LEGAL_PATH) - 1 and not plant:  # a history ended long ago, maybe before the notice
            start = _day(today, -last - b.rng.randint(120, 3000))
        elif plant == "ARC-REVIEW":
            start = _day(today, -last - 200)
        else:
            start = _day(today, -last - b.rng.randint(2, 10))
        age = b.rng.randint(19, 45)
        birth = datetime.date(start.year - age, b.rng.randint(1, 12), b.rng.randint(1, 28))
        person = b.person(branch["org"], birth=birth)
        synth.persons.append(person.pid)
        if plant:
            synth.planted.append(Planted(plant, branch["code"], person.pid))
        form = f"{code}{start.year + 2}-{n + 1:06d}"
        seen: Counter[str] = Counter()
        records = []
        for step, offset in path:
            k = seen[step]
            seen[step] += 1
            day = _day(start, offset)
            details = _details(step, k, day=day, b=branch, form=form)
            lag = b.rng.randint(0, 3)
            if plant == "VIO-VOTES" and step == "S15":
                details = {**details, "for": details["present"], "against": 1, "abstain": 0}
            if plant == "ACC-QUORUM" and step == "S15":
                half = details["entitled"] // 2
                details = {
                    **details,
                    "present": half,
                    "for": half,
                    "against": 0,
                    "abstain": 0,
                    "written_for": 1,
                }
            if plant == "NEG-LIST" and step == "S10":
                details = {**details, "negative_list": {"self_interest": True}}
            if plant == "VIO-FAVOUR" and step == "S03":
                details = {**details, "method": "other"}
            if plant == "VIO-BACKDATE" and step == "S10":
                lag = 120
            if plant == "VIO-DATE-ORDER" and step == "S01":
                lag = -5
            records.append(
                StepRecord(
                    step=step,
                    date=day,
                    details=details,
                    recorded_at=_entered(day, lag, now),
                    recorded_by_label="user:synth",
                )
            )
        if seen["S14"]:
            issued = _day(start, dict(path)["S14"] - 2)
            forms.append((person, form, issued))
        conversion = next((r.date for r in records if r.step == "S24"), None)
        if conversion and plant != "ARC-REVIEW" and conversion >= datetime.date(2018, 7, 1):
            # reviewed 40 days after the conversion, or today for one converted since (never a future day:
            # the database and the file (`--out`, which the importer checks) hold the same date)
            reviews.append((person, min(_day(conversion, 40), today), branch["township"]))
        if plant == "VIO-DISCIPLINE":
            discipline.append((person, _day(start, 200), _day(start, 260)))
        if plant == "VIO-KIN-ROLE":
            kin.append((person, branch["member_objs"][0]))
        records.sort(key=lambda r: r.date)
        # Admission makes the candidate a member, as step entry and the importer make them (B0.3).
        outcome = case_outcome(records)
        reached = outcome.stage
        person.party_status, person.joined_on, person.full_since = outcome.membership
        closed = None
        if stage == CaseStage.APPLICANT and not plant and b.rng.random() < 0.05:
            closed = _day(records[-1].date, 1)
        case_rows.append(
            (
                Case(
                    opened_on=start,
                    closed_on=closed,
                    exit_reason="withdrawn" if closed else "",
                    stage=CaseStage.EXITED if closed else reached,
                ),
                records,
                {"person": person},
            )
        )
    return District(district, branch_info, case_rows, forms, reviews, discipline, kin, sorted(empty))


@transaction.atomic
def synth_build(
    *,
    scale: str = "township",
    today: datetime.date | None = None,
    seed: int = 2018,
    cases: int | None = None,
    out: Path | None = None,
) -> Synth:
    """Write a district (or one township) and its cases; `cases` overrides the scale's candidates."""
    if scale == "province":
        raise ValueError("synth_build writes a township or a district: a province is synth_province's")
    townships, branches_each, wanted = SCALES[scale]
    wanted = cases if cases is not None else wanted
    today = today or timezone.localdate()
    now = timezone.now()
    b = Builder(today=today, seed=seed)
    synth = Synth(as_of=today, counts={})
    d = _district(
        b,
        synth,
        code="SZQ",
        name="中共市中区委员会",
        parent=None,
        townships=townships,
        branches_each=branches_each,
        wanted=wanted,
        today=today,
        now=now,
    )
    district, case_rows, forms, reviews, discipline, kin = (
        d.org,
        d.case_rows,
        d.forms,
        d.reviews,
        d.discipline,
        d.kin,
    )
    # Write in bulk ----------------------------------------------------------------------------------------
    Person.objects.bulk_create(b.persons, batch_size=2000)
    PersonRole.objects.bulk_create(b.roles, batch_size=2000)
    for c, _records, extra in case_rows:
        c.person = extra["person"]
    Case.objects.bulk_create([c for c, _r, _e in case_rows], batch_size=2000)
    steps = []
    for c, records, _e in case_rows:
        for r in records:
            r.case = c
            steps.append(r)
    StepRecord.objects.bulk_create(steps, batch_size=5000)
    orgs = {o.code: o for o in b.orgs}
    numbered = NumberedForm.objects.bulk_create(
        [
            NumberedForm(number=num, person=p, issued_on=d, issued_by=district, status="used")
            for p, num, d in forms
        ],
        batch_size=2000,
    )
    ArchiveReview.objects.bulk_create(
        [ArchiveReview(person=p, date=d, reviewer=orgs[t], missing=[]) for p, d, t in reviews],
        batch_size=2000,
    )
    disciplined = DisciplineRecord.objects.bulk_create(
        [DisciplineRecord(person=p, kind="investigation", date_from=a, date_to=z) for p, a, z in discipline]
    )
    kins = Kinship.objects.bulk_create([Kinship(a=p, b=m, relation="parent") for p, m in kin])
    Plan.objects.bulk_create(_plans(b, d.branch_info, case_rows, today, synth, d.empty), batch_size=2000)
    synth.counts = {
        "orgs": len(b.orgs),
        "persons": len(b.persons),
        "cases": len(case_rows),
        "steps": len(steps),
        **Counter(c.stage for c, _r, _e in case_rows),
    }
    written = [*b.persons, *(c for c, _r, _e in case_rows), *steps, *numbered, *disciplined, *kins]
    audit_record(
        actor=None, action="synth.build", org=district, data={"scale": scale, **synth.counts}, seal=written
    )
    if out is not None:
        _write(out, b, case_rows, forms, reviews, discipline, kin, synth)
    return synth


PROVINCE_DISTRICTS = 100  # `--scale province`: districts of the district scale under one provincial committee


def synth_province(
    *,
    districts: int = PROVINCE_DISTRICTS,
    today: datetime.date | None = None,
    seed: int = 2018,
    cases: int | None = None,
    progress: Callable[[int, dict[str, int]], None] | None = None,
) -> Synth:
    """A province: a provincial committee (SHENG) over `districts` districts, each the district scale's
    (10 townships of 25 branches, 10,000 candidates, or `cases` each) with the planted violations per
    township, built district by district and copied into PostgreSQL in bulk (COPY), so only one district's
    records are held at a time. `progress(n, counts)` is told as each district is written. PostgreSQL only:
    SQLite has no COPY, and a province is beyond what one SQLite file serves (README, "A province")."""
    if connection.vendor != "postgresql":
        raise ValueError("synth --scale province writes into PostgreSQL only (COPY); this database is SQLite")
    townships, branches_each, wanted = SCALES["district"]
    wanted = cases if cases is not None else wanted
    today = today or timezone.localdate()
    now = timezone.now()
    synth = Synth(as_of=today, counts=Counter())
    b = Builder(today=today, seed=seed)
    ids = _Ids(
        [
            Org,
            Person,
            PersonRole,
            Case,
            StepRecord,
            NumberedForm,
            ArchiveReview,
            DisciplineRecord,
            Kinship,
            Plan,
        ]
    )
    b.org_ids = ids.of(Org)
    with transaction.atomic():
        province = b.org("SHENG", "中共某省委员会", "provincial_committee", None)
        _copy(Org, b.orgs)
        for n in range(1, districts + 1):
            b.orgs, b.persons, b.roles = [], [], []
            b.region = f"5{1 + n // 100}{n % 100:04d}"  # each district its own region code (ID numbers)
            d = _district(
                b,
                synth,
                code=f"D{n:03d}",
                name=f"中共第{n}区委员会",
                parent=province,
                townships=townships,
                branches_each=branches_each,
                wanted=wanted,
                today=today,
                now=now,
            )
            counts = _copy_district(b, d, ids, today, synth)
            synth.counts.update(counts)
            if progress is not None:
                progress(n, counts)
        ids.reset_sequences()
    synth.counts = dict(synth.counts)
    return synth


class _Ids:
    """The primary keys a bulk copy gives its rows: from each table's largest, and its sequence moved past
    them at the end."""

    def __init__(self, models: list[type[Model]]) -> None:
        self.next: dict[type[Model], Iterator[int]] = {}
        self.models = models
        for model in models:
            top = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            self.next[model] = itertools.count(top + 1)

    def of(self, model: type[Model]) -> Iterator[int]:
        return self.next[model]

    def number(self, objs: Iterable[Any]) -> None:
        for obj in objs:
            obj.pk = next(self.next[type(obj)])

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(sql)


def _copy(model: type[Model], objs: Iterable[Any]) -> int:
    """The objects as rows of the model's table, by COPY: each value prepared as bulk_create prepares it
    (the fields' pre_save and get_db_prep_save: the sealed fields encrypted, JSON adapted)."""
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    prepared = [_preparer(f) for f in fields]
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([prepare(obj) for prepare in prepared])
            n += 1
    stamp_bump()  # COPY goes past the statements the write stamp watches: no list kept before stands
    return n


# The fields whose get_db_prep_save hands a value of this type back as it is (Django's CharField and TextField
# a text or None; a foreign key to an integer key an int or None): a district's 2.5 million values skip its
# chain of calls. Their subclasses (the sealed fields) and every other field go the whole way.
_AS_THEY_ARE: dict[type, type] = {models.CharField: str, models.TextField: str}


def _preparer(f: Any) -> Callable[[Any], Any]:
    """The field's value of an object as bulk_create writes it (pre_save, then get_db_prep_save)."""
    kind = _AS_THEY_ARE.get(type(f))
    if isinstance(f, models.ForeignKey) and type(f.target_field) in (models.AutoField, models.BigAutoField):
        kind = int
    pre, prep = f.pre_save, f.get_db_prep_save

    def prepare(obj: Any) -> Any:
        value = pre(obj, True)
        if (value is None and kind is not None) or type(value) is kind:
            return value
        return prep(value, connection)

    return prepare


def _copy_district(b: Builder, d: District, ids: _Ids, today: datetime.date, synth: Synth) -> Counter[str]:
    """One district's records copied in, in the order synth_build writes them, and sealed by one audit
    event as synth_build's are."""
    _copy(Org, b.orgs)  # numbered as they were built (Builder.org_ids)
    ids.number(b.persons)
    for p in b.persons:
        p.org = p.org  # the org's number, now that it has one
    _copy(Person, b.persons)
    for role in b.roles:
        role.person = role.person
    ids.number(b.roles)
    _copy(PersonRole, b.roles)
    for c, _records, extra in d.case_rows:
        c.person = extra["person"]
    cases = [c for c, _r, _e in d.case_rows]
    ids.number(cases)
    _copy(Case, cases)
    steps = []
    for c, records, _e in d.case_rows:
        for r in records:
            r.case = c
            steps.append(r)
    ids.number(steps)
    _copy(StepRecord, steps)
    orgs = {o.code: o for o in b.orgs}
    numbered = [
        NumberedForm(number=num, person=p, issued_on=day, issued_by=d.org, status="used")
        for p, num, day in d.forms
    ]
    reviews = [ArchiveReview(person=p, date=day, reviewer=orgs[t], missing=[]) for p, day, t in d.reviews]
    disciplined = [
        DisciplineRecord(person=p, kind="investigation", date_from=a, date_to=z) for p, a, z in d.discipline
    ]
    kins = [Kinship(a=p, b=m, relation="parent") for p, m in d.kin]
    plans = _plans(b, d.branch_info, d.case_rows, today, synth, d.empty)
    for objs, model in (
        (numbered, NumberedForm),
        (reviews, ArchiveReview),
        (disciplined, DisciplineRecord),
        (kins, Kinship),
        (plans, Plan),
    ):
        ids.number(objs)
        _copy(model, objs)
    counts: Counter[str] = Counter(
        {"orgs": len(b.orgs), "persons": len(b.persons), "cases": len(cases), "steps": len(steps)}
    )
    counts.update(c.stage for c in cases)
    written = [*b.persons, *cases, *steps, *numbered, *disciplined, *kins]
    audit_record(
        actor=None, action="synth.build", org=d.org, data={"scale": "province", **counts}, seal=written
    )
    return counts


def _plans(
    b: Builder, branch_info, case_rows, today: datetime.date, synth: Synth, empty: list[str]
) -> list[Plan]:
    """Annual plans from 2018: each branch's quota up to two above what it admitted, the township's the sum;
    in each township one branch-year planted one below (PLAN-QUOTA). `empty`: the villages planted with no
    activist (RES-VILLAGE)."""
    admitted: Counter[tuple[str, int]] = Counter()
    for _c, records, extra in case_rows:
        approval = next((r.date for r in records if r.step == "S17"), None)
        if approval is not None and approval.year >= 2018:
            admitted[(extra["person"].org.code, approval.year)] += 1
    township_of = {bi["code"]: bi["township"] for bi in branch_info}
    over: dict[str, tuple[str, int]] = {}
    for (code, year), k in sorted(admitted.items()):
        if k >= 1 and year < today.year:
            over.setdefault(township_of[code], (code, year))
    plans: list[Plan] = []
    township_quota: Counter[tuple[str, int]] = Counter()
    orgs = {bi["code"]: bi["org"] for bi in branch_info}
    planted_over = set(over.values())
    for bi in branch_info:
        for year in range(2018, today.year + 1):
            quota = admitted[(bi["code"], year)] + b.rng.choice((0, 1, 2))
            if (bi["code"], year) in planted_over:
                quota = admitted[(bi["code"], year)] - 1
            plans.append(Plan(org=orgs[bi["code"]], year=year, quota=quota, groups={}))
            township_quota[(bi["township"], year)] += quota
    townships = {o.code: o for o in b.orgs if o.kind == "committee"}
    plans += [Plan(org=townships[t], year=y, quota=q, groups={}) for (t, y), q in township_quota.items()]
    synth.planted += [Planted("PLAN-QUOTA", code) for code, _year in sorted(planted_over)]
    synth.planted += [Planted("RES-VILLAGE", code) for code in empty]
    return plans


def _write(out: Path, b: Builder, case_rows, forms, reviews, discipline, kin, synth: Synth) -> None:
    """The same records as an interchange file (interchange.md), and the planted findings beside it."""
    roles = defaultdict(list)
    for r in b.roles:
        roles[r.person.pid].append("organizer" if r.role == "organizer" else r.role)
    row: dict[str, Any]
    with out.open("w", encoding="utf-8") as f:

        def line(obj: dict[str, Any]) -> None:
            f.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")

        line(
            {
                "type": "header",
                "format": "fazhan-record",
                "version": 1,
                "exported_at": timezone.now().isoformat(),
                "profile": "shizhongqu-2018",
            }
        )
        for o in b.orgs:
            row = {
                "type": "org",
                "code": o.code,
                "name": o.name,
                "parent": o.parent.code if o.parent else None,
                "kind": o.kind,
            }
            if o.category:
                row["category"] = o.category
            if o.election_dates:
                row["election_dates"] = o.election_dates
            line(row)
        for p in b.persons:
            row = {
                "type": "person",
                "id": p.pid,
                "name": p.name,
                "id_number": p.id_number,
                "org": p.org.code,
                "ethnicity": p.ethnicity,
                "education": p.education,
                "occupation": p.occupation,
            }
            if p.party_status:
                row.update(party_status=p.party_status, joined_on=p.joined_on, full_since=p.full_since)
            if roles.get(p.pid):
                row["roles"] = roles[p.pid]
            line(row)
        for c, records, _e in case_rows:
            for r in records:
                line(
                    {
                        "type": "step",
                        "id": f"st-{r.pk}",
                        "person": c.person.pid,
                        "step": r.step,
                        "date": r.date,
                        "recorded_at": r.recorded_at.isoformat(),
                        "recorded_by": "user:synth",
                        "details": r.details,
                    }
                )
            if c.closed_on:
                line({"type": "exit", "person": c.person.pid, "date": c.closed_on, "reason": c.exit_reason})
        for p, num, d in forms:
            line(
                {
                    "type": "form",
                    "number": num,
                    "issued_to": p.pid,
                    "issued_on": d,
                    "issued_by": "SZQ",
                    "status": "used",
                }
            )
        for p, d, t in reviews:
            line({"type": "archive_review", "person": p.pid, "date": d, "reviewer": t, "missing": []})
        for p, a, z in discipline:
            line({"type": "discipline", "person": p.pid, "from": a, "to": z, "kind": "investigation"})
        for p, m in kin:
            line({"type": "kin", "a": p.pid, "b": m.pid, "relation": "parent"})
        for plan in Plan.objects.filter(org__path__startswith="/SZQ/").select_related("org"):
            line(
                {
                    "type": "plan",
                    "org": plan.org.code,
                    "year": plan.year,
                    "quota": plan.quota,
                    "groups": plan.groups,
                }
            )
    expected = out.with_suffix(".expected.json")
    expected.write_text(
        json.dumps(
            [{"rule": p.rule, "org": p.org, "person": p.person} for p in synth.planted],
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )

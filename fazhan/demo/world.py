"""The demo world: 市中区委 → 罗汉镇党委 → branches, members, candidates at every stage, a login per role.

Built through the services, so it is what a user would have entered; deterministic, so every run is alike.
"""

import datetime
import io
import random
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from stdnum.cn import ric

from fazhan.accounts.models import ADMIN_ROLES, Role, User
from fazhan.accounts.services import role_assign, user_create
from fazhan.applicants.services import applicant_register, code_issue, submission_return, submission_submit
from fazhan.floating.models import Direction
from fazhan.floating.services import floating_record_open
from fazhan.notices.models import FeedbackChannel, NoticeKind
from fazhan.notices.selectors import notice_candidates
from fazhan.notices.services import notice_close, notice_feedback_record, notice_publish
from fazhan.organizations.models import Org, OrgCategory, OrgKind
from fazhan.organizations.services import org_create
from fazhan.people.choices import Education, MemberRole, Occupation, PartyStatus
from fazhan.people.models import Person
from fazhan.people.services import discipline_record, kinship_declare, person_create, person_set_roles
from fazhan.plans.models import CycleStep, Plan
from fazhan.plans.selectors import admissions, pool_counts, young_farmers_admitted
from fazhan.plans.services import cycle_record, plan_allocate, reserve_set, reserve_take_in
from fazhan.prereview.services import form_issue
from fazhan.procedure.definition import Anchor, limits
from fazhan.procedure.models import Case
from fazhan.procedure.rules.counting import pool_rolled_up
from fazhan.procedure.rules.notice2018 import young_farmer_window_of
from fazhan.procedure.services import case_open, case_record_step
from fazhan.selfcheck.checks import default_due
from fazhan.selfcheck.services import (
    assignment_hand_in,
    assignment_prepare,
    assignment_return,
    selfcheck_task_create,
)
from fazhan.talents.models import ContactWay, PersonCategory, UnitCategory
from fazhan.talents.services import (
    contact_record,
    key_person_mark,
    key_unit_mark,
    leader_assign,
    talent_plan_set,
)
from fazhan.training.models import StaffRole
from fazhan.training.services import session_create

DEMO_PASSWORD = "Fazhan@2018-demo"  # passes both password policies (mlps, asvs)
DISTRICT, TOWNSHIP = "SZQ", "SZQ-LH"

VILLAGES = [
    "高桥村",
    "双河村",
    "石板村",
    "龙泉村",
    "黄桷村",
    "白鹤村",
    "新民村",
    "团结村",
    "长乐村",
    "永安村",
    "桂花村",
    "青杠村",
    "红岩村",
    "金鸡村",
    "大冲村",
    "回龙村",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志华春梅海燕文斌丹宇浩婷雪琳鑫晨"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    org_code: str
    full_name: str


LOGINS = [
    DemoLogin("branch_secretary", Role.BRANCH_SECRETARY, "SZQ-LH-01", "高桥村支部书记"),
    DemoLogin("branch_organizer", Role.BRANCH_ORGANIZER, "SZQ-LH-01", "高桥村组织委员"),
    DemoLogin("township_organizer", Role.TOWNSHIP_ORGANIZER, TOWNSHIP, "罗汉镇组织委员"),
    DemoLogin("township_approver", Role.TOWNSHIP_APPROVER, TOWNSHIP, "罗汉镇党委书记"),
    DemoLogin("district_reviewer", Role.DISTRICT_REVIEWER, DISTRICT, "区委组织部审核人"),
    DemoLogin("inspector", Role.INSPECTOR, DISTRICT, "区委督查员"),
    DemoLogin("admin", Role.SYSADMIN, DISTRICT, "系统管理员"),
    DemoLogin("secadmin", Role.SECADMIN, DISTRICT, "安全管理员"),
    DemoLogin("auditor", Role.AUDITADMIN, DISTRICT, "审计管理员"),
]


def add_days(d: datetime.date, n: int) -> datetime.date:
    return d + datetime.timedelta(days=n)


class DemoBuilder:
    def __init__(self, *, today: datetime.date, seed: int = 2018):
        self.today = today
        self.rng = random.Random(seed)
        self.used_numbers: set[str] = set()
        self.counter = 0

    # identity -------------------------------------------------------------------------------------------
    def id_number(self, birth: datetime.date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(0, 100)
            sex_digit = self.rng.choice("13579" if gender == "M" else "02468")
            body = f"511002{birth:%Y%m%d}{seq:02d}{sex_digit}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2)))
        )

    def new_person(self, *, org: Org, age: int, member: str = "", joined_on=None, **extra) -> Person:
        self.counter += 1
        gender = extra.pop("gender", self.rng.choice("MMF"))
        birth = datetime.date(self.today.year - age, self.rng.randint(1, 12), self.rng.randint(1, 28))
        farmer = org.category == OrgCategory.VILLAGE
        data = {
            "name": self.name(),
            "ethnicity": self.rng.choice(["汉族"] * 12 + ["彝族", "回族"]),
            "education": extra.pop("education", self.rng.choice(list(Education.values))),
            "occupation": extra.pop(
                "occupation",
                Occupation.FARMER
                if farmer and self.rng.random() < 0.7
                else self.rng.choice(
                    [Occupation.WORKER, Occupation.PROFESSIONAL, Occupation.MANAGER, Occupation.OTHER]
                ),
            ),
            "tags": extra.pop("tags", []),
            "phone": f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}",
            "household_place": "四川省内江市市中区罗汉镇",
            "residence": f"罗汉镇{org.name.replace('中共罗汉镇', '').replace('支部委员会', '')}",
            "org": org,
            "party_status": member,
            "joined_on": joined_on,
            "full_since": add_days(joined_on, 366) if member == PartyStatus.FULL and joined_on else None,
            **extra,
        }
        for key, value in work_of(data["occupation"], org=org, birth=birth, today=self.today).items():
            data.setdefault(key, value)
        return person_create(
            actor=None,
            pid=f"{'M' if member else 'P'}{self.counter:04d}",
            id_number=self.id_number(birth, gender),
            data=data,
        )


# 工作单位及职务 by occupation, as a township's forms read (the village's name fills {village}).
WORK_UNITS: dict[str, list[tuple[str, str]]] = {
    Occupation.FARMER: [("罗汉镇{village}", "村民")],
    Occupation.WORKER: [("内江市宏达机械厂", "车间工人"), ("内江市罗汉建材有限公司", "技术工人")],
    Occupation.PROFESSIONAL: [
        ("罗汉镇中心小学", "教师"),
        ("罗汉镇卫生院", "医生"),
        ("罗汉镇农业服务中心", "农技员"),
    ],
    Occupation.MANAGER: [("内江市罗汉建材有限公司", "生产部经理"), ("罗汉镇供销合作社", "主任")],
    Occupation.CIVIL_SERVANT: [("罗汉镇人民政府", "科员")],
    Occupation.OTHER: [("个体经营", "")],
}
NATIVE_PLACES = ["四川内江"] * 8 + ["四川资中", "四川威远", "重庆荣昌"]


def work_of(occupation: str, *, org: Org, birth: datetime.date, today: datetime.date) -> dict:
    """What the forms ask of a demo person (工作单位及职务, 籍贯, 参加工作时间), drawn from the person's own
    birth date so that the demo's other draws stay as they were."""
    rng = random.Random(birth.toordinal())
    village = org.name.replace("中共罗汉镇", "").replace("支部委员会", "").replace("党支部", "")
    unit, position = rng.choice(WORK_UNITS.get(occupation, [("", "")]))
    started = None
    if occupation not in (Occupation.STUDENT,) and unit:
        started = datetime.date(birth.year + rng.randint(18, 22), rng.choice((3, 7, 9)), 1)
        started = started if started < today else None
    return {
        "work_unit": unit.format(village=village),
        "position": position,
        "native_place": rng.choice(NATIVE_PLACES),
        "work_started_on": started,
    }


def entered_at(builder: DemoBuilder, day: datetime.date) -> datetime.datetime:
    """Entries made a day or two after the event, in office hours, as a diligent secretary would."""
    entered = datetime.datetime.combine(
        min(add_days(day, builder.rng.randint(0, 3)), builder.today),
        datetime.time(builder.rng.randint(9, 17)),
    )
    return timezone.make_aware(entered)


def build_orgs() -> list[Org]:
    district = org_create(actor=None, code=DISTRICT, name="中共市中区委员会", kind=OrgKind.DISTRICT_COMMITTEE)
    township = org_create(
        actor=None,
        code=TOWNSHIP,
        name="中共罗汉镇委员会",
        kind=OrgKind.COMMITTEE,
        category=OrgCategory.TOWNSHIP,
        parent=district,
    )
    branches = []
    for i, village in enumerate(VILLAGES, start=1):
        branches.append(
            org_create(
                actor=None,
                code=f"{TOWNSHIP}-{i:02d}",
                name=f"中共罗汉镇{village}支部委员会",
                kind=OrgKind.BRANCH,
                category=OrgCategory.VILLAGE,
                parent=township,
                election_dates=["2021-10-15", "2026-10-20"],
            )
        )
    branches.append(
        org_create(
            actor=None,
            code=f"{TOWNSHIP}-17",
            name="中共罗汉镇场镇社区支部委员会",
            kind=OrgKind.BRANCH,
            category=OrgCategory.COMMUNITY,
            parent=township,
        )
    )
    branches.append(
        org_create(
            actor=None,
            code=f"{TOWNSHIP}-18",
            name="中共内江罗汉食品有限公司支部委员会",
            kind=OrgKind.BRANCH,
            category=OrgCategory.PRIVATE_ENTERPRISE,
            parent=township,
        )
    )
    school = org_create(
        actor=None,
        code=f"{TOWNSHIP}-19",
        name="中共罗汉镇中心学校总支部委员会",
        kind=OrgKind.GENERAL_BRANCH,
        category=OrgCategory.SCHOOL,
        parent=township,
    )
    for j, part in enumerate(("教师第一", "教师第二"), start=1):
        branches.append(
            org_create(
                actor=None,
                code=f"{TOWNSHIP}-19-{j}",
                name=f"中共罗汉镇中心学校{part}支部委员会",
                kind=OrgKind.BRANCH,
                category=OrgCategory.SCHOOL,
                parent=school,
            )
        )
    branches.append(
        org_create(
            actor=None,
            code=f"{TOWNSHIP}-20",
            name="中共罗汉镇机关支部委员会",
            kind=OrgKind.BRANCH,
            category=OrgCategory.ORGAN,
            parent=township,
        )
    )
    return branches


# A legal path through the 25 steps, as days after the application, keeping every rule of procedure.md B:
# talk within a month, activist after 3 months, a thought report every quarter and an examination every half
# year, target a year after the activist date, pre-review by township then district, meeting within a month,
# approval within 3 months, probation of a year from the meeting, conversion at expiry. Tests walk it too.
LEGAL_PATH = [
    ("S01", 0),
    ("S02", 18),
    ("S03", 110),
    ("S04", 118),
    ("S05", 125),
    ("S06", 150),
    ("S06", 240),
    ("S06", 280),
    ("S06", 330),
    ("S06", 420),
    ("S06", 440),
    ("S07", 500),
    ("S08", 510),
    ("S09", 520),
    ("S10", 540),
    ("S11", 550),
    ("S12", 565),
    ("S13", 575),
    ("S13", 585),
    ("S14", 590),
    ("S15", 600),
    ("S16", 620),
    ("S17", 650),
    ("S21", 655),
    ("S18", 660),
    ("S19", 665),
    ("S20", 680),
    ("S21", 740),
    ("S21", 780),
    ("S21", 830),
    ("S21", 880),
    ("S21", 920),
    ("S22", 958),
    ("S23", 972),
    ("S24", 1000),
    ("S25", 1030),
]
# The kind of each S06 and S21 record in order.
EDUCATION_KINDS = {
    "S06": [
        "thought_report",
        "thought_report",
        "examination",
        "thought_report",
        "thought_report",
        "examination",
    ],
    "S21": [
        "thought_report",
        "thought_report",
        "examination",
        "thought_report",
        "examination",
        "thought_report",
    ],
}


def _path_index(step: str, n: int) -> int:
    return [i for i, (s, _) in enumerate(LEGAL_PATH) if s == step][n]


# How many candidates stop after the n-th record of a step: every stage filled.
STOPS = {
    ("S02", 0): 14,
    ("S03", 0): 16,
    ("S05", 0): 8,
    ("S06", 5): 18,
    ("S07", 0): 14,
    ("S09", 0): 8,
    ("S11", 0): 10,
    ("S14", 0): 8,
    ("S15", 0): 8,
    ("S18", 0): 10,
    ("S21", 2): 10,
    ("S22", 0): 8,
    ("S24", 0): 8,
    ("S25", 0): 12,
}
STOP_POINTS = {_path_index(step, n): count for (step, n), count in STOPS.items()}


def step_details(
    step: str,
    n: int,
    *,
    day: datetime.date,
    branch: Org,
    members: list[Person],
    township: Org,
    district: Org,
    form_number: str,
) -> dict:
    full = [m.pid for m in members[:-1]]  # the branch's full members; the last is the township's organizer
    votes = {
        "entitled": len(full),
        "present": len(full) - 1,
        "for": len(full) - 2,
        "against": 0,
        "abstain": 1,
    }
    details: dict[str, dict] = {
        "S02": {"talkers": full[:1]},
        "S03": {"method": "member_recommendation", "decided_by": "branch_committee"},
        "S04": {"filed_with": township.code},
        "S05": {"contacts": full[2:4]},
        "S06": {"kind": EDUCATION_KINDS["S06"][n % 6]},
        "S07": {
            "opinions_heard": ["party_group", "contacts", "members", "public"],
            "publicity_from": add_days(day, -20).isoformat(),
            "publicity_to": add_days(day, -3).isoformat(),
        },
        "S08": {"filed_with": township.code, "agreed": True},
        "S09": {"introducers": full[2:4]},
        "S10": {"result": "pass", "negative_list": {}},
        "S11": {"days": 3, "hours": 24, "provider": township.code},
        "S13": {"reviewer": township.code if n == 0 else district.code, "result": "pass"},
        "S14": {"form_number": form_number},
        "S15": votes,
        "S16": {"talkers": [members[-1].pid]},
        "S17": {"approver": township.code, "result": "approved"},
        "S18": {"filed_with": district.code},
        "S19": {"branch": branch.code},
        "S21": {"kind": EDUCATION_KINDS["S21"][n % 6]},
        "S23": {**votes, "decision": "convert"},
        "S24": {"approver": township.code, "result": "approved"},
        "S25": {"archive_no": f"LH-{form_number[-4:]}"},
    }
    return details.get(step, {})


@transaction.atomic
def demo_build(*, today: datetime.date) -> dict[str, int]:
    builder = DemoBuilder(today=today)
    branches = build_orgs()
    district, township = Org.objects.get(code=DISTRICT), Org.objects.get(code=TOWNSHIP)
    members_of: dict[int, list[Person]] = {}
    for branch in branches:
        members = []
        for k in range(12):
            joined = datetime.date(builder.rng.randint(1985, 2020), builder.rng.randint(1, 12), 1)
            m = builder.new_person(
                org=branch, age=builder.rng.randint(32, 75), member=PartyStatus.FULL, joined_on=joined
            )
            if k == 0:
                person_set_roles(actor=None, person=m, roles=[MemberRole.BRANCH_SECRETARY])
            elif k == 1:
                person_set_roles(actor=None, person=m, roles=[MemberRole.BRANCH_COMMITTEE])
            members.append(m)
        members_of[branch.pk] = members
    organizer = builder.new_person(
        org=township, age=45, member=PartyStatus.FULL, joined_on=datetime.date(2001, 7, 1)
    )
    person_set_roles(actor=None, person=organizer, roles=[MemberRole.ORGANIZER])
    trainings = demo_trainings(township=township, branches=branches, members_of=members_of, today=today)

    stops = [point for point, count in STOP_POINTS.items() for _ in range(count)]
    builder.rng.shuffle(stops)
    steps = 0
    for i, point in enumerate(stops):
        branch = branches[i % len(branches)]
        last_offset = LEGAL_PATH[point][1]
        start = add_days(today, -last_offset - builder.rng.randint(3, 40))
        young = builder.rng.random() < 0.75
        person = builder.new_person(
            org=branch,
            age=(builder.rng.randint(19, 34) if young else builder.rng.randint(36, 52)) + last_offset // 365,
            tags=(["青年农民"] if young and branch.category == OrgCategory.VILLAGE else []),
        )
        case = case_open(actor=None, person=person, opened_on=start)
        members = [*members_of[branch.pk], organizer]
        seen: dict[str, int] = {}
        for step, offset in LEGAL_PATH[: point + 1]:
            n = seen.get(step, 0)
            seen[step] = n + 1
            day = add_days(start, offset)
            details = step_details(
                step,
                n,
                day=day,
                branch=branch,
                members=members,
                township=township,
                district=district,
                form_number=f"SZQ{start.year + 1}-{i + 1:04d}",
            )
            if "form_number" in details:  # the district issues the numbered form before it is filled in
                form_issue(actor=None, person=person, number=details["form_number"], issued_on=day)
            case_record_step(
                actor=None,
                case=case,
                step=step,
                date=day,
                details=details,
                recorded_at=entered_at(builder, day),
            )
            steps += 1
    first = Person.objects.filter(org__code="SZQ-LH-01", party_status="").order_by("pid")[:2]
    if len(first) == 2:
        kinship_declare(actor=None, a=first[0], b=members_of[branches[0].pk][0], relation="parent")
        discipline_record(
            actor=None,
            person=first[1],
            kind="investigation",
            date_from=add_days(today, -200),
            date_to=add_days(today, -120),
            note="已了结",
        )

    plans = demo_plans(builder, district=district, township=township, branches=branches, today=today)
    notices = demo_notices(township=township, branch=branches[0], today=today)

    for login in LOGINS:
        org = Org.objects.get(code=login.org_code)
        user = user_create(
            actor=None,
            username=login.username,
            password=DEMO_PASSWORD,
            full_name=login.full_name,
            is_admin=login.role in ADMIN_ROLES,
            second_factor_exempt=True,  # a public password on a demo: said where the logins are printed
        )
        role_assign(actor=None, user=user, role=login.role, org=org)
    reserves = demo_reserves(district=district, township=township, branches=branches, today=today)
    applicants = demo_applicants(builder, branches=branches, today=today)
    floating = demo_floating(builder, township=township, branches=branches, today=today)
    selfchecks = demo_selfcheck(district=district, today=today)
    talents = demo_talents(township=township, organizer=organizer, members_of=members_of, today=today)
    return {
        "orgs": Org.objects.count(),
        "persons": Person.objects.count(),
        "candidates": len(stops),
        "steps": steps,
        "plans": plans,
        "notices": notices,
        "reserves": reserves,
        "applicants": applicants,
        "floating": floating,
        "selfchecks": selfchecks,
        "talents": talents,
        "trainings": trainings,
    }


# Where 罗汉镇's people go to work and where its incoming workers come from (notice 五).
OUT_PLACES = [
    ("广东省东莞市长安镇", True),
    ("广东省东莞市虎门镇", True),
    ("四川省成都市武侯区", False),
    ("浙江省宁波市北仑区", False),
]
IN_PLACES = [
    ("贵州省遵义市汇川区", "中共遵义市汇川区高坪街道双龙村支部委员会"),
    ("云南省昭通市镇雄县", "中共镇雄县以勒镇委员会"),
    ("四川省内江市市中区永安镇", "中共内江市市中区永安镇委员会"),
]


# A floating person of the demo is one not yet made a target nor politically reviewed: the review to come
# asks for the home org's opinion.
DECIDED_STEPS = (Anchor.TARGET, Anchor.POLITICAL_REVIEW)


def demo_floating(builder: DemoBuilder, *, township: Org, branches: list[Org], today: datetime.date) -> int:
    """罗汉镇's floating-member branch in 东莞 with members of the villages who work there; other members and
    two applicants working elsewhere; migrant workers come to the food company and the villages, a few of
    them in the procedure (applicants and activists not yet at the political review, so the review will ask
    for their home org's opinion)."""
    # A temporary branch: its members keep their party relationship in their home branches, which keep them
    # as members (every branch of the demo holds its own twelve), and it manages them where they work.
    dongguan = org_create(
        actor=None,
        code=f"{TOWNSHIP}-LD",
        name="罗汉镇驻东莞流动党员临时党支部",
        kind=OrgKind.TEMPORARY_BRANCH,
        category=OrgCategory.FLOATING,
        parent=township,
    )
    villages = [b for b in branches if b.category == OrgCategory.VILLAGE]
    records = 0
    for i, village in enumerate(villages):
        members = Person.objects.filter(org=village, party_status=PartyStatus.FULL, cases__isnull=True)
        member = members.order_by("-pid").first()  # a member of long standing, admitted before this record
        if member is None:
            continue
        place, in_dongguan = OUT_PLACES[i % len(OUT_PLACES)]
        floating_record_open(
            actor=None,
            person=member,
            direction=Direction.OUT,
            place=place,
            since=add_days(today, -builder.rng.randint(60, 900)),
            other_org=dongguan if in_dongguan else None,
            other_org_name="" if in_dongguan else f"中共{place[3:6]}流动党员服务中心党支部",
            contact=member.phone,
        )
        records += 1
    undecided = Case.objects.filter(
        closed_on__isnull=True, person__org__in=villages, person__party_status=""
    ).exclude(steps__step__in=DECIDED_STEPS)
    for case in undecided.select_related("person").order_by("person__pid")[:2]:
        floating_record_open(
            actor=None,
            person=case.person,
            direction=Direction.OUT,
            place=OUT_PLACES[0][0],
            since=add_days(today, -builder.rng.randint(30, 200)),
            other_org=dongguan,
            contact=case.person.phone,
        )
        records += 1
    food = next(b for b in branches if b.category == OrgCategory.PRIVATE_ENTERPRISE)
    for k in range(6):
        place, home = IN_PLACES[k % len(IN_PLACES)]
        worker = builder.new_person(
            org=food if k < 4 else villages[k],
            age=builder.rng.randint(22, 45),
            occupation=Occupation.WORKER,
            tags=["农民工"],
            household_place=place,
        )
        floating_record_open(
            actor=None,
            person=worker,
            direction=Direction.IN,
            place=place,
            since=add_days(today, -builder.rng.randint(100, 1200)),
            other_org_name=home,
            contact=worker.phone,
            migrant_worker=True,
        )
        records += 1
    in_food = Case.objects.filter(closed_on__isnull=True, person__org=food, person__party_status="").exclude(
        steps__step__in=DECIDED_STEPS
    )
    for case in in_food.select_related("person").order_by("person__pid")[:2]:
        place, home = IN_PLACES[0]
        floating_record_open(
            actor=None,
            person=case.person,
            direction=Direction.IN,
            place=place,
            since=add_days(case.opened_on, -builder.rng.randint(200, 400)),
            other_org_name=home,
            contact=case.person.phone,
            migrant_worker=True,
        )
        records += 1
    return records


# The villages whose second contact and introducer (members[3]) missed the township's trainings (TRN-STAFF
# warns when they are named) and the one whose secretary did: the untrained report has something to show.
UNTRAINED_CONTACT_BRANCHES = (3, 7, 11)
UNTRAINED_SECRETARY_BRANCH = 5


def demo_trainings(
    *, township: Org, branches: list[Org], members_of: dict[int, list[Person]], today: datetime.date
) -> int:
    """罗汉镇's trainings of those who do the work (通知六): a whole-day one for every branch's secretary and
    the members named as contacts and introducers, before the oldest case's steps, and two refreshers since.
    A few stay untrained (UNTRAINED_*)."""

    def attendees(kind: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for i, branch in enumerate(branches):
            members = members_of[branch.pk]
            if i != UNTRAINED_SECRETARY_BRANCH:
                out.append((members[0].pid, StaffRole.BRANCH_SECRETARY))
            if kind == "all":
                out.append((members[2].pid, StaffRole.CONTACT))
                if i not in UNTRAINED_CONTACT_BRANCHES:
                    out.append((members[3].pid, StaffRole.INTRODUCER))
        return out

    sessions = [
        (add_days(today, -6 * 365), "学习《中国共产党发展党员工作细则》和发展党员工作流程图", 8, "all"),
        (add_days(today, -3 * 365), "发展党员工作程序动漫片《入党》观摩", 3, "secretaries"),
        (add_days(today, -200), "发展党员工作业务培训暨纪实管理系统操作", 4, "all"),
    ]
    for day, topic, hours, kind in sessions:
        session_create(
            actor=None, org=township, topic=topic, date=day, hours=hours, attendance=attendees(kind)
        )
    return len(sessions)


DEMO_CONTACT = "来电 0832-2222333；来信来访 罗汉镇党委组织办（镇政府二楼）"


def demo_notices(*, township: Org, branch: Org, today: datetime.date) -> int:
    """Two public notices: the first branch's open notice of two activists it proposes as targets, with a
    telephone call to look into; and the township's closed notice of a probationary member to convert, whose
    period the step-23 form then carries."""
    made = 0
    proposed = notice_candidates(branch, NoticeKind.TARGET)[:2]
    if proposed:
        notice = notice_publish(
            actor=None,
            org=branch,
            kind=NoticeKind.TARGET,
            cases=[c.case for c in proposed],
            starts_on=add_days(today, -2),
            contact=DEMO_CONTACT,
        )
        notice_feedback_record(
            actor=None,
            notice=notice,
            entry=notice.entries.order_by("pk").first(),
            received_on=today,
            channel=FeedbackChannel.PHONE,
            summary="村民来电反映该同志去年承包鱼塘时与邻组有用水纠纷，希望组织了解。",
        )
        made += 1
    converting = notice_candidates(township, NoticeKind.CONVERSION)[:1]
    if converting:
        notice = notice_publish(
            actor=None,
            org=township,
            kind=NoticeKind.CONVERSION,
            cases=[c.case for c in converting],
            starts_on=add_days(today, -20),
            contact=DEMO_CONTACT,
        )
        notice_close(actor=None, notice=notice, closed_on=today)
        made += 1
    return made


PLAN_YEARS = 3  # this year's plan and the two before it


def demo_plans(
    builder: DemoBuilder, *, district: Org, township: Org, branches: list[Org], today: datetime.date
) -> int:
    """The district's guiding plans handed down as the notice has them (通知一): for each of the last years,
    the district's quota, the township's (with a reserve it keeps) and each branch's, set around what the
    branch admitted, so that a few branches fall short in a finished year (PLAN-QUOTA's warning) and none
    goes over; this year's township plan names focus-group targets (通知五)."""
    made = 0
    for year in range(today.year - PLAN_YEARS + 1, today.year + 1):
        admitted = Counter(a.org.pk for a in admissions(township, year))
        quotas = {b.pk: admitted[b.pk] + (1 if builder.rng.random() < 0.25 else 0) for b in branches}
        township_quota = sum(quotas.values()) + 2
        groups = {"women": township_quota // 3, "age_35_and_under": township_quota // 2}
        plan_allocate(actor=None, org=district, year=year, quota=township_quota + 5)
        plan_allocate(
            actor=None,
            org=township,
            year=year,
            quota=township_quota,
            groups=groups if year == today.year else {},
        )
        made += 2
        for branch in branches:
            if quotas[branch.pk]:
                plan_allocate(actor=None, org=branch, year=year, quota=quotas[branch.pk])
                made += 1
    return made


# The org the demo's branch secretary serves: that branch's requests are theirs.
SECRETARY_ORG = next(login.org_code for login in LOGINS if login.username == "branch_secretary")


def demo_reserves(*, district: Org, township: Org, branches: list[Org], today: datetime.date) -> int:
    """This year's reserve plans (通知二) set at what each branch holds today, one branch an activist above it
    so the to-do list warns it; the candidates in the pool then taken into
    the plan; and the year's cycle (通知一) as the demo's users would have done it: each branch's request the
    November before, the district's guiding plan in February, the township's division in March. Next year's
    reserves and, once November has come, its requests follow the same way."""
    users = {u.username: u for u in User.objects.filter(username__in=[login.username for login in LOGINS])}
    district_user, organizer = users["district_reviewer"], users["township_organizer"]
    secretary = users["branch_secretary"]
    paths = {o.code: o.path for o in [district, township, *branches]}
    counts = pool_counts(township, today, today=today)
    made = 0
    for year in (today.year, today.year + 1):
        pools = {b.pk: pool_rolled_up(counts, paths, b.code) for b in branches}
        wanted = {}
        for index, branch in enumerate(branches):
            pool = pools[branch.pk]
            applicants, activists, targets = (
                pool.get(stage, 0) for stage in ("applicant", "activist", "target")
            )
            if index == 1 and year == today.year:
                activists += 1  # the one that falls short: the to-do list warns it
            if branch.category == OrgCategory.VILLAGE:
                activists = max(activists, 1)
            wanted[branch.pk] = (applicants, activists, targets)
        totals = [sum(w[i] for w in wanted.values()) for i in range(3)]
        reserve_set(
            actor=district_user,
            org=district,
            year=year,
            applicants=totals[0] + 4,
            activists=totals[1] + 2,
            targets=totals[2] + 1,
        )
        reserve_set(
            actor=district_user,
            org=township,
            year=year,
            applicants=totals[0] + 2,
            activists=totals[1] + 1,
            targets=totals[2],
            young_farmers=1,
        )
        made += 2
        for branch in branches:
            a, b, c = wanted[branch.pk]
            # A village plans its young farmer (RES-YOUNG-FARMER: one every two years) in a window's first
            # year, and again in its last if none was admitted in the first.
            first, _last = young_farmer_window_of(datetime.date(year, 1, 1), limits())
            farmers = int(
                branch.category == OrgCategory.VILLAGE
                and (year == first.year or not young_farmers_admitted(branch, first, today, today=today))
            )
            reserve_set(
                actor=organizer,
                org=branch,
                year=year,
                applicants=a,
                activists=b,
                targets=c,
                young_farmers=farmers,
            )
            made += 1
    # The cases in the pool at the year's start, taken into its plan by the township in January.
    taken_on = min(datetime.date(today.year, 1, 10), today)
    for case in (
        Case.objects.filter(person__org__in=branches, opened_on__lte=taken_on, closed_on__isnull=True)
        .select_related("person__org")
        .order_by("pk")[:40]
    ):
        try:
            reserve_take_in(actor=organizer, case=case, year=today.year, date=taken_on)
        except ValidationError:
            continue  # not in the pool that day (already a probationary member)
        made += 1
    # This year's cycle: requests the November before, the guiding plan in February, the division in March.
    quotas = {p.org_id: p.quota for p in Plan.objects.filter(year=today.year, org__in=branches)}
    for branch in branches:
        who = secretary if branch.code == SECRETARY_ORG else organizer
        cycle_record(
            actor=who,
            org=branch,
            year=today.year,
            step=CycleStep.REQUEST,
            date=datetime.date(today.year - 1, 11, 15),
            number=quotas.get(branch.pk, 0),
            note="储备人员已纳入计划",
            today=today,
        )
        made += 1
    guide_on, division_on = datetime.date(today.year, 2, 20), datetime.date(today.year, 3, 5)
    if guide_on <= today:
        cycle_record(
            actor=district_user,
            org=township,
            year=today.year,
            step=CycleStep.GUIDE,
            date=guide_on,
            today=today,
        )
        made += 1
    if division_on <= today:
        cycle_record(
            actor=organizer,
            org=township,
            year=today.year,
            step=CycleStep.DIVISION,
            date=division_on,
            today=today,
        )
        made += 1
    # Next year's requests, once their November has come.
    request_on = datetime.date(today.year, 11, 15)
    if request_on <= today:
        for branch in branches[:2]:
            cycle_record(
                actor=secretary if branch.code == SECRETARY_ORG else organizer,
                org=branch,
                year=today.year + 1,
                step=CycleStep.REQUEST,
                date=request_on,
                number=max(quotas.get(branch.pk, 0), 1),
                today=today,
            )
            made += 1
    return made


DEMO_APPLICATION = (
    "敬爱的党组织：我志愿加入中国共产党，愿意为共产主义事业奋斗终身。我是土生土长的{village}人，"
    "这几年跟着村里的党员一起修路、发展产业，看到党员干部处处带头，深受教育。我拥护党的纲领，遵守党的章程，"
    "履行党员义务，执行党的决定，严守党的纪律，请党组织在实践中考验我。此致 敬礼！申请人：{name}"
)


def _signed_page(seed: int) -> bytes:
    """A stand-in for the photo of a signed page: a pale sheet with ruled lines."""
    sheet = Image.new("RGB", (600, 800), (250, 248, 240 - seed % 10))
    draw = ImageDraw.Draw(sheet)
    for y in range(80, 760, 40):
        draw.line([(40, y), (560, y)], fill=(200, 190, 180), width=1)
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return out.getvalue()


def demo_applicants(builder: DemoBuilder, *, branches: list[Org], today: datetime.date) -> int:
    """Applicants who serve themselves (网上入党申请): every village branch has handed out a code; in the
    first village an applicant's submission waits for the branch (the demo secretary's to-do), in the second
    one waits too, and in the third one came back with a reason and waits to be sent again."""
    secretary = User.objects.get(username="branch_secretary")
    villages = [b for b in branches if b.category == OrgCategory.VILLAGE]
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(10, 0)))
    made = 0
    for index, village in enumerate(villages):
        actor = secretary if village.code == SECRETARY_ORG else None
        issued_at = noon - datetime.timedelta(days=3 + index % 5)
        _invite, clear = code_issue(actor=actor, org=village, now=issued_at)
        made += 1
        if index >= 3:
            continue  # handed out, not yet used
        birth = datetime.date(today.year - 24 - index * 3, 3 + index, 10 + index)
        name = builder.name()
        applicant = applicant_register(
            code=clear,
            name=name,
            id_number=builder.id_number(birth, "MFM"[index]),
            phone=f"1398320{index:04d}",
            education=[Education.HIGH_SCHOOL, Education.COLLEGE, Education.SECONDARY_VOCATIONAL][index],
            occupation=Occupation.FARMER,
            pin="135790",
            pin_again="135790",
            address="demo",
            now=issued_at + datetime.timedelta(hours=5),
        )
        place = village.name.replace("中共罗汉镇", "").replace("支部委员会", "")
        submission = submission_submit(
            applicant=applicant,
            text=DEMO_APPLICATION.format(village=place, name=name),
            photo=_signed_page(index),
            now=issued_at + datetime.timedelta(hours=5, minutes=20),
        )
        if index == 2:
            submission_return(
                actor=None,
                submission=submission,
                reason="签名页照片拍得不清楚，请在光线好的地方重拍后再提交。",
            )
    return made


def demo_selfcheck(*, district: Org, today: datetime.date) -> int:
    """This year's self-inspection task (通知七: 8月底前自查2017年以来的发展党员工作), set by the district for
    罗汉镇 (the demo's one township): the township prepared and handed its report in, and the district
    returned it asking for the conversions' rectification, so the township organizer's to-do lists it again.
    Returns the number of townships the task went to."""
    users = {
        u.username: u for u in User.objects.filter(username__in=["district_reviewer", "township_organizer"])
    }
    # The notice's 8月底 when the demo is built before it; built later in the year, a year-end round due in
    # three weeks, so the township's hand-in is on time and its to-do row still shows the task.
    due = default_due(today.year)
    if today > due:
        due = today + datetime.timedelta(days=21)
    task = selfcheck_task_create(
        actor=users["district_reviewer"],
        district=district,
        title=f"{today.year}年发展党员工作自查",
        period_to=min(due, today),
        due_on=due,
    )
    part = task.assignments.get()
    part = assignment_prepare(
        actor=users["township_organizer"],
        assignment=part,
        summary="镇党委成立自查工作组，对2017年以来各支部发展党员档案逐村逐人核查，重点查看发展计划执行、"
        "发展标准和发展程序的落实情况。",
        rectification="对检查发现的问题逐项建立整改台账，明确责任支部和完成时限；预备党员按期转正，"
        "档案资料及时归档。",
    )
    assignment_hand_in(actor=users["township_organizer"], assignment=part)
    assignment_return(
        actor=users["district_reviewer"],
        assignment=part,
        reason="请补充预备党员按期转正情况的整改措施后重新上报。",
    )
    return task.assignments.count()


def demo_talents(
    *, township: Org, organizer: Person, members_of: dict[int, list[Person]], today: datetime.date
) -> int:
    """Key talents (通知五): the food company marked a key unit; five candidates of 罗汉镇 and one member
    admitted this year marked key persons; the township's organizer links three of them (一人联系多人), one
    also has the branch secretary (多对一); two are covered by a contact this quarter, one was last contacted
    five months ago, one has no leader yet; this year's 单列计划 reserves two places."""
    unit_org = Org.objects.filter(code=f"{TOWNSHIP}-18").first()
    if unit_org is not None:
        key_unit_mark(
            actor=None,
            org=unit_org,
            category=UnitCategory.HIGH_TECH,
            since=add_days(today, -300),
            note="省级高新技术企业（食品生物技术研发中心）",
        )
    candidates = list(
        Person.objects.filter(
            org__path__startswith=township.path, party_status="", cases__closed_on__isnull=True
        )
        .select_related("org")
        .order_by("org__path", "pid")
        .distinct()
    )
    chosen = candidates[::9][:5]
    categories = [
        PersonCategory.HIGH_SKILL,
        PersonCategory.ENTREPRENEUR,
        PersonCategory.ACADEMIC_LEADER,
        PersonCategory.TALENT_PROGRAM,
        PersonCategory.HIGH_SKILL,
    ]
    keys = [
        key_person_mark(actor=None, person=p, category=c, since=add_days(today, -240))
        for p, c in zip(chosen, categories, strict=False)
    ]
    contacts = [20, 50, 150, None]  # days before today of each one's last contact; the fifth has no leader
    for key, last in zip(keys, contacts, strict=False):
        link = leader_assign(actor=None, key=key, leader=organizer, start=add_days(today, -230))
        if key is keys[2]:
            secretary = members_of[key.person.org_id][0]
            leader_assign(actor=None, key=key, leader=secretary, start=add_days(today, -190))
        if last is not None:
            contact_record(actor=None, link=link, date=add_days(today, -last - 60), way=ContactWay.VISIT)
            contact_record(
                actor=None,
                link=link,
                date=add_days(today, -last),
                way=ContactWay.TALK,
                note="了解创业情况，宣讲党的政策",
            )
    admitted = admissions(township, today.year)
    if admitted:
        first = admitted[0]
        keys.append(
            key_person_mark(
                actor=None,
                person=first.person,
                category=PersonCategory.HIGH_SKILL,
                since=add_days(first.date, -120),
            )
        )
    plan = Plan.objects.filter(org=township, year=today.year).first()
    if plan is not None:
        talent_plan_set(actor=None, org=township, year=today.year, reserved=min(2, plan.quota))
    return len(keys)


def demo_exists() -> bool:
    return Org.objects.filter(code=TOWNSHIP).exists()

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fazhan.accounts.models import RoleAssignment, User
from fazhan.demo.management.commands.demo import role_labels
from fazhan.demo.world import DEMO_PASSWORD
from fazhan.interchange.ledger import ROSTERS, roster_bytes
from fazhan.organizations.models import Org, OrgKind
from fazhan.people.models import Person
from fazhan.plans.models import Plan
from fazhan.plans.selectors import admissions
from fazhan.procedure.definition import CaseStage
from fazhan.procedure.models import Case, StepRecord
from tests.applicants.demo_checks import assert_demo_applicants
from tests.demo_copy import DEMO_DAY
from tests.fresh import run_fazhan_many
from tests.interchange.conftest import snapshot
from tests.plans.demo_checks import assert_demo_reserves

TODAY = datetime.date(2026, 11, 25)


def assert_summary_counts_the_newer_wings(printed: str) -> None:
    """The printed summary has a line for each newer wing, its figures those of the rows the demo made."""
    from fazhan.applicants.models import Submission
    from fazhan.floating.models import FloatingRecord
    from fazhan.selfcheck.models import SelfCheckSubmission
    from fazhan.talents.models import KeyPerson, KeyUnit
    from fazhan.training.models import TrainingSession

    lines = {line.strip().split("：")[0]: line.strip() for line in printed.splitlines() if "：" in line}
    open_records = FloatingRecord.objects.filter(until__isnull=True)
    assert lines["重点人才"] == (
        f"重点人才：重点培养单位 {KeyUnit.objects.filter(until__isnull=True).count()} 个，"
        f"重点培养对象 {KeyPerson.objects.filter(until__isnull=True).count()} 名。"
    )
    assert lines["流动党员"] == (
        f"流动党员：流出 {open_records.filter(direction='out').count()} 名，"
        f"流入 {open_records.filter(direction='in').count()} 名"
        f"（其中农民工 {open_records.filter(migrant_worker=True).count()} 名）。"
    )
    assert lines["业务培训"] == f"业务培训：{TrainingSession.objects.count()} 次。"
    assert lines["网上入党申请"] == (
        f"网上入党申请：{Submission.objects.count()} 份，"
        f"其中待支部受理 {Submission.objects.filter(state='submitted').count()} 份。"
    )
    assert lines["自查报告"] == f"自查报告：已上报 {SelfCheckSubmission.objects.count()} 份。"
    for figure in ("重点人才", "流动党员", "业务培训", "网上入党申请", "自查报告"):
        assert re.search(r"[1-9]", lines[figure]), figure  # the demo has some of each


@pytest.fixture
def demo(demo_world):
    """What `fazhan demo --today TODAY` printed, and its world in this test's database (tests/demo_copy.py:
    the command runs once per run; each test that asks gets a copy of what it built)."""
    assert TODAY == DEMO_DAY
    return demo_world.output


def test_demo_builds_a_township_with_branches_members_candidates_and_logins_and_is_idempotent(
    demo, tmp_path, migrated_database
):
    township = Org.objects.get(code="SZQ-LH")
    assert township.parent.code == "SZQ"
    branches = Org.objects.filter(path__startswith=township.path, kind=OrgKind.BRANCH)
    assert branches.count() >= 20
    assert {"village", "community", "private_enterprise", "school"} <= set(
        branches.values_list("category", flat=True)
    )
    for branch in branches:
        assert Person.objects.filter(org=branch, party_status="full", cases__isnull=True).count() == 12

    assert Case.objects.count() >= 150
    stages = set(Case.objects.values_list("stage", flat=True))
    assert stages >= {
        CaseStage.APPLICANT,
        CaseStage.ACTIVIST,
        CaseStage.TARGET,
        CaseStage.PROBATIONARY,
        CaseStage.FULL,
    }

    # histories lie in the past and were entered after the event, not on the day the demo was built
    assert not StepRecord.objects.filter(date__gt=TODAY).exists()
    for record in StepRecord.objects.all()[:300]:
        assert record.recorded_at.date() >= record.date
        assert (record.recorded_at.date() - record.date).days <= 3

    # the plans handed down for this year and the two before: binding (no branch over its quota, none over
    # the township's), with this year's focus-group targets
    for year in range(TODAY.year - 2, TODAY.year + 1):
        township_plan = Plan.objects.get(org=township, year=year)
        branch_plans = Plan.objects.filter(org__in=branches, year=year)
        assert sum(p.quota for p in branch_plans) <= township_plan.quota
        assert township_plan.quota <= Plan.objects.get(org__code="SZQ", year=year).quota
        for plan in branch_plans:
            assert len(admissions(plan.org, year)) <= plan.quota
    assert Plan.objects.get(org=township, year=TODAY.year).groups
    assert_demo_reserves(TODAY)  # the reserve plans and the yearly cycle (通知一、二)
    assert_demo_applicants()  # every village has handed out a code; three applicants sent theirs in

    # admitted candidates are members from their branch meeting (PRB-DATES)
    case = Case.objects.filter(stage=CaseStage.PROBATIONARY).select_related("person").first()
    assert case.person.party_status == "probationary"
    assert case.person.joined_on == case.steps.get(step="S15").date

    usernames = [
        "branch_secretary",
        "branch_organizer",
        "township_organizer",
        "township_approver",
        "district_reviewer",
        "inspector",
        "admin",
        "secadmin",
        "auditor",
    ]
    for username in usernames:
        assert username in demo
        assert Client().login(username=username, password=DEMO_PASSWORD)
    assert DEMO_PASSWORD in demo
    # The demo's logins of the 2FA roles need not enrol, and the printed list says so.
    assert User.objects.filter(username="district_reviewer", second_factor_exempt=True).exists()
    marked = {line.split()[0] for line in demo.splitlines() if line.endswith("（演示账号免两步验证）")}
    assert marked == {"district_reviewer", "township_approver", "admin", "secadmin", "auditor"}
    # The three administrators are three logins, each with one administrator role and no case role (三员).
    admin_roles = {
        u: {a.role for a in User.objects.get(username=u).assignments.all()} for u in usernames[-3:]
    }
    assert admin_roles == {"admin": {"sysadmin"}, "secadmin": {"secadmin"}, "auditor": {"auditadmin"}}
    assert "只供演示" in demo
    assert_summary_counts_the_newer_wings(demo)
    # the note names the two-factor roles as users read them, not their stored values
    note = next(line for line in demo.splitlines() if line.startswith("注意："))
    assert "区委组织部审核人、镇党委审批人、系统管理员、安全管理员、审计管理员" in note
    assert not re.search(r"[a-z_]{4,}", note.replace("fazhan adduser", ""))
    assert (
        len(set(RoleAssignment.objects.values_list("role", flat=True))) == 9
    )  # 6 case roles, 3 administrators

    # A second run finds the demo and adds nothing (one test, as building the demo takes a minute or more).
    counts = (Org.objects.count(), Person.objects.count(), StepRecord.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("demo", today=TODAY, stdout=out)
    assert "已存在" in out.getvalue()
    assert (
        Org.objects.count(),
        Person.objects.count(),
        StepRecord.objects.count(),
        User.objects.count(),
    ) == counts

    # The demo re-imports unchanged from every format it exports, and its JSON Lines export imported into an
    # empty database exports the same (the same test again: the demo is built once).
    files = {"jsonl": tmp_path / "demo.jsonl", "ledger": tmp_path / "demo.xlsx"}
    for path in files.values():
        call_command("export", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    for kind in ROSTERS:
        files[kind] = tmp_path / f"{kind}.xlsx"
        files[kind].write_bytes(roster_bytes(kind, root=None))
    before = snapshot()
    for name, path in files.items():
        out = io.StringIO()
        call_command("import", str(path), stdout=out, stderr=io.StringIO())
        assert all("created 0, updated 0" in line for line in out.getvalue().splitlines()), (
            name,
            out.getvalue(),
        )
        assert snapshot() == before, name
    again = tmp_path / "again.jsonl"
    commands = [["migrate", "--noinput", "-v0"], ["import", str(files["jsonl"])], ["export", str(again)]]
    results = run_fazhan_many(commands, {"DATABASE_URL": migrated_database})
    assert [status for status, _out in results] == [0, 0, 0], results

    def lines(path):
        return [line for line in path.read_text(encoding="utf-8").splitlines() if '"header"' not in line]

    assert lines(again) == lines(files["jsonl"])
    assert any('"type": "notice"' in line for line in lines(again))


def test_adduser_creates_a_login_with_a_role_on_an_org(world):
    out = io.StringIO()
    call_command("adduser", "newsec", role="branch_secretary", org="SZQ-LH-02", by="secadmin", stdout=out)
    user = User.objects.get(username="newsec")
    assert user.assignments.get().org == world.branch2
    password = out.getvalue().split("password: ")[1].strip()
    assert Client().login(username="newsec", password=password)


def test_adduser_gives_an_existing_login_another_role(world):
    call_command(
        "adduser", "sec1", role="branch_organizer", org="SZQ-LH-02", by="secadmin", stdout=io.StringIO()
    )
    assert set(world.users["sec1"].assignments.values_list("role", "org__code")) == {
        ("branch_secretary", "SZQ-LH-01"),
        ("branch_organizer", "SZQ-LH-02"),
    }


def test_adduser_refuses_an_unknown_org_naming_the_option(world):
    with pytest.raises(CommandError, match="--org"):
        call_command("adduser", "x", role="branch_secretary", org="NOPE", by="secadmin", stdout=io.StringIO())
    assert not User.objects.filter(username="x").exists()


def test_orgs_prints_the_subtree_with_member_counts(world):
    out = io.StringIO()
    call_command("orgs", org="SZQ-LH", stdout=out)
    text = out.getvalue()
    assert "SZQ-LH-03-1" in text
    assert "SZQ-YX" not in text
    assert "正式1" in text  # 高建国 in SZQ-LH-01


def test_the_demos_roles_read_as_their_chinese_labels():
    assert role_labels(["district_reviewer", "secadmin"]) == "区委组织部审核人、安全管理员"
    assert role_labels(["someone_new"]) == "someone_new"  # a role the system does not know stands as it is

"""fazhan import / export of the record interchange format (interchange.md)."""

import datetime

from fazhan.interchange.models import StepKey
from fazhan.people.models import Person
from fazhan.procedure.engine import evaluate
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.selectors import case_facts
from tests.conftest import ID_1998_MALE, make_id_number
from tests.interchange.conftest import export_records, run, snapshot, write_jsonl

ID_NEW = make_id_number(datetime.date(1990, 2, 3), 21)


def test_a_valid_file_imports_with_counts_and_the_case_follows_its_steps(base_records, tmp_path):
    status, out = run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))
    assert status == 0, out
    assert "person: created 2, updated 0, unchanged 0" in out
    case = Case.objects.get(person__pid="P0901")
    assert (case.opened_on, case.stage) == (datetime.date(2018, 1, 2), "applicant")
    talk = StepRecord.objects.get(case=case, step="S02")
    assert (talk.recorded_by_label, talk.recorded_at) == ("M0901", None)
    member = Person.objects.get(pid="M0901")
    assert member.full_since == datetime.date(1996, 7, 1)  # one year after joining, by default
    assert [r.role for r in member.roles.all()] == ["branch_secretary"]


def test_a_file_with_twenty_planted_problems_is_refused_listing_all_twenty(base_records, tmp_path):
    planted = [
        '{"type": "person", "id": ',  # bad JSON
        "[1, 2]",  # not an object
        {"type": "persn", "id": "X"},  # unknown type
        {"type": "step", "person": "P0901", "step": "S26", "date": "2018-02-01"},  # unknown step
        {"type": "step", "person": "P0901", "step": "S02", "date": "2018-02-01", "details": {"talker": []}},
        {"type": "person", "id": "P0902", "name": "甲", "id_number": "51100219990202121X", "org": "SZQ-LH-09"}
        | {"education": "博士"},  # outside the code list
        {"type": "step", "person": "P0901", "step": "S03", "date": "2018-02-30"},  # impossible date
        {
            "type": "person",
            "id": "P0903",
            "name": "乙",
            "id_number": "511002199903031219",
            "org": "SZQ-LH-09",
        },
        {"type": "person", "id": "P0904", "name": "丙", "id_number": "511002199904041214", "org": "SZQ-XX"},
        {"type": "step", "person": "P9999", "step": "S01", "date": "2018-01-02"},  # unknown person
        {
            "type": "org",
            "code": "SZQ-LH-09",
            "name": "重复",
            "parent": "SZQ-LH",
            "kind": "branch",
        },  # duplicate
        {"type": "person", "id": "P0905", "id_number": "511002199905051211", "org": "SZQ-LH-09"},  # no name
        {"type": "step", "person": "P0901", "step": "S05", "date": "2018-05-01", "details": {}},  # contacts
        {"type": "step", "person": "P0901", "step": "S09", "date": "2018-06-01"}
        | {"details": {"introducers": ["M9999"]}},  # introducer who does not exist
        {"type": "step", "person": "P0901", "step": "S04", "date": "2018-05-02"}
        | {"recorded_at": "2018-05-02 09:30"},  # timestamp without offset
        {"type": "kin", "a": "P0901", "b": "M0901", "relation": "cousin"},  # relation outside the list
        {"type": "discipline", "person": "P0901", "from": "2018-03-01", "to": "2018-01-01"}
        | {"kind": "investigation"},  # ends before it starts
        {"type": "person", "id": "P0906", "name": "丁", "id_number": ID_1998_MALE, "org": "SZQ-LH-09"},
        {
            "type": "step",
            "person": "P0901",
            "step": "S06",
            "date": "2099-01-01",
            "details": {"kind": "training"},
        },
        {"type": "exit", "person": "P0901", "date": "2018-07-01", "reason": "moved_away"},  # exit reason
    ]
    assert len(planted) == 20
    records = base_records + planted
    first_planted = len(base_records) + 1
    before = snapshot()

    status, out = run("import", str(write_jsonl(tmp_path / "bad.jsonl", records)))

    assert status == 1
    lines = out.strip().splitlines()
    assert len(lines) == 20, out
    assert [int(line.split(":")[0].split()[1]) for line in lines] == list(
        range(first_planted, first_planted + 20)
    )
    assert all(line.startswith("line ") and line.count(": ") >= 2 for line in lines)
    assert "line 14: id_number: " in out  # the wrong check character (P0903) is named with its field
    assert "P0001" in out  # the ID number already held names its holder
    assert snapshot() == before


def test_importing_the_same_file_twice_changes_nothing(base_records, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", base_records)
    assert run("import", str(path))[0] == 0
    before = snapshot()
    status, out = run("import", str(path))
    assert status == 0
    assert "created 1" not in out
    assert "updated 1" not in out
    assert snapshot() == before


def test_export_then_import_into_an_empty_database_then_export_gives_identical_records(
    transactional_db, pw, tmp_path
):
    from fazhan.people.services import discipline_record, kinship_declare
    from fazhan.procedure.services import step_correct
    from tests.procedure.conftest import walk

    done = walk(pw, "S25")
    step_correct(actor=None, record=done["S02"][0], date=done["S02"][0].date, details={}, reason="谈话人录错")
    kinship_declare(actor=None, a=pw.p1, b=pw.m1, relation="parent")
    discipline_record(actor=None, person=pw.p2, kind="investigation", date_from=datetime.date(2019, 1, 1))
    _registers(pw)
    first = export_records(tmp_path, "first.jsonl")
    assert {r["type"] for r in first} >= {"plan", "form", "transfer", "archive_review", "exit", "kin"}
    assert any(r.get("supersedes") for r in first)

    run("flush", "--no-input")
    assert not Person.objects.exists()
    status, out = run("import", str(tmp_path / "first.jsonl"))
    assert status == 0, out
    second = export_records(tmp_path, "second.jsonl")

    assert first[1:] == second[1:]  # everything but the header's export time
    assert Case.objects.get(person__pid="P0001").stage == "full"


def _registers(w) -> None:
    """Rows of the registers that have no entry service yet (plans, forms, transfers, reviews, exits)."""
    from fazhan.archive.models import ArchiveReview
    from fazhan.people.models import Transfer
    from fazhan.plans.models import Plan
    from fazhan.prereview.models import NumberedForm

    Plan.objects.create(org=w.branch1, year=2021, quota=2, groups={"青年农民": 1, "women": 1})
    spoilt = NumberedForm.objects.create(
        number="SZQ2021-0000", person=w.p1, issued_on=datetime.date(2021, 9, 1), issued_by=w.district
    )
    spoilt.status, spoilt.void_reason = "voided", "填写错误"
    spoilt.save()
    # The walk had the district issue SZQ2021-0001 before S14: it replaces the spoilt one.
    assert NumberedForm.objects.filter(number="SZQ2021-0001", person=w.p1, status="used").update(
        replaces=spoilt
    )
    Transfer.objects.create(person=w.p2, date=datetime.date(2020, 5, 1), from_org=w.branch1, to_org=w.branch2)
    ArchiveReview.objects.create(
        person=w.p1, date=datetime.date(2023, 8, 1), reviewer=w.township, missing=["thought_reports"]
    )
    case = Case.objects.create(person=w.p3, opened_on=datetime.date(2020, 1, 1))
    case.closed_on, case.exit_reason, case.stage = datetime.date(2020, 6, 1), "withdrawn", "exited"
    case.save()


def test_history_that_breaks_the_procedure_is_imported_and_left_for_the_inspection(base_records, tmp_path):
    records = [r for r in base_records if r.get("step") != "S02"]
    records.append({"type": "step", "person": "P0901", "step": "S02", "date": "2018-02-20"})  # seven weeks

    status, out = run("import", str(write_jsonl(tmp_path / "late.jsonl", records)))

    assert status == 0, out
    case = Case.objects.get(person__pid="P0901")
    assert [f.rule for f in evaluate(case_facts(case), rules=["APP-TALK"])] == ["APP-TALK"]


def test_a_changed_step_is_entered_as_a_new_record_superseding_the_old(base_records, tmp_path):
    base_records[-1] |= {"id": "st-1"}
    assert run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))[0] == 0
    base_records[-1] |= {"date": "2018-01-25"}

    status, out = run("import", str(write_jsonl(tmp_path / "b.jsonl", base_records)))

    assert status == 0, out
    old, new = StepRecord.objects.filter(step="S02").order_by("pk")
    assert new.supersedes == old
    assert new.date == datetime.date(2018, 1, 25)
    assert new.reason
    assert StepKey.objects.get(key="st-1").record == new


def test_admission_in_the_steps_makes_the_person_a_probationary_member(base_records, tmp_path):
    steps = {"S13": {"reviewer": "SZQ-LH", "result": "pass"}, "S14": {"form_number": "SZQ2019-0001"}}
    steps |= {"S15": {"entitled": 9, "present": 9, "for": 9, "against": 0, "abstain": 0}}
    steps |= {"S17": {"approver": "SZQ-LH", "result": "approved"}}
    for k, (step, details) in enumerate(steps.items()):
        base_records.append(
            {"type": "step", "person": "P0901", "step": step, "date": f"2019-0{k + 1}-10", "details": details}
        )
    assert run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))[0] == 0
    person = Person.objects.get(pid="P0901")
    assert (person.party_status, person.joined_on) == ("probationary", datetime.date(2019, 3, 10))
    assert Case.objects.get(person=person).stage == "probationary"


def test_an_exit_closes_the_case(base_records, tmp_path):
    base_records.append({"type": "exit", "person": "P0901", "date": "2018-03-01", "reason": "withdrawn"})
    assert run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))[0] == 0
    case = Case.objects.get(person__pid="P0901")
    assert (case.closed_on, case.exit_reason, case.stage) == (
        datetime.date(2018, 3, 1),
        "withdrawn",
        "exited",
    )


def test_a_subtree_export_carries_the_outside_persons_and_orgs_it_names(transactional_db, pw, tmp_path):
    from tests.procedure.conftest import walk

    walk(pw, "S17")  # S16's talker is the township's organizer, outside the branch
    records = export_records(tmp_path, "branch.jsonl", "--org", "SZQ-LH-01")
    persons = {r["id"]: r["org"] for r in records if r["type"] == "person"}
    assert persons["M0900"] == "SZQ-LH"
    assert [r["code"] for r in records if r["type"] == "org"] == ["SZQ", "SZQ-LH", "SZQ-LH-01"]

    run("flush", "--no-input")
    status, out = run("import", str(tmp_path / "branch.jsonl"))
    assert status == 0, out
    assert Person.objects.get(pid="P0001").party_status == "probationary"


def test_values_of_any_json_type_in_any_field_are_problems_not_crashes(base_records, tmp_path):
    from fazhan.interchange.reader import Source
    from fazhan.interchange.services import interchange_check

    samples = [
        *base_records,
        {"type": "exit", "person": "P0901", "date": "2018-03-01", "reason": "withdrawn"},
        {"type": "transfer", "person": "P0901", "date": "2018-03-01", "from": "SZQ-LH-01", "to": "SZQ-LH-09"},
        {"type": "kin", "a": "P0901", "b": "M0901", "relation": "parent"},
        {"type": "discipline", "person": "P0901", "from": "2018-03-01", "kind": "sanction"},
        {"type": "plan", "org": "SZQ-LH-09", "year": 2018, "quota": 1, "groups": {"women": 1}},
        {"type": "form", "number": "F1", "issued_to": "P0901", "issued_on": "2018-01-01", "status": "issued"},
        {"type": "archive_review", "person": "P0901", "date": "2019-01-01", "reviewer": "SZQ-LH"},
    ]
    for junk in ([{}], {"a": [1]}, 3.5, "x" * 300):
        for n, record in enumerate(samples):
            for key in record:
                if key == "type":
                    continue
                broken = [Source(k + 1, dict(r)) for k, r in enumerate(samples)]
                broken[n].data[key] = junk
                interchange_check(broken)  # must not raise


def test_the_trail_an_import_writes_in_bulk_chains_like_any_other(base_records, tmp_path):
    """audit_record_many and audit_record share one recipe: after an import the whole chain holds."""
    from fazhan.auditlog.models import AuditEvent
    from fazhan.auditlog.selectors import trail_verify

    status, out = run("import", str(write_jsonl(tmp_path / "a.jsonl", base_records)))
    assert status == 0, out
    assert AuditEvent.objects.filter(action__startswith="interchange.").count() > 2
    check = trail_verify()
    assert check.ok, check.broken
    assert check.count == AuditEvent.objects.count()


def test_a_changed_register_row_updates_its_record_in_place_and_a_new_one_is_created(world, tmp_path):
    """Each register is matched by its key; what the row carries is rewritten, a new key is a new record."""
    from fazhan.archive.models import ArchiveReview
    from fazhan.auditlog.models import AuditEvent
    from fazhan.people.models import DisciplineRecord, Kinship, Transfer
    from fazhan.plans.models import Plan
    from fazhan.prereview.models import NumberedForm

    day = datetime.date(2020, 5, 1)
    Plan.objects.create(org=world.branch1, year=2021, quota=2, groups={})
    Transfer.objects.create(person=world.p2, date=day, from_org=world.branch1, to_org=world.branch2)
    DisciplineRecord.objects.create(person=world.m1, kind="sanction", date_from=day, note="警告")
    ArchiveReview.objects.create(person=world.m1, date=day, reviewer=world.township, missing=[])
    NumberedForm.objects.create(
        number="SZQ2021-0007", person=world.p2, issued_on=day, issued_by=world.township, status="issued"
    )
    records = export_records(tmp_path, "before.jsonl")
    changes = {
        "plan": {"quota": 3, "groups": {"women": 1}},
        "transfer": {"to": "SZQ-LH-03-1", "materials_transferred": False},
        "discipline": {"to": "2021-05-01", "rights_restored_on": "2021-06-01", "note": "严重警告"},
        "archive_review": {"reviewer": "SZQ", "missing": ["thought_reports"], "location": "档案室 3 号柜"},
        "form": {"issued_to": "P0001", "issued_on": "2021-09-01", "issued_by": "SZQ", "status": "voided"}
        | {"void_reason": "填写错误"},
    }
    for record in records:
        record.update(changes.get(record["type"], {}))
    records.append({"type": "kin", "a": "P0001", "b": "M0001", "relation": "parent"})
    before = {m: m.objects.count() for m in (Plan, Transfer, DisciplineRecord, ArchiveReview, NumberedForm)}

    status, out = run("import", str(write_jsonl(tmp_path / "after.jsonl", records)))
    assert status == 0, out

    assert {m: m.objects.count() for m in before} == before
    plan = Plan.objects.get()
    assert (plan.org, plan.year, plan.quota, plan.groups) == (world.branch1, 2021, 3, {"women": 1})
    transfer = Transfer.objects.get()
    assert (transfer.person, transfer.from_org, transfer.to_org) == (world.p2, world.branch1, world.branch3)
    assert transfer.materials_transferred is False
    discipline = DisciplineRecord.objects.get()
    assert (discipline.date_to, discipline.rights_restored_on, discipline.note) == (
        datetime.date(2021, 5, 1),
        datetime.date(2021, 6, 1),
        "严重警告",
    )
    review = ArchiveReview.objects.get()
    assert (review.person, review.reviewer, review.missing) == (world.m1, world.district, ["thought_reports"])
    assert review.location == "档案室 3 号柜"
    form = NumberedForm.objects.get()
    assert (form.person, form.issued_on, form.issued_by, form.status, form.void_reason) == (
        world.p1,
        datetime.date(2021, 9, 1),
        world.district,
        "voided",
        "填写错误",
    )
    assert Kinship.objects.filter(a=world.p1, b=world.m1, relation="parent").exists()
    updated = AuditEvent.objects.filter(action__endswith=".update").values_list("action", flat=True)
    assert sorted(updated) == [
        f"interchange.{kind}.update" for kind in ("archive_review", "discipline", "form", "plan", "transfer")
    ]
    assert AuditEvent.objects.filter(action="interchange.kin.create").count() == 1


def test_a_changed_person_row_updates_the_person_in_place_and_says_what_changed(world, tmp_path):
    records = export_records(tmp_path, "before.jsonl")
    for record in records:
        if record["type"] == "person" and record["id"] == "P0002":
            record.update(
                {"phone": "13900000000", "work_unit_org": "SZQ-LH-01"}
                | {
                    "education": "高中",
                    "tags": ["青年农民"],
                    "floating": True,
                    "planned_departure": "2030-01-01",
                }
            )
    before = Person.objects.count()

    status, out = run("import", str(write_jsonl(tmp_path / "after.jsonl", records)))
    assert status == 0, out

    assert "person: created 0, updated 1" in out
    assert ": 修改 人员 李四（P0002）: 学历: 大学专科 → 高中" in out
    assert ": 修改 人员 李四（P0002）: 计划离开单位日期: — → 2030-01-01" in out
    assert Person.objects.count() == before
    p2 = Person.objects.get(pid="P0002")
    assert (p2.name, p2.phone, p2.org, p2.work_unit_org) == (
        "李四",
        "13900000000",
        world.branch2,
        world.branch1,
    )
    assert (p2.education, p2.tags, p2.floating, p2.planned_departure) == (
        "高中",
        ["青年农民"],
        True,
        datetime.date(2030, 1, 1),
    )
    assert (p2.id_number, p2.gender, p2.birth_date) == (world.p2.id_number, "F", datetime.date(1995, 6, 1))


def test_an_import_never_changes_who_a_person_is_nor_moves_them_without_a_transfer(world, tmp_path):
    records = export_records(tmp_path, "before.jsonl")
    line = next(n for n, r in enumerate(records, start=1) if r["type"] == "person" and r["id"] == "P0002")
    records[line - 1] |= {"name": "李思思", "org": "SZQ-LH-03-1"}
    other = next(n for n, r in enumerate(records, start=1) if r["type"] == "person" and r["id"] == "P0001")
    records[other - 1]["id_number"] = ID_NEW
    before = snapshot()

    status, out = run("import", str(write_jsonl(tmp_path / "after.jsonl", records)))

    assert status == 1
    assert out.splitlines() == [
        f"line {other}: id_number: 与已登记的张三（P0001）身份证号不同：导入不修改姓名、身份证号和出生日期，"
        "请在人员页面更正并说明原因",
        f"line {line}: name: 与已登记的李四（P0002）姓名不同：导入不修改姓名、身份证号和出生日期，"
        "请在人员页面更正并说明原因",
        f"line {line}: org: 与李四（P0002）已登记的所在党组织（中共罗汉镇双河村支部委员会）不同："
        "组织关系的变动须以转接记录（transfer）导入",
    ]
    assert snapshot() == before

    records[line - 1]["name"] = "李四"
    records[other - 1]["id_number"] = world.p1.id_number
    records.append(
        {
            "type": "transfer",
            "person": "P0002",
            "date": "2024-03-01",
            "from": "SZQ-LH-02",
            "to": "SZQ-LH-03-1",
        }
    )
    status, out = run("import", str(write_jsonl(tmp_path / "moved.jsonl", records)))
    assert status == 0, out
    assert Person.objects.get(pid="P0002").org == world.branch3


def test_membership_of_a_person_with_a_case_follows_from_its_steps_not_from_the_file(world, tmp_path):
    records = [
        {"type": "step", "person": "P0001", "step": "S01", "date": "2020-01-02"},
        {
            "type": "person",
            "id": "P0001",
            "name": "张三",
            "id_number": world.p1.id_number,
            "org": "SZQ-LH-01",
            "education": "大学专科",
            "occupation": "农牧渔民",
            "phone": "13800001234",
            "party_status": "full",
            "joined_on": "2019-07-01",
        },
    ]
    status, out = run("import", str(write_jsonl(tmp_path / "typed.jsonl", records)))
    assert status == 0, out
    assert (
        "说明：line 2: party_status: 党员身份由发展档案的步骤决定（非党员），"
        "文件中的党员身份（正式党员）未导入" in out
    )
    p1 = Person.objects.get(pid="P0001")
    assert (p1.party_status, p1.joined_on, p1.full_since) == ("", None, None)


def test_an_import_never_closes_opens_or_rewrites_findings(pw, tmp_path):
    from fazhan.inspection.models import Finding
    from fazhan.inspection.services import inspection_run

    inspection_run(actor=None, org=pw.township, as_of=datetime.date.today())
    before = sorted(Finding.objects.values_list("pk", "status", "closed_run", "message", "last_run"))
    assert before
    records = export_records(tmp_path, "all.jsonl")
    for record in records:
        if record["type"] == "person" and record["id"] == "P0001":
            record["phone"] = "13700000000"
    records.append({"type": "step", "person": "P0001", "step": "S02", "date": "2020-03-30"})
    assert run("import", str(write_jsonl(tmp_path / "changed.jsonl", records)))[0] == 0
    assert sorted(Finding.objects.values_list("pk", "status", "closed_run", "message", "last_run")) == before


def test_a_dry_run_lists_the_findings_the_files_records_would_raise_and_writes_nothing(world, tmp_path):
    young = make_id_number(datetime.date(2010, 5, 5), 121)
    records = [
        {"type": "person", "id": "P7001", "name": "小明", "id_number": young, "org": "SZQ-LH-01"}
        | {"education": "初中及以下", "occupation": "学生"},
        {"type": "step", "person": "P7001", "step": "S01", "date": "2026-06-01"},
        {
            "type": "step",
            "person": "P7001",
            "step": "S02",
            "date": "2026-05-01",
            "details": {"talkers": ["M0001"]},
        },
    ]
    before = snapshot()
    status, out = run("import", "--dry-run", str(write_jsonl(tmp_path / "young.jsonl", records)))
    assert status == 0, out
    lines = out.splitlines()
    assert "finding: ELIG-AGE BLOCK ×1: 申请人须年满十八周岁" in lines
    assert lines[lines.index("finding: ELIG-AGE BLOCK ×1: 申请人须年满十八周岁") + 1].startswith(
        "  line 2: 小明（P7001）"
    )
    assert any(
        line.startswith("  line 3: 小明（P7001）") for line in lines
    )  # the talk before the application
    assert "dry run: nothing was written" in lines
    assert snapshot() == before


def _admitted(pid: str, *rounds: dict) -> list[dict]:
    """An admitted candidate's main steps, then conversion rounds (S22, S23 with its decision, S24)."""
    steps = [("S01", "2019-01-02"), ("S02", "2019-01-20"), ("S03", "2019-06-01"), ("S07", "2020-06-10")]
    steps += [("S13", "2020-08-01"), ("S15", "2020-09-01"), ("S17", "2020-10-10")]
    details = {
        "S13": {"reviewer": "SZQ-LH", "result": "pass"},
        "S15": {"entitled": 9, "present": 8, "for": 8, "against": 0, "abstain": 0},
        "S17": {"approver": "SZQ-LH", "result": "approved"},
    }
    records = [
        {"type": "step", "person": pid, "step": s, "date": d, "details": details.get(s, {})} for s, d in steps
    ]
    for r in rounds:
        records.append({"type": "step", "person": pid, "step": "S22", "date": r["apply"]})
        vote = {"entitled": 9, "present": 8, "for": 8, "against": 0, "abstain": 0}
        meeting = (
            vote | {"decision": r["decision"]} | ({"extend_months": 6} if r["decision"] == "extend" else {})
        )
        records.append({"type": "step", "person": pid, "step": "S23", "date": r["meet"], "details": meeting})
        records.append(
            {"type": "step", "person": pid, "step": "S24", "date": r["approve"]}
            | {"details": {"approver": "SZQ-LH", "result": "approved"}}
        )
    return records


def test_an_imported_extension_keeps_the_member_probationary_and_a_cancellation_closes_the_case(
    world, tmp_path
):
    extended = _admitted(
        "P0001", {"apply": "2021-08-25", "meet": "2021-09-02", "decision": "extend", "approve": "2021-10-01"}
    )
    cancelled = _admitted(
        "P0002", {"apply": "2021-08-25", "meet": "2021-09-02", "decision": "cancel", "approve": "2021-10-01"}
    )
    status, out = run("import", str(write_jsonl(tmp_path / "rounds.jsonl", extended + cancelled)))
    assert status == 0, out
    p1, p2 = Person.objects.get(pid="P0001"), Person.objects.get(pid="P0002")
    assert (p1.party_status, p1.joined_on, p1.full_since) == ("probationary", datetime.date(2020, 9, 1), None)
    assert Case.objects.get(person=p1).stage == "probationary"
    case = Case.objects.get(person=p2)
    assert (case.stage, case.closed_on, case.exit_reason) == (
        "exited",
        datetime.date(2021, 10, 1),
        "disqualified",
    )
    assert (p2.party_status, p2.joined_on) == ("", None)
    assert [r for r in export_records(tmp_path, "again.jsonl") if r["type"] == "exit"] == [
        {
            "type": "exit",
            "person": "P0002",
            "date": "2021-10-01",
            "reason": "disqualified",
            "note": case.exit_note,
        }
    ]


def test_an_admission_with_no_branch_meeting_on_record_imports_with_membership_from_the_approval(
    world, tmp_path
):
    records = [
        {"type": "step", "person": "P0001", "step": "S01", "date": "2020-01-02"},
        {"type": "step", "person": "P0001", "step": "S17", "date": "2021-01-02"}
        | {"details": {"approver": "SZQ-LH", "result": "approved"}},
    ]
    status, out = run("import", str(write_jsonl(tmp_path / "skipped.jsonl", records)))
    assert status == 0, out
    p1 = Person.objects.get(pid="P0001")
    assert (p1.party_status, p1.joined_on) == ("probationary", datetime.date(2021, 1, 2))


def test_a_person_named_twice_in_a_step_is_a_problem_of_its_line(world, tmp_path):
    records = [
        {"type": "step", "person": "P0001", "step": "S01", "date": "2020-01-02"},
        {"type": "step", "person": "P0001", "step": "S02", "date": "2020-01-20"}
        | {"details": {"talkers": ["M0001", "M0001"]}},
    ]
    status, out = run("import", str(write_jsonl(tmp_path / "twice.jsonl", records)))
    assert status == 1
    assert out.splitlines() == ["line 2: details.talkers: 重复填写：M0001"]

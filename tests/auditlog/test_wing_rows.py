"""The rows the applicants, training, plans (reserve and cycle) and notices wings write through their
services carry their digest in the trail: each verifies intact as written, and one changed behind the
services' back is found (verifytrail). Attendance, negative lists and reserve entries are replaced or
taken out by deleting their rows: the event that deletes them seals them as gone (auditlog.registry.GONE),
so the trail verifies after it, and a row deleted, or put back, behind the services' back is found."""

import datetime

import pytest
from django.core.cache import cache

from fazhan.applicants.services import code_issue, submission_accept, submission_submit
from fazhan.auditlog.registry import sealed_for
from fazhan.auditlog.selectors import trail_verify
from fazhan.notices.models import FeedbackChannel
from fazhan.notices.services import notice_feedback_record
from fazhan.plans.models import ReserveEntry
from fazhan.plans.services import cycle_record, reserve_take_in, reserve_take_out
from fazhan.training.models import Attendance, NegativeItem
from fazhan.training.services import negative_list_inherit, negative_list_set, session_set_attendance
from tests.applicants.conftest import TEXT, png, register
from tests.auditlog.raw import raw_sql
from tests.interchange.conftest import export_records, run, write_jsonl
from tests.notices.conftest import activist, publish  # noqa: F401  (张三 an activist of a year)
from tests.plans.test_reserve import NOV, YEAR, _tree
from tests.procedure.conftest import pw  # noqa: F401  (the procedure world)
from tests.training.conftest import train

NEWLY_SEALED = {
    "applicants.invitecode": ("applicants_invitecode", "hint", "'ZZZZ'"),
    "applicants.applicant": ("applicants_applicant", "name", "'冒名'"),
    "applicants.submission": ("applicants_submission", "return_reason", "'改过'"),
    "training.trainingsession": ("training_trainingsession", "topic", "'改过的主题'"),
    "plans.reserve": ("plans_reserve", "targets", "99"),
    "plans.cycleact": ("plans_cycleact", "number", "99"),
    "notices.notice": ("notices_notice", "contact", "'改过的联系方式'"),
    "training.attendance": ("training_attendance", "role", "'introducer'"),
    "training.negativeitem": ("training_negativeitem", "label", "'改过的情形'"),
    "plans.reserveentry": ("plans_reserveentry", "taken_on", "'2020-11-21'"),
    "notices.noticeentry": ("notices_noticeentry", "name", "'冒名'"),
    "notices.noticefeedback": ("notices_noticefeedback", "summary", "'改过的反映'"),
}


@pytest.fixture
def written(activist):  # noqa: F811
    """One row of each newly sealed model, written by its service."""
    w = activist
    cache.clear()  # the applicants' rate limits
    _invite, clear = code_issue(actor=w.users["sec1"], org=w.branch1)
    applicant = register(clear)
    submission = submission_submit(applicant=applicant, text=TEXT, photo=png())
    submission_accept(actor=w.users["sec1"], submission=submission)  # the applicant now names a person
    train(w, datetime.date(2021, 3, 1), ("M0001", "contact"))
    _tree(w)
    cycle_record(
        actor=w.users["sec1"],
        org=w.branch1,
        year=YEAR,
        step="request",
        date=NOV,
        number=2,
        today=datetime.date(2021, 3, 10),
    )
    reserve_take_in(actor=w.users["sec1"], case=w.case, year=YEAR, date=NOV)
    negative_list_set(actor=None, org=w.township, items=[("LH-1", "情形一"), ("LH-2", "情形二")])
    notice = publish(w)
    notice_feedback_record(
        actor=w.users["sec1"],
        notice=notice,
        entry=notice.entries.get(),
        received_on=datetime.date(2021, 6, 2),
        channel=FeedbackChannel.PHONE,
        summary="反映一",
    )
    cache.clear()
    return w


def test_the_wings_models_are_registered():
    assert {label for label in NEWLY_SEALED if sealed_for(label) is None} == set()


def test_the_wings_rows_verify_intact_as_their_services_wrote_them(written):
    check = trail_verify()
    assert check.ok, (check.broken, [p.text for p in check.problems])


@pytest.mark.parametrize("label", sorted(NEWLY_SEALED))
def test_a_wing_row_changed_behind_the_services_back_is_found(written, label):
    table, column, value = NEWLY_SEALED[label]
    raw_sql(f"UPDATE {table} SET {column} = {value} WHERE id = (SELECT MIN(id) FROM {table})")
    check = trail_verify()
    assert check.problem_count == 1, [p.text for p in check.problems]


def _old_row(w, migration: str) -> None:
    """A row of the models `migration` starts sealing, as written before that release: no digest."""
    import decimal

    from fazhan.notices.models import Notice, NoticeFeedback
    from fazhan.plans.models import Reserve
    from fazhan.training.models import TrainingSession

    session = TrainingSession.objects.get()
    {
        "training.0002_seal_rows": lambda: TrainingSession.objects.create(
            org=w.branch1, topic="旧的培训", date=datetime.date(2026, 3, 1), hours=decimal.Decimal("2.0")
        ),
        "plans.0003_seal_rows": lambda: Reserve.objects.create(
            org=w.branch1, year=2030, applicants=3, activists=2, targets=1
        ),
        "training.0003_seal_attendance_and_negative_lists": lambda: Attendance.objects.create(
            session=session, person=w.p2, role="contact"
        ),
        "plans.0004_seal_reserve_entries": lambda: ReserveEntry.objects.create(
            case=w.case, year=2020, org=w.branch1, taken_on=NOV
        ),
        "notices.0004_seal_entries_and_reports": lambda: NoticeFeedback.objects.create(
            notice=Notice.objects.get(),
            received_on=datetime.date(2021, 6, 3),
            channel="phone",
            summary="旧的",
        ),
    }[migration]()


@pytest.mark.parametrize(
    ("app", "migration"),
    [
        ("training", "0002_seal_rows"),
        ("plans", "0003_seal_rows"),
        ("training", "0003_seal_attendance_and_negative_lists"),
        ("plans", "0004_seal_reserve_entries"),
        ("notices", "0004_seal_entries_and_reports"),
    ],
)
def test_the_upgrade_seals_the_rows_a_database_held_before_the_trail_sealed_them(written, app, migration):
    """A database of an earlier release holds these rows with no digest: its upgrade seals them once, so the
    trail check does not report the deployment's own rows as changed behind its back."""
    import importlib

    from django.apps import apps as django_apps

    from fazhan.auditlog.models import AuditEvent

    assert trail_verify().ok
    _old_row(written, f"{app}.{migration}")
    assert not trail_verify().ok
    importlib.import_module(f"fazhan.{app}.migrations.{migration}").seal_rows(django_apps, None)
    assert trail_verify().ok
    assert AuditEvent.objects.filter(action=f"{app}.seal").count() == 1


def test_rows_the_services_delete_are_sealed_as_gone_and_the_trail_verifies(written):
    session = Attendance.objects.get().session
    session_set_attendance(actor=None, session=session, attendance=[("M0101", "introducer")])
    negative_list_set(actor=None, org=written.township, items=[("LH-3", "情形三")])
    reserve_take_out(actor=written.users["sec1"], entry=ReserveEntry.objects.get())
    check = trail_verify()
    assert check.ok, (check.broken, [p.text for p in check.problems])
    negative_list_inherit(actor=None, org=written.township)
    assert not NegativeItem.objects.exists()
    assert trail_verify().ok


@pytest.mark.parametrize(
    ("table", "label"),
    [
        ("training_attendance", "training.attendance"),
        ("training_negativeitem", "training.negativeitem"),
        ("plans_reserveentry", "plans.reserveentry"),
    ],
)
def test_a_row_deleted_behind_the_services_back_is_found_gone(written, table, label):
    raw_sql(f"DELETE FROM {table} WHERE id = (SELECT MIN(id) FROM {table})")
    check = trail_verify()
    assert [(p.kind, p.what.split()[0]) for p in check.problems] == [("removed", label)], [
        p.text for p in check.problems
    ]


def test_a_row_the_trail_sealed_as_gone_put_back_behind_the_services_back_is_found(written):
    entry = ReserveEntry.objects.get()
    row = (entry.pk, entry.case_id, entry.year, entry.org_id, entry.taken_on, entry.taken_by_id)
    reserve_take_out(actor=written.users["sec1"], entry=entry)
    assert trail_verify().ok
    raw_sql(
        "INSERT INTO plans_reserveentry (id, case_id, year, org_id, taken_on, taken_by_id) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        row,
    )
    check = trail_verify()
    assert [p.kind for p in check.problems] == ["unsealed"]


@pytest.mark.parametrize("table", ["notices_noticeentry", "notices_noticefeedback"])
def test_the_entries_and_reports_an_import_writes_are_sealed(written, tmp_path, table):
    """The import writes a notice's entries and the public's reports in its own bulk events: each event
    targets the row it wrote, so the trail holds their digests as for the services' rows."""
    from fazhan.notices.models import NoticeEntry, NoticeFeedback

    records = export_records(tmp_path, "out.jsonl")
    for r in records:  # the same notice and report again, under a key this database does not know
        if r["type"] == "notice":
            r["id"] = "N9001"
        if r["type"] == "notice_report":
            r["notice"] = "N9001"
    status, out = run("import", str(write_jsonl(tmp_path / "in.jsonl", records)))
    assert status == 0, out
    assert (NoticeEntry.objects.count(), NoticeFeedback.objects.count()) == (2, 2)
    check = trail_verify()
    assert check.ok, (check.broken, [p.text for p in check.problems])
    raw_sql(f"UPDATE {table} SET notice_id = notice_id WHERE id = (SELECT MAX(id) FROM {table})")
    assert trail_verify().ok  # the same values: nothing changed
    column, value = {
        "notices_noticeentry": ("name", "'冒名'"),
        "notices_noticefeedback": ("channel", "'visit'"),
    }[table]
    raw_sql(f"UPDATE {table} SET {column} = {value} WHERE id = (SELECT MAX(id) FROM {table})")
    assert trail_verify().problem_count == 1


def test_one_event_cannot_seal_a_row_both_as_written_and_as_gone(written):
    from fazhan.auditlog.services import audit_record

    entry = ReserveEntry.objects.get()
    with pytest.raises(ValueError, match="both"):
        audit_record(actor=None, action="reserve.take_out", seal=[entry], removed=[entry])

"""The to-do list kept between requests (desk.todo.todo_rows) under the write stamp (procedure.due): what is
read back is what would be computed now, for every role and day, and every kind of write shows at once."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from fazhan.accounts.models import Role, RoleAssignment, User
from fazhan.accounts.services import role_assign
from fazhan.auditlog.services import audit_record
from fazhan.desk import todo as todo_module
from fazhan.desk.todo import (
    ABOVE_TOWNSHIP_ANCHORS,
    BELOW_DISTRICT,
    todo_cases,
    todo_for_user,
    todo_rows,
    todo_rows_over,
)
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.people.services import person_update
from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.due import case_write_kind, stamp_current, stamp_state, writes_record
from fazhan.procedure.models import Case, StepRecord
from fazhan.procedure.services import case_record_step, step_correct
from tests.conftest import person_data
from tests.procedure.conftest import day, legal_details, next_offset, pw  # noqa: F401  (fixture)
from tests.procedure.test_todo import TODAY, dataset  # noqa: F401  (fixture)

LOGINS = ("sec1", "sec2", "lh_organizer", "lh_approver", "yx_organizer", "district")


def _seen(items) -> list[tuple]:
    """Everything a row of the page, the export and the digest shows."""
    return [
        (
            *(i.due, i.kind, i.step, i.case.person.pid, i.case.person.org.name, i.state, i.form_url),
            *(i.overdue, i.barred_by, i.settled_by, str(i.label)),
        )
        for i in items
    ]


def _fresh(user, today) -> list[tuple]:
    cache.clear()
    return _seen(todo_for_user(user, today=today))


@pytest.mark.parametrize("offset", [300, 450, 600, 665, 760])
def test_the_kept_list_is_the_list_computed_now_for_every_role_and_day(pw, dataset, offset):  # noqa: F811
    today = day(offset)
    for login in LOGINS:
        user = pw.users[login]
        fresh = _fresh(user, today)
        with CaptureQueriesContext(connection) as queries:
            kept = _seen(todo_for_user(user, today=today))
        assert kept == fresh, login
        # the stamp, the cache, the cases of the rows (the assignments were read for the fresh list)
        assert len(queries) <= 3, [q["sql"][:80] for q in queries]


def test_a_step_record_a_correction_a_bulk_move_and_a_role_ending_show_at_once(pw, dataset):  # noqa: F811
    sec1 = pw.users["sec1"]

    def talk_of_a():
        return [(i.due, i.step) for i in todo_for_user(sec1, today=TODAY) if i.kind == "talk"]

    assert talk_of_a() == [(datetime.date(2020, 4, 2), "S02")]
    application = StepRecord.objects.get(case__person=pw.p1, step="S01")
    case_a = application.case
    # a correction through its service: the talk is due a month after the corrected application
    corrected = step_correct(
        actor=None,
        record=application,
        date=application.date + datetime.timedelta(days=5),
        details=application.details,
        reason="申请书日期录错",
    )
    kept = talk_of_a()
    cache.clear()
    assert kept == talk_of_a() == [(datetime.date(2020, 4, 7), "S02")]
    # the talk recorded: the item is gone
    case_record_step(
        actor=None,
        case=case_a,
        step="S02",
        date=corrected.date + datetime.timedelta(days=10),
        details=legal_details("S02", 0, pw),
    )
    assert talk_of_a() == []
    # a bulk update (no signal, no service) moving a person to the other branch: off sec1's list, on sec2's
    listed = {i.case.person.pid for i in todo_for_user(sec1, today=TODAY)}
    moved = next(iter(listed))
    Person.objects.filter(pid=moved).update(org=pw.branch2)
    assert moved not in {i.case.person.pid for i in todo_for_user(sec1, today=TODAY)}
    assert moved in {i.case.person.pid for i in todo_for_user(pw.users["sec2"], today=TODAY)}
    # the secretary's role ended yesterday: nothing is listed any more
    RoleAssignment.objects.filter(user=sec1).update(
        ends_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    sec1 = type(sec1).objects.get(pk=sec1.pk)  # a new request's user
    assert todo_for_user(sec1, today=TODAY) == []


def test_a_setting_and_the_day_are_part_of_what_is_kept(pw, dataset):  # noqa: F811
    user = pw.users["lh_organizer"]
    todo_rows(user, today=TODAY)
    with override_settings(FAZHAN_REMINDER_WITHIN_DAYS=3):
        with CaptureQueriesContext(connection) as queries:
            todo_rows(user, today=TODAY)
        assert len(queries) > 10  # computed anew: the settings differ
    # how the process serves is no part of it: `fazhan serve` reads what a command's process kept
    with override_settings(FAZHAN_JOBS="queue", FAZHAN_STATIC_MANIFEST=True):
        with CaptureQueriesContext(connection) as queries:
            todo_rows(user, today=TODAY)
        assert len(queries) <= 3
    later = TODAY + datetime.timedelta(days=40)
    assert _seen(todo_for_user(user, today=later)) == _fresh(user, later)


def test_the_stamp_changes_with_every_write_and_with_no_read(pw, dataset):  # noqa: F811
    before = stamp_current()
    list(Person.objects.all())
    audit_record(actor=None, action="person.view", target=pw.p1, org=pw.branch1, data={})
    cache.set("anything", 1)
    assert stamp_current() == before
    Org.objects.filter(pk=pw.branch1.pk).update(name="高桥村党支部（新）")
    after_update = stamp_current()
    assert after_update != before
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET residence = residence")
    assert stamp_current() != after_update
    # a write rolled back leaves the stamp as it was; the write and its stamp commit together
    kept = stamp_current()
    with transaction.atomic():
        sid = transaction.savepoint()
        Org.objects.filter(pk=pw.branch1.pk).update(name="不保存")
        assert stamp_current() != kept
        transaction.savepoint_rollback(sid)
    assert stamp_current() == kept


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "people_person"."id" FROM "people_person"', False),
        ('INSERT INTO "procedure_steprecord" ("case_id") VALUES (%s)', True),
        ('UPDATE "organizations_org" SET "name" = %s', True),
        ('DELETE FROM "notices_noticeentry" WHERE "id" IN (%s)', True),
        ("WITH moved AS (UPDATE people_person SET org_id = 1) SELECT 1", True),
        ('INSERT INTO "auditlog_auditevent" ("action") VALUES (%s)', False),
        ('DELETE FROM "fazhan_cache" WHERE cache_key = %s', False),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s', False),
        ('UPDATE "accounts_user" SET "last_login" = %s, "is_active" = %s WHERE "id" = %s', True),
        ('ALTER TABLE "people_person" ADD COLUMN "x" integer', True),
        ('INSERT INTO "axes_accesslog" ("username") VALUES (%s)', False),
        ('UPDATE "otp_totp_totpdevice" SET "last_t" = %s WHERE "id" = %s', False),
        ('UPDATE "jobs_job" SET "progress" = %s WHERE "id" = %s', False),
        ('CREATE TEMP TABLE "fazhan_stage_x" AS SELECT "id" FROM "people_kinship" WHERE 0', False),
        ('INSERT INTO temp."fazhan_stage_x" VALUES (%s)', False),
        ('DROP TABLE IF EXISTS temp."fazhan_stage_x"', False),
        ('INSERT INTO pg_temp."fazhan_stage_x" VALUES (%s)', False),
        ('DROP TABLE IF EXISTS pg_temp."fazhan_stage_x"', False),
        ('INSERT INTO "people_kinship" ("id") SELECT "id" FROM pg_temp."fazhan_stage_x"', True),
        ('INSERT INTO "people_kinship" ("id") SELECT "id" FROM temp."fazhan_stage_x"', True),
        ('UPDATE "api_webhookdelivery" SET "sending_until" = %s WHERE "id" = %s', False),
        ('INSERT INTO "django_tasks_database_dbtaskresult" ("id") VALUES (%s)', False),
    ],
)
def test_which_statements_change_the_stamp(sql, writes):
    assert writes_record(sql) is writes


def test_the_page_shows_fifty_a_page_and_counts_them_all(pw, dataset, client_for, monkeypatch):  # noqa: F811
    from fazhan.desk.views import procedure as views

    monkeypatch.setattr(views, "TODO_PAGE", 2)
    client = client_for("lh_organizer")
    today = datetime.date.today()
    rows = todo_rows(pw.users["lh_organizer"], today=today)
    assert len(rows) > 2
    first = client.get("/todo/").content.decode()
    assert f"{len(rows)} 项，一个月内到期或已逾期" in first
    assert first.count('data-kind="') - first.count('data-kind="reserve_below"') >= 2
    assert "下一页" in first
    last = client.get(f"/todo/?page={(len(rows) + 1) // 2}").content.decode()
    assert "上一页" in last


def test_the_list_reads_no_sealed_person_field(pw, dataset):  # noqa: F811
    user = pw.users["lh_organizer"]
    todo_rows(user, today=TODAY)
    with CaptureQueriesContext(connection) as queries:
        items = todo_for_user(user, today=TODAY)
        names = [i.case.person.name for i in items]
    assert names
    case_query = next(q["sql"] for q in queries if "procedure_case" in q["sql"])
    for column in ("id_number", "birth_date", "household_place", "gender"):
        assert f'"people_person"."{column}"' not in case_query
    assert todo_module.SEALED_PERSON_FIELDS


def test_the_stamp_takes_the_trails_chain_lock_first():
    from fazhan.auditlog import services
    from fazhan.procedure import due

    assert due.TRAIL_CHAIN_LOCK_KEY == services._CHAIN_LOCK_KEY


def test_rows_an_import_stages_change_the_stamp_when_they_reach_the_record_and_not_before(pw):  # noqa: F811
    """The import's bulk path (interchange.bulk.Staged): staged on SQLite in a temporary table, which is no
    record, and put in by INSERT … SELECT there or by COPY on PostgreSQL, which the statements the stamp
    watches do not show, so the put changes the stamp itself."""
    from fazhan.interchange.bulk import Staged, ids_reserve
    from fazhan.people.models import Kinship

    a, b = Person.objects.order_by("pk")[:2]
    before = stamp_current()
    staged = Staged(Kinship, ["id", "a", "b", "relation"])
    staged.add([[ids_reserve(Kinship, 1)[0], a.pk, b.pk, "spouse"]])
    assert stamp_current() == before
    with transaction.atomic():
        staged.put()
    staged.drop()
    assert stamp_current() != before
    assert Kinship.objects.filter(a=a, b=b).exists()


def _kept_and_fresh(w, today) -> tuple[dict, dict]:
    """Every login's list as kept (brought up to date from what was kept before the write), then computed
    from nothing; each login read anew, as a new request reads it."""

    def lists():
        return {
            login: _seen(todo_for_user(User.objects.get(pk=w.users[login].pk), today=today))
            for login in LOGINS
        }

    kept = lists()
    cache.clear()
    return kept, lists()


def _prime(w, today) -> None:
    for login in LOGINS:
        todo_rows(User.objects.get(pk=w.users[login].pk), today=today)


def _cases_read(w, today) -> str:
    """The query that reads the user's open cases, for the district reviewer's kept list."""
    with CaptureQueriesContext(connection) as queries:
        todo_rows(User.objects.get(pk=w.users["district"].pk), today=today)
    return next(q["sql"] for q in queries if '"procedure_case"."closed_on" IS NULL' in q["sql"])


def _step_record(w, people):
    case = people["C"].cases.get()
    case_record_step(actor=None, case=case, step="S16", date=day(620), details=legal_details("S16", 0, w))


def _step_talk(w, people):
    case = StepRecord.objects.get(case__person=w.p1, step="S01").case
    case_record_step(actor=None, case=case, step="S02", date=day(18), details=legal_details("S02", 0, w))


def _correction(w, people):
    record = StepRecord.objects.get(case__person=people["B"], step="S05", superseded_by__isnull=True)
    step_correct(
        actor=None,
        record=record,
        date=record.date - datetime.timedelta(days=3),
        details=record.details,
        reason="日期录错",
    )


def _person_edit(w, people):
    person = Person.objects.get(pk=people["D"].pk)
    person_update(
        actor=None, person=person, id_number=person.id_number, data=person_data(w.branch1, name="候选人丁")
    )


def _bulk_move(w, people):
    Person.objects.filter(pk=people["B"].pk).update(org=w.branch2)


def _role_change(w, people):
    role_assign(actor=None, user=w.users["sec2"], role=Role.BRANCH_SECRETARY, org=w.branch1)


def _import(w, people):
    from fazhan.interchange.bulk import Staged, ids_reserve
    from fazhan.people.models import Kinship

    staged = Staged(Kinship, ["id", "a", "b", "relation"])
    staged.add([[ids_reserve(Kinship, 1)[0], people["C"].pk, people["D"].pk, "spouse"]])
    with transaction.atomic():
        staged.put()
    staged.drop()


STEP_WRITES = {"step record": _step_record, "correction": _correction, "the talk": _step_talk}
OTHER_WRITES = {
    "person edit": _person_edit,
    "bulk move": _bulk_move,
    "role change": _role_change,
    "import": _import,
}


@pytest.mark.parametrize("today", [TODAY, day(600)])
def test_after_each_kind_of_write_the_kept_list_is_the_list_computed_from_scratch(pw, dataset, today):  # noqa: F811
    for name, write in {**STEP_WRITES, **OTHER_WRITES}.items():
        _prime(pw, today)
        before = stamp_state()
        write(pw, dataset)
        after = stamp_state()
        assert before is not None
        assert after is not None
        if name in STEP_WRITES:
            # told by its case: the token stands and only the cases the step could change are read again
            assert after.token == before.token, name
            assert after.seq > before.seq, name
            assert '"procedure_case"."id" IN' in _cases_read(pw, today), name
        else:
            assert after.token != before.token, name
        kept, fresh = _kept_and_fresh(pw, today)
        assert kept == fresh, name
    # a setting and the day: each a list of its own, computed for it
    _prime(pw, today)
    with override_settings(FAZHAN_REMINDER_WITHIN_DAYS=3):
        kept, fresh = _kept_and_fresh(pw, today)
        assert kept == fresh
    _prime(pw, today)
    kept, fresh = _kept_and_fresh(pw, today + datetime.timedelta(days=1))
    assert kept == fresh


def test_a_step_the_membership_follows_reads_again_every_case_of_the_branch(pw, dataset):  # noqa: F811
    """The branch's count of full members is read by its other cases (ACT-PRE): the person's row written
    by the step names the branch, and every case of it is computed again."""
    user = User.objects.get(pk=pw.users["lh_organizer"].pk)
    _step_record(pw, dataset)  # S16
    todo_rows(user, today=TODAY)
    case = dataset["C"].cases.get()
    case_record_step(actor=None, case=case, step="S17", date=day(650), details=legal_details("S17", 0, pw))
    assert Person.objects.get(pk=dataset["C"].pk).party_status == "probationary"  # the approval admits
    with CaptureQueriesContext(connection) as queries:
        todo_rows(user, today=TODAY)
    again = next(q["sql"] for q in queries if '"procedure_case"."closed_on" IS NULL' in q["sql"])
    branch1_cases = set(
        Case.objects.filter(person__org=pw.branch1, closed_on__isnull=True).values_list("pk", flat=True)
    )
    assert len(branch1_cases) > 1
    assert f'"procedure_case"."id" IN ({", ".join(map(str, sorted(branch1_cases)))})' in again


def test_a_step_whose_hook_writes_elsewhere_changes_the_token(pw, dataset):  # noqa: F811
    """A write the step block does not know as the case's own (here a bulk update inside it) is no case's
    alone: the token changes, and every list is computed anew."""
    from fazhan.procedure.due import CaseWrite, stamp_case

    case = StepRecord.objects.get(case__person=pw.p1, step="S01").case
    before = stamp_state()
    with stamp_case(CaseWrite(case.pk, pw.p1.pid, pw.branch1.code)):
        Org.objects.filter(pk=pw.branch2.pk).update(name="别的支部")
    after = stamp_state()
    assert before is not None
    assert after is not None
    assert after.token != before.token


@pytest.mark.parametrize("offset", [665, 760])
def test_the_district_reads_only_the_cases_its_items_follow_from_and_lists_what_it_would_over_all(
    pw,  # noqa: F811
    dataset,  # noqa: F811
    offset,
):
    _step_record(pw, dataset)  # C: S16, then the approval the district receives the filing of
    case = dataset["C"].cases.get()
    case_record_step(actor=None, case=case, step="S17", date=day(650), details=legal_details("S17", 0, pw))
    today = day(offset)
    user = User.objects.get(pk=pw.users["district"].pk)
    read = todo_cases(user)
    every = todo_cases(user, whole=True)
    assert 0 < len(read) < len(every)
    rows = todo_rows_over(user, read, today=today)
    assert rows == todo_rows_over(user, every, today=today)
    assert "approval_filing" in {r.kind for r in rows}
    # a township's organizer reads every case of the township
    organizer = User.objects.get(pk=pw.users["lh_organizer"].pk)
    assert todo_cases(organizer) == todo_cases(organizer, whole=True)


def test_the_steps_a_role_above_the_townships_acts_on_are_those_the_pre_filter_knows():
    """S11 (training, which no deadline of the list names) and S13 (pre-review): if a step is given to the
    district, desk.todo's pre-filter must learn which records its items follow from."""
    above = {code for code, step in STEPS_BY_CODE.items() if set(step.actors) - BELOW_DISTRICT}
    assert above == {"S11", "S13"}
    assert set(ABOVE_TOWNSHIP_ANCHORS) == {"S13", "S17"}


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ('INSERT INTO "procedure_steprecord" ("case_id") VALUES (%s)', "case"),
        ('INSERT INTO "procedure_stepfinding" ("record_id") VALUES (%s)', "case"),
        ('UPDATE "procedure_case" SET "stage" = %s, "version" = %s WHERE "id" = %s', "case"),
        ('UPDATE "people_person" SET "party_status" = %s WHERE "id" = %s', "person"),
        ('INSERT INTO "people_person" ("pid") VALUES (%s)', None),
        ('UPDATE "prereview_numberedform" SET "status" = %s WHERE "id" = %s', None),
        ('DELETE FROM "people_kinship" WHERE "id" = %s', None),
    ],
)
def test_which_statements_a_step_block_logs_by_its_case(sql, kind):
    """Inside procedure.due.stamp_case: the case's own tables and its person's row are logged by the case,
    anything else changes the token."""
    assert case_write_kind(sql) == kind

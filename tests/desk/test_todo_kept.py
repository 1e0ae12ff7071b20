"""The to-do list kept between requests (desk.todo.todo_rows) under the write stamp (procedure.due): what is
read back is what would be computed now, for every role and day, and every kind of write shows at once."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from fazhan.accounts.models import RoleAssignment
from fazhan.auditlog.services import audit_record
from fazhan.desk import todo as todo_module
from fazhan.desk.todo import todo_for_user, todo_rows
from fazhan.organizations.models import Org
from fazhan.people.models import Person
from fazhan.procedure.due import stamp_current, writes_record
from fazhan.procedure.models import StepRecord
from fazhan.procedure.services import case_record_step, step_correct
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

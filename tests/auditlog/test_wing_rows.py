"""The rows the applicants, training, plans (reserve and cycle) and notices wings write through their
services carry their digest in the trail: each verifies intact as written, and one changed behind the
services' back is found (verifytrail). Attendance, negative lists and reserve entries are replaced or
taken out by deleting their rows, so they are not sealed (auditlog.registry: a sealed row never goes)."""

import datetime

import pytest
from django.core.cache import cache

from fazhan.applicants.services import code_issue, submission_accept, submission_submit
from fazhan.auditlog.registry import sealed_for
from fazhan.auditlog.selectors import trail_verify
from fazhan.plans.services import cycle_record
from tests.applicants.conftest import TEXT, png, register
from tests.auditlog.raw import raw_sql
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
    publish(w)
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


@pytest.mark.parametrize(
    ("app", "migration"),
    [("training", "0002_seal_rows"), ("plans", "0003_seal_rows")],
)
def test_the_upgrade_seals_the_rows_a_database_held_before_the_trail_sealed_them(written, app, migration):
    """A database of an earlier release holds these rows with no digest: its upgrade seals them once, so the
    trail check does not report the deployment's own rows as changed behind its back."""
    import decimal
    import importlib

    from django.apps import apps as django_apps

    from fazhan.auditlog.models import AuditEvent
    from fazhan.plans.models import Reserve
    from fazhan.training.models import TrainingSession

    assert trail_verify().ok
    if app == "training":  # as written before this release: no digest
        TrainingSession.objects.create(
            org=written.branch1,
            topic="旧的培训",
            date=datetime.date(2026, 3, 1),
            hours=decimal.Decimal("2.0"),
        )
    else:
        Reserve.objects.create(org=written.branch1, year=2030, applicants=3, activists=2, targets=1)
    assert not trail_verify().ok
    importlib.import_module(f"fazhan.{app}.migrations.{migration}").seal_rows(django_apps, None)
    assert trail_verify().ok
    assert AuditEvent.objects.filter(action=f"{app}.seal").count() == 1

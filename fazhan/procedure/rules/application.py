import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months, full_years
from fazhan.procedure.definition import Anchor, limit_months
from fazhan.procedure.engine import CaseFacts, Finding, check, finding, overdue
from fazhan.procedure.rules.order import skip_findings


def _adult_from(born: datetime.date, age: int) -> datetime.date:
    """The day `age` full years are reached; born 29 Feb, in a common year that is 1 Mar (B.1)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return datetime.date(born.year + age, 3, 1)


@check("ELIG-AGE")
def elig_age(facts: CaseFacts) -> Iterator[Finding]:
    for record in facts.all(Anchor.APPLICATION):
        age = full_years(facts.birth_date, record.date)
        if age < facts.limits.min_age:
            yield finding(
                "ELIG-AGE",
                _("申请时未满%(min)d周岁（%(age)d周岁）") % {"min": facts.limits.min_age, "age": age},
                step=Anchor.APPLICATION,
                record=record.id,
                earliest=_adult_from(facts.birth_date, facts.limits.min_age),
                evidence={"birth_date": facts.birth_date.isoformat(), "application": record.date.isoformat()},
            )


@check("ELIG-NAT")
def elig_nat(facts: CaseFacts) -> Iterator[Finding]:
    if facts.resident_id_valid:
        return
    for record in facts.all(Anchor.APPLICATION):
        yield finding(
            "ELIG-NAT", _("申请人没有有效的居民身份证号"), step=Anchor.APPLICATION, record=record.id
        )


@check("APP-WRITTEN")
def app_written(facts: CaseFacts) -> Iterator[Finding]:
    """The S01 record is the written application (B0.8): a case whose steps go on without one breaks it."""
    if facts.records and not facts.all(Anchor.APPLICATION):
        first = facts.records[0]
        yield finding(
            "APP-WRITTEN",
            _("没有书面入党申请书的记录"),
            step=first.step,
            record=first.id,
            evidence={
                "first_step": first.step,
                "date": first.date.isoformat(),
                "missing": Anchor.APPLICATION,
            },
        )


@check("APP-ORG")
def app_org(facts: CaseFacts) -> Iterator[Finding]:
    """Apply to the work/study unit's org where there is one; a floating person may also apply elsewhere."""
    unit = facts.orgs.get(facts.work_unit_org)
    if unit is None or facts.floating or facts.branch.path.startswith(unit.path):
        return
    for record in facts.all(Anchor.APPLICATION):
        yield finding(
            "APP-ORG",
            _("有工作单位党组织（%(unit)s），却向其他党组织提出申请") % {"unit": unit.code},
            step=Anchor.APPLICATION,
            record=record.id,
            evidence={"work_unit_org": unit.code, "org": facts.branch.code},
        )


@check("APP-TALK")
def app_talk(facts: CaseFacts) -> Iterator[Finding]:
    """The talk within a month of the application: late, or overdue without one (B0.4); no talk at all while
    the activist decision (S03) is on record is a skip (B0.7), BLOCK."""
    skipped = list(skip_findings(facts, Anchor.TALK))
    yield from skipped
    application = facts.first(Anchor.APPLICATION)
    if application is None or skipped:
        return
    deadline = add_months(application.date, limit_months("APP-TALK", facts.limits))
    talk = facts.first(Anchor.TALK)
    evidence = {"application": application.date.isoformat(), "deadline": deadline.isoformat()}
    if talk is not None and talk.date > deadline:
        yield finding(
            "APP-TALK",
            _("谈话晚于收到申请后一个月（应在 %(d)s 前）") % {"d": deadline},
            step=Anchor.TALK,
            record=talk.id,
            evidence={**evidence, "talk": talk.date.isoformat()},
        )
    elif talk is None and overdue(facts, deadline):
        yield finding(
            "APP-TALK",
            _("收到申请已超过一个月仍未谈话（应在 %(d)s 前）") % {"d": deadline},
            step=Anchor.TALK,
            evidence=evidence,
        )

"""TRN-STAFF (通知六, 加强业务培训): the contacts (S05) and introducers (S09) a step names have attended a
training of those who do the work of developing members. The training wing provides the attendance of
the people the steps name (CaseFacts.staff_training: per person pid, name and the sessions attended); the
procedure imports no wing. The same function warns at step entry (engine.evaluate_entry: the step goes
in, the warning with it) and over the whole tree (`fazhan inspect`).

A person counts as trained for a record when they attended a session dated on or before the record's date
and, with Limits.staff_training_years set, no more than that many years before it; the default (0) counts
any earlier session, since the notice asks that they be trained and names no period. Any session counts,
whatever role it was attended as: the training is of the work, not of one role in it."""

import datetime
from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.core.calendar import add_months
from fazhan.procedure.definition import STAFF_DETAILS, STEPS_BY_CODE
from fazhan.procedure.engine import CaseFacts, Finding, check, finding, in_force

ERR_UNTRAINED = "%(role)s %(names)s 未参加过发展党员业务培训（“%(step)s”%(date)s）"
ROLE_LABELS = {"contact": "培养联系人", "introducer": "入党介绍人"}


def counts_from(day: datetime.date, years: int) -> datetime.date | None:
    """The first date of a training that still counts on `day` (None: any earlier one)."""
    if not years:
        return None
    return add_months(day, -12 * years)


def trained_on(facts: CaseFacts, pid: str, day: datetime.date) -> bool:
    """Whether `pid` had attended a training by `day` that still counts on it."""
    since = counts_from(day, facts.limits.staff_training_years)
    return any(
        s["date"] <= day and (since is None or s["date"] >= since)
        for t in facts.staff_training
        if t["pid"] == pid
        for s in t["sessions"]
    )


# Per step, the details keys naming staff it declares and their roles (S05: contacts, S09: introducers).
STAFF_KEYS = {
    code: tuple((key, role) for key, role in STAFF_DETAILS.items() if key in step.details)
    for code, step in STEPS_BY_CODE.items()
}


@check("TRN-STAFF")
def staff_training(facts: CaseFacts) -> Iterator[Finding]:
    for record in facts.records:
        keys = STAFF_KEYS[record.step]
        if not keys or not in_force("TRN-STAFF", record.date):
            continue  # the other steps first: the whole tree's run asks this of every record
        for key, role in keys:
            named = record.details.get(key)
            pids = [p for p in named if isinstance(p, str)] if isinstance(named, list) else []
            untrained = [p for p in pids if not trained_on(facts, p, record.date)]
            if not untrained:
                continue
            known = {t["pid"]: t["name"] for t in facts.staff_training}
            names = [f"{known[p]}（{p}）" if p in known else p for p in untrained]
            yield finding(
                "TRN-STAFF",
                _(ERR_UNTRAINED)
                % {
                    "role": _(ROLE_LABELS[role]),
                    "names": "、".join(names),
                    "step": STEPS_BY_CODE[record.step].name,
                    "date": record.date.isoformat(),
                },
                step=record.step,
                record=record.id,
                evidence={"untrained": untrained, "role": role},
            )

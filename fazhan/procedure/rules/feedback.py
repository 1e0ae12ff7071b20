"""PUB-OBJECTION (通知七, 群众参与): what the public reported on a 公示 about a person is looked into, its
finding recorded, before the person's next step. The notices wing provides the reports
(CaseFacts.notice_feedback: each report's received_on, verified_on or None, the notice and the name it was
about); the procedure imports no wing. The same function judges a step being entered (a BLOCK refusal,
engine.evaluate_entry) and every record of the tree (`fazhan inspect`, so a step an import wrote while a
report waited is found too).

A record breaks the rule when it is dated on or after a report's receipt while that report had no finding by
that date. A correction is no next step (it restates one already there) and is not judged on it."""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.procedure.definition import STEPS_BY_CODE
from fazhan.procedure.engine import CaseFacts, Finding, check, finding, in_force

ERR_PENDING = "%(name)s 在%(notices)s中有 %(n)d 条群众反映尚未核实（%(received)s 收到），不能办理“%(step)s”"


@check("PUB-OBJECTION")
def notice_feedback(facts: CaseFacts) -> Iterator[Finding]:
    for record in facts.records:
        if record.supersedes is not None or not in_force("PUB-OBJECTION", record.date):
            continue
        waiting = [
            f
            for f in facts.notice_feedback
            if f["received_on"] <= record.date
            and (f["verified_on"] is None or f["verified_on"] > record.date)
        ]
        if not waiting:
            continue
        notices = list(dict.fromkeys(f["notice"] for f in waiting))
        said = {
            "name": waiting[0]["name"],
            "notices": "、".join(f"“{n}”" for n in notices),
            "n": len(waiting),
            "received": "、".join(dict.fromkeys(f["received_on"].isoformat() for f in waiting)),
            "step": STEPS_BY_CODE[record.step].name,
        }
        yield finding(
            "PUB-OBJECTION",
            _(ERR_PENDING) % said,
            step=record.step,
            record=record.id,
            evidence={
                "feedback": [f["id"] for f in waiting],
                "received_on": [f["received_on"].isoformat() for f in waiting],
            },
        )

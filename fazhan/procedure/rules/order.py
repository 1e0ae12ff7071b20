from collections.abc import Iterator

from django.utils.translation import gettext as _

from fazhan.procedure.definition import PASSING_PREREQUISITES, STEPS_BY_CODE, Anchor
from fazhan.procedure.engine import CaseFacts, Finding, check, finding

# A missing written application: APP-WRITTEN's and CNV-APPLY's.
OWNED_BY_OTHER_RULES = (Anchor.APPLICATION, Anchor.CONVERSION_APPLICATION)


@check("SEQ-ORDER")
def seq_order(facts: CaseFacts) -> Iterator[Finding]:
    """Each step comes after its prerequisites (the 25-step chart). A case with no written application at all
    is APP-WRITTEN's finding and one with no conversion application CNV-APPLY's (B0.7: one fact, one
    finding), so S02 ← S01 and S23 ← S22 are judged here only when the application exists."""
    for record in facts.records:
        for needed in STEPS_BY_CODE[record.step].prerequisites:
            if needed in OWNED_BY_OTHER_RULES and not facts.all(needed):
                continue
            must_pass = PASSING_PREREQUISITES.get(record.step) == needed
            candidates = [r for r in facts.all(needed) if r.passed() or not must_pass]
            before = [r for r in candidates if r.date <= record.date]
            if before:
                continue
            later = min((r.date for r in candidates), default=None)
            yield finding(
                "SEQ-ORDER",
                _("%(step)s 须在 %(needed)s%(passing)s之后；%(state)s")
                % {
                    "step": record.step,
                    "needed": needed,
                    "passing": _("（通过）") if must_pass else "",
                    "state": _("尚无该步骤记录") if later is None else _("该步骤日期为 %(d)s") % {"d": later},
                },
                step=record.step,
                record=record.id,
                earliest=later,
                evidence={"step": record.step, "date": record.date.isoformat(), "needs": needed},
            )

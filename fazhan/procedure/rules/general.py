"""The general rules of procedure.md B.37–38, which name a principle and an outcome rather than a finding."""

from collections.abc import Iterator

from fazhan.procedure.engine import CaseFacts, Finding, check


@check("GEN-INDIV")
def gen_indiv(facts: CaseFacts) -> Iterator[Finding]:
    """成熟一个，发展一个 (Art.3). A crash admission shows only across cases: VIO-RUSH reports it (B0.7)."""
    return iter(())


@check("GEN-INVALID")
def gen_invalid(facts: CaseFacts) -> Iterator[Finding]:
    """An irregular admission is not recognized (Art.41): the outcome a user records after an inspection
    and announces at a branch general meeting, not a finding."""
    return iter(())

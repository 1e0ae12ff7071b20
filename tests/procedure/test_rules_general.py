"""The general rules of procedure.md B.37–38 name a principle and an outcome, not a finding of their own."""

from fazhan.procedure.engine import CHECKS, evaluate
from fazhan.procedure.selectors import case_facts
from tests.procedure.conftest import walk


def test_gen_indiv_is_in_the_catalogue_and_leaves_crash_admissions_to_vio_rush(pw):
    """GEN-INDIV (Art.3): 成熟一个，发展一个. One case says nothing of a crash admission, so the rule
    yields no finding of its own; VIO-RUSH judges it across a branch's cases (B0.7)."""
    walk(pw, "S17")
    facts = case_facts(pw.case)
    assert "GEN-INDIV" in CHECKS
    assert evaluate(facts, rules=["GEN-INDIV"]) == []
    assert "VIO-RUSH" in CHECKS

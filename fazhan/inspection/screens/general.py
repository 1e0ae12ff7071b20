"""Screens of the rules in procedure/rules/general.py (see screens/__init__.py for the contract)."""

from fazhan.inspection.frames import Frames
from fazhan.inspection.screens import screen


@screen("GEN-INDIV")
def gen_indiv(f: Frames) -> list[int]:
    """GEN-INDIV yields nothing per case (crash admissions are VIO-RUSH's): no case to judge."""
    return []


@screen("GEN-INVALID")
def gen_invalid(f: Frames) -> list[int]:
    """GEN-INVALID is an outcome a user records, not a finding: no case to judge."""
    return []

"""Set-based screens: for a rule, every case it could find anything on, computed over all cases at once
(inspection/frames.py). The exact rule runs only on the flagged cases; a rule without a screen runs on every
case.

A screen is conservative by contract: it may flag a case the rule then clears, never miss one the rule would
report. tests/inspection/test_screens.py holds every screen to that on generated cases, and checks that a
screened run and an unscreened one give the same findings.
"""

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from fazhan.inspection.frames import Frames
from fazhan.procedure.definition import RULES_BY_ID

Screen = Callable[[Frames], "pl.Series | pl.DataFrame | Iterable[int]"]
SCREENS: dict[str, Screen] = {}


def screen(rule_id: str) -> Callable[[Screen], Screen]:
    """Register the screen of one rule of the catalogue (at most one per rule)."""

    def register(fn: Screen) -> Screen:
        if rule_id not in RULES_BY_ID:
            raise LookupError(f"{fn.__qualname__}: rule {rule_id} is not in procedure/definition.py")
        if rule_id in SCREENS:
            raise LookupError(
                f"rule {rule_id} is screened twice: {SCREENS[rule_id].__qualname__}, {fn.__qualname__}"
            )
        SCREENS[rule_id] = fn
        return fn

    return register


MODULES = (
    "activists",
    "admission",
    "application",
    "feedback",
    "forms",
    "general",
    "ledger",
    "notice2018",
    "order",
    "probation",
    "staff",
    "targets",
    "violations",
)  # one per module of procedure/rules


def _load() -> None:
    if not SCREENS:
        import importlib

        for name in MODULES:
            importlib.import_module(f"fazhan.inspection.screens.{name}")


def flagged(frames: Frames, rule_id: str) -> set[int]:
    """The case indices the rule's screen flags."""
    _load()
    out = SCREENS[rule_id](frames)
    if isinstance(out, pl.DataFrame):
        out = out["case"]
    if isinstance(out, pl.Series):
        return set(out.drop_nulls().to_list())
    return set(out)


def screened_rules() -> list[str]:
    _load()
    return list(SCREENS)


def plan(frames: Frames, rules: list[str]) -> list[list[str]]:
    """For every case of the frames, the rules to run on it exactly, in the given (catalogue) order."""
    _load()
    always = [r for r in rules if r not in SCREENS]
    out = [list(always) for _ in range(len(frames.facts))]
    screened = [r for r in rules if r in SCREENS]
    frames.prepare()
    # Polars works outside the interpreter lock: the screens run side by side on the cores.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        marks = list(pool.map(lambda rule: flagged(frames, rule), screened))
    for rule, cases in zip(screened, marks, strict=True):  # in the catalogue's order: each list keeps it
        for i in sorted(cases):
            out[i].append(rule)
    order = {r: n for n, r in enumerate(rules)}
    return [sorted(todo, key=order.__getitem__) if always and todo else todo for todo in out]

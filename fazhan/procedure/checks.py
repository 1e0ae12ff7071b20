"""A Django system check that rejects an inconsistent procedure definition at start-up (style.md)."""

import datetime

from django.core.checks import Error, register

from fazhan.accounts.models import Role
from fazhan.procedure.definition import (
    BARS,
    DUE,
    EARLIEST,
    MONTHS,
    PASSING_PREREQUISITES,
    PHASES,
    RULES,
    SEVERITY_RANK,
    STEPS,
    STEPS_BY_CODE,
    TIME_LIMITS,
    WINDOW,
    WORKING_DAYS,
    Limits,
)
from fazhan.procedure.editions import EDITIONS_BY_ID
from fazhan.procedure.engine import CHECKS

DETAIL_KINDS = {"pids", "orgs", "org", "form", "bool", "date", "int", "choice", "choices", "text", "flags"}


def definition_problems() -> list[str]:
    problems: list[str] = []
    codes = [s.code for s in STEPS]
    if codes != [f"S{n:02d}" for n in range(1, len(STEPS) + 1)] or [s.number for s in STEPS] != list(
        range(1, len(STEPS) + 1)
    ):
        problems.append("steps must be S01, S02, … numbered in order")
    phases = {p.code for p in PHASES}
    for step in STEPS:
        if step.stage not in phases:
            problems.append(f"{step.code}: unknown stage {step.stage}")
        for needed in step.prerequisites:
            if needed not in STEPS_BY_CODE or STEPS_BY_CODE[needed].number >= step.number:
                problems.append(f"{step.code}: prerequisite {needed} must be an earlier step")
        for role in step.actors:
            if role not in Role.values:
                problems.append(f"{step.code}: unknown actor role {role}")
        for key, detail in step.details.items():
            if detail.kind not in DETAIL_KINDS:
                problems.append(f"{step.code}.{key}: unknown detail kind {detail.kind}")
            if detail.kind in ("choice", "choices", "flags") and not detail.choices:
                problems.append(f"{step.code}.{key}: a {detail.kind} needs its code list")
        if step.passing:
            key, values = step.passing
            spec = step.details.get(key)
            if spec is None or not set(values) <= set(spec.choices):
                problems.append(f"{step.code}: passing result {key}={values} is not among its details")
    for code, needed in PASSING_PREREQUISITES.items():
        if needed not in STEPS_BY_CODE[code].prerequisites or STEPS_BY_CODE[needed].passing is None:
            problems.append(f"{code}: its passing prerequisite {needed} must be a prerequisite with a result")
    ids = [r.id for r in RULES]
    if len(ids) != len(set(ids)):
        problems.append("rule ids must be unique")
    for rule in RULES:
        if rule.severity not in SEVERITY_RANK:
            problems.append(f"{rule.id}: unknown severity {rule.severity}")
        if any(s not in STEPS_BY_CODE for s in rule.steps):
            problems.append(f"{rule.id}: names a step that does not exist")
        if rule.since:
            try:
                datetime.date.fromisoformat(rule.since)
            except ValueError:
                problems.append(f"{rule.id}: since {rule.since!r} is not a date")
    limit_fields = set(Limits.__dataclass_fields__)
    for limit in TIME_LIMITS:
        if limit.rule_id not in {r.id for r in RULES}:
            problems.append(f"time limit {limit.id}: its rule {limit.rule_id} is not in the catalogue")
        if limit.start not in STEPS_BY_CODE or limit.step not in STEPS_BY_CODE:
            problems.append(f"time limit {limit.id}: names a step that does not exist")
        elif STEPS_BY_CODE[limit.start].number >= STEPS_BY_CODE[limit.step].number:
            problems.append(f"time limit {limit.id}: its clock must start at an earlier step")
        for name in filter(None, (limit.months_field, limit.special_field)):
            if name not in limit_fields:
                problems.append(f"time limit {limit.id}: {name} is not a field of Limits")
        if not limit.article.startswith("Art.") or limit.edition not in EDITIONS_BY_ID:
            problems.append(f"time limit {limit.id}: needs its edition and article (Art.N)")
        if limit.bound not in (EARLIEST, DUE, WINDOW, BARS) or limit.unit not in (MONTHS, WORKING_DAYS):
            problems.append(f"time limit {limit.id}: unknown bound {limit.bound} or unit {limit.unit}")
        elif limit.unit == WORKING_DAYS and limit.bound != EARLIEST:
            problems.append(f"time limit {limit.id}: only a lower bound counts working days")
    for rule in RULES:
        if rule.section == "B" and rule.id not in CHECKS:
            problems.append(f"{rule.id}: a rule of procedure.md B with no check implementing it")
    return problems


@register()
def procedure_definition_check(app_configs, **kwargs) -> list[Error]:
    return [Error(p, id="fazhan.procedure.E001") for p in definition_problems()]

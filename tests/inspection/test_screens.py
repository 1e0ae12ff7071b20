"""The set-based screens (inspection/screens) against the single-case rules they stand before.

A screen may flag a case its rule then clears, never miss one the rule reports: on generated cases (casegen:
gaps on and around every limit, details right and wrong), every case a rule finds anything on must be
flagged. And on the generated district with planted violations, a screened run gives exactly the findings of
an unscreened one.
"""

import json
from dataclasses import replace

import polars as pl
import pytest

from fazhan.demo.synth import synth_build
from fazhan.inspection.frames import frames_from_facts
from fazhan.inspection.loader import tree_load
from fazhan.inspection.run import inspect, per_case_rules
from fazhan.inspection.screens import SCREENS, flagged, screened_rules
from fazhan.procedure.definition import STEPS, Limits
from fazhan.procedure.engine import CHECKS
from fazhan.procedure.models import StepRecord
from fazhan.procedure.rules.notice2018 import evaluate_tree
from tests.inspection.casegen import cases

SEEDS = range(12)
# Ids whose per-case function yields nothing by design (a principle, an outcome, a derivation): their screens
# flag nothing and there is nothing to miss.
SILENT = {"GEN-INDIV", "GEN-INVALID", "PRB-DATES"}


@pytest.fixture(scope="module")
def generated():
    return {seed: cases(seed, 150) for seed in SEEDS}


@pytest.fixture(scope="module")
def generated_frames(generated):
    """One Frames per seed, shared by every rule's test (as one run shares them between its screens)."""
    return {seed: frames_from_facts(facts, Limits()) for seed, facts in generated.items()}


@pytest.mark.parametrize("rule", [r for r in per_case_rules() if r in screened_rules()])
def test_the_screen_flags_every_case_its_rule_finds_something_on(rule, generated, generated_frames):
    fired = 0
    for seed, facts in generated.items():
        frames = generated_frames[seed]
        found = {i for i, f in enumerate(facts) if list(CHECKS[rule](f))}
        marked = flagged(frames, rule)
        missed = sorted(found - marked)
        assert not missed, f"{rule}: seed {seed}, cases {missed[:10]} have findings the screen did not flag"
        assert marked <= set(range(len(facts)))
        fired += len(found)
    if rule in SILENT:
        assert fired == 0
    else:
        assert fired, f"{rule}: the generated cases never break it, so its screen is not tested"


def test_a_screen_that_misses_a_case_is_caught(generated):
    """The check above can fail: a screen that flags nothing is caught on the first rule with a finding."""
    facts = generated[0]
    frames = frames_from_facts(facts, Limits())
    rule = next(r for r in per_case_rules() if any(list(CHECKS[r](f)) for f in facts))
    found = {i for i, f in enumerate(facts) if list(CHECKS[rule](f))}
    SCREENS_BEFORE = dict(SCREENS)
    try:
        SCREENS[rule] = lambda _frames: []
        assert found - flagged(frames, rule) == found
    finally:
        SCREENS.clear()
        SCREENS.update(SCREENS_BEFORE)


def test_the_screens_cover_most_rules():
    screened = set(screened_rules())
    assert screened <= set(CHECKS)
    assert screened == set(per_case_rules())  # every per-case rule: none left running on every case


def test_a_screened_run_gives_exactly_the_findings_of_an_unscreened_one(db):
    synth = synth_build(scale="township", cases=400)
    screened = inspect(root=None, as_of=synth.as_of)
    unscreened = inspect(root=None, as_of=synth.as_of, screened=False)
    assert [i.as_json() | {"key": i.key} for i in screened.issues] == [
        i.as_json() | {"key": i.key} for i in unscreened.issues
    ]
    assert {i.rule for i in screened.issues} & set(screened_rules())


def test_the_org_level_rules_find_the_same_on_the_cases_summary_as_on_their_whole_record(db):
    """The whole-tree run hands the org-level rules each case with only the first passing record of the steps
    they read (notice.TREE_STEPS) and the conversion rounds (TREE_ROUND_STEPS): the same findings as on every
    record."""
    synth = synth_build(scale="township", cases=400)
    loaded = tree_load(root=None, as_of=synth.as_of)
    full = loaded.full_facts(range(len(loaded.tree.cases)))
    whole = replace(loaded.tree, cases=[full[i] for i in range(len(full))])
    assert sum(len(f.records) for f in whole.cases) > sum(len(f.records) for f in loaded.tree.cases)
    found = evaluate_tree(loaded.tree)
    assert found == evaluate_tree(whole)
    assert {t.finding.rule for t in found} >= {"PLAN-QUOTA", "VIO-RUSH"}


def test_the_loaders_frames_are_those_of_the_complete_facts(db):
    """The loader makes the screens' tables from what it read (the cases' rows in its own pass, the records
    from the driver's columns): the same tables as made from the cases' complete facts."""
    synth = synth_build(scale="township", cases=300)
    first = StepRecord.objects.order_by("pk").first()
    awkward = '引号"、逗号,\t换行\n反斜杠\\ 分隔符\x1f\x1e'  # the loader's text transport must carry it
    StepRecord.objects.create(
        case=first.case,
        step=first.step,
        date=first.date,
        details={**first.details, "note": awkward},
        recorded_at=None,
        supersedes=first,
        reason="更正",
    )
    migrated = (
        StepRecord.objects.filter(step__in=("S03", "S05")).order_by("pk")[:40].values_list("pk", flat=True)
    )
    StepRecord.objects.filter(pk__in=list(migrated)).update(from_ledger=True, date_inferred=True)
    loaded = tree_load(root=None, as_of=synth.as_of)
    full = loaded.full_facts(range(len(loaded.case_ids)))
    made, reference = loaded.frames, frames_from_facts([full[i] for i in range(len(full))], Limits())
    assert made.cases.height == 300
    for table in ("cases", "first", "earliest", "counts"):
        assert getattr(made, table).equals(getattr(reference, table)), table
    # the records as the database handed them as text: every column but the details' spelling
    same = [
        "case",
        "id",
        "step",
        "date",
        "supersedes",
        "from_ledger",
        "date_inferred",
        "recorded_on",
        "passed",
    ]
    same.append("pos")
    mine, theirs = (f.recs.sort("case", "pos") for f in (made, reference))
    assert mine.select(same).equals(theirs.select(same))
    assert mine.filter(pl.col("supersedes") == first.pk)["recorded_on"].to_list() == [None]
    assert any(r.details.get("note") == awkward for facts in full.values() for r in facts.records)
    assert [json.loads(t) for t in mine["details"]] == [json.loads(t) for t in theirs["details"]]
    assert made.cases.filter(pl.col("n_forms") > 0).height > 0
    assert made.cases.filter(pl.col("converted_on").is_not_null()).height > 0
    assert mine["from_ledger"].sum() == mine["date_inferred"].sum() == 40
    assert sum(r.from_ledger for facts in full.values() for r in facts.records) == 40


def test_the_loaders_quick_constructor_gives_the_same_facts_as_the_dataclass():
    from fazhan.procedure.loader import IndexedFacts

    for facts in cases(3, 20):
        fields = {f: getattr(facts, f) for f in facts.__dataclass_fields__ if f != "records"}
        quick = IndexedFacts.indexed(facts.records, fields)
        assert quick == IndexedFacts(records=facts.records, **fields)
        assert [quick.first(s.code) for s in STEPS] == [facts.first(s.code) for s in STEPS]
        assert quick.all("S06") == facts.all("S06")

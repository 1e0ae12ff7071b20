"""Pages that explain a count or a notice by its step ("按审批（第17步）日期") take the step's number and name
from the procedure's definition (procedure_tags step_no / step_name), so a renumbered step cannot leave a
page saying the old number; no template writes a step number by hand."""

import dataclasses
import re
from pathlib import Path

from django.template import Context, Template

from fazhan.procedure import definition

TEMPLATES = Path(__file__).resolve().parents[2] / "fazhan"
HAND_WRITTEN = re.compile(r"第\s*\d+\s*步")


def _render(text: str) -> str:
    return Template("{% load procedure_tags %}" + text).render(Context())


def test_the_tags_read_the_definition(monkeypatch):
    assert _render('{% step_no "APPROVAL" %}') == str(
        definition.STEPS_BY_CODE[definition.Anchor.APPROVAL].number
    )
    step = definition.STEPS_BY_CODE[definition.Anchor.APPLICATION]
    monkeypatch.setitem(
        definition.STEPS_BY_CODE,
        definition.Anchor.APPLICATION,
        dataclasses.replace(step, name="提出入党申请（试改名）", number=9),
    )
    assert (
        _render('{% step_no "APPLICATION" %}：{% step_name "APPLICATION" %}') == "9：提出入党申请（试改名）"
    )


def test_no_template_writes_a_step_number_by_hand():
    found = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in sorted(TEMPLATES.rglob("templates/**/*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert found == []


def test_the_notice_page_names_the_steps_a_notice_comes_before(client_for, world, monkeypatch):
    step = definition.STEPS_BY_CODE[definition.Anchor.TARGET]
    monkeypatch.setitem(
        definition.STEPS_BY_CODE, definition.Anchor.TARGET, dataclasses.replace(step, number=70)
    )
    page = client_for("lh_organizer").get("/notices/").content.decode()
    assert "拟确定发展对象（第70步）" in page

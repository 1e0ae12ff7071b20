"""The floating wing and its demo read the steps by the definition's names (definition.Anchor), never by a
code written out: a renumbered step cannot leave them judging the wrong one."""

import ast
import inspect
import re
from pathlib import Path

import fazhan.floating
from fazhan.demo import world
from fazhan.procedure.definition import STEPS_BY_CODE

CODE = re.compile(r"S\d\d")


def step_literals(source: str) -> list[str]:
    """The string constants of `source` that are a step's code."""
    return [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.fullmatch(node.value)
        and node.value in STEPS_BY_CODE
    ]


def test_the_check_sees_a_literal():
    assert sorted(step_literals('x = ("S07", "S99", "S10x")\n"S10"')) == ["S07", "S10"]


def test_the_floating_wing_names_no_step_by_its_code():
    root = Path(fazhan.floating.__file__).parent
    found = {
        str(path.relative_to(root)): literals
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts and (literals := step_literals(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_demo_of_floating_names_no_step_by_its_code():
    assert step_literals(inspect.getsource(world.demo_floating)) == []

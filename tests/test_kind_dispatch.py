"""Answer kinds are strategy objects (``nkru.eval.kinds``): no other module of the package tests
a kind or a task's name, read from the syntax of every module.

Flagged outside the kind modules: a kind-name constant of ``nkru.tasks`` (``LABELLED_SPANS``,
…) imported; a comparison with a kind's or a task's name as a string (``task.kind ==
"pairs"``, ``task.name == "ner"``, ``kind in ("spans", "pairs")``); a subscript or ``.get``
keyed by ``….kind``; a dict literal keyed by task names (a registry by task). Only
``eval/kinds.py``, where the kinds dispatch, is exempt (``nkru/tasks.py`` defines the kind
names and uses them in its declarations only).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nkru.tasks import KINDS, TASK_NAMES

REPO = Path(__file__).resolve().parents[1]
PACKAGE = ("nkru", "annotation", "eval", "baselines", "app")
KIND_MODULE = "eval/kinds.py"
KIND_CONSTANTS = {"LABELLED_SPANS", "SPANS", "PAIRS", "CLASSIFICATION", "VALUE"}
NAMES = {*KINDS, *TASK_NAMES}
SUBJECTS = {"kind", "name", "task"}


def _is_name(node: ast.AST) -> bool:
    """A kind's or a task's name (a string, or a kind-name constant), or a tuple/list/set
    holding one."""
    if isinstance(node, ast.Constant):
        return node.value in NAMES
    if isinstance(node, ast.Name):
        return node.id in KIND_CONSTANTS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_name(e) for e in node.elts)
    return False


def _is_kind(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "kind"


def _is_task_or_kind(node: ast.AST) -> bool:
    """What holds a task's name or kind: ``….kind``, ``….name``, ``….task``, a variable so
    named, ``…["kind"]`` or ``…["task"]``."""
    if isinstance(node, ast.Attribute):
        return node.attr in SUBJECTS
    if isinstance(node, ast.Name):
        return node.id in SUBJECTS
    return isinstance(node, ast.Subscript) and (
        isinstance(node.slice, ast.Constant) and node.slice.value in SUBJECTS
    )


def dispatches(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` of every test of a kind or a task name in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "nkru.tasks":
            for alias in node.names:
                if alias.name in KIND_CONSTANTS:
                    found.append((node.lineno, f"imports the kind name {alias.name}"))
        elif isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if any(map(_is_name, sides)) and any(map(_is_task_or_kind, sides)):
                found.append((node.lineno, "compares a task or kind with a name"))
        elif (isinstance(node, ast.Subscript) and _is_kind(node.slice)) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and _is_kind(node.args[0])
        ):
            found.append((node.lineno, "looks up by kind"))
        elif (
            isinstance(node, ast.Dict)
            and len(node.keys) > 1
            and all(isinstance(k, ast.Constant) and k.value in TASK_NAMES for k in node.keys)
        ):
            found.append((node.lineno, "a dict keyed by task names"))
    return found


def package_modules() -> list[Path]:
    return sorted(path for folder in PACKAGE for path in (REPO / folder).rglob("*.py"))


def test_no_module_outside_the_kind_modules_tests_a_kind_or_a_task_name() -> None:
    found = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path in package_modules()
        if path.relative_to(REPO).as_posix() != KIND_MODULE
        for line, what in dispatches(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from nkru.tasks import PAIRS\n",
        "if task.name == 'ner': pass\n",
        "if report['task'] != 'ner': pass\n",
        "empty = [] if kind in ('labelled-spans', 'spans') else None\n",
        "parse = SHAPES[task.kind]\n",
        "if task.kind == LABELLED_SPANS: pass\n",
        "parse = SHAPES.get(spec.kind)\n",
        "BASELINES = {'ner': {}, 'claims': {}}\n",
    ],
)
def test_the_check_finds_a_dispatch(source: str) -> None:
    assert dispatches(source)


def test_the_check_lets_declarations_and_lookups_pass() -> None:
    source = (
        "row = TASKS[name]\nif entry.kind == REFERENCE: pass\nfloor = task.floor\n"
        "pipes = [p for p in pipeline if p != 'ner']\nrow = {'value': 1, 'claims': []}\n"
    )
    assert not dispatches(source)

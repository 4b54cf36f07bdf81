"""CONTRIBUTING.md's recipes name files that exist, and the annotation-layer recipe names every
module that handles a layer: one that names a layer's labels (a label set of
:mod:`nkru.schema`), a Label Studio control of :mod:`nkru.annotation.labeling_config`, an
attribute layer by name, or keeps a ``LAYERS`` tuple. The systems (``baselines/``) are per
task and come with the task recipe."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
FOLDERS = ("nkru", "annotation", "eval", "app", "scripts")
LABEL_SETS = {
    "ENTITY_LABELS",
    "VALUED_LABELS",
    "CLAIM_LAYER_LABELS",
    "CLAIM",
    "SOURCE",
    "CERTAINTY_LABELS",
    "TOPIC_LABELS",
    "STANCE_LABELS",
}
CONTROLS = {"ENTITIES", "CLAIMS", "RELATIONS", "CERTAINTY", "TOPIC", "VALUE", "SPAN_CONTROLS"}
ATTRIBUTES = {"certainty", "topic"}  # the claim attributes, read from records by name


def recipe(title: str) -> str:
    """The text of the bullet ``- **<title>**: ...`` (up to the next bullet of its level)."""
    match = re.search(
        rf"^- \*\*{re.escape(title)}\*\*:(.*?)(?=^- |^#|\Z)", CONTRIBUTING, re.M | re.S
    )
    assert match, f"CONTRIBUTING.md has no recipe {title!r}"
    return match.group(1)


def named_files(text: str) -> set[str]:
    """The repository paths in backticks (a folder and a file name with an extension)."""
    return {m for m in re.findall(r"`([\w./-]+)`", text) if "/" in m and re.search(r"\.\w+$", m)}


def handles_a_layer(source: str) -> bool:
    """Whether a module names a layer's labels, control or attribute, or lists the layers."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(
            ("schema", "labeling_config")
        ):
            if any(a.name in LABEL_SETS | CONTROLS for a in node.names):
                return True
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("schema", "lc") and node.attr in LABEL_SETS | CONTROLS:
                return True
        elif isinstance(node, ast.Constant) and node.value in ATTRIBUTES:
            return True
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "LAYERS" for t in targets):
                return True
    return False


@pytest.mark.parametrize(
    "title", ["A new task", "A new kind of answer", "A new baseline", "A new annotation layer"]
)
def test_every_file_a_recipe_names_exists(title: str) -> None:
    files = named_files(recipe(title))
    assert files
    assert not [f for f in sorted(files) if not (REPO / f).is_file()]


def test_the_annotation_layer_recipe_lists_every_module_that_handles_a_layer() -> None:
    listed = named_files(recipe("A new annotation layer"))
    handling = {
        path.relative_to(REPO).as_posix()
        for folder in FOLDERS
        for path in (REPO / folder).rglob("*.py")
        if handles_a_layer(path.read_text(encoding="utf-8"))
    }
    assert len(handling) > 10
    assert not sorted(handling - listed), "add them to the recipe (CONTRIBUTING.md)"


def test_the_check_finds_a_module_that_handles_a_layer() -> None:
    assert handles_a_layer("from nkru.schema import TOPIC_LABELS\n")
    assert handles_a_layer("x = lc.CERTAINTY\n")
    assert handles_a_layer("LAYERS = ('entity', 'claim')\n")
    assert not handles_a_layer("from nkru.schema import SCHEMA_VERSION\nx = {'value': 1}\n")

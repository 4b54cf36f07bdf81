"""Independence evidence for two worksheets of the same document (shown by ``nkru agreement``).

Perfect agreement between two annotations means little if the second file was copied from the
first. Two independent annotators may well list the same items in the same order (document
order), but they rarely write the same comments or group the items under the same comments.
For two worksheets this computes:

* the YAML comment lines (``#``, whole-line or trailing) each file holds and how many they share
  verbatim after whitespace normalisation (a multiset intersection);
* how many items (per layer, compared on their whole content) appear in the same order in both
  files (longest common subsequence), and how many do so under the same grouping comment (the
  last whole-line comment above the item in its layer);
* whether the files are byte-identical once each annotator's name is replaced by one
  placeholder.

Comments are found with PyYAML's scanner: a ``#`` that starts a line or follows whitespace and
lies outside every token (so a ``#`` inside a quoted text is not a comment).
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from nkru.errors import NkruError

LAYERS: tuple[str, ...] = ("entities", "claims", "sources")
_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*", re.MULTILINE)
PLACEHOLDER = "<annotator>"


class IndependenceError(NkruError):
    """A worksheet could not be read for the independence check."""


@dataclass(frozen=True)
class SheetLayout:
    """What a worksheet looks like apart from its judgments."""

    comments: tuple[str, ...]  # normalised comment texts, in file order
    items: tuple[tuple[str, str, str], ...]  # (layer, item content, grouping comment)


def _normalise(comment: str) -> str:
    return " ".join(comment.lstrip("#").split())


def layout(text: str, where: str) -> SheetLayout:
    """Comments and items of a worksheet text (``where`` names it in errors)."""
    try:
        tokens = list(yaml.scan(text))
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise IndependenceError(f"{where}: invalid YAML: {err}") from None
    spans = sorted(
        (t.start_mark.index, t.end_mark.index)
        for t in tokens
        if t.end_mark.index > t.start_mark.index
    )
    starts = [s for s, _ in spans]

    def outside_tokens(position: int) -> bool:
        k = bisect.bisect_right(starts, position) - 1
        return k < 0 or spans[k][1] <= position

    comments: list[tuple[int, bool, str]] = []  # (line, whole line, normalised text)
    for match in _COMMENT.finditer(text):
        if not outside_tokens(match.start()):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        whole = not text[line_start : match.start()].strip()
        if norm := _normalise(match.group()):
            comments.append((text.count("\n", 0, match.start()), whole, norm))
    items: list[tuple[str, str, str]] = []
    if isinstance(root, yaml.MappingNode) and isinstance(data, dict):
        for key, value in root.value:
            if key.value not in LAYERS or not isinstance(value, yaml.SequenceNode):
                continue
            layer_line = key.start_mark.line
            for node, item in zip(value.value, data.get(key.value) or [], strict=False):
                line = node.start_mark.line
                group = [c for n, whole, c in comments if whole and layer_line < n < line]
                content = json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)
                items.append((key.value, content, group[-1] if group else ""))
    return SheetLayout(tuple(c for _, _, c in comments), tuple(items))


def _in_order(first: list[Any], second: list[Any]) -> int:
    """The length of the longest common subsequence (difflib's matching blocks)."""
    matcher = SequenceMatcher(None, first, second, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _anonymised(path: Path, name: str) -> bytes:
    return path.read_bytes().replace(name.encode("utf-8"), PLACEHOLDER.encode("utf-8"))


def compare_worksheets(
    first: Path, second: Path, first_name: str, second_name: str
) -> dict[str, Any]:
    """The independence figures of two worksheets (see the module docstring)."""
    sheets = []
    for path in (first, second):
        try:
            sheets.append(layout(path.read_text(encoding="utf-8"), str(path)))
        except (OSError, UnicodeDecodeError) as err:
            raise IndependenceError(f"{path}: {err}") from None
    a, b = sheets
    shared = Counter(a.comments) & Counter(b.comments)
    largest = max(len(a.items), len(b.items))
    same_order = _in_order([i[:2] for i in a.items], [i[:2] for i in b.items])
    same_group = _in_order(list(a.items), list(b.items))
    return {
        "worksheets": [str(first), str(second)],
        "comment_lines": [len(a.comments), len(b.comments)],
        "shared_comment_lines": sum(shared.values()),
        "shared_comment_examples": sorted(shared)[:10],
        "items": [len(a.items), len(b.items)],
        "items_in_same_order": same_order,
        "items_in_same_order_share": same_order / largest if largest else None,
        "items_in_same_order_and_group": same_group,
        "items_in_same_order_and_group_share": same_group / largest if largest else None,
        "identical_apart_from_annotator": (
            _anonymised(first, first_name) == _anonymised(second, second_name)
        ),
    }


def pair_independence(
    folder: Path, doc_id: str, first_name: str, second_name: str, shown: Path | None = None
) -> dict[str, Any]:
    """The independence figures of a pair's worksheets ``<doc>.<annotator>.yaml`` in
    ``folder``, or the reason they cannot be computed (``checked`` false). Paths are written
    relative to ``shown`` when given."""
    paths = [folder / f"{doc_id}.{name}.yaml" for name in (first_name, second_name)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        return {
            "checked": False,
            "reason": f"no worksheet {' or '.join(missing)} in {relative(folder, shown)}",
        }
    try:
        figures = compare_worksheets(paths[0], paths[1], first_name, second_name)
    except IndependenceError as err:
        return {"checked": False, "reason": str(err)}
    figures["worksheets"] = [relative(p, shown) for p in paths]
    return {"checked": True, **figures}


def relative(path: Path, root: Path | None) -> str:
    """``path`` as written in a report: relative to ``root`` when given and inside it."""
    if root is None:
        return str(path)
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)

"""README.md's per-document counts table, derived from the ground truth in the exports.

The counts columns are computed; the "annotations" column says how each document was annotated.
For a document already in the table that cell is the maintainers' own account (it rests on the
history, e.g. which annotation was blind) and is kept; a new document's cell is derived from its
export: how many annotations it holds and whose is the ground truth.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nkru.records import Annotation

MARKER = "<!-- counts: written by `nkru derived` from annotation/exports/ -->"
HEADER = (
    "| doc | entities | claims | sources | stance relations | annotations |",
    "|---|---:|---:|---:|---:|---|",
)
_ROW = re.compile(r"^\| (\d{3}) \|(?: [^|]* \|){4} (.*) \|$")


def counts(annotation: Annotation) -> tuple[int, int, int, int]:
    """Entities, claims, sources and stance relations of one annotation."""
    return (
        len(annotation.entities),
        len(annotation.claims),
        len(annotation.sources),
        len(annotation.stances),
    )


def derived_cell(annotations: Sequence[Annotation]) -> str:
    """The "annotations" cell of a document the table does not hold yet, from its export."""
    (truth,) = [a for a in annotations if a.ground_truth]
    others = len(annotations) - 1
    return (
        f"{len(annotations)} in the export, ground truth by {truth.annotator}"
        + (f" + {others} other{'s' * (others > 1)}" if others else "")
        + " (derived by `nkru derived`)"
    )


def render(by_document: Mapping[str, Sequence[Annotation]], cells: Mapping[str, str]) -> list[str]:
    """The table's lines: one row per document with a ground truth, then the total.
    ``cells`` holds the kept "annotations" cells by document id."""
    lines = list(HEADER)
    totals = [0, 0, 0, 0]
    for doc_id, held in sorted(by_document.items()):
        truths = [a for a in held if a.ground_truth]
        if not truths:
            continue
        row = counts(truths[0])
        totals = [t + n for t, n in zip(totals, row, strict=True)]
        cell = cells.get(doc_id) or derived_cell(held)
        lines.append(f"| {doc_id} | " + " | ".join(map(str, row)) + f" | {cell} |")
    lines.append("| all | " + " | ".join(map(str, totals)) + " | |")
    return lines


def replace_table(readme: str, by_document: Mapping[str, Sequence[Annotation]]) -> str:
    """``readme`` with the table under its marker line regenerated (ValueError without the
    marker). The marker is the line starting ``<!-- counts:``; the table is the run of lines
    starting ``|`` after it."""
    lines = readme.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("<!-- counts:")]
    if len(starts) != 1:
        raise ValueError(
            f"README.md: {len(starts)} lines start with '<!-- counts:'; the counts table needs "
            "exactly one, on the line above it"
        )
    start = starts[0] + 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    cells = {m[1]: m[2] for line in lines[start:end] if (m := _ROW.match(line))}
    table = render(by_document, cells)
    return "\n".join([*lines[: start - 1], MARKER, *table, *lines[end:]])

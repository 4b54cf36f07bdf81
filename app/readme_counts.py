"""README.md's per-document tables: the corpus table (source and date, from the manifest) and
the counts table (from the ground truth in the exports), each under its marker line.

The corpus table is computed whole. In the counts table the counts columns are computed; the
"annotations" column says how each document was annotated. For a document already in the table
that cell is the maintainers' own account (it rests on the history, e.g. which annotation was
blind) and is kept; a new document's cell is derived from its export: how many annotations it
holds and whose is the ground truth.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from nkru.corpus import Document
from nkru.records import Annotation

MARKER = "<!-- counts: written by `nkru derived` from annotation/exports/ -->"
CORPUS_MARKER = "<!-- corpus: written by `nkru derived` from data/raw/manifest.json -->"
CORPUS_HEADER = ("| doc | source | date (from the text) |", "|---|---|---|")
MISSING = "not in the text"
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


def corpus_table(documents: Sequence[Document]) -> list[str]:
    """The corpus table's lines: per document its publisher and authors, and its date, as the
    manifest records them (null values: the text does not say; the manifest's notes say why)."""
    lines = list(CORPUS_HEADER)
    for doc in sorted(documents, key=lambda d: d.id):
        publisher = doc.metadata.get("publisher")
        authors = doc.metadata.get("authors") or []
        assert isinstance(authors, list)
        names = [str(publisher) if publisher else "site not named", *map(str, authors)]
        source = MISSING if not publisher and not authors else ", ".join(names)
        lines.append(f"| {doc.id} | {source} | {doc.date or MISSING} |")
    return lines


def _replace_block(readme: str, marker: str, table: Callable[[list[str]], list[str]]) -> str:
    """``readme`` with the table under ``marker`` (matched by its first word, e.g. ``<!--
    counts:``) replaced by ``table(old lines)``; ValueError unless exactly one line starts so.
    The table is the run of lines starting ``|`` after the marker line."""
    prefix = marker.split(" written")[0]
    lines = readme.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    if len(starts) != 1:
        raise ValueError(
            f"README.md: {len(starts)} lines start with {prefix!r}; the table needs "
            "exactly one, on the line above it"
        )
    start = starts[0] + 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join([*lines[: start - 1], marker, *table(lines[start:end]), *lines[end:]])


def replace_table(readme: str, by_document: Mapping[str, Sequence[Annotation]]) -> str:
    """``readme`` with the counts table regenerated, its kept "annotations" cells kept."""

    def table(old: list[str]) -> list[str]:
        return render(by_document, {m[1]: m[2] for line in old if (m := _ROW.match(line))})

    return _replace_block(readme, MARKER, table)


def replace_corpus_table(readme: str, documents: Sequence[Document]) -> str:
    """``readme`` with the corpus table regenerated from ``documents``' metadata."""
    return _replace_block(readme, CORPUS_MARKER, lambda old: corpus_table(documents))

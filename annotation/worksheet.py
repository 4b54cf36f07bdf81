"""Annotation worksheets: how an annotator without the Label Studio GUI enters judgments.

A worksheet (``annotation/worksheets/<doc>.<annotator>.yaml``) lists, per layer and in document
order, the exact quoted text of each item with its label and attributes. Each quote is located by
searching forward from the previous item of the same layer (entities: from the previous end;
claims and sources: from the previous start), so repeated strings resolve unambiguously; an
optional ``after`` quote moves the search past its next occurrence first (for a short quote such
as the pronoun source "il" that also occurs inside earlier words). A
top-level ``ground_truth: true`` marks the adjudicated annotation of a document. The
document's boilerplate regions (from the corpus manifest) are added to every annotation. The
result is an :class:`~nkru.records.Annotation`, which ``nkru studio push`` imports into Label
Studio; the committed source of truth is the Label Studio export that comes back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nkru.corpus import CorpusError, get_document
from nkru.errors import NkruError
from nkru.paths import project_root
from nkru.records import Annotation, Claim, Source, Span, Stance
from nkru.rows import BuildError, check
from nkru.segment import content_sentences

LINE_KEY = "__line__"


class WorksheetError(NkruError):
    """Worksheet problems, each naming the file, line and field."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that records each mapping's line number."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def _find(text: str, quote: str, cursor: int, where: str) -> int:
    position = text.find(quote, cursor)
    if position < 0:
        hint = " (it occurs earlier: check the order)" if quote in text else ""
        raise WorksheetError(f"{where}: text {quote!r} not found after offset {cursor}{hint}")
    return position


def _locate(text: str, item: dict, quote: str, cursor: int, where: str) -> int:
    """Where ``quote`` starts: searched from ``cursor``, or from the end of the item's optional
    ``after`` anchor (itself searched from ``cursor``)."""
    if (anchor := item.get("after")) is not None:
        anchor = str(anchor)
        cursor = _find(text, anchor, cursor, f"{where}: after") + len(anchor)
    return _find(text, quote, cursor, where)


def _field(item: dict, key: str, where: str, required: bool = True) -> Any:
    value = item.get(key)
    if required and (value is None or value == ""):
        raise WorksheetError(f"{where}: missing field {key!r}")
    return value


def load_worksheet(path: Path) -> Annotation:
    """Parse a worksheet into an Annotation with exact offsets into the document text."""
    try:
        sheet = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as err:
        raise WorksheetError(f"{path}: invalid YAML: {err}") from None
    if not isinstance(sheet, dict):
        raise WorksheetError(f"{path}: line 1: a worksheet is a mapping")
    doc_key = _field(sheet, "document", f"{path}:1")
    # an unquoted 002 is read by YAML as the integer 2
    doc = get_document(f"{doc_key:03d}" if isinstance(doc_key, int) else str(doc_key))
    ground_truth = sheet.get("ground_truth", False)
    if not isinstance(ground_truth, bool):
        raise WorksheetError(f"{path}: ground_truth must be true or false")
    annotation = Annotation(
        doc.id,
        str(_field(sheet, "annotator", f"{path}:1")),
        ground_truth=ground_truth,
        boilerplate=list(doc.boilerplate),
    )

    def items(layer: str) -> list[tuple[dict, str]]:
        out = []
        for item in sheet.get(layer) or []:
            if not isinstance(item, dict):
                raise WorksheetError(f"{path}: {layer}: every item must be a mapping, got {item!r}")
            out.append((item, f"{path}:{item[LINE_KEY]}: {layer}"))
        return out

    cursor = 0
    for n, (item, where) in enumerate(items("entities"), start=1):
        quote = str(_field(item, "text", where))
        start = _locate(doc.text, item, quote, cursor, where)
        cursor = start + len(quote)
        value = item.get("value")
        annotation.entities.append(
            Span(
                f"e{n:03d}",
                start,
                cursor,
                str(_field(item, "label", where)),
                quote,
                None if value is None else str(value),
            )
        )

    cursor = 0
    claim_ids: dict[str, str] = {}
    for n, (item, where) in enumerate(items("claims"), start=1):
        quote = str(_field(item, "text", where))
        start = cursor = _locate(doc.text, item, quote, cursor, where)
        key = str(_field(item, "id", where))
        if key in claim_ids:
            raise WorksheetError(f"{where}: duplicate claim id {key!r}")
        claim_ids[key] = f"c{n:03d}"
        annotation.claims.append(
            Claim(
                claim_ids[key],
                start,
                start + len(quote),
                quote,
                item.get("certainty"),
                item.get("topic"),
            )
        )

    cursor = 0
    for n, (item, where) in enumerate(items("sources"), start=1):
        quote = str(_field(item, "text", where))
        start = cursor = _locate(doc.text, item, quote, cursor, where)
        source_id = f"s{n:03d}"
        annotation.sources.append(Source(source_id, start, start + len(quote), quote))
        stances = _field(item, "stances", where)
        if not isinstance(stances, dict):
            raise WorksheetError(f"{where}: 'stances' must map claim ids to support/deny/query")
        for claim_key, label in stances.items():
            if claim_key == LINE_KEY:
                continue
            if str(claim_key) not in claim_ids:
                raise WorksheetError(f"{where}: stances: unknown claim id {claim_key!r}")
            annotation.stances.append(Stance(source_id, claim_ids[str(claim_key)], str(label)))
    return annotation


def worksheet_files() -> list[Path]:
    """Every committed worksheet (``annotation/worksheets/*.yaml``)."""
    return sorted((project_root() / "annotation" / "worksheets").glob("*.yaml"))


def load_worksheets(files: list[Path] | None = None) -> list[Annotation]:
    """Load worksheets and run the dataset build's checks on each; every problem of every
    file is collected into one WorksheetError."""
    files = worksheet_files() if files is None else files
    if not files:
        raise WorksheetError("no worksheet files found")
    loaded: list[Annotation] = []
    problems: list[str] = []
    for path in files:
        try:
            annotation = load_worksheet(path)
            doc = get_document(annotation.document_id)
            check(doc, annotation, content_sentences(doc))
        except (WorksheetError, BuildError) as err:
            problems.extend(f"{path}: {p}" if str(path) not in p else p for p in err.problems)
        except (CorpusError, OSError) as err:
            problems.append(f"{path}: {err}")
        else:
            loaded.append(annotation)
    if problems:
        raise WorksheetError(*problems)
    return loaded

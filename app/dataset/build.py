"""``build(annotations, out_dir)``: the publishable Hugging Face dataset folder.

Writes ``<out_dir>/<config>/<split>.parquet`` for every config (``documents`` plus one per task
in :data:`nkru.schema.TASKS`) and the dataset card ``<out_dir>/README.md``. Everything is
computed before anything is written; files are written atomically and only when their bytes
change. Output is byte-reproducible: rows in document order, pinned Parquet writer options, no
timestamps anywhere (the Parquet ``created_by`` field names the pyarrow version).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, Features, List

from nkru.corpus import Document, load_corpus
from nkru.files import write_atomic
from nkru.records import Annotation
from nkru.rows import BuildError, Row
from nkru.segment import content_sentences
from nkru.splits import SPLITS, split_of
from nkru.tasks import DOCUMENTS, TASKS, Task, document_rows

from .card import Built, render_card
from .croissant import CROISSANT, croissant_bytes
from .ground_truth import ExportFile

CARD = "README.md"
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 100_000,
    "store_schema": True,
}
"""Pinned Parquet writer options (reproducible bytes for a given pyarrow version)."""


@dataclass
class BuildReport:
    """What ``build`` did."""

    out_dir: Path
    documents: list[str]
    skipped: dict[str, str]
    counts: dict[str, dict[str, int]]
    written: list[Path]
    unchanged: list[Path]
    removed: list[Path]


def _str2int_each(label: ClassLabel, values: list[str]) -> list[int]:
    return [label.str2int(v) for v in values]


def encode(rows: list[Row], features: Features) -> list[Row]:
    """Label names -> ClassLabel integers (top-level ``ClassLabel`` and ``List(ClassLabel)``)."""
    encoders: dict[str, Callable[[Any], Any]] = {}
    for name, feature in features.items():
        if isinstance(feature, ClassLabel):
            encoders[name] = feature.str2int
        elif isinstance(feature, List) and isinstance(feature.feature, ClassLabel):
            encoders[name] = partial(_str2int_each, feature.feature)
    return [{k: encoders[k](v) if k in encoders else v for k, v in row.items()} for row in rows]


def to_table(rows: list[Row], features: Features) -> pa.Table:
    """An Arrow table with the declared schema (and its ``huggingface`` features metadata)."""
    return pa.Table.from_pylist(encode(rows, features), schema=features.arrow_schema)


def parquet_bytes(table: pa.Table) -> bytes:
    """The table as Parquet, with the pinned writer options."""
    sink = io.BytesIO()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return sink.getvalue()


def collect(
    annotations: Mapping[str, Annotation],
    corpus: tuple[Document, ...] | None = None,
    log: Callable[[str], None] | None = None,
    tasks: Iterable[Task] = TASKS.values(),
) -> tuple[list[Document], dict[str, str], dict[str, dict[str, list[Row]]]]:
    """Rows of every config per split, from the documents with a ground-truth annotation.

    Returns (built documents, skipped document id -> reason, config -> split -> rows). Raises
    :class:`BuildError` listing every problem of every document.
    """
    log = log or (lambda message: None)
    tasks = tuple(tasks)
    corpus = corpus if corpus is not None else load_corpus()
    known = {doc.id for doc in corpus}
    problems = [
        f"document {doc_id}: not in the corpus (known: {', '.join(sorted(known))})"
        for doc_id in sorted(set(annotations) - known)
    ]
    built: list[Document] = []
    skipped: dict[str, str] = {}
    per_doc: dict[str, dict[str, list[Row]]] = {}
    for doc in corpus:
        annotation = annotations.get(doc.id)
        if annotation is None:
            skipped[doc.id] = "no ground-truth annotation"
        elif not annotation.ground_truth:
            skipped[doc.id] = "its annotation is not marked ground_truth"
        if doc.id in skipped:
            log(f"document {doc.id}: {skipped[doc.id]}, skipped")
            continue
        try:
            split_of(doc.id)
        except KeyError as err:
            problems.append(str(err.args[0]))
            continue
        assert annotation is not None  # else skipped above
        try:
            per_doc[doc.id] = document_rows(doc, annotation, content_sentences(doc), tasks)
        except BuildError as err:
            problems.extend(err.problems)
            continue
        built.append(doc)
        log(f"document {doc.id}: {sum(len(r) for r in per_doc[doc.id].values())} rows")
    if not problems and not built:
        problems.append("no document has a ground-truth annotation: nothing to build")
    if problems:
        raise BuildError(problems)
    rows: dict[str, dict[str, list[Row]]] = {}
    for config in (DOCUMENTS, *(t.name for t in tasks)):
        rows[config] = {}
        for split in SPLITS:
            docs = [doc for doc in built if split_of(doc.id) == split]
            if docs:  # a split without an annotated document is left out
                rows[config][split] = [r for doc in docs for r in per_doc[doc.id][config]]
    return built, skipped, rows


def build(
    annotations: Mapping[str, Annotation],
    out_dir: Path,
    *,
    exports: Mapping[str, ExportFile] | None = None,
    corpus: tuple[Document, ...] | None = None,
    log: Callable[[str], None] | None = None,
    tasks: Iterable[Task] = TASKS.values(),
) -> BuildReport:
    """Build the dataset folder from ground-truth annotations (document id -> annotation):
    the ``documents`` config and one config per task of ``tasks``.

    ``exports`` (document id -> export file name and sha256) is recorded in the card.
    Documents without a ground-truth annotation are skipped (reported in ``skipped`` and by
    ``log``); any annotation problem raises :class:`BuildError` before anything is written.
    """
    log = log or (lambda message: None)
    tasks = tuple(tasks)
    built, skipped, rows = collect(annotations, corpus, log, tasks)
    info = Built(built, skipped, tasks, rows, {}, dict(exports) if exports is not None else None)
    tables = {
        config: {split: to_table(r, info.features(config)) for split, r in splits.items()}
        for config, splits in rows.items()
    }
    blobs = {
        config: {split: parquet_bytes(table) for split, table in splits.items()}
        for config, splits in tables.items()
    }
    info.tables = tables
    info.file_sizes = {c: {s: len(b) for s, b in splits.items()} for c, splits in blobs.items()}
    card = render_card(info).encode("utf-8")

    out_dir = Path(out_dir)
    written: list[Path] = []
    unchanged: list[Path] = []
    removed: list[Path] = []
    for config, splits in blobs.items():
        for split, data in splits.items():
            path = out_dir / config / f"{split}.parquet"
            (written if write_atomic(path, data) else unchanged).append(path)
            log(f"{path}: {len(rows[config][split])} rows")
        for stale in sorted((out_dir / config).glob("*.parquet")):
            if stale.stem not in splits:
                stale.unlink()
                removed.append(stale)
                log(f"{stale}: removed (no annotated document in that split)")
    path = out_dir / CARD
    (written if write_atomic(path, card) else unchanged).append(path)
    path = out_dir / CROISSANT
    metadata = croissant_bytes({c: list(splits) for c, splits in blobs.items()}, tasks)
    (written if write_atomic(path, metadata) else unchanged).append(path)
    return BuildReport(
        out_dir=out_dir,
        documents=[doc.id for doc in built],
        skipped=skipped,
        counts={c: {s: len(r) for s, r in splits.items()} for c, splits in rows.items()},
        written=written,
        unchanged=unchanged,
        removed=removed,
    )

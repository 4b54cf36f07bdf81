"""A scoring run: prediction records validated and scored against a gold set as they stream.

:func:`run` goes through the records with the detailed checks and the task's scorer, or, for
labelled spans, through the fast path (:mod:`.fastpath`) as well, every validated example
then queued in a :class:`.ner.NerBatch` and counted a chunk at a time. Either way it returns
per-unit count vectors (:class:`Scored`) from which the report's headline, intervals and
comparisons are computed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from nkru.tasks import LabelMap, Task

from .bootstrap import document_totals
from .fastpath import kept_entities, typed_taken, walk
from .gold import CHUNK, GoldSet
from .jsonl import blocks
from .kinds import headline_metric, kind_of, make_scorer
from .metrics import CountVector, Metric, Scorer
from .ner import NerBatch, NerScorer, TypeCounts
from .ner_block import decode_ner_block
from .problems import ERROR, Problem, ProblemLog, ValidationFailed
from .validate import RecordParser


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading or scoring a file.

    Validation allocates many short-lived containers next to a large, long-lived gold set;
    generational collections would traverse the gold set again and again (about a third of
    the run time on 1M tokens). Nothing here creates reference cycles, and reference
    counting still frees every record as soon as it has been read, so memory is unchanged.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Scored:
    """A scorer after a run, with per-unit headline count vectors.

    ``keys`` identify the units (rows of ``counts``); ``groups`` give each unit's document
    (for nested resampling); ``types`` hold labelled spans' per-type strict counts per unit.
    """

    scorer: Scorer
    metric: Metric
    keys: np.ndarray
    counts: np.ndarray
    groups: np.ndarray
    unit: str
    predicted: int
    missing: int
    warnings: list[Problem] = field(default_factory=list)
    types: TypeCounts | None = None
    warnings_omitted: int = 0  # beyond the problems kept per file (problems.LIMIT)


def make_parser(task: Task, label_map: LabelMap | None = None) -> RecordParser:
    """Record parser of a task, in its kind's shape; a label map may widen the labels (labelled
    spans: to its keys and values)."""
    kind = kind_of(task)
    return RecordParser(task, kind.shape, kind.parser_labels(task, label_map))


class _Run:
    """The state of one run, shared by the detailed path and the fast path."""

    def __init__(
        self,
        gold: GoldSet,
        log: ProblemLog,
        label_map: LabelMap | None,
        allow_missing: bool,
        per_type: bool,
    ) -> None:
        self.gold, self.log, self.allow_missing = gold, log, allow_missing
        task = gold.task
        self.parser = make_parser(task, label_map)
        self.scorer = make_scorer(task, label_map)
        self.metric = headline_metric(task, self.scorer)
        n = len(gold.examples)
        self.batch: NerBatch | None = None
        self.dense: np.ndarray | None = None
        self.types: TypeCounts | None = None
        if kind_of(task).vectorised:  # one count vector per example, per-type counts
            assert isinstance(self.scorer, NerScorer)
            self.dense = np.zeros((n, self.scorer.width))
            self.types = self._type_counts() if per_type else None
            arrays, names = gold.entity_arrays(), self.parser.label_names
            self.batch = NerBatch(self.scorer, arrays, names, self.dense, self.types)
        self.scored = np.zeros(n, dtype=bool)
        self.rows: dict[int, list[tuple[int, CountVector]]] = {}
        self.seen: dict[str, int] = {}

    def _type_counts(self) -> TypeCounts:
        """Per-type count table of a run: every type a gold or predicted label maps to."""
        assert isinstance(self.scorer, NerScorer)
        mapping = self.scorer.label_map
        labels = {*self.parser.label_names, *self.gold.entity_arrays().names}
        mapped = {mapping.get(label, label) for label in labels}
        names = sorted(name for name in mapped if name is not None)
        counts = np.zeros((len(self.gold.examples), len(names), 3), dtype=np.int32)
        return TypeCounts(names, counts)

    def store(self, position: int, payload: Any) -> None:
        """Score a validated prediction (None: none) of gold example ``position``."""
        self.scored[position] = True
        if self.batch is not None:
            self.batch.add_payload(position, payload)
        else:
            self.rows[position] = self.scorer.add(self.gold.examples[position], payload)

    def detailed(self, line: int, obj: object) -> None:
        """The detailed path: one record checked and scored, every problem logged."""
        parser, log, gold = self.parser, self.log, self.gold
        rid = parser.record_id(obj, line, log)
        if rid is None:
            return
        assert isinstance(obj, dict)
        position = gold.index.get(rid)
        if position is None:
            log.error(
                line, "id", f"unknown id {rid!r}: not in the gold data ({gold.name})", "unknown_id"
            )
        elif rid in self.seen:
            log.error(
                line, "id", f"duplicate id {rid!r} (first on line {self.seen[rid]})", "duplicate_id"
            )
            return
        else:
            self.seen[rid] = line
        example = gold.examples[position] if position is not None else None
        payload = parser.payload(obj, line, log, example.text_len if example else None)
        if example is not None and position is not None and not log.errors:
            self.store(position, payload)

    def missing(self) -> int:
        """Gold examples without a prediction: errors, or empty predictions when allowed."""
        examples, index = self.gold.examples, self.gold.index
        # ``seen`` holds only gold ids, so when it has them all nothing is missing.
        if len(self.seen) == len(examples):
            return 0
        missing = [ex for ex in examples if ex.id not in self.seen]
        if not self.seen and not self.allow_missing:
            # One line, not one per gold id: an empty file, or predictions for other data.
            gold = f"{len(examples)} gold ids in {self.gold.name}"
            message = (
                f"no record matches any of the {gold}"
                if self.log.errors
                else f"the predictions are empty: no record for any of the {gold}"
            )
            self.log.error(None, "id", message, "missing_id")
            return len(missing)
        for ex in missing:
            if not self.allow_missing:
                self.log.error(
                    None,
                    "id",
                    f"no prediction for gold id {ex.id!r} ({self.gold.name} line "
                    f"{ex.line}); use --allow-missing (allow_missing=True in Python) to score "
                    "it as empty",
                    "missing_id",
                )
            elif not self.log.errors:
                self.store(index[ex.id], None)
        return len(missing)


def _fast_path(state: _Run, batch: NerBatch, lines: Iterable[tuple[int, object]]) -> None:
    """Labelled spans: typed blocks taken whole, other chunks walked."""
    gold, parser, seen = state.gold, state.parser, state.seen
    examples, index = gold.examples, gold.index

    def context(obj: dict) -> tuple[int | None, int] | None:
        position = index.get(obj["id"])
        return None if position is None else (examples[position].text_len, position)

    walked: list[int] = []  # gold positions of the records a chunk gave the fast path

    def take(line: int, rid: str, text_len: int | None, position: int, n: int) -> None:
        walked.append(position)
        state.scored[position] = True

    for block in blocks(lines, state.log, CHUNK, partial(decode_ner_block, parser=parser)):
        typed = block.typed
        if typed is not None:
            positions = list(map(index.get, typed.ids))
            if None not in positions:
                text_lens = [examples[p].text_len for p in positions]  # type: ignore[index]
                taken = typed_taken(block.first, typed.ids, positions, text_lens, typed.chunk, seen)
                if taken is not None:
                    where = np.array(positions, dtype=np.int64)
                    state.scored[where] = True
                    chunk = taken.chunk
                    batch.add(where, chunk.lengths, chunk.starts, chunk.ends, chunk.ids)
                    continue
        for buffer in block.buffers():
            walked.clear()
            chunk, keep = walk(buffer, parser, seen, context, take, state.detailed)
            batch.add(np.array(walked, dtype=np.int64), *kept_entities(chunk, keep))


def run(
    gold: GoldSet,
    lines: Iterable[tuple[int, object]],
    log: ProblemLog,
    *,
    label_map: LabelMap | None = None,
    allow_missing: bool = False,
    per_type: bool = False,
    unit: str = "example",
) -> Scored:
    """Validate and score numbered prediction records as they stream past.

    Raises ``ValidationFailed`` with every problem of the predictions if any is an error.
    Memory: beyond the gold data, one count vector per gold example and (labelled spans)
    one chunk of queued records. ``per_type``: count labelled spans' strict figures per type
    and unit (for per-type intervals).
    """
    with _gc_paused():
        state = _Run(gold, log, label_map, allow_missing, per_type)
        if state.batch is None:
            for line, obj in lines:
                state.detailed(line, obj)
        else:
            _fast_path(state, state.batch, lines)
        missing = state.missing()
        if log.errors:
            raise ValidationFailed.from_logs(log)
        if state.batch is not None:
            state.batch.flush()
    warnings = gold.warnings + [p for p in log.problems if p.severity != ERROR]
    keys, counts, groups, name = _unit_counts(state, unit)
    types = None
    if state.types is not None:
        per_example = state.types.counts.reshape(len(gold.examples), -1)
        table = _dense_units(gold, per_example, state.scored, unit)[1]
        types = TypeCounts(state.types.names, table.reshape(len(table), -1, 3))
    return Scored(
        state.scorer,
        state.metric,
        keys,
        counts,
        groups,
        name,
        len(state.seen),
        missing,
        warnings,
        types,
        gold.warnings_omitted + log.omitted,
    )


def _document_index(gold: GoldSet, positions: Iterable[int]) -> np.ndarray:
    """The index of each position's document, documents numbered in gold order."""
    numbers = gold.cache.get("document_numbers")
    if numbers is None:
        documents: dict[str, int] = {}
        numbers = gold.cache["document_numbers"] = np.array(
            [documents.setdefault(ex.document_id, len(documents)) for ex in gold.examples],
            dtype=np.int64,
        )
    return numbers[np.asarray(list(positions), dtype=np.int64)]


def _by_document(
    keys_doc: np.ndarray, vectors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count vectors summed per document (``keys_doc``: each row's document number)."""
    documents = np.unique(keys_doc)
    keys = np.stack([documents, np.zeros(len(documents), dtype=np.int64)], axis=1)
    return keys, document_totals(vectors, keys_doc), documents


def _dense_units(
    gold: GoldSet, dense: np.ndarray, scored: np.ndarray, unit: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units of one count vector per example (row ``i`` = gold example ``i``)."""
    positions = np.flatnonzero(scored)
    documents = _document_index(gold, positions.tolist())
    if unit == "document":
        return _by_document(documents, dense[positions])
    keys = np.stack([positions, np.zeros_like(positions)], axis=1)
    return keys, dense[positions], documents


def _unit_counts(state: _Run, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Unit keys, count vectors summed per unit, each unit's document, and the unit's name;
    in gold order (prediction order is moot)."""
    gold, width = state.gold, state.scorer.width
    sub_unit = kind_of(gold.task).sub_unit
    name = {"document": "document", "nested": f"document/{sub_unit}"}.get(unit, sub_unit)
    if state.dense is not None:
        keys, counts, groups = _dense_units(gold, state.dense, state.scored, unit)
        return keys, counts, groups, name
    positions = sorted(state.rows)
    documents = _document_index(gold, positions)
    keys_list, docs, vectors = [], [], []
    for position, document in zip(positions, documents.tolist(), strict=True):
        for part, vector in state.rows[position]:
            keys_list.append((position, part))
            docs.append(document)
            vectors.append(vector)
    if not vectors:
        empty = np.zeros((0, 2), dtype=np.int64)
        return empty, np.zeros((0, width)), np.zeros(0, dtype=np.int64), name
    array = np.array(vectors, dtype=float)
    if unit == "document":
        keys, counts, groups = _by_document(np.array(docs, dtype=np.int64), array)
        return keys, counts, groups, name
    unique, first, inverse = np.unique(
        np.array(keys_list), axis=0, return_index=True, return_inverse=True
    )
    counts = np.zeros((len(unique), width))
    np.add.at(counts, inverse.reshape(-1), array)
    return unique, counts, np.array(docs, dtype=np.int64)[first], name

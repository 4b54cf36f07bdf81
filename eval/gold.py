"""Gold sets: from JSON Lines files, in-memory records or the built dataset's parquet files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from nkru.splits import SPLITS
from nkru.tasks import Row, Task, get_task

from .fastpath import Taken, kept_entities, typed_taken, walk
from .jsonl import Block, blocks
from .kinds import gold_record, kind_of
from .ner_block import NerBlock, decode_ner_block
from .options import ALL_SPLITS
from .problems import ERROR, Problem, ProblemLog, ValidationFailed
from .validate import EntityArrays, Example, FlatExample, RecordParser

CHUNK = 256  # records validated together by the fast labelled-spans path


@dataclass
class GoldSet:
    """Validated gold examples of one task, indexed by id. ``source`` reads the gold records
    again (for predictions that need more of the gold than scoring keeps, e.g. tokens)."""

    task: Task
    name: str
    examples: list[Example]
    index: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)
    warnings_omitted: int = 0  # beyond the problems kept per file (problems.LIMIT)
    source: Callable[[], Iterable[tuple[int, object]]] | None = field(default=None, repr=False)
    # Derived data built on first use (e.g. entity arrays), shared by runs.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def entity_arrays(self) -> EntityArrays:
        """The gold entities as flat arrays (labelled-spans tasks)."""
        arrays = self.cache.get("entity_arrays")
        if arrays is None:
            arrays = self.cache["entity_arrays"] = EntityArrays.from_examples(self.examples)
        return arrays


def build_gold(
    task: Task,
    lines: Iterable[tuple[int, object]],
    log: ProblemLog,
    parser: RecordParser,
    source: Callable[[], Iterable[tuple[int, object]]] | None = None,
) -> GoldSet:
    """Validate numbered gold records; raise ``ValidationFailed`` listing every problem."""
    builder = _GoldBuilder(log, parser)
    vectorised = kind_of(task).vectorised
    if vectorised:
        for block in blocks(lines, log, CHUNK, partial(decode_ner_block, parser=parser)):
            builder.add_block(block)
    else:
        for line, obj in lines:
            builder.add(line, obj)
    if not builder.examples and not log.errors:
        log.error(None, None, "gold file has no examples: nothing to score against", "empty_gold")
    if log.errors:
        raise ValidationFailed.from_logs(log)
    gold = GoldSet(
        task,
        log.file,
        builder.examples,
        builder.index,
        [p for p in log.problems if p.severity != ERROR],
        log.omitted,
        source,
    )
    if vectorised:
        arrays = builder.flat.fill(
            np.array(builder.lengths, dtype=np.int64),
            *(np.concatenate(parts or [np.zeros(0, dtype=np.int64)]) for parts in builder.parts),
        )
        if builder.all_fast:
            gold.cache["entity_arrays"] = arrays
    return gold


def _gold_context(obj: dict) -> tuple[int | None, str] | None:
    """A gold record's text length and document id, or None if their types are wrong."""
    document_id, text = obj.get("document_id"), obj.get("text")
    if (document_id is not None and type(document_id) is not str) or (
        text is not None and type(text) is not str
    ):
        return None
    return (None if text is None else len(text)), document_id or obj["id"]


class _GoldBuilder:
    def __init__(self, log: ProblemLog, parser: RecordParser) -> None:
        self.log, self.parser = log, parser
        self.examples: list[Example] = []
        self.index: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        # Labelled spans: entity counts and flat (starts, ends, label ids) array parts of the
        # fast examples, which read their payloads from ``flat`` (filled by ``build_gold``).
        self.all_fast = True
        self.flat = EntityArrays(parser.label_names)
        self.lengths: list[int] = []
        self.parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])

    def add(self, line: int, obj: object) -> None:
        """The detailed path: validate one record, logging every problem."""
        rid = obj.get("id") if isinstance(obj, dict) else None
        if isinstance(rid, str) and rid in self.seen:
            self.log.error(
                line, "id", f"duplicate id {rid!r} (first on line {self.seen[rid]})", "duplicate_id"
            )
            return
        if isinstance(rid, str):
            self.seen[rid] = line
        example = self.parser.gold(obj, line, self.log)
        if example is not None:
            self.index[example.id] = len(self.examples)
            self.examples.append(example)
            self.all_fast = False

    def add_block(self, block: Block[NerBlock]) -> None:
        """A block of labelled-spans records: typed and clean in one go if possible, else
        chunk by chunk."""
        typed = block.typed
        if typed is not None:
            documents = [d or r for d, r in zip(typed.document_ids, typed.ids, strict=True)]
            taken = typed_taken(
                block.first, typed.ids, documents, typed.text_lens, typed.chunk, self.seen
            )
            if taken is not None:
                self._take_all(taken)
                return
        for buffer in block.buffers():
            chunk, keep = walk(buffer, self.parser, self.seen, _gold_context, self._take, self.add)
            self._add_entities(kept_entities(chunk, keep)[1:])

    def _take(
        self, line: int, rid: str, text_len: int | None, document_id: str, length: int
    ) -> None:
        self.index[rid] = len(self.examples)
        self.examples.append(
            FlatExample(rid, line, document_id, text_len, self.flat, len(self.lengths))
        )
        self.lengths.append(length)

    def _take_all(self, taken: Taken) -> None:
        lengths = taken.chunk.lengths.tolist()
        for line, rid, document_id, text_len, length in zip(
            taken.lines, taken.ids, taken.extras, taken.text_lens, lengths, strict=True
        ):
            self._take(line, rid, text_len, document_id, length)
        chunk = taken.chunk
        self._add_entities((chunk.starts, chunk.ends, chunk.ids))

    def _add_entities(self, entities: tuple[np.ndarray, ...]) -> None:
        for part, values in zip(self.parts, entities, strict=True):
            part.append(values)


def gold_from_rows(task: str | Task, rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Dataset rows (label integers or names) as gold records in the JSON Lines format."""
    spec = get_task(task)
    return [gold_record(spec, spec.decode(row)) for row in rows]


def split_files(task: Task, split: str, data_dir: Path) -> list[Path]:
    """The parquet files of a split of ``task`` (``all``: of every split present), or
    ``ValueError`` naming the splits there are."""
    folder = Path(data_dir) / task.name
    present = [s for s in SPLITS if (folder / f"{s}.parquet").is_file()]
    if split == ALL_SPLITS and present:
        return [folder / f"{s}.parquet" for s in present]
    if split in present:
        return [folder / f"{split}.parquet"]
    there = ", ".join([*present, ALL_SPLITS]) if present else "none"
    raise ValueError(f"{folder}: no split {split!r} (splits there: {there})")


def read_split(task: Task, split: str, data_dir: Path) -> list[Row]:
    """The rows of a split of the built dataset (``data_dir/<task>/<split>.parquet``) as plain
    dicts with label names, as ``datasets.load_dataset`` gives them; ``all`` reads every split
    (train, validation, test)."""
    return [
        task.decode(row)
        for path in split_files(task, split, data_dir)
        for row in pq.read_table(path).to_pylist()
    ]

"""Gold sets: from JSON Lines files, in-memory records or the built Hugging Face dataset."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from nkru.eval.jsonl import Block, blocks
from nkru.eval.ner import GoldArrays
from nkru.eval.ner_block import NerBlock, decode_ner_block
from nkru.eval.problems import ERROR, Problem, ProblemLog, ValidationFailed
from nkru.eval.validate import EntityChunk, Example, FlatEntities, FlatExample, RecordParser


@dataclass
class GoldSet:
    """Validated gold examples of one task, indexed by id."""

    task: str
    name: str
    examples: list[Example]
    index: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)
    warnings_omitted: int = 0  # beyond the problems kept per file (problems.LIMIT)
    # Derived data built on first use (e.g. NER entity arrays), shared by runs.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


CHUNK = 256  # records validated together by the fast NER path


def build_gold(
    task: str, lines: Iterable[tuple[int, object]], log: ProblemLog, parser: RecordParser
) -> GoldSet:
    """Validate numbered gold records; raise ``ValidationFailed`` listing every problem."""
    builder = _GoldBuilder(task, log, parser)
    if task == "ner":
        for block in blocks(lines, log, CHUNK, partial(decode_ner_block, parser=parser)):
            builder.add_ner_block(block)
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
    )
    if task == "ner":
        flat = builder.flat
        flat.starts, flat.ends, flat.ids = (
            np.concatenate(parts or [np.zeros(0, dtype=np.int64)]) for parts in builder.parts
        )
        lengths = np.array(builder.lengths, dtype=np.int64)
        flat.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        if builder.all_fast:
            gold.cache["ner_arrays"] = GoldArrays(
                parser.label_names, lengths, flat.starts, flat.ends, flat.ids
            )
    return gold


class _GoldBuilder:
    def __init__(self, task: str, log: ProblemLog, parser: RecordParser) -> None:
        self.task, self.log, self.parser = task, log, parser
        self.examples: list[Example] = []
        self.index: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        # NER fast path: entity counts and flat (starts, ends, label ids) array parts of the
        # fast examples, which read their payloads from ``flat`` (filled by ``build_gold``).
        self.all_fast = True
        self.flat = FlatEntities(parser.label_names)
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

    def add_ner_chunk(self, buffer: list[tuple[int, object]]) -> None:
        """Validate NER records together; unclean ones go through ``add``, in line order."""
        if not self._add_clean_chunk(buffer):
            self._add_mixed_chunk(buffer)

    def add_ner_block(self, block: Block[NerBlock]) -> None:
        """A block of NER records: typed and clean in one go if possible, else as chunks."""
        typed = block.typed
        if typed is not None:
            lines = list(range(block.first, block.first + len(typed.ids)))
            typed.chunk.check(typed.text_lens)
            if self._add_clean(lines, typed.ids, typed.document_ids, typed.text_lens, typed.chunk):
                return
        for buffer in block.buffers():
            self.add_ner_chunk(buffer)

    def _add_clean_chunk(self, buffer: list[tuple[int, object]]) -> bool:
        """Add a chunk whose records are all clean with new, distinct ids (else do nothing
        and return False): the common case, with no per-record branching."""
        objs = [obj for _, obj in buffer]
        if set(map(type, objs)) != {dict} or not all(map(self.parser.known.issuperset, objs)):
            return False
        ids = [obj.get("id") for obj in objs]
        document_ids = [obj.get("document_id") for obj in objs]
        texts = [obj.get("text") for obj in objs]
        if (
            set(map(type, ids)) != {str}
            or not all(ids)
            or set(map(type, document_ids)) - _OPTIONAL_STR
            or set(map(type, texts)) - _OPTIONAL_STR
        ):
            return False
        text_lens = [None if text is None else len(text) for text in texts]
        chunk = self.parser.fast_entity_chunk(objs, text_lens)
        return self._add_clean([line for line, _ in buffer], ids, document_ids, text_lens, chunk)

    def _add_clean(
        self,
        lines: list[int],
        ids: list[str],
        document_ids: list[str | None],
        text_lens: list[int | None],
        chunk: EntityChunk,
    ) -> bool:
        """Add clean records with new, distinct ids whose entities all passed ``chunk.check``
        (else do nothing and return False)."""
        if not chunk.ok.all() or len(set(ids)) != len(ids) or not self.seen.keys().isdisjoint(ids):
            return False
        first = len(self.examples)
        row = len(self.lengths)
        self.seen.update(zip(ids, lines, strict=True))
        self.index.update(zip(ids, range(first, first + len(ids)), strict=True))
        self.examples.extend(
            map(
                FlatExample,
                ids,
                lines,
                [d or r for d, r in zip(document_ids, ids, strict=True)],
                text_lens,
                repeat(self.flat, len(ids)),
                range(row, row + len(ids)),
            )
        )
        self.lengths.extend(chunk.lengths.tolist())
        for part, values in zip(self.parts, (chunk.starts, chunk.ends, chunk.ids), strict=True):
            part.append(values)
        return True

    def _add_mixed_chunk(self, buffer: list[tuple[int, object]]) -> None:
        parser = self.parser
        candidates: list[int] = []
        objs: list[dict] = []
        text_lens: list[int | None] = []
        for i, (_, obj) in enumerate(buffer):
            if parser.fast_id(obj) is None:
                continue
            assert isinstance(obj, dict)
            document_id, text = obj.get("document_id"), obj.get("text")
            if (document_id is not None and type(document_id) is not str) or (
                text is not None and type(text) is not str
            ):
                continue
            candidates.append(i)
            objs.append(obj)
            text_lens.append(len(text) if text is not None else None)
        chunk = parser.fast_entity_chunk(objs, text_lens)
        ok = chunk.ok.tolist()
        lengths = chunk.lengths.tolist()
        keep = np.zeros(len(objs), dtype=bool)
        fast = dict(zip(candidates, range(len(candidates)), strict=True))
        for i, (line, obj) in enumerate(buffer):
            j = fast.get(i)
            if j is not None and ok[j]:
                rid = objs[j]["id"]
                if rid not in self.seen:
                    document_id = objs[j].get("document_id")
                    self.seen[rid] = line
                    self.index[rid] = len(self.examples)
                    self.examples.append(
                        FlatExample(
                            rid,
                            line,
                            document_id or rid,
                            text_lens[j],
                            self.flat,
                            len(self.lengths),
                        )
                    )
                    self.lengths.append(lengths[j])
                    keep[j] = True
                    continue
            self.add(line, obj)
        mask = np.repeat(keep, chunk.lengths)
        for part, values in zip(self.parts, (chunk.starts, chunk.ends, chunk.ids), strict=True):
            part.append(values[mask])


_OPTIONAL_STR = {str, type(None)}


def _span(start: int, end: int) -> dict[str, int]:
    return {"start": start, "end": end}


def _label_name(rows: Any, column: str, value: Any) -> Any:
    """The name of a ClassLabel integer (strings pass through)."""
    if isinstance(value, int) and not isinstance(value, bool):
        features = getattr(rows, "features", None)
        feature = features.get(column) if features is not None else None
        if feature is not None and hasattr(feature, "int2str"):
            return feature.int2str(value)
    return value


def _gold_row(task: str, rows: Any, row: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": row["id"],
        "document_id": row.get("document_id"),
        "text": row["text"],
    }
    if task in ("ner", "claims"):
        for key in ("tokens", "token_starts", "token_ends"):
            if row.get(key) is not None:
                record[key] = row[key]
    if task == "ner":
        record["entities"] = [
            {"start": e["start"], "end": e["end"], "label": e["label"]} for e in row["entities"]
        ]
    elif task == "claims":
        record["claims"] = [_span(c["start"], c["end"]) for c in row["claims"]]
    elif task == "attribution":
        if row.get("sentences") is not None:
            record["sentences"] = [_span(s["start"], s["end"]) for s in row["sentences"]]
        record["pairs"] = [
            {
                "source": _span(p["source_start"], p["source_end"]),
                "claim": _span(p["claim_start"], p["claim_end"]),
                "label": p.get("stance") or None,
            }
            for p in row["pairs"]
        ]
    elif task == "normalization":
        record["entity_type"] = row.get("entity_type")
        record["value"] = row["value"]
    else:
        record["label"] = _label_name(rows, "label", row["label"])
    return record


def gold_from_rows(task: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert dataset rows (see FORMAT.md) to gold records in the JSON Lines format."""
    return [_gold_row(task, rows, row) for row in rows]


def load_split_rows(task: str, split: str, data_dir: Path) -> Any:
    """``datasets.load_dataset(str(data_dir), task, split=split)``."""
    import datasets

    return datasets.load_dataset(str(data_dir), task, split=split)

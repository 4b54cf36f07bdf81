"""The fast path of labelled-spans files, written once for gold and for predictions.

Records come in typed blocks (:mod:`.ner_block`), taken whole when every record is clean with
a new, distinct id (:func:`typed_taken`), else in chunks of numbered values: :func:`walk`
checks the records with a clean id together and then goes through the chunk in line order,
giving each clean record with a new id to the fast path and every other to the detailed path,
so problems are logged in line order exactly as without the fast path. The fast checks accept
only records on which the detailed checks log nothing and return the same payload, so the
fast path changes speed, never results or messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .validate import EntityChunk, RecordParser

Numbered = list[tuple[int, object]]
Context = Callable[[dict], tuple[int | None, Any] | None]
"""A clean-id record's ``(text length, extra)`` for the fast path, or None to send it to the
detailed path: the gold's own text and document id, or the prediction's gold example."""


@dataclass(slots=True)
class Taken:
    """Records the fast path took whole: their lines, ids, context extras and entities."""

    lines: list[int]
    ids: list[str]
    extras: list[Any]
    text_lens: list[int | None]
    chunk: EntityChunk


def all_new(ids: list[str], chunk: EntityChunk, seen: dict[str, int]) -> bool:
    """Whether every record passed the entity checks and has a distinct id not seen before."""
    return bool(chunk.ok.all()) and len(set(ids)) == len(ids) and seen.keys().isdisjoint(ids)


def walk(
    buffer: Numbered,
    parser: RecordParser,
    seen: dict[str, int],
    context: Context,
    take: Callable[[int, str, int | None, Any, int], None],
    detailed: Callable[[int, object], None],
) -> tuple[EntityChunk, np.ndarray]:
    """A mixed chunk in line order: ``take(line, id, text length, extra, entity count)`` each
    clean record with a new id, ``detailed(line, obj)`` every other. Returns the entities of
    the clean-id records and which of them were taken."""
    candidates: dict[int, int] = {}
    objs: list[dict] = []
    found: list[tuple[int | None, Any]] = []
    for i, (_, obj) in enumerate(buffer):
        if parser.fast_id(obj) is None:
            continue
        assert isinstance(obj, dict)
        got = context(obj)
        if got is not None:
            candidates[i] = len(objs)
            objs.append(obj)
            found.append(got)
    chunk = parser.fast_entity_chunk(objs, [f[0] for f in found])
    ok, lengths = chunk.ok.tolist(), chunk.lengths.tolist()
    keep = np.zeros(len(objs), dtype=bool)
    for i, (line, obj) in enumerate(buffer):
        j = candidates.get(i)
        if j is not None and ok[j] and objs[j]["id"] not in seen:
            rid = objs[j]["id"]
            seen[rid] = line
            take(line, rid, *found[j], lengths[j])
            keep[j] = True
        else:
            detailed(line, obj)
    return chunk, keep


def kept_entities(chunk: EntityChunk, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(lengths, starts, ends, label ids)`` of the taken records of a walked chunk."""
    mask = np.repeat(keep, chunk.lengths)
    return chunk.lengths[keep], chunk.starts[mask], chunk.ends[mask], chunk.ids[mask]


def typed_taken(
    first: int,
    ids: list[str],
    extras: Iterable[Any],
    text_lens: list[int | None],
    chunk: EntityChunk,
    seen: dict[str, int],
) -> Taken | None:
    """A typed block taken whole when its entities pass the range and overlap checks and its
    ids are new and distinct, else None and nothing is done."""
    chunk.check(text_lens)
    if not all_new(ids, chunk, seen):
        return None
    lines = list(range(first, first + len(ids)))
    seen.update(zip(ids, lines, strict=True))
    return Taken(lines, ids, list(extras), text_lens, chunk)

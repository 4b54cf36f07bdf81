"""Typed decoding of a block of clean labelled-spans lines (msgspec), the fast path of NER files.

msgspec decodes each line straight into the fields the scorer needs and skips the context
(tokens, tags, ...) without building Python objects for it, which is most of the reading
time of a NER file. It accepts exactly the records ``RecordParser.fast_entity_chunk`` accepts
from a dict, except for the offset checks, which need the gold text length and are left to
``EntityChunk.check``. Anything else refuses the whole block, which is then read as generic
JSON values and checked record by record, so this changes speed, never results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from .validate import EntityChunk, RecordParser

_ANY = msgspec.Raw(b"null")  # a context value of any JSON type, kept undecoded


class _Entity(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    start: int
    end: int
    label: str
    text: msgspec.Raw = _ANY


_start, _end, _label = attrgetter("start"), attrgetter("end"), attrgetter("label")


@cache
def _decoder(payload: str, context: frozenset[str]) -> tuple[Callable[[bytes], Any], attrgetter]:
    """The typed decoder of a task's records (its payload key and context keys) and the
    getter of their entities."""
    record = msgspec.defstruct(
        "_Record",
        [
            ("id", str),
            (payload, list[_Entity]),
            ("document_id", str | None, None),
            ("text", str | None, None),
            *((key, msgspec.Raw, _ANY) for key in sorted(context - {"document_id", "text"})),
        ],
        forbid_unknown_fields=True,
        gc=False,
    )
    return msgspec.json.Decoder(record).decode, attrgetter(payload)


@dataclass(slots=True)
class NerBlock:
    """Consecutive clean NER records: ids, context and their entities, not yet range-checked."""

    ids: list[str]
    document_ids: list[str | None]
    text_lens: list[int | None]
    chunk: EntityChunk


def decode_ner_block(raws: list[bytes], parser: RecordParser) -> NerBlock | None:
    """The records of ``raws`` (one JSON object per line) if every one is clean, else None.

    Clean: an object with only known keys, a non-empty string id, string-or-null
    ``document_id`` and ``text``, and entities that are objects with only start/end/label/text
    keys, integer offsets and a label of ``parser``.
    """
    try:
        # msgspec checks the UTF-8 of the strings it decodes, not of the values it skips.
        if not all(map(bytes.isascii, raws)):
            b"".join(raws).decode("utf-8")
        decode, entities = _decoder(parser.key, parser.task.context_keys)
        records = list(map(decode, raws))
        lists = list(map(entities, records))
        flat = list(chain.from_iterable(lists))
        ids = list(map(parser.label_ids.__getitem__, map(_label, flat)))
        n = len(flat)
        chunk = EntityChunk(
            np.ones(len(records), dtype=bool),
            np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)),
            np.fromiter(map(_start, flat), dtype=np.int64, count=n),
            np.fromiter(map(_end, flat), dtype=np.int64, count=n),
            np.array(ids, dtype=np.int64),
        )
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, KeyError, OverflowError):
        return None
    record_ids = [r.id for r in records]
    if not all(record_ids):
        return None
    return NerBlock(
        record_ids,
        [r.document_id for r in records],
        [None if r.text is None else len(r.text) for r in records],
        chunk,
    )

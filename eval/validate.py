"""Validation of gold and prediction records: every problem with file, line and field.

Parsing turns a JSON object into a compact payload, by the shape of the task's answer (the
kind's :class:`Shape`, :mod:`nkru.eval.kinds`):

- labelled spans (ner): ``[(start, end, label), ...]``
- spans (claims): ``[(start, end), ...]``
- pairs (attribution): ``[(source_start, source_end, claim_start, claim_end, label | None), ...]``
- classification (stance, certainty, topic): the label; value (normalization): the value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from nkru.tasks import Task

from .problems import ProblemLog
from .spans import Span, align_tokens, overlapping, regex_tokens

_SPAN_KEYS = frozenset(("start", "end", "text"))
_LABELLED_SPAN_KEYS = _SPAN_KEYS | {"label"}
# Offsets the fast path accepts without a text (larger ones take the detailed path).
FAST_OFFSET_LIMIT = 2**31 - 1
_START, _END, _LABEL = itemgetter("start"), itemgetter("end"), itemgetter("label")


@dataclass(slots=True)
class Example:
    """A gold example: its payload plus what scoring needs from its context."""

    id: str
    line: int
    document_id: str
    payload: Any
    text_len: int | None = None
    tokens: list[Span] | None = None
    sentences: list[Span] | None = None
    group: str | None = None


class EntityArrays:
    """Labelled spans of many examples as flat arrays: example ``i`` owns
    ``offsets[i]:offsets[i + 1]`` of ``starts``, ``ends`` and ``labels`` (indices into
    ``names``). Filled once the examples are read (:meth:`fill`)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.fill(np.zeros(0, dtype=np.int64), *(np.zeros(0, dtype=np.int64),) * 3)

    def fill(
        self, lengths: np.ndarray, starts: np.ndarray, ends: np.ndarray, labels: np.ndarray
    ) -> EntityArrays:
        self.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.starts, self.ends, self.labels = starts, ends, labels
        return self

    def payload(self, row: int) -> list[tuple[int, int, str]]:
        """The ``[(start, end, label), ...]`` payload of example ``row``."""
        a, b = int(self.offsets[row]), int(self.offsets[row + 1])
        names = self.names
        return list(
            zip(
                self.starts[a:b].tolist(),
                self.ends[a:b].tolist(),
                [names[i] for i in self.labels[a:b].tolist()],
                strict=True,
            )
        )

    @classmethod
    def from_examples(cls, examples: list[Example]) -> EntityArrays:
        """The arrays of validated examples."""
        payloads = [ex.payload for ex in examples]
        lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
        flat = [ent for payload in payloads for ent in payload]
        starts, ends, labels = zip(*flat, strict=True) if flat else ((), (), ())
        names = tuple(sorted(set(labels)))
        ids = {name: i for i, name in enumerate(names)}
        return cls(names).fill(
            lengths,
            ints(starts),
            ints(ends),
            np.fromiter(map(ids.__getitem__, labels), dtype=np.int64, count=len(flat)),
        )


class FlatExample(Example):
    """A labelled-spans gold example of the fast path: its payload is built from the gold's
    entity arrays on first use (scoring normally reads the arrays, so most never are)."""

    __slots__ = ("_flat", "_row")

    def __init__(
        self,
        id: str,
        line: int,
        document_id: str,
        text_len: int | None,
        flat: EntityArrays,
        row: int,
    ) -> None:
        self.id, self.line, self.document_id, self.text_len = id, line, document_id, text_len
        self.tokens = self.sentences = self.group = None
        self._flat, self._row = flat, row

    def __getattr__(self, name: str) -> Any:
        # Only reached for an unset slot, i.e. a payload not built yet.
        if name != "payload":
            raise AttributeError(name)
        self.payload = self._flat.payload(self._row)
        return self.payload


def ints(values: Sequence[int]) -> np.ndarray:
    """Integers as an int64 array, an object array if one needs more than 64 bits."""
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        return np.array(values, dtype=object)


def is_int(value: object) -> bool:
    """True for ints, false for bools and everything else."""
    return type(value) is int


def type_name(value: object) -> str:
    """The JSON type name of a decoded value."""
    names = {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


@dataclass(slots=True)
class EntityChunk:
    """NER payloads of consecutive records, flat: record ``i`` owns ``lengths[i]`` entities.

    ``ok[i]`` is False for a record that is not clean (see ``RecordParser.fast_entity_chunk``);
    its entities are still in the flat arrays and must be skipped.
    """

    ok: np.ndarray
    lengths: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray

    def check(self, text_lens: list[int | None]) -> None:
        """Clear ``ok`` of records with empty, inverted, out-of-range or overlapping entities."""
        if not len(self.starts):
            return
        n = len(self.lengths)
        record = np.repeat(np.arange(n, dtype=np.int64), self.lengths)
        if None in text_lens:
            text_lens = [FAST_OFFSET_LIMIT if t is None else t for t in text_lens]
        limit = np.minimum(np.array(text_lens, dtype=np.int64), FAST_OFFSET_LIMIT)
        starts, ends = self.starts, self.ends
        bad = (starts < 0) | (starts >= ends) | (ends > limit[record])
        # Sort by (record, start); an entity overlaps the next one when it ends after its start.
        key = (record << 32) | np.clip(starts, 0, FAST_OFFSET_LIMIT)
        order = np.argsort(key, kind="stable")
        r, s, e = record[order], starts[order], ends[order]
        overlap = (r[1:] == r[:-1]) & (e[:-1] > s[1:])
        self.ok &= np.bincount(record[bad], minlength=n) == 0
        self.ok &= np.bincount(r[1:][overlap], minlength=n) == 0


class RecordParser:
    """Parses records of one task, logging problems to the log of the file being read.

    What a payload is depends on the ``shape`` of the task's answer (its kind's); ``labels``
    (default: the task's) are the labels a payload may carry.
    """

    def __init__(self, task: Task, shape: Shape, labels: Collection[str] | None = None) -> None:
        self.task = task
        self.shape = shape
        self.key = task.payload
        self.known = task.context_keys | {"id", self.key}
        self.labels = frozenset(task.labels if labels is None else labels)
        self.label_help = ", ".join(sorted(self.labels))
        # Label ids of the fast path (``label_names[i]`` is the label of id ``i``).
        self.label_names = tuple(sorted(label for label in self.labels if type(label) is str))
        self.label_ids = {label: i for i, label in enumerate(self.label_names)}

    # -- fast path ------------------------------------------------------------------------------
    #
    # The fast checks accept only records on which the detailed checks below log nothing at
    # all (no error, no warning) and return the same payload; anything else (a problem, or
    # merely an unusual but valid shape) returns None and the caller runs the detailed
    # checks, which word every problem. So the fast path changes speed, never results.

    def fast_id(self, obj: object) -> str | None:
        """The id of a clean record (a dict with known keys and a non-empty string id)."""
        if type(obj) is not dict or not obj.keys() <= self.known:
            return None
        rid = obj.get("id")
        if type(rid) is not str or not rid:
            return None
        return rid

    def fast_entity_chunk(self, objs: list[dict], text_lens: list[int | None]) -> EntityChunk:
        """The NER payloads of records, flat, with which of them are clean: the payload is a
        list of dicts with only start/end/label/text keys, integer offsets with ``0 <= start <
        end <= text length`` (``FAST_OFFSET_LIMIT`` without a text), known labels, and no two
        entities overlapping (checked in numpy). An entity of any other shape leaves every
        record of the chunk unclean."""
        key = self.key
        lists: list[Any] = [obj.get(key) for obj in objs]
        try:
            if set(map(type, lists)) - {list}:
                raise TypeError
            flat = list(chain.from_iterable(lists))
            if set(map(type, flat)) - {dict} or not all(map(_LABELLED_SPAN_KEYS.issuperset, flat)):
                raise TypeError
            starts = list(map(_START, flat))
            ends = list(map(_END, flat))
            labels = list(map(_LABEL, flat))
            ids = list(map(self.label_ids.__getitem__, labels))
            if set(map(type, starts)) - {int} or set(map(type, ends)) - {int}:
                raise TypeError
            chunk = EntityChunk(
                np.ones(len(objs), dtype=bool),
                np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)),
                np.array(starts, dtype=np.int64),
                np.array(ends, dtype=np.int64),
                np.array(ids, dtype=np.int64),
            )
        except (KeyError, TypeError, OverflowError):
            empty = np.zeros(0, dtype=np.int64)
            return EntityChunk(
                np.zeros(len(objs), dtype=bool),
                np.zeros(len(objs), dtype=np.int64),
                empty,
                empty,
                empty,
            )
        chunk.check(text_lens)
        return chunk

    # -- record level ---------------------------------------------------------------------------

    def record_id(self, obj: object, line: int, log: ProblemLog) -> str | None:
        """The id of a record, after the checks shared by gold and predictions."""
        if not isinstance(obj, dict):
            log.error(
                line, None, f"line is a JSON {type_name(obj)}, expected an object", "not_object"
            )
            return None
        for key in obj:
            if key not in self.known:
                message = f"unknown key {key!r} (task {self.task.name}) ignored"
                log.warn_repeated(line, key, message, "unknown_key")
        if "id" not in obj:
            log.error(line, "id", "missing id", "missing_id")
            return None
        rid = obj["id"]
        if not isinstance(rid, str) or not rid:
            log.error(
                line,
                "id",
                f"id must be a non-empty string, got {type_name(rid)} {rid!r}",
                "wrong_type",
            )
            return None
        return rid

    def payload(self, obj: dict, line: int, log: ProblemLog, text_len: int | None) -> Any:
        """The task payload of a record, or None if it has errors (all of them logged)."""
        if self.key not in obj:
            log.error(line, self.key, f"missing {self.key!r}", "missing_field")
            return None
        before = log.errors
        result = self.shape.parse(self, obj[self.key], line, log, text_len)
        return result if log.errors == before else None

    def gold(self, obj: object, line: int, log: ProblemLog) -> Example | None:
        """Parse a gold record with its context (text, tokens, sentences, entity type)."""
        rid = self.record_id(obj, line, log)
        if rid is None:
            return None
        assert isinstance(obj, dict)
        before = log.errors
        document_id = obj.get("document_id")
        if document_id is not None:
            document_id = self._string(document_id, "document_id", line, log)
        text = obj.get("text")
        if text is not None and not isinstance(text, str):
            log.error(line, "text", f"must be a string, got {type_name(text)}", "wrong_type")
            text = None
        text_len = len(text) if text is not None else None
        example = Example(rid, line, document_id or rid, None, text_len)
        example.payload = self.payload(obj, line, log, text_len)
        if self.shape.tokens:
            example.tokens = self._tokens(obj, text, line, log)
        if self.shape.sentences and "sentences" in obj:
            example.sentences = self._span_list(obj["sentences"], "sentences", line, log, text_len)
        group = self.task.group
        if group is not None and obj.get(group) is not None:
            example.group = self._string(obj[group], group, line, log)
        return example if log.errors == before else None

    # -- fields ---------------------------------------------------------------------------------

    def _string(self, value: object, field: str, line: int, log: ProblemLog) -> str | None:
        if not isinstance(value, str):
            log.error(line, field, f"must be a string, got {type_name(value)}", "wrong_type")
            return None
        return value

    def _label(
        self, value: object, field: str, line: int, log: ProblemLog, optional: bool
    ) -> str | None:
        if value is None and optional:
            return None
        label = self._string(value, field, line, log)
        if label is not None and label not in self.labels:
            log.error(
                line,
                field,
                f"unknown label {label!r} (expected one of {self.label_help})",
                "unknown_label",
            )
            return None
        return label

    def _list(self, value: object, field: str, line: int, log: ProblemLog) -> list | None:
        if not isinstance(value, list):
            log.error(line, field, f"must be an array, got {type_name(value)}", "wrong_type")
            return None
        return value

    def _span(
        self,
        obj: object,
        field: str,
        line: int,
        log: ProblemLog,
        text_len: int | None,
        extra: frozenset[str] = frozenset(),
    ) -> Span | None:
        if not isinstance(obj, dict):
            log.error(line, field, f"must be an object, got {type_name(obj)}", "wrong_type")
            return None
        for key in obj:
            if key not in _SPAN_KEYS and key not in extra:
                message = f"unknown key {key!r} in {self.key} ignored"
                log.warn_repeated(line, f"{field}.{key}", message, "unknown_key")
        ok = True
        for key in ("start", "end"):
            if key not in obj:
                log.error(line, f"{field}.{key}", "missing", "missing_field")
                ok = False
            elif not is_int(obj[key]):
                log.error(
                    line,
                    f"{field}.{key}",
                    f"must be an integer, got {type_name(obj[key])} {obj[key]!r}",
                    "wrong_type",
                )
                ok = False
        if not ok:
            return None
        start, end = obj["start"], obj["end"]
        if start >= end:
            log.error(line, field, f"empty or inverted span [{start}, {end})", "bad_offsets")
            return None
        if start < 0 or (text_len is not None and end > text_len):
            limit = "" if text_len is None else f" (text has {text_len} characters)"
            log.error(line, field, f"span [{start}, {end}) out of range{limit}", "bad_offsets")
            return None
        return start, end

    def _span_list(
        self, value: object, field: str, line: int, log: ProblemLog, text_len: int | None
    ) -> list[Span]:
        items = self._list(value, field, line, log) or []
        spans = [
            self._span(item, f"{field}[{i}]", line, log, text_len) for i, item in enumerate(items)
        ]
        return [s for s in spans if s is not None]

    def _spans(
        self,
        value: object,
        field: str,
        line: int,
        log: ProblemLog,
        text_len: int | None,
        labelled: bool,
    ) -> list | None:
        items = self._list(value, field, line, log)
        if items is None:
            return None
        spans: list[tuple] = []
        placed: list[Span] = []  # every well-placed span, labelled or not, for the overlap check
        placed_at: list[int] = []  # its index in ``items``
        for i, item in enumerate(items):
            path = f"{field}[{i}]"
            span = self._span(
                item, path, line, log, text_len, frozenset(("label",)) if labelled else frozenset()
            )
            label = None
            if labelled and isinstance(item, dict):  # checked even when the offsets are bad
                if "label" not in item:
                    log.error(line, f"{path}.label", "missing", "missing_field")
                else:
                    label = self._label(item["label"], f"{path}.label", line, log, optional=False)
            if span is None:
                continue
            placed.append(span)
            placed_at.append(i)
            if labelled and label is None:
                continue
            spans.append((*span, label) if labelled else span)
        for a, b in overlapping(placed):
            (start, end), (kept_start, kept_end) = placed[b], placed[a]
            kept = f"{field}[{placed_at[a]}] [{kept_start}, {kept_end})"
            message = f"span [{start}, {end}) overlaps {kept}"
            log.error(line, f"{field}[{placed_at[b]}]", message, "overlap")
        return spans

    def _pairs(
        self, value: object, line: int, log: ProblemLog, text_len: int | None
    ) -> list | None:
        items = self._list(value, self.key, line, log)
        if items is None:
            return None
        pairs = []
        for i, item in enumerate(items):
            path = f"{self.key}[{i}]"
            if not isinstance(item, dict):
                log.error(line, path, f"must be an object, got {type_name(item)}", "wrong_type")
                continue
            for key in item:
                if key not in ("source", "claim", "label"):
                    message = f"unknown key {key!r} in {self.key} ignored"
                    log.warn_repeated(line, f"{path}.{key}", message, "unknown_key")
            spans = []
            for role in ("source", "claim"):
                if role not in item:
                    log.error(line, f"{path}.{role}", "missing", "missing_field")
                else:
                    spans.append(self._span(item[role], f"{path}.{role}", line, log, text_len))
            label = self._label(item.get("label"), f"{path}.label", line, log, optional=True)
            if len(spans) == 2 and spans[0] is not None and spans[1] is not None:
                pairs.append((*spans[0], *spans[1], label))
        return pairs

    def _tokens(self, obj: dict, text: str | None, line: int, log: ProblemLog) -> list[Span] | None:
        starts, ends = obj.get("token_starts"), obj.get("token_ends")
        if starts is not None and ends is not None:
            if (
                isinstance(starts, list)
                and isinstance(ends, list)
                and len(starts) == len(ends)
                and all(map(is_int, starts))
                and all(map(is_int, ends))
            ):
                return list(zip(starts, ends, strict=True))
            log.error(
                line,
                "token_starts",
                "token_starts/token_ends must be integer arrays of equal length",
                "wrong_type",
            )
            return None
        if text is None:
            return None
        tokens = obj.get("tokens")
        if isinstance(tokens, list) and all(isinstance(t, str) for t in tokens):
            aligned = align_tokens(text, tokens)
            if aligned is not None:
                return aligned
            log.warn(
                line,
                "tokens",
                "tokens do not align with text; using the regex tokenizer",
                "unaligned_tokens",
            )
        return regex_tokens(text)


@dataclass(frozen=True)
class Shape:
    """What the records of a kind of task hold: how a payload is parsed, and which context
    the gold keeps for scoring (token offsets for token IoU, sentences as bootstrap units)."""

    parse: Callable[[RecordParser, object, int, ProblemLog, int | None], Any]
    tokens: bool = False
    sentences: bool = False


LABELLED_SPANS_SHAPE = Shape(lambda p, v, line, log, n: p._spans(v, p.key, line, log, n, True))
"""``[{"start", "end", "label"}]``, no overlaps."""
SPANS_SHAPE = Shape(lambda p, v, line, log, n: p._spans(v, p.key, line, log, n, False), tokens=True)
"""``[{"start", "end"}]``, no overlaps; the gold keeps token offsets (token overlap)."""
PAIRS_SHAPE = Shape(
    lambda p, v, line, log, n: p._pairs(v, line, log, n), tokens=True, sentences=True
)
"""``[{"source": span, "claim": span, "label"?}]``; the gold keeps tokens and sentences."""
LABEL_SHAPE = Shape(lambda p, v, line, log, n: p._label(v, p.key, line, log, optional=False))
"""One of the task's labels."""
VALUE_SHAPE = Shape(lambda p, v, line, log, n: p._string(v, p.key, line, log))
"""Any string."""

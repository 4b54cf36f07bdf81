"""Validation of gold and prediction records: every problem with file, line and field.

Parsing turns a JSON object into a compact task payload:

- ner: ``[(start, end, label), ...]``
- claims: ``[(start, end), ...]``
- attribution: ``[(source_start, source_end, claim_start, claim_end, label | None), ...]``
- stance, certainty, topic: the label; normalization: the value.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from nkru.eval.problems import ProblemLog
from nkru.eval.spans import Span, align_tokens, first_overlap, regex_tokens
from nkru.schema import STANCE_LABELS, TASKS

CLASSIFICATION_TASKS = ("stance", "certainty", "topic")
PAYLOAD_KEY = {
    "ner": "entities",
    "claims": "claims",
    "attribution": "pairs",
    "stance": "label",
    "certainty": "label",
    "topic": "label",
    "normalization": "value",
}
_SENTENCE_KEYS = (
    "document_id",
    "text",
    "doc_start",
    "doc_end",
    "tokens",
    "token_starts",
    "token_ends",
)
# Keys of the dataset rows (gold context); accepted silently in any file.
CONTEXT_KEYS: dict[str, frozenset[str]] = {
    "ner": frozenset((*_SENTENCE_KEYS, "ner_tags")),
    "claims": frozenset((*_SENTENCE_KEYS, "has_claim")),
    "attribution": frozenset(("document_id", "text", "sentences", "sources", "claims")),
    "stance": frozenset(
        ("document_id", "text", "source_start", "source_end", "claim_start", "claim_end")
    ),
    "certainty": frozenset(("document_id", "text", "claim_start", "claim_end")),
    "topic": frozenset(("document_id", "text", "claim_start", "claim_end")),
    "normalization": frozenset(
        ("document_id", "text", "start", "end", "mention", "entity_type", "document_date")
    ),
}
_SPAN_KEYS = frozenset(("start", "end", "text"))


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


class RecordParser:
    """Parses records of one task, logging problems to the log of the file being read."""

    def __init__(self, task: str, labels: Collection[str] | None = None) -> None:
        self.task = task
        self.key = PAYLOAD_KEY[task]
        self.known = CONTEXT_KEYS[task] | {"id", self.key}
        if labels is None:
            labels = STANCE_LABELS if task == "attribution" else TASKS[task].labels
        self.labels = frozenset(labels)
        self.label_help = ", ".join(sorted(self.labels))

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
                log.warn(line, key, f"unknown key for task {self.task!r} ignored", "unknown_key")
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
        value = obj[self.key]
        before = log.errors
        if self.task == "ner":
            result = self._spans(value, self.key, line, log, text_len, labelled=True)
        elif self.task == "claims":
            result = self._spans(value, self.key, line, log, text_len, labelled=False)
        elif self.task == "attribution":
            result = self._pairs(value, line, log, text_len)
        elif self.task == "normalization":
            result = self._string(value, self.key, line, log)
        else:
            result = self._label(value, self.key, line, log, optional=False)
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
        if self.task in ("claims", "attribution"):
            example.tokens = self._tokens(obj, text, line, log)
        if self.task == "attribution" and "sentences" in obj:
            example.sentences = self._span_list(obj["sentences"], "sentences", line, log, text_len)
        if self.task == "normalization" and obj.get("entity_type") is not None:
            example.group = self._string(obj["entity_type"], "entity_type", line, log)
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
                log.warn(line, f"{field}.{key}", "unknown key ignored", "unknown_key")
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
        paths: list[str] = []
        for i, item in enumerate(items):
            path = f"{field}[{i}]"
            span = self._span(
                item, path, line, log, text_len, frozenset(("label",)) if labelled else frozenset()
            )
            if span is None:
                continue
            if labelled:
                if "label" not in item:
                    log.error(line, f"{path}.label", "missing", "missing_field")
                    continue
                label = self._label(item["label"], f"{path}.label", line, log, optional=False)
                if label is None:
                    continue
                span = (*span, label)
            spans.append(span)
            paths.append(path)
        self._no_overlaps(spans, paths, line, log)
        return spans

    def _no_overlaps(
        self, spans: list[tuple], paths: list[str], line: int, log: ProblemLog
    ) -> None:
        remaining = list(range(len(spans)))
        while (pair := first_overlap([spans[i][:2] for i in remaining])) is not None:
            a, b = remaining[pair[0]], remaining[pair[1]]
            log.error(
                line,
                paths[b],
                f"span [{spans[b][0]}, {spans[b][1]}) overlaps {paths[a]} "
                f"[{spans[a][0]}, {spans[a][1]})",
                "overlap",
            )
            remaining.remove(b)

    def _pairs(
        self, value: object, line: int, log: ProblemLog, text_len: int | None
    ) -> list | None:
        items = self._list(value, "pairs", line, log)
        if items is None:
            return None
        pairs = []
        for i, item in enumerate(items):
            path = f"pairs[{i}]"
            if not isinstance(item, dict):
                log.error(line, path, f"must be an object, got {type_name(item)}", "wrong_type")
                continue
            for key in item:
                if key not in ("source", "claim", "label"):
                    log.warn(line, f"{path}.{key}", "unknown key ignored", "unknown_key")
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

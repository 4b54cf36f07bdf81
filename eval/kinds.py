"""The kinds of task answers (:data:`nkru.tasks.KINDS`) as strategy objects: one :class:`Kind`
per kind holds everything that differs by kind, and nothing else in the package tests a
kind or a task's name (``tests/test_kind_dispatch.py``).

A kind says how a prediction payload is parsed (its :class:`~.validate.Shape`), how a
dataset row becomes a gold record, which scorer scores it, how its errors are listed
(:mod:`.errors`), which task-generic reference systems can be a task's floor
(:mod:`nkru.baselines.registry`), and how the dataset card, the leaderboard and the report
describe its answers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from nkru.schema import ENTITY_DESCRIPTIONS
from nkru.tasks import (
    CLASSIFICATION,
    KINDS,
    LABELLED_SPANS,
    PAIR_LABEL,
    PAIRS,
    SPANS,
    VALUE,
    LabelMap,
    Row,
    Task,
)

from .attribution import AttributionScorer
from .claims import ClaimsScorer
from .classification import ClassificationScorer
from .errors import (
    Context,
    Error,
    Lister,
    claim_errors,
    entity_errors,
    label_errors,
    mapped,
    pair_errors,
)
from .metrics import Metric, Scorer
from .ner import NerScorer
from .normalization import NormalizationScorer
from .validate import (
    LABEL_SHAPE,
    LABELLED_SPANS_SHAPE,
    PAIRS_SHAPE,
    SPANS_SHAPE,
    VALUE_SHAPE,
    Example,
    Shape,
)


def _span(start: int, end: int) -> dict[str, int]:
    return {"start": start, "end": end}


def _counts(counter: Counter) -> str:
    """``label: count`` pairs, most frequent first."""
    return ", ".join(
        f"{k}: {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    )


class Kind(ABC):
    """A kind of answer. The base class is a single answer per example (a label or a value),
    compared exactly; the span kinds override what differs.

    ``shape``: how a payload is parsed and which gold context scoring keeps; ``lister``: an
    example's errors (:mod:`.errors`); ``floors``: the task-generic reference systems a task
    of this kind may declare as its floor; ``sub_unit``: what an example is in a bootstrap
    unit's name; ``vectorised``: gold and predictions go through the flat-array path
    (:mod:`.fastpath`, :class:`.ner.NerBatch`); ``entity_types``: scored per entity type
    (strict figures per type, a type confusion matrix).
    """

    name: str
    shape: Shape
    lister: Lister
    floors: tuple[str, ...] = ()
    sub_unit = "example"
    vectorised = False
    entity_types = False

    def __init__(self, name: str, shape: Shape, lister: Lister) -> None:
        if name not in KINDS:
            raise ValueError(f"kind {name!r} is not one of {', '.join(KINDS)}")
        self.name, self.shape, self.lister = name, shape, lister

    def __repr__(self) -> str:
        return f"<kind {self.name}>"

    # -- scoring --------------------------------------------------------------------------------

    @abstractmethod
    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        """A fresh scorer of ``task``'s answers."""

    def parser_labels(self, task: Task, label_map: LabelMap | None) -> set[str] | None:
        """The labels a payload may carry under ``label_map`` (None: the task's)."""
        return None

    def gold_payload(self, value: Any) -> Any:
        """A dataset row's answer as the payload of a gold record (JSON Lines format)."""
        return value

    # -- errors ---------------------------------------------------------------------------------

    def compared(self, gold: Any, predicted: Any, label_map: LabelMap | None) -> tuple[Any, Any]:
        """An example's gold and predicted payloads as compared (a missing prediction is
        ``None``)."""
        return gold, predicted

    def list_errors(
        self,
        examples: Iterable[tuple[Example, Mapping[str, Any]]],
        predictions: Mapping[str, Any],
        label_map: LabelMap | None = None,
    ) -> list[Error]:
        """Every error of validated ``predictions`` (id -> parsed payload; an id without one
        is empty) on gold ``examples`` (each with its raw gold record), in gold order."""
        errors: list[Error] = []
        for example, record in examples:
            gold, predicted = self.compared(example.payload, predictions.get(example.id), label_map)
            errors += self.lister(Context(example, record), gold, predicted)
        return errors

    # -- describing rows (dataset card, leaderboard) --------------------------------------------

    def answer_counts(self, task: Task, rows: Iterable[Row]) -> Counter[str]:
        """How often each label occurs in the answers of (plain) rows."""
        return Counter(str(r[task.payload]) for r in rows)

    def facts(self, task: Task, rows: list[Row], where: str) -> str:
        """A one-line description of rows (``where``: their documents), for the leaderboard."""
        return f"{where}, {len(rows)} examples ({_counts(self.answer_counts(task, rows))})"

    def card_counts(self, task: Task, rows: list[Row]) -> tuple[tuple[str, ...], Counter]:
        """(label order, counts) of the answers of a config's rows, for the card."""
        return task.labels, self.answer_counts(task, rows)

    def card_lines(self, task: Task) -> list[str]:
        """What the card's section on ``task`` says of its labels beyond their names."""
        return []

    def loading_lines(self, task: Task) -> list[str]:
        """Python lines the card's loading example adds for a row of ``task`` (``row``)."""
        return []


class _Spans(Kind):
    """Spans per example: a missing prediction is no span; errors compare span lists."""

    def compared(self, gold: Any, predicted: Any, label_map: LabelMap | None) -> tuple[Any, Any]:
        return gold, [] if predicted is None else predicted


class LabelledSpans(_Spans):
    """``[{"start", "end", "label"}]`` per example, no overlaps (ner); scored per type."""

    floors = ("gazetteer",)
    vectorised = True
    entity_types = True

    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        return NerScorer(label_map)

    def parser_labels(self, task: Task, label_map: LabelMap | None) -> set[str] | None:
        """A label map widens the labels to its keys and values."""
        if not label_map:
            return None
        targets = {value for value in label_map.values() if value is not None}
        return {*task.labels, *label_map, *targets}

    def gold_payload(self, value: Any) -> Any:
        return [{"start": e["start"], "end": e["end"], "label": e["label"]} for e in value]

    def compared(self, gold: Any, predicted: Any, label_map: LabelMap | None) -> tuple[Any, Any]:
        return mapped(gold, label_map), mapped(predicted, label_map)

    def answer_counts(self, task: Task, rows: Iterable[Row]) -> Counter[str]:
        return Counter(e["label"] for r in rows for e in r[task.payload])

    def facts(self, task: Task, rows: list[Row], where: str) -> str:
        counts = self.answer_counts(task, rows)
        return (
            f"{where}, {len(rows)} examples, {sum(counts.values())} gold spans of "
            f"{len(counts)} types ({_counts(counts)})"
        )

    def card_lines(self, task: Task) -> list[str]:
        described = [
            f"`{k}` {ENTITY_DESCRIPTIONS[k]}" for k in task.labels if k in ENTITY_DESCRIPTIONS
        ]
        return ["Entity types: " + "; ".join(described) + "."] if described else []

    def loading_lines(self, task: Task) -> list[str]:
        return [
            f'for e in row["{task.payload}"]:',
            '    assert row["text"][e["start"]:e["end"]] == e["text"]',
        ]


class UnlabelledSpans(_Spans):
    """``[{"start", "end"}]`` per example, no overlaps, matched by token overlap (claims);
    counted under the task's one label."""

    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        return ClaimsScorer()

    def gold_payload(self, value: Any) -> Any:
        return [_span(c["start"], c["end"]) for c in value]

    def answer_counts(self, task: Task, rows: Iterable[Row]) -> Counter[str]:
        return Counter({task.labels[0]: sum(len(r[task.payload]) for r in rows)})

    def facts(self, task: Task, rows: list[Row], where: str) -> str:
        with_spans = sum(1 for r in rows if r[task.payload])
        spans = sum(self.answer_counts(task, rows).values())
        return f"{where}, {len(rows)} examples, {with_spans} with a span, {spans} spans"

    def card_counts(self, task: Task, rows: list[Row]) -> tuple[tuple[str, ...], Counter]:
        label = task.labels[0].lower()
        counts: Counter = Counter()
        counts[f"rows with a {label}"] = sum(bool(r[task.payload]) for r in rows)
        counts["rows without"] = sum(not r[task.payload] for r in rows)
        counts[f"{label} spans"] = sum(len(r[task.payload]) for r in rows)
        return tuple(counts), counts


class Pairs(_Spans):
    """``[{"source": span, "claim": span, "label"?}]`` per document (attribution); bootstrap
    units are its sentences."""

    sub_unit = "sentence"

    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        return AttributionScorer()

    def gold_payload(self, value: Any) -> Any:
        return [
            {
                "source": _span(p["source_start"], p["source_end"]),
                "claim": _span(p["claim_start"], p["claim_end"]),
                "label": p.get(PAIR_LABEL) or None,
            }
            for p in value
        ]

    def answer_counts(self, task: Task, rows: Iterable[Row]) -> Counter[str]:
        return Counter(p.get(PAIR_LABEL) or "none" for r in rows for p in r[task.payload])

    def facts(self, task: Task, rows: list[Row], where: str) -> str:
        sentences = sum(len(r.get("sentences") or []) for r in rows)
        counts = self.answer_counts(task, rows)
        pairs = sum(counts.values())
        return f"{where} ({sentences} sentences), {pairs} gold pairs ({_counts(counts)})"


class Classification(Kind):
    """One label per example (stance, certainty, topic)."""

    floors = ("majority",)

    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        return ClassificationScorer(task)

    def facts(self, task: Task, rows: list[Row], where: str) -> str:
        counts = self.answer_counts(task, rows)
        return (
            f"{where}, {len(rows)} examples, {len(counts)} of {len(task.labels)} classes "
            f"present ({_counts(counts)})"
        )


class Value(Kind):
    """One string value per example, compared exactly (normalization); counted by the
    task's ``group``."""

    floors = ("most-frequent",)

    def scorer(self, task: Task, label_map: LabelMap | None) -> Scorer:
        return NormalizationScorer()

    def answer_counts(self, task: Task, rows: Iterable[Row]) -> Counter[str]:
        return Counter(str(r[task.group]) for r in rows) if task.group else Counter()


_KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            LabelledSpans(LABELLED_SPANS, LABELLED_SPANS_SHAPE, entity_errors),
            UnlabelledSpans(SPANS, SPANS_SHAPE, claim_errors),
            Pairs(PAIRS, PAIRS_SHAPE, pair_errors),
            Classification(CLASSIFICATION, LABEL_SHAPE, label_errors("wrong label")),
            Value(VALUE, VALUE_SHAPE, label_errors("wrong value")),
        )
    }
)
assert tuple(_KINDS) == KINDS, "one Kind per kind name"


def kind_of(task: Task | str) -> Kind:
    """The kind of ``task`` (a declaration, or a kind's name as the leaderboard stores it)."""
    return _KINDS[task if isinstance(task, str) else task.kind]


def make_scorer(task: Task, label_map: LabelMap | None = None) -> Scorer:
    """A fresh scorer for ``task`` (a label map applies to labelled spans)."""
    return kind_of(task).scorer(task, label_map)


def headline_metric(task: Task, scorer: Scorer) -> Metric:
    """The scorer's function of the task's headline metric; ``ValueError`` if it has none."""
    if task.headline not in scorer.metrics:
        known = ", ".join(scorer.metrics)
        raise ValueError(
            f"task {task.name!r}: headline {task.headline!r} is not a metric of its scorer "
            f"(kind {task.kind}: {known})"
        )
    return scorer.metrics[task.headline]


def gold_record(task: Task, row: Mapping[str, Any]) -> dict[str, Any]:
    """The gold record (JSON Lines format) of a plain dataset row: the id, the row's input
    columns (the context scoring uses: text, tokens, sentences, groups) and the payload."""
    record = {"id": row["id"], **{k: row[k] for k in task.inputs if row.get(k) is not None}}
    record[task.payload] = kind_of(task).gold_payload(row[task.payload])
    return record

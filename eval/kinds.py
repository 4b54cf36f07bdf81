"""What each kind of task answer (:data:`nkru.tasks.KINDS`) is scored by, and how a dataset
row becomes a gold record: the one place where the scorers dispatch on a task's kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nkru.tasks import (
    CLASSIFICATION,
    LABELLED_SPANS,
    PAIR_LABEL,
    PAIRS,
    SPANS,
    VALUE,
    LabelMap,
    Task,
)

from .attribution import AttributionScorer
from .claims import ClaimsScorer
from .classification import ClassificationScorer
from .metrics import Metric, Scorer
from .ner import NerScorer
from .normalization import NormalizationScorer

SCORERS: dict[str, Callable[[Task, LabelMap | None], Scorer]] = {
    LABELLED_SPANS: lambda task, label_map: NerScorer(label_map),
    SPANS: lambda task, label_map: ClaimsScorer(),
    PAIRS: lambda task, label_map: AttributionScorer(),
    CLASSIFICATION: lambda task, label_map: ClassificationScorer(task),
    VALUE: lambda task, label_map: NormalizationScorer(),
}


def make_scorer(task: Task, label_map: LabelMap | None = None) -> Scorer:
    """A fresh scorer for ``task`` (a label map applies to labelled spans)."""
    return SCORERS[task.kind](task, label_map)


def headline_metric(task: Task, scorer: Scorer) -> Metric:
    """The scorer's function of the task's headline metric; ``ValueError`` if it has none."""
    if task.headline not in scorer.metrics:
        known = ", ".join(scorer.metrics)
        raise ValueError(
            f"task {task.name!r}: headline {task.headline!r} is not a metric of its scorer "
            f"(kind {task.kind}: {known})"
        )
    return scorer.metrics[task.headline]


def _span(start: int, end: int) -> dict[str, int]:
    return {"start": start, "end": end}


_PAYLOADS: dict[str, Callable[[Any], Any]] = {
    LABELLED_SPANS: lambda value: [
        {"start": e["start"], "end": e["end"], "label": e["label"]} for e in value
    ],
    SPANS: lambda value: [_span(c["start"], c["end"]) for c in value],
    PAIRS: lambda value: [
        {
            "source": _span(p["source_start"], p["source_end"]),
            "claim": _span(p["claim_start"], p["claim_end"]),
            "label": p.get(PAIR_LABEL) or None,
        }
        for p in value
    ],
    CLASSIFICATION: lambda value: value,
    VALUE: lambda value: value,
}


def gold_record(task: Task, row: Mapping[str, Any]) -> dict[str, Any]:
    """The gold record (JSON Lines format) of a plain dataset row: the id, the row's input
    columns (the context scoring uses: text, tokens, sentences, groups) and the payload."""
    record = {"id": row["id"], **{k: row[k] for k in task.inputs if row.get(k) is not None}}
    record[task.payload] = _PAYLOADS[task.kind](row[task.payload])
    return record

"""Learning curve: a system's cross-document score against the number of training documents.

For every annotated document ``d`` held out and every size ``k`` from 1 to ``n - 1``, the
system is trained on each ``k``-subset of the other documents (all of them, or a seeded sample
of ``max_subsets``) and predicts ``d``'s rows (stripped to the task's inputs). Per size, all
held-out predictions are pooled and scored once (each held-out document counts once per
subset, so every document weighs the same); the per-fit scores give the spread (mean, min,
max). A system that chose its settings by inner selection in its leave-one-document-out fold
for ``d`` is refitted with those settings (``fixed()``): they were chosen without ``d``, and
reselecting on every subset would multiply the cost by the inner folds.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nkru.tasks import LabelMap, Row, Task, strip_rows

from ...eval.api import Options, score
from ...eval.gold import gold_from_rows


def subsets(
    others: Sequence[str], size: int, limit: int | None, seed: int
) -> list[tuple[str, ...]]:
    """Every ``size``-subset of ``others`` (sorted), or a seeded sample of ``limit`` of them."""
    every = list(itertools.combinations(sorted(others), size))
    if limit is None or len(every) <= limit:
        return every
    return sorted(random.Random(f"{seed}:{size}:{','.join(sorted(others))}").sample(every, limit))


def learning_curve(
    task: Task,
    factory: Callable[[], Any],
    rows: Sequence[Row],
    *,
    label_map: LabelMap | None = None,
    fitted: Mapping[str, Any] | None = None,
    max_subsets: int | None = None,
    seed: int = 0,
    sizes: Sequence[int] | None = None,
    advance: Callable[[str], None] = lambda message: None,
) -> list[dict[str, Any]]:
    """One point per number of training documents (module docstring), 1 to ``n - 1`` or
    ``sizes``; the point at ``n - 1`` is the pooled leave-one-document-out score."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row["document_id"]), []).append(row)
    documents = sorted(groups)
    points = []
    for size in sizes or range(1, len(documents)):
        gold: list[dict[str, Any]] = []
        predictions: list[dict[str, Any]] = []
        values: list[float] = []
        for held in documents:
            others = [d for d in documents if d != held]
            chosen = (fitted or {}).get(held)
            fixed = getattr(chosen, "fixed", None)
            make = fixed if callable(fixed) else factory
            held_gold = gold_from_rows(task, groups[held])
            for subset in subsets(others, size, max_subsets, seed):
                advance(f"{task.name} {size} doc(s) → {held}")
                system = make()
                system.fit([r for d in subset for r in groups[d]])
                predicted = [dict(p) for p in system.predict(strip_rows(task, groups[held]))]
                values.append(_headline(task, held_gold, predicted, label_map))
                tag = f"@{held}<{'+'.join(subset)}"
                gold.extend({**g, "id": f"{g['id']}{tag}"} for g in held_gold)
                predictions.extend({**p, "id": f"{p['id']}{tag}"} for p in predicted)
        array = np.array(values)
        points.append(
            {
                "documents": size,
                "pooled": _headline(task, gold, predictions, label_map),
                "mean": float(array.mean()),
                "min": float(array.min()),
                "max": float(array.max()),
                "fits": len(values),
            }
        )
    return points


def _headline(
    task: Task, gold: list[dict], predictions: list[dict], label_map: LabelMap | None
) -> float:
    return score(task, gold, predictions, Options(bootstrap=0, label_map=label_map)).headline.value

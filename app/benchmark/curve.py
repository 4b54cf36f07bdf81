"""Learning curve: a system's cross-document score against the number of training documents.

For every annotated document ``d`` held out and every size ``k`` from 1 to ``n - 1``, the
system is trained on each ``k``-subset of the other documents (all of them, or a seeded sample
of ``max_subsets``) and predicts ``d``'s rows (:func:`curve_fits`: the fits, stored as
``curve/<d>/<subset>`` evaluations of the system's run; at ``n - 1`` the subset is every other
document, the cross-document fit itself, ``lodo/<d>``). Per size, all held-out predictions
are pooled and scored once (each held-out document counts once per subset, so every document
weighs the same); the per-fit scores give the spread (mean, min, max) (:func:`curve_points`).
A system that chose its settings by inner selection in its cross-document fold for ``d`` is
refitted with those settings: they were chosen without ``d``, and reselecting on every subset
would multiply the cost by the inner folds.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nkru.tasks import LabelMap, Row, Task

from ...eval.api import Options, score
from ...eval.gold import gold_from_rows
from .runs import curve_name, lodo_name


def subsets(
    others: Sequence[str], size: int, limit: int | None, seed: int
) -> list[tuple[str, ...]]:
    """Every ``size``-subset of ``others`` (sorted), or a seeded sample of ``limit`` of them."""
    every = list(itertools.combinations(sorted(others), size))
    if limit is None or len(every) <= limit:
        return every
    return sorted(random.Random(f"{seed}:{size}:{','.join(sorted(others))}").sample(every, limit))


def curve_fits(
    documents: Sequence[str], limit: int | None = None, seed: int = 0
) -> dict[int, list[tuple[str, tuple[str, ...], str]]]:
    """Size -> ``(held-out document, training documents, evaluation name)`` of every fit of
    the curve, sizes 1 to ``n - 1`` (the last one's evaluations are the cross-document
    ones)."""
    documents = sorted(documents)
    fits: dict[int, list[tuple[str, tuple[str, ...], str]]] = {}
    for size in range(1, len(documents)):
        fits[size] = []
        for held in documents:
            others = [d for d in documents if d != held]
            for subset in subsets(others, size, limit, seed):
                name = lodo_name(held) if size == len(others) else curve_name(held, subset)
                fits[size].append((held, subset, name))
    return fits


def curve_points(
    task: Task,
    groups: Mapping[str, list[Row]],
    fits: Mapping[int, list[tuple[str, tuple[str, ...], str]]],
    predictions: Mapping[str, list[dict[str, Any]]],
    label_map: LabelMap | None = None,
) -> list[dict[str, Any]]:
    """One point per size of ``fits``, from the predictions of each fit's evaluation
    (``groups``: document -> its rows)."""
    golds = {held: gold_from_rows(task, rows) for held, rows in groups.items()}
    points = []
    for size, planned in fits.items():
        gold: list[dict[str, Any]] = []
        pooled: list[dict[str, Any]] = []
        values: list[float] = []
        for held, subset, name in planned:
            predicted = predictions[name]
            values.append(_headline(task, golds[held], predicted, label_map))
            tag = f"@{held}<{'+'.join(subset)}"
            gold.extend({**g, "id": f"{g['id']}{tag}"} for g in golds[held])
            pooled.extend({**p, "id": f"{p['id']}{tag}"} for p in predicted)
        array = np.array(values)
        points.append(
            {
                "documents": size,
                "pooled": _headline(task, gold, pooled, label_map),
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

"""Seeded bootstrap intervals and paired significance tests on per-unit count vectors.

Every metric here is a function of summed count vectors, so a resample is scored by summing
the count vectors of the drawn units; the scorers are never re-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

Metric = Callable[[np.ndarray], np.ndarray]
_CHUNK_ELEMENTS = 4_000_000


def _chunks(total: int, units: int, width: int) -> Iterator[int]:
    size = max(1, _CHUNK_ELEMENTS // max(units * width, 1))
    for start in range(0, total, size):
        yield min(size, total - start)


# A resample drawn by classes costs about 15 times more per class than a unit index does
# per unit (one binomial draw against one integer), so classes are used when there are at
# most 1/16 as many classes as units.
_CLASS_FACTOR = 16


def _classes(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct rows of ``counts`` and how many units hold each; None when there are too many.

    Units with identical count vectors are interchangeable in a resample: only how many
    draws land in each class of identical rows matters.
    """
    units = len(counts)
    if units < _CLASS_FACTOR:
        return None
    keys = _row_keys(counts)
    if keys is None:
        rows, sizes = np.unique(counts, axis=0, return_counts=True)
    else:
        _, first, sizes = np.unique(keys, return_index=True, return_counts=True)
        rows = counts[first]
    if len(rows) * _CLASS_FACTOR > units:
        return None
    return rows, sizes


def _row_keys(counts: np.ndarray) -> np.ndarray | None:
    """One integer per row, ordered like the rows (lexicographically), when the counts are
    small non-negative integers (as they are); sorting those is far cheaper than sorting rows."""
    if not len(counts) or counts.min() < 0:
        return None
    base = int(counts.max()) + 1
    if base ** counts.shape[1] >= 2**62 or not np.array_equal(counts, np.floor(counts)):
        return None
    powers = base ** np.arange(counts.shape[1] - 1, -1, -1, dtype=np.int64)
    return counts.astype(np.int64) @ powers


def _nested_totals(
    counts: list[np.ndarray], resamples: int, seed: int, groups: np.ndarray
) -> Iterator[list[np.ndarray]]:
    """Sums of ``counts`` over two-stage resamples: as many documents (``groups``: each
    unit's document) drawn with replacement as there are, then, for each drawn document, as
    many of its units drawn with replacement as it has.

    A document drawn ``k`` times contributes ``k`` independent draws of its units, whose
    counts together are ``Multinomial(k * units, uniform)``; so each resample takes one
    multinomial draw of documents and one per document.
    """
    rng = np.random.default_rng(seed)
    documents = np.unique(groups)
    members = [np.flatnonzero(groups == d) for d in documents]
    units, width = counts[0].shape
    for size in _chunks(resamples, units, width * len(counts)):
        drawn = rng.multinomial(len(documents), np.full(len(documents), 1 / len(documents)), size)
        weights = np.zeros((size, units))
        for d, mine in enumerate(members):
            weights[:, mine] = rng.multinomial(
                drawn[:, d] * len(mine), np.full(len(mine), 1 / len(mine))
            )
        yield [weights @ c for c in counts]


def _resampled_totals(
    counts: list[np.ndarray], resamples: int, seed: int, groups: np.ndarray | None = None
) -> Iterator[list[np.ndarray]]:
    """Sums of ``counts`` (same units, one array per system) over bootstrap resamples
    (two-stage, documents then units, when ``groups`` gives each unit's document).

    Drawing ``units`` units uniformly with replacement puts a multinomial number of draws in
    each class of units with identical count vectors (probabilities: class size / units).
    With few classes (see ``_classes``) those numbers are drawn directly
    (``Generator.multinomial``); otherwise unit indices are drawn (``Generator.integers``)
    and counted. Both are the same bootstrap; the random stream depends on the path.
    """
    if groups is not None:
        yield from _nested_totals(counts, resamples, seed, groups)
        return
    rng = np.random.default_rng(seed)
    units, width = counts[0].shape
    joined = np.concatenate(counts, axis=1)
    classes = _classes(joined)
    if classes is not None:
        rows, sizes = classes
        parts = np.cumsum([c.shape[1] for c in counts])[:-1]
        for size in _chunks(resamples, len(rows), width * len(counts)):
            weights = rng.multinomial(units, sizes / units, size=size).astype(float)
            yield np.split(weights @ rows, parts, axis=1)
        return
    for size in _chunks(resamples, units, width * len(counts)):
        index = rng.integers(0, units, size=(size, units))
        index += np.arange(size)[:, None] * units
        weights = np.bincount(index.ravel(), minlength=size * units).reshape(size, units)
        yield [weights @ c for c in counts]


def _interval(values: np.ndarray, level: float) -> tuple[float | None, float | None]:
    """Percentile interval of the values; NaN values (metric undefined) are left out."""
    values = values[~np.isnan(values)]
    if not len(values):
        return None, None
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return float(low), float(high)


def bootstrap_interval(
    counts: np.ndarray,
    metric: Metric,
    resamples: int,
    seed: int,
    level: float,
    groups: np.ndarray | None = None,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of ``metric`` over units (rows of ``counts``; nested in
    documents when ``groups`` gives each unit's document); resamples where the metric is NaN
    (undefined) are left out."""
    if resamples <= 0 or len(counts) == 0:
        return None, None
    totals = _resampled_totals([counts], resamples, seed, groups)
    return _interval(np.concatenate([metric(t) for (t,) in totals]), level)


def paired_comparison(
    a: np.ndarray,
    b: np.ndarray,
    metric: Metric,
    resamples: int,
    seed: int,
    level: float,
    groups: np.ndarray | None = None,
) -> dict[str, float | int | None]:
    """Compare two systems scored on the same units.

    Returns the difference ``metric(a) - metric(b)``, its paired bootstrap interval (nested
    in documents when ``groups`` is given), and the two-sided approximate randomisation
    p-value (units' counts swapped between systems with probability 1/2;
    ``p = (1 + #{|d*| >= |d|}) / (1 + resamples)``).
    """
    total_a, total_b = a.sum(axis=0), b.sum(axis=0)
    delta = float(metric(total_a) - metric(total_b))
    result: dict[str, float | int | None] = {
        "a": float(metric(total_a)),
        "b": float(metric(total_b)),
        "delta": delta,
        "ci_low": None,
        "ci_high": None,
        "p_value": None,
    }
    if resamples <= 0 or len(a) == 0:
        return result
    resampled = _resampled_totals([a, b], resamples, seed, groups)
    deltas = [metric(ta) - metric(tb) for ta, tb in resampled]
    result["ci_low"], result["ci_high"] = _interval(np.concatenate(deltas), level)
    rng = np.random.default_rng(seed + 1)
    diff = (b - a).astype(float)
    # Swapping any k of the units of a class of identical (a, b) rows moves the same
    # counts, so with few classes the number swapped per class is drawn as Binomial(size, 1/2).
    classes = _classes(np.concatenate([a, b], axis=1))
    if classes is not None:
        rows = classes[0]
        diff = rows[:, a.shape[1] :] - rows[:, : a.shape[1]]
    extreme = 0
    for size in _chunks(resamples, len(diff), a.shape[1]):
        if classes is not None:
            swap = rng.binomial(classes[1], 0.5, size=(size, len(diff))).astype(float)
        else:
            swap = (rng.random((size, len(a))) < 0.5).astype(float)
        moved = swap @ diff
        shuffled = metric(total_a + moved) - metric(total_b - moved)
        extreme += int(np.sum(np.abs(shuffled) >= abs(delta) - 1e-12))
    result["p_value"] = (extreme + 1) / (resamples + 1)
    return result

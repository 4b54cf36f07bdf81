"""Seeded bootstrap intervals and paired permutation tests on per-unit count vectors.

Every metric here is a function of summed count vectors, so a resample (or a swap of units
between two systems) is scored by summing the count vectors of the units; the scorers are
never re-run. A resample where the metric is undefined (NaN: ``metrics.measured_f1``) is
left out of the interval.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .options import ALTERNATIVES

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


def paired_interval(
    a: np.ndarray,
    b: np.ndarray,
    metric: Metric,
    resamples: int,
    seed: int,
    level: float,
    groups: np.ndarray | None = None,
) -> tuple[float | None, float | None]:
    """Paired percentile bootstrap interval of ``metric(a) - metric(b)`` over the units (rows)
    both systems are scored on (nested in documents when ``groups`` gives each unit's
    document); resamples where the difference is undefined are left out."""
    if resamples <= 0 or len(a) == 0:
        return None, None
    resampled = _resampled_totals([a, b], resamples, seed, groups)
    return _interval(np.concatenate([metric(ta) - metric(tb) for ta, tb in resampled]), level)


EXACT_UNITS = 16
"""Up to this many units the paired test enumerates all 2^n swaps (65 536) exactly."""


@dataclass(frozen=True)
class PairedTest:
    """A paired permutation test: its p-value, the smallest p-value its units allow
    (``1/2^n`` one-sided, ``2/2^n`` two-sided when exact; ``1/(resamples + 1)`` when drawn),
    whether all swaps were enumerated, and over how many units."""

    p_value: float
    p_floor: float
    exact: bool
    units: int
    alternative: str


def _extreme(shuffled: np.ndarray, delta: float, alternative: str) -> int:
    """How many swapped differences are at least as extreme as the observed one."""
    tolerance = 1e-12
    if alternative == "greater":
        return int(np.sum(shuffled >= delta - tolerance))
    if alternative == "less":
        return int(np.sum(shuffled <= delta + tolerance))
    return int(np.sum(np.abs(shuffled) >= abs(delta) - tolerance))


def paired_test(
    a: np.ndarray,
    b: np.ndarray,
    metric: Metric,
    alternative: str = "two-sided",
    resamples: int = 1000,
    seed: int = 0,
) -> PairedTest | None:
    """Paired permutation (sign-flip) test of ``metric(a) - metric(b)`` over units (rows).

    Under the null hypothesis the two systems are exchangeable on each unit, so swapping a
    unit's counts between them leaves the distribution of the difference unchanged. With at
    most ``EXACT_UNITS`` units all ``2^n`` swaps are enumerated, ``p = #{d* as extreme as
    d} / 2^n`` (the identity included), an exact test; with more, ``resamples`` random swaps
    are drawn (approximate randomisation, ``p = (1 + #{...}) / (1 + resamples)``). None
    without units (or, beyond ``EXACT_UNITS``, without resamples).
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {', '.join(ALTERNATIVES)}")
    units = len(a)
    total_a, total_b = a.sum(axis=0), b.sum(axis=0)
    delta = float(metric(total_a) - metric(total_b))
    one_sided = alternative != "two-sided"
    if 0 < units <= EXACT_UNITS:
        swaps = (np.arange(2**units)[:, None] >> np.arange(units)) & 1
        moved = swaps.astype(float) @ (b - a)
        shuffled = metric(total_a + moved) - metric(total_b - moved)
        floor = (1 if one_sided else 2) / 2**units
        return PairedTest(
            _extreme(shuffled, delta, alternative) / 2**units, floor, True, units, alternative
        )
    if units == 0 or resamples <= 0:
        return None
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
            swap = (rng.random((size, units)) < 0.5).astype(float)
        moved = swap @ diff
        shuffled = metric(total_a + moved) - metric(total_b - moved)
        extreme += _extreme(shuffled, delta, alternative)
    return PairedTest(
        (extreme + 1) / (resamples + 1), 1 / (resamples + 1), False, units, alternative
    )


def document_totals(counts: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Count vectors summed per document (``groups``: each unit's document), in document
    order."""
    documents, inverse = np.unique(groups, return_inverse=True)
    totals = np.zeros((len(documents), counts.shape[1]))
    np.add.at(totals, inverse.reshape(-1), counts)
    return totals

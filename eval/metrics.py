"""Ratios and F1 on counts, scalar and vectorised, with 0 for undefined ratios; the
vectorised F1 of bootstrap resamples follows one rule for classes without gold or
predictions (:func:`measured_f1`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np

from .validate import Example

CountVector = tuple[float, ...]


def ratio(num: float, den: float) -> float:
    """``num / den``, 0.0 when ``den`` is 0."""
    return num / den if den else 0.0


def prf(credit: float, possible: float, actual: float) -> dict[str, float]:
    """Precision ``credit/actual``, recall ``credit/possible`` and their harmonic mean."""
    return {
        "precision": ratio(credit, actual),
        "recall": ratio(credit, possible),
        "f1": ratio(2 * credit, possible + actual),
    }


def f1_array(credit: np.ndarray, possible: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Vectorised ``2 credit / (possible + actual)``, 0 where undefined."""
    den = possible + actual
    return np.divide(2 * credit, den, out=np.zeros(np.shape(den)), where=den > 0)


def measured_f1(
    credit: np.ndarray, possible: np.ndarray, actual: np.ndarray, measured: np.ndarray | bool
) -> np.ndarray:
    """F1 of each class (last axis) by the one rule of every sample, point estimate and
    resample alike: a class with neither gold nor prediction scores 0 (scikit-learn's
    ``zero_division=0``) unless it is ``measured`` (it has gold in the scored data), and is
    then NaN: a resample that lacks a class the data holds cannot measure it, and is left
    out of the interval, as a resample without a NER type is for that type's interval."""
    empty = (possible + actual) == 0
    return np.where(empty & measured, np.nan, f1_array(credit, possible, actual))


def macro_f1(
    credit: np.ndarray, possible: np.ndarray, actual: np.ndarray, measured: np.ndarray
) -> np.ndarray:
    """Mean :func:`measured_f1` over the ``measured`` classes (last axis): the classes with
    gold in the scored data, a label set fixed by the gold, so the same for every system
    and in every resample. On the scored data it is ``sklearn.metrics.f1_score(labels=<the
    measured classes>, average="macro")``; a resample in which a measured class has neither
    gold nor prediction is undefined (NaN). 0 without any measured class."""
    count = int(np.sum(measured))
    if not count:
        return np.zeros(np.shape(credit)[:-1])
    f1 = measured_f1(credit, possible, actual, measured)
    return np.where(measured, f1, 0.0).sum(axis=-1) / count


def span_f1(totals: np.ndarray, measured: np.ndarray | bool = False) -> np.ndarray:
    """F1 from ``(matched, gold, predicted)`` count columns, by the rule of
    :func:`measured_f1` (``measured``: the data has gold spans)."""
    return measured_f1(totals[..., 0], totals[..., 1], totals[..., 2], measured)


Metric = Callable[[np.ndarray], np.ndarray]
"""A metric of summed count vectors (any leading shape: bootstrap resamples are scored at once)."""


class Scorer(Protocol):
    """A scorer of one kind of task: consumes examples one at a time, reports at the end.

    ``add`` returns the example's count vectors (``width`` columns) keyed by a sub-unit (a
    sentence index for pairs, else 0); ``metrics`` maps the names of the metrics those vectors
    determine (a task's headline is one of them) to their vectorised functions.
    """

    width: int

    @property
    def metrics(self) -> Mapping[str, Metric]: ...

    def add(self, gold: Example, pred: Any | None) -> list[tuple[int, CountVector]]: ...

    def results(self) -> dict[str, Any]: ...

"""Ratios and F1 on counts, scalar and vectorised, with 0 for undefined ratios."""

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


def span_f1_headline(totals: np.ndarray) -> np.ndarray:
    """F1 from ``(matched, gold, predicted)`` count columns."""
    return f1_array(totals[..., 0], totals[..., 1], totals[..., 2])


def span_f1_defined(totals: np.ndarray) -> np.ndarray:
    """``span_f1_headline``, NaN where there is neither a gold nor a predicted span."""
    return np.where(totals[..., 1] + totals[..., 2] > 0, span_f1_headline(totals), np.nan)


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

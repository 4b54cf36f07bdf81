"""Normalisation scoring: exact string match of values, overall and per gold entity type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .metrics import CountVector, ratio
from .validate import Example

UNTYPED = "(untyped)"


@dataclass
class Matches:
    """Exact matches among examples."""

    correct: int = 0
    total: int = 0


class NormalizationScorer:
    """Exact-match accuracy (headline), overall and per group (the task's ``group`` column,
    e.g. the entity type); a missing prediction is wrong."""

    width = 2

    def __init__(self) -> None:
        self.by_type: dict[str, Matches] = {}
        self.metrics = {"accuracy": self.headline}

    def add(self, gold: Example, pred: str | None) -> list[tuple[int, CountVector]]:
        """Score one example; returns ``(correct, 1)``."""
        correct = int(pred is not None and pred == gold.payload)
        counts = self.by_type.setdefault(gold.group or UNTYPED, Matches())
        counts.correct += correct
        counts.total += 1
        return [(0, (correct, 1))]

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Accuracy from ``(correct, total)`` columns."""
        den = totals[..., 1]
        return np.divide(totals[..., 0], den, out=np.zeros(np.shape(den)), where=den > 0)

    def results(self) -> dict[str, Any]:
        """Raw counts, accuracy, per-type accuracy and their macro average."""
        correct = sum(m.correct for m in self.by_type.values())
        total = sum(m.total for m in self.by_type.values())
        per_type = {
            t: {"accuracy": ratio(m.correct, m.total), "correct": m.correct, "total": m.total}
            for t, m in sorted(self.by_type.items())
        }
        macro = float(np.mean([v["accuracy"] for v in per_type.values()])) if per_type else 0.0
        return {
            "counts": {"examples": total, "correct": correct},
            "micro": {"accuracy": ratio(correct, total)},
            "macro": {"accuracy": macro},
            "per_type": per_type,
        }

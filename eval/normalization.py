"""Normalisation scoring: exact string match of values, overall and per gold entity type."""

from __future__ import annotations

from typing import Any

import numpy as np

from nkru.eval.metrics import CountVector, ratio
from nkru.eval.validate import Example

UNTYPED = "(untyped)"


class NormalizationScorer:
    """Exact-match accuracy (headline); a missing prediction is wrong."""

    width = 2

    def __init__(self) -> None:
        self.by_type: dict[str, list[int]] = {}

    def add(self, gold: Example, pred: str | None) -> list[tuple[int, CountVector]]:
        """Score one mention; returns ``(correct, 1)``."""
        correct = int(pred is not None and pred == gold.payload)
        counts = self.by_type.setdefault(gold.group or UNTYPED, [0, 0])
        counts[0] += correct
        counts[1] += 1
        return [(0, (correct, 1))]

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Accuracy from ``(correct, total)`` columns."""
        den = totals[..., 1]
        return np.divide(totals[..., 0], den, out=np.zeros(np.shape(den)), where=den > 0)

    def results(self) -> dict[str, Any]:
        """Raw counts, accuracy, per-type accuracy and their macro average."""
        correct = sum(c for c, _ in self.by_type.values())
        total = sum(n for _, n in self.by_type.values())
        per_type = {
            t: {"accuracy": ratio(c, n), "correct": c, "total": n}
            for t, (c, n) in sorted(self.by_type.items())
        }
        macro = float(np.mean([v["accuracy"] for v in per_type.values()])) if per_type else 0.0
        return {
            "counts": {"examples": total, "correct": correct},
            "micro": {"accuracy": ratio(correct, total)},
            "macro": {"accuracy": macro},
            "per_type": per_type,
        }

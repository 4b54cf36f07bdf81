"""Classification scoring (stance, certainty, topic): accuracy, macro-F1, per class, confusion.

Macro averages run over a label set fixed by the gold: the task's classes that have gold
examples in the scored data (every class of the task, over all annotated documents). The
set is the same for every system and in every bootstrap resample; a resample in which one of
its classes has neither gold nor prediction is undefined and left out of the interval
(``metrics.macro_f1``). On the scored data the macro F1 is ``sklearn.metrics.f1_score(
labels=<classes with gold>, average="macro")``. Per-class figures cover every class of the
task with its gold count (``support``). A missing prediction (``allow_missing``) counts as
wrong: a false negative of its gold class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nkru.tasks import Task

from .metrics import CountVector, macro_f1, prf, ratio
from .validate import Example


class ClassificationScorer:
    """Per-example one-hot ``(TP per class, gold per class, predicted per class)`` vectors.

    Metrics: ``macro_f1`` and ``accuracy``; ``f_avg`` (the mean F1 of the task's
    ``f_avg_classes``: support and deny for stance, SemEval-2016 Task 6) when declared."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.labels = task.labels
        self.position = {label: i for i, label in enumerate(self.labels)}
        self.width = 3 * len(self.labels)
        size = len(self.labels)
        self.confusion = np.zeros((size, size), dtype=np.int64)
        self.missing = np.zeros(size, dtype=np.int64)
        self.metrics = {"macro_f1": self.headline, "accuracy": self.accuracy}

    def add(self, gold: Example, pred: str | None) -> list[tuple[int, CountVector]]:
        """Score one example."""
        size = len(self.labels)
        vector = [0] * self.width
        g = self.position[gold.payload]
        vector[size + g] = 1
        if pred is None:
            self.missing[g] += 1
        else:
            p = self.position[pred]
            self.confusion[g, p] += 1
            vector[2 * size + p] = 1
            vector[g] = int(g == p)
        return [(0, tuple(vector))]

    def _split(self, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size = len(self.labels)
        return totals[..., :size], totals[..., size : 2 * size], totals[..., 2 * size :]

    def gold_counts(self) -> np.ndarray:
        """Gold examples of each class in the scored data (missing predictions included)."""
        return self.confusion.sum(axis=1) + self.missing

    def headline(self, totals: np.ndarray) -> np.ndarray:
        """Macro F1 over the classes with gold in the scored data (module docstring)."""
        tp, gold, pred = self._split(totals)
        return macro_f1(tp, gold, pred, self.gold_counts() > 0)

    def accuracy(self, totals: np.ndarray) -> np.ndarray:
        """Correct / examples from the count vectors."""
        tp, gold, _ = self._split(totals)
        den = gold.sum(-1)
        return np.divide(tp.sum(-1), den, out=np.zeros(np.shape(den)), where=den > 0)

    def results(self) -> dict[str, Any]:
        """Accuracy, macro and per-class P/R/F1, confusion matrix (and F_avg for stance)."""
        tp = np.diag(self.confusion)
        # Missing predictions are in the support (gold count) of their class, in no column.
        support_all = self.gold_counts()
        predicted = self.confusion.sum(axis=0)
        n = int(support_all.sum())
        per_class = {
            label: {
                **prf(int(tp[i]), int(support_all[i]), int(predicted[i])),
                "support": int(support_all[i]),
                "predicted": int(predicted[i]),
            }
            for i, label in enumerate(self.labels)
        }
        classes = [label for label, figures in per_class.items() if figures["support"]]
        macro = {
            m: float(np.mean([per_class[c][m] for c in classes])) if classes else 0.0
            for m in ("precision", "recall", "f1")
        }
        results: dict[str, Any] = {
            "counts": {"examples": n, "correct": int(tp.sum()), "missing": int(self.missing.sum())},
            "micro": {"accuracy": ratio(int(tp.sum()), n)},
            "macro": {**macro, "classes": classes},
            "per_type": per_class,
            "confusion_matrix": {
                "labels": list(self.labels),
                "rows": "gold",
                "columns": "predicted",
                "matrix": self.confusion.tolist(),
            },
        }
        if self.task.f_avg_classes:
            f1s = [per_class[c]["f1"] for c in self.task.f_avg_classes]
            results["macro"]["f_avg"] = float(np.mean(f1s))
        return results

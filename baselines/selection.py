"""Model selection inside ``fit``: leave-one-document-out over the training documents only.

A learned baseline with several candidate settings (regularisation, feature groups) picks one
by :func:`select`: each candidate is trained on all training documents but one and predicts the
held-out one, for every training document in turn; the pooled held-out predictions are scored
once with the task's headline metric (the scorer of :mod:`nkru.eval`, as in the benchmark).
The best candidate wins; ties go to the earlier candidate. Candidates are listed default
first: with fewer than two training documents there is nothing to hold out and the default is
used. Test and validation rows never reach ``fit``, so they never steer the
choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from ..eval.api import Options, score
from ..eval.gold import gold_from_rows
from .io import by_document
from .protocol import Prediction, Row, System

Fold = tuple[list[Row], list[Row]]


@dataclass(frozen=True)
class Selection:
    """The chosen candidate and the pooled inner score of each (empty when not selected)."""

    chosen: Any
    scores: dict[str, float] = field(default_factory=dict)
    documents: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "chosen": str(self.chosen),
            "inner_documents": list(self.documents),
            "inner_scores": self.scores,
        }


def document_folds(rows: Sequence[Row]) -> dict[str, Fold]:
    """Held-out document -> ``(train, held-out)`` rows: the rows of every other document and
    its own (documents sorted); ``{}`` with fewer than two documents."""
    groups = by_document(rows)
    if len(groups) < 2:
        return {}
    return {
        doc: ([r for other, rs in groups.items() if other != doc for r in rs], held)
        for doc, held in groups.items()
    }


def headline(task: str, rows: Sequence[Row], predictions: Sequence[Prediction]) -> float:
    """The task's headline metric of ``predictions`` against the gold of ``rows`` (no bootstrap)."""
    report = score(task, gold_from_rows(task, rows), list(predictions), Options(bootstrap=0))
    return report.headline.value


def select(
    task: str,
    rows: Sequence[Row],
    candidates: Sequence[Any],
    fit_predict: Callable[[Any, list[Row], list[Row]], list[Prediction]],
) -> Selection:
    """The candidate with the best pooled inner leave-one-document-out score.

    ``fit_predict(candidate, train_rows, held_rows)`` trains a model with the candidate's
    settings and returns its predictions for ``held_rows``.
    """
    if not candidates:
        raise ValueError("no candidates to select from")
    folds = document_folds(rows)
    if len(candidates) == 1 or not folds:
        return Selection(candidates[0])
    held = [r for _, h in folds.values() for r in h]
    scores: dict[str, float] = {}
    best, best_score = candidates[0], float("-inf")
    for candidate in candidates:
        predictions = [p for train, h in folds.values() for p in fit_predict(candidate, train, h)]
        value = headline(task, held, predictions)
        scores[str(candidate)] = round(value, 4)
        if value > best_score:
            best, best_score = candidate, value
    return Selection(best, scores, tuple(folds))


class SelectedSystem(System):
    """A learned system whose settings are chosen by :func:`select` on its training rows.

    Subclasses list ``candidates`` (default first) and implement ``train(rows, candidate)``
    and ``apply(model, rows, candidate)``. After ``fit``: ``selection`` (the inner scores),
    ``settings`` (the chosen candidate) and ``model`` (trained on every training row).
    """

    candidates: ClassVar[tuple[Any, ...]]

    def train(self, rows: Sequence[Row], candidate: Any) -> Any:
        """A model trained on ``rows`` with the candidate's settings."""
        raise NotImplementedError

    def apply(self, model: Any, rows: Sequence[Row], candidate: Any) -> list[Prediction]:
        """The model's predictions for ``rows`` (their task inputs only)."""
        raise NotImplementedError

    def model_settings(self, candidate: Any) -> Any:
        """The part of a candidate the trained model depends on (default: all of it).
        Candidates that differ only in how a model is applied (a decision threshold) share
        one trained model per inner fold."""
        return candidate

    def fit(self, rows: Sequence[Row]) -> Self:
        if not rows:
            raise ValueError("no training examples")
        models: dict[tuple[Any, int], Any] = {}

        def fit_predict(candidate: Any, train: list[Row], held: list[Row]) -> list[Prediction]:
            key = (self.model_settings(candidate), id(train))
            if key not in models:
                models[key] = self.train(train, candidate)
            return self.apply(models[key], held, candidate)

        self.selection = select(self.task, rows, self.candidates, fit_predict)
        self.settings = self.selection.chosen
        self.model = self.train(rows, self.settings)
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return self.apply(self.model, rows, self.settings)

    def restricted(self, settings: str) -> Self:
        """An unfitted copy with one candidate, the one whose ``str`` is ``settings``: it
        trains with it without selecting (the learning curve's refits with the settings
        chosen in a cross-document fold)."""
        (chosen,) = [c for c in self.candidates if str(c) == settings] or [None]
        if chosen is None:
            raise ValueError(f"{self.name}: no candidate {settings!r}")
        copy = type(self)(self.seed)
        copy.candidates = (chosen,)  # type: ignore[misc]  # this copy's own, not the class's
        return copy

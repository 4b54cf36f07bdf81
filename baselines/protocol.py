"""The common protocol of every baseline: ``fit(train_rows) -> self``, ``predict(rows) -> list``.

A system is built for one task (``task`` is a key of :data:`nkru.schema.TASKS`), learns only from
the rows passed to :meth:`System.fit` (the training split, or all other documents in
leave-one-document-out), and returns prediction objects in the task's JSON Lines format
(``{"id": ..., <payload key>: ...}``; offsets relative to the example's ``text``, end-exclusive).
Everything random is seeded by ``seed`` so two runs give identical predictions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import joblib

SEED = 13
Row = dict[str, Any]
Prediction = dict[str, Any]


class NotFittedError(RuntimeError):
    """``predict`` was called before ``fit``."""


class System(ABC):
    """A baseline for one task. Subclasses set ``name``, ``task`` and ``description``."""

    name: ClassVar[str]
    task: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.fitted = False

    @abstractmethod
    def fit(self, rows: Sequence[Row]) -> Self:
        """Learn from training rows (dataset rows of ``self.task``); returns ``self``."""

    @abstractmethod
    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        """One prediction object per row, in row order."""

    def check_fitted(self) -> None:
        if not self.fitted:
            raise NotFittedError(f"{self.name}: call fit() before predict()")

    def save(self, path: str | Path) -> Path:
        """Persist the fitted system with joblib (loaded back by :meth:`load`)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        return path

    @staticmethod
    def load(path: str | Path) -> System:
        system = joblib.load(Path(path))
        if not isinstance(system, System):
            raise TypeError(f"{path} does not hold a baseline System")
        return system

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.task}/{self.name} seed={self.seed}>"


class Untrained(System):
    """A system with nothing to learn (rules, a pretrained model): ``fit`` only marks it ready."""

    def fit(self, rows: Sequence[Row]) -> Self:
        self.fitted = True
        return self

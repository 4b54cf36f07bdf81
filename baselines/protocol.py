"""The protocol of every system: ``fit(train_rows) -> self``, ``predict(rows) -> list``.

A system is built for one task (``task`` names a :class:`nkru.tasks.Task`). ``fit`` gets
whole training rows (every column of the task's dataset rows, labels as names): the training
split, or in leave-one-document-out all other documents. ``predict`` gets rows stripped to the
task's inputs (:meth:`nkru.tasks.Task.strip`: for stance the text, the source and the claim
spans; never a target such as the label), and returns one prediction object per row, in row
order, in the task's JSON Lines format (``{"id": ..., <payload key>: ...}``; offsets relative
to the row's ``text``, end-exclusive). A system whose labels are those of one of the task's
label maps (spaCy's PER/ORG/LOC/MISC) names that map in ``label_map`` and is scored under it.
Everything random is seeded by ``seed`` so two runs give identical predictions.

User systems (``nkru benchmark --system``) follow the same protocol without subclassing:
only ``predict`` is required; ``fit``, ``name``, ``description`` and ``label_map`` are
optional.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import joblib

from nkru.errors import NkruError

SEED = 13
Row = dict[str, Any]
Prediction = dict[str, Any]


class NotFittedError(NkruError, RuntimeError):
    """``predict`` was called before ``fit``."""

    exit_code = 1


class System(ABC):
    """A system for one task. Subclasses set ``name``, ``task`` and ``description`` (and
    ``label_map`` when they predict the labels of one of the task's label maps)."""

    name: ClassVar[str]
    task: ClassVar[str]
    description: ClassVar[str] = ""
    label_map: ClassVar[str | None] = None

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.fitted = False

    @abstractmethod
    def fit(self, rows: Sequence[Row]) -> Self:
        """Learn from whole training rows (dataset rows of ``self.task``); returns ``self``."""

    @abstractmethod
    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        """One prediction object per row (the task's input columns only), in row order."""

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

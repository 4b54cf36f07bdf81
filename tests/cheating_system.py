"""Systems that cheat if they can: ``nkru benchmark --system tests/cheating_system.py:make_system``.

For every row it predicts, :class:`Cheater` copies the answer into its prediction when the
row carries any of the task's target columns; otherwise it predicts its fallback: no answer
(an empty list) for the span and pair tasks, whose floors parse with spaCy (a fresh worker
would load the model for every fold, about 7 s of CPU each), and what the task's floor
reference predicts for the others. Given stripped rows (the task's inputs only), its
predictions are therefore exactly its fallback's; given whole rows, it scores 1.0. Three
others look for the answers elsewhere in the process (``make_memory``, ``make_frames``,
``make_referrers``): each scores 1.0 when every fold runs in one process that holds other
folds' or the whole rows, and like the floor when each fit runs alone with copies of its own
rows.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator, Sequence
from types import FunctionType, ModuleType
from typing import Any

from nkru.baselines.registry import create
from nkru.eval.gold import gold_from_rows
from nkru.tasks import PAIRS, SPANS, TASKS

ABSTAINS = (SPANS, PAIRS)
"""Kinds whose fallback is no answer (an empty list) instead of the floor's prediction."""


class Cheater:
    name = "cheater"
    description = "copies any target column it is shown; else its fallback"

    def __init__(self, task: str, abstain: bool | None = None) -> None:
        self.task = TASKS[task]
        self.abstains = self.task.kind in ABSTAINS if abstain is None else abstain
        self.floor = None if self.abstains else create(task, self.task.floor)
        self.copied = 0

    def fit(self, rows: Sequence[dict[str, Any]]) -> Cheater:
        if self.floor is not None:
            self.floor.fit(rows)
        return self

    def fallback(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """No answer (abstaining), else the floor's prediction."""
        if self.floor is None:
            return [{"id": row["id"], self.task.payload: []} for row in rows]
        return self.floor.predict(rows)

    def predict(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        predictions = self.fallback(rows)
        for n, row in enumerate(rows):
            if any(key in row for key in self.task.targets):
                (record,) = gold_from_rows(self.task.name, [row])
                predictions[n] = {"id": row["id"], self.task.payload: record[self.task.payload]}
                self.copied += 1
        return predictions


def make_system(task: str) -> Cheater:
    """A cheater for every task."""
    return Cheater(task)


SEEN: dict[str, dict[str, Any]] = {}
"""Answers of every row any fit of this process was trained on (module-level memory)."""


class Finder(Cheater):
    """A cheater that predicts the answer it can find for a row's id, else the floor's."""

    def __init__(self, task: str) -> None:
        super().__init__(task, abstain=False)

    def answers(self, rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        raise NotImplementedError

    def predict(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        predictions = self.fallback(rows)
        found = self.answers(rows)
        for n, row in enumerate(rows):
            if row["id"] in found:
                predictions[n] = {"id": row["id"], self.task.payload: found[row["id"]]}
                self.copied += 1
        return predictions

    def answer(self, obj: object) -> tuple[str, Any] | None:
        """(id, answer) of a whole row, None for anything else."""
        if isinstance(obj, dict) and "id" in obj and all(k in obj for k in self.task.targets):
            (record,) = gold_from_rows(self.task.name, [obj])
            return str(obj["id"]), record[self.task.payload]
        return None


class MemoryCheater(Finder):
    """Remembers every training row's answer in a module-level dict across fits."""

    name = "cheat-memory"

    def fit(self, rows: Sequence[dict[str, Any]]) -> MemoryCheater:
        for row in rows:
            found = self.answer(row)
            if found:
                SEEN[found[0]] = found[1]
        return super().fit(rows)

    def answers(self, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return dict(SEEN)


def _reachable(obj: object, depth: int) -> Iterator[object]:
    yield obj
    if depth == 0:
        return
    if isinstance(obj, dict):
        children: Any = obj.values()
    elif isinstance(obj, list | tuple):
        children = obj
    elif isinstance(obj, type | ModuleType | FunctionType):
        return
    else:  # an object's attributes (a job, a fitted system)
        children = getattr(obj, "__dict__", {}).values()
    for child in list(children):
        yield from _reachable(child, depth - 1)


class FrameCheater(Finder):
    """Walks up the interpreter's frames, looking through its callers' locals."""

    name = "cheat-frames"

    def answers(self, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        frame = sys._getframe(1)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                for obj in _reachable(value, 4):
                    hit = self.answer(obj)
                    if hit:
                        found[hit[0]] = hit[1]
            frame = frame.f_back
        return found


class ReferrerCheater(Finder):
    """Asks the garbage collector what else refers to the stripped rows and their values."""

    name = "cheat-referrers"

    def answers(self, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        seen = [obj for row in rows for obj in (row, *row.values())]
        for referrer in gc.get_referrers(*seen):  # one pass over the collector's objects
            hit = self.answer(referrer)
            if hit:
                found[hit[0]] = hit[1]
        return found


def make_memory(task: str) -> MemoryCheater:
    return MemoryCheater(task)


def make_frames(task: str) -> FrameCheater:
    return FrameCheater(task)


def make_referrers(task: str) -> ReferrerCheater:
    return ReferrerCheater(task)

"""What the benchmark runs: an :class:`Entry` per system and task, of a kind (baseline,
reference, user). Kept free of the systems' own imports, so that the command line and the
leaderboard can use it without loading the baselines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nkru.errors import NkruError
from nkru.tasks import Task

BASELINE = "baseline"
REFERENCE = "reference"
USER = "user"


class SystemSpecError(NkruError, ValueError):
    """A ``--system module:callable`` that cannot be loaded (bad input, exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One system of the benchmark for one task: a kind (``baseline``, ``reference`` or
    ``user``), a factory returning a fresh, unfitted system, and the name of the task's label
    map it declares (its labels are that map's; it is scored under it)."""

    task: Task
    name: str
    kind: str
    factory: Callable[[], Any]
    description: str = ""
    label_map: str | None = None

    @property
    def key(self) -> str:
        return f"{self.task.name}/{self.name}"

    @property
    def is_floor(self) -> bool:
        return self.kind == REFERENCE and self.name == self.task.floor


def declared_label_map(task: Task, system: Any) -> str | None:
    """The name of the task's label map a system declares (``label_map``), checked."""
    name = getattr(system, "label_map", None)
    if name is None:
        return None
    if name not in task.label_maps:
        known = ", ".join(task.label_maps) or "none"
        raise SystemSpecError(f"{task.name}: unknown label map {name!r} (the task has: {known})")
    return str(name)

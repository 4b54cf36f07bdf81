"""What the benchmark runs: an :class:`Entry` per system and task, of a kind (baseline,
reference, user). Kept free of the systems' own imports, so that the command line and the
leaderboard can use it without loading the baselines."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    ``user``), the name of the task's label map it declares (its labels are that map's; it is
    scored under it), how a worker process builds it (``spec``: a user system's
    ``module:callable``; None for the built-in systems and for runs made elsewhere), its
    ``version`` and ``settings`` (recorded in its runs), whether its fits are ``expensive`` (a
    bare ``--refit`` leaves its current runs alone) and whether it ``parses`` (reads spaCy
    analyses of its rows' texts through :mod:`nkru.baselines.nlp`: the parent parses those
    texts once and each of its fits gets the analyses of its own rows)."""

    task: Task
    name: str
    kind: str
    description: str = ""
    label_map: str | None = None
    spec: str | None = None
    version: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    expensive: bool = False
    parses: bool = False

    @property
    def key(self) -> str:
        return f"{self.task.name}/{self.name}"

    @property
    def is_floor(self) -> bool:
        return self.kind == REFERENCE and self.name == self.task.floor

    def identity(self) -> dict[str, Any]:
        """The ``system`` block of its runs' manifests: a stored run is this system's only
        when the block is equal."""
        return {
            "name": self.name,
            "kind": self.kind,
            "version": self.version,
            "settings": self.settings,
            "description": self.description,
            "label_map": self.label_map,
        }


def declared_label_map(task: Task, system: Any) -> str | None:
    """The name of the task's label map a system declares (``label_map``), checked."""
    name = getattr(system, "label_map", None)
    if name is None:
        return None
    if name not in task.label_maps:
        known = ", ".join(task.label_maps) or "none"
        raise SystemSpecError(f"{task.name}: unknown label map {name!r} (the task has: {known})")
    return str(name)

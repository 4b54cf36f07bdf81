"""The systems the benchmark runs: every baseline and reference per task, plus user systems.

A benchmark entry is a :class:`Entry`: a task, a name, a kind (``baseline``, ``reference`` or
``user``) and a factory returning a fresh, unfitted system. A system follows the protocol of
:class:`nkru.baselines.protocol.System`: ``fit(train_rows)`` (optional for user systems) and
``predict(rows) -> list[dict]``, one prediction object per row in the task's JSON Lines format.

User systems (``nkru benchmark --system module:callable``): the callable is called once per
task with the task name and returns a system for that task, or ``None`` when it does not handle
the task. A :class:`~nkru.baselines.protocol.System` subclass (it has a string ``task``) can be
given directly: it is instantiated with no arguments for its own task only. ``module`` is an
importable module name (the current directory is on the import path) or a path to a ``.py``
file.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from nkru.schema import TASKS

BASELINE = "baseline"
REFERENCE = "reference"
USER = "user"
KINDS = (BASELINE, REFERENCE, USER)

FLOOR: dict[str, str] = {
    "ner": "majority",
    "claims": "all-sentences",
    "attribution": "nearest-source",
    "stance": "majority",
    "certainty": "majority",
    "topic": "majority",
    "normalization": "most-frequent",
}
"""Per task, the reference every baseline must beat on the headline metric (the "majority
reference": the most frequent label, or the task's trivial floor where that is degenerate)."""


def comparable_label_map(task: str) -> dict[str, str | None] | None:
    """The label map under which every system of ``task`` is also scored, so that systems
    with different label sets stand in one column (NER: spaCy's PER/ORG/LOC/MISC)."""
    from nkru.baselines.reference import SPACY_LABEL_MAP

    return dict(SPACY_LABEL_MAP) if task == "ner" else None


class SystemSpecError(ValueError):
    """A ``--system module:callable`` that cannot be loaded (bad input, exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One system of the benchmark for one task."""

    task: str
    name: str
    kind: str
    factory: Callable[[], Any]
    description: str = ""
    label_map: dict[str, str | None] | None = None
    scored_against: str | None = None

    @property
    def key(self) -> str:
        return f"{self.task}/{self.name}"


def builtin_systems() -> list[Entry]:
    """Every baseline and reference of ``nkru.baselines.registry``, per task, baselines first."""
    from nkru.baselines import reference as ref
    from nkru.baselines.registry import BASELINES, REFERENCES, create

    spacy = {
        "label_map": dict(ref.SPACY_LABEL_MAP),
        "scored_against": (
            "gold without " + "/".join(ref.SPACY_DROPPED) + ", labels mapped to spaCy's "
            "PER/ORG/LOC/MISC (not comparable with the other rows)"
        ),
    }
    entries = []
    for task in TASKS:
        for kind, table in ((BASELINE, BASELINES), (REFERENCE, REFERENCES)):
            for name in table[task]:
                factory = partial(create, task, name)
                description = str(getattr(factory(), "description", "") or "")
                extra: dict[str, Any] = spacy if (task, name) == ("ner", ref.SpacyNer.name) else {}
                entries.append(Entry(task, name, kind, factory, description, **extra))
    return entries


# ------------------------------------------------------------------------------- user systems


def _import(module: str) -> Any:
    if module.endswith(".py") or "/" in module or "\\" in module:
        path = Path(module)
        if not path.is_file():
            raise SystemSpecError(f"{module}: no such Python file")
        stem = re.sub(r"\W", "_", path.stem)
        name = f"nkru_user_{stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SystemSpecError(f"{module}: cannot be imported")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
        return loaded
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise SystemSpecError(f"cannot import module {module!r}: {err}") from None


def load_callable(spec: str) -> Callable[..., Any]:
    """The callable named by ``module:callable`` (or ``path/to/file.py:callable``)."""
    module, sep, attr = spec.rpartition(":")
    if not sep or not module or not attr:
        raise SystemSpecError(f"--system {spec!r}: expected module:callable")
    loaded = _import(module)
    target: Any = loaded
    for part in attr.split("."):
        if not hasattr(target, part):
            raise SystemSpecError(f"--system {spec!r}: {module} has no attribute {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise SystemSpecError(f"--system {spec!r}: {attr} is not callable")
    return target


def safe_name(name: str) -> str:
    """A system name usable as a file name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return cleaned or "system"


def _check_system(obj: Any, spec: str, task: str) -> None:
    if not callable(getattr(obj, "predict", None)):
        raise SystemSpecError(
            f"--system {spec!r} returned {type(obj).__name__} for {task}: it has no predict(rows)"
        )


def user_entries(spec: str, taken: Sequence[str] = ()) -> list[Entry]:
    """Benchmark entries for one ``--system`` spec (one per task the callable handles)."""
    target = load_callable(spec)
    default = getattr(target, "__name__", None) or spec.rpartition(":")[2]
    entries: list[Entry] = []
    tasks: list[str]
    if inspect.isclass(target) and isinstance(getattr(target, "task", None), str):
        if target.task not in TASKS:
            raise SystemSpecError(f"--system {spec!r}: unknown task {target.task!r}")
        tasks = [target.task]
        make = {target.task: target}
    else:
        tasks, make = [], {}
        for task in TASKS:
            try:
                probe = target(task)
            except Exception as err:  # the user's code: report, do not crash
                raise SystemSpecError(
                    f"--system {spec!r}: calling it with {task!r} failed: "
                    f"{type(err).__name__}: {err}"
                ) from None
            if probe is None:
                continue
            _check_system(probe, spec, task)
            tasks.append(task)
            make[task] = lambda t=task: target(t)
    if not tasks:
        raise SystemSpecError(f"--system {spec!r}: returned None for every task")
    for task in tasks:
        probe = make[task]()
        _check_system(probe, spec, task)
        name = safe_name(str(getattr(probe, "name", None) or default))
        while f"{task}/{name}" in taken or any(e.key == f"{task}/{name}" for e in entries):
            name = f"{name}-user"
        description = str(getattr(probe, "description", "") or f"user system {spec}")
        entries.append(Entry(task, name, USER, make[task], description))
    return entries

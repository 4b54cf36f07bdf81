"""The systems the benchmark runs: every baseline and reference per task, plus user systems.

A benchmark entry is a :class:`Entry`: a task, a name, a kind (``baseline``, ``reference`` or
``user``) and what a worker process needs to build it anew (:func:`build_system`). A system
follows the protocol of
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

import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from nkru.tasks import TASKS, Task

from ...baselines.registry import baselines, create, references
from .entries import BASELINE, REFERENCE, USER, Entry, SystemSpecError, declared_label_map

CODE_PACKAGE = "nkru.baselines"


def code_version(cls: type) -> str:
    """sha256 (16 hex digits) of the source of the ``nkru.baselines`` modules a system class
    uses: its classes' modules and, transitively, the baselines modules their names come
    from. Editing that code makes the system's stored runs stale."""
    seen: set[str] = set()
    todo = [c.__module__ for c in cls.__mro__]
    while todo:
        name = todo.pop()
        if name in seen or not name.startswith(CODE_PACKAGE) or name not in sys.modules:
            continue
        seen.add(name)
        for value in vars(sys.modules[name]).values():
            owner = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
            if isinstance(owner, str):
                todo.append(owner)
    sha = hashlib.sha256()
    for name in sorted(seen):
        sha.update(Path(inspect.getfile(sys.modules[name])).read_bytes())
    return sha.hexdigest()[:16]


def _settings(system: Any) -> dict[str, Any]:
    """What a built-in system is built with: its seed and candidate settings."""
    out: dict[str, Any] = {"seed": getattr(system, "seed", None)}
    candidates = getattr(system, "candidates", None)
    if candidates:
        out["candidates"] = [str(c) for c in candidates]
    return out


def _entry(task: Task, name: str, kind: str, probe: Any, **fields: Any) -> Entry:
    description = str(getattr(probe, "description", "") or "")
    return Entry(
        task,
        name,
        kind,
        description,
        declared_label_map(task, probe),
        expensive=bool(getattr(probe, "expensive", False)),
        parses=bool(getattr(probe, "parses", False)),
        **fields,
    )


def builtin_systems(tasks: Iterable[Task] = TASKS.values()) -> list[Entry]:
    """Every baseline and reference of ``nkru.baselines.registry``, per task, baselines first."""
    entries = []
    for task in tasks:
        for kind, table in ((BASELINE, baselines(task)), (REFERENCE, references(task))):
            for name in table:
                probe = create(task, name)
                version = str(getattr(probe, "version", "") or code_version(type(probe)))
                entries.append(
                    _entry(task, name, kind, probe, version=version, settings=_settings(probe))
                )
    return entries


def build_system(task: Task, name: str, spec: str | None) -> Any:
    """A new, unfitted system: the built-in ``name``, or what ``--system spec`` makes for
    ``task`` (what a worker process runs)."""
    if spec is None:
        return create(task, name)
    target = load_callable(spec)
    system = target() if _is_system_class(target) else target(task.name)
    _check_system(system, spec, task.name)
    return system


# ------------------------------------------------------------------------------- user systems


_INSTALLED = {Path(sysconfig.get_path(k)).resolve() for k in ("stdlib", "purelib", "platlib")}
"""Where the Python installation and the installed packages live (not the user's code)."""


def _import_failure(module: str, err: BaseException) -> SystemSpecError:
    """The one-line error of a user module that fails to import: the file and line of a syntax
    error, else the file and line of the user's code that raised (the innermost outside the
    Python installation)."""
    if isinstance(err, SyntaxError) and err.filename:
        return SystemSpecError(
            f"{err.filename}:{err.lineno}: cannot import {module}: SyntaxError: {err.msg}"
        )
    frames = [f for f in traceback.extract_tb(err.__traceback__) if not f.filename.startswith("<")]
    own = [f for f in frames if not _installed(f.filename)]
    where = f"{own[-1].filename}:{own[-1].lineno}: " if own else ""
    return SystemSpecError(f"{where}cannot import {module}: {type(err).__name__}: {err}")


def _installed(filename: str) -> bool:
    """A file of the Python installation or of an installed package."""
    path = Path(filename).resolve()
    return any(path.is_relative_to(prefix) for prefix in _INSTALLED)


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
        try:
            spec.loader.exec_module(loaded)
        except Exception as err:  # the user's code: report where, do not crash
            del sys.modules[name]
            raise _import_failure(module, err) from None
        return loaded
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name == module:
            raise SystemSpecError(f"cannot import module {module!r}: {err}") from None
        raise _import_failure(module, err) from None
    except Exception as err:  # the user's code: report where, do not crash
        raise _import_failure(module, err) from None


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


def _is_system_class(target: Any) -> bool:
    """A System subclass given directly: made with no arguments, for its own task only."""
    return inspect.isclass(target) and isinstance(getattr(target, "task", None), str)


def _check_system(obj: Any, spec: str, task: str) -> None:
    if not callable(getattr(obj, "predict", None)):
        raise SystemSpecError(
            f"--system {spec!r} returned {type(obj).__name__} for {task}: it has no predict(rows)"
        )


def user_entries(
    spec: str, taken: Sequence[str] = (), tasks: Iterable[Task] = TASKS.values()
) -> list[Entry]:
    """Benchmark entries for one ``--system`` spec (one per task the callable handles)."""
    target: Any = load_callable(spec)
    default = getattr(target, "__name__", None) or spec.rpartition(":")[2]
    declared = {task.name: task for task in tasks}
    probes: dict[str, Any] = {}
    if _is_system_class(target):
        if target.task not in declared:
            raise SystemSpecError(f"--system {spec!r}: unknown task {target.task!r}")
        probes[target.task] = target()
    else:
        for task in declared:
            try:
                probe = target(task)
            except Exception as err:  # the user's code: report, do not crash
                raise SystemSpecError(
                    f"--system {spec!r}: calling it with {task!r} failed: "
                    f"{type(err).__name__}: {err}"
                ) from None
            if probe is not None:
                probes[task] = probe
    if not probes:
        raise SystemSpecError(f"--system {spec!r}: returned None for every task")
    entries: list[Entry] = []
    for task, probe in probes.items():
        _check_system(probe, spec, task)
        name = safe_name(str(getattr(probe, "name", None) or default))
        while f"{task}/{name}" in taken or any(e.key == f"{task}/{name}" for e in entries):
            name = f"{name}-user"
        version = str(getattr(probe, "version", "") or "")
        entry = _entry(declared[task], name, USER, probe, spec=spec, version=version)
        if not entry.description:
            entry = replace(entry, description=f"user system {spec}")
        entries.append(entry)
    return entries

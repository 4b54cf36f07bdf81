"""Runs made elsewhere (``nkru benchmark --runs DIR``): checked, then scored like the others.

``DIR`` has the layout of ``results/runs/`` (:mod:`.runs`, ``eval/FORMAT.md`` "Runs"): one
``<task>/<system>/`` folder per run with its ``manifest.json``. Every run must hold the
fixed-split evaluations and one per held-out document, each made from today's dataset (the
manifest's hashes are compared with the rows': a mismatch is refused, naming what changed),
and every prediction file must pass the checks of ``nkru eval`` against the gold of its
rows. Every problem is collected before anything is written; any problem is bad input
(exit 2).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nkru.tasks import Row, Task

from ...eval.api import Options, score
from ...eval.gold import gold_from_rows
from ...eval.problems import ERROR, ValidationFailed
from .entries import USER, Entry
from .fits import Hashes, plan
from .runs import MANIFEST, RUN_FORMAT, Run, read_predictions
from .systems import safe_name


class RunsError(ValueError):
    """Runs given with ``--runs`` that cannot be scored; ``problems`` lists every one."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


def _manifest(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        problems.append(f"{path}: cannot be read ({err.strerror})")
        return None
    except json.JSONDecodeError as err:
        problems.append(f"{path}:{err.lineno}: not JSON ({err.msg})")
        return None
    if not isinstance(manifest, dict):
        problems.append(f"{path}:1: not a JSON object")
        return None
    for key, kind in (("format", str), ("task", str), ("system", dict), ("evaluations", dict)):
        if not isinstance(manifest.get(key), kind):
            problems.append(f"{path}: {key}: missing or not a {kind.__name__}")
            return None
    if manifest["format"] != RUN_FORMAT:
        problems.append(f"{path}: format: {manifest['format']!r}, expected {RUN_FORMAT!r}")
        return None
    return manifest


def _changed(name: str, key: str) -> str:
    what = "training rows" if key == "train" else "input rows"
    return f"the {what} of {name} changed since the run was made (rebuild it on today's data)"


def _check_run(
    folder: Path, task: Task, rows: Mapping[str, list[Row]], lodo: bool, problems: list[str]
) -> Run | None:
    path = folder / MANIFEST
    manifest = _manifest(path, problems)
    if manifest is None:
        return None
    if manifest["task"] != task.name:
        problems.append(f"{path}: task: {manifest['task']!r}, but the folder is {task.name}/")
        return None
    system = manifest["system"]
    if system.get("name") != folder.name:
        problems.append(f"{path}: system.name: {system.get('name')!r}, the folder is {folder.name}")
        return None
    label_map = system.get("label_map")
    if label_map is not None and label_map not in task.label_maps:
        known = ", ".join(task.label_maps) or "none"
        problems.append(f"{path}: system.label_map: unknown {label_map!r} (the task has: {known})")
        return None
    run = Run(task.name, system, package=str(manifest.get("package", "")))
    hashes = Hashes(task)
    before = len(problems)
    for evaluation in plan(task, rows, lodo):
        record = manifest["evaluations"].get(evaluation.name)
        file = folder / evaluation.file
        if not isinstance(record, dict):
            problems.append(f"{path}: evaluations.{evaluation.name}: missing ({file} is needed)")
            continue
        expected = hashes.of(evaluation)
        for key, value in expected.items():
            if record.get(key) != value:
                problems.append(
                    f"{path}: evaluations.{evaluation.name}.{key}: sha256 "
                    f"{str(record.get(key))[:12]}… recorded, {value[:12]}… today: "
                    + _changed(evaluation.name, key)
                )
        gold = gold_from_rows(task, evaluation.rows)
        try:
            score(task, gold, file, Options(bootstrap=0, label_map=task.label_map(label_map)))
        except ValidationFailed as err:
            problems += [str(p) for p in err.problems if p.severity == ERROR]
            continue
        except FileNotFoundError:
            problems.append(f"{file}: missing (listed in {path})")
            continue
        run.records[evaluation.name] = record
        run.predictions[evaluation.name] = read_predictions(file) or []
    return run if len(problems) == before else None


def load_external(
    folder: Path,
    rows: Mapping[str, Mapping[str, list[Row]]],
    tasks: Mapping[str, Task],
    lodo: bool,
    taken: set[str],
) -> list[tuple[Entry, Run, Path]]:
    """Each run of ``folder`` as a user entry (named after its folder, ``-user`` appended
    while the name is ``taken``) with its run and folder; raises :class:`RunsError` listing
    every problem."""
    if not folder.is_dir():
        raise RunsError(f"--runs {folder}: not a folder", [])
    problems: list[str] = []
    found: list[tuple[Entry, Run, Path]] = []
    for task_dir in sorted(folder.iterdir()):
        if not task_dir.is_dir() or task_dir.name not in tasks:
            problems.append(
                f"{task_dir}: unknown layout: expected only task folders ({', '.join(tasks)}) "
                f"holding <system>/{MANIFEST}"
            )
            continue
        task = tasks[task_dir.name]
        for run_dir in sorted(task_dir.iterdir()):
            if not (run_dir / MANIFEST).is_file():
                problems.append(f"{run_dir}: unknown layout: no {MANIFEST}")
                continue
            run = _check_run(run_dir, task, rows[task.name], lodo, problems)
            if run is None:
                continue
            name = safe_name(run_dir.name)
            while f"{task.name}/{name}" in taken:
                name = f"{name}-user"
            taken.add(f"{task.name}/{name}")
            description = str(run.system.get("description") or f"runs from {folder}")
            entry = Entry(task, name, USER, description, run.system.get("label_map"))
            found.append((entry, run, run_dir))
    if not found and not problems:
        problems.append(f"{folder}: unknown layout: no <task>/<system>/{MANIFEST}")
    if problems:
        raise RunsError(f"--runs {folder}: {len(problems)} problem(s)", problems)
    return found

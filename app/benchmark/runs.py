"""Runs: a system's predictions for one task, on disk, with what they depend on.

A run folder holds one folder per task and system (``<task>/<system>/``) with a
``manifest.json`` and one JSON Lines prediction file per evaluation (the eval input format of
``eval/FORMAT.md``)::

    <task>/<system>/manifest.json
    <task>/<system>/test.jsonl                  fit on the train split, predict the test split
    <task>/<system>/validation.jsonl            the same fit, the validation split
    <task>/<system>/lodo/<doc>.jsonl            fit on every other document, predict <doc>
    <task>/<system>/curve/<doc>/<d1+d2>.jsonl   learning curve: fit on d1 and d2, predict <doc>

The manifest records the system (name, kind, version, settings), the package version and, per
evaluation, the sha256 of the training rows and of the input rows (:func:`digest`) and the
settings the fit chose. An evaluation is *current* when the system and package match and both
hashes are those of today's dataset; only the others are refitted.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from nkru.tasks import Row

RUN_FORMAT = "nkru-run/1"
MANIFEST = "manifest.json"
TRACEBACK = "traceback.txt"
FIXED = ("test", "validation")
FIXED_TRAIN = "train"


def package_version() -> str:
    """The installed nkru version (recorded in every manifest)."""
    try:
        return version("nkru")
    except PackageNotFoundError:
        return "unknown"


# ------------------------------------------------------------------------------------ hashes


def row_digest(row: Mapping[str, Any]) -> str:
    """sha256 of one row as canonical JSON (keys sorted, UTF-8, no spaces)."""
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """sha256 of rows in order: of their :func:`row_digest` values, one per line."""
    return combine(row_digest(row) for row in rows)


def combine(row_digests: Iterable[str]) -> str:
    """:func:`digest` of rows whose :func:`row_digest` values are given."""
    lines = "".join(d + "\n" for d in row_digests)
    return hashlib.sha256(lines.encode("ascii")).hexdigest()


# ------------------------------------------------------------------------------ evaluations


@dataclass(frozen=True)
class Evaluation:
    """One prediction file of a run: its name (its path without ``.jsonl``), the rows it is
    fitted on and the rows it predicts (whole rows; the system sees them stripped)."""

    name: str
    train: list[Row]
    rows: list[Row]
    documents: tuple[str, ...] = ()  # the training documents of a curve fit, else ()

    @property
    def file(self) -> str:
        return f"{self.name}.jsonl"

    @property
    def held(self) -> str | None:
        """The predicted document of a cross-document or curve evaluation."""
        parts = self.name.split("/")
        return parts[1] if parts[0] in ("lodo", "curve") else None


def lodo_name(document: str) -> str:
    return f"lodo/{document}"


def curve_name(held: str, documents: Sequence[str]) -> str:
    return f"curve/{held}/{'+'.join(documents)}"


# ------------------------------------------------------------------------------------- runs


@dataclass
class Run:
    """One system's predictions for one task: ``system`` (name, kind, version, settings,
    description, label_map), and per evaluation its record (hashes, chosen settings) and
    predictions."""

    task: str
    system: dict[str, Any]
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    predictions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    package: str = field(default_factory=package_version)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": RUN_FORMAT,
            "task": self.task,
            "system": self.system,
            "package": self.package,
            "evaluations": {name: self.records[name] for name in sorted(self.records)},
        }

    def current(self, name: str, expected: Mapping[str, str]) -> bool:
        """The evaluation is stored and was made from the rows ``expected`` hashes."""
        record = self.records.get(name)
        return (
            record is not None
            and name in self.predictions
            and all(record.get(key) == value for key, value in expected.items())
        )


def run_folder(root: Path, task: str, system: str) -> Path:
    return root / task / system


def write_jsonl(records: Iterable[Mapping[str, Any]], path: Path) -> Path:
    """Objects as UTF-8 JSON Lines (one per line, keys sorted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for obj in records:
            handle.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def write_run(run: Run, root: Path) -> Path:
    """The run as ``root/<task>/<system>/``: the folder is replaced, so no file of an
    earlier run is left beside it."""
    folder = run_folder(root, run.task, run.system["name"])
    shutil.rmtree(folder, ignore_errors=True)
    for name in sorted(run.records):
        write_jsonl(run.predictions[name], folder / f"{name}.jsonl")
    (folder / MANIFEST).write_text(
        json.dumps(run.manifest(), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return folder


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A run folder's manifest, or None when it has none or it is not a run manifest."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != RUN_FORMAT:
        return None
    return manifest


def read_predictions(path: Path) -> list[dict[str, Any]] | None:
    """A prediction file's objects, or None when it is missing or not JSON Lines of
    objects (such a stored evaluation is stale and refitted)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError):
        return None
    return records if all(isinstance(r, dict) for r in records) else None


def load_run(folder: Path, task: str, system: Mapping[str, Any]) -> Run | None:
    """The stored run of ``system`` (its identity must match: name, kind, version,
    settings; and the package version), with every evaluation whose file reads; None when
    there is none."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("task") != task:
        return None
    if manifest.get("system") != dict(system) or manifest.get("package") != package_version():
        return None
    run = Run(task, dict(system))
    for name, record in (manifest.get("evaluations") or {}).items():
        predictions = read_predictions(folder / f"{name}.jsonl")
        if predictions is not None and isinstance(record, dict):
            run.records[name] = record
            run.predictions[name] = predictions
    return run

"""Ground truth from the committed Label Studio exports (``annotation/exports/<doc_id>.json``).

A thin adapter over :mod:`nkru.annotation.exports` (which reads and checks the files) and
:mod:`nkru.annotation.convert`: the task's ``ground_truth: true`` annotation (chosen by
``convert.ground_truth_annotation``) is the document's ground truth. A task with no
ground-truth annotation is skipped with a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from nkru.records import Annotation
from nkru.rows import BuildError

from ...annotation import convert
from ...annotation.exports import ExportError, read_exports


class ExportFile(NamedTuple):
    """The Label Studio export a document's ground truth was read from."""

    name: str
    sha256: str
    other_annotations: int = 0  # annotations besides the ground truth (before adjudication)


def _read(
    exports_dir: Path, log: Callable[[str], None]
) -> tuple[dict[str, Annotation], dict[str, ExportFile]]:

    annotations: dict[str, Annotation] = {}
    files: dict[str, ExportFile] = {}
    if not exports_dir.is_dir():
        log(f"{exports_dir}: no exports folder")
        return annotations, files
    try:
        tasks = read_exports(exports_dir)
    except ExportError as err:
        raise BuildError(err.problems) from None
    problems: list[str] = []
    for doc_id, task in tasks.items():
        path = exports_dir / f"{doc_id}.json"
        kept = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        starred = [a for a in kept if a.get("ground_truth")]
        files[doc_id] = ExportFile(
            path.name,
            hashlib.sha256(path.read_bytes()).hexdigest(),
            len(kept) - len(starred),
        )
        if not starred:
            who = len(task.get("annotations") or [])
            log(
                f"document {doc_id}: {path.name} has {who} annotation(s) but none is marked "
                "ground_truth, skipped"
            )
            continue
        try:
            annotations[doc_id] = convert.ground_truth_annotation(task)
        except (convert.ConvertError, KeyError, TypeError) as err:
            problems.append(f"{path}: {err}")
    if problems:
        raise BuildError(problems)
    return annotations, files


def load_ground_truth(
    exports_dir: Path, log: Callable[[str], None] | None = None
) -> dict[str, Annotation]:
    """Document id -> ground-truth annotation, from every ``*.json`` export in ``exports_dir``.

    Exports without a ``ground_truth`` annotation are skipped (reported through ``log``);
    unreadable or inconsistent exports raise :class:`BuildError`.
    """
    return _read(Path(exports_dir), log or (lambda message: None))[0]


def export_files(exports_dir: Path) -> dict[str, ExportFile]:
    """Document id -> (file name, sha256) of every export, with or without a ground truth."""
    return _read(Path(exports_dir), lambda message: None)[1]

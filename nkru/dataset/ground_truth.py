"""Ground truth from the committed Label Studio exports (``annotation/exports/<doc_id>.json``).

A thin adapter over :mod:`nkru.annotation.convert`: each export is a JSON list with one task;
the task's ``ground_truth: true`` annotation (chosen by ``convert.ground_truth_annotation``) is
the document's ground truth. A task with no ground-truth annotation is skipped with a message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nkru.corpus import CorpusError, get_document
from nkru.dataset.build import ExportFile
from nkru.dataset.examples import BuildError
from nkru.records import Annotation


def _tasks(path: Path) -> list[dict[str, Any]]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BuildError([f"{path}: not a readable JSON export ({err})"]) from None
    if not isinstance(tasks, list) or len(tasks) != 1 or not isinstance(tasks[0], dict):
        raise BuildError([f"{path}: expected a Label Studio export holding exactly one task"])
    return tasks


def _read(
    exports_dir: Path, log: Callable[[str], None]
) -> tuple[dict[str, Annotation], dict[str, ExportFile]]:
    from nkru.annotation import convert

    annotations: dict[str, Annotation] = {}
    files: dict[str, ExportFile] = {}
    problems: list[str] = []
    if not exports_dir.is_dir():
        log(f"{exports_dir}: no exports folder")
        return annotations, files
    for path in sorted(exports_dir.glob("*.json")):
        try:
            (task,) = _tasks(path)
            doc_id = convert.task_document_id(task)
            if doc_id in files:
                raise BuildError([f"{path}: document {doc_id} is also in {files[doc_id].name}"])
            document = get_document(doc_id)
            if (task.get("data") or {}).get("text") != document.text:
                raise BuildError(
                    [f"{path}: the task text is not the verbatim text of document {doc_id}"]
                )
            files[doc_id] = ExportFile(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
            starred = [
                a
                for a in task.get("annotations") or []
                if a.get("ground_truth") and not a.get("was_cancelled")
            ]
            if not starred:
                who = len(task.get("annotations") or [])
                log(
                    f"document {doc_id}: {path.name} has {who} annotation(s) but none is marked "
                    "ground_truth, skipped"
                )
                continue
            annotations[doc_id] = convert.ground_truth_annotation(task)
        except BuildError as err:
            problems.extend(err.problems)
        except (convert.ConvertError, CorpusError, KeyError, TypeError) as err:
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

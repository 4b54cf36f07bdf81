"""The committed Label Studio exports (``annotation/exports/<doc_id>.json``): one reader with
every check, used by the studio commands, the agreement report and the dataset build."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nkru.corpus import CorpusError, get_document
from nkru.errors import NkruError

from . import convert


class ExportError(NkruError, ValueError):
    """Export files that cannot be used; ``problems`` name each file and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_export(path: Path) -> dict[str, Any]:
    """The one task of an export file: readable JSON, a list holding exactly one task, named
    after its document, whose text is the verbatim text of that document."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ExportError([f"{path}: not a readable JSON export ({err})"]) from None
    if (
        not isinstance(tasks, list)
        or len(tasks) != 1
        or not isinstance(tasks[0], dict)
        or not isinstance(tasks[0].get("data"), dict)
    ):
        raise ExportError([f"{path}: expected a Label Studio export holding exactly one task"])
    task = tasks[0]
    try:
        doc_id = convert.task_document_id(task)
        text = get_document(doc_id).text
    except (convert.ConvertError, CorpusError) as err:
        raise ExportError([f"{path}: {err}"]) from None
    if path.stem != doc_id:
        raise ExportError([f"{path}: holds document {doc_id}, expected {path.stem}"])
    if task["data"].get("text") != text:
        raise ExportError([f"{path}: the task text is not the verbatim text of document {doc_id}"])
    return task


def read_exports(exports_dir: Path) -> dict[str, dict[str, Any]]:
    """Document id -> task of every ``*.json`` in ``exports_dir`` (none if it does not exist);
    raises ``ExportError`` listing the problems of every bad file."""
    tasks: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for path in sorted(Path(exports_dir).glob("*.json")):
        try:
            tasks[path.stem] = read_export(path)
        except ExportError as err:
            problems.extend(err.problems)
    if problems:
        raise ExportError(problems)
    return tasks


def merge_exports(folders: list[Path]) -> dict[str, dict[str, Any]]:
    """Document id -> one task holding the annotations of every folder's export of that
    document (the first folder's task data; an annotation found twice is kept once). How the
    annotations of a blind second annotation, made in another project, join the first one's
    for adjudication and agreement."""
    merged: dict[str, dict[str, Any]] = {}
    for folder in folders:
        for doc_id, task in read_exports(folder).items():
            if doc_id not in merged:
                merged[doc_id] = {**task, "annotations": list(task.get("annotations") or [])}
                continue
            known = merged[doc_id]["annotations"]
            for annotation in task.get("annotations") or []:
                if annotation not in known:
                    known.append(annotation)
    return merged

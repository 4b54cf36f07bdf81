"""The one reader of the committed Label Studio exports: every bad file named with its problem,
through the API and the commands that read exports (no traceback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.annotation.exports import ExportError, read_export, read_exports
from nkru.app.cli import app
from nkru.paths import exports_dir

EXPORT = exports_dir() / "002.json"


def _task() -> dict:
    (task,) = json.loads(EXPORT.read_text(encoding="utf-8"))
    return task


def _bad(name: str) -> tuple[str, str]:
    """File name and content of a broken export, by kind."""
    task = _task()
    if name == "bad_json":
        return "002.json", "[{"
    if name == "not_a_list":
        return "002.json", json.dumps(task)
    if name == "two_tasks":
        return "002.json", json.dumps([task, task])
    if name == "data_not_object":
        return "002.json", json.dumps([{**task, "data": ["x"]}])
    if name == "no_document_id":
        return "002.json", json.dumps([{**task, "data": {"text": task["data"]["text"]}}])
    if name == "unknown_document":
        return "999.json", json.dumps([{**task, "data": {**task["data"], "document_id": "999"}}])
    if name == "wrong_file_name":
        return "003.json", json.dumps([task])
    if name == "text_changed":
        return "002.json", json.dumps([{**task, "data": {**task["data"], "text": "autre"}}])
    raise AssertionError(name)


PROBLEMS = {
    "bad_json": "not a readable JSON export",
    "not_a_list": "expected a Label Studio export holding exactly one task",
    "two_tasks": "expected a Label Studio export holding exactly one task",
    "data_not_object": "expected a Label Studio export holding exactly one task",
    "no_document_id": "has no data.document_id",
    "unknown_document": "unknown document id '999'",
    "wrong_file_name": "holds document 002, expected 003",
    "text_changed": "the task text is not the verbatim text of document 002",
}


def test_committed_exports_read() -> None:
    tasks = read_exports(exports_dir())
    assert set(tasks) >= {"002", "004"}
    assert read_export(EXPORT) == tasks["002"]


@pytest.mark.parametrize("kind", sorted(PROBLEMS))
def test_each_bad_export_is_named_with_its_problem(tmp_path: Path, kind: str) -> None:
    name, content = _bad(kind)
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ExportError) as info:
        read_exports(tmp_path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{tmp_path / name}: ") and PROBLEMS[kind] in problem


def test_every_bad_file_is_listed_and_commands_exit_cleanly(tmp_path: Path) -> None:
    shutil.copy(exports_dir() / "004.json", tmp_path / "004.json")
    for kind in ("bad_json", "wrong_file_name"):
        name, content = _bad(kind)
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ExportError) as info:
        read_exports(tmp_path)
    assert len(info.value.problems) == 2
    for command in (
        ["stats", "--exports", str(tmp_path)],
        ["build", "--exports", str(tmp_path), "--out", str(tmp_path / "out")],
    ):
        result = CliRunner().invoke(app, command)
        assert result.exit_code != 0 and "Traceback" not in result.output, result.output
        assert "not a readable JSON export" in result.output, (command, result.output)
        assert "holds document 002, expected 003" in result.output, (command, result.output)

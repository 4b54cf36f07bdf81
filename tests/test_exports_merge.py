"""Annotations of one document from several export folders join one task (the blind second
annotation, pulled from its own project, meets the first for adjudication)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nkru.annotation import exports
from nkru.paths import exports_dir


def test_annotations_of_two_folders_join_one_task(tmp_path: Path) -> None:
    committed = exports.read_exports(exports_dir())
    doc_id, task = next((d, t) for d, t in committed.items() if len(t["annotations"]) >= 2)
    first, *others = task["annotations"]
    for name, part in (("a", [first]), ("b", others)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{doc_id}.json").write_text(
            json.dumps([{**task, "annotations": part}], ensure_ascii=False),
            encoding="utf-8",
        )
    merged = exports.merge_exports([tmp_path / "a", tmp_path / "b", tmp_path / "a"])
    assert list(merged) == [doc_id]
    assert merged[doc_id]["annotations"] == [first, *others]
    assert merged[doc_id]["data"] == task["data"]
    # a folder without exports adds nothing; a bad export is still refused by name
    assert exports.merge_exports([tmp_path / "none"]) == {}
    (tmp_path / "b" / f"{doc_id}.json").write_text("[]", encoding="utf-8")
    with pytest.raises(exports.ExportError, match=f"b/{doc_id}.json"):
        exports.merge_exports([tmp_path / "a", tmp_path / "b"])

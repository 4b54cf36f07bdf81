"""The order in which a pair's worksheets entered the git history (nkru agreement): the first
commit adding each file decides; files added together, or outside any history, are reported as
not checkable; the committed agreement report shows the order for every pre-adjudication pair."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from nkru.annotation.history import first_commit, pair_order
from nkru.paths import project_root


def git(repo: Path, *args: str, date: str = "2026-01-01T10:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def commit(repo: Path, names: list[str], date: str) -> str:
    for name in names:
        (repo / name).write_text(f"document: '005'\nannotator: {name}\n", encoding="utf-8")
    git(repo, "add", *names)
    git(repo, "commit", "-q", "-m", f"add {names}", date=date)
    return git(repo, "rev-parse", "HEAD")


def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


def test_the_first_commit_of_each_file_decides_the_order(tmp_path: Path) -> None:
    folder = repo(tmp_path)
    blind = commit(folder, ["005.b.yaml"], "2026-01-01T10:00:00+00:00")
    other = commit(folder, ["005.a.yaml"], "2026-01-01T12:00:00+01:00")  # an hour later
    (folder / "005.b.yaml").write_text("edited\n", encoding="utf-8")
    git(folder, "commit", "-q", "-am", "edit", date="2026-01-02T10:00:00+00:00")
    assert first_commit(folder / "005.b.yaml").commit == blind  # the edit does not count
    order = pair_order(folder, "005", "a", "b", shown=folder)
    assert order["checked"] and order["first"] == "b"
    assert [w["commit"] for w in order["worksheets"]] == [other[:7], blind[:7]]
    assert order["worksheets"][0]["worksheet"] == "005.a.yaml"


def test_files_added_together_cannot_be_ordered(tmp_path: Path) -> None:
    folder = repo(tmp_path)
    both = commit(folder, ["005.a.yaml", "005.b.yaml"], "2026-01-01T10:00:00+00:00")
    order = pair_order(folder, "005", "a", "b")
    assert not order["checked"]
    assert order["reason"] == f"both worksheets were added by commit {both[:7]}"


def test_a_file_outside_the_history_is_reported(tmp_path: Path) -> None:
    folder = repo(tmp_path)
    commit(folder, ["005.a.yaml"], "2026-01-01T10:00:00+00:00")
    (folder / "005.b.yaml").write_text("not committed\n", encoding="utf-8")
    order = pair_order(folder, "005", "a", "b", shown=folder)
    assert not order["checked"] and "005.b.yaml is not in the repository history" in order["reason"]
    assert first_commit(tmp_path / "005.b.yaml") is None


def test_the_committed_report_shows_the_order_of_every_pre_adjudication_pair() -> None:
    root = project_root()
    report = json.loads((root / "annotation" / "agreement.json").read_text(encoding="utf-8"))
    markdown = (root / "annotation" / "agreement.md").read_text(encoding="utf-8")
    pairs = [p for p in report["pairs"] if not p["adjudicated"]]
    assert pairs
    for pair in pairs:
        expected = pair_order(
            root / "annotation" / "worksheets", pair["document_id"], *pair["annotators"]
        )
        assert pair["history"]["checked"] == expected["checked"]
        for sheet in pair["history"]["worksheets"]:
            assert f"`{sheet['worksheet']}` {sheet['commit']}" in markdown

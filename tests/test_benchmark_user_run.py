"""A user's ``nkru benchmark --system``: on a project copy whose baselines' runs are committed,
it fits the user's system only and leaves the repository alone (in a file of its own, apart
from test_benchmark.py's shared run, so that a second worker can run it meanwhile). The
command runs in this process (test_benchmark.py runs it in a fresh one)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_benchmark import CHEATER, EXAMPLE, README, REPO, make_project
from typer.testing import CliRunner, Result

from nkru.app.cli import app
from nkru.baselines.registry import systems

pytestmark = pytest.mark.slow  # three benchmark commands on a project copy


def nkru_benchmark(root: Path, *args: str) -> Result:
    """`nkru benchmark ARGS` in the project copy at ``root`` (its folder and $NKRU_ROOT)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        mp.chdir(root)
        return CliRunner().invoke(app, ["benchmark", *args])


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def test_a_users_run_fits_only_its_system_and_leaves_the_repository_alone(
    tmp_path: Path,
) -> None:
    """With the baselines' runs committed, `nkru benchmark --system ...` fits the user's
    system only and scores it beside the stored runs; it writes its leaderboard, report and
    runs to results/user/<system>/, so git status stays clean, and a second user's run goes
    to its own folder while the first stays. --bootstrap 0 (no intervals) makes a report."""
    root = tmp_path / "project"
    make_project(root)
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    (root / "README.md").write_text(README, encoding="utf-8")
    quick = ("--task", "ner", "--skip-lodo", "--bootstrap", "0")
    stored = sorted((root / "results" / "runs" / "ner").iterdir())
    assert [p.name for p in stored] == sorted(_ner_systems())
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    done = nkru_benchmark(root, "--system", EXAMPLE, *quick)
    assert done.exit_code == 0, done.output[-3000:]
    assert "runs: 1 refitted" in done.stdout and "fit, predict (1 fits" in done.stdout
    done = nkru_benchmark(root, "--system", CHEATER, *quick)
    assert done.exit_code == 0, done.output[-3000:]
    assert _git(root, "status", "--porcelain") == ""
    first = root / "results" / "user" / "capitalised"
    board = json.loads((first / "leaderboard.json").read_text(encoding="utf-8"))
    names = [row["name"] for row in board["tasks"]["ner"]["systems"]]
    assert names == [*_ner_systems(), "capitalised"]
    assert (first / "report.html").is_file()
    splits = [s for s in ("test", "validation") if board["dataset"]["splits"].get(s)]
    run = first / "runs" / "ner" / "capitalised"
    assert sorted(p.name for p in run.iterdir()) == sorted(
        ["manifest.json", *(f"{s}.jsonl" for s in splits)]
    )
    assert [p.name for p in (first / "runs" / "ner").iterdir()] == ["capitalised"]
    assert (root / "results" / "user" / "cheater" / "runs" / "ner" / "cheater").is_dir()
    assert (root / "README.md").read_text(encoding="utf-8") == README


def _ner_systems() -> list[str]:
    return list(systems("ner"))

"""The README's first-contact instructions work as written (on the committed data/)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
NKRU = Path(sys.executable).with_name("nkru")


def section(title: str) -> str:
    """The text of a ``## title`` section."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_quickstart_says_how_to_run_nkru_afterwards() -> None:
    quickstart = section("Quickstart")
    assert "`.venv/bin/nkru" in quickstart and "`source .venv/bin/activate`" in quickstart
    assert NKRU.parent.name == "bin" and NKRU.is_file(), "tests run inside the environment"
    done = subprocess.run([NKRU, "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "eval" in done.stdout


@pytest.mark.slow  # the README's commands in a shell
def test_scoring_commands_run_as_written(tmp_path: Path) -> None:
    """The prediction file the README writes from the shipped test split scores 1.0 with the
    README's command, and the sample scores against itself (the sample ids are not in the
    dataset: `--split test` on a sample is the mistake the README steers away from)."""
    text = section("Score a model")
    (script,) = [b for b in code_blocks(text, "python") if "gold_as_predictions.jsonl" in b]
    (commands,) = code_blocks(text, "bash")
    for name in ("data", "eval"):  # the README's paths, relative to a clone
        (tmp_path / name).symlink_to(REPO / name)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runnable = [
        line.split("#", 1)[0].split()
        for line in commands.splitlines()
        if "eval/samples/" in line or "gold_as_predictions.jsonl" in line
    ]
    assert len(runnable) == 2, commands
    for argv in runnable:
        assert argv[0] == "nkru"
        done = subprocess.run(
            [NKRU, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, shlex.join(argv) + "\n" + done.stdout + done.stderr
        assert "strict_micro_f1 = 1.0000" in done.stdout, done.stdout
        assert done.stderr == "", done.stderr


def test_quickstart_says_the_test_script_installs_system_packages_as_root() -> None:
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    quickstart = section("Quickstart")
    assert "apt-get install" in script and 'id -u)" = 0' in script
    assert "`apt-get install`" in quickstart and "root" in quickstart


def test_leaderboard_section_names_every_benchmark_output() -> None:
    """Every file the committed benchmark run wrote into results/, the learning curve of
    leaderboard.json and the option that makes it quicker are in the README."""
    text = section("Leaderboard")
    for path in sorted((REPO / "results").iterdir()):
        if path.is_file():
            assert f"`results/{path.name}`" in text, path.name
    board = json.loads((REPO / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    assert "learning_curve" in board and "`learning_curve`" in text
    assert "--curve-subsets" in text


def test_compare_section_says_p_value_and_interval_can_disagree_both_ways() -> None:
    text = " ".join(section("Score a model").split())
    assert "p-value can be smaller than the interval suggests" in text
    assert "or larger (an interval clear of zero" in text

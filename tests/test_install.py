"""The light install: `pip install nkru` (no extras) in a fresh virtual environment scores a
prediction file with `nkru eval` and the Python API, without spaCy, scikit-learn, matplotlib or
the Label Studio SDK; a command that needs an extra says which."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a fresh virtual environment

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "eval" / "samples"
HEAVY = ("spacy", "sklearn", "matplotlib", "label_studio_sdk", "datasets")


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with `pip install nkru` from this checkout (pinned versions)."""
    venv = tmp_path_factory.mktemp("light") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    done = subprocess.run(
        [*pip, "-c", str(REPO / "constraints.txt"), str(REPO)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def test_nkru_eval_scores_a_file_without_the_extras(light: Path, tmp_path: Path) -> None:
    python = str(light / "bin" / "python")
    missing = subprocess.run(
        [
            python,
            "-c",
            f"import importlib.util as u; print([m for m in {HEAVY!r} if u.find_spec(m)])",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert missing.stdout.strip() == "[]"  # none of them is installed
    sample = SAMPLES / "ner.jsonl"
    out = tmp_path / "report.json"
    done = subprocess.run(
        [
            str(light / "bin" / "nkru"),
            "eval",
            "ner",
            str(sample),
            "--gold",
            str(sample),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["headline"]["value"] == 1.0
    code = (
        "import sys; from nkru.eval import score, compare, load_gold, Options\n"
        f"gold = load_gold('ner', __import__('pathlib').Path({str(sample)!r}))\n"
        "r = score('ner', gold, [{'id': e.id, 'entities': []} for e in gold.examples])\n"
        f"print(r.headline.value, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    api = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert api.returncode == 0, api.stderr
    assert api.stdout.split() == ["0.0", "[]"]


def test_a_command_that_needs_an_extra_says_which(light: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(light / "bin" / "nkru"), "benchmark"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'nkru[baselines,report]'" in done.stderr
    assert (
        subprocess.run([str(light / "bin" / "nkru"), "--help"], capture_output=True).returncode == 0
    )


def test_the_core_imports_and_validate_names_its_extra(light: Path, tmp_path: Path) -> None:
    """Without spaCy, the core modules and the annotation validator import; `nkru validate`
    (which segments the texts with spaCy) says which extra it needs, without a traceback."""
    core = sorted(p.stem for p in (REPO / "nkru").glob("*.py") if p.stem != "__init__")
    names = [f"nkru.{m}" for m in core] + ["nkru.eval", "nkru.annotation.validate"]
    code = f"import importlib\nfor name in {names!r}:\n    importlib.import_module(name)\n"
    python = str(light / "bin" / "python")
    imported = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    done = subprocess.run(
        [str(light / "bin" / "nkru"), "validate", str(REPO / "annotation" / "exports")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "pip install 'nkru[baselines]'" in done.stderr

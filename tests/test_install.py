"""The light install: `pip install nkru` (no extras, not editable) in a fresh virtual
environment scores a prediction file with `nkru eval` and the Python API, without spaCy,
scikit-learn, matplotlib or the Label Studio SDK, and scores the published splits from any
folder with the dataset the wheel ships; a command that needs an extra says which."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nkru.app.dataset.publish import upload_files
from nkru.eval.gold import gold_from_rows, read_split
from nkru.paths import data_dir
from nkru.tasks import TASKS

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "eval" / "samples"
HEAVY = ("spacy", "sklearn", "matplotlib", "label_studio_sdk", "datasets")


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with `pip install nkru` from this checkout (pinned versions)."""
    venv = tmp_path_factory.mktemp("light") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # --no-compile: no bytecode for every module of numpy, scipy and pyarrow up front (about
    # 11 s of CPU); a command compiles what it imports
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile"]
    done = subprocess.run(
        [*pip, "-c", str(REPO / "constraints.txt"), str(REPO)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def outside_a_clone() -> dict[str, str]:
    """The environment of a command run outside any clone (no $NKRU_ROOT)."""
    return {k: v for k, v in os.environ.items() if k != "NKRU_ROOT"}


def test_the_wheel_ships_the_built_dataset_as_published(light: Path, tmp_path: Path) -> None:
    """The installed package holds exactly the files `nkru publish` uploads from data/, with
    the same bytes."""
    where = subprocess.run(
        [str(light / "bin" / "python"), "-c", "import nkru.paths as p; print(p.SHIPPED_DATA)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    shipped = Path(where.stdout.strip())
    published = upload_files(data_dir())
    assert sorted(p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()) == (
        sorted(published)
    )
    for name in published:
        assert (shipped / name).read_bytes() == (data_dir() / name).read_bytes(), name


@pytest.mark.parametrize("task", list(TASKS))
def test_the_scoring_install_scores_the_test_split_from_an_empty_folder(
    light: Path, tmp_path: Path, task: str
) -> None:
    """`nkru eval TASK FILE --split test` outside a clone: the test split's own records given
    back as predictions score the maximum."""
    records = gold_from_rows(task, read_split(TASKS[task], "test", data_dir()))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "report.json"
    command = ["eval", task, str(predictions), "--split", "test", "--bootstrap", "0"]
    done = subprocess.run(
        [str(light / "bin" / "nkru"), *command, "--output", str(out)],
        capture_output=True,
        text=True,
        cwd=empty,
        env=outside_a_clone(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["headline"]["value"] == 1.0
    assert report["examples"]["gold"] == len(records)


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


EXTRA_COMMANDS = [
    (["benchmark"], "baselines,report"),
    (["build"], "baselines"),
    (["publish", "--repo-id", "someone/nkru", "--dry-run"], "baselines"),
    (["corpus"], "baselines"),
    (["corpus", "add", "{page}"], "studio"),
    (["review", "000"], "baselines"),
    (["agreement"], "baselines"),
    (["worksheets", "check"], "baselines"),
    (["studio", "serve", "--data-dir", "{tmp}"], "studio"),
    (["studio", "push", "--data-dir", "{tmp}"], "studio"),
    (["studio", "pull", "--data-dir", "{tmp}"], "studio"),
    (["studio", "backend"], "studio"),
]


@pytest.mark.parametrize(("args", "extra"), EXTRA_COMMANDS, ids=lambda a: " ".join(a))
def test_a_command_that_needs_an_extra_says_which(
    light: Path, tmp_path: Path, args: list[str], extra: str
) -> None:
    """In a clone, without the extra: one line naming `nkru[EXTRA]`, exit 2, no traceback."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Un article.</p></body></html>", encoding="utf-8")
    command = [a.format(page=page, tmp=tmp_path / "ls") for a in args]
    env = {**os.environ, "NKRU_ROOT": str(REPO), "NKRU_LS_TOKEN": "a-test-token"}
    done = subprocess.run(
        [str(light / "bin" / "nkru"), *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"pip install 'nkru[{extra}]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_help_needs_no_extra(light: Path) -> None:
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

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


COMMANDS = """
import contextlib, io, json, sys, traceback
from nkru.app.cli import app
done = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app(args, prog_name="nkru")
            code = 0
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
            code = None
    done.append({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(done))
"""
"""Runs `nkru ARGS` (the console script's app) for each ARGS in one process of the light
install: a command's exit code and output, and any exception's traceback in its stderr."""


def nkru_commands(
    light: Path, commands: list[list[str]], cwd: Path, env: dict[str, str]
) -> list[dict]:
    """Exit code, stdout and stderr of each `nkru ARGS`, in one process of the light venv
    (one interpreter start-up for all: they were 19 processes)."""
    done = subprocess.run(
        [str(light / "bin" / "python"), "-c", COMMANDS, json.dumps(commands)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == len(commands)
    return results


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


@pytest.fixture(scope="module")
def evaluated(light: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """`nkru eval TASK FILE --split test` for every task, outside a clone, from an empty
    folder: each test split's own records given back as predictions."""
    base = tmp_path_factory.mktemp("evaluated")
    (base / "empty").mkdir()
    commands, gold = [], {}
    for task in TASKS:
        records = gold_from_rows(task, read_split(TASKS[task], "test", data_dir()))
        gold[task] = len(records)
        predictions = base / f"{task}.jsonl"
        predictions.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        output = ["--output", str(base / f"{task}.json")]
        commands.append(["eval", task, str(predictions), "--split", "test", "--bootstrap", "0"])
        commands[-1] += output
    results = nkru_commands(light, commands, base / "empty", outside_a_clone())
    return {
        task: {**result, "gold": gold[task], "report": base / f"{task}.json"}
        for task, result in zip(TASKS, results, strict=True)
    }


@pytest.mark.parametrize("task", list(TASKS))
def test_the_scoring_install_scores_the_test_split_from_an_empty_folder(
    evaluated: dict[str, dict], task: str
) -> None:
    """`nkru eval TASK FILE --split test` outside a clone: the test split's own records given
    back as predictions score the maximum."""
    result = evaluated[task]
    assert result["code"] == 0, result["stdout"] + result["stderr"]
    report = json.loads(result["report"].read_text(encoding="utf-8"))
    assert report["headline"]["value"] == 1.0
    assert report["examples"]["gold"] == result["gold"]


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


@pytest.fixture(scope="module")
def refused(light: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Each command of :data:`EXTRA_COMMANDS` in a clone, without its extra."""
    tmp = tmp_path_factory.mktemp("extras")
    page = tmp / "page.html"
    page.write_text("<html><body><p>Un article.</p></body></html>", encoding="utf-8")
    commands = [[a.format(page=page, tmp=tmp / "ls") for a in args] for args, _ in EXTRA_COMMANDS]
    env = {**os.environ, "NKRU_ROOT": str(REPO), "NKRU_LS_TOKEN": "a-test-token"}
    return nkru_commands(light, commands, tmp, env)


@pytest.mark.parametrize(
    ("args", "extra"), EXTRA_COMMANDS, ids=[" ".join(a) for a, _ in EXTRA_COMMANDS]
)
def test_a_command_that_needs_an_extra_says_which(
    refused: list[dict], args: list[str], extra: str
) -> None:
    """In a clone, without the extra: one line naming `nkru[EXTRA]`, exit 2, no traceback."""
    done = refused[EXTRA_COMMANDS.index((args, extra))]
    assert done["code"] == 2 and "Traceback" not in done["stderr"], done["stderr"]
    assert f"pip install 'nkru[{extra}]'" in done["stderr"]
    assert len(done["stderr"].strip().splitlines()) == 1, done["stderr"]


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

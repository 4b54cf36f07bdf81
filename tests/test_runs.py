"""Runs on disk: reused when current, refitted when stale, isolated fits, runs from elsewhere.

A project copy (as in test_benchmark) is benchmarked once on two tasks; its ``results/runs/``
then plays the committed runs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from test_benchmark import REPO, make_project, run_predictions
from typer.testing import CliRunner

from nkru.app.benchmark.entries import REFERENCE, USER, Entry
from nkru.app.benchmark.fits import Policy, refresh
from nkru.app.benchmark.isolation import Fit, run_fit
from nkru.app.benchmark.pipeline import Progress, Settings, load_rows, run_benchmark, stored_runs
from nkru.app.benchmark.systems import builtin_systems, user_entries
from nkru.app.cli import app
from nkru.tasks import TASKS, strip_rows

TASK_NAMES = ("stance", "certainty")
CHEATS = REPO / "tests" / "cheating_system.py"

pytestmark = pytest.mark.slow  # benchmark runs and isolated fits on a project copy


class Recorder(Progress):
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.stages: list[str] = []

    def log(self, message: str) -> None:
        self.messages.append(message)

    def stage(self, name: str, total: int):
        self.stages.append(name)
        return super().stage(name, total)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        tasks = tuple(TASKS[t] for t in TASK_NAMES)
        run_benchmark(Settings(tasks=tasks, bootstrap=0, workers=2))
        yield root, tasks


def _settings(root: Path, tasks, **fields) -> Settings:
    return Settings(output=root / "results", tasks=tasks, bootstrap=0, **fields)


def test_current_runs_are_reused_and_a_stale_one_is_refitted(project) -> None:
    root, tasks = project
    runs = root / "results" / "runs"
    before = _tree(runs)
    progress = Recorder()
    run_benchmark(_settings(root, tasks), progress=progress)
    assert any(m.startswith("runs: 0 refitted, 6 current") for m in progress.messages)
    assert progress.stages == ["score", "report"]  # nothing fitted
    assert _tree(runs) == before
    manifest = runs / "stance" / "majority" / "manifest.json"
    edited = json.loads(manifest.read_text(encoding="utf-8"))
    edited["evaluations"]["lodo/000"]["train"] = "0" * 64
    manifest.write_text(json.dumps(edited), encoding="utf-8")
    progress = Recorder()
    run_benchmark(_settings(root, tasks), progress=progress)
    assert any(m.startswith("runs: 1 refitted, 5 current") for m in progress.messages)
    assert progress.stages[0].startswith("fit, predict (1 fits")
    assert _tree(runs) == before  # the refit gives the same predictions


def test_a_bare_refit_keeps_an_expensive_systems_current_runs(project) -> None:
    root, tasks = project
    entry = next(e for e in builtin_systems(tasks[:1]) if e.kind == REFERENCE)
    expensive = replace(entry, expensive=True)
    rows = load_rows(root / "data", tasks[:1])
    stored = {k: run for k, (run, _) in stored_runs([expensive], _settings(root, tasks)).items()}
    progress = Recorder()
    state = refresh([expensive], stored, rows, Policy(refit=True, workers=1), progress)
    assert not state.changed and progress.stages == []
    assert "--refit-expensive" in " ".join(progress.messages)
    policy = Policy(refit=True, refit_expensive=True, workers=1)
    state = refresh([expensive], stored, rows, policy, Recorder())
    assert state.changed == {expensive.key}


def test_the_cheats_find_the_answers_when_nothing_isolates_them() -> None:
    """In one process that holds whole rows and earlier folds, each cheat scores 1.0."""
    import cheating_system as cheats
    from test_baselines import DOCS, split

    for make, task in [
        (cheats.make_memory, "stance"),
        (cheats.make_frames, "stance"),
        (cheats.make_referrers, "ner"),
    ]:
        rows = split(task, tuple(DOCS))
        system = make(task)
        system.fit(rows)  # an earlier fold trained on every row
        stripped = strip_rows(TASKS[task], rows)
        predictions = system.predict(stripped)
        assert system.copied == len(rows), (make.__name__, task)
        assert len(predictions) == len(rows)


def test_isolated_cheats_predict_exactly_what_their_floor_predicts(project, tmp_path: Path) -> None:
    """Each fit in its own process, with copies of its own rows: the memory, frame and
    garbage-collector cheats find no answer in any fold, so each prediction file of theirs is
    the floor's stored one (and they score no better)."""
    root, tasks = project
    users: list[Entry] = []
    for factory in ("make_memory", "make_frames", "make_referrers"):
        users += user_entries(f"{CHEATS}:{factory}", [e.key for e in users], tasks)
    settings = Settings(
        output=tmp_path / "out", tasks=tasks, bootstrap=0, stored=(root / "results" / "runs",)
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        board = run_benchmark(settings, users, Recorder())
    for task in TASK_NAMES:
        rows = {row["name"]: row for row in board["tasks"][task]["systems"]}
        floor = TASKS[task].floor
        stored = run_predictions(root / "results" / "runs" / task / floor)
        for name in ("cheat-memory", "cheat-frames", "cheat-referrers"):
            assert rows[name]["error"] is None, rows[name]
            for score in ("pooled", "test", "validation"):
                assert rows[name][score]["value"] <= rows[floor][score]["value"], (task, name)
            ran = run_predictions(tmp_path / "out" / "runs" / task / name)
            assert len(ran) >= 3 and ran == stored, (task, name)
    # only the cheats were fitted: the stored baselines' runs were scored as they are
    assert sorted(p.name for p in (tmp_path / "out" / "runs" / "stance").iterdir()) == [
        "cheat-frames",
        "cheat-memory",
        "cheat-referrers",
    ]


BROKEN = """
class Broken:
    name = "broken"

    def fit(self, rows):
        raise ValueError("no luck")

    def predict(self, rows):
        return []


class Strings:
    name = "strings"

    def predict(self, rows):
        return [row["id"] for row in rows]


def broken(task):
    return Broken() if task == "stance" else None


def strings(task):
    return Strings() if task == "stance" else None
"""


def test_a_failing_system_is_named_with_its_fold_and_line(project, tmp_path: Path) -> None:
    root, _ = project
    path = tmp_path / "mine.py"
    path.write_text(BROKEN, encoding="utf-8")
    rows = strip_rows(
        TASKS["stance"], load_rows(root / "data", [TASKS["stance"]])["stance"]["test"]
    )
    failed = run_fit(Fit("stance", "broken", f"{path}:broken", [], {"lodo/002": rows}))
    assert failed.error == "stance/broken (lodo/002): ValueError: no luck at mine.py:6"
    assert "Traceback" in (failed.traceback or "")
    wrong = run_fit(Fit("stance", "strings", f"{path}:strings", [], {"test": rows}))
    assert "predict must return one dict per row" in (wrong.error or "")
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        before = _tree(root / "results" / "runs")
        args = ["benchmark", "--system", f"{path}:broken", "--task", "stance", "--skip-lodo"]
        result = runner.invoke(app, [*args, "--bootstrap", "0", "--traceback"])
    assert result.exit_code == 1, result.output
    assert "stance/broken (test, validation): ValueError: no luck at mine.py:6" in result.output
    assert "Traceback (most recent call last)" in result.output
    trace = root / "results" / "user" / "broken" / "runs" / "stance" / "broken" / "traceback.txt"
    assert 'raise ValueError("no luck")' in trace.read_text(encoding="utf-8")
    assert _tree(root / "results" / "runs") == before


PARSING = """
from nkru.baselines import nlp


class Reader:
    name = "reader"
    parses = True  # gets the parent's analyses of its rows' texts

    def check(self, rows):
        missing = [row["text"] for row in rows if row["text"] not in nlp._CACHE]
        if missing:
            raise ValueError(f"{len(missing)} texts without their analyses")

    def fit(self, rows):
        self.check(rows)
        return self

    def predict(self, rows):
        self.check(rows)
        return [{"id": row["id"], "label": "support"} for row in rows]


class Blind(Reader):
    name = "blind"
    parses = False

    def check(self, rows):
        if nlp._CACHE:
            raise ValueError("analyses sent to a system that does not parse")


def reader(task):
    return Reader() if task == "stance" else None


def blind(task):
    return Blind() if task == "stance" else None
"""


def test_a_user_system_that_parses_gets_the_analyses_of_its_rows_only_then(
    project, tmp_path: Path
) -> None:
    """`parses = True` on a user system: each fit's worker holds the spaCy analyses of its
    rows' texts before fit and predict; without it, none."""
    root, tasks = project
    path = tmp_path / "parsing.py"
    path.write_text(PARSING, encoding="utf-8")
    stance = tuple(t for t in tasks if t.name == "stance")
    users = user_entries(f"{path}:reader", [], stance)
    users += user_entries(f"{path}:blind", [e.key for e in users], stance)
    assert [e.parses for e in users] == [True, False]
    settings = Settings(
        output=tmp_path / "out", tasks=stance, bootstrap=0, stored=(root / "results" / "runs",)
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        board = run_benchmark(settings, users, Recorder())
    rows = {row["name"]: row for row in board["tasks"]["stance"]["systems"]}
    assert rows["reader"]["error"] is None and rows["blind"]["error"] is None, rows


def _external(root: Path, folder: Path) -> Path:
    """A copy of the stored majority run of stance as someone else's run, "mine"."""
    run = folder / "stance" / "mine"
    shutil.copytree(root / "results" / "runs" / "stance" / "majority", run)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["system"] = {"name": "mine", "description": "made elsewhere"}
    (run / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return run


def _bench_runs(root: Path, folder: Path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        args = ["benchmark", "--runs", str(folder), "--task", "stance", "--bootstrap", "0"]
        return CliRunner().invoke(app, args)


def test_runs_from_elsewhere_are_scored_beside_the_stored_ones(project, tmp_path: Path) -> None:
    root, _ = project
    _external(root, tmp_path / "elsewhere")
    result = _bench_runs(root, tmp_path / "elsewhere")
    assert result.exit_code == 0, result.output
    board = json.loads((root / "results" / "user" / "elsewhere" / "leaderboard.json").read_text())
    rows = {row["name"]: row for row in board["tasks"]["stance"]["systems"]}
    assert rows["mine"]["kind"] == USER and rows["mine"]["description"] == "made elsewhere"
    assert rows["mine"]["pooled"]["value"] == rows["majority"]["pooled"]["value"]


def _truncate(run: Path) -> str:
    path = run / "test.jsonl"
    path.write_text(path.read_text(encoding="utf-8")[:-10], encoding="utf-8")
    return f"{path}:{len(path.read_text().splitlines())}"


def _drop_a_line(run: Path) -> str:
    path = run / "lodo" / "000.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[1:]), encoding="utf-8")
    return f"{path}"


def _other_payload(run: Path) -> str:
    path = run / "validation.jsonl"
    path.write_text(path.read_text().replace('"label"', '"entities"'), encoding="utf-8")
    return f"{path}:1: label"


def _unknown_layout(run: Path) -> str:
    stray = run.parents[1] / "notes.txt"
    stray.write_text("x", encoding="utf-8")
    return f"{stray}: unknown layout"


def _changed_inputs(run: Path) -> str:
    path = run / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["evaluations"]["test"]["input"] = "1" * 64
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return f"{path}: evaluations.test.input: sha256 111111111111… recorded"


@pytest.mark.parametrize(
    "spoil", [_truncate, _drop_a_line, _other_payload, _unknown_layout, _changed_inputs]
)
def test_bad_runs_from_elsewhere_are_refused(project, tmp_path: Path, spoil) -> None:
    root, _ = project
    run = _external(root, tmp_path / "elsewhere")
    expected = spoil(run)
    before = _tree(root / "results")
    result = _bench_runs(root, tmp_path / "elsewhere")
    assert result.exit_code == 2, result.output
    assert expected in result.output.replace("\n    ", ""), result.output
    assert "Traceback" not in result.output
    assert _tree(root / "results") == before

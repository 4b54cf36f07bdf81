"""``nkru benchmark``: the whole pipeline on a project copy in tmp; the README section; a
user's run; the HTML report in headless Chromium.

The project copy holds data/raw and the committed annotation/exports, and the dataset is built
there first (``NKRU_ROOT`` points at the copy).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cheating_system import ABSTAINS
from typer.testing import CliRunner

from nkru.annotation.browser import CHROMIUM_FLAGS
from nkru.app.benchmark.leaderboard import README_END, README_START, update_readme
from nkru.app.benchmark.pipeline import BenchmarkError, Settings, run_benchmark, stale_reason
from nkru.app.benchmark.systems import SystemSpecError, user_entries
from nkru.app.benchmark.troops import counts_troops, parse_count, troop_points
from nkru.app.cli import app
from nkru.app.dataset.build import build
from nkru.app.dataset.ground_truth import export_files, load_ground_truth
from nkru.paths import project_root
from nkru.schema import SCHEMA_VERSION
from nkru.tasks import LABELLED_SPANS, TASKS

pytestmark = pytest.mark.slow  # the whole benchmark, in process and as a command

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = f"{REPO / 'examples' / 'capitalised_ner.py'}:make_system"
CHEATER = f"{REPO / 'tests' / 'cheating_system.py'}:make_system"
SPACY_MAP = REPO / "eval" / "samples" / "spacy_label_map.json"
BOOTSTRAP = 200
README = f"# project\n\nintro\n\n{README_START}\nold\n{README_END}\n\nafter\n"


def make_project(root: Path) -> None:
    """A project copy: the corpus, the committed exports, the dataset built from them and the
    committed runs (current for that dataset, so only what a test changes is refitted)."""
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "results" / "runs", root / "results" / "runs")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    shutil.copytree(REPO / "annotation" / "exports", root / "annotation" / "exports")
    exports = root / "annotation" / "exports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        build(load_ground_truth(exports), root / "data", exports=export_files(exports))


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    """The benchmark run once in-process (with two user systems) on a project copy."""
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    (root / "README.md").write_text(README, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        assert project_root() == root
        users = user_entries(EXAMPLE)
        users += user_entries(CHEATER, [e.key for e in users])
        board = run_benchmark(Settings(bootstrap=BOOTSTRAP, curve_subsets=1, workers=2), users)
        yield {"root": root, "board": board, "results": root / "results"}


def _rows(bench, task: str) -> dict[str, dict]:
    return {row["name"]: row for row in bench["board"]["tasks"][task]["systems"]}


def test_leaderboard_json(bench) -> None:
    """Per task and system: the pooled cross-document score with its interval, the
    fixed-split scores, the paired comparison with the floor; NER: the spaCy-label score."""
    board = bench["board"]
    assert board["scheme_version"] == SCHEMA_VERSION and board["format_version"] == "2.0"
    saved = json.loads((bench["results"] / "leaderboard.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(board))
    assert board["headline"]["score"] == "pooled" and "held out" in board["headline"]["why"]
    assert list(board["tasks"]) == list(TASKS)
    documents = board["dataset"]["documents"]
    for task, info in board["tasks"].items():
        assert info["metric"] == TASKS[task].headline and info["floor"] == TASKS[task].floor
        rows = _rows(bench, task)
        assert rows[TASKS[task].floor]["kind"] == "reference"
        assert {"baseline", "reference"} <= {row["kind"] for row in rows.values()}, task
        for name, row in rows.items():
            assert row["error"] is None, (task, row)
            own = row["mapped"][row["label_map"]] if row["label_map"] else row
            pooled, test = own["pooled"], own["test"]
            assert 0 <= pooled["value"] <= 1 and 0 <= test["value"] <= 1
            for figures in (pooled, test):
                assert figures["ci_low"] <= figures["value"] <= figures["ci_high"]
                assert (bench["results"] / figures["predictions"]).is_file()
            assert {f["document"] for f in row["folds"]} <= set(documents)
            assert len(row["folds"]) >= 2
            if name == TASKS[task].floor:
                assert row["versus_floor"] is None and row["beats_floor"] is None
                continue
            versus = row["versus_floor"]
            assert versus["floor"] == TASKS[task].floor
            assert versus["ci_low"] <= versus["delta"] <= versus["ci_high"]
            # interval and test on one unit, the held-out documents; no p below 1/2^n
            assert (versus["unit"], versus["units"]) == ("document", len(row["folds"]))
            assert versus["p_floor"] == 1 / 2 ** versus["units"] <= versus["p_value"] <= 1
            if row["kind"] == "reference":
                continue
            # "beats floor" only when the interval is clear of zero and p < 0.05, else the
            # leaderboard says plainly why not
            settled = versus["ci_low"] > 0 and versus["p_value"] < 0.05
            assert row["beats_floor"] == settled
            assert row["verdict"] == ("beats floor" if settled else "not settled")
            if not row["beats_floor"]:
                assert "Difference" in row["note"] and "not settled" in row["note"]
                assert "Small data" in row["note"]
        power = info["power"]
        assert power["documents"] == len(documents)
        assert power["detectable"] == pytest.approx((power["ci_high"] - power["ci_low"]) / 2)
        for label, counts in info["classes"].items():
            assert (label in info["too_rare"]) == (counts["gold"] < 5)
    ner = _rows(bench, "ner")
    assert [n for n, r in ner.items() if r["kind"] == "user"] == ["capitalised", "cheater"]
    for name, row in ner.items():  # every NER system in one comparable column
        assert 0 <= row["mapped"]["spacy"]["pooled"]["value"] <= 1, name
    assert ner["spacy"]["label_map"] == "spacy" and ner["spacy"]["pooled"] is None


def test_a_system_that_copies_targets_finds_none(bench) -> None:
    """predict() sees the task's inputs only: a system copying every target column it finds
    into its predictions finds none on any task, so every prediction file of its run is its
    fallback's (no answer where it abstains, else the floor's stored predictions), and it
    scores no better than the floor."""
    runs = bench["results"] / "runs"
    for task in TASKS:
        rows = _rows(bench, task)
        cheater, floor = rows["cheater"], rows[TASKS[task].floor]
        for score in ("pooled", "test"):
            assert cheater[score]["value"] <= floor[score]["value"], (task, score)
        assert cheater["versus_floor"]["delta"] <= 0
        ran = run_predictions(runs / task / "cheater")
        payload = TASKS[task].payload
        if TASKS[task].kind in ABSTAINS:
            expected = {
                name: [{"id": p["id"], payload: []} for p in records]
                for name, records in run_predictions(runs / task / TASKS[task].floor).items()
            }
        else:
            expected = run_predictions(runs / task / TASKS[task].floor)
        assert len(ran) >= 3 and ran == expected, task


def run_predictions(run: Path) -> dict[str, list[dict]]:
    """A run folder's prediction files (evaluation name -> records)."""
    return {
        str(p.relative_to(run).with_suffix("")): [json.loads(line) for line in p.open()]
        for p in sorted(run.rglob("*.jsonl"))
    }


def _eval(args: list[str], output: Path) -> dict:
    result = CliRunner().invoke(app, [*args, "--output", str(output)])
    assert result.exit_code == 0, result.output
    return json.loads(output.read_text(encoding="utf-8"))


def test_every_score_is_reproduced_by_the_eval_command(bench, tmp_path: Path) -> None:
    """`nkru eval TASK FILE --split test` (and `--split all --bootstrap-unit nested` for the
    cross-document score, `--label-map` for the spaCy labels) gives every leaderboard figure."""
    checked = 0
    data = str(bench["root"] / "data")
    for task in TASKS:
        for row in bench["board"]["tasks"][task]["systems"]:
            cells = [(row["pooled"], None), (row["test"], None)]
            cells += [(row["mapped"]["spacy"]["pooled"], SPACY_MAP)] if task == "ner" else []
            for figures, label_map in cells:
                if figures is None:
                    continue
                pooled = figures["predictions"].endswith(".pooled.jsonl")
                args = [
                    "eval",
                    task,
                    str(bench["results"] / figures["predictions"]),
                    "--split",
                    "all" if pooled else "test",
                    "--data-dir",
                    data,
                    "--bootstrap",
                    str(BOOTSTRAP),
                    *(["--bootstrap-unit", "nested"] if pooled else []),
                    *(["--label-map", str(label_map)] if label_map else []),
                ]
                report = _eval(args, tmp_path / "r.json")
                assert report["headline"]["value"] == figures["value"], (task, row["name"])
                assert report["headline"]["ci_low"] == figures["ci_low"], (task, row["name"])
                checked += 1
    assert checked >= 3 * len(TASKS)


def test_comparison_with_the_floor_is_nkru_compare(bench, tmp_path: Path) -> None:
    rows = _rows(bench, "stance")
    system, floor = rows["tfidf-logreg"], rows["majority"]
    args = [
        "compare",
        "stance",
        str(bench["results"] / system["pooled"]["predictions"]),
        str(bench["results"] / floor["pooled"]["predictions"]),
        "--split",
        "all",
        "--data-dir",
        str(bench["root"] / "data"),
        "--resamples",
        str(BOOTSTRAP),
        "--bootstrap-unit",
        "document",
        "--alternative",
        "greater",
    ]
    result = _eval(args, tmp_path / "c.json")
    versus = system["versus_floor"]
    assert (result["delta"], result["ci_low"], result["p_value"], result["p_floor"]) == (
        versus["delta"],
        versus["ci_low"],
        versus["p_value"],
        versus["p_floor"],
    )


def test_per_type_intervals(bench) -> None:
    row = _rows(bench, "ner")["logreg"]
    report = json.loads((bench["results"] / row["pooled"]["scores"]).read_text(encoding="utf-8"))
    assert report["bootstrap"]["unit"] == "document/example"
    assert report["per_type"]
    for stats in report["per_type"].values():
        strict = stats["strict"]
        assert strict["ci_low"] <= strict["f1"] + 1e-9 <= strict["ci_high"] + 2e-9


def test_learning_curve_table_and_plot(bench) -> None:
    board = bench["board"]
    curves = board["learning_curve"]
    assert list(curves) == ["ner", "claims"]
    for task, curve in curves.items():
        documents = len(board["dataset"]["documents"])
        learned = [r["name"] for r in board["tasks"][task]["systems"] if r["kind"] == "baseline"]
        assert list(curve["systems"]) == learned
        assert curve["metric"] == TASKS[task].headline
        floor = curve["floor"]
        assert floor["name"] == TASKS[task].floor and 0 <= floor["value"] <= 1
        assert floor["value"] == pytest.approx(_rows(bench, task)[floor["name"]]["pooled"]["value"])
        for points in curve["systems"].values():
            assert [p["documents"] for p in points] == list(range(1, documents))
            for p in points:
                # curve_subsets=1: one subset of each size per held-out document
                assert p["fits"] == documents
                assert p["min"] <= p["mean"] <= p["max"] and 0 <= p["pooled"] <= 1
    report = (bench["results"] / "report.html").read_text(encoding="utf-8")
    assert 'data-plot="learning-curve"' in report and "<svg" in report


def test_every_ner_system_is_also_scored_under_the_spacy_label_map(bench) -> None:
    for name, row in _rows(bench, "ner").items():
        mapped = row["mapped"]["spacy"]
        for figures in (mapped["test"], mapped["pooled"]):
            assert figures["ci_low"] <= figures["value"] <= figures["ci_high"], name
    spacy = _rows(bench, "ner")["spacy"]
    assert spacy["test"] is None and spacy["pooled"] is None  # spaCy's own labels: mapped only
    assert "cross-document, spacy labels" in (bench["results"] / "leaderboard.md").read_text()
    for task in ("claims", "stance"):
        assert all(not r["mapped"] for r in bench["board"]["tasks"][task]["systems"])


def test_readme_section_comes_from_results(bench) -> None:
    """The benchmark writes results/ only; `nkru readme` copies its leaderboard into the
    README block, which says how it is made."""
    readme = bench["root"] / "README.md"
    assert readme.read_text(encoding="utf-8") == README
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(bench["root"]))
        result = CliRunner().invoke(app, ["readme"])
    assert result.exit_code == 0, result.output
    markdown = (bench["results"] / "leaderboard.md").read_text(encoding="utf-8")
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# project\n\nintro\n\n") and text.endswith(f"{README_END}\n\nafter\n")
    assert f"{README_START}\n{markdown.strip()}\n{README_END}" in text
    assert (
        "generated by `nkru benchmark` (results/leaderboard.json, results/leaderboard.md)" in text
    )
    for task in TASKS:  # "beats floor" is defined against each task's own floor
        assert f"Floor: `{TASKS[task].floor}`" in markdown
    assert bench["board"]["verdicts"]["rule"] in markdown
    assert "What the benchmark can tell apart" in markdown
    for task, info in bench["board"]["tasks"].items():
        for label in info["too_rare"]:  # named as such, with its gold count
            assert f"{label} ({info['classes'][label]['gold']})" in markdown, task
    card = (bench["root"] / "data" / "README.md").read_text(encoding="utf-8")
    assert markdown.strip() not in card  # the card depends on the annotations only
    assert stale_reason(bench["root"] / "data", bench["root"] / "annotation" / "exports") is None


def test_update_readme(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    assert update_readme(path, "| a | b |\n")
    assert path.read_text(encoding="utf-8") == README.replace("\nold\n", "\n| a | b |\n")
    assert not update_readme(path, "| a | b |\n")  # idempotent
    path.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="leaderboard:start"):
        update_readme(path, "x")
    assert path.read_text(encoding="utf-8") == "# no markers\n"


def test_stale_when_an_export_changes(tmp_path: Path, bench) -> None:
    data = bench["root"] / "data"
    exports = tmp_path / "exports"
    shutil.copytree(bench["root"] / "annotation" / "exports", exports)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(bench["root"]))
        assert stale_reason(data, exports) is None
        first = sorted(exports.glob("*.json"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert "export:" in (stale_reason(data, exports) or "")
        assert "does not exist" in (stale_reason(tmp_path / "nothing", exports) or "")
        settings = Settings(output=tmp_path / "out", exports=exports, bootstrap=0)
        with pytest.raises(BenchmarkError, match="run `nkru build` first"):
            run_benchmark(settings)
        assert not (tmp_path / "out").exists()  # the benchmark builds nothing itself


def test_troop_points(bench) -> None:
    assert parse_count("~12000") == (12000.0, 12000.0, 12000.0, "~")
    assert parse_count("10000..12000") == (11000.0, 10000.0, 12000.0, "..")
    assert parse_count(">=2000") == (2000.0, 2000.0, 2000.0, ">=")
    assert parse_count("7000 km") is None and parse_count(None) is None
    saved = json.loads((bench["results"] / "troops.json").read_text(encoding="utf-8"))
    points = saved["points"]
    assert points, "the annotated documents report troop numbers"
    for p in points:
        assert p["source"] and p["date"] and p["value"] > 0
    assert troop_points({}, {}) == []


def test_only_counts_of_troops_are_troop_numbers() -> None:
    claim = "une coopération entre ces deux régimes, y compris des «milliers» de soldats"
    assert not counts_troops(claim, claim.index("deux") + len("deux"))
    assert counts_troops(claim, claim.index("milliers") + len("milliers"))
    assert counts_troops("1 500 soldats nord-coréens", 5)
    assert counts_troops("plusieurs milliers de Nord-Coréens", 18)
    assert not counts_troops("7 000 kilomètres", 5)


def test_bad_system_spec() -> None:
    with pytest.raises(SystemSpecError, match="module:callable"):
        user_entries("no_colon")
    with pytest.raises(SystemSpecError, match="cannot import"):
        user_entries("nkru_no_such_module:make")
    with pytest.raises(SystemSpecError, match="no predict"):
        user_entries("json:dumps")


@pytest.mark.parametrize("option", ["--bootstrap", "--seed"])
def test_negative_counts_are_refused_before_any_work(option: str) -> None:
    """A negative --bootstrap or --seed exits 2 naming the option, before a system is fitted."""
    result = CliRunner().invoke(app, ["benchmark", option, "-1"])
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert "fit" not in result.output


def nkru_benchmark(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`nkru benchmark ARGS` in a fresh process on the project copy at ``root``."""
    env = {**os.environ, "NKRU_ROOT": str(root), "PYTHONHASHSEED": "123"}
    return subprocess.run(
        [sys.executable, "-m", "nkru.app.benchmark", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,  # a hang guard, not a speed check
        cwd=root,
    )


def test_second_run_same_numbers(bench, tmp_path: Path) -> None:
    """A second run, as `nkru benchmark --refit --workers 1` in a fresh process, gives
    identical files to the first (two workers), runs included (on two of the tasks, to keep
    the suite short)."""
    out = tmp_path / "again"
    tasks = ("stance", "normalization")
    args = ["--system", CHEATER, "--output", str(out), "--bootstrap", str(BOOTSTRAP)]
    args += ["--curve-subsets", "1", "--refit", "--workers", "1"]
    done = nkru_benchmark(bench["root"], *args, *(arg for t in tasks for arg in ("--task", t)))
    output = f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, output
    first = bench["results"]
    board = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    again = {
        t: [r for r in i["systems"] if r["name"] != "capitalised"]
        for t, i in board["tasks"].items()
    }
    assert again == {t: bench["board"]["tasks"][t]["systems"] for t in tasks}
    assert (out / "troops.json").read_bytes() == (first / "troops.json").read_bytes()
    compared = sorted(p for d in ("predictions", "runs") for p in (out / d).rglob("*.json*"))
    assert len(compared) > 2 * 6 * 4
    for path in compared:
        assert path.read_bytes() == (first / path.relative_to(out)).read_bytes(), path


def test_scores_csv_is_the_leaderboard_as_a_table(bench) -> None:
    frame = pd.read_csv(bench["results"] / "scores.csv", dtype={"label_map": str})
    board = bench["board"]
    assert set(frame["task"]) == set(TASKS) == set(board["tasks"])
    assert not frame.duplicated(["task", "system", "label_map", "evaluation"]).any()
    documents = board["dataset"]["documents"]
    for task, info in board["tasks"].items():
        for row in info["systems"]:
            own = frame[(frame.task == task) & (frame.system == row["name"])]
            own = own[own.label_map.isna()] if not row["label_map"] else own
            if row["pooled"]:
                (pooled,) = own[own.evaluation == "pooled"].itertuples()
                assert (pooled.value, pooled.ci_low, pooled.ci_high) == (
                    row["pooled"]["value"],
                    row["pooled"]["ci_low"],
                    row["pooled"]["ci_high"],
                )
            held = own[own.evaluation.str.startswith("document:")]
            assert sorted(held.evaluation.str[9:]) == sorted(f["document"] for f in row["folds"])
            assert set(held.evaluation.str[9:]) <= set(documents)


def test_every_pooled_run_has_its_error_list(bench) -> None:
    """Each system's pooled errors are a CSV that pandas reads; for NER the errors and the
    strict counts of its score report account for every gold entity exactly once."""
    for task, info in bench["board"]["tasks"].items():
        for row in info["systems"]:
            if not row["pooled"]:
                continue
            listed = row["errors"]
            frame = pd.read_csv(bench["results"] / listed["file"], dtype={"id": str})
            assert len(frame) == listed["count"] == sum(listed["kinds"].values())
            assert frame["kind"].value_counts().to_dict() == listed["kinds"]
            if TASKS[task].kind != LABELLED_SPANS:
                continue
            report = json.loads((bench["results"] / row["pooled"]["scores"]).read_text())
            strict = report["micro"]["strict"]
            not_spurious = frame[frame.kind != "spurious"]
            assert strict["cor"] + len(not_spurious) == strict["pos"]
            matrix = row["confusion"]["matrix"]
            assert sum(map(sum, matrix[:-1])) == strict["pos"]  # every gold entity, once


@pytest.mark.browser
def test_report_in_chromium(bench, chromium: str, artifacts_dir: Path, tmp_path: Path) -> None:
    report = bench["results"] / "report.html"
    html = report.read_text(encoding="utf-8")
    # self-contained: no scripts, stylesheets or images loaded from elsewhere
    assert "<script" not in html and "<link" not in html
    assert re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:|file:|//)""", html) is None
    flags = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*flags, "--virtual-time-budget=5000", "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    assert "Headline: the cross-document score" in page
    assert page.count('<table class="leaderboard"') == len(TASKS)
    for task in TASKS:
        assert f'data-plot="headline-{task}"' in page
    plots = [
        "overview",
        *(f"documents-{task}" for task in TASKS),
        "confusion-ner-",
        "ner-per-type",
        "troops",
        "confusion-stance-",
        "confusion-certainty-",
        "confusion-topic-",
    ]
    for plot in plots:
        assert f'data-plot="{plot}' in page, plot
    figures = page.split('<figure class="plot"')[1:]
    assert len(figures) >= len(TASKS) + 5
    assert all("<svg" in fig.split("</figure>")[0] for fig in figures)
    assert "capitalised" in page
    assert page.count('<table class="errors"') == len(TASKS)
    for task in TASKS:
        best = re.search(rf'<table class="errors" data-task="{task}">(.*?)</table>', page, re.S)
        assert best is not None and 0 < best.group(1).count("<tr>") <= 21, task

    def screenshot(page: Path, name: str, size: str) -> None:
        shot = artifacts_dir / name
        shot.unlink(missing_ok=True)
        done = subprocess.run(
            [*flags, f"--window-size={size}", f"--screenshot={shot}", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert shot.is_file() and shot.stat().st_size > 10_000, name

    screenshot(report, "benchmark-report.png", "1200,4000")
    # the two charts that were hard to read, each alone at full size, to look at
    for plot in ("overview", "documents-ner", "ner-per-type", "troops"):
        figure = re.search(rf'<figure class="plot" data-plot="{plot}">(.*?)</figure>', html, re.S)
        assert figure is not None, plot
        page = tmp_path / f"{plot}.html"
        page.write_text(f"<!DOCTYPE html><body>{figure.group(1)}</body>", encoding="utf-8")
        screenshot(page, f"benchmark-report-{plot}.png", "1000,700")

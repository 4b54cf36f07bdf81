"""``nkru benchmark``: the whole pipeline on a project copy in tmp, twice; README/card sections;
the HTML report in headless Chromium.

The project copy holds data/raw and the committed annotation/exports. ``NKRU_ROOT`` points at
the copy, so the dataset is built there from scratch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nkru.annotation.browser import CHROMIUM_FLAGS
from nkru.benchmark.leaderboard import README_END, README_START, update_readme
from nkru.benchmark.run import Settings, run_benchmark, stale_reason
from nkru.benchmark.systems import FLOOR, SystemSpecError, user_entries
from nkru.benchmark.troops import counts_troops, parse_count, troop_points
from nkru.paths import project_root
from nkru.schema import SCHEMA_VERSION, TASKS

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = f"{REPO / 'examples' / 'capitalised_ner.py'}:make_system"
BOOTSTRAP = 200
README = f"# project\n\nintro\n\n{README_START}\nold\n{README_END}\n\nafter\n"


def _make_root(root: Path) -> None:
    (root / "data").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    shutil.copytree(REPO / "annotation" / "exports", root / "annotation" / "exports")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory):
    """The benchmark run once in-process (with the example user system) on a project copy."""
    root = tmp_path_factory.mktemp("project")
    _make_root(root)
    (root / "README.md").write_text(README, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NKRU_ROOT", str(root))
        assert project_root() == root
        users = user_entries(EXAMPLE)
        board = run_benchmark(Settings(bootstrap=BOOTSTRAP, curve_subsets=1), users)
        yield {"root": root, "board": board, "results": root / "results"}


def test_leaderboard_json(bench) -> None:
    board = bench["board"]
    assert board["schema_version"] == SCHEMA_VERSION
    saved = json.loads((bench["results"] / "leaderboard.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(board))
    assert list(board["tasks"]) == list(TASKS)
    for task, info in board["tasks"].items():
        assert info["metric"] == TASKS[task].headline
        kinds = {row["kind"] for row in info["systems"]}
        assert {"baseline", "reference"} <= kinds, task
        floor = next(r for r in info["systems"] if r["name"] == FLOOR[task])
        assert floor["kind"] == "reference"
        for row in info["systems"]:
            assert row["error"] is None, (task, row)
            assert 0 <= row["value"] <= 1
            assert row["ci_low"] <= row["value"] <= row["ci_high"] or row["ci_low"] is None
            assert row["lodo"]["mean"] is not None and row["lodo"]["std"] >= 0
            assert (bench["results"] / row["predictions"]).is_file()
            if row["kind"] == "reference":
                assert row["beats_majority_reference"] is None
                continue
            # every baseline beats its floor, or the leaderboard says plainly why not
            assert isinstance(row["beats_majority_reference"], bool)
            if not row["beats_majority_reference"]:
                assert "Test split:" in row["note"] and "Small data" in row["note"]
    user = [r for r in board["tasks"]["ner"]["systems"] if r["kind"] == "user"]
    assert [r["name"] for r in user] == ["capitalised"]


def test_learning_curve_table_and_plot(bench) -> None:
    board = bench["board"]
    curves = board["learning_curve"]
    assert list(curves) == ["ner", "claims"]
    for task, curve in curves.items():
        documents = len({str(r["document_id"]) for r in _task_rows(bench, task)})
        learned = [r["name"] for r in board["tasks"][task]["systems"] if r["kind"] == "baseline"]
        assert list(curve["systems"]) == learned
        assert curve["metric"] == TASKS[task].headline
        assert curve["floor"]["name"] == FLOOR[task] and 0 <= curve["floor"]["value"] <= 1
        for points in curve["systems"].values():
            assert [p["documents"] for p in points] == list(range(1, documents))
            for p in points:
                # curve_subsets=1: one subset of each size per held-out document
                assert p["fits"] == documents
                assert p["min"] <= p["mean"] <= p["max"] and 0 <= p["pooled"] <= 1
    report = (bench["results"] / "report.html").read_text(encoding="utf-8")
    assert 'data-plot="learning-curve"' in report and "<svg" in report


def test_every_ner_system_is_also_scored_under_the_spacy_label_map(bench) -> None:
    rows = bench["board"]["tasks"]["ner"]["systems"]
    for row in rows:
        mapped = row["mapped"]
        assert mapped["ci_low"] <= mapped["value"] <= mapped["ci_high"], row["name"]
        assert 0 <= row["lodo"]["mapped_pooled"] <= 1
    spacy = next(r for r in rows if r["name"] == "spacy")
    assert spacy["mapped"]["value"] == spacy["value"]  # spaCy's own score is the mapped one
    assert "LODO pooled (spaCy labels)" in (bench["results"] / "leaderboard.md").read_text()
    for task in ("claims", "stance"):
        assert all(r["mapped"] is None for r in bench["board"]["tasks"][task]["systems"])


def _task_rows(bench, task: str) -> list[dict]:
    import datasets

    data = bench["root"] / "data"
    return [
        row
        for split in ("train", "validation", "test")
        if (data / task / f"{split}.parquet").is_file()
        for row in datasets.load_dataset(str(data), task, split=split)
    ]


def test_every_row_is_reproduced_by_the_eval_command(bench, tmp_path: Path) -> None:
    """`nkru eval TASK FILE --split test` on each prediction file gives the leaderboard row;
    the spaCy row with the shipped label map, as baselines/README.md says."""
    from typer.testing import CliRunner

    from nkru.cli import app

    shipped = REPO / "eval" / "samples" / "spacy_label_map.json"
    checked = 0
    for task in TASKS:
        for row in bench["board"]["tasks"][task]["systems"]:
            if row["error"] or not row["predictions"]:
                continue
            scores = json.loads((bench["results"] / row["scores"]).read_text(encoding="utf-8"))
            args = [
                "eval",
                task,
                str(bench["results"] / row["predictions"]),
                "--split",
                "test",
                "--data-dir",
                str(bench["root"] / "data"),
                "--bootstrap",
                str(BOOTSTRAP),
                "--output",
                str(tmp_path / "r.json"),
            ]
            if scores["options"]["label_map"] is not None:
                assert scores["options"]["label_map"] == json.loads(shipped.read_text("utf-8"))
                args += ["--label-map", str(shipped)]
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
            report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
            assert report["headline"]["value"] == row["value"], (task, row["name"])
            assert report["headline"]["ci_low"] == row["ci_low"], (task, row["name"])
            checked += 1
    assert checked >= 2 * len(TASKS)


def test_per_type_intervals(bench) -> None:
    row = bench["board"]["tasks"]["ner"]["systems"][0]
    report = json.loads((bench["results"] / row["scores"]).read_text(encoding="utf-8"))
    assert report["per_type"]
    for stats in report["per_type"].values():
        strict = stats["strict"]
        assert strict["ci_low"] <= strict["f1"] + 1e-9 <= strict["ci_high"] + 2e-9


def test_readme_and_card_sections_come_from_results(bench) -> None:
    markdown = (bench["results"] / "leaderboard.md").read_text(encoding="utf-8")
    readme = (bench["root"] / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# project\n\nintro\n\n")
    assert readme.endswith(f"{README_END}\n\nafter\n")
    assert f"{README_START}\n{markdown.strip()}\n{README_END}" in readme
    card = (bench["root"] / "data" / "README.md").read_text(encoding="utf-8")
    assert markdown.strip() in card
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


def test_second_run_same_numbers(bench, tmp_path: Path) -> None:
    """A second run, as `nkru benchmark` in a fresh process, gives identical files."""
    out = tmp_path / "again"
    env = {**os.environ, "NKRU_ROOT": str(bench["root"]), "PYTHONHASHSEED": "123"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nkru.benchmark",
            "--system",
            EXAMPLE,
            "--output",
            str(out),
            "--bootstrap",
            str(BOOTSTRAP),
            "--curve-subsets",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,  # a hang guard, not a speed check: the full benchmark of five documents
        cwd=bench["root"],
    )
    output = f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert done.returncode == 0, output
    first = bench["results"]
    for name in ("leaderboard.json", "leaderboard.md", "troops.json"):
        assert (out / name).read_bytes() == (first / name).read_bytes(), name
    for path in sorted((first / "predictions").rglob("*.jsonl")):
        again = out / path.relative_to(first)
        assert again.read_bytes() == path.read_bytes(), path


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
    assert page.count('<table class="leaderboard"') == len(TASKS)
    for task in TASKS:
        assert f'data-plot="headline-{task}"' in page
    plots = [
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
    for plot in ("ner-per-type", "troops"):
        figure = re.search(rf'<figure class="plot" data-plot="{plot}">(.*?)</figure>', html, re.S)
        assert figure is not None, plot
        page = tmp_path / f"{plot}.html"
        page.write_text(f"<!DOCTYPE html><body>{figure.group(1)}</body>", encoding="utf-8")
        screenshot(page, f"benchmark-report-{plot}.png", "1000,700")

"""The toy task of tests/toy_task.py, declared there alone, goes through build, eval and
benchmark (the worked example of CONTRIBUTING.md, "A new task")."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from toy_task import TOY, Lexicon

from nkru.app.benchmark.entries import USER, Entry
from nkru.app.benchmark.pipeline import Settings, run_benchmark
from nkru.app.dataset.build import build
from nkru.app.dataset.ground_truth import export_files, load_ground_truth
from nkru.eval import Options, ValidationFailed, load_gold, score
from nkru.eval.gold import read_split
from nkru.paths import data_dir, exports_dir
from nkru.schema import ENTITY_LABELS
from nkru.tasks import TASKS

pytestmark = pytest.mark.slow  # a dataset build and a benchmark run

TOY_MODULE = Path(__file__).with_name("toy_task.py")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset of the toy task alone, built from the committed exports."""
    data = tmp_path_factory.mktemp("toy") / "data"
    exports = exports_dir()
    report = build(load_ground_truth(exports), data, exports=export_files(exports), tasks=[TOY])
    assert set(report.counts) == {"documents", "mention_type"}
    return data


def test_build(toy_data: Path, tmp_path: Path) -> None:
    loaded = datasets.load_dataset(str(toy_data), "mention_type", cache_dir=str(tmp_path))
    test = loaded["test"]
    assert test.features["label"].names == list(ENTITY_LABELS)
    assert len(test) == sum(len(r["entities"]) for r in _ner_test_rows())
    card = (toy_data / "README.md").read_text(encoding="utf-8")
    assert "### `mention_type`" in card and "headline metric `accuracy`" in card
    assert "a system sees `id`, `document_id`, `text`" in card


def _ner_test_rows() -> list[dict]:
    return read_split(TASKS["ner"], "test", data_dir())


def test_eval(toy_data: Path) -> None:
    gold = load_gold(TOY, split="test", data_dir=toy_data)
    perfect = [{"id": ex.id, "label": ex.payload} for ex in gold.examples]
    report = score(TOY, gold, perfect, Options(bootstrap=0))
    assert report.headline.name == "accuracy" and report.headline.value == 1.0
    wrong = [{**p, "label": "PER" if p["label"] != "PER" else "ORG"} for p in perfect]
    assert score(TOY, gold, wrong, Options(bootstrap=0)).headline.value == 0.0
    with pytest.raises(ValidationFailed) as failed:
        score(TOY, gold, [{**perfect[0], "label": "NOPE"}, *perfect[1:]])
    assert [p.kind for p in failed.value.problems] == ["unknown_label"]


def test_benchmark(toy_data: Path, tmp_path: Path) -> None:
    settings = Settings(output=tmp_path / "results", data=toy_data, tasks=(TOY,), bootstrap=50)
    lexicon = Entry(TOY, Lexicon.name, USER, Lexicon.description, spec=f"{TOY_MODULE}:Lexicon")
    board = run_benchmark(settings, [lexicon])
    assert list(board["tasks"]) == ["mention_type"]
    info = board["tasks"]["mention_type"]
    assert info["metric"] == "accuracy" and info["floor"] == "majority"
    rows = {row["name"]: row for row in info["systems"]}
    assert set(rows) == {"lexicon", "majority"} and rows["majority"]["kind"] == "reference"
    for row in rows.values():
        assert row["error"] is None and 0 <= row["pooled"]["value"] <= 1
    assert rows["lexicon"]["versus_floor"]["floor"] == "majority"
    assert rows["lexicon"]["beats_floor"] is True  # a lexicon knows Moscou is a GPE
    saved = json.loads((tmp_path / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    assert saved["tasks"]["mention_type"]["systems"] == json.loads(json.dumps(info["systems"]))
    html = (tmp_path / "results" / "report.html").read_text(encoding="utf-8")
    assert 'data-plot="confusion-mention_type-lexicon"' in html

"""The committed annotations, reports and dataset are consistent with each other."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from nkru.annotation import client
from nkru.annotation.convert import task_annotations
from nkru.annotation.exports import read_exports
from nkru.annotation.worksheet import load_worksheets
from nkru.app.agreement import agreement_report, compute_agreement
from nkru.app.cli import app
from nkru.app.dataset.features import CONFIGS, FEATURES
from nkru.paths import data_dir, exports_dir, project_root
from nkru.splits import SPLITS

EXPORTS = sorted(exports_dir().glob("*.json"))
TASKS = read_exports(exports_dir())


@pytest.mark.studio
def test_committed_exports_import_unchanged_into_label_studio(studio_server, tmp_path) -> None:
    ls = client.connect(studio_server.url, studio_server.token)
    emails = {a["completed_by"]["email"] for task in TASKS.values() for a in task["annotations"]}
    client.ensure_users(ls, emails)
    project = client.ensure_project(ls, "committed exports")
    for path in EXPORTS:
        raw = json.loads(path.read_text(encoding="utf-8"))
        ls.projects.import_tasks(project.id, request=raw, return_task_ids=True)
    pulled = client.pull(ls, tmp_path, title="committed exports")
    assert [p.name for p in pulled] == [p.name for p in EXPORTS]
    for again, committed in zip(pulled, EXPORTS, strict=True):
        assert again.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")


def test_exports_hold_every_worksheet_unchanged() -> None:
    """Every committed worksheet went through Label Studio into the exports losslessly. An
    annotation made in the editor has no worksheet, so the exports may hold more."""
    from_sheets = {(a.document_id, a.annotator): a.sorted() for a in load_worksheets()}
    from_exports = {
        (a.document_id, a.annotator): a.sorted()
        for task in TASKS.values()
        for a in task_annotations(task)
    }
    assert from_sheets
    assert {key: from_exports.get(key) for key in from_sheets} == from_sheets


def test_every_annotated_document_has_one_ground_truth() -> None:
    annotated = {d: task_annotations(t) for d, t in TASKS.items() if t.get("annotations")}
    assert annotated
    for anns in annotated.values():
        assert sum(a.ground_truth for a in anns) == 1
    assert any(len(anns) >= 3 for anns in annotated.values()), (
        "no document has two independent annotations and an adjudication"
    )


def test_agreement_report_is_computed_from_the_exports() -> None:
    committed = json.loads((project_root() / "annotation" / "agreement.json").read_text())
    results = compute_agreement({d: task_annotations(t) for d, t in TASKS.items()})
    assert committed == json.loads(json.dumps(agreement_report(results)))


@pytest.mark.parametrize("config", CONFIGS)
def test_committed_dataset_loads_with_declared_features(config: str) -> None:
    """Every split of nkru/splits.py whose documents all have ground truth loads (validation
    included), with the declared features."""
    annotated = {
        d for d, task in TASKS.items() if any(a.ground_truth for a in task_annotations(task))
    }
    expected = [split for split, docs in SPLITS.items() if set(docs) <= annotated]
    loaded = datasets.load_dataset(str(data_dir()), config)
    assert sorted(loaded) == sorted(expected)
    for split in loaded.values():
        assert split.features == FEATURES[config]
        assert len(split) > 0


def test_stats_command_counts_the_ground_truth() -> None:
    result = CliRunner().invoke(app, ["stats"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    gold = [a for t in TASKS.values() for a in task_annotations(t) if a.ground_truth]
    total = sum(len(a.entities) for a in gold)
    rows = [line for line in result.output.splitlines() if "CLAIM" in line]
    assert rows and str(sum(len(a.claims) for a in gold)) in rows[0]
    assert total > 0


def test_stats_without_exports_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["stats", "--exports", str(tmp_path)])
    assert result.exit_code == 2
    assert "no exports" in result.output and "Traceback" not in result.output


@pytest.mark.slow  # fits the baseline the review compares with
@pytest.mark.parametrize(
    "doc_id",
    sorted(p.name[:3] for p in (project_root() / "annotation" / "review").glob("*.decisions.yaml")),
)
def test_committed_review_is_current_and_fully_decided(doc_id: str) -> None:
    """Every disagreement with spaCy and the baseline has a decision, no decision is stale, and
    the committed report is what the decisions and the current ground truth give."""
    result = CliRunner().invoke(app, ["review", doc_id, "--check"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("doc_id", sorted(TASKS))
def test_guidelines_make_a_leak_free_blind_variant_for_every_document(
    doc_id: str, tmp_path: Path
) -> None:
    """Every example quoted in GUIDELINES.md carries its document tag, so a blind variant for
    any document can be made today (the leak check finds no quote of it)."""
    output = tmp_path / f"GUIDELINES-without-{doc_id}.md"
    result = CliRunner().invoke(app, ["guidelines", "blind", doc_id, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert f"[{doc_id}]" not in output.read_text(encoding="utf-8")

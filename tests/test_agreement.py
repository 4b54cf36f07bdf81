"""Inter-annotator agreement: figures follow from controlled differences between annotations."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score

from nkru.annotation.worksheet import load_worksheet
from nkru.app.agreement import (
    agreement_report,
    document_agreement,
    kappa,
    pair_agreement,
    render_markdown,
)
from nkru.corpus import get_document
from nkru.paths import project_root
from nkru.segment import tokens

DOC = get_document("002")
BASE = load_worksheet(project_root() / "annotation" / "worksheets" / "002.annotator-a.yaml")


def variant(**changes: object) -> object:
    return dataclasses.replace(BASE, annotator="other", **changes)


def test_identical_annotations_agree_perfectly() -> None:
    result = pair_agreement(DOC, BASE, variant(), resamples=50)
    assert result["entities"]["strict_f1"] == 1.0
    assert result["entities"]["type_kappa"] == pytest.approx(1.0)
    assert result["claims"]["overlap_span_f1"] == 1.0
    assert result["attribution"]["overlap_pair_f1"] == 1.0
    assert result["attribution"]["stance_agreement"] == 1.0


def test_missing_entities_lower_f1_as_computed_by_hand() -> None:
    kept = BASE.entities[4:]
    result = pair_agreement(DOC, BASE, variant(entities=kept), resamples=50)
    n, m = len(BASE.entities), len(kept)
    assert result["entities"]["strict_f1"] == pytest.approx(2 * m / (n + m))
    assert sum(result["entities"]["disagreements"]["only_first"].values()) == n - m


def test_type_changes_are_counted_and_lower_kappa() -> None:
    changed = [
        dataclasses.replace(e, label="LOC") if e.label == "GPE" and i % 2 else e
        for i, e in enumerate(BASE.entities)
    ]
    result = pair_agreement(DOC, BASE, variant(entities=changed), resamples=50)
    first = [e.label for e in BASE.entities]
    second = [e.label for e in changed]
    assert result["entities"]["type_kappa"] == pytest.approx(cohen_kappa_score(first, second))
    assert result["entities"]["disagreements"]["type_confusions"]["GPE vs LOC"] == sum(
        a != b for a, b in zip(first, second, strict=True)
    )
    assert result["entities"]["schemes"]["exact"] == 1.0


def test_claim_boundary_within_iou_keeps_overlap_match() -> None:
    claim = max(BASE.claims, key=lambda c: c.end - c.start)
    inside = [t for t in tokens(DOC) if claim.start <= t[0] and t[1] <= claim.end]
    end = inside[-2][1]
    trimmed = dataclasses.replace(claim, end=end, text=DOC.text[claim.start : end])
    claims = [trimmed if c.id == claim.id else c for c in BASE.claims]
    result = pair_agreement(DOC, BASE, variant(claims=claims), resamples=50)
    assert result["claims"]["overlap_span_f1"] == 1.0
    assert result["claims"]["strict_span_f1"] < 1.0


def test_stance_and_certainty_disagreement() -> None:
    stances = [dataclasses.replace(BASE.stances[0], label="query"), *BASE.stances[1:]]
    claims = [dataclasses.replace(BASE.claims[0], certainty="hedged"), *BASE.claims[1:]]
    result = pair_agreement(DOC, BASE, variant(stances=stances, claims=claims), resamples=50)
    first = [s.label for s in BASE.stances]
    second = [s.label for s in stances]
    assert result["attribution"]["stance_agreement"] == pytest.approx(
        sum(a == b for a, b in zip(first, second, strict=True)) / len(first)
    )
    assert result["attribution"]["stance_confusions"] == {f"{first[0]} vs query": 1}
    assert result["claims"]["certainty_kappa"] == pytest.approx(
        cohen_kappa_score([c.certainty for c in BASE.claims], [c.certainty for c in claims])
    )


def test_kappa_undefined_cases() -> None:
    assert kappa([], []) is None
    assert kappa(["a", "a"], ["a", "a"]) is None


def test_report_orders_pre_adjudication_first_and_renders_every_figure(tmp_path: Path) -> None:
    gold = dataclasses.replace(BASE, annotator="adjudicator", ground_truth=True)
    results = document_agreement(DOC, [gold, BASE, variant(entities=BASE.entities[1:])], 0, 50)
    assert [r["adjudicated"] for r in results] == [False, True, True]
    text = render_markdown(agreement_report(results))
    assert "(pre-adjudication)" in text and "(after adjudication)" in text
    f1 = results[0]["entities"]["strict_f1"]
    assert f"{f1:.3f}" in text

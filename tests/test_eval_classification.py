"""Classification and normalisation scorers, cross-checked against scikit-learn."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from nkru.eval.api import Options, score
from nkru.schema import CERTAINTY_LABELS, STANCE_LABELS, TOPIC_LABELS

LABELS = {"stance": STANCE_LABELS, "certainty": CERTAINTY_LABELS, "topic": TOPIC_LABELS}


@st.composite
def labelled(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    task = draw(st.sampled_from(sorted(LABELS)))
    n = draw(st.integers(1, 40))
    labels = st.sampled_from(LABELS[task])
    return (
        task,
        draw(st.lists(labels, min_size=n, max_size=n)),
        draw(st.lists(labels, min_size=n, max_size=n)),
    )


def records(labels: list[str]) -> list[dict]:
    return [{"id": f"c{i}", "label": lab} for i, lab in enumerate(labels)]


@settings(max_examples=150, deadline=None)
@given(labelled())
def test_classification_equals_sklearn(case):
    task, gold, pred = case
    result = score(task, records(gold), records(pred), Options(bootstrap=0)).to_dict()
    assert result["micro"]["accuracy"] == pytest.approx(accuracy_score(gold, pred))
    # Macro over the classes with gold (the label set the gold fixes); a class predicted
    # but absent from the gold counts only as the other classes' false negatives.
    measured = [label for label in LABELS[task] if label in gold]
    macro = f1_score(gold, pred, labels=measured, average="macro", zero_division=0)
    assert result["headline"]["value"] == pytest.approx(macro)
    assert result["macro"]["f1"] == pytest.approx(macro)
    assert result["macro"]["classes"] == measured
    classes = list(LABELS[task])  # per class: every class of the task, with its gold count
    p, r, f, support = precision_recall_fscore_support(gold, pred, labels=classes, zero_division=0)
    assert list(result["per_type"]) == classes
    for i, label in enumerate(classes):
        ours = result["per_type"][label]
        assert (ours["precision"], ours["recall"], ours["f1"]) == pytest.approx((p[i], r[i], f[i]))
        assert ours["support"] == support[i]
    matrix = confusion_matrix(gold, pred, labels=list(LABELS[task]))
    assert result["confusion_matrix"]["matrix"] == matrix.tolist()
    if task == "stance":
        f_support_deny = f1_score(
            gold, pred, labels=["support", "deny"], average=None, zero_division=0
        )
        assert result["macro"]["f_avg"] == pytest.approx(f_support_deny.mean())


def test_missing_predictions_count_as_wrong_when_allowed():
    gold = records(["support", "deny", "query"])
    result = score(
        "stance", gold, records(["support"]), Options(allow_missing=True, bootstrap=0)
    ).to_dict()
    assert result["micro"]["accuracy"] == pytest.approx(1 / 3)
    assert result["counts"]["missing"] == 2
    assert result["per_type"]["deny"]["recall"] == 0.0


def test_normalization_accuracy_per_type():
    gold = [
        {"id": "m1", "entity_type": "DATE", "value": "2024-10"},
        {"id": "m2", "entity_type": "DATE", "value": "2024-11-04"},
        {"id": "m3", "entity_type": "MONEY", "value": "9000000 USD"},
    ]
    pred = [
        {"id": "m1", "value": "2024-10"},
        {"id": "m2", "value": "2024-11"},
        {"id": "m3", "value": "9000000 USD"},
    ]
    result = score("normalization", gold, pred, Options(bootstrap=0)).to_dict()
    assert result["headline"]["value"] == pytest.approx(2 / 3)
    assert result["per_type"]["DATE"] == {"accuracy": 0.5, "correct": 1, "total": 2}
    assert result["per_type"]["MONEY"]["accuracy"] == 1.0

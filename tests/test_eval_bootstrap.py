"""Bootstrap intervals and paired comparison."""

from __future__ import annotations

import numpy as np
import pytest

from nkru.eval.api import Options, compare, load_gold, score
from nkru.eval.bootstrap import bootstrap_interval, paired_comparison
from nkru.eval.metrics import span_f1_headline


def stance_records(labels: list[str], docs: int = 5) -> list[dict]:
    return [
        {"id": f"c{i}", "document_id": f"d{i % docs}", "label": lab} for i, lab in enumerate(labels)
    ]


GOLD = ["support", "deny", "query"] * 20
GOOD = ["support", "deny", "query"] * 18 + ["deny"] * 6
BAD = ["support"] * 60


def test_interval_is_seeded_recorded_and_brackets_the_value():
    result = score("stance", stance_records(GOLD), stance_records(GOOD), seed=7, bootstrap=500)
    head = result["headline"]
    assert head["ci_low"] <= head["value"] <= head["ci_high"]
    assert result["bootstrap"] == {
        "method": "percentile",
        "resamples": 500,
        "seed": 7,
        "level": 0.95,
        "unit": "example",
        "units": 60,
    }
    again = score("stance", stance_records(GOLD), stance_records(GOOD), seed=7, bootstrap=500)
    assert again["headline"] == head
    other = score("stance", stance_records(GOLD), stance_records(GOOD), seed=8, bootstrap=500)
    assert (
        other["headline"]["ci_low"] != head["ci_low"]
        or other["headline"]["ci_high"] != head["ci_high"]
    )


def test_document_unit_groups_examples():
    result = score(
        "stance",
        stance_records(GOLD),
        stance_records(GOOD),
        bootstrap=200,
        bootstrap_unit="document",
    )
    assert result["bootstrap"]["unit"] == "document"
    assert result["bootstrap"]["units"] == 5


def test_interval_matches_a_naive_bootstrap():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, size=(50, 3)).astype(float)
    low, high = bootstrap_interval(counts, span_f1_headline, 300, 11, 0.9)
    naive_rng = np.random.default_rng(11)
    values = [
        span_f1_headline(counts[naive_rng.integers(0, 50, 50)].sum(axis=0)) for _ in range(300)
    ]
    assert (low, high) == pytest.approx(tuple(np.quantile(values, [0.05, 0.95])))


def test_paired_comparison_detects_a_real_difference_and_not_a_null_one():
    gold = load_gold("stance", records=stance_records(GOLD))
    options = Options(bootstrap=500, seed=1)
    result = compare(gold, stance_records(GOOD), stance_records(BAD), options)
    assert result["delta"] > 0.5
    assert result["p_value"] < 0.01
    assert result["ci_low"] > 0
    same = compare(gold, stance_records(GOOD), stance_records(GOOD), options)
    assert same["delta"] == 0.0 and same["p_value"] == 1.0


def test_paired_comparison_aligns_units():
    a = np.array([[1.0, 1, 1], [0, 1, 0]])
    result = paired_comparison(a, a, span_f1_headline, 100, 0, 0.95)
    assert result["delta"] == 0 and result["ci_low"] == result["ci_high"] == 0

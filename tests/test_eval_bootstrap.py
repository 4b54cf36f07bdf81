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


def test_class_draws_match_a_naive_bootstrap_in_distribution():
    """Few distinct unit vectors: the multinomial-per-class path (same distribution)."""
    rng = np.random.default_rng(3)
    cor = rng.integers(0, 3, 2000)
    counts = np.stack([cor, cor + rng.integers(0, 2, 2000), cor + rng.integers(0, 2, 2000)], 1)
    counts = counts.astype(float)
    assert len(np.unique(counts, axis=0)) * 16 <= len(counts)
    low, high = bootstrap_interval(counts, span_f1_headline, 4000, 5, 0.9)
    assert (low, high) == bootstrap_interval(counts, span_f1_headline, 4000, 5, 0.9)
    naive_rng = np.random.default_rng(6)
    values = [
        span_f1_headline(counts[naive_rng.integers(0, 2000, 2000)].sum(axis=0))
        for _ in range(4000)
    ]
    naive_low, naive_high = np.quantile(values, [0.05, 0.95])
    width = naive_high - naive_low
    assert abs(low - naive_low) < 0.05 * width and abs(high - naive_high) < 0.05 * width
    value = span_f1_headline(counts.sum(axis=0))
    assert low < value < high
    other = counts.copy()
    other[::3, 0] = np.maximum(other[::3, 0] - 1, 0)
    result = paired_comparison(counts, other, span_f1_headline, 2000, 0, 0.95)
    assert result["delta"] == pytest.approx(value - span_f1_headline(other.sum(axis=0)))
    assert result["p_value"] < 0.01 and result["ci_low"] > 0

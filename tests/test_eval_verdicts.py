"""One metric in every resample (fixed class sets), paired tests on the interval's unit, and
verdicts that need interval and test to agree."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.metrics import f1_score

from nkru.eval.api import Options, compare, score
from nkru.eval.bootstrap import paired_test
from nkru.eval.metrics import span_f1
from nkru.eval.verdicts import ALPHA, comparison_verdict, settled
from nkru.schema import STANCE_LABELS


def stance(labels: list[str], docs: int = 5) -> list[dict]:
    return [
        {"id": f"c{i}", "document_id": f"d{i % docs}", "label": x} for i, x in enumerate(labels)
    ]


RARE_GOLD = ["support"] * 41 + ["deny"] * 13 + ["query"]
MISSES_QUERY = [*RARE_GOLD[:-1], "support"]


@pytest.mark.parametrize("unit", ["example", "nested"])
def test_a_missed_rare_class_keeps_the_interval_low(unit):
    """41 support, 13 deny, 1 query, the query missed: macro F1 over the three classes (all
    have gold) is about 2/3 in every resample; averaging over the classes present in each
    resample (the old metric) put resamples without the query near 1.0."""
    report = score(
        "stance",
        stance(RARE_GOLD),
        stance(MISSES_QUERY),
        Options(bootstrap=1000, bootstrap_unit=unit),
    )
    expected = f1_score(
        RARE_GOLD, MISSES_QUERY, labels=list(STANCE_LABELS), average="macro", zero_division=0
    )
    assert report.headline.value == pytest.approx(expected)
    assert report.headline.ci_low <= report.headline.value <= report.headline.ci_high < 0.75


@pytest.mark.parametrize("unit", ["example", "nested"])
def test_perfect_predictions_get_a_point_interval(unit):
    """A perfect file scores 1 in every resample where the score is defined: a resample
    without the rare query (stance) or without any claim (claims) is left out, not scored 0."""
    options = Options(bootstrap=500, bootstrap_unit=unit)
    head = score("stance", stance(RARE_GOLD), stance(RARE_GOLD), options).headline
    assert (head.value, head.ci_low, head.ci_high) == (1.0, 1.0, 1.0)
    claims = [
        {
            "id": f"s{i}",
            "document_id": f"d{i % 5}",
            "text": "Moscou dit que Séoul ment.",
            "claims": [{"start": 15, "end": 25}] if i in (3, 17) else [],
        }
        for i in range(40)
    ]
    head = score("claims", claims, claims, options).headline
    assert (head.value, head.ci_low, head.ci_high) == (1.0, 1.0, 1.0)


def test_resampled_macro_f1_is_sklearns_with_the_fixed_labels():
    """Every resample is scored like ``f1_score(labels=<the classes with gold in the data>)``
    on the drawn examples; resamples where one of them (the rare query) has neither gold nor
    prediction are left out. Checked against a naive bootstrap with the same draws."""
    rng = np.random.default_rng(2)
    gold = [str(x) for x in rng.choice(["support", "deny"], 39)] + ["query"]
    pred = [str(x) for x in rng.choice(["support", "deny", "query"], 40, p=[0.6, 0.38, 0.02])]
    head = score("stance", stance(gold), stance(pred), Options(bootstrap=300, seed=4)).headline
    draws = np.random.default_rng(4)
    values = []
    for _ in range(300):
        index = draws.integers(0, 40, 40)
        g, p = [gold[i] for i in index], [pred[i] for i in index]
        if all(label in g or label in p for label in STANCE_LABELS):
            values.append(
                f1_score(g, p, labels=list(STANCE_LABELS), average="macro", zero_division=0)
            )
    assert len(values) < 300  # some resamples lacked the query and were left out
    assert (head.ci_low, head.ci_high) == pytest.approx(tuple(np.quantile(values, [0.025, 0.975])))


def _brute_force(a: np.ndarray, b: np.ndarray, alternative: str) -> float:
    observed = span_f1(a.sum(0)) - span_f1(b.sum(0))
    hits = 0
    for swap in itertools.product([False, True], repeat=len(a)):
        mask = np.array(swap)[:, None]
        d = span_f1(np.where(mask, b, a).sum(0)) - span_f1(np.where(mask, a, b).sum(0))
        hits += {
            "greater": d >= observed - 1e-12,
            "less": d <= observed + 1e-12,
            "two-sided": abs(d) >= abs(observed) - 1e-12,
        }[alternative]
    return hits / 2 ** len(a)


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_exact_test_enumerates_every_swap_of_documents(alternative):
    rng = np.random.default_rng(9)
    gold = rng.integers(3, 9, 5)
    a = np.stack([rng.integers(0, gold + 1), gold, rng.integers(2, 9, 5)], 1).astype(float)
    b = np.stack([rng.integers(0, gold + 1), gold, rng.integers(2, 9, 5)], 1).astype(float)
    a[:, 0] = np.minimum(a[:, 0], a[:, 2])
    b[:, 0] = np.minimum(b[:, 0], b[:, 2])
    test = paired_test(a, b, span_f1, alternative)
    assert test is not None and test.exact and test.units == 5
    assert test.p_value == pytest.approx(_brute_force(a, b, alternative))
    assert test.p_floor == (2 if alternative == "two-sided" else 1) / 32
    assert test.p_value >= test.p_floor


def _documents_apart(better_in: int, docs: int = 5, per_doc: int = 12) -> tuple[list, list, list]:
    """Gold, A and B: A right on every example of its first ``better_in`` documents and wrong
    on one example in each of the others; B wrong on two examples of every document."""
    gold = [lab for _ in range(per_doc) for lab in ("support", "deny")][:per_doc] * docs
    records = [
        {"id": f"d{d}-{i}", "document_id": f"d{d}", "label": gold[d * per_doc + i]}
        for d in range(docs)
        for i in range(per_doc)
    ]
    flip = {"support": "deny", "deny": "support"}

    def predictions(wrong: dict[int, int]) -> list[dict]:
        out = []
        for d in range(docs):
            for i in range(per_doc):
                label = gold[d * per_doc + i]
                out.append({"id": f"d{d}-{i}", "label": flip[label] if i < wrong[d] else label})
        return out

    a = predictions({d: 0 if d < better_in else 3 for d in range(docs)})
    b = predictions(dict.fromkeys(range(docs), 2))
    return records, a, b


def test_the_test_of_a_document_level_interval_swaps_documents():
    """With nested units the interval resamples documents, and so does the test: its p can
    never go below 1/2^5, however many sentences agree (the old sentence-level swaps gave
    p = 1/(resamples + 1) here)."""
    gold, a, b = _documents_apart(better_in=5)
    options = Options(bootstrap=1000, bootstrap_unit="nested")
    result = compare("stance", gold, a, b, options, alternative="greater")
    assert (result.test_unit, result.test_units) == ("document", 5)
    assert result.p_floor == 1 / 32 and result.p_value == 1 / 32
    assert result.ci_low > 0 and result.verdict == "A better than B"
    sentences = compare("stance", gold, a, b, Options(bootstrap=1000), alternative="greater")
    assert sentences.test_unit == "example" and sentences.p_value < 1 / 32
    # Two-sided, five documents can never reach p < 0.05: the verdict stays open.
    two_sided = compare("stance", gold, a, b, options)
    assert two_sided.p_value == two_sided.p_floor == 2 / 32 > ALPHA
    assert two_sided.verdict == "not settled"


def test_a_higher_point_estimate_alone_is_not_a_verdict():
    """A better on three documents, worse on two: its score is higher but the documents
    disagree, so neither the interval nor the test settles it."""
    gold, a, b = _documents_apart(better_in=3)
    result = compare(
        "stance", gold, a, b, Options(bootstrap=1000, bootstrap_unit="document"), "greater"
    )
    assert result.delta > 0
    assert result.p_value >= ALPHA or result.ci_low <= 0
    assert result.verdict == "not settled"


@pytest.mark.parametrize(
    ("low", "high", "p", "alternative", "expected"),
    [
        (0.01, 0.2, 0.03, "greater", 1),
        (0.01, 0.2, 0.03, "two-sided", 1),
        (-0.01, 0.2, 0.001, "greater", 0),  # interval touches zero
        (0.01, 0.2, 0.06, "greater", 0),  # test does not agree
        (-0.2, -0.01, 0.01, "greater", 0),  # a one-sided "better" test cannot say worse
        (-0.2, -0.01, 0.01, "less", -1),
        (-0.2, -0.01, 0.01, "two-sided", -1),
        (None, None, 0.01, "two-sided", 0),
    ],
)
def test_settled_needs_interval_and_test(low, high, p, alternative, expected):
    assert settled(low, high, p, alternative) == expected
    verdict = comparison_verdict(low, high, p, alternative)
    assert verdict == {1: "A better than B", -1: "B better than A", 0: "not settled"}[expected]

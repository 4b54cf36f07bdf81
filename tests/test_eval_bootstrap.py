"""Bootstrap intervals and paired comparison."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from nkru.eval.api import Options, compare, load_gold, score
from nkru.eval.bootstrap import bootstrap_interval, paired_interval, paired_test
from nkru.eval.metrics import span_f1


def stance_records(labels: list[str], docs: int = 5) -> list[dict]:
    return [
        {"id": f"c{i}", "document_id": f"d{i % docs}", "label": lab} for i, lab in enumerate(labels)
    ]


GOLD = ["support", "deny", "query"] * 20
GOOD = ["support", "deny", "query"] * 18 + ["deny"] * 6
BAD = ["support"] * 60


def test_interval_is_seeded_recorded_and_brackets_the_value():
    result = score(
        "stance", stance_records(GOLD), stance_records(GOOD), Options(seed=7, bootstrap=500)
    ).to_dict()
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
    again = score(
        "stance", stance_records(GOLD), stance_records(GOOD), Options(seed=7, bootstrap=500)
    ).to_dict()
    assert again["headline"] == head
    other = score(
        "stance", stance_records(GOLD), stance_records(GOOD), Options(seed=8, bootstrap=500)
    ).to_dict()
    assert (
        other["headline"]["ci_low"] != head["ci_low"]
        or other["headline"]["ci_high"] != head["ci_high"]
    )


def test_document_unit_groups_examples():
    result = score(
        "stance",
        stance_records(GOLD),
        stance_records(GOOD),
        Options(bootstrap=200, bootstrap_unit="document"),
    ).to_dict()
    assert result["bootstrap"]["unit"] == "document"
    assert result["bootstrap"]["units"] == 5


def test_interval_matches_a_naive_bootstrap():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 4, size=(50, 3)).astype(float)
    low, high = bootstrap_interval(counts, span_f1, 300, 11, 0.9)
    naive_rng = np.random.default_rng(11)
    values = [span_f1(counts[naive_rng.integers(0, 50, 50)].sum(axis=0)) for _ in range(300)]
    assert (low, high) == pytest.approx(tuple(np.quantile(values, [0.05, 0.95])))


def test_paired_comparison_detects_a_real_difference_and_not_a_null_one():
    gold = load_gold("stance", records=stance_records(GOLD))
    options = Options(bootstrap=500, seed=1)
    result = compare(gold.task, gold, stance_records(GOOD), stance_records(BAD), options).to_dict()
    assert result["delta"] > 0.5
    assert result["p_value"] < 0.01
    assert result["ci_low"] > 0
    same = compare(gold.task, gold, stance_records(GOOD), stance_records(GOOD), options).to_dict()
    assert same["delta"] == 0.0 and same["p_value"] == 1.0


def test_paired_interval_of_identical_systems_is_zero():
    a = np.array([[1.0, 1, 1], [0, 1, 0]])
    assert paired_interval(a, a, span_f1, 100, 0, 0.95) == (0, 0)


def test_class_draws_match_a_naive_bootstrap_in_distribution():
    """Few distinct unit vectors: the multinomial-per-class path (same distribution)."""
    rng = np.random.default_rng(3)
    cor = rng.integers(0, 3, 2000)
    counts = np.stack([cor, cor + rng.integers(0, 2, 2000), cor + rng.integers(0, 2, 2000)], 1)
    counts = counts.astype(float)
    assert len(np.unique(counts, axis=0)) * 16 <= len(counts)
    low, high = bootstrap_interval(counts, span_f1, 4000, 5, 0.9)
    assert (low, high) == bootstrap_interval(counts, span_f1, 4000, 5, 0.9)
    naive_rng = np.random.default_rng(6)
    values = [span_f1(counts[naive_rng.integers(0, 2000, 2000)].sum(axis=0)) for _ in range(4000)]
    naive_low, naive_high = np.quantile(values, [0.05, 0.95])
    width = naive_high - naive_low
    assert abs(low - naive_low) < 0.05 * width and abs(high - naive_high) < 0.05 * width
    value = span_f1(counts.sum(axis=0))
    assert low < value < high
    other = counts.copy()
    other[::3, 0] = np.maximum(other[::3, 0] - 1, 0)
    assert paired_interval(counts, other, span_f1, 2000, 0, 0.95)[0] > 0
    test = paired_test(counts, other, span_f1, "two-sided", 2000, 0)
    assert test is not None and not test.exact and test.p_value < 0.01


def _ner_records(seed: int, n: int, shift: bool) -> list[dict]:
    """Records on a grid of 3-character tokens. With ``shift`` (predictions), entities move by
    a token, change type or grow over the next entity (a prediction overlapping two gold
    entities takes NerScorer.add in the batch scorer), and some records carry an unknown key
    (a warning: the record takes the detailed path)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        entities = []
        for t in range(0, 20, 4):
            if rng.random() < 0.5:
                continue
            start = 3 * max(t + (int(rng.integers(-1, 2)) if shift else 0), 0)
            length = 17 if shift and rng.random() < 0.2 else 5
            label = str(rng.choice(["PER", "ORG"] if shift else ["PER", "ORG", "GPE"]))
            entities.append({"start": start, "end": start + length, "label": label})
        ok = [e for j, e in enumerate(entities) if j == 0 or entities[j - 1]["end"] <= e["start"]]
        record = {"id": f"s{i}", "document_id": f"d{i // 7}", "text": "x" * 80, "entities": ok}
        if shift and rng.random() < 0.1:
            record["comment"] = "unknown key"
        out.append(record)
    return out


@pytest.mark.parametrize("unit", ["example", "document"])
def test_ner_per_type_intervals_match_a_bootstrap_of_each_type_alone(tmp_path, unit):
    """Every type's strict F1 interval equals the interval of that type's own per-unit counts,
    each example scored alone by NerScorer (the fast and detailed paths alike)."""
    import json

    from nkru.eval.ner import NerScorer

    gold, pred = _ner_records(0, 300, False), _ner_records(1, 300, True)
    options = {"bootstrap": 400, "seed": 3, "bootstrap_unit": unit, "label_map": {"GPE": "LOC"}}
    in_memory = score("ner", gold, pred, Options(**options)).to_dict()
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in pred), encoding="utf-8")
    gold_set = load_gold("ner", records=gold)
    from_file = score(gold_set.task, gold_set, path, Options(**options)).to_dict()
    units: dict[str, dict[str, np.ndarray]] = {}
    for example, p in zip(gold_set.examples, pred, strict=True):
        scorer = NerScorer({"GPE": "LOC"})
        scorer.add(example, [(e["start"], e["end"], e["label"]) for e in p["entities"]])
        key = example.id if unit == "example" else example.document_id
        for label, m in scorer.results()["per_type"].items():
            row = units.setdefault(label, {}).setdefault(key, np.zeros(3))
            row += [m["strict"]["cor"], m["strict"]["pos"], m["strict"]["act"]]
    assert set(units) == {"PER", "ORG", "LOC"} == set(in_memory["per_type"])
    for label, by_unit in units.items():
        keys = [ex.id if unit == "example" else ex.document_id for ex in gold_set.examples]
        counts = np.array([by_unit.get(k, np.zeros(3)) for k in dict.fromkeys(keys)])
        expected = bootstrap_interval(counts, partial(span_f1, measured=True), 400, 3, 0.95)
        for report in (in_memory, from_file):
            strict = report["per_type"][label]["strict"]
            assert (strict["ci_low"], strict["ci_high"]) == pytest.approx(expected)


def test_per_type_interval_leaves_out_resamples_without_the_type():
    """A rare type predicted perfectly: resamples without it are undefined, not F1 = 0."""
    gold = _ner_records(5, 60, False)
    gold[0]["entities"] = [{"start": 60, "end": 65, "label": "LAW"}]
    result = score("ner", gold, gold, Options(bootstrap=300, seed=1)).to_dict()
    law = result["per_type"]["LAW"]["strict"]
    assert (law["f1"], law["ci_low"], law["ci_high"]) == (1.0, 1.0, 1.0)


def test_nested_units_resample_documents_then_their_examples():
    """Two documents, one all right and one all wrong: resampling documents first draws
    {right, right} or {wrong, wrong} a quarter of the time each, so the interval spans nearly
    all of [0, 1]; resampling examples alone (ignoring documents) gives a narrow interval."""
    gold = [
        {"id": f"{doc}-{i}", "document_id": doc, "label": "support"}
        for doc in ("a", "b")
        for i in range(20)
    ]
    pred = [
        {"id": g["id"], "label": "support" if g["document_id"] == "a" else "deny"} for g in gold
    ]
    task = "stance"
    nested = score(task, gold, pred, Options(bootstrap=400, bootstrap_unit="nested")).to_dict()
    flat = score(task, gold, pred, Options(bootstrap=400)).to_dict()
    assert nested["bootstrap"]["unit"] == "document/example" and nested["bootstrap"]["units"] == 40
    assert nested["headline"]["value"] == flat["headline"]["value"]
    assert nested["headline"]["ci_low"] < 0.1 and nested["headline"]["ci_high"] > 0.9
    assert flat["headline"]["ci_high"] - flat["headline"]["ci_low"] < 0.5
    again = score(task, gold, pred, Options(bootstrap=400, bootstrap_unit="nested")).to_dict()
    assert again["headline"] == nested["headline"]  # seeded
    paired = compare(task, gold, pred, gold, Options(bootstrap=400, bootstrap_unit="nested"))
    assert paired.ci_low < -0.5 and paired.ci_high <= 0


def test_report_and_comparison_are_typed_with_format_and_scheme_versions():
    import nkru
    from nkru.schema import SCHEMA_VERSION

    report = score("stance", stance_records(GOLD), stance_records(GOOD), Options(bootstrap=0))
    assert report.headline.name == "macro_f1" and report.examples.gold == len(GOLD)
    data = report.to_dict()
    assert data["format_version"] == "2.0" and data["scheme_version"] == SCHEMA_VERSION
    assert data["headline"]["value"] == report.headline.value
    result = compare("stance", stance_records(GOLD), stance_records(GOOD), stance_records(BAD))
    assert result.to_dict()["delta"] == result.delta > 0
    assert isinstance(nkru.__version__, str) and nkru.__version__[0].isdigit()

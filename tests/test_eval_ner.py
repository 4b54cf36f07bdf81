"""NER scorer: cross-checks against seqeval (strict IOB2) and nervaluate, and properties."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from nkru.eval.api import Options, score
from nkru.eval.ner import SCHEMES
from nkru.schema import ENTITY_LABELS

TYPES = ("PER", "ORG", "GPE", "LOC")
# Synthetic token grid: token i spans characters [2i, 2i + 1) of "a a a ...".
N_TOKENS = 12


def grid_text(n: int = N_TOKENS) -> str:
    return " ".join("a" * n)


def to_chars(tok_start: int, tok_end: int) -> tuple[int, int]:
    return 2 * tok_start, 2 * tok_end - 1


@st.composite
def token_spans(draw: st.DrawFn, n: int = N_TOKENS) -> list[tuple[int, int, str]]:
    """Non-overlapping token spans ``(first, last + 1, label)`` on an n-token grid."""
    cuts = sorted(draw(st.sets(st.integers(0, n), max_size=8)))
    spans = []
    for a, b in itertools.pairwise(cuts):
        if draw(st.booleans()):
            spans.append((a, b, draw(st.sampled_from(TYPES))))
    return spans


def record(rid: str, spans: list[tuple[int, int, str]], text: bool = True) -> dict:
    rec = {
        "id": rid,
        "entities": [
            dict(zip(("start", "end"), to_chars(a, b), strict=True), label=lab)
            for a, b, lab in spans
        ],
    }
    if text:
        rec["text"] = grid_text()
    return rec


def bio(spans: list[tuple[int, int, str]], n: int = N_TOKENS) -> list[str]:
    tags = ["O"] * n
    for a, b, lab in spans:
        tags[a] = f"B-{lab}"
        for i in range(a + 1, b):
            tags[i] = f"I-{lab}"
    return tags


def run_score(golds: list, preds: list, **options) -> dict:
    gold = [record(f"s{i}", g) for i, g in enumerate(golds)]
    pred = [record(f"s{i}", p, text=False) for i, p in enumerate(preds)]
    return score(
        "ner", gold, pred, Options(bootstrap=options.pop("bootstrap", 0), **options)
    ).to_dict()


corpora = st.integers(1, 6).flatmap(
    lambda k: st.tuples(
        st.lists(token_spans(), min_size=k, max_size=k),
        st.lists(token_spans(), min_size=k, max_size=k),
    )
)


@settings(max_examples=150, deadline=None)
@given(corpora)
def test_strict_equals_seqeval_strict_iob2(corpus):
    golds, preds = corpus
    result = run_score(golds, preds)
    if not any(golds) and not any(preds):
        assert result["micro"]["strict"]["f1"] == 0.0
        return
    report = classification_report(
        [bio(g) for g in golds],
        [bio(p) for p in preds],
        mode="strict",
        scheme=IOB2,
        output_dict=True,
        zero_division=0,
    )
    micro = result["micro"]["strict"]
    assert micro["precision"] == pytest.approx(report["micro avg"]["precision"])
    assert micro["recall"] == pytest.approx(report["micro avg"]["recall"])
    assert micro["f1"] == pytest.approx(report["micro avg"]["f1-score"])
    assert result["headline"]["value"] == pytest.approx(report["micro avg"]["f1-score"])
    types = {lab for spans in golds + preds for _, _, lab in spans}
    assert set(result["per_type"]) == types
    for label in types:
        ours = result["per_type"][label]["strict"]
        if label not in report:  # seqeval leaves out types that occur only in predictions
            assert ours["pos"] == 0 and ours["precision"] == 0.0
            continue
        for metric, theirs in (
            ("precision", "precision"),
            ("recall", "recall"),
            ("f1", "f1-score"),
        ):
            assert ours[metric] == pytest.approx(report[label][theirs])
        assert ours["pos"] == report[label]["support"]


def nervaluate_dicts(spans_list: list[list[tuple[int, int, str]]]) -> list[list[dict]]:
    """nervaluate uses inclusive ends: pass token offsets with end - 1."""
    return [
        [{"label": lab, "start": a, "end": b - 1} for a, b, lab in spans] for spans in spans_list
    ]


def single_overlaps(golds, preds) -> bool:
    """True when no entity overlaps two entities of the other side (no matching choices)."""
    for g_spans, p_spans in zip(golds, preds, strict=True):
        for one, other in ((g_spans, p_spans), (p_spans, g_spans)):
            for a, b, _ in one:
                if sum(1 for c, d, _ in other if a < d and c < b) > 1:
                    return False
    return True


NERVALUATE_SCHEMES = {
    "strict": "strict",
    "exact": "exact",
    "partial": "partial",
    "type": "ent_type",
}


@settings(max_examples=150, deadline=None)
@given(corpora)
def test_schemes_agree_with_nervaluate_when_matching_is_unambiguous(corpus):
    golds, preds = corpus
    result = run_score(golds, preds)
    theirs = Evaluator(
        nervaluate_dicts(golds), nervaluate_dicts(preds), tags=list(TYPES), loader="dict"
    ).evaluate()
    check_types = single_overlaps(golds, preds)
    for ours_name, their_name in NERVALUATE_SCHEMES.items():
        ours = result["counts"][ours_name]
        if ours_name == "strict" or check_types:
            other = theirs["overall"][their_name]
            assert (ours["cor"], ours["inc"], ours["par"], ours["mis"], ours["spu"]) == (
                other.correct,
                other.incorrect,
                other.partial,
                other.missed,
                other.spurious,
            )
            assert result["micro"][ours_name]["f1"] == pytest.approx(other.f1)
        if check_types:
            for label, per_scheme in theirs["entities"].items():
                other = per_scheme[their_name]
                mine = result["per_type"][label][ours_name]
                assert (mine["cor"], mine["inc"], mine["par"], mine["mis"], mine["spu"]) == (
                    other.correct,
                    other.incorrect,
                    other.partial,
                    other.missed,
                    other.spurious,
                )


def test_semeval_scenarios():
    gold = [[(0, 2, "PER"), (3, 4, "ORG"), (5, 7, "GPE"), (8, 9, "LOC"), (10, 11, "PER")]]
    pred = [[(0, 2, "PER"), (3, 4, "PER"), (5, 6, "GPE"), (8, 10, "ORG")]]
    counts = run_score(gold, pred)["counts"]
    assert counts["strict"] | {} == {
        "cor": 1,
        "inc": 3,
        "par": 0,
        "mis": 1,
        "spu": 0,
        "pos": 5,
        "act": 4,
    }
    assert (counts["exact"]["cor"], counts["exact"]["inc"]) == (2, 2)
    assert (counts["partial"]["cor"], counts["partial"]["par"]) == (2, 2)
    assert (counts["type"]["cor"], counts["type"]["inc"]) == (2, 2)


def test_optimal_matching_beats_greedy():
    # gold A=[0,2) B=[2,4); prediction P1=[1,3) overlaps both, P2=[3,4) overlaps only B.
    # Greedy (first overlap) pairs P1-A then P2-B; optimal must keep both pairs too, and
    # when P1 is listed after P2 a greedy scan would still find 2 pairs: check size only.
    result = run_score([[(0, 2, "PER"), (2, 4, "PER")]], [[(3, 4, "PER"), (1, 3, "PER")]])
    assert result["counts"]["type"]["cor"] == 2
    assert result["counts"]["partial"]["par"] == 2


def test_type_pairs_are_matched_optimally_not_greedily():
    """Gold [0,2) PER, [2,4) ORG; predictions [1,3) ORG, [3,4) PER. Taking for each prediction
    the first gold entity it overlaps pairs ORG with PER and PER with ORG (type COR 0); the
    optimal matching pairs [1,3) ORG with [2,4) ORG (type COR 1)."""
    result = run_score([[(0, 2, "PER"), (2, 4, "ORG")]], [[(1, 3, "ORG"), (3, 4, "PER")]])
    assert result["counts"]["type"] == {
        "cor": 1,
        "inc": 0,
        "par": 0,
        "mis": 1,
        "spu": 1,
        "pos": 2,
        "act": 2,
    }
    assert result["per_type"]["ORG"]["type"]["cor"] == 1


def test_multi_document_aggregation_is_a_sum_not_a_mean():
    golds = [[(0, 1, "PER")], [(0, 1, "PER"), (2, 3, "ORG"), (4, 5, "GPE")]]
    preds = [[(0, 1, "PER")], [(0, 1, "ORG")]]
    result = run_score(golds, preds)
    assert result["micro"]["strict"]["recall"] == pytest.approx(1 / 4)
    assert result["micro"]["strict"]["precision"] == pytest.approx(1 / 2)


def test_label_map_applies_to_gold_and_predictions():
    mapping = {"GPE": "LOC", "NORP": "MISC"}
    gold = [[(0, 1, "GPE"), (2, 3, "NORP")]]
    pred = [[(0, 1, "LOC"), (2, 3, "MISC")]]
    result = run_score(gold, pred, label_map=mapping)
    assert result["headline"]["value"] == 1.0
    assert set(result["per_type"]) == {"LOC", "MISC"}


@settings(max_examples=150, deadline=None)
@given(corpora, st.dictionaries(st.sampled_from(TYPES), st.sampled_from(("PER", "LOC", None))))
def test_label_map_to_none_drops_the_label_from_gold_and_predictions(corpus, mapping):
    golds, preds = corpus

    def mapped(docs: list) -> list:
        return [
            [(a, b, mapping.get(lab, lab)) for a, b, lab in spans if mapping.get(lab, lab)]
            for spans in docs
        ]

    ours = run_score(golds, preds, label_map=mapping)
    expected = run_score(mapped(golds), mapped(preds))
    for key in ("counts", "micro", "macro", "per_type"):
        assert ours[key] == expected[key], key


def test_types_only_in_predictions_are_reported():
    result = run_score([[(0, 1, "PER")]], [[(0, 1, "PER"), (2, 3, "ORG")]])
    assert result["per_type"]["ORG"]["strict"]["act"] == 1
    assert result["per_type"]["ORG"]["strict"]["f1"] == 0.0
    assert result["macro"]["strict"]["f1"] == pytest.approx(0.5)


nonempty = st.lists(token_spans(), min_size=1, max_size=6).filter(lambda c: any(c))


@settings(max_examples=60, deadline=None)
@given(nonempty)
def test_gold_against_itself_is_perfect(golds):
    result = run_score(golds, golds, bootstrap=50)
    for scheme in SCHEMES:
        assert result["micro"][scheme]["f1"] == 1.0
    assert result["headline"]["value"] == 1.0


@settings(max_examples=60, deadline=None)
@given(nonempty)
def test_empty_predictions_have_zero_recall(golds):
    result = run_score(golds, [[] for _ in golds])
    for scheme in SCHEMES:
        assert result["micro"][scheme]["recall"] == 0.0


@settings(max_examples=40, deadline=None)
@given(corpora, st.randoms(use_true_random=False))
def test_shuffling_lines_changes_nothing(corpus, rnd: random.Random):
    golds, preds = corpus
    gold = [record(f"s{i}", g) for i, g in enumerate(golds)]
    pred = [record(f"s{i}", p) for i, p in enumerate(preds)]
    before = score("ner", gold, pred, Options(bootstrap=100, seed=3)).to_dict()
    rnd.shuffle(pred)
    assert score("ner", gold, pred, Options(bootstrap=100, seed=3)).to_dict() == before


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=8))
def test_touching_spans_never_overlap(lengths):
    cuts = [0]
    for n in lengths:
        cuts.append(cuts[-1] + n)
    spans = [{"start": a, "end": b, "label": "PER"} for a, b in itertools.pairwise(cuts)]
    text = "x" * cuts[-1]
    # Touching spans are valid in one file, and a span touching another is no partial match.
    gold = {"id": "t", "text": text, "entities": spans[0::2]}
    pred = {"id": "t", "entities": spans[1::2]}
    result = score("ner", [gold], [pred], Options(bootstrap=0)).to_dict()
    for scheme in SCHEMES:
        counts = result["counts"][scheme]
        assert (counts["cor"], counts["inc"], counts["par"]) == (0, 0, 0)
    assert (
        score("ner", [{**gold, "entities": spans}], [pred], Options(bootstrap=0)).to_dict()[
            "headline"
        ]["value"]
        > 0
    )


def test_every_entity_label_is_accepted():
    text = "x" * (2 * len(ENTITY_LABELS))
    gold = {
        "id": "t",
        "text": text,
        "entities": [
            {"start": 2 * i, "end": 2 * i + 1, "label": lab} for i, lab in enumerate(ENTITY_LABELS)
        ],
    }
    assert score("ner", [gold], [gold], Options(bootstrap=0)).to_dict()["headline"]["value"] == 1.0


def best_pairs(gold: list, pred: list, right) -> tuple[int, int]:
    """``(fully right pairs, pairs)`` of the lexicographically best one-to-one matching of
    overlapping entities, by trying every matching."""

    def search(g: int, used: frozenset[int]) -> tuple[int, int]:
        if g == len(gold):
            return (0, 0)
        best = search(g + 1, used)
        a, b, _ = gold[g]
        for p, (c, d, _) in enumerate(pred):
            if p not in used and a < d and c < b:
                cor, paired = search(g + 1, used | {p})
                best = max(best, (cor + right(gold[g], pred[p]), paired + 1))
        return best

    return search(0, frozenset())


RIGHT = {
    "strict": lambda g, p: g == p,
    "exact": lambda g, p: g[:2] == p[:2],
    "partial": lambda g, p: g[:2] == p[:2],
    "type": lambda g, p: g[2] == p[2],
}


def brute_counts(golds: list, preds: list) -> dict[str, tuple[int, ...]]:
    """``(COR, INC, PAR, MIS, SPU)`` of each scheme, summed over examples."""
    out = {}
    for scheme, right in RIGHT.items():
        cor = paired = 0
        for gold, pred in zip(golds, preds, strict=True):
            c, n = best_pairs(gold, pred, right)
            cor, paired = cor + c, paired + n
        pos, act = sum(map(len, golds)), sum(map(len, preds))
        wrong = paired - cor
        inc, par = (0, wrong) if scheme == "partial" else (wrong, 0)
        out[scheme] = (cor, inc, par, pos - paired, act - paired)
    return out


@settings(max_examples=150, deadline=None)
@given(corpora)
def test_counts_equal_an_exhaustive_matching_search(corpus):
    """Every scheme's counts, overall and per type, against the best of all matchings, entities
    overlapping several others included (where nervaluate's greedy matching differs)."""
    golds, preds = corpus
    result = run_score(golds, preds)
    expected = {"overall": brute_counts(golds, preds)}
    for label in {lab for spans in golds + preds for _, _, lab in spans}:
        of_type = [[s for s in spans if s[2] == label] for spans in golds + preds]
        expected[label] = brute_counts(of_type[: len(golds)], of_type[len(golds) :])
    ours = {"overall": result["counts"]} | {
        label: {s: figures[s] for s in SCHEMES} for label, figures in result["per_type"].items()
    }
    assert set(ours) == set(expected)
    for key, schemes in expected.items():
        for scheme, counts in schemes.items():
            mine = ours[key][scheme]
            assert (mine["cor"], mine["inc"], mine["par"], mine["mis"], mine["spu"]) == counts


@pytest.mark.parametrize("base", [2**31, 2**40, 2**70])
def test_offsets_beyond_32_and_64_bits_are_scored_like_small_ones(base):
    """Without a text any offset is valid; the counts depend only on the offsets' order."""
    golds = [[(0, 2, "PER"), (3, 6, "ORG")], [(1, 4, "GPE")]]
    preds = [[(0, 2, "PER"), (4, 8, "ORG")], [(1, 2, "GPE"), (2, 4, "LOC")]]

    def shifted(docs: list) -> list[dict]:
        return [
            {
                "id": f"s{i}",
                "entities": [
                    {"start": base + a, "end": base + b, "label": lab} for a, b, lab in spans
                ],
            }
            for i, spans in enumerate(docs)
        ]

    big = score("ner", shifted(golds), shifted(preds), Options(bootstrap=0))
    small = run_score(golds, preds)
    for key in ("counts", "micro", "per_type"):
        assert big.to_dict()[key] == small[key]

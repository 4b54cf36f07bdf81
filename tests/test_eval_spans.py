"""Claims and attribution scorers: overlap matching, strict spans, detection, units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkru.eval.api import Options, score
from nkru.eval.spans import TokenGrid, best_matching, overlapping, overlaps, regex_tokens

TEXT = "Selon Séoul, Pyongyang a envoyé environ 3 000 soldats supplémentaires en Russie."


def span(text: str, sub: str) -> dict[str, int]:
    start = text.index(sub)
    return {"start": start, "end": start + len(sub)}


def claims_gold(claims: list[str], rid: str = "s1", text: str = TEXT) -> dict:
    return {"id": rid, "text": text, "claims": [span(text, c) for c in claims]}


def test_regex_tokens_and_iou():
    tokens = regex_tokens("Selon Séoul, 3 000")
    assert tokens == [(0, 5), (6, 11), (11, 12), (13, 14), (15, 18)]
    grid = TokenGrid(tokens)
    assert grid.iou((0, 11), (6, 12)) == pytest.approx(1 / 3)
    assert grid.iou((0, 5), (6, 11)) == 0.0
    assert TokenGrid(None).iou((0, 4), (2, 6)) == pytest.approx(2 / 6)


def test_overlap_helpers_treat_touching_spans_as_disjoint():
    assert not overlaps((0, 3), (3, 5))
    assert overlaps((0, 4), (3, 5))
    assert overlapping([(3, 5), (0, 3), (5, 9)]) == []
    assert overlapping([(3, 5), (0, 4)]) == [(1, 0)]
    # each overlapping span is paired with the kept span reaching furthest, in start order
    assert overlapping([(0, 10), (2, 4), (10, 12), (11, 13), (2, 4)]) == [(0, 1), (0, 4), (2, 3)]


def _overlaps_one_at_a_time(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The former check, as an oracle: find the first overlapping pair in (start, end) order,
    drop its later span, start again (quadratic)."""
    remaining, pairs = list(range(len(spans))), []
    while True:
        reach = reach_index = -1
        for i in sorted(remaining, key=lambda i: spans[i]):
            if spans[i][0] < reach:
                pairs.append((reach_index, i))
                remaining.remove(i)
                break
            if spans[i][1] > reach:
                reach, reach_index = spans[i][1], i
        else:
            return pairs


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=25))
def test_overlapping_in_one_pass_finds_what_one_at_a_time_found(raw):
    spans = [(start, start + length) for start, length in raw]
    assert overlapping(spans) == _overlaps_one_at_a_time(spans)


def test_claims_match_at_token_iou_one_half_and_not_below():
    """IoU >= 0.5 matches (2 of 4 tokens), 1/3 does not: a scorer testing > 0.5, or using
    characters instead of tokens, gets one of these wrong."""
    text = "aa bb cc dd ee"
    gold = {"id": "s", "text": text, "claims": [{"start": 0, "end": 11}]}  # aa bb cc dd
    half = {"id": "s", "claims": [{"start": 6, "end": 14}]}  # cc dd ee: 2 / 5 tokens
    assert score("claims", [gold], [half], Options(bootstrap=0)).headline.value == 0.0
    two_of_four = {"id": "s", "claims": [{"start": 6, "end": 11}]}  # cc dd: 2 / 4 tokens
    assert score("claims", [gold], [two_of_four], Options(bootstrap=0)).headline.value == 1.0
    grid = TokenGrid(regex_tokens(text))
    assert grid.iou((0, 11), (6, 11)) == 0.5 and grid.iou((0, 11), (6, 14)) == 0.4


def attribution_gold(pairs: list[tuple[str, str]]) -> dict:
    return {
        "id": "d",
        "text": TEXT,
        "pairs": [{"source": span(TEXT, s), "claim": span(TEXT, c)} for s, c in pairs],
    }


def test_a_pair_needs_both_its_source_and_its_claim():
    """A prediction with the right source but another claim (or the right claim and another
    source) is no match: matching on one side alone would count it."""
    gold = attribution_gold([("Séoul", "Pyongyang a envoyé environ 3 000 soldats")])
    wrong_claim = attribution_gold([("Séoul", "supplémentaires en Russie")])
    wrong_source = attribution_gold([("Selon", "Pyongyang a envoyé environ 3 000 soldats")])
    for pred in (wrong_claim, wrong_source):
        result = score("attribution", [gold], [pred], Options(bootstrap=0)).to_dict()
        assert result["counts"]["overlap_matched"] == 0
    both = score("attribution", [gold], [gold], Options(bootstrap=0)).to_dict()
    assert both["counts"]["overlap_matched"] == 1


def test_claims_overlap_strict_and_detection():
    gold = [
        claims_gold(["Pyongyang a envoyé environ 3 000 soldats supplémentaires en Russie"]),
        claims_gold([], rid="s2"),
    ]
    pred = [
        claims_gold(["Pyongyang a envoyé environ 3 000 soldats"]),
        claims_gold(["Selon Séoul"], rid="s2"),
    ]
    result = score("claims", gold, pred, Options(bootstrap=0)).to_dict()
    micro = result["micro"]
    # 7 of 11 tokens: IoU 0.64 -> overlap match, not strict.
    assert micro["overlap_span"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3)}
    assert micro["strict_span"]["f1"] == 0.0
    assert micro["sentence_detection"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(2 / 3),
    }
    assert result["headline"]["value"] == pytest.approx(2 / 3)


def test_claims_use_gold_tokens_when_present():
    text = "aa bb cc dd"
    gold = {
        "id": "s",
        "text": text,
        "claims": [{"start": 0, "end": 8}],
        "token_starts": [0, 6],
        "token_ends": [5, 11],
    }  # two coarse tokens
    pred = {"id": "s", "claims": [{"start": 0, "end": 2}]}
    # By the regex tokens IoU is 1/3; by the gold tokens ("aa bb", "cc dd") it is 1/2.
    assert (
        score("claims", [gold], [pred], Options(bootstrap=0)).to_dict()["headline"]["value"] == 1.0
    )


def test_best_matching_is_optimal_not_greedy():
    # Greedy by weight takes (0, 0) and stops at one pair; the optimum has two.
    matching = best_matching([(0, 0), (0, 1), (1, 0)], [1.9, 1.1, 1.1])
    assert sorted((g, p) for g, p, _ in matching) == [(0, 1), (1, 0)]


def test_attribution_matching_is_optimal_not_first_fit():
    text = "Séoul dit aa bb cc dd."
    source = span(text, "Séoul")
    first_half, second_half, whole = (
        span(text, "aa bb"),
        span(text, "cc dd"),
        span(text, "aa bb cc dd"),
    )
    gold = {
        "id": "d",
        "text": text,
        "pairs": [
            {"source": source, "claim": second_half},
            {"source": source, "claim": first_half},
        ],
    }
    # The first prediction (IoU 0.5 with both gold claims) must not take the only gold pair
    # that the second prediction can match.
    pred = {
        "id": "d",
        "pairs": [{"source": source, "claim": whole}, {"source": source, "claim": second_half}],
    }
    result = score("attribution", [gold], [pred], Options(bootstrap=0)).to_dict()
    assert result["counts"]["overlap_matched"] == 2


def attribution_doc() -> dict:
    text = (
        "Séoul affirme que des soldats sont à Koursk. Le Kremlin dément toute présence. "
        "Un diplomate se demande si Pyongyang enverra d'autres unités."
    )
    sentences = [
        span(text, "Séoul affirme que des soldats sont à Koursk."),
        span(text, "Le Kremlin dément toute présence."),
        span(text, "Un diplomate se demande si Pyongyang enverra d'autres unités."),
    ]
    pairs = [
        {
            "source": span(text, "Séoul"),
            "claim": span(text, "des soldats sont à Koursk"),
            "label": "support",
        },
        {
            "source": span(text, "Le Kremlin"),
            "claim": span(text, "toute présence"),
            "label": "deny",
        },
        {
            "source": span(text, "Un diplomate"),
            "claim": span(text, "Pyongyang enverra d'autres unités"),
            "label": "query",
        },
    ]
    return {"id": "002", "document_id": "002", "text": text, "sentences": sentences, "pairs": pairs}


def test_attribution_pairs_labels_and_sentence_units():
    gold = attribution_doc()
    text = gold["text"]
    pred = {
        "id": "002",
        "pairs": [
            {
                "source": span(text, "Séoul"),
                "claim": span(text, "des soldats sont à Koursk"),
                "label": "deny",
            },
            {
                "source": span(text, "Le Kremlin"),
                "claim": span(text, "dément toute présence"),
                "label": "deny",
            },
        ],
    }
    result = score("attribution", [gold], [pred], Options(bootstrap=200)).to_dict()
    assert result["micro"]["overlap_pair"]["precision"] == 1.0
    assert result["micro"]["overlap_pair"]["recall"] == pytest.approx(2 / 3)
    assert result["micro"]["labelled_pair"]["precision"] == 0.5
    assert result["bootstrap"]["unit"] == "sentence"
    assert result["bootstrap"]["units"] == 3
    doc = score(
        "attribution", [gold], [pred], Options(bootstrap=200, bootstrap_unit="document")
    ).to_dict()
    assert doc["bootstrap"]["units"] == 1
    assert doc["headline"]["ci_low"] == doc["headline"]["ci_high"] == doc["headline"]["value"]


def test_attribution_requires_both_spans_to_match():
    gold = attribution_doc()
    text = gold["text"]
    pred = {
        "id": "002",
        "pairs": [
            {"source": span(text, "Séoul"), "claim": span(text, "Koursk")},
        ],
    }
    result = score("attribution", [gold], [pred], Options(bootstrap=0)).to_dict()
    assert result["counts"]["overlap_matched"] == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6)), min_size=1, max_size=5))
def test_claims_gold_against_itself_and_empty(raw):
    text = " ".join(["mot"] * 30)
    tokens = regex_tokens(text)
    spans, used = [], set()
    for first, length in raw:
        idx = set(range(first, first + length))
        if idx & used:
            continue
        used |= idx
        spans.append({"start": tokens[first][0], "end": tokens[first + length - 1][1]})
    gold = {"id": "s", "text": text, "claims": spans}
    assert (
        score("claims", [gold], [gold], Options(bootstrap=0)).to_dict()["headline"]["value"] == 1.0
    )
    empty = score("claims", [gold], [{"id": "s", "claims": []}], Options(bootstrap=0)).to_dict()
    assert empty["micro"]["overlap_span"]["recall"] == 0.0

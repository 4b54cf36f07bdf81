"""The dependency-based claim span rule, parse-based source cues and the anaphora rule."""

from __future__ import annotations

import itertools

import pytest

from nkru.baselines.attribution import (
    AttributionPairs,
    anaphoric_source,
    cue_stance,
    has_reported_clause,
    source_candidates,
)
from nkru.baselines.claims import claim_span, claim_spans, span_claims
from nkru.baselines.nlp import analyse
from nkru.tasks import TASKS


def _texts(sentence: str) -> list[str]:
    return [sentence[a:b] for a, b in claim_spans(sentence)]


@pytest.mark.parametrize(
    ("sentence", "claims"),
    [
        # the two cases of the brief
        (
            "Selon le ministère, 3 000 soldats sont déjà présents.",
            ["3 000 soldats sont déjà présents"],
        ),
        (
            "Le Kremlin a confirmé que des troupes participent aux opérations.",
            ["des troupes participent aux opérations"],
        ),
        # epistemic "il est « très probable » que" (GUIDELINES C11)
        (
            "Il est « très probable » que 1 500 soldats soient déjà présents en Ukraine.",
            ["1 500 soldats soient déjà présents en Ukraine"],
        ),
        # a negated reporting verb governed by "pouvoir"
        (
            "Les journalistes n'ont pas pu prouver que les soldats combattaient en Ukraine.",
            ["les soldats combattaient en Ukraine"],
        ),
        # leading connective and coordinated clauses with their own subjects (C11, C13)
        (
            "Mais des soldats sont arrivés à Koursk et Moscou a livré des missiles à Pyongyang.",
            ["des soldats sont arrivés à Koursk", "Moscou a livré des missiles à Pyongyang"],
        ),
        # trailing cue "comme le rapporte X"
        (
            "Ce ravitaillement proviendrait de Corée du Nord, "
            "comme le rapportent plusieurs médias.",
            ["Ce ravitaillement proviendrait de Corée du Nord"],
        ),
        # purpose clause "afin de" (C15)
        (
            "Les soldats sont arrivés en Russie afin de se familiariser avec le terrain.",
            ["Les soldats sont arrivés en Russie"],
        ),
        # a coordinated prediction is not part of the claim (C4)
        (
            "Des soldats suivent un entraînement en Russie et pourraient être déployés en Ukraine.",
            ["Des soldats suivent un entraînement en Russie"],
        ),
        # object of a denial (C10); trailing "selon X"
        (
            "Moscou dément fermement la présence de soldats nord-coréens.",
            ["la présence de soldats nord-coréens"],
        ),
        ("Pyongyang nie toute livraison d'armes, selon KCNA.", ["toute livraison d'armes"]),
        # quotation marks inside the proposition stay
        (
            "Il a déclaré que des «milliers» de soldats étaient en Russie.",
            ["des «milliers» de soldats étaient en Russie"],
        ),
    ],
)
def test_claim_span_rule_on_french_sentences(sentence: str, claims: list[str]) -> None:
    assert _texts(sentence) == claims


def test_anaphoric_object_is_not_cut_to_a_new_claim() -> None:
    sentence = "Le Kremlin continue de nier ces affirmations."
    assert _texts(sentence) == ["Le Kremlin continue de nier ces affirmations"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Selon le ministère, 3 000 soldats sont déjà présents.",
        "  Mais des soldats sont arrivés à Koursk et Moscou a livré des missiles à Pyongyang. ",
        "La guerre fait toujours rage - et plus de 650 000 soldats ont été blessés ou tués.",
        "«Pour la Corée du Nord, qui a fourni des obus, il est essentiel d'apprendre.",
        "Selon Kiev, .",
    ],
)
def test_spans_lie_on_token_boundaries_without_overlap(sentence: str) -> None:
    spans = claim_spans(sentence)
    assert spans
    starts = {t[0] for t in analyse(sentence).tokens}
    ends = {t[1] for t in analyse(sentence).tokens}
    for (_, b), (c, _) in itertools.pairwise(spans):
        assert b <= c
    for a, b in spans:
        assert 0 <= a < b <= len(sentence)
        assert a in starts and b in ends
    assert claim_span(sentence) == spans[0]
    assert span_claims(sentence) == [{"start": a, "end": b} for a, b in spans]


def test_blank_sentence_has_no_claim() -> None:
    assert claim_spans("  ") == [] and claim_span("") is None


def _kinds(text: str) -> dict[str, tuple[str, ...]]:
    return {text[a:b]: k for (a, b), k in source_candidates(text, analyse(text)).items()}


def test_parse_based_source_cues() -> None:
    kinds = _kinds("Le Kremlin continue de nier ces affirmations.")
    assert {"cue:subject", "verb:nier"} <= set(kinds["Le Kremlin"])
    kinds = _kinds("Les experts n'ont pas pu prouver que des soldats combattaient.")
    assert {"cue:subject", "cue:negated"} <= set(kinds["Les experts"])
    kinds = _kinds("C'est ce que rapporte le journal britannique Guardian.")
    assert "cue:inverted" in kinds["Guardian"]  # GUIDELINES S2 (2): the name only
    kinds = _kinds(
        "La présence de soldats, confirmée par les Etats-Unis, est toujours niée par "
        "la Corée du Nord."
    )
    assert "cue:agent" in kinds["les Etats-Unis"] and "cue:agent" in kinds["la Corée du Nord"]
    assert not any(k.startswith("cue:") for k in kinds.get("La présence", ()))
    assert (
        "cue:selon" in _kinds("Selon le «Guardian», des missiles ont été livrés.")["le «Guardian»"]
    )


def test_cue_stance_lexicon() -> None:
    assert cue_stance(("cue:subject", "verb:nier")) == "deny"
    assert cue_stance(("cue:agent", "verb:démentir")) == "deny"
    assert cue_stance(("cue:subject", "cue:negated", "verb:prouver")) == "query"
    assert cue_stance(("cue:subject", "verb:affirmer")) is None


def test_reported_clause_and_anaphoric_source() -> None:
    for text in (
        "Le Kremlin a confirmé que des troupes participent aux opérations.",
        "Selon Kiev, des soldats sont arrivés.",
        "Des soldats sont arrivés, selon Kiev.",
    ):
        assert has_reported_clause(text, analyse(text))
    plain = "Des soldats sont arrivés."
    assert not has_reported_clause(plain, analyse(plain))
    text = "Le Kremlin continue de nier ces affirmations."
    source, scope, kinds = anaphoric_source(text, analyse(text), {"affirmation"})
    assert text[source[0] : source[1]] == "Le Kremlin" and scope == "paragraph"
    assert cue_stance(kinds) == "deny"
    assert anaphoric_source(text, analyse(text), {"ce", "information"}) is None  # not learned
    text = "C'est ce que rapporte le journal britannique Guardian."
    source, scope, _ = anaphoric_source(text, analyse(text), {"ce"})
    assert text[source[0] : source[1]] == "Guardian" and scope == "previous"
    assert anaphoric_source(text, analyse(text), set()) is None
    assert anaphoric_source(plain, analyse(plain), {"ce", "affirmation"}) is None


def _doc(
    doc_id: int,
    sentences: list[str],
    claims: list[str],
    pairs: list[tuple[str, str, str]],
    separator: str = " ",
) -> dict:
    text, spans = "", []
    for sentence in sentences:
        if text:
            text += separator
        spans.append({"start": len(text), "end": len(text) + len(sentence)})
        text += sentence

    def where(surface: str) -> tuple[int, int]:
        start = text.index(surface)
        return start, start + len(surface)

    claim_rows = [dict(zip(("start", "end"), where(c), strict=True)) for c in claims]
    pair_rows = []
    for source, claim, stance in pairs:
        (s0, s1), (c0, c1) = where(source), where(claim)
        pair_rows.append(
            {
                "source_start": s0,
                "source_end": s1,
                "claim_start": c0,
                "claim_end": c1,
                "stance": stance,
            }
        )
    return {
        "id": doc_id,
        "document_id": doc_id,
        "text": text,
        "sentences": spans,
        "claims": claim_rows,
        "pairs": pair_rows,
    }


TRAIN = _doc(
    1,
    [
        "Selon le Pentagone, 10 000 soldats sont en Russie.",
        "Lloyd Austin a confirmé que des troupes se trouvaient à Koursk.",
        "Selon Séoul, des obus ont été livrés à Moscou.",
        "Le Kremlin a démenti que des soldats combattaient en Ukraine.",
        "Cette alliance inquiète les Européens.",
    ],
    [
        "10 000 soldats sont en Russie",
        "des troupes se trouvaient à Koursk",
        "des obus ont été livrés à Moscou",
        "des soldats combattaient en Ukraine",
    ],
    [
        ("le Pentagone", "10 000 soldats sont en Russie", "support"),
        ("Lloyd Austin", "des troupes se trouvaient à Koursk", "support"),
        ("Séoul", "des obus ont été livrés à Moscou", "support"),
        ("Le Kremlin", "des soldats combattaient en Ukraine", "deny"),
    ],
)


ANAPHORA = _doc(
    3,
    ["Selon Kiev, des missiles ont été livrés.", "Moscou continue de nier ces affirmations."],
    ["des missiles ont été livrés"],
    [
        ("Kiev", "des missiles ont été livrés", "support"),
        ("Moscou", "des missiles ont été livrés", "deny"),
    ],
)
"""A training document whose denial is anaphoric: the source is in the claim's next sentence."""


def test_anaphor_markers_are_learned_from_the_training_documents_only() -> None:
    assert AttributionPairs().fit([TRAIN]).anaphors == frozenset()
    assert AttributionPairs().fit([ANAPHORA]).anaphors == {"affirmation"}


@pytest.mark.parametrize(("separator", "expected"), [(" ", True), ("\n\n", False)])
def test_anaphoric_denial_pairs_with_earlier_claims_of_the_paragraph(
    separator: str, expected: bool
) -> None:
    test = _doc(
        2,
        [
            "Selon Kiev, 3 000 soldats sont arrivés en Russie.",
            "Le Kremlin continue de nier ces affirmations.",
        ],
        ["3 000 soldats sont arrivés en Russie"],
        [
            ("Kiev", "3 000 soldats sont arrivés en Russie", "support"),
            ("Le Kremlin", "3 000 soldats sont arrivés en Russie", "deny"),
        ],
        separator,
    )
    system = AttributionPairs().fit([TRAIN, ANAPHORA])
    assert system.anaphors == {"affirmation"}
    gold_claims = [(c["start"], c["end"]) for c in test["claims"]]
    stripped = TASKS["attribution"].strip(test)
    prediction = system.attribute(stripped, gold_claims)
    text = test["text"]
    found = {
        (
            text[p["source"]["start"] : p["source"]["end"]],
            text[p["claim"]["start"] : p["claim"]["end"]],
            p["label"],
        )
        for p in prediction["pairs"]
    }
    assert ("Kiev", "3 000 soldats sont arrivés en Russie", "support") in found
    denial = ("Le Kremlin", "3 000 soldats sont arrivés en Russie", "deny")
    assert (denial in found) is expected
    assert system.attribute(stripped, gold_claims) == prediction  # deterministic

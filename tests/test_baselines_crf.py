"""The learned taggers and classifiers: BIO round trips, token alignment, inner selection, CRF
decoding, cue features, and each system on the committed data fed only its task's inputs."""

from __future__ import annotations

import pytest

from nkru.baselines.bio import bio_tags, spans_from_bio
from nkru.baselines.claim_crf import ClaimCrf
from nkru.baselines.crf import marginal_tags
from nkru.baselines.cues import (
    CertaintyCues,
    StanceCues,
    TopicCues,
    certainty_features,
    stance_features,
)
from nkru.baselines.ner import NerCrf
from nkru.baselines.nlp import Analysis, analyse
from nkru.baselines.selection import Selection, document_folds, headline, select
from nkru.baselines.tokens import aligned_parse, entity_tags
from nkru.eval.gold import read_split
from nkru.paths import data_dir
from nkru.tasks import TASKS

TOKENS = [(0, 3), (4, 7), (8, 11), (12, 15), (16, 19)]


def test_touching_spans_round_trip_to_their_character_offsets() -> None:
    spans = [
        {"start": 0, "end": 7, "label": "CLAIM"},
        {"start": 8, "end": 15, "label": "CLAIM"},
    ]
    tags = bio_tags(TOKENS, spans)
    assert tags == ["B-CLAIM", "I-CLAIM", "B-CLAIM", "I-CLAIM", "O"]
    assert spans_from_bio(tags, TOKENS, ("CLAIM",)) == spans


def test_overlapping_span_is_skipped_and_partial_tokens_widen_to_token_edges() -> None:
    spans = [
        {"start": 1, "end": 6, "label": "PER"},  # inside tokens 0-1: widened to [0, 7)
        {"start": 4, "end": 11, "label": "ORG"},  # overlaps the first: BIO cannot hold both
        {"start": 12, "end": 19, "label": "ORG"},
    ]
    tags = bio_tags(TOKENS, spans)
    assert tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]
    assert spans_from_bio(tags, TOKENS) == [
        {"start": 0, "end": 7, "label": "PER"},
        {"start": 12, "end": 19, "label": "ORG"},
    ]


def test_decoding_starts_a_span_at_a_stray_inside_tag_and_at_a_label_change() -> None:
    tags = ["I-CLAIM", "O", "I-CLAIM", "I-CLAIM", "B-CLAIM"]
    assert spans_from_bio(tags, TOKENS, ("CLAIM",)) == [
        {"start": 0, "end": 3, "label": "CLAIM"},
        {"start": 8, "end": 15, "label": "CLAIM"},
        {"start": 16, "end": 19, "label": "CLAIM"},
    ]
    assert spans_from_bio(["B-PER", "I-ORG", "O", "O", "O"], TOKENS) == [
        {"start": 0, "end": 3, "label": "PER"},
        {"start": 4, "end": 7, "label": "ORG"},
    ]


def _token(start: int, end: int, pos: str) -> tuple:
    return (start, end, "x", "x", pos, "dep", 0, "")


def test_spacy_tokens_are_aligned_by_offsets_not_position() -> None:
    # dataset: "Jong" "-" "un" "arrive"; spaCy: "Jong-un" " " "arrive"
    analysis = Analysis(
        entities=((0, 7, "PER"),),
        chunks=(),
        tokens=(),
        parse=(_token(0, 7, "PROPN"), _token(7, 8, "SPACE"), _token(8, 14, "VERB")),
    )
    tokens = [(0, 4), (4, 5), (5, 7), (8, 14)]
    assert [t[4] if t else None for t in aligned_parse(tokens, analysis)] == [
        "PROPN",
        "PROPN",
        "PROPN",
        "VERB",
    ]
    assert entity_tags(tokens, analysis) == ["B-PER", "I-PER", "I-PER", "O"]
    assert aligned_parse([(20, 22)], analysis) == [None]


# --- inner selection -----------------------------------------------------------------------------


def _ner_row(doc: str, n: int, k: int) -> dict:
    """A row of document ``doc`` with ``k`` one-token entities."""
    text = " ".join(["Kim"] * k + ["va"] * (n - k))
    entities = [{"start": 4 * i, "end": 4 * i + 3, "label": "PER"} for i in range(k)]
    return {"id": f"{doc}-s{n}-{k}", "document_id": doc, "text": text, "entities": entities}


def test_selection_pools_the_held_out_documents_instead_of_averaging_folds() -> None:
    # doc a: 1 entity; doc b: 9 entities. Candidate "A" finds a's entity and 3 of b's
    # (fold F1 1.0 and 0.5: mean 0.75, pooled 4/10 → 0.571); "B" misses a's and finds 6 of b's
    # (fold F1 0 and 0.8: mean 0.4, pooled 6/10 → 0.75). Pooled scoring must pick "B".
    rows = [_ner_row("a", 3, 1), _ner_row("b", 10, 9)]
    found = {"A": {"a": 1, "b": 3}, "B": {"a": 0, "b": 6}}

    def fit_predict(candidate: str, train: list[dict], held: list[dict]) -> list[dict]:
        assert {r["document_id"] for r in train}.isdisjoint(r["document_id"] for r in held)
        return [
            {"id": r["id"], "entities": r["entities"][: found[candidate][r["document_id"]]]}
            for r in held
        ]

    chosen = select("ner", rows, ["A", "B"], fit_predict)
    assert chosen.chosen == "B"
    assert chosen.scores == {"A": pytest.approx(0.5714, abs=1e-4), "B": 0.75}
    assert chosen.documents == ("a", "b")


def test_selection_needs_two_training_documents_and_breaks_ties_to_the_default() -> None:
    one_doc = [_ner_row("a", 3, 1), _ner_row("a", 4, 2)]
    assert document_folds(one_doc) == {}
    assert select("ner", one_doc, ["default", "other"], lambda *a: []) == Selection("default")
    rows = [_ner_row("a", 3, 1), _ner_row("b", 4, 2)]
    tie = select(
        "ner",
        rows,
        ["default", "other"],
        lambda c, t, h: [{"id": r["id"], "entities": []} for r in h],
    )
    assert tie.chosen == "default" and tie.scores == {"default": 0.0, "other": 0.0}
    assert headline("ner", rows, [{"id": r["id"], "entities": r["entities"]} for r in rows]) == 1


def test_marginal_decoding_sums_the_inside_tags_before_thresholding() -> None:
    marginals = [
        {"O": 0.6, "B-CLAIM": 0.3, "I-CLAIM": 0.1},  # P(not O) 0.4: in a span, as B
        {"O": 0.5, "B-CLAIM": 0.1, "I-CLAIM": 0.4},  # 0.5: in, as I
        {"O": 0.7, "B-CLAIM": 0.2, "I-CLAIM": 0.1},  # 0.3: out
    ]
    assert marginal_tags(marginals, 0.35) == ["B-CLAIM", "I-CLAIM", "O"]
    assert marginal_tags(marginals, 0.5) == ["O", "I-CLAIM", "O"]


def _claim_row(text: str, claim: str, source: str | None = None) -> dict:
    row = {"id": "x", "document_id": "x", "text": text}
    row["claim_start"] = text.index(claim)
    row["claim_end"] = row["claim_start"] + len(claim)
    if source is not None:
        row["source_start"] = text.index(source)
        row["source_end"] = row["source_start"] + len(source)
    return row


def test_certainty_cues_read_the_mood_of_the_claim_not_of_its_context() -> None:
    hedged = _claim_row(
        "Selon Kiev, des soldats nord-coréens seraient déjà en Russie.",
        "des soldats nord-coréens seraient déjà en Russie",
    )
    asserted = _claim_row(
        "Il aurait fallu le dire : des soldats nord-coréens sont déjà en Russie.",
        "des soldats nord-coréens sont déjà en Russie",
    )
    h = certainty_features(hedged, analyse(hedged["text"]), ())
    a = certainty_features(asserted, analyse(asserted["text"]), ())
    assert h["claim:conditional"] and not a["claim:conditional"]
    assert a["context:conditional"]  # "aurait" is outside the claim
    assert h["context:cue=selon"]


def test_stance_cues_find_the_denial_verb_of_the_source() -> None:
    denied = _claim_row(
        "Le Kremlin a démenti que des soldats nord-coréens combattaient en Ukraine.",
        "des soldats nord-coréens combattaient en Ukraine",
        "Le Kremlin",
    )
    supported = _claim_row(
        "Le Pentagone a confirmé que des soldats nord-coréens combattaient en Ukraine.",
        "des soldats nord-coréens combattaient en Ukraine",
        "Le Pentagone",
    )
    d = stance_features(denied, analyse(denied["text"]), ())
    s = stance_features(supported, analyse(supported["text"]), ())
    assert d["deny_cue"] and not s["deny_cue"]
    assert d["order"] == "source_first" and d["same_sentence"]
    assert "near=confirmer" in s


# --- the NER CRF on the committed data -----------------------------------------------------------

TOKENS_IN = ("id", "document_id", "text", "tokens", "token_starts", "token_ends")
CLAIM_IN = ("id", "document_id", "text", "claim_start", "claim_end")
INPUTS = {
    "ner": TOKENS_IN,
    "claims": TOKENS_IN,
    "stance": (*CLAIM_IN, "source_start", "source_end"),
    "certainty": CLAIM_IN,
    "topic": CLAIM_IN,
}


@pytest.fixture(scope="module")
def ner_rows() -> list[dict]:
    rows = [r for split in ("train", "validation", "test") for r in _rows("ner", split)]
    if len({r["document_id"] for r in rows}) < 2:
        pytest.fail("the committed dataset needs at least two annotated documents")
    return rows


def _rows(task: str, split: str) -> list[dict]:
    if not (data_dir() / task / f"{split}.parquet").is_file():
        return []
    return read_split(TASKS[task], split, data_dir())


@pytest.mark.slow  # CRF fits
def test_ner_crf_learns_from_one_document_and_predicts_from_inputs_only(ner_rows) -> None:
    documents = sorted({r["document_id"] for r in ner_rows})
    train = [r for r in ner_rows if r["document_id"] == documents[0]]
    held = [r for r in ner_rows if r["document_id"] != documents[0]]
    system = NerCrf().fit(train)
    assert system.selection.scores == {}  # one training document: the default settings
    assert system.settings == NerCrf.candidates[0]
    stripped = [{k: r[k] for k in INPUTS["ner"]} for r in held]
    predictions = system.predict(stripped)
    assert predictions == system.predict(held)
    assert predictions == NerCrf().fit(train).predict(stripped)  # deterministic
    gold_entities = sum(len(r["entities"]) for r in held)
    predicted = sum(len(p["entities"]) for p in predictions)
    assert gold_entities and predicted
    # far above predicting no entity (F1 0) on unseen documents
    assert headline("ner", held, predictions) > 0.4


@pytest.mark.slow  # CRF and classifier fits
@pytest.mark.parametrize("system", [ClaimCrf, StanceCues, CertaintyCues, TopicCues])
def test_learned_system_trains_on_other_documents_and_reads_only_inputs(system) -> None:
    task = system.task
    rows = [r for split in ("train", "validation", "test") for r in _rows(task, split)]
    documents = sorted({r["document_id"] for r in rows})
    assert len(documents) >= 2, "the committed dataset needs two annotated documents"
    held = [r for r in rows if r["document_id"] == documents[-1]]
    train = [r for r in rows if r["document_id"] != documents[-1]]
    fitted = system().fit(train)
    assert set(fitted.selection.documents) <= set(documents[:-1])
    stripped = [{k: r[k] for k in INPUTS[task]} for r in held]
    predictions = fitted.predict(stripped)
    assert predictions == fitted.predict(held) == system().fit(train).predict(stripped)
    assert [p["id"] for p in predictions] == [r["id"] for r in held]
    headline(task, held, predictions)  # valid for the scorer

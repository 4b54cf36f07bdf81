"""The NER training-gazetteer floor and the fine-tuned spaCy reference, on synthetic rows and on
the committed corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from nkru.baselines.finetune import SpacyFineTuned
from nkru.baselines.ner import Gazetteer
from nkru.baselines.protocol import System
from nkru.baselines.registry import create
from nkru.baselines.selection import document_folds, headline
from nkru.eval.gold import read_split
from nkru.paths import data_dir
from nkru.schema import ENTITY_LABELS
from nkru.tasks import TASKS, strip_rows


def _row(rid: str, words: list[str], entities: list[tuple[int, int, str]]) -> dict:
    """A NER row from words joined by single spaces; entities as (first, last word, label)."""
    starts, position = [], 0
    for word in words:
        starts.append(position)
        position += len(word) + 1
    ends = [s + len(w) for s, w in zip(starts, words, strict=True)]
    return {
        "id": rid,
        "document_id": rid.split("-")[0],
        "text": " ".join(words),
        "tokens": words,
        "token_starts": starts,
        "token_ends": ends,
        "entities": [
            {"start": starts[a], "end": ends[b], "label": label} for a, b, label in entities
        ],
    }


TRAIN = [
    _row(
        "a-0", ["La", "Corée", "du", "Nord", "arme", "la", "Russie"], [(1, 3, "GPE"), (6, 6, "GPE")]
    ),
    _row("a-1", ["Corée", "et", "Russie"], [(0, 0, "GPE"), (2, 2, "ORG")]),
    _row("a-2", ["Kim", "parle"], [(0, 0, "PER")]),
]


def test_gazetteer_takes_the_most_frequent_label_and_the_alphabetical_one_on_ties() -> None:
    gazetteer = Gazetteer.from_rows(TRAIN)
    assert gazetteer.entries[("russie",)] == "GPE"  # GPE 1, ORG 1: tie → alphabetical
    assert gazetteer.entries[("corée", "du", "nord")] == "GPE"


def test_gazetteer_prefers_the_longest_match_and_whole_tokens() -> None:
    gazetteer = Gazetteer.from_rows(TRAIN)
    words = ["corée", "du", "Nord", "et", "Kimchi", "KIM"]
    assert gazetteer.tag(words) == ["B-GPE", "I-GPE", "I-GPE", "O", "O", "B-PER"]


def test_gazetteer_floor_predicts_memorised_strings_and_survives_a_save(tmp_path: Path) -> None:
    floor = create("ner", "gazetteer").fit(TRAIN)
    test = [_row("b-0", ["Poutine", "et", "la", "Corée", "du", "Nord"], [])]
    predictions = floor.predict(strip_rows(TASKS["ner"], test))
    start = test[0]["text"].index("Corée du Nord")
    span = {"start": start, "end": start + len("Corée du Nord"), "label": "GPE"}
    assert predictions == [{"id": "b-0", "entities": [span]}]
    loaded = System.load(floor.save(tmp_path / "floor.joblib"))
    assert loaded.predict(strip_rows(TASKS["ner"], test)) == predictions


@pytest.fixture(scope="module")
def ner_rows() -> list[dict]:
    task = TASKS["ner"]
    rows = [
        r
        for split in ("train", "validation", "test")
        if (data_dir() / "ner" / f"{split}.parquet").is_file()
        for r in read_split(task, split, data_dir())
    ]
    if len({r["document_id"] for r in rows}) < 2:
        pytest.fail("the committed dataset needs at least two annotated documents")
    return rows


def test_gazetteer_floor_learns_across_documents_without_the_held_out_names(ner_rows) -> None:
    held_all, predictions = [], []
    for train, held in document_folds(ner_rows).values():
        floor = create("ner", "gazetteer").fit(train)
        seen = Gazetteer.from_rows(train).entries
        only_held = set(Gazetteer.from_rows(held).entries) - set(seen)
        assert only_held and not only_held & set(floor.gazetteer.entries)
        held_all += held
        predictions += floor.predict(strip_rows(TASKS["ner"], held))
    assert headline("ner", held_all, predictions) > 0.2


@pytest.mark.slow  # fine-tunes spaCy
def test_spacy_ft_fits_a_small_slice_and_predicts_valid_entities_deterministically(
    ner_rows,
) -> None:
    documents = sorted({r["document_id"] for r in ner_rows})
    train = [r for r in ner_rows if r["document_id"] == documents[0]][:15]
    held = [r for r in ner_rows if r["document_id"] == documents[-1]][:15]
    stripped = strip_rows(TASKS["ner"], held)
    system = create("ner", "spacy-ft")
    assert isinstance(system, SpacyFineTuned) and system.expensive
    predictions = system.fit(train).predict(stripped)
    tokens = [set(zip(r["token_starts"], r["token_ends"], strict=True)) for r in held]
    found = [e for p in predictions for e in p["entities"]]
    assert found and {e["label"] for e in found} <= set(ENTITY_LABELS)
    for row, prediction, words in zip(held, predictions, tokens, strict=True):
        starts, ends = {s for s, _ in words}, {e for _, e in words}
        for entity in prediction["entities"]:
            assert entity["start"] in starts and entity["end"] in ends, (row["id"], entity)
    assert headline("ner", held, predictions) > 0.2
    assert SpacyFineTuned().fit(train).predict(stripped) == predictions  # same seed


def test_normalization_floor_remembers_mentions_then_falls_back_to_the_type(
    tmp_path: Path,
) -> None:
    def row(rid: str, mention: str, entity_type: str, value: str = "") -> dict:
        return {"id": rid, "mention": mention, "entity_type": entity_type, "value": value}

    train = [
        row("a-0", "deux", "QUANTITY", "2"),
        row("a-1", "trois", "QUANTITY", "3"),
        row("a-2", "trois", "QUANTITY", "3"),
        row("a-3", "10 000", "QUANTITY", "10000"),
        row("a-4", "2024", "DATE", "2024"),
        row("a-5", "en 2023", "DATE", "2023"),
        row("a-6", "juin 2023", "DATE", "2023-06"),
    ]
    test = [
        row("b-0", "Deux", "QUANTITY"),
        row("b-1", "10  000", "QUANTITY"),
        row("b-2", "cinq", "QUANTITY"),
        row("b-3", "2024", "MONEY"),
    ]
    floor = create("normalization", "most-frequent").fit(train)
    predicted = [p["value"] for p in floor.predict(test)]
    assert predicted == ["2", "10000", "3", "3"]  # mention · spacing · type · overall
    loaded = System.load(floor.save(tmp_path / "floor.joblib"))
    assert loaded.predict(test) == floor.predict(test)

"""The ML backend's predictions for every corpus document, without a server: one relation per
source and claim, values only where the normaliser found one, each item scored with its own
layer's cross-document score (the systems fitted once on the shipped dataset)."""

from __future__ import annotations

from collections import Counter

import pytest

from nkru import schema
from nkru.annotation import labeling_config as lc
from nkru.app.preannotate import (
    LAYERS,
    Preannotator,
    cross_document_scores,
    one_relation_per_pair,
)
from nkru.corpus import load_corpus
from nkru.paths import project_root

LEADERBOARD = project_root() / "results" / "leaderboard.json"


pytestmark = pytest.mark.slow  # the backend's systems fitted on the shipped dataset


@pytest.fixture(scope="module")
def model() -> Preannotator:
    return Preannotator.train(project_root() / "data", LEADERBOARD)


@pytest.fixture(scope="module")
def predictions(model: Preannotator) -> dict[str, dict]:
    return {doc.id: model.predict(doc) for doc in load_corpus()}


def test_one_relation_per_source_and_claim_keeps_the_first_stance():
    relations = [("s", "c", "deny"), ("s", "c", "support"), ("s", "d", "query"), ("t", "c", "deny")]
    assert one_relation_per_pair(relations) == [
        ("s", "c", "deny"),
        ("s", "d", "query"),
        ("t", "c", "deny"),
    ]


def test_predictions_hold_one_relation_per_pair(predictions):
    for doc_id, prediction in predictions.items():
        pairs = Counter(
            (i["from_id"], i["to_id"]) for i in prediction["result"] if i["type"] == "relation"
        )
        assert all(n == 1 for n in pairs.values()), (doc_id, pairs)


def test_values_only_where_the_normaliser_found_one(model, predictions):
    placeholders = {label: model.no_value(label) for label in schema.VALUED_LABELS}
    assert all(placeholders.values())  # the normaliser answers something for every mention
    valued = 0
    for doc_id, prediction in predictions.items():
        items = prediction["result"]
        values = {i["id"]: i["value"]["text"][0] for i in items if i.get("from_name") == lc.VALUE}
        for item in items:
            if item.get("from_name") != lc.ENTITIES:
                continue
            label = item["value"]["labels"][0]
            if item["id"] in values:
                value = values[item["id"]]
                assert schema.valid_value(label, value) and value != placeholders[label], (
                    doc_id,
                    item["value"]["text"],
                    value,
                )
                valued += 1
    assert valued, "no value predicted in the whole corpus"


def test_each_item_carries_its_own_layers_cross_document_score(model, predictions):
    board = cross_document_scores(LEADERBOARD)
    names = dict(part.split("=", 1) for part in model.model_version.split("/", 2)[2].split("+"))
    assert set(names) == set(LAYERS)
    layer_of = {
        lc.ENTITIES: "ner",
        lc.VALUE: "normalization",
        lc.CERTAINTY: "certainty",
        lc.TOPIC: "topic",
    }
    for prediction in predictions.values():
        for item in prediction["result"]:
            if item["type"] == "relation":
                layer = "attribution"
            elif item["from_name"] == lc.CLAIMS:
                is_claim = item["value"]["labels"] == [schema.CLAIM]
                layer = "claims" if is_claim else "attribution"
            elif item["from_name"] == lc.BOILERPLATE_CONTROL:
                assert "score" not in item  # from the manifest, not a model
                continue
            else:
                layer = layer_of[item["from_name"]]
            assert item["score"] == board[(layer, names[layer])], (layer, item)

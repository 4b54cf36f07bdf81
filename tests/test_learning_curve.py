"""The learning curve: subsets of the other documents, pooled scoring."""

from __future__ import annotations

from typing import ClassVar

import pytest

from nkru.app.benchmark.curve import curve_fits, curve_points, subsets
from nkru.tasks import TASKS, strip_rows

NER = TASKS["ner"]

# three documents, two sentences each, two one-token entities per sentence
ROWS = [
    {
        "id": f"{doc}-s{i}",
        "document_id": doc,
        "text": "Kim et Kim",
        "entities": [
            {"start": 0, "end": 3, "label": "PER"},
            {"start": 7, "end": 10, "label": "PER"},
        ],
    }
    for doc in ("a", "b", "c")
    for i in range(2)
]
GOLD = {row["id"]: row["entities"] for row in ROWS}


class CountingSystem:
    """Finds one gold entity per training document (a stand-in whose curve is known)."""

    fits: ClassVar[list[tuple[str, ...]]] = []

    def fit(self, rows):
        self.documents = tuple(sorted({r["document_id"] for r in rows}))
        CountingSystem.fits.append(self.documents)
        return self

    def predict(self, rows):
        assert all("entities" not in r for r in rows), "predict() must get stripped rows"
        assert not {r["document_id"] for r in rows} & set(self.documents)
        return [{"id": r["id"], "entities": GOLD[r["id"]][: len(self.documents)]} for r in rows]


GROUPS = {doc: [r for r in ROWS if r["document_id"] == doc] for doc in ("a", "b", "c")}


def learning_curve(system: type[CountingSystem], limit: int | None = None) -> list[dict]:
    """Each planned fit made in this process, then the curve scored from its predictions."""
    fits = curve_fits(list(GROUPS), limit)
    predictions = {}
    for planned in fits.values():
        for held, subset, name in planned:
            fitted = system().fit([r for d in subset for r in GROUPS[d]])
            predictions[name] = fitted.predict(strip_rows(NER, GROUPS[held]))
    return curve_points(NER, GROUPS, fits, predictions)


def test_curve_trains_on_every_subset_of_the_other_documents_and_pools() -> None:
    CountingSystem.fits = []
    points = learning_curve(CountingSystem)
    assert [p["documents"] for p in points] == [1, 2]
    # one of two entities found: P 1, R 0.5 → F1 2/3; two training documents: all found
    assert points[0]["pooled"] == pytest.approx(2 / 3)
    assert points[1]["pooled"] == 1.0
    assert [p["fits"] for p in points] == [6, 3]  # 3 held-out × C(2, k)
    assert sorted(CountingSystem.fits) == sorted(
        [("b",), ("c",), ("a",), ("c",), ("a",), ("b",), ("b", "c"), ("a", "c"), ("a", "b")]
    )


def test_the_last_size_is_the_cross_document_fit() -> None:
    fits = curve_fits(["c", "a", "b"])
    assert [name for _, _, name in fits[2]] == ["lodo/a", "lodo/b", "lodo/c"]
    assert [name for _, _, name in fits[1]][:2] == ["curve/a/b", "curve/a/c"]


def test_pooled_weighs_each_fit_not_each_document_mean() -> None:
    class Uneven(CountingSystem):
        def predict(self, rows):
            # document a's rows get nothing whatever the training: pooled != mean of fits
            out = super().predict(rows)
            return [{**p, "entities": []} if p["id"].startswith("a") else p for p in out]

    one, _ = learning_curve(Uneven)
    assert one["min"] == 0.0 and one["max"] == pytest.approx(2 / 3)
    assert one["mean"] == pytest.approx(4 / 9)
    assert one["pooled"] == pytest.approx(2 * 8 / (24 + 8))  # 8 found of 24 gold, 8 predicted


def test_subsets_can_be_sampled() -> None:
    points = learning_curve(CountingSystem, limit=1)
    assert [p["fits"] for p in points] == [3, 3]
    assert subsets(["d", "c", "b"], 2, 2, seed=0) == subsets(["b", "c", "d"], 2, 2, seed=0)
    assert len(subsets(["b", "c", "d"], 2, None, seed=0)) == 3

"""Normalisation baseline (dateparser + text2num glue): the documented value formats."""

from __future__ import annotations

import pytest

from nkru.baselines.normalize import RuleNormalizer, normalize, normalize_amount, normalize_date
from nkru.schema import valid_value

DOC_DATE = "2024-10-25"  # a Friday


@pytest.mark.parametrize(
    ("mention", "document_date", "value"),
    [
        ("25 octobre 2024", None, "2024-10-25"),
        ("25 octobre 2024", DOC_DATE, "2024-10-25"),
        ("jeudi 24 octobre", DOC_DATE, "2024-10-24"),
        ("samedi dernier", DOC_DATE, "2024-10-19"),
        ("mardi prochain", DOC_DATE, "2024-10-29"),
        ("hier", DOC_DATE, "2024-10-24"),
        ("le 3 novembre", DOC_DATE, "2024-11-03"),
        ("le 1er novembre", DOC_DATE, "2024-11-01"),
        ("19 juin", DOC_DATE, "2024-06-19"),
        ("octobre 2024", None, "2024-10"),
        ("en novembre", DOC_DATE, "2024-11"),
        ("juin 2024", DOC_DATE, "2024-06"),
        ("2024", None, "2024"),
        ("en 2023", DOC_DATE, "2023"),
        ("1950-1953", None, "1950/1953"),
        ("de 1950 à 1953", DOC_DATE, "1950/1953"),
        # no document date: the parts the mention does not give stay unknown
        ("jeudi 24 octobre", None, "XXXX-10-24"),
        ("samedi dernier", None, "XXXX-XX-XX"),
        # a document date known to the month: a relative day is known to the month only
        ("samedi dernier", "2024-10", "2024-10-XX"),
    ],
)
def test_dates(mention: str, document_date: str | None, value: str) -> None:
    assert normalize_date(mention, document_date) == value
    assert valid_value("DATE", value)


@pytest.mark.parametrize(
    ("mention", "value"),
    [
        ("plus de 10 000", ">10000"),
        ("près de trois millions", "~3000000"),
        ("7 000 kilomètres", "7000 km"),
        ("15 %", "15 %"),
        ("quinze pour cent", "15 %"),
        ("environ 12 000", "~12000"),
        ("au moins 1 500", ">=1500"),
        ("jusqu'à 100 000", "<=100000"),
        ("jusqu’à 100 000", "<=100000"),
        ("moins de 50", "<50"),
        ("entre 2 000 et 5 000", "2000..5000"),
        ("11\u202f000", "11000"),
        ("dix mille", "10000"),
        ("deux", "2"),
    ],
)
def test_quantities(mention: str, value: str) -> None:
    assert normalize_amount(mention) == value
    assert valid_value("QUANTITY", value)


@pytest.mark.parametrize(
    ("mention", "value"),
    [
        ("9 millions de dollars", "9000000 USD"),
        ("7 820 milliards de yens", "7820000000000 JPY"),
        ("1,5 million d'euros", "1500000 EUR"),
        ("plus de 500 millions de dollars", ">500000000 USD"),
    ],
)
def test_money(mention: str, value: str) -> None:
    assert normalize(mention, "MONEY") == value
    assert valid_value("MONEY", value)


def test_system_predicts_valid_values_even_when_nothing_parses() -> None:
    rows = [
        {
            "id": "x-e01",
            "document_id": "x",
            "text": "Il y a des milliers de soldats.",
            "context_start": 0,
            "start": 7,
            "end": 20,
            "mention": "des milliers",
            "entity_type": "QUANTITY",
            "document_date": None,
            "value": "~1000",
        },
        {
            "id": "x-e02",
            "document_id": "x",
            "text": "Au temps jadis.",
            "context_start": 0,
            "start": 0,
            "end": 14,
            "mention": "Au temps jadis",
            "entity_type": "DATE",
            "document_date": DOC_DATE,
            "value": "XXXX",
        },
        {
            "id": "x-e03",
            "document_id": "x",
            "text": "Samedi dernier, 25 octobre 2024.",
            "context_start": 0,
            "start": 0,
            "end": 14,
            "mention": "Samedi dernier",
            "entity_type": "DATE",
            "document_date": DOC_DATE,
            "value": "2024-10-19",
        },
    ]
    predictions = RuleNormalizer().fit([]).predict(rows)
    assert [p["id"] for p in predictions] == ["x-e01", "x-e02", "x-e03"]
    for row, prediction in zip(rows, predictions, strict=True):
        assert valid_value(row["entity_type"], prediction["value"]), prediction
    assert predictions[2]["value"] == "2024-10-19"

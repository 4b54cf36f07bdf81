"""Worksheets: quotes resolve to exact offsets in order; problems name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from nkru.annotation.worksheet import WorksheetError, load_worksheet
from nkru.corpus import get_document

DOC = get_document("002")


def write(directory: Path, body: str) -> Path:
    """Write a worksheet body to a file and return its path."""
    path = directory / "sheet.yaml"
    path.write_text(body.lstrip("\n"), encoding="utf-8")
    return path


def test_quotes_resolve_in_document_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
document: 002
annotator: a
entities:
  - {text: "25 octobre 2024", label: DATE, value: "2024-10-25"}
  - {text: "Corée du Nord", label: GPE}
  - {text: "Corée du Nord", label: GPE}
claims:
  - {id: x, text: "1 500 soldats nord-coréens soient déjà présents en Ukraine",
     certainty: hedged, topic: troops}
sources:
  - {id: s, text: "des informations récentes", stances: {x: support}}
""",
    )
    ann = load_worksheet(path)
    assert ann.document_id == "002" and ann.annotator == "a"
    date, first, second = ann.entities
    assert date.start < first.start < second.start
    for span in [*ann.entities, *ann.claims, *ann.sources]:
        assert DOC.text[span.start : span.end] == span.text
    assert date.value == "2024-10-25"
    assert ann.boilerplate == list(DOC.boilerplate)
    assert ann.claims[0].certainty == "hedged" and ann.claims[0].topic == "troops"
    (stance,) = ann.stances
    assert (stance.source_id, stance.claim_id, stance.label) == ("s001", "c001", "support")


def test_after_anchor_moves_the_search_past_earlier_occurrences(tmp_path: Path) -> None:
    """A quote that also occurs earlier is placed after its ``after`` anchor; without the
    anchor it lands on the first occurrence."""
    head = "document: '002'\nannotator: a\nclaims:\n"
    claim = "  - {id: x, text: 'il est prévu', certainty: asserted, topic: troops}\n"
    plain = "sources:\n  - {id: s, text: 'Séoul', stances: {x: support}}\n"
    anchored = "sources:\n  - {id: s, text: 'Séoul', after: 'Orient de ', stances: {x: support}}\n"
    (first,) = load_worksheet(write(tmp_path, head + claim + plain)).sources
    (second,) = load_worksheet(write(tmp_path, head + claim + anchored)).sources
    assert first.start == DOC.text.index("Séoul")
    assert second.start == DOC.text.index("Orient de Séoul") + len("Orient de ")
    assert second.start > first.start
    assert DOC.text[second.start : second.end] == "Séoul"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("entities:\n  - {text: 'Atlantide', label: GPE}\n", r":4: entities: text 'Atlantide'"),
        (
            "entities:\n  - {text: 'Kremlin', label: ORG}\n  - {text: '1 500', label: QUANTITY}\n",
            r":5: entities: text '1 500' not found after offset .* check the order",
        ),
        ("entities:\n  - {label: GPE}\n", r":4: entities: missing field 'text'"),
        (
            "sources:\n  - {id: s, text: 'le Kremlin', stances: {nope: deny}}\n",
            r":4: sources: stances: unknown claim id 'nope'",
        ),
        (
            "claims:\n  - {id: a, text: 'Ukraine'}\n  - {id: a, text: 'Ukraine'}\n",
            r":5: claims: duplicate claim id 'a'",
        ),
        (
            "entities:\n  - {text: 'Kremlin', label: ORG, after: 'Atlantide'}\n",
            r":4: entities: after: text 'Atlantide' not found",
        ),
    ],
)
def test_problems_name_file_line_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, "document: '002'\nannotator: a\n" + body)
    with pytest.raises(WorksheetError, match=message) as err:
        load_worksheet(path)
    assert str(path) in str(err.value)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "document: [002\n")
    with pytest.raises(WorksheetError, match="invalid YAML"):
        load_worksheet(path)

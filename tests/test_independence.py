"""Independence check of two worksheets: a copied file and an independent one are told apart;
`nkru agreement` shows the check for pre-adjudication pairs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nkru.annotation.convert import make_task
from nkru.annotation.independence import compare_worksheets, layout, pair_independence
from nkru.annotation.worksheet import load_worksheet
from nkru.app.cli import app
from nkru.corpus import get_document
from nkru.paths import project_root

ORIGINAL = """\
document: "002"
annotator: annotator-x
# Publication date: 2024-10-25.
entities:
  # title
  - {text: "Corée du Nord", label: GPE}
  - {text: "Russie", label: GPE}   # a  trailing   comment
  # paragraph 1
  - {text: "Moscou", label: GPE}
claims:
  # P1: the troops
  - {id: c1, text: "a text with # no comment", certainty: asserted, topic: troops}
"""

INDEPENDENT = """\
document: "002"
annotator: annotator-y
entities:
  # headline
  - {text: "Corée du Nord", label: GPE}
  - {text: "Russie", label: GPE}
  # first paragraph
  - {text: "Moscou", label: GPE}
  # paragraph 1
  - {text: "Kiev", label: GPE}
claims:
  - {id: c1, text: "a text with # no comment", certainty: asserted, topic: troops}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_comments_items_and_grouping_are_read() -> None:
    sheet = layout(ORIGINAL, "x.yaml")
    assert sheet.comments == (
        "Publication date: 2024-10-25.",
        "title",
        "a trailing comment",
        "paragraph 1",
        "P1: the troops",
    )
    assert [(layer, group) for layer, _, group in sheet.items] == [
        ("entities", "title"),
        ("entities", "title"),
        ("entities", "paragraph 1"),
        ("claims", "P1: the troops"),
    ]


def test_a_copied_worksheet_is_identical_apart_from_the_name(tmp_path: Path) -> None:
    first = write(tmp_path, "002.annotator-x.yaml", ORIGINAL)
    copy = write(tmp_path, "002.annotator-y.yaml", ORIGINAL.replace("annotator-x", "annotator-y"))
    result = compare_worksheets(first, copy, "annotator-x", "annotator-y")
    assert result["identical_apart_from_annotator"] is True
    assert result["comment_lines"] == [5, 5] and result["shared_comment_lines"] == 5
    assert result["items_in_same_order_and_group"] == 4
    assert result["items_in_same_order_and_group_share"] == 1.0


def test_an_independent_worksheet_shares_little_layout(tmp_path: Path) -> None:
    first = write(tmp_path, "002.annotator-x.yaml", ORIGINAL)
    other = write(tmp_path, "002.annotator-y.yaml", INDEPENDENT)
    result = compare_worksheets(first, other, "annotator-x", "annotator-y")
    assert result["identical_apart_from_annotator"] is False
    assert result["comment_lines"] == [5, 3]
    assert result["shared_comment_lines"] == 1  # "paragraph 1", above different items
    assert result["shared_comment_examples"] == ["paragraph 1"]
    assert result["items"] == [4, 5]
    assert result["items_in_same_order"] == 4
    assert result["items_in_same_order_share"] == 4 / 5
    assert result["items_in_same_order_and_group"] == 0


def test_missing_or_broken_worksheets_are_reported_not_raised(tmp_path: Path) -> None:
    write(tmp_path, "002.annotator-x.yaml", ORIGINAL)
    missing = pair_independence(tmp_path, "002", "annotator-x", "annotator-y")
    assert missing == {
        "checked": False,
        "reason": f"no worksheet 002.annotator-y.yaml in {tmp_path}",
    }
    write(tmp_path, "002.annotator-y.yaml", "entities: [\n")
    broken = pair_independence(tmp_path, "002", "annotator-x", "annotator-y")
    assert not broken["checked"] and "002.annotator-y.yaml: invalid YAML" in broken["reason"]


def test_agreement_report_shows_the_check_for_pre_adjudication_pairs(tmp_path: Path) -> None:
    """Real worksheets of 002: annotator-a against a copy of itself under another name and
    against the adjudicated ground truth (no independence check for that pair)."""
    source = project_root() / "annotation" / "worksheets" / "002.annotator-a.yaml"
    sheets = tmp_path / "worksheets"
    sheets.mkdir()
    text = source.read_text(encoding="utf-8")
    write(sheets, "002.annotator-a.yaml", text)
    write(sheets, "002.copier.yaml", text.replace("annotator-a", "copier"))
    gold_text = text.replace("annotator-a", "adjudicator").replace(
        "annotator: adjudicator", "annotator: adjudicator\nground_truth: true"
    )
    write(sheets, "002.adjudicator.yaml", gold_text)
    annotations = [load_worksheet(p) for p in sorted(sheets.glob("*.yaml"))]
    exports = tmp_path / "exports"
    exports.mkdir()
    task = make_task(get_document("002"), annotations)
    write(exports, "002.json", json.dumps([task], ensure_ascii=False))
    output = tmp_path / "agreement.md"
    result = CliRunner().invoke(
        app,
        ["agreement", "--exports", str(exports), "--worksheets", str(sheets),
         "--output", str(output), "--resamples", "20"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(output.with_suffix(".json").read_text(encoding="utf-8"))
    checks = {tuple(p["annotators"]): p.get("independence") for p in report["pairs"]}
    pre = checks[("annotator-a", "copier")]
    assert pre["checked"] and pre["identical_apart_from_annotator"] is True
    assert pre["shared_comment_lines"] == pre["comment_lines"][0] > 0
    assert all(v is None for k, v in checks.items() if "adjudicator" in k)
    markdown = output.read_text(encoding="utf-8")
    assert "| byte-identical apart from the annotator name | yes |" in markdown
    assert markdown.count("Independence check") == 1

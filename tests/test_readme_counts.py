"""The README's per-document tables (source and date; annotation counts) are those of the
manifest and the committed ground truth, and `nkru derived` keeps them (and the other derived
files) so."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.annotation.convert import task_annotations
from nkru.annotation.exports import read_exports
from nkru.app.cli import app
from nkru.app.readme_counts import MISSING, replace_corpus_table, replace_table
from nkru.corpus import load_corpus
from nkru.paths import exports_dir, project_root

ROW = re.compile(r"^\| (\d{3}|all) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|(.*)\|$", re.MULTILINE)
README = (project_root() / "README.md").read_text(encoding="utf-8")
BY_DOCUMENT = {d: task_annotations(t) for d, t in read_exports(exports_dir()).items()}


def _table(readme: str) -> dict[str, tuple[int, ...]]:
    return {doc: tuple(map(int, counts)) for doc, *counts, _ in ROW.findall(readme)}


def test_readme_counts_match_the_ground_truth() -> None:
    expected: dict[str, tuple[int, ...]] = {}
    for doc_id, held in BY_DOCUMENT.items():
        truths = [a for a in held if a.ground_truth]
        if truths:  # a document not adjudicated yet has no row
            (truth,) = truths
            expected[doc_id] = (
                len(truth.entities),
                len(truth.claims),
                len(truth.sources),
                len(truth.stances),
            )
    expected["all"] = tuple(map(sum, zip(*expected.values(), strict=True)))
    assert _table(README) == expected


def test_a_new_document_gets_a_row_with_a_derived_cell_and_the_others_keep_theirs() -> None:
    last = max(BY_DOCUMENT)
    new_id = f"{int(last) + 1:03d}"
    (truth,) = [a for a in BY_DOCUMENT[last] if a.ground_truth]
    grown = {**BY_DOCUMENT, new_id: [truth]}
    text = replace_table(README, grown)
    rows = {doc: cell.strip() for doc, *_, cell in ROW.findall(text)}
    kept = {doc: cell.strip() for doc, *_, cell in ROW.findall(README)}
    assert {d: c for d, c in rows.items() if d != new_id} == kept  # hand-written cells kept
    assert rows[new_id] == f"1 in the export, ground truth by {truth.annotator} " + (
        "(derived by `nkru derived`)"
    )
    table = _table(text)
    assert table[new_id] == table[last]
    assert table["all"] == tuple(
        a + b for a, b in zip(_table(README)["all"], table[last], strict=True)
    )
    assert replace_table(text, grown) == text  # idempotent


def test_without_the_marker_the_table_is_not_guessed() -> None:
    with pytest.raises(ValueError, match="<!-- counts:"):
        replace_table(README.replace("<!-- counts:", "<!-- tallies:"), BY_DOCUMENT)


@pytest.mark.slow  # regenerates the derived files
def test_derived_check_names_a_stale_table_and_write_mode_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a copy: a wrong count makes `--check` exit 1 naming README.md and write nothing;
    `nkru derived` rewrites it; `--check` then passes (reviews left out: they fit models)."""
    root = project_root()
    for folder in ("annotation", "results"):
        shutil.copytree(root / folder, tmp_path / folder)
    shutil.copytree(root / "data" / "raw", tmp_path / "data" / "raw")
    total = ROW.search(README[README.index("| all |") :])
    assert total is not None
    wrong = README.replace(total[0], total[0].replace(f"| {total[2]} |", "| 1 |", 1), 1)
    assert wrong != README
    (tmp_path / "README.md").write_text(wrong, encoding="utf-8")
    monkeypatch.setenv("NKRU_ROOT", str(tmp_path))
    runner = CliRunner()

    checked = runner.invoke(app, ["derived", "--check", "--no-reviews"])
    assert checked.exit_code == 1, checked.output
    assert "out of date: README.md" in checked.output
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == wrong

    written = runner.invoke(app, ["derived", "--no-reviews"])
    assert written.exit_code == 0, written.output
    assert "wrote README.md" in written.output
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == README

    again = runner.invoke(app, ["derived", "--check", "--no-reviews"])
    assert again.exit_code == 0, again.output
    assert "out of date" not in again.output


CORPUS_ROW = re.compile(r"^\| (\d{3}) \| ([^|]*) \| ([^|]*) \|$", re.MULTILINE)


def _corpus_rows(readme: str) -> dict[str, tuple[str, str]]:
    block = readme[readme.index("<!-- corpus:") : readme.index("<!-- counts:")]
    return {doc: (source, date) for doc, source, date in CORPUS_ROW.findall(block)}


def test_readme_corpus_table_is_the_manifest() -> None:
    """Every document of the manifest has a row: its publisher and authors as recorded, its
    date or "not in the text" where the manifest holds none."""
    rows = _corpus_rows(README)
    documents = load_corpus()
    assert sorted(rows) == sorted(d.id for d in documents)
    for doc in documents:
        source, date = rows[doc.id]
        assert date == (doc.date or MISSING)
        authors = doc.metadata["authors"]
        assert isinstance(authors, list)
        named = [str(doc.metadata["publisher"] or ""), *authors]
        assert all(name in source for name in named), (doc.id, source)
        assert (source == MISSING) == (not any(named))


def test_a_new_manifest_entry_gets_a_corpus_row() -> None:
    documents = load_corpus()
    last = max(documents, key=lambda d: d.id)
    new = replace(
        last,
        id=f"{int(last.id) + 1:03d}",
        metadata={**last.metadata, "publisher": None, "authors": [], "date": None},
    )
    text = replace_corpus_table(README, [*documents, new])
    rows = _corpus_rows(text)
    assert rows[new.id] == (MISSING, MISSING)
    assert {d: r for d, r in rows.items() if d != new.id} == _corpus_rows(README)
    assert replace_corpus_table(text, [*documents, new]) == text  # idempotent

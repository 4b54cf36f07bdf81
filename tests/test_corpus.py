"""The corpus: verbatim copies, metadata evidence, boilerplate and segmentation."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.app.cli import app
from nkru.corpus import METADATA_FIELDS, CorpusError, load_corpus
from nkru.paths import project_root, raw_dir
from nkru.segment import content_sentences, sentences

SEEDS = project_root().parent / "shared" / "seeds"
DOCS = load_corpus()


def test_documents_numbered_in_order_with_checked_sha256() -> None:
    assert len(DOCS) >= 5
    assert [d.id for d in DOCS] == [f"{n:03d}" for n in range(len(DOCS))]
    for doc in DOCS:
        data = (raw_dir() / doc.file).read_bytes()
        assert hashlib.sha256(data).hexdigest() == doc.sha256
        assert data.decode("utf-8") == doc.text


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_copies_match_the_seeds_byte_for_byte() -> None:
    for doc in DOCS:
        seed = (SEEDS / doc.file).read_bytes()
        assert hashlib.sha256(seed).hexdigest() == doc.sha256


def test_tampered_copy_is_refused(tmp_path: Path) -> None:
    for path in raw_dir().iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    victim = tmp_path / DOCS[0].file
    victim.write_bytes(victim.read_bytes() + b" ")
    with pytest.raises(CorpusError, match=DOCS[0].file):
        load_corpus(tmp_path)


def test_metadata_nulls_are_explained() -> None:
    for doc in DOCS:
        notes = doc.metadata["notes"]
        for key in METADATA_FIELDS:
            assert notes.get(key), f"{doc.id}: no evidence note for {key}"
        assert doc.metadata["language"] == "fr"
        date = doc.metadata["date"]
        if date is not None:
            assert date[:4] in doc.text or date[:4] in notes["date"]


def test_boilerplate_inside_text_and_not_cutting_words() -> None:
    for doc in DOCS:
        for region in doc.boilerplate:
            assert 0 <= region.start < region.end <= len(doc.text)
            assert doc.text[region.start : region.end] == region.text
            assert region.value, "every region has a reason"
            before = doc.text[region.start - 1] if region.start else " "
            after = doc.text[region.end] if region.end < len(doc.text) else " "
            assert not (before.isalnum() and doc.text[region.start].isalnum()), region
            assert not (after.isalnum() and doc.text[region.end - 1].isalnum()), region


def test_sentence_and_token_offsets_reproduce_the_text() -> None:
    for doc in DOCS:
        previous_end = 0
        for sent in sentences(doc):
            assert doc.text[sent.start : sent.end] == sent.text
            assert sent.start >= previous_end
            previous_end = sent.end
            assert sent.text == sent.text.strip() and "\n" not in sent.text
            for start, end in sent.tokens:
                assert sent.start <= start < end <= sent.end
                assert doc.text[start:end].strip() == doc.text[start:end]
            if not sent.boilerplate:
                assert not doc.in_boilerplate(sent.start, sent.end)


def test_boilerplate_sentences_are_flagged() -> None:
    doc = DOCS[2]
    flagged = [s.text for s in sentences(doc) if s.boilerplate]
    assert "Card image cap" in flagged
    assert all(not s.boilerplate for s in content_sentences(doc))


@pytest.mark.slow  # segments every document from scratch, twice, in fresh processes
def test_ids_stable_across_two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Segmenting anew (empty caches) in another process and in this one gives the same
    sentence ids, offsets and tokens."""
    script = (
        "import json; from nkru.corpus import load_corpus; from nkru.segment import sentences;"
        "print(json.dumps([[s.id, s.start, s.end, s.tokens] for d in load_corpus() "
        "for s in sentences(d)]))"
    )
    env = {**os.environ, "NKRU_CACHE": str(tmp_path / "cache0")}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    other = json.loads(out.stdout)
    assert other[0][0] == "000-s001"
    monkeypatch.setenv("NKRU_CACHE", str(tmp_path / "cache1"))
    here = [
        [s.id, s.start, s.end, [list(t) for t in s.tokens]]
        for d in DOCS
        for s in sentences.__wrapped__(d)  # not the in-memory cache: segmented anew
    ]
    assert list((tmp_path / "cache1").iterdir())  # written, so it was computed here
    assert other == here


def test_cli_corpus_prints_real_figures() -> None:
    result = CliRunner().invoke(app, ["corpus"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for doc in DOCS:
        row = next(line for line in result.output.splitlines() if f" {doc.id} " in line)
        assert str(len(doc.text)) in row
        assert str(sum(len(s.tokens) for s in content_sentences(doc))) in row


def test_cli_corpus_fits_an_80_column_terminal() -> None:
    """One line per document in the table; date, publisher and the whole title in at most
    three lines per document below it; no line wider than the terminal."""
    result = CliRunner().invoke(app, ["corpus"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80
    assert not [line for line in lines if re.match(r"^│\s+│", line)], "a wrapped table row"
    table_rows = [i for i, line in enumerate(lines) if re.match(r"^│ \d{3} ", line)]
    assert [lines[i][2:5] for i in table_rows] == [doc.id for doc in DOCS]
    starts = [i for i, line in enumerate(lines) if re.match(r"^\d{3}  ", line)]
    assert [lines[i][:3] for i in starts] == [doc.id for doc in DOCS]
    for doc, start, end in zip(DOCS, starts, [*starts[1:], len(lines) - 1], strict=True):
        assert end - start <= 3, lines[start:end]
        block = " ".join(line.strip() for line in lines[start:end])
        assert (doc.metadata["title"] or "(none in text)") in block


def test_cli_ends_quietly_when_the_reader_stops_reading() -> None:
    """`nkru corpus | head -0`: exit 0 and nothing on stderr."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [Path(sys.executable).with_name("nkru"), "corpus"],
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (0, b"")


def test_cli_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "corpus" in result.output

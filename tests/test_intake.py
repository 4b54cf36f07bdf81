"""``nkru corpus add``: boilerplate rules, the new manifest entry, and every refused input.

Each test works on a copy of ``data/raw`` in a temporary folder (``NKRU_ROOT``), so the shipped
corpus is never touched. Expectations are derived from the copied manifest, not from today's
document count.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.app.cli import app
from nkru.boilerplate import propose
from nkru.corpus import CorpusError, forget_corpus, load_corpus
from nkru.paths import raw_dir

RAW = raw_dir()
TEXT = (
    "Des soldats nord-coréens déployés près de Koursk\n\n"
    "Des soldats nord-coréens déployés près de Koursk\n\n"
    "INTERNATIONAL • CORÉE DU NORD\n\n"
    "Selon le renseignement sud-coréen, plus de 10 000 soldats nord-coréens ont été déployés "
    "dans la région de Koursk en octobre 2024.\n\n"
    "**Lire aussi |**  [Guerre en Ukraine : ce que l'on sait du traité](#)\n\n"
    "Le Kremlin dément toute présence de troupes étrangères sur le front.\n\n"
    "---\n\n"
    "Website | Telegram | LinkedIn\n"
)
PAGE_DATE = '<meta property="article:published_time" content="2024-06-19T08:30:00+01:00">'
PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Kim Jong-un et Poutine signent un traité – Le Journal</title>
<meta property="og:title" content="Kim Jong-un et Poutine signent un traité">
<meta property="og:site_name" content="Le Journal">
<meta name="author" content="Claire Martin">
{PAGE_DATE}
</head><body>
<header><nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav></header>
<main><article>
<h1>Kim Jong-un et Poutine signent un traité</h1>
<p>Vladimir Poutine et Kim Jong-un ont signé à Pyongyang un traité de partenariat stratégique
global, a annoncé l'agence officielle KCNA.</p>
<p><strong>Lire aussi |</strong> <a href="/x">Guerre en Ukraine : les soldats nord-coréens</a></p>
<p>Le texte prévoit une assistance militaire mutuelle en cas d'agression, selon Moscou.</p>
</article></main>
<footer><p>© Le Journal 2024 – Mentions légales</p></footer>
</body></html>
"""

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
"""An ASCII-only PDF: no NUL byte, valid UTF-8."""


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A repository root holding a copy of data/raw; NKRU_ROOT points at it."""
    root = tmp_path / "repo"
    shutil.copytree(RAW, root / "data" / "raw")
    monkeypatch.setenv("NKRU_ROOT", str(root))
    forget_corpus()
    yield root / "data" / "raw"
    forget_corpus()


def _add(*args: str) -> object:
    return CliRunner().invoke(app, ["corpus", "add", *args], env={"COLUMNS": "200"})


def _manifest(raw: Path) -> dict:
    return json.loads((raw / "manifest.json").read_text(encoding="utf-8"))


def _snapshot(raw: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(raw.iterdir())}


def test_rules_propose_exactly_the_regions_of_the_original_articles() -> None:
    for doc in load_corpus(RAW):
        if any("rule" in str(b.value) for b in doc.boilerplate):
            continue
        proposed = {(p.start, p.end, p.reason) for p in propose(doc.text, doc.metadata["title"])}
        assert proposed == {(b.start, b.end, b.value) for b in doc.boilerplate}, doc.id


def test_rules_on_a_new_text() -> None:
    found = {(p.rule, p.text) for p in propose(TEXT)}
    assert found == {
        ("title-repeat", "Des soldats nord-coréens déployés près de Koursk"),
        ("rubric", "INTERNATIONAL • CORÉE DU NORD"),
        ("read-also", "**Lire aussi |**  [Guerre en Ukraine : ce que l'on sait du traité](#)"),
        ("rule", "---"),
        ("social-links", "Website | Telegram | LinkedIn"),
    }
    for p in propose(TEXT):
        assert TEXT[p.start : p.end] == p.text


def test_add_a_text_file(corpus: Path, tmp_path: Path) -> None:
    before = _manifest(corpus)["documents"]
    expected_id = f"{max(int(d['id']) for d in before) + 1:03d}"
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    result = _add(
        str(article),
        "--title",
        "Des soldats nord-coréens déployés près de Koursk",
        "--publisher",
        "Le Journal",
        "--author",
        "Claire Martin",
        "--author",
        "Paul Durand",
        "--date",
        "2024-11-05",
        "--url",
        "https://example.org/koursk",
    )
    assert result.exit_code == 0, result.output
    assert f"added document {expected_id}" in result.output
    entry = _manifest(corpus)["documents"][-1]
    assert entry["id"] == expected_id
    copied = corpus / entry["file"]
    assert copied.read_bytes() == article.read_bytes()
    assert entry["sha256"] == hashlib.sha256(article.read_bytes()).hexdigest()
    assert entry["authors"] == ["Claire Martin", "Paul Durand"]
    assert entry["date"] == "2024-11-05" and entry["url"] == "https://example.org/koursk"
    assert set(entry["notes"]) >= {"title", "publisher", "authors", "date", "language", "url"}
    assert entry["split"] == "train" and entry["split_reason"]
    assert [b["rule"] for b in entry["boilerplate"]] == [
        "title-repeat",
        "rubric",
        "read-also",
        "rule",
        "social-links",
    ]
    assert "not reviewed" in entry["boilerplate_review"]
    # the earlier entries are unchanged
    assert _manifest(corpus)["documents"][:-1] == before

    from nkru.splits import documents_by_split, split_of

    doc = {d.id: d for d in load_corpus()}[expected_id]
    assert doc.text == TEXT and len(doc.boilerplate) == 5
    assert split_of(expected_id) == "train"
    assert expected_id in documents_by_split()["train"]
    listing = CliRunner().invoke(app, ["corpus"], env={"COLUMNS": "250"})
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    row = next(line for line in lines if f" {expected_id} " in line)  # the figures table
    assert "train" in row
    about = next(line for line in lines if line.startswith(f"{expected_id}  "))  # metadata
    assert "2024-11-05" in about and "Le Journal / Claire Martin" in about


def test_add_an_html_page_keeps_it_and_extracts_its_text(corpus: Path, tmp_path: Path) -> None:
    page = tmp_path / "traite.html"
    page.write_text(PAGE, encoding="utf-8")
    result = _add(str(page), "--split", "validation", "--split-reason", "a second outlet")
    assert result.exit_code == 0, result.output
    entry = _manifest(corpus)["documents"][-1]
    source = corpus / entry["source"]["file"]
    assert source.read_bytes() == page.read_bytes()
    assert entry["source"]["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
    assert entry["source"]["extracted_with"].startswith("trafilatura ")
    text = (corpus / entry["file"]).read_text(encoding="utf-8")
    assert "traité de partenariat stratégique" in text
    assert "Accueil" not in text and "Mentions légales" not in text  # site chrome left out
    assert entry["title"] == "Kim Jong-un et Poutine signent un traité"
    assert entry["publisher"] == "Le Journal" and entry["authors"] == ["Claire Martin"]
    assert entry["date"] == "2024-06-19"
    assert "metadata" in entry["notes"]["title"]
    assert entry["split"] == "validation" and entry["split_reason"] == "a second outlet"
    assert [b["rule"] for b in entry["boilerplate"]] == ["read-also"]
    # the same page again, or its text as a text file, is a duplicate
    again = _add(str(page))
    assert again.exit_code == 2 and "already present" in again.output
    extracted = tmp_path / "extracted.txt"
    extracted.write_bytes((corpus / entry["file"]).read_bytes())
    assert "already present" in _add(str(extracted)).output
    # a changed page is noticed by the corpus loader
    source.write_bytes(source.read_bytes() + b"\n")
    forget_corpus()
    with pytest.raises(CorpusError, match="does not match the manifest"):
        load_corpus()


@pytest.mark.parametrize(
    ("stated", "published"),
    [
        ("", None),
        ('<meta property="article:published_time" content="2024-10-25T08:30:00">', "2024-10-25"),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2024-10-25T08:30:00"}</script>',
            "2024-10-25",
        ),
    ],
    ids=["none", "meta", "json-ld"],
)
def test_a_page_date_is_only_what_its_metadata_states(
    corpus: Path, tmp_path: Path, stated: str, published: str | None
) -> None:
    """A month in the text ("en octobre 2024") is not the page's date (it was recorded as
    2024-01-01 "from the HTML page's own metadata"); its <meta> tags and JSON-LD are."""
    page = tmp_path / "page.html"
    html = PAGE.replace(PAGE_DATE, stated).replace("global,", "global, en octobre 2024,")
    page.write_text(html, encoding="utf-8")
    result = _add(str(page))
    assert result.exit_code == 0, result.output
    entry = _manifest(corpus)["documents"][-1]
    assert entry["date"] == published
    stated_nowhere = "not in the page's metadata" in entry["notes"]["date"]
    assert stated_nowhere == (published is None)


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("latin1.txt", "Les soldats nord-coréens à Koursk.\n".encode("latin-1"), [], "not UTF-8"),
        ("empty.txt", b"", [], "the file is empty"),
        ("blank.txt", b" \n\n\t\n", [], "the file is empty"),
        ("binary.txt", b"PK\x03\x04\x00\x00", [], "binary file"),
        ("ascii.pdf", PDF, [], "a PDF file"),
        ("report.txt", PDF, [], "a PDF file"),
        ("chrome.html", b"<html><body><nav>Accueil</nav></body></html>", [], "without article"),
        ("date.txt", b"Un texte.\n", ["--date", "25/10/2024"], "--date"),
        ("url.txt", b"Un texte.\n", ["--url", "example.org"], "--url"),
        ("split.txt", b"Un texte.\n", ["--split", "dev"], "--split"),
    ],
)
def test_bad_input_is_refused_naming_the_file(
    corpus: Path, tmp_path: Path, name: str, content: bytes, options: list[str], message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = _snapshot(corpus)
    result = _add(str(path), *options)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and message in result.output
    assert "Traceback" not in result.output
    assert _snapshot(corpus) == before


def test_an_existing_article_is_refused_as_already_present(corpus: Path, tmp_path: Path) -> None:
    doc = load_corpus()[0]
    copy = tmp_path / "copy.txt"
    copy.write_bytes((corpus / doc.file).read_bytes())
    before = _snapshot(corpus)
    result = _add(str(copy))
    assert result.exit_code == 2
    assert f"already present in the corpus as document {doc.id}" in result.output
    padded = tmp_path / "padded.txt"
    padded.write_text("\n" + doc.text + "\n\n", encoding="utf-8")
    assert f"as document {doc.id}" in _add(str(padded)).output
    assert _snapshot(corpus) == before


def test_paths_outside_the_corpus_are_refused(corpus: Path, tmp_path: Path) -> None:
    # a file already inside the corpus folder, a missing file, a folder
    inside = corpus / "stray.txt"
    inside.write_text("Un texte égaré.\n", encoding="utf-8")
    result = _add(str(inside))
    assert result.exit_code == 2 and "already inside the corpus folder" in result.output
    assert "no such file" in _add(str(tmp_path / "missing.txt")).output
    assert "not a regular file" in _add(str(tmp_path)).output
    # a manifest entry naming a file outside data/raw is refused by every reader
    outside = tmp_path / "outside.txt"
    outside.write_text("Hors du corpus.\n", encoding="utf-8")
    manifest = _manifest(corpus)
    manifest["documents"][0]["file"] = "../../outside.txt"
    (corpus / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    forget_corpus()
    with pytest.raises(CorpusError, match="outside the corpus folder"):
        load_corpus()
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    result = _add(str(article))
    assert result.exit_code == 2 and "outside the corpus folder" in result.output
    listing = CliRunner().invoke(app, ["corpus"])
    assert listing.exit_code == 2 and "outside the corpus folder" in listing.output

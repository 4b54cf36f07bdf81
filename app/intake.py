"""Add an article to the corpus (``nkru corpus add``): checks, copy, manifest entry.

A UTF-8 text file is copied byte-for-byte into ``data/raw/``. An HTML page is kept there
byte-for-byte as the document's ``source`` and its main text is extracted with trafilatura
(Markdown, links and emphasis kept, like the five original texts); the extracted text is the
document. The manifest entry gets the next document id, the text's sha256, the metadata given
(or read from the page's own metadata, each with a note saying where it came from), the split
decision (:data:`nkru.splits.ADDED_SPLIT` unless told otherwise) and the boilerplate regions
that :mod:`nkru.boilerplate` proposes, for review. Bad input raises :class:`IntakeError` naming
the file; nothing is written then.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import metadata as package_metadata
from pathlib import Path

from nkru.errors import NkruError

try:  # the studio extra: only an HTML page needs it
    import trafilatura
    from htmldate.core import examine_header
    from htmldate.extractors import json_search
    from htmldate.utils import Extractor, load_html
    from htmldate.validators import get_max_date, get_min_date
except ModuleNotFoundError:
    trafilatura = None  # type: ignore[assignment]

from nkru.boilerplate import RULES_VERSION, Proposal, propose
from nkru.corpus import CorpusError, forget_corpus, load_corpus, manifest_path
from nkru.files import write_atomic
from nkru.paths import raw_dir
from nkru.schema import DATE_VALUE_RE
from nkru.splits import ADDED_SPLIT, ADDED_SPLIT_REASON, SPLITS

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_HTML_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<!doctype html|<html|<head|<body)", re.I)
MIN_ARTICLE_CHARS = 200  # less main text than this from a page is site chrome, not an article
_URL = re.compile(r"^https?://[^\s/]+\S*$")


class IntakeError(NkruError, ValueError):
    """The file cannot be added; the message names it and says why."""


@dataclass
class Metadata:
    """What the person adding the article says about it (None: not given)."""

    title: str | None = None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    url: str | None = None
    language: str = "fr"


@dataclass(frozen=True)
class Added:
    """The new manifest entry and where its files went."""

    id: str
    path: Path
    source: Path | None
    entry: dict
    proposals: list[Proposal]


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise IntakeError(f"{path}: the file is empty (no text to add)")
    if data.startswith(b"%PDF-"):
        raise IntakeError(f"{path}: a PDF file, not a UTF-8 text or HTML page (extract its text)")
    if b"\x00" in data:
        raise IntakeError(f"{path}: a binary file (NUL bytes), not a UTF-8 text or HTML page")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise IntakeError(
            f"{path}: not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}, line "
            f"{line}); convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None


def is_html(path: Path, data: bytes) -> bool:
    """An HTML page by its suffix or its first tag."""
    return path.suffix.lower() in HTML_SUFFIXES or bool(_HTML_START.match(data[:1024]))


def extractor() -> str:
    """The HTML extractor and its version, as recorded in the manifest."""
    return f"trafilatura {package_metadata.version('trafilatura')}"


def extract_html(path: Path, page: str) -> tuple[str, dict[str, object]]:
    """The page's main text (Markdown) and its own metadata (title, author, date, site name)."""
    if trafilatura is None:
        raise IntakeError(
            f"{path}: an HTML page needs trafilatura to extract its text: "
            "pip install 'nkru[studio]'"
        ) from None
    text = trafilatura.extract(
        page,
        output_format="markdown",
        include_links=True,
        include_formatting=True,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
    )
    if not text or len(text.strip()) < MIN_ARTICLE_CHARS:
        length = len((text or "").strip())
        raise IntakeError(
            f"{path}: an HTML page without article text ({extractor()} found {length} "
            f"characters of main text, fewer than {MIN_ARTICLE_CHARS})"
        )
    meta = trafilatura.extract_metadata(page)
    found: dict[str, object] = {"date": stated_date(page)}
    if meta is not None:
        found |= {
            "title": meta.title,
            "publisher": meta.sitename,
            "authors": [a.strip() for a in (meta.author or "").split(";") if a.strip()],
            "url": meta.url,
        }
    return text.strip() + "\n", found


def stated_date(page: str) -> str | None:
    """The publication date the page's own metadata states (its <meta> tags, its JSON-LD), or
    None: never a date guessed from the text (trafilatura's metadata, through htmldate's
    extensive search, turns an "octobre 2024" of the body into 2024-01-01)."""
    tree = load_html(page)
    if tree is None:
        return None
    published = Extractor(False, get_max_date(None), get_min_date(None), True, "%Y-%m-%d")
    return examine_header(tree, published) or json_search(tree, published)


def _check_metadata(path: Path, given: Metadata) -> None:
    if given.date is not None and not DATE_VALUE_RE.fullmatch(given.date):
        raise IntakeError(
            f"{path}: --date {given.date!r} is not an ISO 8601 date (2024-10-25, 2024-10 or 2024)"
        )
    if given.url is not None and not _URL.match(given.url):
        raise IntakeError(f"{path}: --url {given.url!r} is not an http(s) URL")
    for name in ("title", "publisher"):
        value = getattr(given, name)
        if value is not None and not value.strip():
            raise IntakeError(f"{path}: --{name} is empty")


def _merge(given: Metadata, page: dict[str, object], html: bool) -> tuple[dict, dict]:
    """Manifest metadata and notes: given values first, then the page's own metadata."""
    values: dict[str, object] = {}
    notes: dict[str, str] = {}
    how = "given with --{} when the document was added (check it against the text)"
    from_page = f"from the HTML page's own metadata, read by {extractor() if html else ''}"
    for key, option in (("title", "title"), ("publisher", "publisher"), ("date", "date")):
        value = getattr(given, key)
        if value is not None:
            values[key], notes[key] = value.strip(), how.format(option)
        elif page.get(key):
            values[key], notes[key] = page[key], from_page
        else:
            values[key] = None
            notes[key] = f"not given (--{option}) and not in the page's metadata"
            if key == "date" and html:
                notes[key] += " (<meta> tags, JSON-LD); a date in the text is not taken"
    if given.authors:
        values["authors"], notes["authors"] = (
            [a.strip() for a in given.authors],
            how.format("author"),
        )
    elif page.get("authors"):
        values["authors"], notes["authors"] = page["authors"], from_page
    else:
        values["authors"], notes["authors"] = [], "not given (--author) and not in the metadata"
    values["language"], notes["language"] = given.language, how.format("language")
    if values["date"] is not None and not DATE_VALUE_RE.fullmatch(str(values["date"])):
        notes["date"] = f"the page's date {values['date']!r} is not ISO 8601: left out"
        values["date"] = None
    if given.url:
        values["url"], notes["url"] = given.url, how.format("url")
    elif page.get("url"):
        values["url"], notes["url"] = page["url"], from_page
    return values, notes


def _next_id(ids: list[str]) -> str:
    numbers = [int(i) for i in ids if i.isdigit()]
    return f"{max(numbers, default=-1) + 1:03d}"


def add_document(
    file: Path,
    given: Metadata | None = None,
    split: str = ADDED_SPLIT,
    split_reason: str | None = None,
    directory: Path | None = None,
) -> Added:
    """Check ``file``, copy it (and its extracted text) into the corpus folder and append its
    manifest entry. Raises :class:`IntakeError` (nothing written) for bad input."""
    given = given or Metadata()
    directory = Path(directory or raw_dir())
    file = Path(file)
    if not file.exists():
        raise IntakeError(f"{file}: no such file")
    if not file.is_file():
        raise IntakeError(f"{file}: not a regular file")
    if file.resolve().parent == directory.resolve():
        raise IntakeError(
            f"{file}: already inside the corpus folder {directory}; add a file from outside it "
            "(the corpus copies what it is given)"
        )
    if split not in SPLITS:
        raise IntakeError(f"{file}: --split {split!r} is not one of {', '.join(SPLITS)}")
    _check_metadata(file, given)
    data = file.read_bytes()
    decoded = _decode(file, data)
    html = is_html(file, data)
    text, page = extract_html(file, decoded) if html else (decoded, {})
    body = text.encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    source_digest = hashlib.sha256(data).hexdigest() if html else None

    path = manifest_path(directory)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        documents = load_corpus(directory)
    except (FileNotFoundError, CorpusError, json.JSONDecodeError) as err:
        raise IntakeError(f"{file}: the corpus at {directory} cannot be read: {err}") from None
    by_hash = {e["sha256"]: e["id"] for e in manifest["documents"]}
    by_hash.update(
        {e["source"]["sha256"]: e["id"] for e in manifest["documents"] if e.get("source")}
    )
    for candidate in (digest, source_digest):
        if candidate in by_hash:
            raise IntakeError(
                f"{file}: already present in the corpus as document {by_hash[candidate]} "
                f"(same sha256 {candidate})"
            )
    stripped = text.strip()
    for doc in documents:
        if doc.text.strip() == stripped:
            raise IntakeError(
                f"{file}: already present in the corpus as document {doc.id} "
                "(the same text up to surrounding whitespace)"
            )

    doc_id = _next_id([e["id"] for e in manifest["documents"]])
    values, notes = _merge(given, page, html)
    proposals = propose(text, values["title"] if isinstance(values["title"], str) else None)
    name = f"{doc_id}_{digest[:16]}.txt"
    entry: dict = {"id": doc_id, "file": name, "sha256": digest, **values, "notes": notes}
    target_source = None
    if source_digest is not None:  # an HTML page
        target_source = directory / f"{doc_id}_{source_digest[:16]}{file.suffix.lower()}"
        if not target_source.suffix:
            target_source = target_source.with_suffix(".html")
        entry["source"] = {
            "file": target_source.name,
            "sha256": source_digest,
            "extracted_with": f"{extractor()} (Markdown with links and emphasis)",
        }
    entry["split"] = split
    entry["split_reason"] = split_reason or ADDED_SPLIT_REASON
    entry["boilerplate"] = [p.to_manifest() for p in proposals]
    entry["boilerplate_review"] = (
        f"proposed by the boilerplate rules v{RULES_VERSION} (nkru/boilerplate.py); "
        "not reviewed yet"
    )
    target = directory / name
    write_atomic(target, body)
    if target_source is not None:
        write_atomic(target_source, data)
    manifest["documents"].append(entry)
    text_out = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text_out.encode("utf-8"))
    forget_corpus()
    return Added(doc_id, target, target_source, entry, proposals)

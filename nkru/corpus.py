"""The corpus: verbatim texts, manifest metadata and boilerplate regions.

``data/raw/manifest.json`` lists every document: its text file (a name inside ``data/raw``), the
text's sha256, evidence-based metadata with notes, boilerplate regions, and for documents added
with ``nkru corpus add`` their split decision and, for an HTML page, the original page
(``source``: file and sha256, kept byte-identical beside the extracted text).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nkru.errors import NkruError
from nkru.paths import raw_dir
from nkru.records import Span
from nkru.schema import BOILERPLATE

METADATA_FIELDS: tuple[str, ...] = ("title", "publisher", "authors", "date", "language")


class CorpusError(NkruError):
    """The corpus files or manifest are inconsistent."""


@dataclass(frozen=True)
class Document:
    """One article: verbatim text, evidence-based metadata and site-chrome regions."""

    id: str
    file: str
    sha256: str
    text: str
    metadata: dict[str, object] = field(hash=False)
    boilerplate: tuple[Span, ...] = ()
    # for documents added after the splits were declared (nkru/splits.py): their split and why
    split: str | None = None
    split_reason: str | None = None

    @property
    def date(self) -> str | None:
        """Publication date (ISO 8601, possibly month only), or None when the text does not say."""
        value = self.metadata.get("date")
        return value if isinstance(value, str) else None

    def in_boilerplate(self, start: int, end: int) -> bool:
        """Whether the character range [start, end) overlaps a boilerplate region."""
        return any(start < b.end and b.start < end for b in self.boilerplate)


def manifest_path(root: Path | None = None) -> Path:
    """``data/raw/manifest.json`` (or the manifest of another corpus folder)."""
    return (root or raw_dir()) / "manifest.json"


def corpus_file(directory: Path, name: object, where: str) -> Path:
    """``directory / name`` for a file name of the manifest, refused when it would lie outside
    the corpus folder (a path, ``..``, an absolute name)."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise CorpusError(
            f"{manifest_path(directory)}: {where}: file {name!r} is a path outside the corpus "
            f"folder {directory} (expected a file name inside it)"
        )
    return directory / name


def _check_source(directory: Path, entry: dict) -> None:
    """The original page a text was extracted from (``source``) is present and unchanged."""
    source = entry.get("source")
    if source is None:
        return
    path = corpus_file(directory, source.get("file"), f"document {entry['id']} source")
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: source of document {entry['id']} not found") from err
    if digest != source.get("sha256"):
        raise CorpusError(
            f"{path}: sha256 {digest} does not match the manifest ({source.get('sha256')})"
        )


def _read_document(directory: Path, entry: dict) -> Document:
    path = corpus_file(directory, entry.get("file"), f"document {entry.get('id')}")
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: text of document {entry['id']} not found") from err
    _check_source(directory, entry)
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise CorpusError(
            f"{path}: sha256 {digest} does not match the manifest ({entry['sha256']})"
        )
    text = data.decode("utf-8")
    regions = []
    for n, region in enumerate(entry.get("boilerplate", []), start=1):
        start, end = region["start"], region["end"]
        if not (0 <= start < end <= len(text)) or text[start:end] != region["text"]:
            raise CorpusError(
                f"{manifest_path(directory)}: document {entry['id']} boilerplate #{n} "
                f"[{start}, {end}) does not reproduce its text {region['text']!r}"
            )
        regions.append(
            Span(
                f"{entry['id']}-bp{n:02d}",
                start,
                end,
                BOILERPLATE,
                region["text"],
                region["reason"],
            )
        )
    metadata = {key: entry.get(key) for key in METADATA_FIELDS}
    metadata["notes"] = entry.get("notes", {})
    return Document(
        entry["id"],
        entry["file"],
        digest,
        text,
        metadata,
        tuple(regions),
        entry.get("split"),
        entry.get("split_reason"),
    )


def load_corpus(directory: Path | None = None) -> tuple[Document, ...]:
    """All documents of the manifest, checked against their sha256, in id order (cached per
    corpus folder; :func:`forget_corpus` after changing it)."""
    return _load(Path(directory or raw_dir()).resolve())


@cache
def _load(directory: Path) -> tuple[Document, ...]:
    path = manifest_path(directory)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: manifest not found") from err
    docs = tuple(_read_document(directory, entry) for entry in manifest["documents"])
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            raise CorpusError(f"{path}: document id {doc.id} is listed twice")
        seen.add(doc.id)
    return tuple(sorted(docs, key=lambda d: d.id))


def forget_corpus() -> None:
    """Drop the cached documents (after the manifest or a text changed)."""
    _load.cache_clear()


def get_document(doc_id: str, directory: Path | None = None) -> Document:
    """The document with this id, or a CorpusError naming the known ids."""
    for doc in load_corpus(directory):
        if doc.id == doc_id:
            return doc
    known = ", ".join(d.id for d in load_corpus(directory))
    raise CorpusError(f"unknown document id {doc_id!r} (known: {known})")

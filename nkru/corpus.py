"""The five-article corpus: verbatim texts, manifest metadata and boilerplate regions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nkru.paths import raw_dir
from nkru.records import Span
from nkru.schema import BOILERPLATE

METADATA_FIELDS: tuple[str, ...] = ("title", "publisher", "authors", "date", "language")


class CorpusError(Exception):
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

    @property
    def date(self) -> str | None:
        """Publication date (ISO 8601, possibly month only), or None when the text does not say."""
        value = self.metadata.get("date")
        return value if isinstance(value, str) else None

    def in_boilerplate(self, start: int, end: int) -> bool:
        """Whether the character range [start, end) overlaps a boilerplate region."""
        return any(start < b.end and b.start < end for b in self.boilerplate)


def _manifest_path(root: Path | None) -> Path:
    return (root or raw_dir()) / "manifest.json"


def _read_document(directory: Path, entry: dict) -> Document:
    path = directory / entry["file"]
    data = path.read_bytes()
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
                f"{_manifest_path(directory)}: document {entry['id']} boilerplate #{n} "
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
    return Document(entry["id"], entry["file"], digest, text, metadata, tuple(regions))


@cache
def load_corpus(directory: Path | None = None) -> tuple[Document, ...]:
    """All documents of the manifest, checked against their sha256, in id order."""
    directory = directory or raw_dir()
    path = _manifest_path(directory)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise CorpusError(f"{path}: manifest not found") from err
    docs = tuple(_read_document(directory, entry) for entry in manifest["documents"])
    return tuple(sorted(docs, key=lambda d: d.id))


def get_document(doc_id: str, directory: Path | None = None) -> Document:
    """The document with this id, or a CorpusError naming the known ids."""
    for doc in load_corpus(directory):
        if doc.id == doc_id:
            return doc
    known = ", ".join(d.id for d in load_corpus(directory))
    raise CorpusError(f"unknown document id {doc_id!r} (known: {known})")

"""Sentences and tokens with character offsets into the verbatim text (spaCy French tokenizer).

Rules: a sentence never crosses a line break or a boilerplate boundary; inside a paragraph,
spaCy's rule-based ``sentencizer`` splits sentences. The Markdown emphasis marker ``*`` left by
the scrape ("*NK News*.") is split off words as a prefix and suffix, so a name and a final full
stop stand as tokens of their own; the doubled full stop ".." of the scrape ends a sentence like
".". Whitespace tokens are dropped. Boilerplate
pieces become sentences flagged ``boilerplate`` (kept for stable ids, excluded from examples).
Results are cached on disk, keyed by the text's sha256, its boilerplate and the spaCy version.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from functools import cache
from importlib import metadata
from typing import TYPE_CHECKING, Any

from nkru.corpus import Document
from nkru.errors import MissingExtra
from nkru.paths import cache_dir
from nkru.records import Sentence

if TYPE_CHECKING:
    from spacy.language import Language

SEGMENTER_VERSION = "3"
_LINE = re.compile(r"[^\n]+")


def _spacy_version() -> str:
    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        raise MissingExtra("spacy", "baselines") from None


@cache
def _nlp() -> Language:
    """spaCy's blank French pipeline with the module's rules; spaCy is imported here, on first
    use, so that the core (and ``nkru eval``) imports without the baselines extra."""
    try:
        import spacy
        from spacy.pipeline.sentencizer import Sentencizer
        from spacy.util import compile_prefix_regex, compile_suffix_regex
    except ModuleNotFoundError as err:
        raise MissingExtra(err.name or "spacy", "baselines") from None
    nlp = spacy.blank("fr")
    defaults: Any = nlp.Defaults
    tokenizer: Any = nlp.tokenizer
    suffixes = [r"\*", r"(?<=\*)\.", *defaults.suffixes]
    tokenizer.prefix_search = compile_prefix_regex([r"\*", *defaults.prefixes]).search
    tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    punct_chars = [*Sentencizer.default_punct_chars, ".."]
    nlp.add_pipe("sentencizer", config={"punct_chars": punct_chars})
    return nlp


def _pieces(doc: Document) -> list[tuple[int, int, bool]]:
    """Line pieces cut at boilerplate boundaries: (start, end, is_boilerplate)."""
    cuts = sorted({p for b in doc.boilerplate for p in (b.start, b.end)})
    pieces = []
    for line in _LINE.finditer(doc.text):
        bounds = [line.start(), *(c for c in cuts if line.start() < c < line.end()), line.end()]
        for start, end in itertools.pairwise(bounds):
            pieces.append((start, end, doc.in_boilerplate(start, end)))
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _segment(doc: Document) -> list[tuple[int, int, bool, list[tuple[int, int]]]]:
    out = []
    nlp = _nlp()
    for start, end, boiler in _pieces(doc):
        parsed = nlp(doc.text[start:end])
        for sent in parsed.sents:
            tokens = [(start + t.idx, start + t.idx + len(t.text)) for t in sent if not t.is_space]
            s, e = _strip(doc.text, start + sent.start_char, start + sent.end_char)
            if s < e:
                out.append((s, e, boiler, tokens))
    return out


@cache
def sentences(doc: Document) -> tuple[Sentence, ...]:
    """All sentences of ``doc`` in order, with stable ids like ``002-s014``."""
    regions = ",".join(f"{b.start}-{b.end}" for b in doc.boilerplate)
    layout = hashlib.sha256(f"{doc.sha256}|{regions}".encode()).hexdigest()[:16]
    key = f"segment-v{SEGMENTER_VERSION}-spacy{_spacy_version()}-{layout}.json"
    path = cache_dir() / key
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        raw = _segment(doc)
        path.write_text(json.dumps(raw), encoding="utf-8")
    return tuple(
        Sentence(
            id=f"{doc.id}-s{n:03d}",
            document_id=doc.id,
            start=s,
            end=e,
            text=doc.text[s:e],
            boilerplate=bool(boiler),
            tokens=tuple((a, b) for a, b in tokens),
        )
        for n, (s, e, boiler, tokens) in enumerate(raw, start=1)
    )


def content_sentences(doc: Document) -> tuple[Sentence, ...]:
    """Sentences outside boilerplate: the ones that become task examples."""
    return tuple(s for s in sentences(doc) if not s.boilerplate)


def tokens(doc: Document) -> tuple[tuple[int, int], ...]:
    """Every non-space token of the document as (start, end)."""
    return tuple(t for s in sentences(doc) for t in s.tokens)


def sentence_at(doc: Document, offset: int) -> Sentence | None:
    """The sentence containing character ``offset``, if any."""
    for sent in sentences(doc):
        if sent.start <= offset < sent.end:
            return sent
    return None

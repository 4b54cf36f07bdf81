"""Rows of every config from one document and its ground-truth annotation.

All offsets are Python ``str`` indices (Unicode code points), end-exclusive. Sentence-level rows
use sentence-relative offsets; ``attribution`` uses document offsets; context rows (stance,
certainty, topic, normalization) are relative to their ``text``, which starts at ``context_start``
in the document. Problems are collected for the whole document and raised together as a
:class:`BuildError`, so nothing is silently dropped and nothing is half-built.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from nkru.corpus import Document
from nkru.dataset.features import DOCUMENTS
from nkru.records import Annotation, Claim, Source, Span
from nkru.schema import (
    CERTAINTY_LABELS,
    CLAIM,
    ENTITY_LABELS,
    STANCE_LABELS,
    TOPIC_LABELS,
    VALUED_LABELS,
)
from nkru.segment import Sentence, content_sentences
from nkru.splits import split_of

Row = dict[str, Any]


class BuildError(Exception):
    """The annotations cannot be turned into dataset rows; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _where(doc: Document, kind: str, item: Span | Claim | Source) -> str:
    label = f" {item.label}" if isinstance(item, Span) else ""
    return f"document {doc.id}: {kind} {item.id}{label} [{item.start}, {item.end}) {item.text!r}"


class _Document:
    """One document being converted: its content sentences and the problems found."""

    def __init__(self, doc: Document, annotation: Annotation) -> None:
        self.doc = doc
        self.ann = annotation.sorted()
        self.sentences = content_sentences(doc)
        self.problems: list[str] = []
        self.starts = {a for s in self.sentences for a, _ in s.tokens}
        self.ends = {b for s in self.sentences for _, b in s.tokens}

    def error(self, message: str) -> None:
        self.problems.append(message)

    def sentence_at(self, offset: int) -> Sentence | None:
        for sent in self.sentences:
            if sent.start <= offset < sent.end:
                return sent
        return None

    def covering(self, start: int, end: int) -> list[Sentence]:
        """The content sentences from the one containing ``start`` to the one containing
        ``end - 1`` (empty when either end is outside every content sentence)."""
        first, last = self.sentence_at(start), self.sentence_at(end - 1)
        if first is None or last is None:
            return []
        return [s for s in self.sentences if first.start <= s.start <= last.start]

    def check_span(self, kind: str, item: Span | Claim | Source) -> bool:
        """Offsets reproduce the text, lie outside boilerplate and inside content sentences."""
        text = self.doc.text
        where = _where(self.doc, kind, item)
        if not (0 <= item.start < item.end <= len(text)):
            self.error(f"{where}: offsets outside the text (length {len(text)})")
            return False
        if text[item.start : item.end] != item.text:
            self.error(
                f"{where}: offsets give {text[item.start : item.end]!r}, not the recorded text"
            )
            return False
        if self.doc.in_boilerplate(item.start, item.end):
            self.error(f"{where}: overlaps a boilerplate region (not annotatable)")
            return False
        if not self.covering(item.start, item.end):
            self.error(f"{where}: starts or ends outside every content sentence")
            return False
        return True

    def check_tokens(self, kind: str, item: Span | Claim, start: int, end: int) -> bool:
        """``[start, end)`` starts at a token start and ends at a token end."""
        if start in self.starts and end in self.ends:
            return True
        sent = self.sentence_at(start) or self.sentence_at(end - 1)
        near = ""
        if sent is not None:
            around = [self.doc.text[a:b] for a, b in sent.tokens if b > start - 15 and a < end + 15]
            near = f"; tokens here: {around!r}"
        side = "start" if start not in self.starts else "end"
        self.error(
            f"{_where(self.doc, kind, item)}: does not align with token boundaries "
            f"(its {side} falls inside a token{near})"
        )
        return False


def _tag(tags: list[str], tokens: Iterable[tuple[int, int]], start: int, end: int, label: str):
    inside = [i for i, (a, b) in enumerate(tokens) if a >= start and b <= end]
    for n, i in enumerate(inside):
        tags[i] = f"{'B' if n == 0 else 'I'}-{label}"


def _sentence_base(sent: Sentence, text: str) -> Row:
    return {
        "id": sent.id,
        "document_id": sent.document_id,
        "text": sent.text,
        "doc_start": sent.start,
        "doc_end": sent.end,
        "tokens": [text[a:b] for a, b in sent.tokens],
        "token_starts": [a - sent.start for a, _ in sent.tokens],
        "token_ends": [b - sent.start for _, b in sent.tokens],
    }


def _overlaps(kind: str, items: Sequence[Span | Claim], d: _Document) -> None:
    for prev, item in itertools.pairwise(items):
        if item.start < prev.end:
            d.error(
                f"{_where(d.doc, kind, item)}: overlaps {kind} {prev.id} "
                f"[{prev.start}, {prev.end}) {prev.text!r} (token tags need flat spans)"
            )


def _check(d: _Document) -> tuple[list[Span], list[Claim], dict[str, Source], dict[str, Claim]]:
    ann, doc = d.ann, d.doc
    if ann.document_id != doc.id:
        d.error(f"document {doc.id}: the annotation is for document {ann.document_id!r}")
    entities = []
    for ent in ann.entities:
        if ent.label not in ENTITY_LABELS:
            d.error(f"{_where(doc, 'entity', ent)}: unknown label (known: {ENTITY_LABELS})")
            continue
        if not d.check_span("entity", ent):
            continue
        if len(d.covering(ent.start, ent.end)) > 1:
            d.error(f"{_where(doc, 'entity', ent)}: crosses a sentence boundary")
            continue
        if not d.check_tokens("entity", ent, ent.start, ent.end):
            continue
        if ent.label in VALUED_LABELS and not ent.value:
            d.error(f"{_where(doc, 'entity', ent)}: no normalised value")
        entities.append(ent)
    _overlaps("entity", entities, d)
    claims = []
    for claim in ann.claims:
        ok = d.check_span("claim", claim) and d.check_tokens("claim", claim, claim.start, claim.end)
        if claim.certainty not in CERTAINTY_LABELS:
            d.error(
                f"{_where(doc, 'claim', claim)}: certainty {claim.certainty!r} "
                f"is not one of {CERTAINTY_LABELS}"
            )
            ok = False
        if claim.topic not in TOPIC_LABELS:
            d.error(
                f"{_where(doc, 'claim', claim)}: topic {claim.topic!r} is not one of {TOPIC_LABELS}"
            )
            ok = False
        if ok:
            claims.append(claim)
    _overlaps("claim", claims, d)
    sources = {s.id: s for s in ann.sources if d.check_span("source", s)}
    by_id = {c.id: c for c in claims}
    known_sources = {s.id for s in ann.sources}
    known_claims = {c.id for c in ann.claims}
    seen: set[tuple[str, str]] = set()
    for st in ann.stances:
        where = f"document {doc.id}: stance {st.source_id} -> {st.claim_id}"
        if st.label not in STANCE_LABELS:
            d.error(f"{where}: label {st.label!r} is not one of {STANCE_LABELS}")
        if st.source_id not in known_sources:
            d.error(f"{where}: no source with id {st.source_id!r}")
        if st.claim_id not in known_claims:
            d.error(f"{where}: no claim with id {st.claim_id!r}")
        if (st.source_id, st.claim_id) in seen:
            d.error(f"{where}: the same pair is related twice")
        seen.add((st.source_id, st.claim_id))
    return entities, claims, sources, by_id


def _document_row(doc: Document, sentences: Sequence[Sentence]) -> Row:
    meta = doc.metadata
    return {
        "id": doc.id,
        "title": meta.get("title"),
        "publisher": meta.get("publisher"),
        "authors": meta.get("authors"),
        "date": meta.get("date"),
        "language": meta.get("language"),
        "text": doc.text,
        "sha256": doc.sha256,
        "split": split_of(doc.id),
        "boilerplate": [
            {"start": b.start, "end": b.end, "reason": b.value} for b in doc.boilerplate
        ],
        "n_sentences": len(sentences),
        "n_tokens": sum(len(s.tokens) for s in sentences),
    }


def _context(d: _Document, start: int, end: int) -> tuple[int, str]:
    sents = d.covering(start, end)
    first, last = sents[0].start, sents[-1].end
    return first, d.doc.text[first:last]


def document_rows(doc: Document, annotation: Annotation) -> dict[str, list[Row]]:
    """Rows of every config for one document; raises :class:`BuildError` listing all problems.

    Label columns hold label *names*; :func:`nkru.dataset.build.encode` turns them into
    ClassLabel integers.
    """
    d = _Document(doc, annotation)
    entities, claims, sources, claims_by_id = _check(d)
    if d.problems:
        raise BuildError(d.problems)
    text = doc.text
    rows: dict[str, list[Row]] = {DOCUMENTS: [_document_row(doc, d.sentences)]}

    ner, claim_rows = [], []
    for sent in d.sentences:
        base = _sentence_base(sent, text)
        inside = [e for e in entities if sent.start <= e.start and e.end <= sent.end]
        tags = ["O"] * len(sent.tokens)
        for ent in inside:
            _tag(tags, sent.tokens, ent.start, ent.end, ent.label)
        ner.append(
            {
                **base,
                "ner_tags": tags,
                "entities": [
                    {
                        "start": e.start - sent.start,
                        "end": e.end - sent.start,
                        "label": e.label,
                        "text": e.text,
                        "value": e.value,
                    }
                    for e in inside
                ],
            }
        )
        pieces = []
        ctags = ["O"] * len(sent.tokens)
        for claim in claims:
            start, end = max(claim.start, sent.start), min(claim.end, sent.end)
            if start < end:
                _tag(ctags, sent.tokens, start, end, CLAIM)
                pieces.append(
                    {"start": start - sent.start, "end": end - sent.start, "text": text[start:end]}
                )
        claim_rows.append(
            {**base, "claim_tags": ctags, "claims": pieces, "has_claim": bool(pieces)}
        )
    rows["ner"], rows["claims"] = ner, claim_rows

    relations = []
    for st in d.ann.stances:
        source, claim = sources[st.source_id], claims_by_id[st.claim_id]
        relations.append((source.start, claim.start, source.end, claim.end, source, claim, st))
    relations.sort(key=lambda r: r[:4])

    rows["attribution"] = [
        {
            "id": doc.id,
            "document_id": doc.id,
            "text": text,
            "sentences": [{"start": s.start, "end": s.end} for s in d.sentences],
            "sources": [
                {"start": s.start, "end": s.end, "text": s.text}
                for s in sorted(sources.values(), key=lambda s: (s.start, s.end, s.id))
            ],
            "claims": [{"start": c.start, "end": c.end, "text": c.text} for c in claims],
            "pairs": [
                {
                    "source_start": s.start,
                    "source_end": s.end,
                    "claim_start": c.start,
                    "claim_end": c.end,
                    "stance": st.label,
                }
                for *_, s, c, st in relations
            ],
        }
    ]

    stance = []
    for n, (*_, source, claim, st) in enumerate(relations, start=1):
        ctx, context = _context(d, min(source.start, claim.start), max(source.end, claim.end))
        stance.append(
            {
                "id": f"{doc.id}-r{n:02d}",
                "document_id": doc.id,
                "text": context,
                "context_start": ctx,
                "source_start": source.start - ctx,
                "source_end": source.end - ctx,
                "claim_start": claim.start - ctx,
                "claim_end": claim.end - ctx,
                "source_text": source.text,
                "claim_text": claim.text,
                "label": st.label,
            }
        )
    rows["stance"] = stance

    certainty, topic = [], []
    for n, claim in enumerate(claims, start=1):
        ctx, context = _context(d, claim.start, claim.end)
        base = {
            "id": f"{doc.id}-c{n:02d}",
            "document_id": doc.id,
            "text": context,
            "context_start": ctx,
            "claim_start": claim.start - ctx,
            "claim_end": claim.end - ctx,
            "claim_text": claim.text,
        }
        certainty.append({**base, "label": claim.certainty})
        topic.append({**base, "label": claim.topic})
    rows["certainty"], rows["topic"] = certainty, topic

    valued = [e for e in entities if e.label in VALUED_LABELS]
    normalization = []
    for n, ent in enumerate(valued, start=1):
        ctx, context = _context(d, ent.start, ent.end)
        normalization.append(
            {
                "id": f"{doc.id}-e{n:02d}",
                "document_id": doc.id,
                "text": context,
                "context_start": ctx,
                "start": ent.start - ctx,
                "end": ent.end - ctx,
                "mention": ent.text,
                "entity_type": ent.label,
                "document_date": doc.date,
                "value": ent.value,
            }
        )
    rows["normalization"] = normalization
    return rows

"""Task rows from one document and its ground-truth annotation.

:func:`check` validates an annotation against its document (offsets, boilerplate, token
boundaries, labels, relations) and returns an :class:`AnnotatedDocument`; each task's
``rows`` function (named in :mod:`nkru.tasks`) turns that into the task's dataset rows.
All offsets are Python ``str`` indices (Unicode code points), end-exclusive. Sentence-level
rows use sentence-relative offsets; ``attribution`` uses document offsets; context rows
(stance, certainty, topic, normalization) are relative to their ``text``, which starts at
``context_start`` in the document. Problems are collected for the whole document and raised
together as a :class:`BuildError`, so nothing is silently dropped and nothing is half-built.
Label columns hold label names.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nkru.corpus import Document
from nkru.errors import NkruError
from nkru.records import Annotation, Claim, Sentence, Source, Span
from nkru.schema import (
    CERTAINTY_LABELS,
    CLAIM,
    ENTITY_LABELS,
    STANCE_LABELS,
    TOPIC_LABELS,
    VALUED_LABELS,
)
from nkru.splits import split_of

Row = dict[str, Any]


class BuildError(NkruError):
    """The annotations cannot be turned into dataset rows; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _where(doc: Document, kind: str, item: Span | Claim | Source) -> str:
    label = f" {item.label}" if isinstance(item, Span) else ""
    return f"document {doc.id}: {kind} {item.id}{label} [{item.start}, {item.end}) {item.text!r}"


@dataclass(frozen=True)
class Relation:
    """A checked stance relation with its source and claim."""

    source: Source
    claim: Claim
    label: str


@dataclass(frozen=True)
class AnnotatedDocument:
    """A document with its checked ground truth: what the tasks' row functions read."""

    doc: Document
    sentences: tuple[Sentence, ...]
    entities: tuple[Span, ...]
    claims: tuple[Claim, ...]
    sources: tuple[Source, ...]
    relations: tuple[Relation, ...]

    def sentence_at(self, offset: int) -> Sentence | None:
        """The content sentence holding character ``offset``."""
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

    def context(self, start: int, end: int) -> tuple[int, str]:
        """``(offset, text)`` of the sentences holding ``[start, end)``."""
        sents = self.covering(start, end)
        first, last = sents[0].start, sents[-1].end
        return first, self.doc.text[first:last]


class _Checker:
    """One document being checked: the problems found so far."""

    def __init__(self, doc: Document, sentences: Sequence[Sentence]) -> None:
        self.doc = doc
        self.view = AnnotatedDocument(doc, tuple(sentences), (), (), (), ())
        self.problems: list[str] = []
        self.starts = {a for s in sentences for a, _ in s.tokens}
        self.ends = {b for s in sentences for _, b in s.tokens}

    def error(self, message: str) -> None:
        self.problems.append(message)

    def span(self, kind: str, item: Span | Claim | Source) -> bool:
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
        if not self.view.covering(item.start, item.end):
            self.error(f"{where}: starts or ends outside every content sentence")
            return False
        return True

    def tokens(self, kind: str, item: Span | Claim) -> bool:
        """The item starts at a token start and ends at a token end."""
        start, end = item.start, item.end
        if start in self.starts and end in self.ends:
            return True
        sent = self.view.sentence_at(start) or self.view.sentence_at(end - 1)
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

    def no_overlaps(self, kind: str, items: Sequence[Span | Claim]) -> None:
        for prev, item in itertools.pairwise(items):
            if item.start < prev.end:
                self.error(
                    f"{_where(self.doc, kind, item)}: overlaps {kind} {prev.id} "
                    f"[{prev.start}, {prev.end}) {prev.text!r} (token tags need flat spans)"
                )

    def entities(self, entities: Iterable[Span]) -> list[Span]:
        doc, kept = self.doc, []
        for ent in entities:
            if ent.label not in ENTITY_LABELS:
                self.error(f"{_where(doc, 'entity', ent)}: unknown label (known: {ENTITY_LABELS})")
                continue
            if not self.span("entity", ent):
                continue
            if len(self.view.covering(ent.start, ent.end)) > 1:
                self.error(f"{_where(doc, 'entity', ent)}: crosses a sentence boundary")
                continue
            if not self.tokens("entity", ent):
                continue
            if ent.label in VALUED_LABELS and not ent.value:
                self.error(f"{_where(doc, 'entity', ent)}: no normalised value")
            kept.append(ent)
        self.no_overlaps("entity", kept)
        return kept

    def claims(self, claims: Iterable[Claim]) -> list[Claim]:
        doc, kept = self.doc, []
        for claim in claims:
            ok = self.span("claim", claim) and self.tokens("claim", claim)
            if claim.certainty not in CERTAINTY_LABELS:
                self.error(
                    f"{_where(doc, 'claim', claim)}: certainty {claim.certainty!r} "
                    f"is not one of {CERTAINTY_LABELS}"
                )
                ok = False
            if claim.topic not in TOPIC_LABELS:
                self.error(
                    f"{_where(doc, 'claim', claim)}: topic {claim.topic!r} "
                    f"is not one of {TOPIC_LABELS}"
                )
                ok = False
            if ok:
                kept.append(claim)
        self.no_overlaps("claim", kept)
        return kept

    def relations(
        self, ann: Annotation, sources: dict[str, Source], claims: dict[str, Claim]
    ) -> list[Relation]:
        known_sources = {s.id for s in ann.sources}
        known_claims = {c.id for c in ann.claims}
        seen: set[tuple[str, str]] = set()
        kept = []
        for st in ann.stances:
            where = f"document {self.doc.id}: stance {st.source_id} -> {st.claim_id}"
            if st.label not in STANCE_LABELS:
                self.error(f"{where}: label {st.label!r} is not one of {STANCE_LABELS}")
            if st.source_id not in known_sources:
                self.error(f"{where}: no source with id {st.source_id!r}")
            if st.claim_id not in known_claims:
                self.error(f"{where}: no claim with id {st.claim_id!r}")
            if (st.source_id, st.claim_id) in seen:
                self.error(f"{where}: the same pair is related twice")
            seen.add((st.source_id, st.claim_id))
            if st.source_id in sources and st.claim_id in claims:
                kept.append(Relation(sources[st.source_id], claims[st.claim_id], st.label))
        return sorted(kept, key=_relation_order)


def _relation_order(r: Relation) -> tuple[int, int, int, int]:
    return (r.source.start, r.claim.start, r.source.end, r.claim.end)


def check(
    doc: Document, annotation: Annotation, sentences: Sequence[Sentence]
) -> AnnotatedDocument:
    """The checked annotation of ``doc`` (``sentences``: its content sentences, from
    :func:`nkru.segment.content_sentences`); raises :class:`BuildError` listing every problem."""
    checker = _Checker(doc, sentences)
    ann = annotation.sorted()
    if ann.document_id != doc.id:
        checker.error(f"document {doc.id}: the annotation is for document {ann.document_id!r}")
    entities = checker.entities(ann.entities)
    claims = checker.claims(ann.claims)
    sources = {s.id: s for s in ann.sources if checker.span("source", s)}
    relations = checker.relations(ann, sources, {c.id: c for c in claims})
    if checker.problems:
        raise BuildError(checker.problems)
    return AnnotatedDocument(
        doc,
        tuple(sentences),
        tuple(entities),
        tuple(claims),
        tuple(sorted(sources.values(), key=lambda s: (s.start, s.end, s.id))),
        tuple(relations),
    )


# -- rows -----------------------------------------------------------------------------------------


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


def document_row(d: AnnotatedDocument) -> Row:
    """The ``documents`` config row: the verbatim text, metadata and boilerplate regions."""
    doc, meta = d.doc, d.doc.metadata
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
        "n_sentences": len(d.sentences),
        "n_tokens": sum(len(s.tokens) for s in d.sentences),
    }


def ner_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per content sentence: BIO tags and the entities inside it."""
    text, rows = d.doc.text, []
    for sent in d.sentences:
        inside = [e for e in d.entities if sent.start <= e.start and e.end <= sent.end]
        tags = ["O"] * len(sent.tokens)
        for ent in inside:
            _tag(tags, sent.tokens, ent.start, ent.end, ent.label)
        entities = [
            {
                "start": e.start - sent.start,
                "end": e.end - sent.start,
                "label": e.label,
                "text": e.text,
                "value": e.value,
            }
            for e in inside
        ]
        rows.append({**_sentence_base(sent, text), "ner_tags": tags, "entities": entities})
    return rows


def claims_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per content sentence: BIO claim tags and the claim pieces inside it."""
    text, rows = d.doc.text, []
    for sent in d.sentences:
        pieces = []
        tags = ["O"] * len(sent.tokens)
        for claim in d.claims:
            start, end = max(claim.start, sent.start), min(claim.end, sent.end)
            if start < end:
                _tag(tags, sent.tokens, start, end, CLAIM)
                pieces.append(
                    {"start": start - sent.start, "end": end - sent.start, "text": text[start:end]}
                )
        rows.append(
            {
                **_sentence_base(sent, text),
                "claim_tags": tags,
                "claims": pieces,
                "has_claim": bool(pieces),
            }
        )
    return rows


def attribution_rows(d: AnnotatedDocument) -> list[Row]:
    """One row for the document: sentences, sources, claims and the stance pairs."""
    doc = d.doc
    return [
        {
            "id": doc.id,
            "document_id": doc.id,
            "text": doc.text,
            "sentences": [{"start": s.start, "end": s.end} for s in d.sentences],
            "sources": [{"start": s.start, "end": s.end, "text": s.text} for s in d.sources],
            "claims": [{"start": c.start, "end": c.end, "text": c.text} for c in d.claims],
            "pairs": [
                {
                    "source_start": r.source.start,
                    "source_end": r.source.end,
                    "claim_start": r.claim.start,
                    "claim_end": r.claim.end,
                    "stance": r.label,
                }
                for r in d.relations
            ],
        }
    ]


def context_row(d: AnnotatedDocument, row_id: str, offsets: dict[str, int], **fields: Any) -> Row:
    """A row whose ``text`` is the sentences holding ``offsets`` (document offsets, made
    relative to that text), with ``fields`` after them."""
    ctx, context = d.context(min(offsets.values()), max(offsets.values()))
    return {
        "id": row_id,
        "document_id": d.doc.id,
        "text": context,
        "context_start": ctx,
        **{name: offset - ctx for name, offset in offsets.items()},
        **fields,
    }


def stance_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per stance relation: source and claim in their context sentences."""
    return [
        context_row(
            d,
            f"{d.doc.id}-r{n:02d}",
            {
                "source_start": r.source.start,
                "source_end": r.source.end,
                "claim_start": r.claim.start,
                "claim_end": r.claim.end,
            },
            source_text=r.source.text,
            claim_text=r.claim.text,
            label=r.label,
        )
        for n, r in enumerate(d.relations, start=1)
    ]


def _claim_rows(d: AnnotatedDocument, label: str) -> list[Row]:
    return [
        context_row(
            d,
            f"{d.doc.id}-c{n:02d}",
            {"claim_start": claim.start, "claim_end": claim.end},
            claim_text=claim.text,
            label=getattr(claim, label),
        )
        for n, claim in enumerate(d.claims, start=1)
    ]


def certainty_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per claim, labelled with its certainty."""
    return _claim_rows(d, "certainty")


def topic_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per claim, labelled with its topic."""
    return _claim_rows(d, "topic")


def normalization_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per DATE/QUANTITY/MONEY entity: the mention in its sentence and its value."""
    valued = [e for e in d.entities if e.label in VALUED_LABELS]
    return [
        context_row(
            d,
            f"{d.doc.id}-e{n:02d}",
            {"start": ent.start, "end": ent.end},
            mention=ent.text,
            entity_type=ent.label,
            document_date=d.doc.date,
            value=ent.value,
        )
        for n, ent in enumerate(valued, start=1)
    ]

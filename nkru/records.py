"""In-memory annotation records: one annotator's annotation of one document.

Offsets are character offsets (Python ``str`` indices, Unicode code points) into the document's
verbatim text, end-exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A labelled character span. ``value`` is the normalised value of DATE/QUANTITY/MONEY."""

    id: str
    start: int
    end: int
    label: str
    text: str
    value: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document (see :mod:`nkru.segment`); offsets into the document text."""

    id: str
    document_id: str
    start: int
    end: int
    text: str
    boilerplate: bool
    tokens: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Claim:
    """A check-worthy claim span with its attributes."""

    id: str
    start: int
    end: int
    text: str
    certainty: str | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Source:
    """Who is responsible for one or more claims."""

    id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Stance:
    """A stance relation SOURCE -> CLAIM."""

    source_id: str
    claim_id: str
    label: str


@dataclass
class Annotation:
    """One annotator's annotation of one document (one Label Studio annotation)."""

    document_id: str
    annotator: str
    ground_truth: bool = False
    entities: list[Span] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)
    boilerplate: list[Span] = field(default_factory=list)

    def sorted(self) -> Annotation:
        """A copy with every layer in document order (for stable comparison and output)."""
        order = lambda x: (x.start, x.end, x.id)  # noqa: E731
        return Annotation(
            document_id=self.document_id,
            annotator=self.annotator,
            ground_truth=self.ground_truth,
            entities=sorted(self.entities, key=order),
            claims=sorted(self.claims, key=order),
            sources=sorted(self.sources, key=order),
            stances=sorted(self.stances, key=lambda s: (s.source_id, s.claim_id, s.label)),
            boilerplate=sorted(self.boilerplate, key=order),
        )

"""BIO tags over tokens ↔ character-offset spans (shared by the NER and claims taggers).

Offsets are end-exclusive character offsets into the row's ``text``. Encoding
(:func:`bio_tags`): a token is inside a span it overlaps; a span overlapping an earlier
(already tagged) span is skipped, since BIO cannot hold nested or crossing spans. Decoding
(:func:`spans_from_bio`): :func:`repair_bio` first, then one span per ``B-`` run, from the start
of its first token to the end of its last, so touching spans (``B-X I-X B-X``) stay apart.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from nkru.schema import ENTITY_LABELS

from .protocol import Row

OUTSIDE = "O"
Span = tuple[int, int]
TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def token_spans(row: Row) -> list[Span]:
    """The row's token offsets (``token_starts``/``token_ends``), else a regex tokenisation."""
    starts, ends = row.get("token_starts"), row.get("token_ends")
    if starts is not None and ends is not None:
        return list(zip(starts, ends, strict=True))
    return [m.span() for m in TOKEN_RE.finditer(row["text"])]


def bio_tags(tokens: Sequence[Span], spans: Sequence[dict]) -> list[str]:
    """BIO tags of tokens from ``{"start", "end", "label"}`` spans (sorted by start, end)."""
    tags = [OUTSIDE] * len(tokens)
    for span in sorted(spans, key=lambda e: (e["start"], e["end"])):
        inside = [i for i, (s, e) in enumerate(tokens) if s < span["end"] and span["start"] < e]
        if not inside or any(tags[i] != OUTSIDE for i in inside):
            continue
        tags[inside[0]] = f"B-{span['label']}"
        for i in inside[1:]:
            tags[i] = f"I-{span['label']}"
    return tags


def repair_bio(tags: Sequence[str], labels: Collection[str] = ENTITY_LABELS) -> list[str]:
    """Well-formed BIO: an ``I-X`` not preceded by ``B-X``/``I-X`` becomes ``B-X``.

    Unknown tags (not ``O``, ``B-L`` or ``I-L`` with ``L`` in ``labels``) become ``O``.
    """
    out: list[str] = []
    previous = OUTSIDE
    for tag in tags:
        if tag != OUTSIDE and (tag[:2] not in ("B-", "I-") or tag[2:] not in labels):
            tag = OUTSIDE
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return out


def spans_from_bio(
    tags: Sequence[str], tokens: Sequence[Span], labels: Collection[str] = ENTITY_LABELS
) -> list[dict]:
    """Span objects ``{"start", "end", "label"}`` from BIO tags (repaired) and token offsets."""
    spans: list[dict] = []
    current: dict | None = None
    for tag, (start, end) in zip(repair_bio(tags, labels), tokens, strict=True):
        if tag.startswith("I-") and current is not None:
            current["end"] = end
            continue
        if current is not None:
            spans.append(current)
            current = None
        if tag.startswith("B-"):
            current = {"start": start, "end": end, "label": tag[2:]}
    if current is not None:
        spans.append(current)
    return spans

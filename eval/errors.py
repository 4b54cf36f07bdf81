"""Error analysis: every error of a prediction set, one row each, with its context.

An error is named in the task's own terms:

- labelled spans (NER), as nervaluate's categories: ``missed``, ``spurious``, ``wrong label``
  (same boundaries), ``wrong boundary`` (overlap, same label), ``wrong label and boundary``;
- spans (claims): ``missed``, ``spurious``, ``partial`` (overlap-matched, other boundaries);
- pairs (attribution): ``missed``, ``spurious``, ``wrong stance`` (both spans matched);
- classification and value: ``wrong label`` / ``wrong value`` (gold → predicted).

The context is the example's text (for pairs: the sentences holding the spans) with the gold
span in ``[[…]]`` and the predicted span in ``{{…}}``; classification and value rows mark the
input spans they classify in ``[[…]]``. Rows come in gold order, then by offset.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from nkru.tasks import LabelMap

from .attribution import Pair, pair_matching, sentence_of
from .claims import overlap_matching
from .spans import Span, TokenGrid
from .validate import Example

GOLD_MARKS = ("[[", "]]")
PREDICTED_MARKS = ("{{", "}}")


@dataclass(frozen=True)
class Error:
    """One error: where (example, document), what kind, the gold and the predicted side."""

    id: str
    document_id: str
    kind: str
    gold_label: str | None = None
    predicted_label: str | None = None
    gold_text: str | None = None
    predicted_text: str | None = None
    gold_start: int | None = None
    gold_end: int | None = None
    predicted_start: int | None = None
    predicted_end: int | None = None
    context: str = ""


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Error))


def as_rows(errors: Iterable[Error]) -> list[tuple[Any, ...]]:
    """Errors as tuples in :data:`COLUMNS` order."""
    return [astuple(error) for error in errors]


def marked(text: str, marks: Iterable[tuple[int, int, tuple[str, str]]]) -> str:
    """``text`` with each ``(start, end, (open, close))`` span marked, offsets into ``text``."""
    inserts: list[tuple[int, int, str]] = []
    for start, end, (opening, closing) in marks:
        inserts.append((start, 1, opening))
        inserts.append((end, 0, closing))
    out, last = [], 0
    for at, _, mark in sorted(inserts):
        out.append(text[last:at])
        out.append(mark)
        last = at
    out.append(text[last:])
    return "".join(out).replace("\n", " ")


@dataclass(frozen=True)
class Context:
    """What an error row needs of a gold example besides its payload: the raw gold record."""

    example: Example
    record: Mapping[str, Any]

    @property
    def text(self) -> str:
        return str(self.record.get("text") or "")

    def span_text(self, start: int, end: int) -> str:
        return self.text[start:end]


Lister = Callable[[Context, Any, Any], list[Error]]


def entity_matching(gold: list, predicted: list) -> list[tuple[Any, Any]]:
    """nervaluate's strict matching, in offset order: a prediction takes the gold entity it
    matches exactly, else the first gold entity not yet taken that it overlaps, else it is
    spurious; gold entities no prediction took are missed. Returns ``(gold, predicted)``
    entity pairs, None on the side that has none."""
    gold, predicted = sorted(gold), sorted(predicted)
    taken: dict[int, Any] = {}
    spurious = []
    for entity in predicted:
        hit = None
        for g, other in enumerate(gold):
            if g in taken:
                continue
            if other == entity:
                hit = g
                break
            if hit is None and other[0] < entity[1] and entity[0] < other[1]:
                hit = g
        if hit is None:
            spurious.append((None, entity))
        else:
            taken[hit] = entity
    return [(entity, taken.get(g)) for g, entity in enumerate(gold)] + spurious


def entity_errors(ctx: Context, gold: list, predicted: list) -> list[Error]:
    """Each pair of :func:`entity_matching` that differs, named by what differs."""
    errors = []
    for match, entity in entity_matching(gold, predicted):
        if match == entity:
            continue
        if match is None or entity is None:
            kind = "missed" if entity is None else "spurious"
        elif match[:2] == entity[:2]:
            kind = "wrong label"
        else:
            kind = "wrong boundary" if match[2] == entity[2] else "wrong label and boundary"
        errors.append(_span_error(ctx, kind, match, entity))
    return sorted(errors, key=_position)


def _position(error: Error) -> tuple[int, int]:
    """Offset order of span errors: by the gold start, else the predicted start."""
    start = error.gold_start if error.gold_start is not None else error.predicted_start
    return (start or 0, error.predicted_start or 0)


def _span_error(
    ctx: Context,
    kind: str,
    gold: tuple[int, int, str | None] | None,
    predicted: tuple[int, int, str | None] | None,
) -> Error:
    marks = []
    if gold is not None:
        marks.append((gold[0], gold[1], GOLD_MARKS))
    if predicted is not None:
        marks.append((predicted[0], predicted[1], PREDICTED_MARKS))
    return Error(
        ctx.example.id,
        ctx.example.document_id,
        kind,
        gold_label=gold[2] if gold else None,
        predicted_label=predicted[2] if predicted else None,
        gold_text=ctx.span_text(gold[0], gold[1]) if gold else None,
        predicted_text=ctx.span_text(predicted[0], predicted[1]) if predicted else None,
        gold_start=gold[0] if gold else None,
        gold_end=gold[1] if gold else None,
        predicted_start=predicted[0] if predicted else None,
        predicted_end=predicted[1] if predicted else None,
        context=marked(ctx.text, marks),
    )


def claim_errors(ctx: Context, gold: list[Span], predicted: list[Span]) -> list[Error]:
    """The scorer's one-to-one overlap matching: unmatched gold missed, unmatched predictions
    spurious, matched with other boundaries partial."""
    matching = overlap_matching(TokenGrid(ctx.example.tokens or []), gold, predicted)
    matched_gold = {g for g, _ in matching}
    matched_pred = {p for _, p in matching}
    label = "CLAIM"
    found = [
        _span_error(ctx, "partial", (*gold[g], label), (*predicted[p], label))
        for g, p in matching
        if gold[g] != predicted[p]
    ]
    found += [
        _span_error(ctx, "missed", (*span, label), None)
        for g, span in enumerate(gold)
        if g not in matched_gold
    ]
    found += [
        _span_error(ctx, "spurious", None, (*span, label))
        for p, span in enumerate(predicted)
        if p not in matched_pred
    ]
    return sorted(found, key=_position)


def pair_errors(ctx: Context, gold: list[Pair], predicted: list[Pair]) -> list[Error]:
    """The scorer's unlabelled pair matching: unmatched gold pairs missed, unmatched
    predictions spurious, matched pairs with another stance wrong."""
    grid = TokenGrid(ctx.example.tokens or [])
    matching = pair_matching(grid, gold, predicted, labelled=False)
    matched_gold = {g for g, _, _ in matching}
    matched_pred = {p for _, p, _ in matching}
    found = [
        _pair_error(ctx, "wrong stance", gold[g], predicted[p])
        for g, p, _ in matching
        if gold[g][4] is not None and gold[g][4] != predicted[p][4]
    ]
    found += [
        _pair_error(ctx, "missed", pair, None)
        for g, pair in enumerate(gold)
        if g not in matched_gold
    ]
    found += [
        _pair_error(ctx, "spurious", None, pair)
        for p, pair in enumerate(predicted)
        if p not in matched_pred
    ]
    return sorted(found, key=_position)


def _pair_text(ctx: Context, pair: Pair | None) -> str | None:
    if pair is None:
        return None
    return f"{ctx.span_text(pair[0], pair[1])} → {ctx.span_text(pair[2], pair[3])}"


def _pair_error(ctx: Context, kind: str, gold: Pair | None, predicted: Pair | None) -> Error:
    """A pair error; its context is the sentences holding the pairs' spans, the gold source
    and claim marked ``[[…]]``, the predicted ones ``{{…}}``."""
    pairs = [(p, marks) for p, marks in ((gold, GOLD_MARKS), (predicted, PREDICTED_MARKS)) if p]
    sentences = ctx.example.sentences
    offsets = [o for pair, _ in pairs for o in pair[0:4]]
    if sentences:
        first = sentences[sentence_of(sentences, min(offsets))][0]
        last = sentences[sentence_of(sentences, max(offsets) - 1)][1]
    else:
        first, last = min(offsets), max(offsets)
    marks = [
        (start - first, end - first, mark)
        for pair, mark in pairs
        for start, end in ((pair[0], pair[1]), (pair[2], pair[3]))
    ]
    return Error(
        ctx.example.id,
        ctx.example.document_id,
        kind,
        gold_label=gold[4] if gold else None,
        predicted_label=predicted[4] if predicted else None,
        gold_text=_pair_text(ctx, gold),
        predicted_text=_pair_text(ctx, predicted),
        gold_start=gold[0] if gold else None,
        gold_end=gold[3] if gold else None,
        predicted_start=predicted[0] if predicted else None,
        predicted_end=predicted[3] if predicted else None,
        context=marked(ctx.text[first:last], marks),
    )


_INPUT_SPANS = (("source_start", "source_end"), ("claim_start", "claim_end"), ("start", "end"))


def label_errors(kind: str) -> Lister:
    """Classification and value tasks: one row when the predicted answer differs."""

    def listed(ctx: Context, gold: Any, predicted: Any) -> list[Error]:
        if predicted == gold:
            return []
        record = ctx.record
        spans = [(record[a], record[b]) for a, b in _INPUT_SPANS if a in record and b in record]
        shown = ctx.span_text(*spans[-1]) if spans else None
        return [
            Error(
                ctx.example.id,
                ctx.example.document_id,
                kind,
                gold_label=None if gold is None else str(gold),
                predicted_label=None if predicted is None else str(predicted),
                gold_text=shown,
                predicted_text=shown,
                context=marked(ctx.text, [(s, e, GOLD_MARKS) for s, e in spans]),
            )
        ]

    return listed


def mapped(entities: list | None, label_map: LabelMap | None) -> list:
    """Entities under a label map (a label mapped to None is dropped; None is no entity)."""
    entities = list(entities or [])
    if not label_map:
        return entities
    out = []
    for start, end, label in entities:
        label = label_map.get(label, label)
        if label is not None:
            out.append((start, end, label))
    return out


NO_ENTITY = "O"


def entity_confusion(
    examples: Iterable[Example], predictions: Mapping[str, Any], label_map: LabelMap | None
) -> dict[str, Any]:
    """Entity types confused under :func:`entity_matching`: counts of (gold type, predicted
    type) over matched entities (whatever their boundaries), missed ones in the predicted
    column ``O``, spurious ones in the gold row ``O``; ``{"labels", "matrix"}`` as the
    classification scorers give it."""
    counts: Counter[tuple[str, str]] = Counter()
    for example in examples:
        gold = mapped(example.payload, label_map)
        predicted = mapped(predictions.get(example.id), label_map)
        for g, p in entity_matching(gold, predicted):
            counts[(g[2] if g else NO_ENTITY, p[2] if p else NO_ENTITY)] += 1
    labels = [*sorted({label for pair in counts for label in pair} - {NO_ENTITY}), NO_ENTITY]
    matrix = [[counts[(g, p)] for p in labels] for g in labels]
    return {"labels": labels, "matrix": matrix}


def write_csv(errors: Iterable[Error], path: Path) -> int:
    """Errors as a UTF-8 CSV file (header :data:`COLUMNS`, text quoted; empty for none);
    returns the number of rows."""
    rows = as_rows(errors)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)

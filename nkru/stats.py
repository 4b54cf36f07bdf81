"""Counts per layer and label of annotations (``nkru stats``)."""

from __future__ import annotations

from collections import Counter

from nkru.records import Annotation
from nkru.schema import CERTAINTY_LABELS, ENTITY_LABELS, STANCE_LABELS, TOPIC_LABELS

LAYERS: tuple[str, ...] = ("entity", "claim", "certainty", "topic", "source", "stance")


def annotation_counts(annotation: Annotation) -> Counter[tuple[str, str]]:
    """(layer, label) -> count for one annotation; every schema label is present, maybe 0."""
    counts: Counter[tuple[str, str]] = Counter()
    for layer, labels in (
        ("entity", ENTITY_LABELS),
        ("certainty", CERTAINTY_LABELS),
        ("topic", TOPIC_LABELS),
        ("stance", STANCE_LABELS),
    ):
        counts.update({(layer, label): 0 for label in labels})
    counts.update(("entity", e.label) for e in annotation.entities)
    counts[("claim", "CLAIM")] = len(annotation.claims)
    counts.update(("certainty", str(c.certainty)) for c in annotation.claims)
    counts.update(("topic", str(c.topic)) for c in annotation.claims)
    counts[("source", "SOURCE")] = len(annotation.sources)
    counts.update(("stance", s.label) for s in annotation.stances)
    counts[("claim", "without source")] = len(
        {c.id for c in annotation.claims} - {s.claim_id for s in annotation.stances}
    )
    return counts

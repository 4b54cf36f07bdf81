"""Label Studio result items: the one builder used for annotations (:mod:`.convert`), spaCy
drafts (:mod:`.client`) and the ML backend's predictions (:mod:`nkru.app.preannotate`).

Shapes (control names from :mod:`.labeling_config`; offsets in code points, end-exclusive):

- a region: ``{"id", "from_name", "to_name", "type": "labels", "origin", "value": {"start",
  "end", "text", "labels": [label]}}``, with ``meta.text = [note]`` for a region's note;
- a per-region attribute (choices, a textarea value): the region's ``id`` and offsets again,
  ``type`` the control's kind and ``value`` holding ``choices`` or ``text``;
- a relation: ``{"from_id", "to_id", "type": "relation", "direction": "right", "labels"}``.

``score`` is set on model output only.
"""

from __future__ import annotations

from typing import Any

from . import labeling_config as lc

MANUAL = "manual"
PREDICTION = "prediction"


def _scored(item: dict[str, Any], score: float | None) -> dict[str, Any]:
    if score is not None:
        item["score"] = score
    return item


def region(
    region_id: str,
    control: str,
    start: int,
    end: int,
    text: str,
    label: str,
    *,
    origin: str = MANUAL,
    score: float | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A labelled span ``[start, end)`` of the document text."""
    item: dict[str, Any] = {
        "id": region_id,
        "from_name": control,
        "to_name": lc.TEXT_NAME,
        "type": "labels",
        "origin": origin,
        "value": {"start": start, "end": end, "text": text, "labels": [label]},
    }
    if note is not None:
        item["meta"] = {"text": [note]}
    return _scored(item, score)


def attribute(
    region_id: str,
    control: str,
    kind: str,
    start: int,
    end: int,
    value: dict[str, Any],
    *,
    origin: str = MANUAL,
    score: float | None = None,
) -> dict[str, Any]:
    """A per-region attribute of the region ``region_id`` (``kind`` choices or textarea)."""
    item = {
        "id": region_id,
        "from_name": control,
        "to_name": lc.TEXT_NAME,
        "type": kind,
        "origin": origin,
        "value": {"start": start, "end": end, **value},
    }
    return _scored(item, score)


def relation(
    source_id: str, claim_id: str, label: str, *, score: float | None = None
) -> dict[str, Any]:
    """A stance relation from a source region to a claim region."""
    item = {
        "from_id": source_id,
        "to_id": claim_id,
        "type": "relation",
        "direction": "right",
        "labels": [label],
    }
    return _scored(item, score)

"""A tiny user system for ``nkru benchmark --system examples/capitalised_ner.py:make_system``.

Rule-based NER: every run of capitalised words is an entity (not at the start of a sentence
unless it is in the training gazetteer). Its label is the one the word sequence had most often
in the training rows; unseen sequences are GPE when they end in a place-like suffix, PER when
they have two or more words, else ORG. ``fit`` is optional in the plugin protocol; this one
uses it to learn the gazetteer.

The plugin protocol: ``make_system(task)`` returns an object with ``predict(rows)`` (and
optionally ``fit(train_rows)``, ``name``, ``description``) for the tasks it handles, and None
for the others. ``predict`` returns one prediction object per row in the task's JSON Lines
format: for ner, ``{"id": row["id"], "entities": [{"start", "end", "label"}]}`` with offsets
into ``row["text"]``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

_RUN = re.compile(r"[A-ZÀ-Ý][\w'’-]*(?:\s+(?:de|du|des|la|le)?\s*[A-ZÀ-Ý][\w'’-]*)*")
_PLACE = ("ie", "ine", "ée", "ou", "sk", "ang", "an", "ays", "Unis")


class CapitalisedNer:
    name = "capitalised"
    task = "ner"
    description = "rule-based: runs of capitalised words, labelled from a training gazetteer"

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def fit(self, rows: Sequence[dict[str, Any]]) -> CapitalisedNer:
        votes: dict[str, Counter] = {}
        for row in rows:
            for entity in row.get("entities") or []:
                surface = row["text"][entity["start"] : entity["end"]]
                votes.setdefault(surface, Counter())[entity["label"]] += 1
        self.known = {s: min(c, key=lambda lab: (-c[lab], lab)) for s, c in votes.items()}
        return self

    def label(self, surface: str) -> str:
        if surface in self.known:
            return self.known[surface]
        if surface.endswith(_PLACE):
            return "GPE"
        return "PER" if len(surface.split()) >= 2 else "ORG"

    def predict(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            text = row["text"]
            entities = []
            for match in _RUN.finditer(text):
                surface = match.group(0)
                at_start = not text[: match.start()].strip()
                if at_start and surface not in self.known:
                    continue
                entities.append(
                    {"start": match.start(), "end": match.end(), "label": self.label(surface)}
                )
            out.append({"id": row["id"], "entities": entities})
        return out


def make_system(task: str) -> CapitalisedNer | None:
    """The plugin entry point: a system for ``ner``, nothing for the other tasks."""
    return CapitalisedNer() if task == "ner" else None

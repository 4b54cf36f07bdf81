"""NER baseline: a token classifier on hand-made features predicting BIO tags.

Pipeline: features per token (word, lower case, shape, prefixes and suffixes of 1-3 characters,
capitalisation, digits, hyphen/apostrophe, the words and shapes of the neighbours at ±1 and ±2,
and gazetteer tags) → ``DictVectorizer`` → ``LogisticRegression`` (lbfgs, seeded) → BIO repair
(:func:`repair_bio`) → character spans from the token offsets. The gazetteer holds the entity
surfaces of the TRAINING rows only (:class:`Gazetteer`), matched longest-first on lower-cased
tokens. Training tags come from the row's entities and token offsets (:func:`bio_tags`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Self

from nkru.schema import ENTITY_LABELS

from .models import feature_classifier, fit_or_constant
from .protocol import Prediction, Row, System

OUTSIDE = "O"
BIO_TAGS: tuple[str, ...] = (OUTSIDE, *(f"{p}-{label}" for label in ENTITY_LABELS for p in "BI"))
_TOKEN_RE = re.compile(r"\w+|[^\w\s]")
Span = tuple[int, int]


def token_spans(row: Row) -> list[Span]:
    """The row's token offsets (``token_starts``/``token_ends``), else a regex tokenisation."""
    starts, ends = row.get("token_starts"), row.get("token_ends")
    if starts is not None and ends is not None:
        return list(zip(starts, ends, strict=True))
    return [m.span() for m in _TOKEN_RE.finditer(row["text"])]


def bio_tags(tokens: Sequence[Span], entities: Sequence[dict]) -> list[str]:
    """BIO tags of tokens from character-offset entities (a token is in an entity it overlaps)."""
    tags = [OUTSIDE] * len(tokens)
    for entity in sorted(entities, key=lambda e: (e["start"], e["end"])):
        inside = [i for i, (s, e) in enumerate(tokens) if s < entity["end"] and entity["start"] < e]
        if not inside or any(tags[i] != OUTSIDE for i in inside):
            continue
        tags[inside[0]] = f"B-{entity['label']}"
        for i in inside[1:]:
            tags[i] = f"I-{entity['label']}"
    return tags


def repair_bio(tags: Sequence[str]) -> list[str]:
    """Well-formed BIO: an ``I-X`` not preceded by ``B-X``/``I-X`` becomes ``B-X``.

    Unknown tags (not ``O``, ``B-L`` or ``I-L`` with a schema label) become ``O``.
    """
    out: list[str] = []
    previous = OUTSIDE
    for tag in tags:
        if tag != OUTSIDE and (tag[:2] not in ("B-", "I-") or tag[2:] not in ENTITY_LABELS):
            tag = OUTSIDE
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        previous = tag
    return out


def spans_from_bio(tags: Sequence[str], tokens: Sequence[Span]) -> list[dict]:
    """Entity objects ``{"start", "end", "label"}`` from (repaired) BIO tags and token offsets."""
    entities: list[dict] = []
    current: dict | None = None
    for tag, (start, end) in zip(repair_bio(tags), tokens, strict=True):
        if tag.startswith("I-") and current is not None:
            current["end"] = end
            continue
        if current is not None:
            entities.append(current)
            current = None
        if tag.startswith("B-"):
            current = {"start": start, "end": end, "label": tag[2:]}
    if current is not None:
        entities.append(current)
    return entities


class Gazetteer:
    """Entity surfaces (lower-cased token tuples) → most frequent label, from training rows."""

    def __init__(self, entries: dict[tuple[str, ...], str]) -> None:
        self.entries = entries
        self.longest = max((len(k) for k in entries), default=0)

    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> Gazetteer:
        counts: dict[tuple[str, ...], Counter] = {}
        for row in rows:
            text, tokens = row["text"], token_spans(row)
            for entity in row.get("entities") or []:
                words = tuple(
                    text[s:e].lower()
                    for s, e in tokens
                    if s < entity["end"] and entity["start"] < e
                )
                if words:
                    counts.setdefault(words, Counter())[entity["label"]] += 1
        return cls(
            {
                k: sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0]
                for k, c in sorted(counts.items())
            }
        )

    def __contains__(self, surface: object) -> bool:
        if isinstance(surface, str):
            surface = tuple(m.group(0).lower() for m in _TOKEN_RE.finditer(surface))
        return surface in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def tag(self, words: Sequence[str]) -> list[str]:
        """Gazetteer BIO tag per token (longest match first, left to right)."""
        lower = [w.lower() for w in words]
        tags = [OUTSIDE] * len(words)
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                label = self.entries.get(tuple(lower[i : i + size]))
                if label is not None:
                    tags[i] = f"B-{label}"
                    for k in range(i + 1, i + size):
                        tags[k] = f"I-{label}"
                    i += size
                    break
            else:
                i += 1
        return tags


def shape(word: str) -> str:
    """Word shape with runs collapsed: "Kim" → "Xx", "2024" → "d", "KN-23" → "X-d"."""
    mapped = re.sub(r"[A-ZÀ-ÖØ-Þ]", "X", word)
    mapped = re.sub(r"[a-zß-öø-ÿ]", "x", mapped)
    mapped = re.sub(r"\d", "d", mapped)
    return re.sub(r"(.)\1+", r"\1", mapped)


def token_features(words: Sequence[str], gazetteer_tags: Sequence[str], i: int) -> dict:
    """The hand-made features of token ``i``."""
    word = words[i]
    features: dict[str, object] = {
        "bias": 1.0,
        "word": word,
        "lower": word.lower(),
        "shape": shape(word),
        "title": word.istitle(),
        "upper": word.isupper() and len(word) > 1,
        "digit": word.isdigit(),
        "has_digit": any(ch.isdigit() for ch in word),
        "hyphen": "-" in word,
        "apostrophe": "'" in word or "’" in word,
        "length": min(len(word), 10),
        "first": i == 0,
        "gaz": gazetteer_tags[i],
        "gaz_label": gazetteer_tags[i][2:] or OUTSIDE,
    }
    for n in (1, 2, 3):
        features[f"prefix{n}"] = word[:n].lower()
        features[f"suffix{n}"] = word[-n:].lower()
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(words):
            features[f"{offset}:lower"] = words[j].lower()
            features[f"{offset}:shape"] = shape(words[j])
            features[f"{offset}:title"] = words[j].istitle()
            features[f"{offset}:gaz"] = gazetteer_tags[j]
        else:
            features[f"{offset}:lower"] = "<s>" if j < 0 else "</s>"
    return features


def sentence_features(row: Row, gazetteer: Gazetteer) -> tuple[list[Span], list[dict]]:
    tokens = token_spans(row)
    words = [row["text"][s:e] for s, e in tokens]
    tags = gazetteer.tag(words)
    return tokens, [token_features(words, tags, i) for i in range(len(words))]


class NerTagger(System):
    """Token classifier (DictVectorizer + LogisticRegression) with BIO repair."""

    name = "logreg"
    task = "ner"
    description = (
        "hand-made token features (word, shape, affixes, ±2 neighbours, train-only "
        "gazetteer) + DictVectorizer + LogisticRegression, BIO tags, BIO repair"
    )

    def __init__(self, seed: int = 13, c: float = 1.0) -> None:
        super().__init__(seed)
        self.c = c

    def fit(self, rows: Sequence[Row]) -> Self:
        self.gazetteer = Gazetteer.from_rows(rows)
        inputs: list[dict] = []
        labels: list[str] = []
        for row in rows:
            tokens, features = sentence_features(row, self.gazetteer)
            inputs.extend(features)
            labels.extend(bio_tags(tokens, row.get("entities") or []))
        self.model = fit_or_constant(
            lambda: feature_classifier(self.seed, c=self.c), inputs, labels
        )
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        encoded = [sentence_features(row, self.gazetteer) for row in rows]
        flat = [f for _, features in encoded for f in features]
        predicted = [str(t) for t in self.model.predict(flat)] if flat else []
        out, position = [], 0
        for row, (tokens, _) in zip(rows, encoded, strict=True):
            tags = predicted[position : position + len(tokens)]
            position += len(tokens)
            out.append({"id": row["id"], "entities": spans_from_bio(tags, tokens)})
        return out

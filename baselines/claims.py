"""Claims baseline: a sentence-level detector plus a span rule for detected sentences.

Detector: TF-IDF word 1-2-grams + LogisticRegression (``class_weight="balanced"``, seeded) on
the sentence text, trained on ``has_claim`` (a sentence holding at least one gold claim).

Span rule (:func:`claim_span`), applied to every detected sentence — one claim per sentence:
1. leading whitespace is skipped;
2. a leading attribution cue is removed: "Selon X, " / "D'après X, " / "Pour X, " (X up to the
   first comma, at most 80 characters), or "X a/ont confirmé|affirmé|déclaré|… que " (the
   speech verb within the first 80 characters);
3. a trailing cue is removed: ", selon X." / ", d'après X." / ", a affirmé X.";
4. trailing punctuation and whitespace (. ; : ! … ») are removed.
If nothing is left, the whole stripped sentence is the span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Self

from .models import fit_or_constant, word_classifier
from .protocol import Prediction, Row, System

SPEECH_VERBS = (
    "confirmé|affirmé|déclaré|indiqué|annoncé|assuré|estimé|rapporté|précisé|reconnu|démenti|"
    "nié|souligné|expliqué|ajouté|révélé|admis|signalé|dit|prévenu|averti|accusé|rejeté|"
    "contesté|répété|insisté|jugé"
)
_LEADING_CUES = (
    re.compile(r"^(?:selon|d['’]après|pour|de source)\s[^,]{1,80},\s*", re.I),
    re.compile(rf"^[^,.]{{1,80}}?\s(?:a|ont|avait|avaient|aurait|auraient)\s(?:\w+\s)?"
               rf"(?:{SPEECH_VERBS})\s(?:que\s|qu['’])\s*", re.I),
)
_TRAILING_CUES = (
    re.compile(r",\s*(?:selon|d['’]après)\s[^,]{1,80}$", re.I),
    re.compile(rf",\s*(?:a|ont|avait|avaient)\s(?:{SPEECH_VERBS})\s[^,]{{1,80}}$", re.I),
)
_TRAILING_PUNCT = re.compile(r"[\s.;:!…»\"”]+$")


def claim_span(text: str) -> tuple[int, int] | None:
    """The claim span of a detected sentence by the rule above, or None for a blank text."""
    start, end = 0, len(text.rstrip())
    while start < end and text[start].isspace():
        start += 1
    if start >= end:
        return None
    full = (start, end)
    for pattern in _LEADING_CUES:
        if match := pattern.match(text, start, end):
            start = match.end()
            break
    body = text[:end]
    for pattern in _TRAILING_CUES:
        if match := pattern.search(body, start):
            end = match.start()
            break
    if match := _TRAILING_PUNCT.search(text, start, end):
        end = match.start()
    return (start, end) if start < end else full


def has_claim(row: Row) -> bool:
    """Whether a claims row has a gold claim (``has_claim``, else non-empty ``claims``)."""
    value = row.get("has_claim")
    return bool(value) if value is not None else bool(row.get("claims"))


def span_claims(text: str) -> list[dict]:
    """The claims prediction of a detected sentence: ``[{"start", "end"}]`` or ``[]``."""
    span = claim_span(text)
    return [] if span is None else [{"start": span[0], "end": span[1]}]


class ClaimDetector(System):
    """Sentence-level TF-IDF + LogisticRegression detector with the span rule."""

    name = "tfidf-logreg"
    task = "claims"
    description = ("sentence TF-IDF word 1-2-grams + LogisticRegression (balanced); detected "
                   "sentence → one span: the sentence minus attribution cues and final punctuation")

    def fit(self, rows: Sequence[Row]) -> Self:
        self.model = fit_or_constant(lambda: word_classifier(self.seed, balanced=True),
                                     [row["text"] for row in rows],
                                     [has_claim(row) for row in rows])
        self.fitted = True
        return self

    def detect(self, texts: Sequence[str]) -> list[bool]:
        """Sentence-level decisions for raw sentence texts."""
        self.check_fitted()
        return [bool(x) for x in self.model.predict(list(texts))] if texts else []

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        decisions = self.detect([row["text"] for row in rows])
        return [{"id": row["id"], "claims": span_claims(row["text"]) if detected else []}
                for row, detected in zip(rows, decisions, strict=True)]

"""Stance, certainty and topic baselines: one text classifier per task.

Pipeline (:func:`nkru.baselines.models.text_classifier`): FeatureUnion(TF-IDF word 1-2-grams,
TF-IDF char_wb 2-5-grams) + LogisticRegression (``class_weight="balanced"``, seeded). The input
is one string built from the gold example (parts joined by " ### "):

- certainty, topic: the claim text, then the context with the claim replaced by "<claim>"
  (so context words — "selon", conditional cues around the claim — are features of their own);
- stance: the cue (the context words between the source and the claim), the source text, the
  claim text, then the context with both spans replaced by "<source>" and "<claim>".

Labels are names from :data:`nkru.schema.TASKS`; rows may carry ClassLabel integers or names
(use :func:`nkru.baselines.io.as_rows` on a ``datasets.Dataset``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from nkru.tasks import TASKS

from .io import label_name
from .models import fit_or_constant, text_classifier
from .protocol import Prediction, Row, System

SEPARATOR = " ### "


def _replace(text: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, marker)`` span replaced by its marker."""
    out: list[str] = []
    position = 0
    for start, end, marker in sorted(spans):
        if start < position:
            continue
        out.extend((text[position:start], f" {marker} "))
        position = end
    out.append(text[position:])
    return " ".join("".join(out).split())


def claim_input(row: Row) -> str:
    """Certainty/topic input: claim text, then the context with the claim masked."""
    text, start, end = row["text"], row["claim_start"], row["claim_end"]
    claim = row.get("claim_text") or text[start:end]
    return SEPARATOR.join((claim, _replace(text, [(start, end, "<claim>")])))


def cue(row: Row) -> str:
    """The context words between the source and the claim (either order)."""
    text = row["text"]
    first, second = sorted(
        [(row["source_start"], row["source_end"]), (row["claim_start"], row["claim_end"])]
    )
    return " ".join(text[first[1] : second[0]].split()) if first[1] <= second[0] else ""


def stance_input(row: Row) -> str:
    """Stance input: cue, source text, claim text, masked context."""
    text = row["text"]
    source = row.get("source_text") or text[row["source_start"] : row["source_end"]]
    claim = row.get("claim_text") or text[row["claim_start"] : row["claim_end"]]
    context = _replace(
        text,
        [
            (row["source_start"], row["source_end"], "<source>"),
            (row["claim_start"], row["claim_end"], "<claim>"),
        ],
    )
    return SEPARATOR.join((cue(row), source, claim, context))


class TextClassifier(System):
    """Base of the three classification baselines; subclasses define ``input_text``."""

    name = "tfidf-logreg"
    labels: ClassVar[tuple[str, ...]]

    def input_text(self, row: Row) -> str:
        raise NotImplementedError

    def fit(self, rows: Sequence[Row]) -> Self:
        labels = [label_name(self.task, row["label"]) for row in rows]
        unknown = sorted(set(labels) - set(TASKS[self.task].labels))
        if unknown:
            raise ValueError(f"{self.task}: labels not in the schema: {unknown}")
        self.model = fit_or_constant(
            lambda: text_classifier(self.seed, balanced=True),
            [self.input_text(row) for row in rows],
            labels,
        )
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        if not rows:
            return []
        predicted = self.model.predict([self.input_text(row) for row in rows])
        return [
            {"id": row["id"], "label": str(label)}
            for row, label in zip(rows, predicted, strict=True)
        ]


class StanceClassifier(TextClassifier):
    task = "stance"
    description = (
        "TF-IDF word 1-2 + char_wb 2-5 + LogisticRegression on cue, source, claim "
        "and masked context"
    )

    def input_text(self, row: Row) -> str:
        return stance_input(row)


class CertaintyClassifier(TextClassifier):
    task = "certainty"
    description = "TF-IDF word 1-2 + char_wb 2-5 + LogisticRegression on claim and masked context"

    def input_text(self, row: Row) -> str:
        return claim_input(row)


class TopicClassifier(TextClassifier):
    task = "topic"
    description = "TF-IDF word 1-2 + char_wb 2-5 + LogisticRegression on claim and masked context"

    def input_text(self, row: Row) -> str:
        return claim_input(row)

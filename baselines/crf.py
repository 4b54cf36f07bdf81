"""Linear-chain CRF span taggers (``sklearn-crfsuite``): tokens → BIO tags → character spans.

:class:`BioCrf` is the shared machinery of the NER and claims CRFs: a subclass says which
row field holds the target spans, the span labels, how to turn a sentence into token feature
dicts (given a :class:`CrfSettings`), and the candidate settings. ``fit`` picks the settings by
leave-one-document-out over the training documents (:func:`nkru.baselines.selection.select`),
then trains ``sklearn_crfsuite.CRF`` (L-BFGS, elastic net ``c1``/``c2``, every transition
allowed) on all training rows. ``predict`` reads only the sentence text and tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import sklearn_crfsuite

from .bio import bio_tags, spans_from_bio, token_spans
from .nlp import analyse_all
from .protocol import Prediction, Row, System
from .selection import Selection, select

MAX_ITERATIONS = 100


@dataclass(frozen=True)
class CrfSettings:
    """One candidate: L1/L2 weights and the feature groups switched on."""

    c1: float = 0.1
    c2: float = 0.1
    groups: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"c1={self.c1:g} c2={self.c2:g} features={'+'.join(('form', *self.groups))}"


def crf(settings: CrfSettings) -> sklearn_crfsuite.CRF:
    """An unfitted CRF (L-BFGS is deterministic: no seed needed)."""
    return sklearn_crfsuite.CRF(
        algorithm="lbfgs",
        c1=settings.c1,
        c2=settings.c2,
        max_iterations=MAX_ITERATIONS,
        all_possible_transitions=True,
    )


class BioCrf(System):
    """A CRF over the dataset tokens of each sentence row; subclasses define the features."""

    span_key: ClassVar[str]  # the row field (and prediction key) holding the spans
    labels: ClassVar[tuple[str, ...]]
    candidates: ClassVar[tuple[CrfSettings, ...]]

    def sentence_features(
        self, row: Row, tokens: list[tuple[int, int]], analysis: Any, settings: CrfSettings
    ) -> list[dict[str, object]]:
        """Feature dicts of the row's tokens."""
        raise NotImplementedError

    def target_spans(self, row: Row) -> list[dict]:
        """The row's gold spans as ``{"start", "end", "label"}``."""
        return [dict(span) for span in row.get(self.span_key) or []]

    def prediction(self, spans: list[dict]) -> list[dict]:
        """Decoded spans as the prediction payload (NER keeps labels)."""
        return spans

    def _features(self, rows: Sequence[Row], settings: CrfSettings) -> list[list[dict]]:
        analyses = analyse_all([row["text"] for row in rows])
        return [
            self.sentence_features(row, token_spans(row), analysis, settings)
            for row, analysis in zip(rows, analyses, strict=True)
        ]

    def _train(self, rows: Sequence[Row], settings: CrfSettings) -> sklearn_crfsuite.CRF:
        tags = [bio_tags(token_spans(row), self.target_spans(row)) for row in rows]
        model = crf(settings)
        model.fit(self._features(rows, settings), tags)
        return model

    def _decode(
        self, model: sklearn_crfsuite.CRF, rows: Sequence[Row], settings: CrfSettings
    ) -> list[Prediction]:
        if not rows:
            return []
        predicted = model.predict(self._features(rows, settings))
        return [
            {
                "id": row["id"],
                self.span_key: self.prediction(
                    spans_from_bio(list(tags), token_spans(row), self.labels)
                ),
            }
            for row, tags in zip(rows, predicted, strict=True)
        ]

    def fit(self, rows: Sequence[Row]) -> Self:
        if not rows:
            raise ValueError("no training examples")
        self.selection: Selection = select(
            self.task,
            rows,
            self.candidates,
            lambda settings, train, held: self._decode(
                self._train(train, settings), held, settings
            ),
        )
        self.settings: CrfSettings = self.selection.chosen
        self.model = self._train(rows, self.settings)
        self.fitted = True
        return self

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        self.check_fitted()
        return self._decode(self.model, rows, self.settings)
